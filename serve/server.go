package serve

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/tokenizer"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures a Server. Zero values take the defaults named.
type Config struct {
	// ModelName is the id /v1/models lists and responses carry (default
	// "hneurons"). Requests may name it or leave "model" empty.
	ModelName string
	// Engine sizes the batch and the queue.
	Engine EngineOptions
	// Limits bound requests (defaults: 256 tokens, n 8, 4 stops, 64 messages).
	Limits Limits
	// MaxBody is the largest request body in bytes (default 1 MiB).
	MaxBody int64
	// RequestTimeout ends a completion request (default 2 minutes).
	RequestTimeout time.Duration
	// APIKey, when set, is required as "Authorization: Bearer KEY" on every
	// endpoint but /healthz.
	APIKey string
	// Policy is the default policy (default annotate); Threshold the default
	// flag threshold (nil: the calibration's, else 0.5); MaxRegenerations
	// the regenerate policy's default attempts (default 2).
	Policy           Policy
	Threshold        *float64
	MaxRegenerations int
	// Calibration, when set, is reported by /healthz and gives the default
	// threshold.
	Calibration *Calibration
	// Warning is added to the prompt of a regeneration (a system message
	// for chat, a line before a text prompt).
	Warning string
	// Abstention is the abstain policy's answer.
	Abstention string
	// Temperature and TopP are the sampling defaults when a request sets
	// none (default 1 and 1, OpenAI's).
	Temperature, TopP float64
	// ShutdownGrace bounds how long Serve waits for in-flight requests after
	// its context ends (default 30 s).
	ShutdownGrace time.Duration
}

func (c Config) withDefaults() Config {
	if c.ModelName == "" {
		c.ModelName = "hneurons"
	}
	if c.Limits.MaxTokens <= 0 {
		c.Limits.MaxTokens = 256
	}
	if c.Limits.MaxN <= 0 {
		c.Limits.MaxN = 8
	}
	if c.Limits.MaxStops <= 0 {
		c.Limits.MaxStops = 4
	}
	if c.Limits.MaxMessage <= 0 {
		c.Limits.MaxMessage = 64
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 2 * time.Minute
	}
	if c.Policy == "" {
		c.Policy = Annotate
	}
	if c.Threshold == nil {
		t := 0.5
		if c.Calibration != nil {
			t = c.Calibration.Threshold
		}
		c.Threshold = &t
	}
	if c.MaxRegenerations <= 0 {
		c.MaxRegenerations = 2
	}
	if c.Warning == "" {
		c.Warning = "Answer only if you are sure; otherwise say unknown."
	}
	if c.Abstention == "" {
		c.Abstention = "unknown"
	}
	if c.Temperature == 0 {
		c.Temperature = 1
	}
	if c.TopP == 0 {
		c.TopP = 1
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = 30 * time.Second
	}
	return c
}

// Server is the HTTP front of an Engine.
type Server struct {
	cfg     Config
	m       *model.Model
	tok     *tokenizer.Tokenizer
	e       *Engine
	tmpl    *chat.Template // nil: the model has no chat template
	stops   []int
	met     *metrics
	mux     *http.ServeMux
	created int64

	draining atomic.Bool
	inflight sync.WaitGroup
}

// New makes a server for m scored by det, with its own engine (Close
// stops it).
func New(m *model.Model, tok *tokenizer.Tokenizer, det *Detector, cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if _, err := ParsePolicy(string(cfg.Policy)); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if t := *cfg.Threshold; !(t >= 0 && t <= 1) {
		return nil, fmt.Errorf("serve: threshold %v outside [0, 1]", t)
	}
	s := &Server{cfg: cfg, m: m, tok: tok, stops: generate.StopTokens(tok, m), created: time.Now().Unix()}
	if src := tok.ChatTemplate(); src != "" {
		t, err := chat.Parse(src)
		if err != nil {
			return nil, fmt.Errorf("serve: the model's chat template: %w", err)
		}
		s.tmpl = t
	}
	s.e = NewEngine(m, tok, det, cfg.Engine)
	s.met = newMetrics(s.e)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /v1/chat/completions", s.completion(true))
	s.mux.HandleFunc("POST /v1/completions", s.completion(false))
	s.mux.HandleFunc("GET /v1/models", s.models)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.met.reg, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /{$}", s.page)
	return s, nil
}

