package kernels

import "fmt"

// DType is the element type of a packed weight matrix's source bytes.
type DType int

// Supported source element types. Q8_0, Q4_K and Q6_K use the GGUF (ggml)
// block layouts.
const (
	F32  DType = iota // 4-byte IEEE binary32
	F16               // 2-byte IEEE binary16
	BF16              // 2-byte bfloat16 (upper half of a binary32)
	Q8_0              // blocks of 32: f16 scale d, 32 x int8
	Q4_K              // super-blocks of 256: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
	Q6_K              // super-blocks of 256: 128 bytes low nibbles, 64 bytes high bits, 16 x int8 scales, f16 d
)

// String returns the GGUF-style name of the type.
func (d DType) String() string {
	switch d {
	case F32:
		return "F32"
	case F16:
		return "F16"
	case BF16:
		return "BF16"
	case Q8_0:
		return "Q8_0"
	case Q4_K:
		return "Q4_K"
	case Q6_K:
		return "Q6_K"
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Block sizes and byte sizes of the GGUF block formats.
const (
	BlockQ8_0      = 32  // values per Q8_0 block
	BlockBytesQ8_0 = 34  // bytes per Q8_0 block
	BlockK         = 256 // values per K-quant super-block
	BlockBytesQ4_K = 144 // bytes per Q4_K super-block
	BlockBytesQ6_K = 210 // bytes per Q6_K super-block
)

// BlockSize returns how many values one block of d holds (1 for plain types).
func (d DType) BlockSize() int {
	switch d {
	case Q8_0:
		return BlockQ8_0
	case Q4_K, Q6_K:
		return BlockK
	}
	return 1
}

// BlockBytes returns the size in bytes of one block of d (the element size
// for plain types), or 0 for an unknown type.
func (d DType) BlockBytes() int {
	switch d {
	case F32:
		return 4
	case F16, BF16:
		return 2
	case Q8_0:
		return BlockBytesQ8_0
	case Q4_K:
		return BlockBytesQ4_K
	case Q6_K:
		return BlockBytesQ6_K
	}
	return 0
}

// RowBytes returns the size in bytes of one row of k values of type d, or an
// error when k is not a whole number of blocks or d is unknown.
func (d DType) RowBytes(k int) (int, error) {
	bb := d.BlockBytes()
	if bb == 0 {
		return 0, fmt.Errorf("kernels: unknown dtype %d", int(d))
	}
	bs := d.BlockSize()
	if k < 0 || k%bs != 0 {
		return 0, fmt.Errorf("kernels: row length %d is not a multiple of the %v block size %d", k, d, bs)
	}
	return k / bs * bb, nil
}
