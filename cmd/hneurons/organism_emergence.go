package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/demo"
	"github.com/hneurons/hneurons/probe"
)

// emergenceOptions are the flags of `hneurons organism emergence`.
type emergenceOptions struct {
	run, out     string
	every        int
	steps        []int
	samples      int
	maxID, maxNE int
	minAgree     int
	seed         uint64
	mode         string
	stage        string
	report       string
	seeds        int
}

// newOrganismEmergenceCmd builds the `hneurons organism emergence` command.
func newOrganismEmergenceCmd() *cobra.Command {
	o := &emergenceOptions{}
	cmd := &cobra.Command{
		Use:   "emergence --run DIR",
		Short: "Run the H-Neuron identification chain on the chat checkpoints of an organism run",
		Long: `Emergence runs the demo's chain (collect, label, split by person, CETT, L1
probe, evaluation against random neurons) on the chat-stage checkpoints in
DIR/checkpoints, with questions from DIR/world. Each checkpoint is sampled and
labelled on its own (what the model knows changes along training), with the
same questions, seeds and person split. Results go to DIR/emergence/<checkpoint>
(a full demo report each), DIR/emergence/emergence.json and emergence.txt.
Checkpoints already done are skipped, so rerunning resumes.

With --stage base it follows the final chat probe back through pre-training
instead (the origin finding, paper section 6): --report names a finished demo
report on the run's final chat model (hneurons demo --model DIR/chat
--base-model DIR/base --questions DIR/world); on every base-stage checkpoint
(and DIR/base last) the report's test and NonExist responses are replayed in
the base format, the probe is applied unchanged, restricted classifiers on the
H-Neurons and on --baseline-seeds random sets are transferred beside it, and
the H-Neurons' CETT statistics are measured. Results go to
REPORT/origin/pretrain (pretrain.json, pretrain.txt, pretrain.svg).`,
		Example: `  hneurons organism emergence --run /tmp/org7 --every 2
  hneurons organism emergence --run /tmp/org7 --steps 100,300
  hneurons organism emergence --run /tmp/org7 --stage base --report /tmp/org7-demo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runEmergence(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "organism run folder written by `hneurons organism train` (required)")
	f.StringVar(&o.out, "out", "", "results folder (default DIR/emergence)")
	f.IntVar(&o.every, "every", 1, "study every K-th chat checkpoint, counted back from the last")
	f.IntSliceVar(&o.steps, "steps", nil, "study only the chat checkpoints of these steps")
	f.IntVar(&o.samples, "samples", 10, "responses sampled per question")
	f.IntVar(&o.maxID, "max-id", 0, "use at most this many in-distribution questions (0: all)")
	f.IntVar(&o.maxNE, "max-nonexist", 0, "use at most this many NonExist questions (0: all)")
	f.IntVar(&o.minAgree, "min-agree", 0, "judgements that must agree for a training question (0: all samples)")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "seed of sampling, split, probe, bootstrap and baselines")
	f.StringVar(&o.mode, "mode", "3-vs-1", "probe training rows: 3-vs-1 or 1-vs-1")
	f.StringVar(&o.stage, "stage", "chat", "checkpoints to study: chat (identification on each) or base (transfer of the final probe)")
	f.StringVar(&o.report, "report", "", "with --stage base: demo report folder on the run's final chat model")
	f.IntVar(&o.seeds, "baseline-seeds", 20, "with --stage base: random-neuron controls per checkpoint")
	cmd.MarkFlagRequired("run")
	return cmd
}

func runEmergence(cmd *cobra.Command, o *emergenceOptions) error {
	var c checks
	c.oneOf("stage", o.stage, "chat", "base")
	c.atLeast("baseline-seeds", o.seeds, 1)
	if o.stage == "base" && o.report == "" {
		c.add("--stage base needs --report (a demo report on the run's final chat model)")
	}
	if err := c.err(); err != nil {
		return err
	}
	if o.stage == "base" {
		return runPretrainEmergence(cmd, o)
	}
	mode, err := probe.ParseMode(o.mode)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	last, lastKey := time.Time{}, ""
	pts, err := demo.Emergence(cmd.Context(), demo.EmergenceOptions{
		Run: o.run, Out: o.out, Every: o.every, Steps: o.steps,
		Demo: demo.Options{Samples: o.samples, Seed: o.seed, MaxID: o.maxID, MaxNonExist: o.maxNE,
			MinAgree: o.minAgree, Mode: mode},
	}, func(ck string, e demo.Event) {
		key := ck + " " + e.Stage
		if key == lastKey && time.Since(last) < 2*time.Second && e.Done < e.Total {
			return
		}
		last, lastKey = time.Now(), key
		fmt.Fprintf(stderr, "emergence: %s %-16s %d/%d (%.0f s)\n", ck, e.Stage, e.Done, e.Total, e.Elapsed.Seconds())
	})
	fmt.Fprint(cmd.OutOrStdout(), demo.EmergenceTable(pts))
	return err
}

func runPretrainEmergence(cmd *cobra.Command, o *emergenceOptions) error {
	stderr := cmd.ErrOrStderr()
	show := stages(stderr, "emergence: ")
	pts, err := demo.PretrainEmergence(cmd.Context(), demo.PretrainOptions{
		Run: o.run, Report: o.report, Out: o.out, Every: o.every, Steps: o.steps, Seeds: o.seeds, Seed: o.seed,
	}, func(ck string, e demo.Event) { show(ck+" "+e.Stage, e.Done, e.Total) })
	fmt.Fprint(cmd.OutOrStdout(), demo.PretrainTable(pts))
	return err
}
