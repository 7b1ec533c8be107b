package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func relClose(got float32, want, scale, tol float64) bool {
	return math.Abs(float64(got)-want) <= tol*(math.Abs(want)+scale)
}

func TestRMSNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 7, 64, 1001} {
		x := randF32(r, n)
		w := randF32(r, n)
		for _, addOne := range []bool{false, true} {
			var ss float64
			for _, v := range x {
				ss += float64(v) * float64(v)
			}
			inv := 1 / math.Sqrt(ss/float64(n)+1e-6)
			dst, check := guarded(t, n)
			RMSNorm(dst, x, w, 1e-6, addOne)
			check()
			for i := range x {
				g := float64(w[i])
				if addOne {
					g += 1
				}
				if want := float64(x[i]) * inv * g; !relClose(dst[i], want, 1e-6, 1e-6) {
					t.Fatalf("n=%d addOne=%v [%d] = %g, want %g", n, addOne, i, dst[i], want)
				}
			}
			// in place
			y := append([]float32(nil), x...)
			RMSNorm(y, y, w, 1e-6, addOne)
			for i := range y {
				if y[i] != dst[i] {
					t.Fatalf("in-place RMSNorm differs at %d", i)
				}
			}
		}
	}
}

func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	x := randF32(r, 300)
	Scale(x, 30)
	x[5] = float32(math.Inf(-1))
	mx := math.Inf(-1)
	for _, v := range x {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v) - mx)
	}
	want := make([]float64, len(x))
	for i, v := range x {
		want[i] = math.Exp(float64(v)-mx) / sum
	}
	Softmax(x)
	for i := range x {
		if !relClose(x[i], want[i], 1e-9, 1e-6) {
			t.Fatalf("[%d] = %g, want %g", i, x[i], want[i])
		}
	}
	y := []float32{float32(math.Inf(-1)), float32(math.Inf(-1))}
	Softmax(y)
	if y[0] != 0 || y[1] != 0 {
		t.Fatalf("all -Inf: got %v", y)
	}
}

func TestRoPE(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	const headDim, heads, pos = 16, 3, 37
	for _, rot := range []int{16, 8} { // full and partial rotary width
		inv := make([]float32, rot/2)
		for i := range inv {
			inv[i] = float32(math.Pow(10000, -2*float64(i)/float64(rot)))
		}
		for _, layout := range []string{"interleaved", "half"} {
			x := randF32(r, heads*headDim)
			y := append([]float32(nil), x...)
			if layout == "half" {
				RoPEHalf(y, pos, headDim, inv)
			} else {
				RoPEInterleaved(y, pos, headDim, inv)
			}
			for h := 0; h < heads; h++ {
				for i := 0; i < headDim; i++ {
					want := float64(x[h*headDim+i]) // untouched outside the rotary width
					if i < rot {
						// pair index p and partner q of element i
						var p, q int
						var first bool
						if layout == "half" {
							p, first = i%(rot/2), i < rot/2
							q = p + rot/2
							if !first {
								q = p
							}
						} else {
							p, first = i/2, i%2 == 0
						}
						th := float64(float32(pos) * inv[p])
						var a, b float64 // the pair (a, b) as a complex number a+ib
						if layout == "half" {
							a, b = float64(x[h*headDim+p]), float64(x[h*headDim+p+rot/2])
						} else {
							a, b = float64(x[h*headDim+2*p]), float64(x[h*headDim+2*p+1])
						}
						_ = q
						re := a*math.Cos(th) - b*math.Sin(th)
						im := a*math.Sin(th) + b*math.Cos(th)
						if first {
							want = re
						} else {
							want = im
						}
					}
					if !relClose(y[h*headDim+i], want, 1e-6, 1e-5) {
						t.Fatalf("%s rot=%d head %d [%d] = %g, want %g", layout, rot, h, i, y[h*headDim+i], want)
					}
				}
			}
		}
	}
}

func TestActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	x := randF32(r, 500)
	Scale(x, 8)
	cases := []struct {
		name string
		f    func([]float32)
		ref  func(float64) float64
	}{
		{"SiLU", SiLU, func(v float64) float64 { return v / (1 + math.Exp(-v)) }},
		{"GELUTanh", GELUTanh, func(v float64) float64 {
			return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		}},
		{"GELUErf", GELUErf, func(v float64) float64 { return v * 0.5 * math.Erfc(-v/math.Sqrt2) }},
	}
	for _, c := range cases {
		y := append([]float32(nil), x...)
		c.f(y)
		for i := range y {
			if want := c.ref(float64(x[i])); !relClose(y[i], want, 1e-7, 2e-6) {
				t.Fatalf("%s(%g) = %g, want %g", c.name, x[i], y[i], want)
			}
		}
	}
}

func TestElementwise(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, n := range []int{0, 1, 7, 8, 31, 1000} {
		a, b := randF32(r, n), randF32(r, n)
		mul, chk1 := guarded(t, n)
		add, chk2 := guarded(t, n)
		Mul(mul, a, b)
		Add(add, a, b)
		chk1()
		chk2()
		var d, g float64
		for i := range a {
			if mul[i] != a[i]*b[i] || add[i] != a[i]+b[i] {
				t.Fatalf("n=%d: Mul/Add wrong at %d", n, i)
			}
			d += float64(a[i]) * float64(b[i])
			g += math.Abs(float64(a[i]) * float64(b[i]))
		}
		if got := Dot(a, b); math.Abs(float64(got)-d) > 1e-6*g+1e-30 {
			t.Fatalf("n=%d: Dot = %g, want %g", n, got, d)
		}
		y := append([]float32(nil), b...)
		Axpy(0.5, a, y)
		for i := range y {
			if want := float64(b[i]) + 0.5*float64(a[i]); !relClose(y[i], want, 1, 1e-7) {
				t.Fatalf("n=%d: Axpy [%d] = %g, want %g", n, i, y[i], want)
			}
		}
		Scale(y, 2)
		for i := range y {
			if want := 2 * (float64(b[i]) + 0.5*float64(a[i])); !relClose(y[i], want, 1, 1e-6) {
				t.Fatalf("n=%d: Scale [%d]", n, i)
			}
		}
	}
}
