// Command hneurons finds, tests and uses hallucination-associated neurons
// (H-Neurons) in open-weight language models, on an ordinary CPU.
//
// Every stage of the method is a subcommand; run `hneurons help` for the list.
// Each subcommand lives in its own file of this package and registers itself
// with register from an init function, so that adding a command never edits
// a shared file.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// rootCmd is the top of the command tree; subcommands attach with register.
var rootCmd = &cobra.Command{
	Use:           "hneurons",
	Short:         "Find, test and use hallucination-associated neurons in LLMs",
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

var verbose bool

func init() {
	rootCmd.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log debug messages to stderr")
}

// register adds a subcommand to the root command. Each subcommand file calls
// it from its init function.
func register(cmds ...*cobra.Command) { rootCmd.AddCommand(cmds...) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCmd.ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "hneurons: interrupted")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "hneurons:", err)
		os.Exit(1)
	}
}
