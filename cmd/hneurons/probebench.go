package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hneurons/hneurons/npy"
	"github.com/hneurons/hneurons/probe"
	"github.com/spf13/cobra"
)

// probeBenchOptions holds the flags of `hneurons probe-bench`.
type probeBenchOptions struct {
	rows, cols, informative int
	cs                      []float64
	tol                     float64
	threads                 int
	seed                    uint64
	npyDir                  string
	penalty                 string
}

// newProbeBenchCmd builds the `hneurons probebench` command.
func newProbeBenchCmd() *cobra.Command {
	o := &probeBenchOptions{}
	cmd := &cobra.Command{
		Use:   "probe-bench",
		Short: "Time the L1 probe solver on a synthetic planted-signal matrix",
		Long: `Probe-bench builds a rows x cols float32 matrix of N(0, 0.1²) noise with
random labels and a few informative columns, fits the L1 probe and prints the
time, objective, non-zeros, recovered columns and peak memory. With --npy DIR it
first writes the same matrix as DIR/X.npy and DIR/y.npy, so that
probe/testdata/bench_sklearn.py can time scikit-learn's liblinear on it.`,
		Example: `  hneurons probe-bench --rows 2000 --cols 458752 --C 0.2
  hneurons probe-bench --rows 2000 --cols 65536 --C 0.2 --npy /tmp/pb && \
    /usr/bin/python3 probe/testdata/bench_sklearn.py /tmp/pb 0.2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runProbeBench(cmd, o) },
	}
	f := cmd.Flags()
	f.IntVar(&o.rows, "rows", 2000, "rows (responses)")
	f.IntVar(&o.cols, "cols", 458752, "columns (layers x d_ff)")
	f.IntVar(&o.informative, "informative", 20, "informative columns")
	f.Float64SliceVar(&o.cs, "C", []float64{0.2}, "inverse regularisation strength; a comma-separated list fits each (cold start)")
	f.Float64Var(&o.tol, "tol", 1e-4, "liblinear stopping tolerance")
	f.IntVar(&o.threads, "threads", 0, "worker goroutines (0 = all cores)")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "data seed")
	f.StringVar(&o.npyDir, "npy", "", "also write X.npy and y.npy to this directory")
	f.StringVar(&o.penalty, "penalty", "l1", "regulariser: l1 or l2")
	return cmd
}

func runProbeBench(cmd *cobra.Command, o *probeBenchOptions) error {
	var c checks
	c.grid("C", o.cs)
	c.atLeast("rows", o.rows, 2)
	c.atLeast("cols", o.cols, 1)
	c.atLeast("informative", o.informative, 0)
	c.positive("tol", o.tol)
	c.atLeast("threads", o.threads, 0)
	if err := c.err(); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if o.rows < 2 || o.cols < 1 || o.informative < 1 || o.informative > o.cols {
		return fmt.Errorf("probe-bench: need --rows >= 2 and 1 <= informative (%d) <= --cols (%d); got --rows %d", o.informative, o.cols, o.rows)
	}
	t0 := time.Now()
	x, y, inf := probe.Planted(o.rows, o.cols, o.informative, o.seed)
	fmt.Fprintf(w, "generated %d x %d (%.2f GB float32) in %.1fs\n", o.rows, o.cols,
		float64(len(x.Data))*4/1e9, time.Since(t0).Seconds())
	if o.npyDir != "" {
		t1 := time.Now()
		if err := writeBenchNPY(o.npyDir, x, y); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s/X.npy and y.npy in %.1fs\n", o.npyDir, time.Since(t1).Seconds())
	}
	pen, err := probe.ParsePenalty(o.penalty)
	if err != nil {
		return err
	}
	for _, c := range o.cs {
		t1 := time.Now()
		p, err := probe.NewProblem(x, y, nil, nil)
		if err != nil {
			return err
		}
		m, err := probe.Fit(cmd.Context(), p, probe.Options{Penalty: pen, C: c, Tol: o.tol, Threads: o.threads}, nil)
		if err != nil {
			return err
		}
		el := time.Since(t1)
		found := 0
		for _, j := range inf {
			if m.W[j] != 0 {
				found++
			}
		}
		fmt.Fprintf(w, "go %s fit: C=%g tol=%g time %.2fs objective %.10g nonzero %d (informative found %d/%d) newton %d rounds %d converged %v\n",
			pen, c, o.tol, el.Seconds(), m.Objective, m.NonZero(), found, len(inf), m.Iterations, m.Rounds, m.Converged)
	}
	fmt.Fprintf(w, "peak RSS %s (matrix %.2f GB)\n", peakRSS(), float64(len(x.Data))*4/1e9)
	return nil
}

// writeBenchNPY writes x row-major as dir/X.npy and y as dir/y.npy.
func writeBenchNPY(dir string, x *probe.Matrix, y []int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("probe-bench: %w", err)
	}
	err := npy.WriteStream(filepath.Join(dir, "X.npy"), "<f4", []int{x.Rows, x.Cols}, func(bw *bufio.Writer) error {
		row := make([]byte, 4*x.Cols) // (cols*4,) one encoded row
		for i := 0; i < x.Rows; i++ {
			for j := 0; j < x.Cols; j++ {
				binary.LittleEndian.PutUint32(row[4*j:], math.Float32bits(x.Data[j*x.Rows+i]))
			}
			if _, err := bw.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	yy := make([]int64, len(y))
	for i, v := range y {
		yy[i] = int64(v)
	}
	return npy.WriteInt64(filepath.Join(dir, "y.npy"), yy)
}

// peakRSS returns the process's peak resident set size from /proc, or "?".
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}
