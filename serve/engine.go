package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/tokenizer"
)

// ErrQueueFull is returned by Engine.Submit when the waiting queue is full.
var ErrQueueFull = errors.New("serve: the request queue is full")

// ErrClosed is returned by Engine.Submit after Close.
var ErrClosed = errors.New("serve: the engine is shut down")

// Job is one generation request for the engine: n sequences continuing one
// prompt.
type Job struct {
	Ctx    context.Context // a done context frees the job's sequences at the next step
	Prompt []int           // prompt tokens (>= 1)
	N      int             // sequences (choices), >= 1
	generate.SamplerOptions
	MaxNewTokens int    // > 0; cut to the room the model's context leaves
	Seed         uint64 // sequence i samples with generate.NewSampler(opts, Seed, FirstStream+i)
	// FirstStream offsets the sequences' sampler streams, so that a client
	// can split n samples of one seed over several requests.
	FirstStream uint64
	StopTokens  []int    // end-of-generation ids; not part of the response
	StopStrings []string // end a sequence when its decoded text contains one (the token is kept, as generate does)
	// Alpha, when set, scales the probe's H-Neurons (its positive weights)
	// by this factor during the job's forward passes (0 suppresses them);
	// nil leaves the model unchanged.
	Alpha *float64

	events chan Event
}

// Event is one step of one sequence of a Job: a generated token with its
// CETT row (computed in the forward pass that fed it), or the end.
type Event struct {
	Seq   int       // sequence index within the job
	Token int       // the token (when !Done)
	CETT  []float32 // [K] the token's CETT terms of the detector's neurons
	// Done marks the sequence's end; Reason is generate.StopEOS,
	// generate.StopString or generate.StopLength; Err is set when it failed.
	Done   bool
	Reason string
	Err    error
}

// Events returns the job's event channel: every sequence sends its tokens
// in order and then one Done event. It is buffered so that the engine never
// waits for a reader.
func (j *Job) Events() <-chan Event { return j.events }

// EngineOptions size an Engine.
type EngineOptions struct {
	// MaxBatch is the most sequences decoding at once (default 32).
	MaxBatch int
	// QueueLen is the most jobs waiting for a slot (default 64); Submit
	// refuses more with ErrQueueFull.
	QueueLen int
}

// Engine generates for many jobs at once with continuous batching: one
// goroutine owns the model's runner and, every step, runs one forward call
// (per distinct alpha) holding the new jobs' prompts and one token of every
// running sequence. A tap on the runner records the probe neurons' CETT of
// every generated token.
type Engine struct {
	m   *model.Model
	tok *tokenizer.Tokenizer
	det *Detector
	r   *model.Runner
	opt EngineOptions

	queue   chan *Job
	mu      sync.Mutex
	closed  bool
	stop    chan struct{}
	stopped chan struct{}

	// Per forward call, for the tap.
	rowDst [][]float32 // [T] the CETT row of each input row, nil for prompt rows
	z      []float32   // the current layer's z view, from MLPPost to MLPOut

	stats EngineStats
}

// EngineStats are counters the metrics read (under Engine.mu).
type EngineStats struct {
	Steps, ForwardCalls, Tokens int64
	Active, Waiting             int
	// LastBatch and PeakBatch are the segments of the last and of the
	// largest step (prompts and decoding sequences together).
	LastBatch, PeakBatch int
}

// NewEngine starts an engine for m with the detector det (which must have
// been made for m) and starts its goroutine; Close stops it.
func NewEngine(m *model.Model, tok *tokenizer.Tokenizer, det *Detector, opt EngineOptions) *Engine {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 32
	}
	if opt.QueueLen <= 0 {
		opt.QueueLen = 64
	}
	e := &Engine{m: m, tok: tok, det: det, r: m.NewRunner(), opt: opt,
		queue: make(chan *Job, opt.QueueLen), stop: make(chan struct{}), stopped: make(chan struct{})}
	e.r.AddTap(&model.Tap{MLPPost: e.mlpPost, MLPOut: e.mlpOut})
	go e.loop()
	return e
}

// Detector returns the engine's detector.
func (e *Engine) Detector() *Detector { return e.det }

// Stats returns a snapshot of the engine's counters.
func (e *Engine) Stats() EngineStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Waiting = len(e.queue)
	return s
}

