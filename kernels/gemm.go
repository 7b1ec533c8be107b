package kernels

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Blocking parameters of the GEMM driver.
var (
	kcBlock = 256 // K columns per tile (a multiple of every block size)
	ncBlock = 48  // W rows per tile (a multiple of the micro-kernel's 3 and 4)
)

// Blocking of the AVX-512 GEMM: activation rows per block and weight rows
// per group (see gemm512).
var (
	mcBlock = 512
	ncGroup = 480
)

// matvecMaxM is the largest m for which MatMul takes the matrix-vector
// path (weights streamed once, each row dotted with every activation row)
// rather than the tiled GEMM, whose per-call weight-tile conversion only
// pays off for larger m.
var matvecMaxM = 8

// smallMaxM is the largest m for which MatMul uses the 6x4 dot kernel
// with AVX-512 (K a multiple of 16; from m = 2); see smallRange.
var smallMaxM = 32

// smallRange returns the batch sizes m for which MatMul uses the 6x4 dot
// kernel: with AVX-512 from 2 to smallMaxM; with AVX2 only (two 3x4
// blocks) from 4 to smallMaxM/2, where it measured no slower than the
// matrix-vector path and the GEMM; never in pure Go (lo > hi).
func smallRange() (lo, hi int) {
	switch {
	case use512():
		return 2, smallMaxM
	case asmEnabled:
		return 4, smallMaxM / 2
	}
	return 1, 0
}

// prepackF32 lets the AVX-512 GEMM use (and build) the panel copy of
// F32 matrices made by Pack or PackF32.
var prepackF32 = true

// prefetchTiles lets the AVX-512 GEMM prefetch the next weight tile.
var prefetchTiles = true

// prefetchPanels lets the AVX-512 GEMM prefetch the next prepacked
// weight panel (F32 matrices).
var prefetchPanels = true

// directF32 lets the GEMM read f32 weight rows in place instead of
// copying each tile.
var directF32 = true

const (
	// parallelMin is the flop count under which MatMul stays on one goroutine.
	parallelMin = 1 << 17
)

var threads atomic.Int32

func init() { threads.Store(int32(runtime.GOMAXPROCS(0))) }

// SetThreads sets how many goroutines MatMul and Sgemm split work across
// (n < 1 means 1).
func SetThreads(n int) {
	if n < 1 {
		n = 1
	}
	threads.Store(int32(n))
}

// Threads returns the number of goroutines MatMul and Sgemm use.
func Threads() int { return int(threads.Load()) }

// scratch is one goroutine's reusable buffers.
type scratch struct {
	tile []float32 // [ncBlock, kcBlock] converted weight tile, or [4, K] matvec rows
	apk  []float32 // [M*K] packed activations (packA)
	bt   []float32 // [sgemmNC, sgemmKC] transposed B block (Sgemm)
	wp   []float32 // [ncBlock/48][kcBlock][48] k-major weight panels (AVX-512)
	h    []uint16  // [M*K] activations rounded to bf16 (matvecBF16)
}

// growW returns s.wp with at least n elements.
func (s *scratch) growW(n int) []float32 {
	if cap(s.wp) < n {
		s.wp = make([]float32, n)
	}
	return s.wp[:n]
}

// growB returns s.bt with at least n elements.
func (s *scratch) growB(n int) []float32 {
	if cap(s.bt) < n {
		s.bt = make([]float32, n)
	}
	return s.bt[:n]
}

