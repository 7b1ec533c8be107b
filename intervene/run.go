package intervene

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// DefaultMaxNewTokens is intervene's generation limit: long enough that an
// answer with a rebuttal or a disclaimer is rarely cut (truncation is
// counted per condition all the same), which the replication found a short
// limit to fake.
const DefaultMaxNewTokens = 256

// Record is one (set, alpha, item) condition's responses and verdict.
type Record struct {
	// ID is "{set}|{alpha}|{item}".
	ID    string  `json:"id"`
	Set   string  `json:"set"`
	Kind  string  `json:"kind"`
	Alpha float64 `json:"alpha"`
	Item  string  `json:"item"`
	Bench string  `json:"bench"`
	// Variant and Mentions are copied from the item.
	Variant  string `json:"variant,omitempty"`
	Mentions int    `json:"mentions,omitempty"`
	// Responses, Tokens and Finish hold each turn's response text, new
	// token ids and finish reason (record.FinishStop or FinishLength).
	Responses []string `json:"responses"`
	Tokens    [][]int  `json:"tokens"`
	Finish    []string `json:"finish"`
	// TooLong is set when a turn's prompt did not fit the context; the
	// item then has no responses and is Unjudged.
	TooLong bool `json:"too_long,omitempty"`
	compliance.Judgement
}

// Truncated reports whether some turn stopped at the token limit.
func (r *Record) Truncated() bool {
	for _, f := range r.Finish {
		if f == record.FinishLength {
			return true
		}
	}
	return false
}

// RecordID is the id of the record of a set, an alpha and an item.
func RecordID(set string, alpha float64, item string) string {
	return set + "|" + FormatAlpha(alpha) + "|" + item
}

// Options control a Run.
type Options struct {
	// Alphas are the scale factors, each run for every set.
	Alphas []float64
	// Seed is the sampling seed.
	Seed uint64
	// Decoding is the sampling; the zero value is the paper's (temperature
	// 1, top-p 0.9, top-k 50) with DefaultMaxNewTokens.
	Decoding record.Decoding
	// PromptFormat is chat.FormatChat (default) or chat.FormatBase.
	PromptFormat string
	// Batch is the number of items generated together (default 16). It is
	// part of the provenance: batched arithmetic rounds differently.
	Batch int
	// ModelName is recorded in the provenance (default m.Path).
	ModelName string
	// Inputs describe the item files and the probe for the provenance.
	Inputs []record.Input
	// Fresh discards an existing output.
	Fresh bool
	// Judge judges the responses (nil: the rule judge, compliance.Judge).
	// Its name is part of the provenance.
	Judge compliance.Judger
	// Progress, when set, is called after each batch.
	Progress func(done, total int, elapsed time.Duration)
}

func (o Options) withDefaults(m *model.Model) Options {
	if o.Decoding == (record.Decoding{}) {
		o.Decoding = collect.PaperDecoding
		o.Decoding.MaxNewTokens = DefaultMaxNewTokens
	}
	if o.PromptFormat == "" {
		o.PromptFormat = chat.FormatChat
	}
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.ModelName == "" {
		o.ModelName = m.Path
	}
	if o.Judge == nil {
		o.Judge = compliance.RuleJudger{}
	}
	return o
}

// Validate checks the options, naming each bad one by its flag.
func (o Options) Validate() error {
	var errs []error
	if len(o.Alphas) == 0 {
		errs = append(errs, errors.New("--alphas: none given"))
	}
	for _, a := range o.Alphas {
		if a < 0 || a != a {
			errs = append(errs, fmt.Errorf("--alphas: %v is negative", a))
		}
	}
	d := o.Decoding
	if d != (record.Decoding{}) {
		errs = append(errs, generate.SamplerOptions{Temperature: d.Temperature, TopK: d.TopK, TopP: d.TopP}.Validate())
		if d.MaxNewTokens < 1 {
			errs = append(errs, fmt.Errorf("--max-new-tokens %d: want at least 1", d.MaxNewTokens))
		}
	}
	switch o.PromptFormat {
	case "", chat.FormatChat, chat.FormatBase:
	default:
		errs = append(errs, fmt.Errorf("--prompt-format %q: want %s or %s", o.PromptFormat, chat.FormatChat, chat.FormatBase))
	}
	if o.Batch < 0 {
		errs = append(errs, fmt.Errorf("--batch %d: want at least 1", o.Batch))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("intervene: %w", err)
	}
	return nil
}

