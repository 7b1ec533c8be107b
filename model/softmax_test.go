package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// softcapSoftmax agrees with a float64 soft-capped softmax, with and
// without the cap, on rows of 1 to 300 scores of a wide range (the largest
// ones pushed into the cap's bend), and leaves nothing outside its row.
func TestSoftcapSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 3, 8, 17, 64, 300} {
		for _, capv := range []float32{0, 50, 2} {
			buf := make([]float32, n+2)
			buf[0], buf[n+1] = 12345, -12345 // guards
			v := buf[1 : n+1]
			for i := range v {
				v[i] = float32(r.NormFloat64() * 6)
			}
			want := make([]float64, n)
			mx := math.Inf(-1)
			for i, x := range v {
				d := float64(x)
				if capv > 0 {
					d = float64(capv) * math.Tanh(d/float64(capv))
				}
				want[i] = d
				mx = math.Max(mx, d)
			}
			var sum float64
			arg := make([]float64, n)
			for i := range want {
				arg[i] = want[i] - mx
				want[i] = math.Exp(arg[i])
				sum += want[i]
			}
			softcapSoftmax(v, capv)
			var got float64
			for i := range v {
				want[i] /= sum
				got += float64(v[i])
				// float32 rounding of the capped score (about c·2^-24) and of
				// its distance to the max (about |x|·2^-24) carry into e^x;
				// expf and the normalisation add a few ulps.
				tol := 0x1p-23 * (16 + 2*math.Abs(arg[i]) + 2*float64(capv)) * want[i]
				if d := math.Abs(float64(v[i]) - want[i]); !(d <= tol+1e-30) {
					t.Fatalf("n=%d cap=%g: p[%d] = %g, float64 reference %g", n, capv, i, v[i], want[i])
				}
			}
			if math.Abs(got-1) > 1e-5 {
				t.Fatalf("n=%d cap=%g: probabilities sum to %g", n, capv, got)
			}
			if buf[0] != 12345 || buf[n+1] != -12345 {
				t.Fatalf("n=%d cap=%g: wrote outside the row", n, capv)
			}
		}
	}
}