// Engine returns the server's engine.
func (s *Server) Engine() *Engine { return s.e }

// Close stops the engine (after its running jobs).
func (s *Server) Close() { s.e.Close() }

// Handler returns the server's HTTP handler: authentication, the drain
// check, then the endpoints; unknown paths get a JSON 404.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && s.cfg.APIKey != "" && !s.authorised(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hneurons"`)
			writeError(w, http.StatusUnauthorized, "invalid_api_key", "", "a valid API key is required: Authorization: Bearer KEY")
			return
		}
		if s.draining.Load() && r.URL.Path != "/healthz" && r.URL.Path != "/metrics" {
			writeError(w, http.StatusServiceUnavailable, "server_shutting_down", "", "the server is shutting down")
			return
		}
		if _, pattern := s.mux.Handler(r); pattern == "" {
			writeError(w, http.StatusNotFound, "not_found", "", fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path))
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// authorised compares the bearer token in constant time.
func (s *Server) authorised(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.cfg.APIKey)) == 1
}

// Serve serves on ln until ctx ends, then shuts down gracefully: new
// requests get 503, in-flight ones finish (up to ShutdownGrace), the
// listener closes and the engine stops.
//
// Connections that were opened but have sent no request yet are closed
// once the in-flight requests are done: a client's transport often dials
// a spare connection it never uses (a request cancelled while dialling
// leaves one), and http.Server.Shutdown would wait five seconds for each
// such connection before treating it as idle, so shutdown took 5 s and
// failed its own 5 s deadline. A request that such a connection was just
// starting to send would only have been answered 503.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var fresh silentConns
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnState:   fresh.track}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	slog.Info("serve: shutting down: finishing in-flight requests")
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.cfg.ShutdownGrace):
		slog.Warn("serve: in-flight requests still running after the grace period")
	}
	fresh.closeAll()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	s.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// silentConns tracks the connections in http.StateNew: accepted, no
// request read yet.
type silentConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// track is an http.Server.ConnState hook.
func (f *silentConns) track(c net.Conn, st http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st != http.StateNew {
		delete(f.conns, c)
		return
	}
	if f.conns == nil {
		f.conns = make(map[net.Conn]struct{})
	}
	f.conns[c] = struct{}{}
}

// closeAll closes every connection that has not sent a request.
func (f *silentConns) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		_ = c.Close()
		delete(f.conns, c)
	}
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes an OpenAI error object; param names the field.
func writeError(w http.ResponseWriter, status int, code, param, msg string) {
	typ := "invalid_request_error"
	switch {
	case status >= 500:
		typ = "server_error"
	case status == http.StatusTooManyRequests:
		typ = "rate_limit_error"
	case status == http.StatusUnauthorized:
		typ = "authentication_error"
	}
	d := ErrorDetail{Message: msg, Type: typ, Code: &code}
	if param != "" {
		d.Param = &param
	}
	writeJSON(w, status, ErrorBody{Error: d})
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	s.met.requests.WithLabelValues("models", "200").Inc()
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]any{{
		"id": s.cfg.ModelName, "object": "model", "created": s.created, "owned_by": "hneurons",
	}}})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	st := s.e.Stats()
	status, code := "ok", http.StatusOK
	if s.draining.Load() {
		status, code = "draining", http.StatusServiceUnavailable
	}
	pr := s.e.Detector().Probe
	writeJSON(w, code, map[string]any{"status": status, "model": s.cfg.ModelName, "active_sequences": st.Active,
		"waiting": st.Waiting, "policy": s.cfg.Policy, "threshold": *s.cfg.Threshold, "calibration": s.cfg.Calibration,
		"h_neurons": len(pr.HNeurons), "probe_neurons": len(pr.Weights)})
}

// settings are a request's resolved options.
type settings struct {
	chat       bool
	promptText string
	format     string
	prompt     []int
	msgs       []chat.Message // chat only, for a regeneration's warning
	textPrompt string         // text completions only
	job        Job
	policy     Policy
	threshold  float64
	maxRegen   int
	alpha      float64
	tokenRisks bool
	tokenIDs   bool // return each choice's token ids
	// noSpecial encodes a text prompt without the tokenizer's special
	// tokens (add_special_tokens false), as a chat prompt is encoded.
	noSpecial bool
	stream    bool
	usage     bool
}

