package kernels

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// quantRef is one format's blocks and their float64 values, decoded by
// testdata/gen_quant.py (an independent numpy decoder).
type quantRef struct {
	raw    []byte
	values []float64
}

func loadQuantRefs(t *testing.T) map[DType]quantRef {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "quant_blocks.json"))
	if err != nil {
		t.Fatal(err)
	}
	var j map[string]struct {
		Hex    string    `json:"hex"`
		Values []float64 `json:"values"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	out := map[DType]quantRef{}
	for name, dt := range map[string]DType{"Q8_0": Q8_0, "Q4_K": Q4_K, "Q6_K": Q6_K} {
		raw, err := hex.DecodeString(j[name].Hex)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw)/dt.BlockBytes()*dt.BlockSize() != len(j[name].Values) {
			t.Fatalf("%s: %d bytes but %d values", name, len(raw), len(j[name].Values))
		}
		out[dt] = quantRef{raw, j[name].Values}
	}
	return out
}

func TestDequantAgainstNumpy(t *testing.T) {
	for dt, ref := range loadQuantRefs(t) {
		got, check := guarded(t, len(ref.values))
		var err error
		switch dt {
		case Q8_0:
			err = DequantQ8_0(got, ref.raw)
		case Q4_K:
			err = DequantQ4_K(got, ref.raw)
		case Q6_K:
			err = DequantQ6_K(got, ref.raw)
		}
		check()
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range ref.values {
			if math.Abs(float64(got[i])-want) > 1e-6*math.Abs(want)+1e-12 {
				t.Fatalf("%v value %d = %g, want %g", dt, i, got[i], want)
			}
		}
		if err := DequantQ8_0(got, ref.raw[:len(ref.raw)-1]); err == nil {
			t.Errorf("%v: truncated block gave no error", dt)
		}
	}
}

// TestMatMulQuant builds matrices whose rows are rotations of the reference
// blocks and checks MatMul (matrix-vector and GEMM paths) and Row.
func TestMatMulQuant(t *testing.T) {
	refs := loadQuantRefs(t)
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(25, 26))
		for dt, ref := range refs {
			bs, bb := dt.BlockSize(), dt.BlockBytes()
			nblk := len(ref.raw) / bb
			const n = 11
			for _, bpr := range []int{1, 2, 5, 17} { // blocks per row (17: more than one group of 16)
				k := bpr * bs
				src := make([]byte, 0, n*bpr*bb)
				w64 := make([]float64, 0, n*k)
				for row := 0; row < n; row++ {
					for q := 0; q < bpr; q++ {
						blk := (row*3 + q) % nblk
						src = append(src, ref.raw[blk*bb:(blk+1)*bb]...)
						w64 = append(w64, ref.values[blk*bs:(blk+1)*bs]...)
					}
				}
				w, err := Pack(src, dt, n, k)
				if err != nil {
					t.Fatal(err)
				}
				row := make([]float32, k)
				for i := 0; i < n; i++ {
					w.Row(i, row)
					for p := range row {
						if d := math.Abs(float64(row[p]) - w64[i*k+p]); d > 1e-6*math.Abs(w64[i*k+p])+1e-12 {
							t.Fatalf("%v Row(%d)[%d] = %g, want %g", dt, i, p, row[p], w64[i*k+p])
						}
					}
				}
				for _, m := range []int{1, 3, 8, 9, 17} {
					a := randF32(r, m*k)
					ref64, mag := refGemm64(a, w64, m, n, k)
					c, check := guarded(t, m*n)
					MatMul(c, a, m, w)
					check()
					checkClose(t, fmt.Sprintf("%v m=%d k=%d", dt, m, k), c, ref64, mag, 1e-5)
				}
			}
		}
	})
}

// TestDequantImplsAgree compares the assembly and pure-Go decoders bit for
// bit on random blocks (finite scales), at misaligned offsets.
func TestDequantImplsAgree(t *testing.T) {
	if !asmAvailable {
		t.Skip("no assembly kernels")
	}
	defer func() { asmEnabled = asmAvailable }()
	r := rand.New(rand.NewPCG(27, 28))
	for _, dt := range []DType{Q8_0, Q4_K, Q6_K} {
		for _, nb := range []int{1, 3, 17, 40} {
			src := make([]byte, 1+nb*dt.BlockBytes())[1:]
			for i := range src {
				src[i] = byte(r.Uint32())
			}
			for b := 0; b < nb; b++ { // keep f16 scales finite
				blk := src[b*dt.BlockBytes():]
				switch dt {
				case Q8_0:
					blk[1] &= 0x3f
				case Q4_K:
					blk[1] &= 0x3f
					blk[3] &= 0x3f
				case Q6_K:
					blk[209] &= 0x3f
				}
			}
			n := nb * dt.BlockSize()
			want := make([]float32, n)
			asmEnabled = false
			w, err := Pack(src, dt, 1, n)
			if err != nil {
				t.Fatal(err)
			}
			w.Row(0, want)
			asmEnabled = true
			got, check := guarded(t, n)
			w.Row(0, got)
			check()
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%v nb=%d value %d: asm %g, Go %g", dt, nb, i, got[i], want[i])
				}
			}
		}
	}
}
