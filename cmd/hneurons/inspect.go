package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/model"
)

// inspectOptions are the flags of `hneurons inspect`.
type inspectOptions struct {
	model string
	json  bool
}

// newInspectCmd builds the `hneurons inspect` command.
func newInspectCmd() *cobra.Command {
	o := &inspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect --model PATH",
		Short: "Print a model's architecture, sizes and MLP neuron count",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runInspect(cmd, o) },
	}
	cmd.Flags().StringVar(&o.model, "model", "", "model file (GGUF) or Hugging Face folder (required)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the configuration as JSON")
	cmd.MarkFlagRequired("model")
	return cmd
}

func runInspect(cmd *cobra.Command, o *inspectOptions) error {
	m, err := model.Load(o.model)
	if err != nil {
		return err
	}
	defer m.Close()
	c := m.Config
	out := cmd.OutOrStdout()
	if o.json {
		return json.NewEncoder(out).Encode(struct {
			Format  string                   `json:"format"`
			Config  model.Config             `json:"config"`
			Neurons int                      `json:"neurons"`
			Gen     model.GenerationDefaults `json:"generation"`
		}{m.Format, c, c.NeuronCount(), m.Gen})
	}
	sliding := 0
	for l := 0; l < c.NLayers; l++ {
		if c.IsSliding(l) {
			sliding++
		}
	}
	fmt.Fprintf(out, "path:          %s\n", m.Path)
	fmt.Fprintf(out, "format:        %s\n", m.Format)
	fmt.Fprintf(out, "architecture:  %s\n", c.Arch)
	fmt.Fprintf(out, "d_model:       %d\n", c.DModel)
	fmt.Fprintf(out, "layers:        %d\n", c.NLayers)
	fmt.Fprintf(out, "d_ff:          %d\n", c.DFF)
	fmt.Fprintf(out, "heads:         %d query, %d key/value, head size %d\n", c.NHeads, c.NKVHeads, c.HeadDim)
	fmt.Fprintf(out, "vocab:         %d\n", c.Vocab)
	fmt.Fprintf(out, "context:       %d\n", c.MaxSeq)
	fmt.Fprintf(out, "activation:    %s\n", c.Act)
	fmt.Fprintf(out, "rope:          %s layout, theta %g", c.RopeLayout, c.RopeTheta)
	if c.RopeLocalTheta > 0 {
		fmt.Fprintf(out, " (local layers %g)", c.RopeLocalTheta)
	}
	if c.RopeDim > 0 && c.RopeDim < c.HeadDim {
		fmt.Fprintf(out, ", %d of %d values per head rotated", c.RopeDim, c.HeadDim)
	}
	if c.RopeScaling.Type != "" {
		fmt.Fprintf(out, ", %s scaling x%g", c.RopeScaling.Type, c.RopeScaling.Factor)
	}
	if c.RopeFreqFactors != nil {
		fmt.Fprintf(out, ", per-frequency factors")
	}
	if c.RopeAttnFactor != 0 && c.RopeAttnFactor != 1 {
		fmt.Fprintf(out, ", attention factor %g", c.RopeAttnFactor)
	}
	fmt.Fprintln(out)
	if sliding > 0 {
		fmt.Fprintf(out, "sliding:       window %d on %d of %d layers\n", c.SlidingWindow, sliding, c.NLayers)
	}
	if c.AttnSoftcap > 0 || c.FinalSoftcap > 0 {
		fmt.Fprintf(out, "soft-caps:     attention %g, final %g\n", c.AttnSoftcap, c.FinalSoftcap)
	}
	fmt.Fprintf(out, "tied:          %v\n", c.TiedEmbeddings)
	fmt.Fprintf(out, "neurons:       %d layers x %d = %d\n", c.NLayers, c.DFF, c.NeuronCount())
	return nil
}