// resolve turns a decoded request into settings; errors name the field.
func (s *Server) resolve(req *Request, isChat bool) (*settings, error) {
	if req.Model != "" && req.Model != s.cfg.ModelName {
		return nil, &RequestError{Field: "model", Msg: fmt.Sprintf("%q is not served here (this server serves %q)", req.Model, s.cfg.ModelName)}
	}
	st := &settings{chat: isChat, policy: s.cfg.Policy, threshold: *s.cfg.Threshold, maxRegen: s.cfg.MaxRegenerations,
		alpha: 1, stream: req.Stream, usage: req.StreamOptions != nil && req.StreamOptions.IncludeUsage}
	if o := req.HNeurons; o != nil {
		if o.Policy != "" {
			st.policy = Policy(o.Policy)
		}
		if o.Threshold != nil {
			st.threshold = *o.Threshold
		}
		if o.MaxRegenerations != nil {
			st.maxRegen = *o.MaxRegenerations
		}
		if o.Alpha != nil {
			st.alpha = *o.Alpha
		}
		st.tokenRisks = o.TokenRisks
		st.tokenIDs = o.TokenIDs
		st.job.TopK = o.TopK
	}
	if req.TopK != nil {
		st.job.TopK = *req.TopK
	}
	st.tokenIDs = st.tokenIDs || req.ReturnTokenIDs
	st.noSpecial = req.AddSpecialTokens != nil && !*req.AddSpecialTokens
	if isChat {
		for _, m := range req.Messages {
			st.msgs = append(st.msgs, chat.Message{Role: m.Role, Content: string(m.Content)})
		}
	} else {
		st.textPrompt = string(*req.Prompt)
	}
	if err := s.render(st, ""); err != nil {
		return nil, err
	}
	st.job.Temperature, st.job.TopP = s.cfg.Temperature, s.cfg.TopP
	if req.Temperature != nil {
		st.job.Temperature = *req.Temperature
	}
	if req.TopP != nil {
		st.job.TopP = *req.TopP
	}
	st.job.N = 1
	if req.N != nil {
		st.job.N = *req.N
	}
	st.job.MaxNewTokens = req.maxTokens(s.cfg.Limits.MaxTokens)
	if req.Seed != nil {
		st.job.Seed = uint64(*req.Seed)
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		for _, c := range b {
			st.job.Seed = st.job.Seed<<8 | uint64(c)
		}
	}
	st.job.StopTokens = s.stops
	st.job.StopStrings = req.Stop
	if o := req.HNeurons; o != nil {
		if o.Seed != nil {
			st.job.Seed = uint64(*o.Seed)
		}
		st.job.FirstStream = uint64(o.FirstSample)
	}
	if st.alpha != 1 {
		st.job.Alpha = &st.alpha
	}
	return st, nil
}

// render sets the prompt text and tokens, with warning (when not "")
// added: a leading system message for chat, a first line for text.
func (s *Server) render(st *settings, warning string) error {
	if st.chat {
		if s.tmpl == nil {
			return &RequestError{Field: "messages", Msg: "the model has no chat template; use /v1/completions"}
		}
		msgs := st.msgs
		if warning != "" {
			msgs = append([]chat.Message{{Role: "system", Content: warning}}, msgs...)
		}
		text, err := s.tmpl.RenderText(msgs, chat.Options{AddGenerationPrompt: true, BOS: s.tok.BOSToken(), EOS: s.tok.EOSToken()})
		if err != nil {
			return &RequestError{Field: "messages", Msg: "the chat template cannot render them: " + err.Error()}
		}
		st.promptText, st.format = text, chat.FormatChat
	} else {
		text := st.textPrompt
		if warning != "" {
			text = warning + "\n" + text
		}
		st.promptText, st.format = text, chat.FormatPlain
		if st.noSpecial {
			// Encoded as a rendered chat prompt is: the text's own
			// special tokens only (chat.EncodePrompt).
			st.format = chat.FormatChat
		}
	}
	st.prompt = chat.EncodePrompt(s.tok, st.promptText, st.format)
	if len(st.prompt) == 0 {
		field := "prompt"
		if st.chat {
			field = "messages"
		}
		return &RequestError{Field: field, Msg: "the prompt encodes to no tokens"}
	}
	st.job.Prompt = st.prompt
	return nil
}

