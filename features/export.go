package features

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/npy"
)

// ExportNPY writes the rows of the store in dir selected by keep (all rows
// when keep is nil) to outDir as X.npy (float32, rows x columns), y.npy
// (int64 labels) and ids.txt (one "id<TAB>region" line per row). It streams
// the matrix, so it needs memory for one row only.
func ExportNPY(dir, outDir string, keep func(Row) bool) (int, error) {
	r, err := Open(dir)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var sel []int
	for i, row := range r.Index.Rows {
		if keep == nil || keep(row) {
			sel = append(sel, i)
		}
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return 0, fmt.Errorf("features: %w", err)
	}
	cols := r.Index.Columns
	xp := filepath.Join(outDir, "X.npy")
	err = npy.WriteStream(xp, "<f4", []int{len(sel), cols}, func(w *bufio.Writer) error {
		vec := make([]float32, cols) // (columns,)
		var b [4]byte
		for _, i := range sel {
			if err := r.ReadRow(i, vec); err != nil {
				return err
			}
			for _, v := range vec {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
				if _, err := w.Write(b[:]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	y := make([]int64, len(sel))
	err = atomicfile.Write(filepath.Join(outDir, "ids.txt"), func(f io.Writer) error {
		bw := bufio.NewWriter(f)
		for k, i := range sel {
			row := r.Index.Rows[i]
			y[k] = int64(row.Label)
			fmt.Fprintf(bw, "%s\t%s\n", row.ID, row.Region)
		}
		return bw.Flush()
	})
	if err != nil {
		return 0, fmt.Errorf("features: writing ids.txt: %w", err)
	}
	if err := npy.WriteInt64(filepath.Join(outDir, "y.npy"), y); err != nil {
		return 0, err
	}
	return len(sel), nil
}
