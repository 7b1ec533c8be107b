package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Flag conventions shared by every command: the same thing has the same
// name everywhere (--model, --out, --seed defaulting to 1, --max-new-tokens,
// --C-grid, --min-agree 0 = all samples, --fresh), and old spellings stay
// accepted as hidden aliases (aliases) so scripts keep working.

// defaultSeed is every command's --seed default.
const defaultSeed = 1

// modelUsage is the help text of every --model flag.
const modelUsage = "model file (GGUF) or Hugging Face folder (required)"

// freshUsage is the help text of every --fresh flag.
const freshUsage = "discard an existing output and start again, instead of resuming it (a resume needs the options the output was written with)"

// aliases makes the old flag names of cmd map onto the current ones. The
// old names are not listed in the help.
func aliases(cmd *cobra.Command, old map[string]string) {
	cmd.Flags().SetNormalizeFunc(func(f *pflag.FlagSet, name string) pflag.NormalizedName {
		if n, ok := old[name]; ok {
			name = n
		}
		return pflag.NormalizedName(name)
	})
}

// checks collects the invalid flag values of one command, so that every
// bad value is reported at once, before any work starts.
type checks struct{ errs []error }

func (c *checks) add(format string, a ...any) { c.errs = append(c.errs, fmt.Errorf(format, a...)) }

// atLeast requires v >= min.
func (c *checks) atLeast(flag string, v, min int) {
	if v < min {
		c.add("--%s %d: want at least %d", flag, v, min)
	}
}

// positive requires a finite v > 0.
func (c *checks) positive(flag string, v float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		c.add("--%s %v: want a finite number > 0", flag, v)
	}
}

// fraction requires 0 < v < 1.
func (c *checks) fraction(flag string, v float64) {
	if !(v > 0 && v < 1) {
		c.add("--%s %v: want a fraction strictly between 0 and 1", flag, v)
	}
}

// grid requires a list of finite positive numbers.
func (c *checks) grid(flag string, vs []float64) {
	for _, v := range vs {
		if !(v > 0) || math.IsInf(v, 0) {
			c.add("--%s: %v is not a finite number > 0", flag, v)
		}
	}
}

// oneOf requires v to be one of the allowed values.
func (c *checks) oneOf(flag, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add("--%s %q: want %s", flag, v, strings.Join(allowed, " or "))
}

// duration requires d > 0.
func (c *checks) duration(flag string, d time.Duration) {
	if d <= 0 {
		c.add("--%s %v: want a positive duration", flag, d)
	}
}

// also adds an error found elsewhere (nil is ignored).
func (c *checks) also(err error) {
	if err != nil {
		c.errs = append(c.errs, err)
	}
}

// flag adds a parser's error for one flag, naming the flag (nil is ignored).
func (c *checks) flag(name string, err error) {
	if err != nil {
		c.add("--%s: %w", name, err)
	}
}

// err returns every problem found, or nil.
func (c *checks) err() error { return errors.Join(c.errs...) }

// formatFloat writes a value as the shortest exact decimal (for provenance).
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// formatFloats writes values as a comma-separated list of formatFloat.
func formatFloats(vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = formatFloat(v)
	}
	return strings.Join(parts, ",")
}
