package kernels

import (
	"runtime"
	"sync/atomic"
	"time"
)

// The kernels' parallel loops run on a pool of long-lived worker
// goroutines instead of spawning goroutines per call: a freshly spawned
// goroutine often starts late while its spawner is busy, which made short
// calls (a few ms) scale badly over two cores. Workers are started lazily
// (Threads()-1 of them), spin on an atomic for up to workerSpin after
// each job so that back-to-back calls find them running, then park on a
// channel so that an idle process burns no CPU. Work is split into more
// chunks than threads and claimed through an atomic counter, so a late
// worker only costs the chunks it does not take; the caller works too.
// One caller uses the pool at a time; a concurrent caller runs its loop
// alone on its own goroutine.

// workerSpin is how long an idle worker polls for the next job before it
// parks.
const workerSpin = 200 * time.Microsecond

// chunksPerThread is how many chunks each participant gets on average.
var chunksPerThread = 8

// ctl bit layout: generation (bits 32..63), open flag (bit 31), number of
// workers inside the current job (bits 0..30).
const (
	ctlOpen = 1 << 31
	ctlRefs = ctlOpen - 1
	ctlGen  = 1 << 32
)

// pool is the process-wide worker pool.
var pool workerPool

// workerPool holds the workers and the one job they may join.
type workerPool struct {
	busy    atomic.Bool   // a caller owns the pool
	ctl     atomic.Uint64 // generation | open | refs (see ctlOpen)
	next    atomic.Int64  // next chunk index to claim
	workers []*worker     // started workers; touched only by the owner

	// The job: written by the owner while the job is closed and no
	// worker is inside; read by workers after entering.
	f       func(j0, j1 int, s *scratch)
	n       int // rows [0, n)
	chunk   int // rows per chunk
	nchunks int
	nw      int // workers allowed to join (index < nw)

	// panicked holds the first panic of f in the current job, caught on
	// whichever goroutine ran the chunk and raised again by run on the
	// caller's goroutine once every worker has left the job.
	panicked atomic.Pointer[chunkPanic]
}

// chunkPanic boxes a recovered panic value.
type chunkPanic struct{ value any }

// worker is one pool goroutine.
type worker struct {
	idx      int
	sleeping atomic.Bool
	wake     chan struct{} // buffered 1: a wake-up token
}

// run executes f over [0, n) in chunks of chunk rows on the caller and up
// to t-1 pool workers, returning when every chunk is done. It reports
// false, running nothing, when another caller owns the pool.
func (p *workerPool) run(n, chunk, t int, f func(j0, j1 int, s *scratch)) bool {
	if !p.busy.CompareAndSwap(false, true) {
		return false
	}
	defer p.busy.Store(false)
	for len(p.workers) < t-1 {
		w := &worker{idx: len(p.workers), wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go p.loop(w)
	}
	p.f, p.n, p.chunk, p.nw = f, n, chunk, t-1
	p.nchunks = (n + chunk - 1) / chunk
	p.next.Store(0)
	// Publish: a new generation, open, nobody inside.
	gen := p.ctl.Load()&^(ctlGen-1) + ctlGen
	p.ctl.Store(gen | ctlOpen)
	for _, w := range p.workers[:t-1] {
		if w.sleeping.Load() && w.sleeping.CompareAndSwap(true, false) {
			w.wake <- struct{}{}
		}
	}
	s := scratchPool.Get().(*scratch)
	p.claim(s)
	scratchPool.Put(s)
	// Close the job to late workers, then wait for those inside (after a
	// panic too: claim recovers it, so that no worker still runs f when
	// the pool is handed to the next caller).
	for {
		v := p.ctl.Load()
		if p.ctl.CompareAndSwap(v, v&^ctlOpen) {
			break
		}
	}
	for spin := 0; p.ctl.Load()&ctlRefs != 0; spin++ {
		if spin > 16 {
			runtime.Gosched()
		}
	}
	p.f = nil
	if pv := p.panicked.Swap(nil); pv != nil {
		panic(pv.value)
	}
	return true
}

// claim runs chunks of the current job until none is left. A panic in f
// ends the job (no participant claims another chunk) and is kept in
// p.panicked for run to raise on the caller's goroutine.
func (p *workerPool) claim(s *scratch) {
	defer func() {
		if r := recover(); r != nil {
			p.next.Store(int64(p.nchunks))
			p.panicked.CompareAndSwap(nil, &chunkPanic{value: r})
		}
	}()
	for {
		i := int(p.next.Add(1) - 1)
		if i >= p.nchunks {
			return
		}
		j0 := i * p.chunk
		p.f(j0, min(j0+p.chunk, p.n), s)
	}
}

// loop is a worker's life: wait for a new open job, join it, repeat.
func (p *workerPool) loop(w *worker) {
	var seen uint64 // generation of the last job this worker looked at
	var s *scratch
	for {
		v := p.wait(w, seen)
		seen = v &^ (ctlGen - 1)
		if !p.ctl.CompareAndSwap(v, v+1) {
			continue // the job closed or another worker entered: re-read
		}
		if w.idx < p.nw {
			if s == nil {
				s = scratchPool.Get().(*scratch)
			}
			p.claim(s)
		}
		p.ctl.Add(^uint64(0)) // leave
	}
}

// wait returns a ctl value holding an open job of a generation other than
// seen, spinning for up to workerSpin and then parking.
func (p *workerPool) wait(w *worker, seen uint64) uint64 {
	ready := func(v uint64) bool { return v&ctlOpen != 0 && v&^(ctlGen-1) != seen }
	var start time.Time
	for i := 0; ; i++ {
		if v := p.ctl.Load(); ready(v) {
			return v
		}
		if i&63 == 63 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start) > workerSpin {
				break
			}
		}
		runtime.Gosched()
	}
	for {
		w.sleeping.Store(true)
		if v := p.ctl.Load(); ready(v) {
			if !w.sleeping.CompareAndSwap(true, false) {
				<-w.wake // the owner saw us asleep: take its token
			}
			return v
		}
		<-w.wake
		if v := p.ctl.Load(); ready(v) {
			return v
		}
	}
}

// ParallelFor runs f over [0, n) split into ranges aligned to align (the
// last may be shorter), on the caller and the kernels' worker pool like
// MatMul's rows: Threads() participants claiming about eight ranges each.
// work estimates the cost of the whole loop in flops; under the threshold
// the matrix products use (or while another caller owns the pool) f runs
// on the caller alone, as f(0, n). f must be safe to run concurrently on
// disjoint ranges.
func ParallelFor(n, align, work int, f func(i0, i1 int)) {
	if n <= 0 {
		return
	}
	parallelRows(n, max(align, 1), work, func(i0, i1 int, _ *scratch) { f(i0, i1) })
}
