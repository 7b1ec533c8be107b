package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refF16 decodes an IEEE binary16 from its fields in float64 (written from
// the IEEE 754 definition, independently of FromF16).
func refF16(h uint16) float64 {
	s := 1.0
	if h&0x8000 != 0 {
		s = -1
	}
	e := int(h>>10) & 0x1f
	f := float64(h & 0x3ff)
	switch e {
	case 0:
		return s * math.Ldexp(f, -24)
	case 31:
		if f != 0 {
			return math.NaN()
		}
		return s * math.Inf(1)
	}
	return s * math.Ldexp(1+f/1024, e-15)
}

// refBF16 decodes a bfloat16 in float64 from its fields.
func refBF16(h uint16) float64 {
	s := 1.0
	if h&0x8000 != 0 {
		s = -1
	}
	e := int(h>>7) & 0xff
	f := float64(h & 0x7f)
	switch e {
	case 0:
		return s * math.Ldexp(f, -133)
	case 255:
		if f != 0 {
			return math.NaN()
		}
		return s * math.Inf(1)
	}
	return s * math.Ldexp(1+f/128, e-127)
}

func sameFloat(a float32, b float64) bool {
	if math.IsNaN(b) {
		return a != a
	}
	return float64(a) == b && math.Signbit(float64(a)) == math.Signbit(b)
}

func TestF16ToF32Exhaustive(t *testing.T) {
	src := make([]uint16, 1<<16)
	for i := range src {
		src[i] = uint16(i)
	}
	for _, off := range []int{0, 1, 3} {
		dst, check := guarded(t, len(src)-off)
		F16ToF32(dst, src[off:])
		check()
		for i, v := range dst {
			h := src[off+i]
			if !sameFloat(v, refF16(h)) || !sameFloat(FromF16(h), refF16(h)) {
				t.Fatalf("f16 %#04x -> %g, want %g", h, v, refF16(h))
			}
		}
	}
	dst := make([]float32, 1<<16)
	bf16ToF32Go(dst, src)
	BF16ToF32(dst, src)
	for i, v := range dst {
		if !sameFloat(v, refBF16(uint16(i))) {
			t.Fatalf("bf16 %#04x -> %g, want %g", i, v, refBF16(uint16(i)))
		}
	}
}

// checkNearest checks that h is the representable value nearest to f under
// dec, ties to an even mantissa, by comparing with h's neighbours.
func checkNearest(t *testing.T, name string, f float32, h uint16, dec func(uint16) float64, maxFinite uint16) {
	t.Helper()
	x := float64(f)
	if math.IsNaN(x) {
		if !math.IsNaN(dec(h)) {
			t.Fatalf("%s(NaN) = %#04x, not NaN", name, h)
		}
		return
	}
	got := dec(h)
	if math.IsInf(got, 0) {
		// only when |f| is at least the midpoint above the largest finite value
		mx := dec(maxFinite)
		next := mx + (mx - dec(maxFinite-1))
		if math.Abs(x) < (mx+next)/2 {
			t.Fatalf("%s(%g) overflowed to %g", name, f, got)
		}
		return
	}
	d := math.Abs(x - got)
	for _, nb := range []uint16{h - 1, h + 1} {
		if nb&0x7fff > maxFinite || (h&0x7fff == 0 && nb&0x7fff != 1) {
			continue
		}
		v := dec(nb)
		if math.Signbit(v) != math.Signbit(got) && got != 0 {
			continue
		}
		dn := math.Abs(x - v)
		if dn < d || (dn == d && h&1 == 1) {
			t.Fatalf("%s(%g) = %#04x (%g), but %#04x (%g) is nearer or the even tie", name, f, h, got, nb, v)
		}
	}
}

func TestF32ToF16Rounding(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 65504, 65519, 65520, 1e6, -1e6,
		float32(math.Inf(1)), float32(math.NaN()), 5.96e-8, 2.98e-8, 2.99e-8, 1e-9, 6.1e-5, 6.09e-5}
	for i := 0; i < 200000; i++ {
		switch i % 3 {
		case 0:
			vals = append(vals, math.Float32frombits(r.Uint32()))
		case 1: // exact midpoints between f16 neighbours
			h := uint16(r.UintN(0x7bff))
			vals = append(vals, float32((refF16(h)+refF16(h+1))/2))
		default: // the f16 range, all scales
			vals = append(vals, float32(math.Ldexp(2*r.Float64()-1, r.IntN(44)-26)))
		}
	}
	out := make([]uint16, len(vals))
	F32ToF16(out, vals)
	for i, f := range vals {
		checkNearest(t, "F32ToF16", f, out[i], refF16, 0x7bff)
		if ToF16(f) != out[i] {
			t.Fatalf("ToF16(%g) = %#04x, slice version %#04x", f, ToF16(f), out[i])
		}
	}
	bout := make([]uint16, len(vals))
	F32ToBF16(bout, vals)
	for i, f := range vals {
		checkNearest(t, "F32ToBF16", f, bout[i], refBF16, 0x7f7f)
	}
}
