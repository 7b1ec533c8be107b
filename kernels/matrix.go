package kernels

import (
	"encoding/binary"
	"fmt"
	"sync"
	"unsafe"
)

// Matrix is a weight matrix W[N,K] (Hugging Face [out, in] layout) ready for
// MatMul. It is a view of the bytes given to Pack (no copy when they are
// aligned), so those bytes must stay valid and unchanged while it is used.
// An F32 matrix used by the AVX-512 GEMM also builds, on first use, a
// private copy of W in k-major panels of 48 rows ([ceil(N/48)][K][48]).
type Matrix struct {
	dt       DType
	n, k     int
	ld       int       // F32: row stride of f32 in elements (>= k)
	f32      []float32 // F32: [N, ld]
	u16      []uint16  // F16, BF16: [N, K]
	q        []byte    // Q8_0, Q4_K, Q6_K: [N, rowBytes]
	rowBytes int       // quantised: bytes per row

	prepack bool // F32 from Pack/PackF32: may build panels
	panels  struct {
		once sync.Once
		p    []float32 // [ceil(N/48)][K][48], rows >= N zero
	}
}

// panels48 returns W in k-major panels of 48 rows, built once.
func (w *Matrix) panels48() []float32 {
	w.panels.once.Do(func() {
		k, npan := w.k, (w.n+47)/48
		p := make([]float32, npan*k*48)
		for q := 0; q < npan; q++ {
			for r := 0; r < 48; r += 16 {
				row0 := 48*q + r
				dst := p[q*k*48+r:]
				if row0+16 <= w.n {
					packPanel16(dst, 48, w.f32[row0*w.ld:], w.ld, k)
					continue
				}
				for i := row0; i < min(row0+16, w.n); i++ { // last, partial group
					src := w.f32[i*w.ld : i*w.ld+k]
					for c, v := range src {
						dst[48*c+i-row0] = v
					}
				}
			}
		}
		w.panels.p = p
	})
	return w.panels.p
}

// Pack wraps raw little-endian tensor bytes src holding W[N,K] row-major
// (for the GGUF block types each row is K/blocksize blocks) as a Matrix.
// It copies only when src is misaligned for the element type; otherwise the
// Matrix aliases src.
func Pack(src []byte, dt DType, n, k int) (*Matrix, error) {
	if n < 0 || k < 0 {
		return nil, fmt.Errorf("kernels: pack %v: negative shape [%d, %d]", dt, n, k)
	}
	rb, err := dt.RowBytes(k)
	if err != nil {
		return nil, fmt.Errorf("kernels: pack %v [%d, %d]: %w", dt, n, k, err)
	}
	if want := rb * n; len(src) != want {
		return nil, fmt.Errorf("kernels: pack %v [%d, %d]: got %d bytes, want %d", dt, n, k, len(src), want)
	}
	m := &Matrix{dt: dt, n: n, k: k, ld: k, rowBytes: rb, prepack: dt == F32}
	switch dt {
	case F32:
		m.f32 = bytesAs[float32](src, n*k)
	case F16, BF16:
		m.u16 = bytesAs[uint16](src, n*k)
	default:
		m.q = src
	}
	return m, nil
}

