package model

import (
	"math"
	"testing"
)

func TestExpf(t *testing.T) {
	worst := 0.0
	for x := float32(-87); x <= 0; x += 0.000731 {
		got, want := float64(expf(x)), math.Exp(float64(x))
		if e := math.Abs(got-want) / want; e > worst {
			worst = e
		}
	}
	if worst > 3e-7 {
		t.Errorf("expf: worst relative error %.3g", worst)
	}
	if expf(-100) != 0 || expf(0) != 1 {
		t.Errorf("expf(-100) = %g, expf(0) = %g", expf(-100), expf(0))
	}
}

func TestGLU(t *testing.T) {
	var xs, ups []float32
	for x := float32(-60); x <= 60; x += 0.00731 {
		xs = append(xs, x)
		ups = append(ups, 1.5-x/100)
	}
	for _, tc := range []struct {
		name string
		f    func(g, u []float32)
		ref  func(x float64) float64
	}{
		{"swiglu", swiGLU, func(x float64) float64 { return x / (1 + math.Exp(-x)) }},
		{"geglu", geGLU, func(x float64) float64 {
			// 0.5 x (1 + tanh y) written as x / (1 + e^-2y), which does not
			// round to 0 for very negative y as 1 + tanh y does
			y := math.Sqrt(2/math.Pi) * (x + 0.044715*x*x*x)
			return x / (1 + math.Exp(-2*y))
		}},
	} {
		g := append([]float32(nil), xs...)
		tc.f(g, ups)
		for i, x := range xs {
			want := tc.ref(float64(x)) * float64(ups[i])
			if d := math.Abs(float64(g[i]) - want); d > 3e-6*math.Abs(want)+1e-12 {
				t.Fatalf("%s(%g): %g, want %g", tc.name, x, g[i], want)
			}
		}
	}
}
