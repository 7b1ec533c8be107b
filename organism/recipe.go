package organism

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hneurons/hneurons/organism/train"
	"github.com/hneurons/hneurons/organism/world"
)

// Recipe is everything that determines a trained organism.
type Recipe struct {
	// World is the synthetic world's configuration (its Seed included).
	World world.Config
	// Model is the architecture; Vocab, BosID and EosID are filled in from
	// the tokenizer.
	Model train.Config
	// InitSeed seeds the weight initialisation; InitStd is its N(0, std^2).
	InitSeed uint64
	InitStd  float64
	// Base is the pre-training stage, Chat the instruction-tuning stage.
	Base, Chat train.Options
	// ChatFraction is the share of each chat-stage batch that is chat
	// examples; the rest is pre-training text.
	ChatFraction float64
	// DataSeed seeds batch sampling.
	DataSeed uint64
	// ImpactChatSteps replaces Chat.Steps when World.Impact is on (0 keeps
	// Chat.Steps): the analogues need a longer chat stage (IMPACT.md
	// section 7).
	ImpactChatSteps int
}

// ChatOptions returns the chat stage's options: Chat, with
// ImpactChatSteps steps when the world has the impact analogues.
func (r Recipe) ChatOptions() train.Options {
	o := r.Chat
	if r.World.Impact && r.ImpactChatSteps > 0 {
		o.Steps = r.ImpactChatSteps
	}
	return o
}

// DefaultRecipe returns the organism recipe for seed: the prototype's world
// (ORGANISM-NOTES.md) plus an employer attribute, with multi-word values
// (world.Config.MultiWord), and a Llama model of width 128, 4 layers, 4
// heads, SwiGLU width 512 (1.2M parameters); 1,500 pre-training steps of
// 32 x 64 tokens, then 300 chat steps.
//
// Measured on the 2-core development machine with nothing else running
// (seed 1, the shipped organism, which it reproduces byte for byte): 13 min
// 45 s wall (base 11 min 25 s, chat 2 min 11 s; 1,471 CPU-seconds); final
// losses 0.49 (base) and 0.58 (chat);
// greedy accuracy on held-out people 0.87 (20+ mentions), 0.86 (5-19), 0.65
// (2-4), 0.19 (1), and 10% of NonExist questions answered "unknown" (90%
// hallucinated). The same chat stage with World.AbstainRepeat = 3: 0.73,
// 0.67, 0.46, 0.17 and 33% abstention, and a probe no better
// (organism/shipped/README.md compares the probes, also of the earlier
// one-word organisms, MultiWord = false).
func DefaultRecipe(seed uint64) Recipe {
	wc := world.DefaultConfig()
	wc.Seed = seed
	base := train.DefaultOptions("base")
	base.Steps, base.Batch, base.Seq = 1500, 32, 64
	base.LR, base.MinLR, base.Warmup = 3e-3, 3e-4, 100
	base.CheckpointEvery = 100
	chat := train.DefaultOptions("chat")
	chat.Steps, chat.Batch, chat.Seq = 300, 32, 64
	chat.LR, chat.MinLR, chat.Warmup = 1e-3, 1e-4, 30
	chat.CheckpointEvery = 100
	return Recipe{
		World:        wc,
		Model:        train.Config{Dim: 128, Layers: 4, Heads: 4, FF: 512, MaxSeq: 64, RopeTheta: 10000, NormEps: 1e-5},
		InitSeed:     seed,
		InitStd:      0.02,
		Base:         base,
		Chat:         chat,
		ChatFraction: 0.5,
		DataSeed:     seed,
		// With the impact analogues (World.Impact) the chat stage runs
		// 900 steps: about 6.5 min instead of 2 min 11 s, the whole
		// recipe about 18 min on the 2-core machine.
		ImpactChatSteps: 900,
	}
}

// Data is a world prepared for training: the tokenizer, the pre-training
// token stream and the tokenised instruction examples.
type Data struct {
	World     *world.World
	Tokenizer *world.Tokenizer
	// Stream is every pre-training document (World.BaseText: the
	// biographies and any copy documents) as <bos> text <eos>, concatenated.
	Stream []int32
	// ChatStream is the chat stage's text half (World.ChatText), the same
	// as Stream unless World.Config.CopyInChat.
	ChatStream []int32
	// Chats are the tokenised instruction examples.
	Chats []train.ChatExample
}

// Prepare generates the world of r and tokenises it.
func Prepare(r Recipe) (*Data, error) {
	w, err := world.Generate(r.World)
	if err != nil {
		return nil, err
	}
	d := &Data{World: w, Tokenizer: world.BuildTokenizer(w.Texts())}
	tokens := func(docs []string) []int32 {
		var out []int32
		for _, b := range docs {
			for _, id := range d.Tokenizer.Document(b) {
				out = append(out, int32(id))
			}
		}
		return out
	}
	d.Stream = tokens(w.BaseText())
	d.ChatStream = d.Stream
	if r.World.CopyInChat {
		d.ChatStream = tokens(w.ChatText())
	}
	for _, c := range w.Instructions {
		var hist [][2]string
		for _, h := range c.History {
			hist = append(hist, [2]string{h.User, h.Assistant})
		}
		ids, start := d.Tokenizer.Conversation(hist, c.User, c.Assistant)
		ex := train.ChatExample{AnswerStart: start}
		for _, id := range ids {
			ex.IDs = append(ex.IDs, int32(id))
		}
		d.Chats = append(d.Chats, ex)
	}
	return d, nil
}

