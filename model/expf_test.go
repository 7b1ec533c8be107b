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