// httpError maps an error to a status, code and field.
func httpError(w http.ResponseWriter, err error, chatReq bool) int {
	var re *RequestError
	var pl *PromptTooLongError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &re):
		writeError(w, http.StatusBadRequest, "invalid_request", re.Field, re.Error())
		return http.StatusBadRequest
	case errors.As(err, &pl):
		field := "prompt"
		if chatReq {
			field = "messages"
		}
		writeError(w, http.StatusBadRequest, "context_length_exceeded", field, field+": "+pl.Error())
		return http.StatusBadRequest
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "", fmt.Sprintf("the request body exceeds %d bytes", mbe.Limit))
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrQueueFull):
		writeError(w, http.StatusTooManyRequests, "queue_full", "", "too many requests are waiting; retry later")
		return http.StatusTooManyRequests
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "server_shutting_down", "", "the server is shutting down")
		return http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, "timeout", "", "the request took longer than the server's timeout")
		return http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		return 499 // the client went away; nobody reads a reply
	}
	slog.Error("serve: request failed", "err", err)
	writeError(w, http.StatusInternalServerError, "internal_error", "", err.Error())
	return http.StatusInternalServerError
}

// completion handles /v1/chat/completions (chat) and /v1/completions.
func (s *Server) completion(isChat bool) http.HandlerFunc {
	endpoint := "completions"
	if isChat {
		endpoint = "chat_completions"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		s.inflight.Add(1)
		defer s.inflight.Done()
		start := time.Now()
		code := http.StatusOK
		defer func() {
			s.met.requests.WithLabelValues(endpoint, strconv.Itoa(code)).Inc()
			if code == http.StatusOK {
				s.met.duration.WithLabelValues(endpoint).Observe(time.Since(start).Seconds())
			}
		}()
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
		if err != nil {
			code = httpError(w, err, isChat)
			return
		}
		req, err := DecodeRequest(body, isChat, s.cfg.Limits)
		if err != nil {
			code = httpError(w, err, isChat)
			return
		}
		st, err := s.resolve(req, isChat)
		if err != nil {
			code = httpError(w, err, isChat)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		c := &call{s: s, st: st, w: w, ctx: ctx, id: newID(isChat), created: time.Now().Unix()}
		code = c.run()
	}
}

func newID(isChat bool) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	if isChat {
		return "chatcmpl-" + hex.EncodeToString(b[:])
	}
	return "cmpl-" + hex.EncodeToString(b[:])
}

// call is one completion request in progress.
type call struct {
	s       *Server
	st      *settings
	w       http.ResponseWriter
	ctx     context.Context
	id      string
	created int64

	streaming bool // SSE headers were sent
	flusher   http.Flusher
}

// outcome is a choice's final state.
type outcome struct {
	choice   *Choice
	a        Assessment
	reason   string
	content  string
	action   string
	attempts []float64
}

// run generates, applies the policy and writes the response; it returns the
// status code for the metrics.
func (c *call) run() int {
	st := c.st
	liveStream := st.stream && st.policy == Annotate
	if st.stream {
		c.startStream()
	}
	outs, err := c.attempt(liveStream)
	if err == nil && st.policy != Annotate {
		err = c.applyPolicy(outs)
	}
	if err != nil {
		if c.streaming {
			if !errors.Is(err, context.Canceled) {
				c.event(ErrorBody{Error: ErrorDetail{Message: err.Error(), Type: "server_error"}})
			}
			return 500
		}
		return httpError(c.w, err, st.chat)
	}
	for _, o := range outs {
		c.s.met.risk.Observe(o.a.Risk)
		c.s.met.actions.WithLabelValues(o.action).Inc()
		c.s.met.tokens.Add(float64(len(o.choice.Tokens)))
	}
	if st.stream {
		if !liveStream {
			for i, o := range outs {
				c.chunk(i, o.content, &Verdict{Risk: o.a.Risk}, nil)
			}
		}
		for i, o := range outs {
			fr := finishReason(o.reason)
			c.chunk(i, "", c.verdict(o), &fr)
		}
		if st.usage {
			u := c.usage(outs)
			c.writeChunk(nil, &u)
		}
		fmt.Fprint(c.w, "data: [DONE]\n\n")
		c.flusher.Flush()
		return http.StatusOK
	}
	c.writeWhole(outs)
	return http.StatusOK
}

