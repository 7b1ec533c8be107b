package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/organism"
	"github.com/hneurons/hneurons/organism/train"
	"github.com/hneurons/hneurons/organism/world"
)

// newOrganismCmd builds the `hneurons organism` command.
func newOrganismCmd() *cobra.Command {
	org := &cobra.Command{
		Use:   "organism",
		Short: "Build, train and evaluate the model organism (a small Llama trained on a synthetic world)",
	}
	org.AddCommand(organismWorldCmd(), organismTrainCmd(), organismEvalCmd(), newOrganismEmergenceCmd())
	return org
}

func organismWorldCmd() *cobra.Command {
	var out string
	var seed uint64
	var wf worldFlags
	cmd := &cobra.Command{
		Use:   "world --out DIR",
		Short: "Write the synthetic world (people, biographies, instructions, question sets) and its tokenizer",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r := organism.DefaultRecipe(seed)
			if err := wf.apply(&r.World); err != nil {
				return err
			}
			d, err := organism.Prepare(r)
			if err != nil {
				return err
			}
			if err := d.World.Write(out); err != nil {
				return err
			}
			if err := d.Tokenizer.WriteHF(out, r.Model.MaxSeq); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d people, %d biographies and %d copy documents (%d tokens), %d instructions, %d questions, vocabulary %d\n",
				out, len(d.World.Real), len(d.World.Biographies), len(d.World.CopyDocs), len(d.Stream), len(d.Chats), len(d.World.Questions), len(d.Tokenizer.Vocab))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "output folder (required)")
	cmd.Flags().Uint64Var(&seed, "seed", defaultSeed, "world seed")
	wf.register(cmd)
	cmd.MarkFlagRequired("out")
	return cmd
}

// worldFlags are the world options that organism world and organism train
// share (the world's shape and text); empty strings and negative numbers
// keep the recipe's value.
type worldFlags struct {
	multiWord, balanced, copyChat, recallDocs, copyInChat string
	copyDocs                                              int
	stateProb, unstatedProb                               float64
}

// register adds the flags to cmd.
func (f *worldFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.multiWord, "multiword", "", multiWordUsage)
	cmd.Flags().StringVar(&f.balanced, "balanced", "", balancedUsage)
	cmd.Flags().IntVar(&f.copyDocs, "copy-docs", -1, copyDocsUsage)
	cmd.Flags().StringVar(&f.copyChat, "copy-chat-phrasing", "", copyChatUsage)
	cmd.Flags().StringVar(&f.recallDocs, "recall-docs", "", recallDocsUsage)
	cmd.Flags().StringVar(&f.copyInChat, "copy-in-chat", "", copyInChatUsage)
	cmd.Flags().Float64Var(&f.stateProb, "state-prob", -1, stateProbUsage)
	cmd.Flags().Float64Var(&f.unstatedProb, "unstated-prob", -1, unstatedProbUsage)
}

// apply sets the given options on c.
func (f *worldFlags) apply(c *world.Config) error {
	for _, o := range []struct {
		name, v string
		dst     *bool
	}{
		{"--multiword", f.multiWord, &c.MultiWord}, {"--balanced", f.balanced, &c.Balanced},
		{"--copy-chat-phrasing", f.copyChat, &c.CopyChatPhrasing}, {"--recall-docs", f.recallDocs, &c.RecallDocs},
		{"--copy-in-chat", f.copyInChat, &c.CopyInChat},
	} {
		if err := onOff(o.name, o.v, o.dst); err != nil {
			return err
		}
	}
	if f.copyDocs >= 0 {
		c.CopyDocs = f.copyDocs
	}
	if f.stateProb >= 0 {
		c.StateProb = f.stateProb
	}
	if f.unstatedProb >= 0 {
		c.UnstatedProb = f.unstatedProb
	}
	return nil
}

// balancedUsage, copyDocsUsage, copyChatUsage and recallDocsUsage document
// world.Config.Balanced, CopyDocs, CopyChatPhrasing and RecallDocs for world
// and train.
const (
	balancedUsage     = "the same value structure for every attribute (8 x 5 two-word values, years as \"twenty seven\"): on or off (empty: recipe default)"
	copyDocsUsage     = "copy-from-context pre-training documents about fabricated people (-1: recipe default)"
	copyChatUsage     = "ask the copy (and recall) documents' questions in the instruction data's phrasings: on or off (empty: recipe default)"
	unstatedProbUsage = "probability that no biography states a trained fact, which the instruction data then answers \"unknown\" (0: all stated; -1: recipe default)"
	stateProbUsage    = "probability that a biography states each attribute (every fact still stated at least once; 0 states all; -1: recipe default)"
	copyInChatUsage   = "the copy and recall documents in the chat stage's text only, about people named from the world's own name parts (the base stage and vocabulary stay the world's without them): on or off (empty: recipe default)"
	recallDocsUsage   = "with --copy-docs, also recall-from-memory documents (the same question, no statement) about the instruction people: on or off (empty: recipe default)"
)

// multiWordUsage documents the --multiword switch of world and train.
const multiWordUsage = "multi-word attribute values (\"court painter\", \"one nine two seven\"): on or off (empty: recipe default, on)"

