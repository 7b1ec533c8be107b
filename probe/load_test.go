package probe

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hneurons/hneurons/npy"
)

// TestLoadNPYLayout checks LoadNPY's column-major scatter against the
// row-major values npy.ReadMatrix returns, on a matrix whose row count is
// not a multiple of the load block.
func TestLoadNPYLayout(t *testing.T) {
	for _, name := range []string{"small", "wide"} {
		p := filepath.Join("testdata", "X_"+name+".npy")
		rm, rows, cols, err := npy.ReadMatrix(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := LoadNPY(p)
		if err != nil {
			t.Fatal(err)
		}
		if m.Rows != rows || m.Cols != cols {
			t.Fatalf("%s: %dx%d want %dx%d", name, m.Rows, m.Cols, rows, cols)
		}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				if m.At(i, j) != rm[i*cols+j] {
					t.Fatalf("%s: (%d,%d) = %v want %v", name, i, j, m.At(i, j), rm[i*cols+j])
				}
			}
		}
	}
}

// TestLoadNPYTiming times LoadNPY on a large file named by HNEURONS_LOAD_NPY.
func TestLoadNPYTiming(t *testing.T) {
	p := os.Getenv("HNEURONS_LOAD_NPY")
	if p == "" {
		t.Skip("set HNEURONS_LOAD_NPY to a large X.npy to time LoadNPY")
	}
	t0 := time.Now()
	m, err := LoadNPY(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %dx%d in %v", m.Rows, m.Cols, time.Since(t0))
}