// growA returns s.apk with at least n elements.
func (s *scratch) growA(n int) []float32 {
	if cap(s.apk) < n {
		s.apk = make([]float32, n)
	}
	return s.apk[:n]
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// grow returns s.tile with at least n elements.
func (s *scratch) grow(n int) []float32 {
	if cap(s.tile) < n {
		s.tile = make([]float32, n)
	}
	return s.tile[:n]
}

// MatMul computes c[m,N] = a[m,K] · W^T, overwriting c. m = 1 (decoding)
// takes the matrix-vector path that streams W once (quantised rows decoded
// and dotted in one pass); small batches (see smallRange) a 6x4 dot kernel
// that reads W in its own format; larger m the tiled GEMM. Work is split
// over Threads() goroutines by ranges of W rows. c: [m, N], a: [m, K].
func MatMul(c, a []float32, m int, w *Matrix) {
	n, k := w.n, w.k
	checkLen("MatMul a", len(a), m*k)
	checkLen("MatMul c", len(c), m*n)
	if m <= 0 || n == 0 {
		return
	}
	if k == 0 {
		clear(c[:m*n])
		return
	}
	if w.useDP(m) {
		matMulRounded(c, a, m, w, (*Matrix).matmulDP)
		return
	}
	if lo, hi := smallRange(); m >= lo && m <= hi && k%16 == 0 {
		// Small batches: A rows padded to a multiple of 6, weights read
		// row by row in their own format by the 6x4 dot kernel.
		ps := scratchPool.Get().(*scratch)
		ap := ps.growA((m + 5) / 6 * 6 * k)
		copy(ap, a[:m*k])
		clear(ap[m*k:])
		parallelRows(n, 4, 2*m*n*k, func(j0, j1 int, s *scratch) {
			w.smallM(c, n, ap, m, j0, j1, s)
		})
		scratchPool.Put(ps)
		return
	}
	if m <= matvecMaxM && w.dt == BF16 && useBF16Dot() {
		matMulRounded(c, a, m, w, (*Matrix).matvecBF16)
		return
	}
	if m <= matvecMaxM && w.q8Path() {
		acts := getQ8Acts(a, k, m, k)
		acts.prepare(w.dt)
		parallelRows(n, 4, 2*m*n*k, func(j0, j1 int, s *scratch) {
			w.matvecQ8(c, n, acts, j0, j1)
		})
		acts.release()
		return
	}
	if m <= matvecMaxM {
		parallelRows(n, 4, 2*m*n*k, func(j0, j1 int, s *scratch) {
			w.matvec(c, n, a, k, m, j0, j1, s)
		})
		return
	}
	ps := scratchPool.Get().(*scratch)
	ap := ps.growA((m + 15) &^ 15 * k)
	packA(ap, a, k, m, k, false, 1)
	parallelRows(n, ncBlock, 2*m*n*k, func(j0, j1 int, s *scratch) {
		w.gemm(c, n, ap, m, j0, j1, s, true)
	})
	scratchPool.Put(ps)
}

// packA copies op(A)[m,k]·alpha into ap in K-chunks of kcBlock columns,
// each chunk a sequence of 16-row panels stored column by column: with mp =
// m rounded up to 16 and kl = min(kcBlock, k-kb), element (i, kb+p) lies at
// ap[mp*kb + (i/16)*16*kl + 16*p + i%16]; rows m..mp-1 are zero.
// op(A)[i,p] is a[i*lda+p], or a[p*lda+i] when trans. ap: [mp*k].
func packA(ap, a []float32, lda, m, k int, trans bool, alpha float32) {
	mp := (m + 15) &^ 15
	if mp*k < packParallelMin {
		packPanels(ap, a, lda, m, k, trans, alpha, 0, mp/16)
		return
	}
	parallelRows(mp/16, 1, parallelMin, func(p0, p1 int, _ *scratch) {
		packPanels(ap, a, lda, m, k, trans, alpha, p0, p1)
	})
}

// packParallelMin is the packed size (elements) under which packA copies
// on the caller alone: waking a worker costs more than the copy.
const packParallelMin = 1 << 18

// packPanels packs panels p0 <= p < p1 (rows 16p..16p+15) for packA.
func packPanels(ap, a []float32, lda, m, k int, trans bool, alpha float32, p0, p1 int) {
	mp := (m + 15) &^ 15
	for kb := 0; kb < k; kb += kcBlock {
		kl := min(kcBlock, k-kb)
		chunk := ap[mp*kb : mp*kb+mp*kl]
		for i0 := 16 * p0; i0 < 16*p1; i0 += 16 {
			panel := chunk[i0*kl : (i0+16)*kl]
			rows := min(16, m-i0)
			if rows < 16 {
				clear(panel)
			}
			switch {
			case trans:
				for p := 0; p < kl; p++ {
					src := a[(kb+p)*lda+i0 : (kb+p)*lda+i0+rows]
					dst := panel[16*p : 16*p+rows]
					for r, v := range src {
						dst[r] = alpha * v
					}
				}
			case rows == 16 && alpha == 1:
				packPanel16(panel, 16, a[i0*lda+kb:], lda, kl)
			default:
				for r := 0; r < rows; r++ {
					src := a[(i0+r)*lda+kb : (i0+r)*lda+kb+kl]
					for p, v := range src {
						panel[16*p+r] = alpha * v
					}
				}
			}
		}
	}
}

// parallelRows runs f over [0,n) split into ranges aligned to align, on
// the caller and up to Threads()-1 pool workers (see workerPool), each
// with its own scratch. Ranges are claimed dynamically, about
// chunksPerThread per participant, so a worker that starts late costs
// little. Calls under parallelMin flops, and calls made while another
// caller owns the pool, run on the caller alone.
func parallelRows(n, align, flops int, f func(j0, j1 int, s *scratch)) {
	t := Threads()
	if flops < parallelMin || n < 2*align {
		t = 1
	}
	if t > 1 {
		chunk := (n + t*chunksPerThread - 1) / (t * chunksPerThread)
		chunk = (chunk + align - 1) / align * align
		if pool.run(n, chunk, t, f) {
			return
		}
	}
	s := scratchPool.Get().(*scratch)
	f(0, n, s)
	scratchPool.Put(s)
}

// gemm computes c[i*ldc+j] (=, or += when !overwrite) Σ_k A[i,k]·W[j,k]
// for i < m and j0 <= j < j1, with A packed by packA into ap. Weight tiles
// of ncBlock rows x kcBlock columns are converted to f32 once (rows padded
// with zeros to a multiple of 6) and reused by every 16-row panel of A.
// c: [m, ldc].
func (w *Matrix) gemm(c []float32, ldc int, ap []float32, m, j0, j1 int, s *scratch, overwrite bool) {
	k := w.k
	mp := (m + 15) &^ 15
	if overwrite {
		for i := 0; i < m; i++ {
			clear(c[i*ldc+j0 : i*ldc+j1])
		}
	}
	if use512() {
		w.gemm512(c, ldc, ap, m, j0, j1, s)
		return
	}
	// Same loop order as gemm512: row blocks, weight-row groups, K chunks,
	// tiles of nc weight rows.
	nc := (ncBlock + 5) / 6 * 6
	buf := s.grow(nc * kcBlock) // [nc, kl] weight tile
	ng := max(nc, ncGroup/nc*nc)
	for ib := 0; ib < m; ib += mcBlock {
		ie := min(ib+mcBlock, m)
		for jg := j0; jg < j1; jg += ng {
			je := min(jg+ng, j1)
			for kb := 0; kb < k; kb += kcBlock {
				kl := min(kcBlock, k-kb)
				chunk := ap[mp*kb : mp*kb+mp*kl]
				for jb := jg; jb < je; jb += nc {
					nb := min(nc, je-jb)
					nbp := (nb + 5) / 6 * 6
					// t[j*ldt+p] = W[jb+j, kb+p]: f32 rows in place when
					// whole groups of 6 rows exist, else a converted,
					// zero-padded copy.
					t, ldt := buf, kl
					if w.dt == F32 && nb == nbp && directF32 {
						t, ldt = w.f32[jb*w.ld+kb:], w.ld
					} else {
						w.tile(jb, nb, kb, kl, buf)
						clear(buf[nb*kl : nbp*kl])
					}
					for i := ib; i < ie; i += 16 {
						panel := chunk[i*kl : (i+16)*kl]
						mr := min(16, ie-i)
						for j := 0; j < nb; j += 6 {
							kern16x6(panel, t[j*ldt:], ldt, kl, c[i*ldc+jb+j:], ldc, mr, min(6, nb-j))
						}
					}
				}
			}
		}
	}
}

// gemm512 is gemm's AVX-512 path: each weight tile is also transposed into
// k-major panels of 48 columns ([kl][48]), and an 8x48 kernel broadcasts
// activations against them, so C rows are written with vector stores.
// Loop order (BLIS-like): blocks of mcBlock activation rows, groups of
// ncGroup weight rows, K chunks, then 48-row weight tiles: the packed
// activation chunk ([mc, kl], 512 KiB) and the C block ([mc, ncGroup])
// stay in L2 while the weight tiles stream past.
func (w *Matrix) gemm512(c []float32, ldc int, ap []float32, m, j0, j1 int, s *scratch) {
	k := w.k
	mp := (m + 15) &^ 15
	const ncb = 48
	buf := s.grow(ncb * kcBlock) // [48, kl] row-major tile
	wp := s.growW(ncb * kcBlock) // [kl][48] k-major panel
	ng := max(ncb, ncGroup/ncb*ncb)
	for ib := 0; ib < m; ib += mcBlock {
		ie := min(ib+mcBlock, m)
		for jg := j0; jg < j1; jg += ng {
			je := min(jg+ng, j1)
			for kb := 0; kb < k; kb += kcBlock {
				kl := min(kcBlock, k-kb)
				chunk := ap[mp*kb : mp*kb+mp*kl]
				for jb := jg; jb < je; jb += ncb {
					nb := min(ncb, je-jb)
					// the next tile, for prefetching
					nj, nk := jb+ncb, kb
					switch {
					case nj < je:
					case kb+kcBlock < k:
						nj, nk = jg, kb+kcBlock
					default:
						nj, nk = je, 0
					}
					if nj >= j1 {
						nj = -1
					} else {
						nj = min(nj, j1) // rows nj.. of the next tile
					}
					w.tile512(c, ldc, chunk, ib, ie, jb, nb, kb, kl, nj, min(ncb, max(0, j1-nj)), nk, buf, wp)
				}
			}
		}
	}
}

// tile512 runs the 8x48 kernel for weight rows [jb, jb+nb) (nb <= 48) and
// K chunk [kb, kb+kl) over activation rows [ib, ie) of the packed chunk,
// prefetching rows [nj, nj+nn) of the next tile's chunk nk (nj < 0: none).
func (w *Matrix) tile512(c []float32, ldc int, chunk []float32, ib, ie, jb, nb, kb, kl, nj, nn, nk int, buf, wp []float32) {
	k := w.k
	full := nb == 48
	wq, pst := wp, kl // k-major panel: wq[48p + j]
	prepacked := w.prepack && prepackF32 && jb%48 == 0
	switch {
	case prepacked:
		// panels built once per matrix: no per-call transposition
		wq, pst = w.panels48()[jb*k+kb*48:], k
	case full && (w.dt == BF16 || w.dt == F16):
		// widen and transpose in one pass
		for r := 0; r < 48; r += 16 {
			packPanel48From16(wp[r:], w.u16[(jb+r)*k+kb:], k, kl, w.dt)
		}
	default:
		t, ldt := buf, kl
		if w.dt == F32 && full && directF32 {
			t, ldt = w.f32[jb*w.ld+kb:], w.ld
		} else {
			w.tile(jb, nb, kb, kl, buf)
			clear(buf[nb*kl : 48*kl])
		}
		for r := 0; r < 48; r += 16 {
			packPanel16(wp[r:], 48, t[r*ldt:], ldt, kl)
		}
	}
	_ = pst
	// The next tile's weight rows, prefetched a share per panel of A so
	// that memory streams while the kernel computes.
	var pfB []byte
	var pfStride, pfOff, pfN int
	pf := nj >= 0 && nn > 0 && !prepacked && prefetchTiles
	if pf {
		pfB, pfStride, pfOff, pfN = w.rawRows(nk, min(kcBlock, k-nk))
	}
	// Prepacked: the next tile is a contiguous [kl'][48] panel, prefetched
	// one 192-byte k step per "row", a share per panel of A.
	var pk0, pkl int
	pp := nj >= 0 && nn > 0 && prepacked && prefetchPanels && nj%48 == 0
	if pp {
		pk0, pkl = nj*k+nk*48, min(kcBlock, k-nk)
		pfB = unsafe.Slice((*byte)(unsafe.Pointer(&w.panels48()[pk0])), 4*48*pkl)
	}
	panels := (ie - ib + 15) / 16
	wq = wq[:48*kl]
	for i := ib; i < ie; i += 16 {
		p := (i - ib) / 16
		if pf {
			prefetch(pfB, pfStride, pfOff, pfN, nj+p*nn/panels, nj+(p+1)*nn/panels)
		}
		if pp {
			prefetch(pfB, 192, 0, 192, p*pkl/panels, (p+1)*pkl/panels)
		}
		panel := chunk[i*kl : (i+16)*kl]
		mr := min(16, ie-i)
		cq := c[i*ldc+jb:]
		kern8x48(panel, wq, kl, cq, ldc, min(8, mr), nb)
		if mr > 8 {
			kern8x48(panel[8:], wq, kl, cq[8*ldc:], ldc, mr-8, nb)
		}
	}
}

// smallM computes c[i*ldc+j] = Σ_k A[i,k]·W[j,k] for i < m and
// j0 <= j < j1 with the 6x4 dot kernel; ap holds A's rows (stride K)
// padded with zero rows to a multiple of 6. Quantised rows are decoded
// four at a time into scratch.
func (w *Matrix) smallM(c []float32, ldc int, ap []float32, m, j0, j1 int, s *scratch) {
	k := w.k
	buf := s.grow(4 * k) // [4, K] decoded weight rows
	var out [24]float32  // [6, 4] dot products
	j := j0
	for ; j+4 <= j1; j += 4 {
		dt, ldw := w.dt, k
		var wf []float32
		var wh []uint16
		switch w.dt {
		case F32:
			wf, ldw = w.f32[j*w.ld:], w.ld
		case BF16, F16:
			wh = w.u16[j*k:]
		default:
			for r := 0; r < 4; r++ {
				w.rowSeg(j+r, 0, k, buf[r*k:(r+1)*k])
			}
			dt, wf = F32, buf
		}
		if dt == BF16 && prefetchNextRows && hasBF16PF(k) {
			// Exact bf16 kernel for any row count (no padded rows), the
			// next four weight rows prefetched while the first block runs.
			pf := w.pfRows(j)
			for i := 0; i < m; i += 6 {
				r := min(6, m-i)
				dotRx4BF16PF(&out, r, ap[i*k:], k, wh, k, k, pf)
				pf = wh
				for q := 0; q < r; q++ {
					copy(c[(i+q)*ldc+j:(i+q)*ldc+j+4], out[4*q:4*q+4])
				}
			}
			continue
		}
		for i := 0; i < m; i += 6 {
			dot6x4(&out, ap[i*k:], k, dt, wf, wh, ldw, k)
			for r := 0; r < min(6, m-i); r++ {
				copy(c[(i+r)*ldc+j:(i+r)*ldc+j+4], out[4*r:4*r+4])
			}
		}
	}
	for ; j < j1; j++ {
		row := buf[:k]
		w.rowSeg(j, 0, k, row)
		for i := 0; i < m; i++ {
			c[i*ldc+j] = dot(ap[i*k:i*k+k], row)
		}
	}
}

// matvec computes c[i*ldc+j] = Σ_k a[i*lda+k]·W[j,k] for i < m and
// j0 <= j < j1, reading each weight row once.
func (w *Matrix) matvec(c []float32, ldc int, a []float32, lda, m, j0, j1 int, s *scratch) {
	k := w.k
	var buf []float32
	if w.dt != F32 && w.dt != BF16 && w.dt != F16 {
		buf = s.grow(4 * k)
	}
	var out [4]float32
	j := j0
	for ; j+4 <= j1; j += 4 {
		switch w.dt {
		case F32:
			for i := 0; i < m; i++ {
				out = [4]float32{}
				kern1x4(out[:], a[i*lda:i*lda+k], w.f32[j*w.ld:], w.ld, k)
				copy(c[i*ldc+j:i*ldc+j+4], out[:])
			}
		case BF16:
			pf := w.pfRows(j)
			for i := 0; i < m; i++ {
				out = [4]float32{}
				if !prefetchNextRows || !kern1x4BF16PF(out[:], a[i*lda:i*lda+k], w.u16[j*k:], k, k, pf) {
					kern1x4BF16(out[:], a[i*lda:i*lda+k], w.u16[j*k:], k, k)
				}
				pf = w.u16[j*k:]
				copy(c[i*ldc+j:i*ldc+j+4], out[:])
			}
		case F16:
			for i := 0; i < m; i++ {
				out = [4]float32{}
				kern1x4F16(out[:], a[i*lda:i*lda+k], w.u16[j*k:], k, k)
				copy(c[i*ldc+j:i*ldc+j+4], out[:])
			}
		default:
			if w.fusedDot(&out, a[:k], j) {
				// fused decode-and-dot, one activation row at a time
				for i := 0; i < m; i++ {
					if i > 0 {
						w.fusedDot(&out, a[i*lda:i*lda+k], j)
					}
					copy(c[i*ldc+j:i*ldc+j+4], out[:])
				}
				continue
			}
			for r := 0; r < 4; r++ {
				w.rowSeg(j+r, 0, k, buf[r*k:(r+1)*k])
			}
			for i := 0; i < m; i++ {
				out = [4]float32{}
				kern1x4(out[:], a[i*lda:i*lda+k], buf, k, k)
				copy(c[i*ldc+j:i*ldc+j+4], out[:])
			}
		}
	}
	if j < j1 {
		if buf == nil {
			buf = s.grow(4 * k)
		}
		for ; j < j1; j++ {
			w.rowSeg(j, 0, k, buf[:k])
			for i := 0; i < m; i++ {
				c[i*ldc+j] = dot(a[i*lda:i*lda+k], buf[:k])
			}
		}
	}
}

// fusedDot writes out[r] = Σ_p x[p]·W[j+r,p] for r < 4 with a fused
// decode-and-dot kernel, reporting false where there is none for w's type.
func (w *Matrix) fusedDot(out *[4]float32, x []float32, j int) bool {
	switch w.dt {
	case Q8_0:
		return dotQ8_0x4(out, x, w.q[j*w.rowBytes:], w.rowBytes, w.k/BlockQ8_0)
	case Q4_K:
		return dotQ4Kx4(out, x, w.q[j*w.rowBytes:], w.rowBytes, w.k/BlockK)
	case Q6_K:
		return dotQ6Kx4(out, x, w.q[j*w.rowBytes:], w.rowBytes, w.k/BlockK)
	}
	return false
}

// Sgemm computes, BLAS-style on row-major matrices, C = alpha·op(A)·op(B) +
// beta·C with op(X) = X or Xᵀ. op(A): [m,k], op(B): [k,n], C: [m,n] with
// row strides lda, ldb, ldc. A is [m,lda] (or [k,lda] when transA), B is
// [k,ldb] (or [n,ldb] when transB). beta = 0 overwrites C (NaN in C is not
// propagated). It runs on the same micro-kernels and goroutines as MatMul.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 || ldc < max(n, 1) {
		panic(fmt.Sprintf("kernels: Sgemm: bad shape m=%d n=%d k=%d ldc=%d", m, n, k, ldc))
	}
	if m == 0 || n == 0 {
		return
	}
	checkLen("Sgemm c", len(c), (m-1)*ldc+n)
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			Scale(row, beta)
		}
	}
	if k == 0 || alpha == 0 {
		return
	}
	if transA {
		checkLen("Sgemm a", len(a), (k-1)*lda+m)
	} else {
		checkLen("Sgemm a", len(a), (m-1)*lda+k)
	}
	if transB {
		checkLen("Sgemm b", len(b), (n-1)*ldb+k)
	} else {
		checkLen("Sgemm b", len(b), (k-1)*ldb+n)
	}
	switch {
	case n == 1:
		sgemv(transA, m, k, alpha, a, lda, strided(b, k, ldb, !transB), c, ldc)
		return
	case m == 1:
		// cᵀ = op(B)ᵀ·aᵀ: the same matrix-vector product on B.
		sgemv(!transB, n, k, alpha, b, ldb, strided(a, k, lda, transA), c, 1)
		return
	}
	flops := 2 * m * n * k
	ps := scratchPool.Get().(*scratch)
	defer scratchPool.Put(ps)
	for j0 := 0; j0 < n; j0 += sgemmNC {
		nb := min(sgemmNC, n-j0)
		for k0 := 0; k0 < k; k0 += sgemmKC {
			kb := min(sgemmKC, k-k0)
			// op(B)[k0:k0+kb, j0:j0+nb] as W[nb, kb].
			var w *Matrix
			if transB {
				w = &Matrix{dt: F32, n: nb, k: kb, ld: ldb, f32: b[j0*ldb+k0:]}
			} else {
				bt := ps.growB(nb * kb)
				// Columns [j1, j2) of the block are rows [j1, j2) of bt;
				// blocks of 64k elements or more are split over the threads.
				bsub := b[k0*ldb+j0:]
				work := 0
				if nb*kb >= transposeParallelMin {
					work = parallelMin
				}
				parallelRows(nb, 16, work, func(j1, j2 int, _ *scratch) {
					transposeBlock(bt[j1*kb:], bsub[j1:], ldb, kb, j2-j1)
				})
				w = &Matrix{dt: F32, n: nb, k: kb, ld: kb, f32: bt}
			}
			for i0 := 0; i0 < m; i0 += sgemmMC {
				mb := min(sgemmMC, m-i0)
				ap := ps.growA((mb + 15) &^ 15 * kb)
				var asub []float32
				if transA {
					asub = a[k0*lda+i0:]
				} else {
					asub = a[i0*lda+k0:]
				}
				packA(ap, asub, lda, mb, kb, transA, alpha)
				parallelRows(nb, ncBlock, flops, func(j1, j2 int, s *scratch) {
					w.gemm(c[i0*ldc+j0:], ldc, ap, mb, j1, j2, s, false)
				})
			}
		}
	}
}

