package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/hneurons/hneurons/kernels"
)

// DType is a safetensors element type, spelled as in the JSON header.
type DType string

// The element types the format defines. The engine computes with F32, F16 and
// BF16; the others are parsed and validated but not converted.
const (
	F64    DType = "F64"
	F32    DType = "F32"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I64    DType = "I64"
	I32    DType = "I32"
	I16    DType = "I16"
	I8     DType = "I8"
	U8     DType = "U8"
	BOOL   DType = "BOOL"
	F8E4M3 DType = "F8_E4M3"
	F8E5M2 DType = "F8_E5M2"
	U16    DType = "U16"
	U32    DType = "U32"
	U64    DType = "U64"
)

// Size returns the size of one element in bytes, or 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case F64, I64, U64:
		return 8
	case F32, I32, U32:
		return 4
	case F16, BF16, I16, U16:
		return 2
	case I8, U8, BOOL, F8E4M3, F8E5M2:
		return 1
	}
	return 0
}

// Known reports whether d is a dtype this package understands.
func (d DType) Known() bool { return d.Size() != 0 }

// IsFloat reports whether d converts to float32 with ToFloat32 (F32, F16,
// BF16, F64).
func (d DType) IsFloat() bool {
	switch d {
	case F32, F16, BF16, F64:
		return true
	}
	return false
}

// ToFloat32 decodes little-endian elements of type d from src into dst, one
// float32 per element: dst (len(src)/d.Size()). F64 values are rounded to
// float32. It returns an error for other dtypes or when the lengths disagree.
func ToFloat32(dst []float32, src []byte, d DType) error {
	size := d.Size()
	if !d.IsFloat() {
		return fmt.Errorf("safetensors: cannot convert dtype %q to float32", d)
	}
	if len(src) != len(dst)*size {
		return fmt.Errorf("safetensors: %d bytes of %s do not hold %d elements", len(src), d, len(dst))
	}
	switch d {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case F16:
		for i := range dst {
			dst[i] = F16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	}
	return nil
}

// FromFloat32 encodes src as little-endian elements of type d (F32, F16 or
// BF16, rounding to nearest even) and returns the bytes: (len(src)*d.Size()).
func FromFloat32(src []float32, d DType) ([]byte, error) {
	if d != F32 && d != F16 && d != BF16 {
		return nil, fmt.Errorf("safetensors: cannot encode float32 as dtype %q", d)
	}
	out := make([]byte, len(src)*d.Size()) // (elements * size) bytes
	switch d {
	case F32:
		for i, v := range src {
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
		}
	case F16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(out[2*i:], F32ToF16(v))
		}
	case BF16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(out[2*i:], F32ToBF16(v))
		}
	}
	return out, nil
}

// BF16ToF32 widens a bfloat16 bit pattern to float32 (exact). It is
// kernels.FromBF16; the conversions live once, in the math layer, and this
// package's exhaustive tests cover them.
func BF16ToF32(h uint16) float32 { return kernels.FromBF16(h) }

// F32ToBF16 rounds a float32 to the nearest bfloat16 (ties to even). NaNs
// stay NaN (quiet, sign kept).
func F32ToBF16(f float32) uint16 { return kernels.ToBF16(f) }

// F16ToF32 widens an IEEE 754 binary16 bit pattern to float32 (exact,
// including subnormals, infinities and NaNs).
func F16ToF32(h uint16) float32 { return kernels.FromF16(h) }

// F32ToF16 rounds a float32 to the nearest IEEE 754 binary16 (ties to even),
// producing subnormals, signed zeros and infinities on under- and overflow.
// NaNs stay NaN (quiet, sign kept).
func F32ToF16(f float32) uint16 { return kernels.ToF16(f) }