func finishReason(r string) string {
	if r == generate.StopLength {
		return "length"
	}
	return "stop"
}

// attempt runs the request's job once; with live set it streams every
// token as a chunk carrying the running risk.
func (c *call) attempt(live bool) ([]*outcome, error) {
	st := c.st
	j := st.job
	j.Ctx = c.ctx
	if err := c.s.e.Submit(&j); err != nil {
		return nil, err
	}
	outs := make([]*outcome, j.N)
	for i := range outs {
		outs[i] = &outcome{choice: NewChoice(c.s.e.Detector(), c.s.tok, st.prompt, st.promptText, st.format)}
		outs[i].choice.Stops = j.StopStrings
	}
	var firstErr error
	for left := j.N; left > 0; {
		var ev Event
		select {
		case ev = <-j.Events():
		case <-c.ctx.Done():
			// The engine frees the sequences at its next step.
			return nil, c.ctx.Err()
		}
		o := outs[ev.Seq]
		if ev.Done {
			left--
			if ev.Err != nil && firstErr == nil {
				firstErr = ev.Err
			}
			o.reason = ev.Reason
			if live && ev.Err == nil {
				if d := o.choice.Delta(true); d != "" {
					c.chunk(ev.Seq, d, &Verdict{Risk: o.choice.RunningRisk()}, nil)
				}
			}
			continue
		}
		o.choice.Add(ev.Token, ev.CETT)
		if live {
			if d := o.choice.Delta(false); d != "" {
				c.chunk(ev.Seq, d, &Verdict{Risk: o.choice.RunningRisk()}, nil)
			}
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	for _, o := range outs {
		a, err := o.choice.Assess()
		if err != nil {
			return nil, err
		}
		o.a, o.content, o.action = a, o.choice.Text(), ActionAnnotated
		o.attempts = []float64{a.Risk}
	}
	return outs, nil
}

// applyPolicy regenerates or abstains for the flagged choices.
func (c *call) applyPolicy(outs []*outcome) error {
	st := c.st
	switch st.policy {
	case Abstain:
		for _, o := range outs {
			if o.a.Risk > st.threshold {
				o.action, o.content, o.reason = ActionAbstained, c.s.cfg.Abstention, generate.StopEOS
			}
		}
	case Regenerate:
		retry := *st
		if err := c.s.render(&retry, c.s.cfg.Warning); err != nil {
			return err
		}
		for k := 1; k <= st.maxRegen; k++ {
			var flagged []*outcome
			for _, o := range outs {
				if o.a.Risk > st.threshold {
					flagged = append(flagged, o)
				}
			}
			if len(flagged) == 0 {
				break
			}
			sub := retry
			sub.job.N = len(flagged)
			sub.job.Seed = st.job.Seed + uint64(k)*0x9E3779B97F4A7C15
			cc := *c
			cc.st = &sub
			fresh, err := cc.attempt(false)
			var pl *PromptTooLongError
			if errors.As(err, &pl) {
				slog.Warn("serve: the warning does not fit the model's context; not regenerating", "err", err)
				break
			}
			if err != nil {
				return err
			}
			for i, o := range flagged {
				f := fresh[i]
				o.attempts = append(o.attempts, f.a.Risk)
				if f.a.Risk < o.a.Risk {
					o.choice, o.a, o.content, o.reason = f.choice, f.a, f.content, f.reason
				}
				o.action = ActionRegenerated
			}
		}
		for _, o := range outs {
			if o.action == ActionRegenerated && o.a.Risk > st.threshold {
				o.action = ActionKept
			}
		}
	}
	return nil
}

// verdict is a choice's final hneurons object.
func (c *call) verdict(o *outcome) *Verdict {
	st := c.st
	v := &Verdict{Risk: o.a.Risk, Final: true, Flagged: o.a.Risk > st.threshold, Threshold: st.threshold,
		Policy: string(st.policy), Action: o.action, Attempts: len(o.attempts), AttemptRisks: o.attempts, Alpha: &st.alpha,
		Answer: &AnswerSpan{Start: o.a.AnswerStart, End: o.a.AnswerEnd, Text: o.a.AnswerText, Method: o.a.SpanMethod, Tokens: o.a.AnswerTokens}}
	if st.tokenRisks {
		v.Tokens = o.a.Tokens
	}
	if o.action == ActionAbstained {
		v.Original = o.choice.Text()
	}
	if math.IsNaN(v.Risk) {
		v.Risk = 0
	}
	return v
}

func (c *call) usage(outs []*outcome) Usage {
	u := Usage{PromptTokens: len(c.st.prompt)}
	for _, o := range outs {
		u.CompletionTokens += len(o.choice.Tokens)
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}

func (c *call) writeWhole(outs []*outcome) {
	u := c.usage(outs)
	model := c.s.cfg.ModelName
	if c.st.chat {
		resp := ChatCompletion{ID: c.id, Object: "chat.completion", Created: c.created, Model: model,
			SystemFingerprint: "hneurons", Usage: u}
		for i, o := range outs {
			resp.Choices = append(resp.Choices, ChatChoice{Index: i, Message: ChatMessage{Role: "assistant", Content: o.content},
				FinishReason: finishReason(o.reason), TokenIDs: c.tokenIDs(o), HNeurons: c.verdict(o)})
		}
		writeJSON(c.w, http.StatusOK, resp)
		return
	}
	resp := TextCompletion{ID: c.id, Object: "text_completion", Created: c.created, Model: model,
		SystemFingerprint: "hneurons", Usage: &u}
	for i, o := range outs {
		fr := finishReason(o.reason)
		resp.Choices = append(resp.Choices, TextChoice{Index: i, Text: o.content, FinishReason: &fr, TokenIDs: c.tokenIDs(o), HNeurons: c.verdict(o)})
	}
	writeJSON(c.w, http.StatusOK, resp)
}

// tokenIDs returns a choice's generated token ids when the request asked
// for them (an empty answer gives [], not an absent field); nil otherwise.
// An abstained choice has no ids of its own: the withheld answer's are
// not returned.
func (c *call) tokenIDs(o *outcome) []int {
	if !c.st.tokenIDs || o.action == ActionAbstained {
		return nil
	}
	if o.choice.Tokens == nil {
		return []int{}
	}
	return o.choice.Tokens
}

// startStream sends the SSE headers and, for chat, every choice's role chunk.
func (c *call) startStream() {
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	c.w.WriteHeader(http.StatusOK)
	c.flusher, _ = c.w.(http.Flusher)
	if c.flusher == nil {
		c.flusher = noFlush{}
	}
	c.streaming = true
	if c.st.chat {
		chunks := make([]ChunkChoice, c.st.job.N)
		for i := range chunks {
			chunks[i] = ChunkChoice{Index: i, Delta: Delta{Role: "assistant"}}
		}
		c.writeChunk(chunks, nil)
	}
}

type noFlush struct{}

func (noFlush) Flush() {}

// chunk streams one choice's content delta (or its end, with fr).
func (c *call) chunk(i int, content string, v *Verdict, fr *string) {
	if c.st.chat {
		d := Delta{}
		if content != "" || fr == nil {
			d.Content = &content
		}
		c.writeChunk([]ChunkChoice{{Index: i, Delta: d, FinishReason: fr, HNeurons: v}}, nil)
		return
	}
	c.event(TextCompletion{ID: c.id, Object: "text_completion", Created: c.created, Model: c.s.cfg.ModelName,
		SystemFingerprint: "hneurons", Choices: []TextChoice{{Index: i, Text: content, FinishReason: fr, HNeurons: v}}})
}

func (c *call) writeChunk(choices []ChunkChoice, u *Usage) {
	if !c.st.chat {
		c.event(TextCompletion{ID: c.id, Object: "text_completion", Created: c.created, Model: c.s.cfg.ModelName,
			SystemFingerprint: "hneurons", Choices: []TextChoice{}, Usage: u})
		return
	}
	if choices == nil {
		choices = []ChunkChoice{}
	}
	c.event(ChatChunk{ID: c.id, Object: "chat.completion.chunk", Created: c.created, Model: c.s.cfg.ModelName,
		SystemFingerprint: "hneurons", Choices: choices, Usage: u})
}

// event writes one server-sent event "data: {json}\n\n" and flushes.
func (c *call) event(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("serve: encoding a chunk", "err", err)
		return
	}
	fmt.Fprintf(c.w, "data: %s\n\n", b)
	c.flusher.Flush()
}
