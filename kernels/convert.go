package kernels

import "math"

// ToBF16 returns the bfloat16 nearest to f (round to nearest, ties to even);
// NaN stays a quiet NaN.
func ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep the sign, force a quiet payload
		return uint16(b>>16) | 0x0040
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// FromBF16 returns the float32 value of the bfloat16 h (exact).
func FromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// FromF16 returns the float32 value of the IEEE binary16 h (exact, including
// subnormals, infinities and NaN).
func FromF16(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0: // zero
		return math.Float32frombits(sign)
	}
	// subnormal: man * 2^-24, exact in float32
	f := float32(man) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}

// ToF16 returns the IEEE binary16 nearest to f (round to nearest, ties to
// even); values beyond the f16 range become infinities, NaN stays NaN.
func ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff { // Inf or NaN
		if man != 0 {
			return sign | 0x7e00 | uint16(man>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15 // biased f16 exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 { // f16 subnormal or zero
		if e < -10 {
			return sign // too small, rounds to zero (also covers f32 zero/subnormal)
		}
		m := man | 0x800000 // implicit bit
		shift := uint32(14 - e)
		half := uint32(1) << (shift - 1)
		r := m >> shift
		rem := m & (1<<shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(e)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // may carry into the exponent, up to infinity: correct
	}
	return sign | uint16(r)
}

// BF16ToF32 converts len(src) bfloat16 values into dst[:len(src)].
func BF16ToF32(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	if len(src) == 0 {
		return
	}
	bf16ToF32(dst, src)
}

// F32ToBF16 converts len(src) float32 values into dst[:len(src)], rounding
// to nearest even.
func F32ToBF16(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = ToBF16(v)
	}
}

// F16ToF32 converts len(src) IEEE binary16 values into dst[:len(src)].
func F16ToF32(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	if len(src) == 0 {
		return
	}
	f16ToF32(dst, src)
}

// F32ToF16 converts len(src) float32 values into dst[:len(src)], rounding
// to nearest even.
func F32ToF16(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	if len(src) == 0 {
		return
	}
	f32ToF16(dst, src)
}

// bf16ToF32Go is the pure-Go conversion: dst[i] = float32(src[i]<<16).
func bf16ToF32Go(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = math.Float32frombits(uint32(h) << 16)
	}
}

// f16ToF32Go is the pure-Go conversion: dst[i] = FromF16(src[i]).
func f16ToF32Go(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = FromF16(h)
	}
}

// f32ToF16Go is the pure-Go conversion: dst[i] = ToF16(src[i]).
func f32ToF16Go(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = ToF16(v)
	}
}