// Submit queues a job. It returns ErrQueueFull when QueueLen jobs already
// wait and ErrClosed after Close; invalid jobs are refused with an error.
func (e *Engine) Submit(j *Job) error {
	if j.N <= 0 || j.MaxNewTokens <= 0 || len(j.Prompt) == 0 {
		return fmt.Errorf("serve: job with %d sequences, %d new tokens, %d prompt tokens", j.N, j.MaxNewTokens, len(j.Prompt))
	}
	c := &e.m.Config
	if c.MaxSeq > 0 {
		room := c.MaxSeq - len(j.Prompt)
		if room <= 0 {
			return &PromptTooLongError{Tokens: len(j.Prompt), Context: c.MaxSeq}
		}
		j.MaxNewTokens = min(j.MaxNewTokens, room)
	}
	for _, id := range j.Prompt {
		if id < 0 || id >= c.Vocab {
			return fmt.Errorf("serve: prompt token %d out of range [0, %d)", id, c.Vocab)
		}
	}
	if j.Ctx == nil {
		j.Ctx = context.Background()
	}
	j.events = make(chan Event, j.N*(j.MaxNewTokens+2))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	select {
	case e.queue <- j:
		return nil
	default:
		return ErrQueueFull
	}
}

// PromptTooLongError says a prompt leaves no room in the model's context.
type PromptTooLongError struct{ Tokens, Context int }

func (e *PromptTooLongError) Error() string {
	return fmt.Sprintf("the prompt has %d tokens, which fills the model's context of %d", e.Tokens, e.Context)
}

// Close stops accepting jobs, finishes the running and queued ones and
// stops the goroutine. Safe to call twice.
func (e *Engine) Close() {
	e.mu.Lock()
	if !e.closed {
		e.closed = true
		close(e.stop)
	}
	e.mu.Unlock()
	<-e.stopped
}

// seqState is one running sequence.
type seqState struct {
	job     *Job
	idx     int
	cache   *model.Cache
	sampler *generate.Sampler
	decode  func([]int) string // nil without stop strings
	tokens  []int
	next    int  // the token to feed at the next step (the last accepted one)
	feed    bool // next must be fed (to get its CETT) before the sequence ends or samples again
	final   bool // after that feed the sequence ends with reason
	reason  string
}

func (e *Engine) mlpPost(l int, z []float32, rows int) { e.z = z[:rows*e.det.F] }

