package probe

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/npy"
)

// Matrix is a dense float32 matrix stored column-major (feature-major), the
// layout coordinate descent wants: column j is Data[j*Rows : (j+1)*Rows].
type Matrix struct {
	// Rows and Cols are the matrix dimensions (examples x features).
	Rows, Cols int
	// Data holds the values, (Cols, Rows).
	Data []float32

	finite bool // every value was checked finite (set by NewProblem)
}

// NewMatrix allocates a zero rows x cols matrix.
func NewMatrix(rows, cols int) *Matrix {
	return &Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// Col returns column j (rows,), aliasing the matrix.
func (m *Matrix) Col(j int) []float32 { return m.Data[j*m.Rows : (j+1)*m.Rows] }

// At returns element (i, j).
func (m *Matrix) At(i, j int) float32 { return m.Data[j*m.Rows+i] }

// SetRow scatters a row-major vector (cols,) into row i.
func (m *Matrix) SetRow(i int, row []float32) {
	for j, v := range row {
		m.Data[j*m.Rows+i] = v
	}
}

// FromRowMajor builds a column-major matrix from row-major data (rows, cols).
func FromRowMajor(data []float32, rows, cols int) *Matrix {
	m := NewMatrix(rows, cols)
	for i := 0; i < rows; i++ {
		m.SetRow(i, data[i*cols:(i+1)*cols])
	}
	return m
}

// loadBlock is the number of rows read before they are scattered into
// column-major order: each column then receives loadBlock contiguous values
// (one cache line), which makes the transpose fast, while the extra memory
// stays loadBlock rows.
const loadBlock = 16

// fillBlocks reads the matrix rows in blocks with read(i0, n, buf) filling
// buf (n, cols) with rows i0..i0+n-1, and scatters them into m.
func fillBlocks(m *Matrix, read func(i0, n int, buf []float32) error) error {
	buf := make([]float32, loadBlock*m.Cols) // (loadBlock, cols)
	for i0 := 0; i0 < m.Rows; i0 += loadBlock {
		n := min(loadBlock, m.Rows-i0)
		if err := read(i0, n, buf[:n*m.Cols]); err != nil {
			return err
		}
		for j := 0; j < m.Cols; j++ {
			col := m.Data[j*m.Rows+i0 : j*m.Rows+i0+n]
			for b := range col {
				col[b] = buf[b*m.Cols+j]
			}
		}
	}
	return nil
}

// LoadNPY reads a 2-D .npy array straight into column-major order, a block of
// rows at a time, so that it never holds a second copy of the matrix.
func LoadNPY(path string) (*Matrix, error) {
	f, err := npy.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if len(f.Shape) != 2 {
		return nil, fmt.Errorf("probe: %s: want a 2-D feature matrix, have shape %v", path, f.Shape)
	}
	m := NewMatrix(f.Shape[0], f.Shape[1])
	err = fillBlocks(m, func(i0, n int, buf []float32) error {
		if err := f.ReadFloat32(buf); err != nil {
			return fmt.Errorf("probe: %s: rows %d-%d: %w", path, i0, i0+n-1, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// LoadFeatures reads the rows sel of a feature store into a column-major
// matrix.
func LoadFeatures(r *features.Reader, sel []int) (*Matrix, error) {
	cols := r.Index.Columns
	m := NewMatrix(len(sel), cols)
	err := fillBlocks(m, func(i0, n int, buf []float32) error {
		for b := 0; b < n; b++ {
			if err := r.ReadRow(sel[i0+b], buf[b*cols:(b+1)*cols]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// threads returns the worker count to use: n when positive, else GOMAXPROCS.
func threads(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// parallelFor splits [0, n) into contiguous chunks run on up to t goroutines.
func parallelFor(n, t int, fn func(lo, hi int)) {
	if t <= 1 || n < 2*t {
		fn(0, n)
		return
	}
	// Many small chunks balance load when columns differ in cost.
	chunks := 8 * t
	if chunks > n {
		chunks = n
	}
	var wg sync.WaitGroup
	next := make(chan int, chunks)
	for c := 0; c < chunks; c++ {
		next <- c
	}
	close(next)
	for w := 0; w < t; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				fn(c*n/chunks, (c+1)*n/chunks)
			}
		}()
	}
	wg.Wait()
}