// onOff sets *dst from a switch flag's value: "on", "off", or "" to keep the
// recipe's default.
func onOff(flag, v string, dst *bool) error {
	switch v {
	case "on":
		*dst = true
	case "off":
		*dst = false
	case "":
	default:
		return fmt.Errorf("organism: %s %q: want on or off", flag, v)
	}
	return nil
}

func organismTrainCmd() *cobra.Command {
	var out string
	var seed uint64
	var baseSteps, chatSteps, batch, every, perBucket, abstainRepeat, ff, layers int
	var pairs, impact string
	var wf worldFlags
	cmd := &cobra.Command{
		Use:   "train --out DIR",
		Short: "Reproduce the organism recipe: world, base pre-training, chat tuning, evaluation (resumable)",
		Long: "Writes DIR/world, DIR/checkpoints/{base,chat}-step-N, DIR/base and DIR/chat (Hugging Face\n" +
			"Llama folders with tokenizer), DIR/loss.jsonl and DIR/eval.json. Rerunning resumes.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r := organism.DefaultRecipe(seed)
			if baseSteps > 0 {
				r.Base.Steps = baseSteps
				r.Base.Warmup = min(r.Base.Warmup, max(baseSteps/10, 1))
			}
			if chatSteps > 0 {
				// Explicit steps win over the recipe's longer chat stage
				// for a world with the impact analogues.
				r.Chat.Steps, r.ImpactChatSteps = chatSteps, 0
				r.Chat.Warmup = min(r.Chat.Warmup, max(chatSteps/10, 1))
			}
			if batch > 0 {
				r.Base.Batch, r.Chat.Batch = batch, batch
			}
			if abstainRepeat > 0 {
				r.World.AbstainRepeat = abstainRepeat
			}
			if ff > 0 {
				r.Model.FF = ff
			}
			if layers > 0 {
				r.Model.Layers = layers
			}
			if err := onOff("--pairs", pairs, &r.World.Pairs); err != nil {
				return err
			}
			if err := onOff("--impact", impact, &r.World.Impact); err != nil {
				return err
			}
			if err := wf.apply(&r.World); err != nil {
				return err
			}
			if every > 0 {
				r.Base.CheckpointEvery, r.Chat.CheckpointEvery = every, every
			}
			if err := organism.Run(cmd.Context(), out, r, perBucket); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "organism in %s (base: %s, chat: %s)\n", out, filepath.Join(out, "base"), filepath.Join(out, "chat"))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "output folder (required)")
	cmd.Flags().Uint64Var(&seed, "seed", defaultSeed, "seed of the world, the initialisation and the batches")
	cmd.Flags().IntVar(&baseSteps, "base-steps", 0, "pre-training steps (0: recipe default)")
	cmd.Flags().IntVar(&chatSteps, "chat-steps", 0, "instruction-tuning steps (0: recipe default: 300, or 900 with the impact analogues)")
	cmd.Flags().IntVar(&batch, "batch", 0, "sequences per step (0: recipe default)")
	cmd.Flags().IntVar(&every, "checkpoint-every", 0, "steps between checkpoints (0: recipe default)")
	cmd.Flags().IntVar(&abstainRepeat, "abstain-repeat", 0, "copies of each abstention (\"unknown\") example in the chat data (0: recipe default, 1)")
	cmd.Flags().StringVar(&pairs, "pairs", "", "two-attribute questions with two-word answers: on or off (empty: recipe default)")
	cmd.Flags().StringVar(&impact, "impact", "", "the behavioural-impact analogues in the chat data: on or off (empty: recipe default, on, as the shipped organism; on also makes the chat stage 900 steps unless --chat-steps)")
	wf.register(cmd)
	cmd.Flags().IntVar(&ff, "ff", 0, "SwiGLU width of the model (0: recipe default, 512)")
	cmd.Flags().IntVar(&layers, "layers", 0, "transformer layers of the model (0: recipe default, 4)")
	cmd.Flags().IntVar(&perBucket, "eval-per-bucket", 100, "questions evaluated per (set, popularity bucket); 0 skips")
	cmd.MarkFlagRequired("out")
	return cmd
}

func organismEvalCmd() *cobra.Command {
	var modelDir, questions string
	var perBucket int
	cmd := &cobra.Command{
		Use:   "eval --model DIR --questions FILE",
		Short: "Greedy accuracy of an organism model by question set and popularity bucket",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := train.LoadHF(modelDir)
			if err != nil {
				return err
			}
			tok, err := world.ReadTokenizer(filepath.Join(modelDir, "tokenizer.json"))
			if err != nil {
				return err
			}
			qs, err := world.ReadQuestions(questions)
			if err != nil {
				return err
			}
			rep, err := organism.Evaluate(cmd.Context(), m, tok, qs, perBucket)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), rep.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&modelDir, "model", "", "organism model folder (required)")
	cmd.Flags().StringVar(&questions, "questions", "", "questions JSONL written by `organism world` (required)")
	cmd.Flags().IntVar(&perBucket, "per-bucket", 100, "questions evaluated per (set, popularity bucket)")
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagRequired("questions")
	return cmd
}