// transposeBlock writes the transpose of the (rows, cols) block of src
// (leading dimension ld) into dst as (cols, rows), packed. It walks 16x16
// tiles column by column, so that each write is a contiguous run of 16 and
// the 16 source rows stay in cache: 2-5x faster than scattering each source
// row where the strides are powers of two (BenchmarkTranspose; the scatter
// took 15% of the organism trainer's step), about 1.5x slower on blocks that
// fit in L2 (1220 x 128), which matter little.
func transposeBlock(dst, src []float32, ld, rows, cols int) {
	const tile = 16
	for c0 := 0; c0 < cols; c0 += tile {
		c1 := min(c0+tile, cols)
		for r0 := 0; r0 < rows; r0 += tile {
			r1 := min(r0+tile, rows)
			for c := c0; c < c1; c++ {
				d := dst[c*rows+r0 : c*rows+r1]
				for i := range d {
					d[i] = src[(r0+i)*ld+c]
				}
			}
		}
	}
}

// transposeParallelMin is the block size (elements) from which Sgemm's
// transposed copy of B runs on every thread.
const transposeParallelMin = 1 << 16

// Sgemm blocking: the packed blocks of op(A) ([sgemmMC, sgemmKC]) and of
// a transposed B ([sgemmNC, sgemmKC]) stay bounded whatever the shape.
const (
	sgemmMC = 512
	sgemmKC = 2048 // a multiple of kcBlock's values
	sgemmNC = 4096
)

