// Command hneurons finds, tests and uses hallucination-associated neurons
// (H-Neurons) in open-weight language models, on an ordinary CPU.
//
// Every stage of the method is a subcommand; run `hneurons help` for the list.
// Each subcommand lives in its own file of this package: an options struct,
// a constructor (newXCmd) that binds the flags to it, and a run function
// that validates the options and calls the library. newRootCmd assembles
// the tree, so tests build fresh commands for every run.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hneurons/hneurons/internal/version"
	"github.com/spf13/cobra"
)

// newRootCmd builds the whole command tree. Every call makes fresh
// commands with fresh option structs, so tests can run commands one after
// another without flag values leaking between them.
func newRootCmd() *cobra.Command {
	var verbose bool
	root := &cobra.Command{
		Use:           "hneurons",
		Short:         "Find, test and use hallucination-associated neurons in LLMs",
		Version:       version.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level})))
		},
	}
	root.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log debug messages to stderr")
	root.AddCommand(
		newDemoCmd(),
		newRunCmd(),
		newCollectCmd(), newLabelCmd(), newSplitCmd(), newExtractCmd(), newTrainCmd(), newEvalCmd(),
		newMergeCmd(),
		newDriftCmd(),
		newTransferCmd(),
		newInterveneCmd(),
		newReportCmd(),
		newGenerateCmd(), newScoreCmd(), newInspectCmd(), newTokenizeCmd(), newBenchCmd(),
		newDatasetsCmd(), newOrganismCmd(), newProbeBenchCmd(),
		newServeCmd(),
	)
	return root
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "hneurons: interrupted")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "hneurons:", err)
		os.Exit(1)
	}
}