// Run reproduces the recipe into out:
//
//	out/world/          the world and its question sets (world.Write)
//	out/checkpoints/    base-step-N and chat-step-N Hugging Face folders
//	out/base, out/chat  the final models, Hugging Face folders with tokenizer
//	out/loss.jsonl      the loss log of both stages
//	out/eval.json       greedy accuracy of the chat model by set and bucket
//
// A rerun resumes: finished stages are skipped and an interrupted one
// continues from its latest checkpoint. evalPerBucket caps the questions
// evaluated per (set, bucket); 0 skips the evaluation.
func Run(ctx context.Context, out string, r Recipe, evalPerBucket int) error {
	d, err := Prepare(r)
	if err != nil {
		return err
	}
	if err := d.World.Write(filepath.Join(out, "world")); err != nil {
		return err
	}
	cfg := r.Model
	cfg.Vocab, cfg.BosID, cfg.EosID = len(d.Tokenizer.Vocab), world.BosID, world.EosID
	slog.Info("organism data", "biographies", len(d.World.Biographies), "copy_docs", len(d.World.CopyDocs), "stream_tokens", len(d.Stream),
		"instructions", len(d.Chats), "vocab", cfg.Vocab)
	saveTok := func(dir string) error { return d.Tokenizer.WriteHF(dir, cfg.MaxSeq) }
	ckpt := filepath.Join(out, "checkpoints")
	logPath := filepath.Join(out, "loss.jsonl")
	if err := os.MkdirAll(ckpt, 0o755); err != nil {
		return fmt.Errorf("organism: %w", err)
	}

	// Stage 1: pre-training on biographies.
	m, err := train.NewModel[float32](cfg, r.InitSeed, r.InitStd)
	if err != nil {
		return err
	}
	text := &train.StreamBatcher{Stream: d.Stream, B: r.Base.Batch, T: r.Base.Seq, Seed: r.DataSeed}
	if err := runStage(ctx, m, text, r.Base, ckpt, logPath, filepath.Join(out, "base"), saveTok); err != nil {
		return err
	}

	// Stage 2: instruction tuning, mixed with pre-training text.
	text = &train.StreamBatcher{Stream: d.ChatStream, B: r.Chat.Batch, T: r.Chat.Seq, Seed: r.DataSeed + 1}
	mix, err := train.NewChatBatcher(d.Chats, text, r.ChatFraction, world.PadID, r.DataSeed+2)
	if err != nil {
		return err
	}
	if err := runStage(ctx, m, mix, r.ChatOptions(), ckpt, logPath, filepath.Join(out, "chat"), saveTok); err != nil {
		return err
	}
	if evalPerBucket <= 0 {
		return nil
	}
	rep, err := Evaluate(ctx, m, d.Tokenizer, d.World.Questions, evalPerBucket)
	if err != nil {
		return err
	}
	data, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(filepath.Join(out, "eval.json"), data, 0o644); err != nil {
		return fmt.Errorf("organism: %w", err)
	}
	return nil
}

// runStage trains m through one stage unless its final folder already
// exists, in which case m is loaded from it; then saves the final folder.
func runStage(ctx context.Context, m *train.Model[float32], data train.Batcher, o train.Options, ckpt, logPath, final string, saveTok func(string) error) error {
	if _, err := os.Stat(filepath.Join(final, "model.safetensors")); err == nil {
		done, err := train.LoadHF(final)
		if err != nil {
			return err
		}
		if done.Config != m.Config {
			return fmt.Errorf("organism: %s holds a model of another configuration; remove it to retrain", final)
		}
		copy(m.Params, done.Params)
		slog.Info("stage already trained", "stage", o.Stage, "model", final)
		return nil
	}
	o.CheckpointDir, o.LogPath, o.SaveExtra = ckpt, logPath, saveTok
	t0 := time.Now()
	res, err := train.Train(ctx, m, data, o)
	if err != nil {
		return fmt.Errorf("organism: stage %s: %w", o.Stage, err)
	}
	if n := len(res.Records); n > 0 {
		slog.Info("stage done", "stage", o.Stage, "steps", n, "first_loss", res.Records[0].Loss,
			"last_loss", res.Records[n-1].Loss, "elapsed", time.Since(t0).Round(time.Second))
	}
	tmp := final + ".partial"
	os.RemoveAll(tmp)
	if err := train.SaveHF(tmp, m); err != nil {
		return err
	}
	if err := saveTok(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("organism: %w", err)
	}
	return nil
}
