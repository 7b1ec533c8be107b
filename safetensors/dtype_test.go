package safetensors

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// f16Value computes a binary16 bit pattern's value in float64 straight from
// the IEEE 754 definition (an independent decoder).
func f16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e := int(h>>10) & 0x1f
	m := float64(h & 0x3ff)
	switch e {
	case 0x1f:
		if m != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	case 0:
		return sign * m * math.Pow(2, -24)
	}
	return sign * (1 + m/1024) * math.Pow(2, float64(e-15))
}

func TestF16ToF32Exhaustive(t *testing.T) {
	for h := range 1 << 16 {
		got := float64(F16ToF32(uint16(h)))
		want := f16Value(uint16(h))
		if math.IsNaN(want) {
			if !math.IsNaN(got) {
				t.Fatalf("F16ToF32(%#04x) = %v, want NaN", h, got)
			}
			continue
		}
		if got != want || math.Signbit(got) != math.Signbit(want) {
			t.Fatalf("F16ToF32(%#04x) = %v, want %v", h, got, want)
		}
		// Every finite or infinite half survives the round trip exactly.
		if back := F32ToF16(float32(want)); back != uint16(h) {
			t.Fatalf("F32ToF16(F16ToF32(%#04x)) = %#04x", h, back)
		}
	}
}

// nearestHalf rounds v to binary16 by searching the sorted table of all
// non-negative finite halves in float64 (ties to the even pattern; beyond the
// largest half by at least half an ulp, infinity).
func nearestHalf(table []float64, v float64) uint16 {
	var sign uint16
	if math.Signbit(v) {
		sign, v = 0x8000, -v
	}
	const maxHalf, ulp = 65504.0, 32.0
	if v >= maxHalf+ulp/2 {
		return sign | 0x7c00
	}
	i := sort.SearchFloat64s(table, v) // table[i] >= v
	if i == len(table) {
		return sign | uint16(len(table)-1)
	}
	if table[i] == v || i == 0 {
		return sign | uint16(i)
	}
	lo, hi := v-table[i-1], table[i]-v
	switch {
	case lo < hi:
		return sign | uint16(i-1)
	case hi < lo:
		return sign | uint16(i)
	case (i-1)%2 == 0:
		return sign | uint16(i-1)
	}
	return sign | uint16(i)
}

func TestF32ToF16MatchesFloat64Rounding(t *testing.T) {
	table := make([]float64, 0x7c00) // every non-negative finite half, by pattern
	for h := range table {
		table[h] = f16Value(uint16(h))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(f float32) {
		if f != f {
			return
		}
		got := F32ToF16(f)
		want := nearestHalf(table, float64(f))
		if got != want {
			t.Fatalf("F32ToF16(%g = %#08x) = %#04x, want %#04x", f, math.Float32bits(f), got, want)
		}
	}
	for range 200000 {
		check(math.Float32frombits(rng.Uint32())) // all magnitudes
	}
	for range 200000 { // the binary16 range, where rounding matters
		check(float32((rng.Float64()*2 - 1) * math.Pow(2, rng.Float64()*42-26)))
	}
	for h := range 0x7c00 { // exact midpoints between neighbouring halves
		mid := (f16Value(uint16(h)) + f16Value(uint16(h+1))) / 2
		check(float32(mid))
		check(-float32(mid))
	}
	if F32ToF16(float32(math.NaN()))&0x7c00 != 0x7c00 || F32ToF16(float32(math.NaN()))&0x3ff == 0 {
		t.Fatal("NaN does not stay NaN in float16")
	}
}

func TestBF16Conversions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300000 {
		f := math.Float32frombits(rng.Uint32())
		got := F32ToBF16(f)
		if f != f {
			if back := BF16ToF32(got); back == back {
				t.Fatalf("F32ToBF16(NaN %#08x) = %#04x, not NaN", math.Float32bits(f), got)
			}
			continue
		}
		// Reference: the two bfloat16 candidates around f, chosen in float64.
		b := math.Float32bits(f)
		lo := uint16(b >> 16)
		hi := lo + 1
		dlo := math.Abs(float64(f) - float64(BF16ToF32(lo)))
		// An infinite upper candidate counts as 2^128 (IEEE overflow rule).
		vhi := float64(BF16ToF32(hi))
		if hi&0x7fff == 0x7f80 {
			vhi = math.Copysign(math.Pow(2, 128), float64(f))
		}
		dhi := math.Abs(vhi - float64(f))
		var want uint16
		switch {
		case b&0xffff == 0: // exact, including the infinities
			want = lo
		case dlo < dhi:
			want = lo
		case dhi < dlo:
			want = hi
		case lo%2 == 0:
			want = lo
		default:
			want = hi
		}
		if got != want {
			t.Fatalf("F32ToBF16(%g = %#08x) = %#04x, want %#04x", f, b, got, want)
		}
		if BF16ToF32(got) != math.Float32frombits(uint32(got)<<16) {
			t.Fatal("BF16ToF32 is not a shift")
		}
	}
}

func TestDTypeSizes(t *testing.T) {
	sizes := map[DType]int{F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8E4M3: 1, F8E5M2: 1}
	for d, n := range sizes {
		if d.Size() != n || !d.Known() {
			t.Errorf("%s: size %d, want %d", d, d.Size(), n)
		}
	}
	if DType("F4").Known() || DType("f32").Size() != 0 {
		t.Error("unknown dtypes must have size 0")
	}
	if err := ToFloat32(make([]float32, 2), make([]byte, 3), F16); err == nil {
		t.Error("length mismatch accepted")
	}
	if _, err := FromFloat32([]float32{1}, I32); err == nil {
		t.Error("FromFloat32 to I32 accepted")
	}
}
