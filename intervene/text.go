package intervene

import (
	"fmt"
	"io"
	"math"
	"strings"
)

func pct(v float64) string {
	if math.IsNaN(v) {
		return "  -  "
	}
	return fmt.Sprintf("%5.1f", 100*v)
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%+.2f", v)
}

// WriteText writes the summary as plain-text tables: per benchmark, the
// H-Neurons' curve (rate with interval, unjudged, skipped, truncation,
// mean length) and every set's rate per alpha, then the slopes.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, bench := range s.Benches {
		fmt.Fprintf(&b, "%s (%d items): rate in %% (compliant of judged; capability: correct), 95%% bootstrap intervals\n", bench.Bench, bench.Items)
		for _, c := range bench.Curves {
			if c.Kind != KindHNeurons {
				continue
			}
			fmt.Fprintf(&b, "  %-6s %-20s %9s %9s %8s %10s\n", "alpha", c.Set, "unjudged", "skipped", "trunc%", "mean_tok")
			for _, p := range c.Points {
				fmt.Fprintf(&b, "  %-6s %s [%s, %s] %9d %9d %8.1f %10.1f\n", FormatAlpha(p.Alpha), pct(p.Rate.Value), pct(p.Rate.Lo), pct(p.Rate.Hi),
					p.Unjudged, p.Skipped, 100*p.Truncated, p.MeanTokens)
			}
		}
		fmt.Fprintf(&b, "  %-18s", "set \\ alpha")
		for _, a := range s.Alphas {
			fmt.Fprintf(&b, " %6s", FormatAlpha(a))
		}
		fmt.Fprintf(&b, "   slope (points/alpha) [95%%]\n")
		for _, c := range bench.Curves {
			fmt.Fprintf(&b, "  %-18s", c.Set)
			for _, p := range c.Points {
				fmt.Fprintf(&b, " %6s", pct(p.Rate.Value))
			}
			fmt.Fprintf(&b, "   %s [%s, %s]\n", num(c.Slope.Value), num(c.Slope.Lo), num(c.Slope.Hi))
		}
		for _, k := range bench.Controls {
			fmt.Fprintf(&b, "  %s controls (%d sets): mean slope %s [%s, %s]; H-Neurons minus them %s [%s, %s]\n",
				k.Kind, k.Sets, num(k.Mean.Value), num(k.Mean.Lo), num(k.Mean.Hi), num(k.Diff.Value), num(k.Diff.Lo), num(k.Diff.Hi))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