// bytesAs views src as count values of T (little-endian host), copying when
// src is not aligned for T.
func bytesAs[T float32 | uint16](src []byte, count int) []T {
	if count == 0 {
		return nil
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	if uintptr(unsafe.Pointer(&src[0]))%uintptr(size) == 0 {
		return unsafe.Slice((*T)(unsafe.Pointer(&src[0])), count)
	}
	out := make([]T, count)
	for i := range out {
		switch size {
		case 4:
			*(*uint32)(unsafe.Pointer(&out[i])) = binary.LittleEndian.Uint32(src[4*i:])
		case 2:
			*(*uint16)(unsafe.Pointer(&out[i])) = binary.LittleEndian.Uint16(src[2*i:])
		}
	}
	return out
}

// PackF32 wraps w, holding W[N,K] row-major, as a Matrix (no copy: w must
// stay unchanged while the Matrix is used; with AVX-512 the first GEMM
// builds a panel copy, see Matrix).
func PackF32(w []float32, n, k int) *Matrix {
	if n < 0 || k < 0 || len(w) < n*k {
		panic(fmt.Sprintf("kernels: PackF32: %d values for [%d, %d]", len(w), n, k))
	}
	return &Matrix{dt: F32, n: n, k: k, ld: k, f32: w[:n*k], prepack: true}
}

// Rows returns N, the number of weight rows (output features).
func (w *Matrix) Rows() int { return w.n }

// Cols returns K, the number of weight columns (input features).
func (w *Matrix) Cols() int { return w.k }

// DType returns the element type of the matrix's source bytes.
func (w *Matrix) DType() DType { return w.dt }

// Row writes row i of W, converted to float32, into dst[:K] (an embedding
// lookup).
func (w *Matrix) Row(i int, dst []float32) {
	if i < 0 || i >= w.n {
		panic(fmt.Sprintf("kernels: Row %d of a matrix with %d rows", i, w.n))
	}
	checkLen("Row dst", len(dst), w.k)
	w.rowSeg(i, 0, w.k, dst[:w.k])
}

// rowSeg writes W[i, k0:k0+kl] as float32 into dst[:kl]. For quantised
// types k0 and kl must be whole blocks.
func (w *Matrix) rowSeg(i, k0, kl int, dst []float32) {
	switch w.dt {
	case F32:
		copy(dst[:kl], w.f32[i*w.ld+k0:i*w.ld+k0+kl])
	case BF16:
		BF16ToF32(dst[:kl], w.u16[i*w.k+k0:i*w.k+k0+kl])
	case F16:
		F16ToF32(dst[:kl], w.u16[i*w.k+k0:i*w.k+k0+kl])
	default:
		bs, bb := w.dt.BlockSize(), w.dt.BlockBytes()
		row := w.q[i*w.rowBytes:]
		src := row[k0/bs*bb : (k0+kl)/bs*bb]
		nb := kl / bs
		switch w.dt {
		case Q8_0:
			dequantQ8_0(dst, src, nb)
		case Q4_K:
			dequantQ4_K(dst, src, nb)
		case Q6_K:
			dequantQ6_K(dst, src, nb)
		}
	}
}

// rawRows returns the matrix's bytes, the byte stride of a row and the byte
// range [off, off+n) of columns [k0, k0+kl) within a row, for prefetching.
func (w *Matrix) rawRows(k0, kl int) (b []byte, stride, off, n int) {
	switch w.dt {
	case F32:
		if len(w.f32) == 0 {
			return nil, 0, 0, 0
		}
		return unsafe.Slice((*byte)(unsafe.Pointer(&w.f32[0])), 4*len(w.f32)), 4 * w.ld, 4 * k0, 4 * kl
	case F16, BF16:
		if len(w.u16) == 0 {
			return nil, 0, 0, 0
		}
		return unsafe.Slice((*byte)(unsafe.Pointer(&w.u16[0])), 2*len(w.u16)), 2 * w.k, 2 * k0, 2 * kl
	}
	bs, bb := w.dt.BlockSize(), w.dt.BlockBytes()
	return w.q, w.rowBytes, k0 / bs * bb, kl / bs * bb
}

// tile writes W[j0:j0+nr, k0:k0+kl] as float32 into buf ([nr, kl]): a
// contiguous copy (f32) or conversion (other types) that the micro-kernel
// then reads from cache for every activation row.
func (w *Matrix) tile(j0, nr, k0, kl int, buf []float32) {
	for r := 0; r < nr; r++ {
		w.rowSeg(j0+r, k0, kl, buf[r*kl:(r+1)*kl])
	}
}
