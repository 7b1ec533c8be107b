package kernels

// MatMulN computes cs[i][m, N_i] = a[m,K] · W_i^T for matrices ws[i] of one
// K, overwriting each cs[i] (a fused Q/K/V or gate/up product). On the
// matrix-vector and small-batch paths (decoding: m up to the small-batch
// limit) the rows of all matrices are split over the threads as one job,
// so the threads meet once per call instead of once per matrix, and short
// matrices (K and V with few KV heads) do not run on one core alone; every
// output element is computed by the same kernel as MatMul's, so when each
// N_i is a multiple of 4 the results equal MatMul's to the bit. On the GEMM
// path (larger m) it calls MatMul for each matrix. cs[i]: [m, N_i],
// a: [m, K].
func MatMulN(cs [][]float32, a []float32, m int, ws []*Matrix) {
	if len(cs) != len(ws) {
		panic("kernels: MatMulN: outputs and matrices differ in number")
	}
	if len(ws) == 0 || m <= 0 {
		return
	}
	k := ws[0].k
	total := 0
	for i, w := range ws {
		if w.k != k {
			panic("kernels: MatMulN: matrices of different K")
		}
		checkLen("MatMulN c", len(cs[i]), m*w.n)
		total += w.n
	}
	checkLen("MatMulN a", len(a), m*k)
	if k > 0 && matMulNDP(cs, a, m, ws) {
		return
	}
	lo, hi := smallRange()
	small := m >= lo && m <= hi && k%16 == 0
	if k == 0 || total == 0 || (!small && m > matvecMaxM) || len(ws) == 1 {
		for i, w := range ws {
			MatMul(cs[i], a, m, w)
		}
		return
	}
	ap := a
	var ah []uint16
	var acts *q8Acts
	var ps *scratch
	if small {
		ps = scratchPool.Get().(*scratch)
		ap = ps.growA((m + 5) / 6 * 6 * k)
		copy(ap, a[:m*k])
		clear(ap[m*k:])
	} else if useBF16Dot() {
		allBF16 := true
		for _, w := range ws {
			allBF16 = allBF16 && w.dt == BF16
		}
		if allBF16 {
			ps = scratchPool.Get().(*scratch)
			ah = ps.growH(m * k)
			roundRows(ah, a, k, m, k)
		}
	}
	if !small && useQ8Dot() {
		for _, w := range ws {
			if w.q8Path() {
				if acts == nil {
					acts = getQ8Acts(a, k, m, k)
				}
				acts.prepare(w.dt)
			}
		}
	}
	parallelRows(total, 4, 2*m*total*k, func(j0, j1 int, s *scratch) {
		off := 0
		for i, w := range ws {
			lo, hi := max(j0-off, 0), min(j1-off, w.n)
			if lo < hi {
				switch {
				case small:
					w.smallM(cs[i], w.n, ap, m, lo, hi, s)
				case acts != nil && acts.has(w.dt):
					w.matvecQ8(cs[i], w.n, acts, lo, hi)
				case ah != nil:
					w.matvecBF16(cs[i], w.n, ah, m, lo, hi)
				default:
					w.matvec(cs[i], w.n, ap, k, m, lo, hi, s)
				}
			}
			off += w.n
		}
	})
	if ps != nil {
		scratchPool.Put(ps)
	}
	if acts != nil {
		acts.release()
	}
}
