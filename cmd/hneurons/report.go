package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/report"
)

// newReportCmd builds the `hneurons report` command.
func newReportCmd() *cobra.Command {
	var dir, out string
	cmd := &cobra.Command{
		Use:   "report --run DIR",
		Short: "Write one self-contained HTML page with the plots of a run",
		Long: `Report reads a run folder (the demo's, or one with the same files: probe.json,
metrics.json, features/, origin/) and writes report.html: the neuron map, detection
against random-neuron baselines with their distributions, ROC curves, the C path,
the origin study (transfer, drift ranks, pre-training emergence) and the run's
provenance, with every plot as inline SVG. The page needs no network, scripts or
fonts. Sections the run lacks say which command makes them.`,
		Example: `  hneurons report --run hneurons-demo-20261206-101500`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := report.Write(dir, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", path)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "run", "", "run folder (required)")
	cmd.Flags().StringVar(&out, "out", "", "page to write (default RUN/report.html)")
	cmd.MarkFlagRequired("run")
	return cmd
}
