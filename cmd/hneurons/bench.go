package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
)

// benchOptions are the flags of `hneurons bench`.
type benchOptions struct {
	model        string
	randomShape  string
	dtype        string
	vocab        int
	promptTokens int
	genTokens    int
	sequences    int
	threads      int
	minTime      time.Duration
	cpuProfile   string
	save         string
	saveGGUF     string
	peaks        bool
}

// newBenchCmd builds the `hneurons bench` command.
func newBenchCmd() *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench (--model PATH | --random-shape NAME [--dtype bf16])",
		Short: "Measure prefill and decode speed in tokens per second",
		Long: `Bench measures prefill (one forward call over --prompt-tokens tokens) and
greedy decoding (--gen-tokens single-token steps) and prints
{"prefill_tokens_per_s": ..., "decode_tokens_per_s": ...}. Each part repeats
until --min-time has passed; the best run counts. Beside tokens/s it prints
the prefill's rate of matrix-product flops (prefill_gflop_s) and the rate
at which decoding streams weight bytes (decode_weight_gb_s: the weight
matrices of one step, read once per step for all sequences); with --peaks
also the machine's measured read bandwidth and FMA peak (same threads) and
the two rates as fractions of them.

--random-shape builds a randomly initialised model of a known shape
(qwen2.5-0.5b, qwen2.5-1.5b, qwen2-tiny, llama-3.2-1b, stories260k) so that
no file is needed. With
--save DIR it is written as a Hugging Face folder (config.json and
model.safetensors; llama and qwen2 shapes) and the benchmark runs on that
folder, memory-mapped like a downloaded model; the folder stays for other
commands (for example a peak-memory measurement of hneurons score). With
--save-gguf FILE (qwen2 shapes) the same weights are written as one GGUF file
under llama.cpp's tensor names and metadata instead, for running llama.cpp
on the same model (scripts/bench_llama.sh), and the benchmark runs on that
file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runBench(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", "model file (GGUF) or Hugging Face folder")
	f.StringVar(&o.randomShape, "random-shape", "", "benchmark a random model of this shape instead")
	f.StringVar(&o.dtype, "dtype", "bf16", "weight type of the random model: f32, f16 or bf16")
	f.IntVar(&o.vocab, "vocab", 0, "override the random model's vocabulary size (0: the real one)")
	f.IntVar(&o.promptTokens, "prompt-tokens", 128, "prefill length")
	f.IntVar(&o.genTokens, "gen-tokens", 64, "tokens to decode")
	f.IntVar(&o.sequences, "sequences", 1, "sequences decoded together from one forked prompt (decode tok/s counts all)")
	f.IntVar(&o.threads, "threads", 0, "worker goroutines for matrix products (0: all cores)")
	f.DurationVar(&o.minTime, "min-time", time.Second, "repeat each part for at least this long")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured runs to this file")
	f.StringVar(&o.save, "save", "", "with --random-shape: write the random model to this folder and benchmark the folder")
	f.StringVar(&o.saveGGUF, "save-gguf", "", "with --random-shape (qwen2 shapes): write the random model as this GGUF file and benchmark the file")
	f.BoolVar(&o.peaks, "peaks", false, "also measure this machine's read bandwidth (a buffer of at least 1 GiB, more than the caches) and FMA peak with the same threads, and print the decode and prefill rates as fractions of them")
	cmd.MarkFlagsMutuallyExclusive("model", "random-shape")
	cmd.MarkFlagsOneRequired("model", "random-shape")
	cmd.MarkFlagsMutuallyExclusive("save", "save-gguf")
	return cmd
}

func runBench(cmd *cobra.Command, o *benchOptions) error {
	if o.threads > 0 {
		kernels.SetThreads(o.threads)
	}
	var m *model.Model
	var err error
	if o.randomShape != "" {
		cfg, err := model.Shape(o.randomShape)
		if err != nil {
			return err
		}
		if o.vocab > 0 {
			cfg.Vocab = o.vocab
		}
		var dt kernels.DType
		switch strings.ToLower(o.dtype) {
		case "f32":
			dt = kernels.F32
		case "f16":
			dt = kernels.F16
		case "bf16":
			dt = kernels.BF16
		default:
			return fmt.Errorf("--dtype %q: want f32, f16 or bf16", o.dtype)
		}
		switch {
		case o.saveGGUF != "":
			slog.Info("writing random model", "shape", o.randomShape, "dtype", dt, "vocab", cfg.Vocab, "file", o.saveGGUF)
			if err := model.WriteRandomGGUF(o.saveGGUF, cfg, dt, 1); err != nil {
				return err
			}
			if m, err = model.Load(o.saveGGUF); err != nil {
				return err
			}
		case o.save != "":
			slog.Info("writing random model", "shape", o.randomShape, "dtype", dt, "vocab", cfg.Vocab, "dir", o.save)
			if err := model.WriteRandomHF(o.save, cfg, dt, 1); err != nil {
				return err
			}
			if m, err = model.Load(o.save); err != nil {
				return err
			}
		default:
			slog.Info("building random model", "shape", o.randomShape, "dtype", dt, "vocab", cfg.Vocab)
			if m, err = model.RandomInit(cfg, dt, 1); err != nil {
				return err
			}
		}
	} else if o.save != "" || o.saveGGUF != "" {
		return fmt.Errorf("--save and --save-gguf need --random-shape")
	} else if m, err = model.Load(o.model); err != nil {
		return err
	}
	defer m.Close()
	if o.cpuProfile != "" {
		pf, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := generate.Bench(cmd.Context(), m.NewRunner(), o.promptTokens, o.genTokens, o.sequences, o.minTime)
	if err != nil {
		return err
	}
	out := benchOutput{BenchResult: res, Threads: kernels.Threads(), Kernels: kernels.Features()}
	if o.peaks {
		pk, err := kernels.MeasurePeaks(cmd.Context(), max(1<<30, m.DecodeWeightBytes()), 5)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		out.Peaks = &pk
		out.DecodeOfRead = res.DecodeWeightGBs / pk.ReadGBs
		if pk.FMAGFLOPs > 0 {
			out.PrefillOfFMA = res.PrefillGFLOPs / pk.FMAGFLOPs
		}
	}
	return json.NewEncoder(cmd.OutOrStdout()).Encode(out)
}

// benchOutput is what `hneurons bench` prints.
type benchOutput struct {
	generate.BenchResult
	Threads int    `json:"threads"`
	Kernels string `json:"kernels"`
	// With --peaks: the machine's measured limits and the decode and
	// prefill rates as fractions of them.
	Peaks        *kernels.Peaks `json:"peaks,omitempty"`
	DecodeOfRead float64        `json:"decode_of_read_bw,omitempty"`
	PrefillOfFMA float64        `json:"prefill_of_fma_peak,omitempty"`
}