// strided returns the k values x[p*inc] (inc = ld when byRow, else 1) as
// a contiguous slice, copying only when they are not contiguous.
func strided(x []float32, k, ld int, byRow bool) []float32 {
	if !byRow || ld == 1 {
		return x[:k]
	}
	out := make([]float32, k)
	for p := range out {
		out[p] = x[p*ld]
	}
	return out
}

// sgemv adds y[i*incy] += alpha·Σ_p op(A)[i,p]·x[p] for i < m, with
// op(A)[i,p] = a[i*lda+p], or a[p*lda+i] when trans; work is split over
// Threads() goroutines by ranges of i.
func sgemv(trans bool, m, k int, alpha float32, a []float32, lda int, x []float32, y []float32, incy int) {
	parallelRows(m, 64, 2*m*k, func(i0, i1 int, _ *scratch) {
		if !trans {
			for i := i0; i < i1; i++ {
				y[i*incy] += alpha * dot(a[i*lda:i*lda+k], x)
			}
			return
		}
		acc := make([]float32, i1-i0) // y[i0:i1] partial sums
		for p := 0; p < k; p++ {
			if x[p] != 0 {
				Axpy(x[p], a[p*lda+i0:p*lda+i1], acc)
			}
		}
		for i, v := range acc {
			y[(i0+i)*incy] += alpha * v
		}
	})
}