// mlpOut writes each generated token's CETT terms of the layer's probe
// neurons: |z_t[j]| * 1/(||h_t|| + 1e-8), as extract's tap.
func (e *Engine) mlpOut(l int, h []float32, rows int) {
	ks := e.det.byLayer[l]
	if len(ks) == 0 {
		return
	}
	F, D := e.det.F, len(h)/rows
	for t := 0; t < rows; t++ {
		dst := e.rowDst[t]
		if dst == nil {
			continue
		}
		s := cettScale(h[t*D : (t+1)*D])
		zt := e.z[t*F : (t+1)*F]
		for _, k := range ks {
			dst[k] = abs32(zt[e.det.index[k]%F]) * s
		}
	}
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// loop is the engine goroutine.
func (e *Engine) loop() {
	defer close(e.stopped)
	var running []*seqState
	var fresh []*Job
	for {
		// Admit waiting jobs while there are free slots; block when idle.
		free := e.opt.MaxBatch - len(running)
		for free > 0 {
			var j *Job
			if len(running) == 0 && len(fresh) == 0 {
				select {
				case j = <-e.queue:
				case <-e.stop:
					select {
					case j = <-e.queue:
					default:
						return
					}
				}
			} else {
				select {
				case j = <-e.queue:
				default:
				}
			}
			if j == nil {
				break
			}
			if j.Ctx.Err() != nil {
				for i := 0; i < j.N; i++ {
					j.events <- Event{Seq: i, Done: true, Err: j.Ctx.Err()}
				}
				continue
			}
			fresh = append(fresh, j)
			free -= j.N
		}
		// Drop sequences whose client went away.
		running = slices.DeleteFunc(running, func(s *seqState) bool {
			if err := s.job.Ctx.Err(); err != nil {
				s.job.events <- Event{Seq: s.idx, Done: true, Err: err}
				return true
			}
			return false
		})
		running = e.step(fresh, running)
		fresh = fresh[:0]
	}
}

// group is the part of a step that runs in one forward call.
type group struct {
	alpha   float64
	fresh   []*Job
	running []*seqState
}

// step runs one decoding step for the new jobs and the running sequences
// and returns the sequences still running.
func (e *Engine) step(fresh []*Job, running []*seqState) []*seqState {
	var groups []*group
	find := func(a *float64) *group {
		alpha := 1.0
		if a != nil {
			alpha = *a
		}
		for _, g := range groups {
			if g.alpha == alpha {
				return g
			}
		}
		g := &group{alpha: alpha}
		groups = append(groups, g)
		return g
	}
	for _, j := range fresh {
		g := find(j.Alpha)
		g.fresh = append(g.fresh, j)
	}
	for _, s := range running {
		g := find(s.job.Alpha)
		g.running = append(g.running, s)
	}
	var out []*seqState
	batch := 0
	for _, g := range groups {
		batch += len(g.fresh) + len(g.running)
		out = append(out, e.runGroup(g)...)
	}
	e.mu.Lock()
	e.stats.Steps++
	e.stats.ForwardCalls += int64(len(groups))
	e.stats.Active = len(out)
	e.stats.LastBatch = batch
	e.stats.PeakBatch = max(e.stats.PeakBatch, batch)
	e.mu.Unlock()
	return out
}

// setAlpha scales the H-Neurons by alpha (1: no scale).
func (e *Engine) setAlpha(alpha float64) error {
	e.r.ClearScales()
	if alpha == 1 {
		return nil
	}
	scales := map[int][]float32{}
	for _, n := range e.det.Probe.HNeurons {
		s := scales[n.Layer]
		if s == nil {
			s = make([]float32, e.det.F)
			for i := range s {
				s[i] = 1
			}
			scales[n.Layer] = s
		}
		s[n.Neuron] = float32(alpha)
	}
	for l, s := range scales {
		if err := e.r.SetScale(l, s); err != nil {
			return err
		}
	}
	return nil
}

// runGroup runs one forward call for a group and returns its sequences
// still running.
func (e *Engine) runGroup(g *group) []*seqState {
	fail := func(err error) []*seqState {
		for _, j := range g.fresh {
			for i := 0; i < j.N; i++ {
				j.events <- Event{Seq: i, Done: true, Err: err}
			}
		}
		for _, s := range g.running {
			s.job.events <- Event{Seq: s.idx, Done: true, Err: err}
		}
		return nil
	}
	if err := e.setAlpha(g.alpha); err != nil {
		return fail(err)
	}
	K := e.det.K()
	segs := make([]model.Segment, 0, len(g.fresh)+len(g.running))
	e.rowDst = e.rowDst[:0]
	caches := make([]*model.Cache, len(g.fresh))
	for i, j := range g.fresh {
		caches[i] = e.m.NewCache(len(j.Prompt) + j.MaxNewTokens)
		segs = append(segs, model.Segment{Cache: caches[i], Tokens: j.Prompt})
		for range j.Prompt {
			e.rowDst = append(e.rowDst, nil)
		}
	}
	rows := make([][]float32, len(g.running))
	for i, s := range g.running {
		segs = append(segs, model.Segment{Cache: s.cache, Tokens: []int{s.next}})
		rows[i] = make([]float32, K)
		e.rowDst = append(e.rowDst, rows[i])
	}
	logits, err := e.r.Forward(context.Background(), segs, false)
	e.r.ClearScales()
	if err != nil {
		slog.Error("serve: forward call failed", "err", err)
		return fail(fmt.Errorf("serve: forward: %w", err))
	}
	V := e.m.Config.Vocab
	var out []*seqState
	var tokens int64
	for i, j := range g.fresh {
		row := logits[i*V : (i+1)*V]
		var decode func([]int) string
		for k := 0; k < j.N; k++ {
			c := caches[i]
			if k < j.N-1 {
				c = caches[i].Fork()
			}
			if len(j.StopStrings) > 0 {
				decode = generate.Decoder(e.tok, j.Prompt)
			}
			s := &seqState{job: j, idx: k, cache: c, decode: decode,
				sampler: generate.NewSampler(j.SamplerOptions, j.Seed, j.FirstStream+uint64(k)),
				tokens:  make([]int, 0, j.MaxNewTokens)}
			e.accept(s, s.sampler.Sample(row))
			if !s.finished() {
				out = append(out, s)
			}
			tokens++
		}
	}
	base := len(g.fresh)
	for i, s := range g.running {
		// The fed token's CETT is now known: it joins the response.
		s.job.events <- Event{Seq: s.idx, Token: s.next, CETT: rows[i]}
		s.feed = false
		if s.final {
			s.job.events <- Event{Seq: s.idx, Done: true, Reason: s.reason}
			continue
		}
		e.accept(s, s.sampler.Sample(logits[(base+i)*V:(base+i+1)*V]))
		tokens++
		if !s.finished() {
			out = append(out, s)
		}
	}
	e.mu.Lock()
	e.stats.Tokens += tokens
	e.mu.Unlock()
	return out
}

// finished reports whether a sequence ended without a token left to feed
// (it then sent its Done event).
func (s *seqState) finished() bool { return !s.feed && s.reason != "" }

// accept takes a sampled token: a stop token ends the sequence at once;
// any other token is kept and fed at the next step, which ends the
// sequence when a stop string appeared or the token limit is reached.
func (e *Engine) accept(s *seqState, tok int) {
	if slices.Contains(s.job.StopTokens, tok) {
		s.reason = generate.StopEOS
		s.job.events <- Event{Seq: s.idx, Done: true, Reason: s.reason}
		return
	}
	s.tokens = append(s.tokens, tok)
	s.next, s.feed = tok, true
	if s.decode != nil {
		text := s.decode(s.tokens)
		for _, stop := range s.job.StopStrings {
			if stop != "" && strings.Contains(text, stop) {
				s.final, s.reason = true, generate.StopString
				return
			}
		}
	}
	if len(s.tokens) >= s.job.MaxNewTokens {
		s.final, s.reason = true, generate.StopLength
	}
}