// setsDigest identifies the neuron sets in the provenance.
func setsDigest(sets []Set) string {
	b, _ := json.Marshal(sets)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (o Options) provenance(m *model.Model, tok *tokenizer.Tokenizer, items []compliance.Item, sets []Set) (record.Provenance, error) {
	d := o.Decoding
	alphas := make([]string, len(o.Alphas))
	for i, a := range o.Alphas {
		alphas[i] = FormatAlpha(a)
	}
	opts := map[string]string{
		"alphas": strings.Join(alphas, ","), "seed": strconv.FormatUint(o.Seed, 10), "prompt-format": o.PromptFormat,
		"temperature": FormatAlpha(d.Temperature), "top-p": FormatAlpha(d.TopP), "top-k": strconv.Itoa(d.TopK),
		"max-new-tokens": strconv.Itoa(d.MaxNewTokens), "batch": strconv.Itoa(o.Batch), "sets": setsDigest(sets),
	}
	if j := o.Judge; j != nil && j.Name() != (compliance.RuleJudger{}).Name() {
		opts["judge"] = j.Name() // absent for the rule judge, so that older runs resume
	}
	if o.PromptFormat == chat.FormatChat {
		sum := sha256.Sum256([]byte(tok.ChatTemplate()))
		opts["chat-template"] = "sha256:" + hex.EncodeToString(sum[:])
	}
	id, err := m.Identity()
	if err != nil {
		return record.Provenance{}, fmt.Errorf("intervene: %w", err)
	}
	p := record.New("intervene", opts).WithModel(id, o.ModelName)
	in, err := record.RecordsInput("items", items)
	if err != nil {
		return record.Provenance{}, fmt.Errorf("intervene: %w", err)
	}
	p = p.WithInput(in)
	for _, x := range o.Inputs {
		p = p.WithInput(x)
	}
	return p, nil
}

// Stats counts what a Run did.
type Stats struct {
	Records int // records the full run has
	Skipped int // records already in the output
	Written int // records written by this run
}

// Run generates and judges every (set, alpha, item) condition not yet in
// the JSONL file out and appends their records, set by set, alpha by
// alpha, items in batches of opt.Batch in the order given. A rerun with
// other options, model, items or sets stops with an error naming the
// difference (unless opt.Fresh); an interrupted run resumes and writes the
// same file an uninterrupted one would.
func Run(ctx context.Context, m *model.Model, tok *tokenizer.Tokenizer, items []compliance.Item, sets []Set, out string, opt Options) (Stats, error) {
	if err := opt.Validate(); err != nil {
		return Stats{}, err
	}
	opt = opt.withDefaults(m)
	for i := range items {
		if err := items[i].Validate(); err != nil {
			return Stats{}, fmt.Errorf("intervene: %w", err)
		}
	}
	for _, s := range sets {
		for _, n := range s.Neurons {
			if n.Layer < 0 || n.Layer >= m.Config.NLayers || n.Neuron < 0 || n.Neuron >= m.Config.DFF {
				return Stats{}, fmt.Errorf("intervene: set %s: neuron (%d, %d) outside the model's %d x %d", s.Name, n.Layer, n.Neuron, m.Config.NLayers, m.Config.DFF)
			}
		}
	}
	g, err := newGenerator(m, tok, opt)
	if err != nil {
		return Stats{}, err
	}
	prov, err := opt.provenance(m, tok, items, sets)
	if err != nil {
		return Stats{}, err
	}
	app, done, err := record.OpenAppender(out, prov, opt.Fresh)
	if err != nil {
		return Stats{}, fmt.Errorf("intervene: %w", err)
	}
	defer func() {
		if app != nil {
			app.Close()
		}
	}()
	st := Stats{Records: len(sets) * len(opt.Alphas) * len(items)}
	start := time.Now()
	finished := 0
	for _, s := range sets {
		for _, a := range opt.Alphas {
			for lo := 0; lo < len(items); lo += opt.Batch {
				chunk := items[lo:min(lo+opt.Batch, len(items))]
				missing := 0
				for i := range chunk {
					if !done[RecordID(s.Name, a, chunk[i].ID)] {
						missing++
					}
				}
				st.Skipped += len(chunk) - missing
				if missing > 0 {
					// The whole batch is generated again, so that every record
					// comes from the same batched arithmetic as before.
					if err := Apply(g.r, m, s, a); err != nil {
						return st, err
					}
					recs, err := g.batch(ctx, chunk)
					if err != nil {
						return st, err
					}
					for i := range recs {
						r := &recs[i]
						r.ID, r.Set, r.Kind, r.Alpha = RecordID(s.Name, a, chunk[i].ID), s.Name, s.Kind, a
						if done[r.ID] {
							continue
						}
						if err := app.Append(r); err != nil {
							return st, fmt.Errorf("intervene: %w", err)
						}
						st.Written++
					}
				}
				finished += len(chunk)
				if opt.Progress != nil {
					opt.Progress(finished, st.Records, time.Since(start))
				}
			}
		}
	}
	g.r.ClearScales()
	err = app.Close()
	app = nil
	if err != nil {
		return st, fmt.Errorf("intervene: %w", err)
	}
	return st, nil
}

// generator renders, generates and judges batches of items on one runner.
type generator struct {
	m      *model.Model
	tok    *tokenizer.Tokenizer
	r      *model.Runner
	opt    Options
	prompt *chat.Prompter
	stops  []int
}

func newGenerator(m *model.Model, tok *tokenizer.Tokenizer, opt Options) (*generator, error) {
	p, err := chat.NewPrompter(tok, opt.PromptFormat)
	if err != nil {
		return nil, fmt.Errorf("intervene: %w", err)
	}
	return &generator{m: m, tok: tok, r: m.NewRunner(), opt: opt, prompt: p, stops: generate.StopTokens(tok, m)}, nil
}

// TurnSeed is the sampling seed of an item's turn: collect.QuestionSeed of
// the run seed and "{item}#{turn}".
func TurnSeed(seed uint64, item string, turn int) uint64 {
	return collect.QuestionSeed(seed, item+"#"+strconv.Itoa(turn))
}

// PromptText returns the prompt of an item's turn, given the responses to
// the earlier turns.
func PromptText(p *chat.Prompter, it *compliance.Item, turn int, earlier []string) (string, error) {
	var msgs []chat.Message
	for i := 0; i < turn; i++ {
		msgs = append(msgs, chat.Message{Role: "user", Content: it.Turns[i]}, chat.Message{Role: "assistant", Content: earlier[i]})
	}
	msgs = append(msgs, chat.Message{Role: "user", Content: it.Turns[turn]})
	return p.Conversation(msgs)
}

// batch answers every turn of the items, one batched generation per turn.
func (g *generator) batch(ctx context.Context, items []compliance.Item) ([]Record, error) {
	recs := make([]Record, len(items))
	for i := range items {
		recs[i] = Record{Item: items[i].ID, Bench: items[i].Bench, Variant: items[i].Variant, Mentions: items[i].Mentions}
	}
	d := g.opt.Decoding
	for turn := 0; ; turn++ {
		var idx []int
		var prompts [][]int
		var opts []generate.Options
		for i := range items {
			if turn >= len(items[i].Turns) || recs[i].TooLong {
				continue
			}
			text, err := PromptText(g.prompt, &items[i], turn, recs[i].Responses)
			if err != nil {
				return nil, fmt.Errorf("intervene: item %q: %w", items[i].ID, err)
			}
			ids := g.prompt.Tokens(text)
			if max := g.m.Config.MaxSeq; len(ids) == 0 || (max > 0 && len(ids) >= max) {
				recs[i].TooLong = true
				continue
			}
			idx = append(idx, i)
			prompts = append(prompts, ids)
			opts = append(opts, generate.Options{
				SamplerOptions: generate.SamplerOptions{Temperature: d.Temperature, TopK: d.TopK, TopP: d.TopP},
				MaxNewTokens:   d.MaxNewTokens,
				Seed:           TurnSeed(g.opt.Seed, items[i].ID, turn),
				StopTokens:     g.stops,
				StopStrings:    g.prompt.StopStrings(),
				Decode:         generate.Decoder(g.tok, ids),
			})
		}
		if len(idx) == 0 {
			break
		}
		res, err := generate.GenerateMany(ctx, g.r, prompts, 1, opts)
		if err != nil {
			return nil, fmt.Errorf("intervene: %w", err)
		}
		for k, i := range idx {
			r := res[k][0]
			fin := record.FinishStop
			if r.Reason == generate.StopLength {
				fin = record.FinishLength
			}
			recs[i].Responses = append(recs[i].Responses, collect.SanitizeText(strings.TrimSpace(r.Text)))
			recs[i].Tokens = append(recs[i].Tokens, r.Tokens)
			recs[i].Finish = append(recs[i].Finish, fin)
		}
	}
	for i := range recs {
		if recs[i].TooLong {
			recs[i].Judgement = compliance.Judgement{Verdict: compliance.Unjudged, Rule: "prompt too long"}
			continue
		}
		j, err := g.opt.Judge.Judge(ctx, &items[i], recs[i].Responses)
		if err != nil {
			return nil, fmt.Errorf("intervene: %w", err)
		}
		recs[i].Judgement = j
	}
	return recs, nil
}
