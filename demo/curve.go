package demo

import (
	"fmt"
	"math"
	"strings"
)

// PretrainCurve draws the test set's transfer AUROC over the pre-training
// checkpoints as a self-contained SVG: the unchanged chat probe with its
// bootstrap interval, the restricted classifier on the H-Neurons, and the
// random-neuron classifiers' mean ± one SD as a band; chance at 0.5.
func PretrainCurve(pts []PretrainPoint) string {
	var ok []PretrainPoint
	for _, p := range pts {
		if p.Error == "" {
			ok = append(ok, p)
		}
	}
	const w, h, left, right, top, bottom = 700.0, 360.0, 60.0, 200.0, 30.0, 50.0
	pw, ph := w-left-right, h-top-bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%g" height="%g" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%g" y="18" text-anchor="middle" font-size="13">Final chat probe transferred to pre-training checkpoints (test set)</text>`+"\n", left+pw/2)
	if len(ok) == 0 {
		b.WriteString(`<text x="20" y="60">no checkpoint could be scored</text></svg>` + "\n")
		return b.String()
	}
	lo, hi := 0.3, 1.0
	x := func(i int) float64 {
		if len(ok) == 1 {
			return left + pw/2
		}
		return left + pw*float64(i)/float64(len(ok)-1)
	}
	y := func(v float64) float64 { return top + ph*(hi-math.Max(lo, math.Min(hi, v)))/(hi-lo) }
	// axes, grid and labels
	for v := lo; v <= hi+1e-9; v += 0.1 {
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#ddd"/><text x="%g" y="%.1f" text-anchor="end">%.1f</text>`+"\n",
			left, y(v), left+pw, y(v), left-6, y(v)+4, v)
	}
	fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#888" stroke-dasharray="4 3"/>`+"\n", left, y(0.5), left+pw, y(0.5))
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="black"/><line x1="%g" y1="%g" x2="%g" y2="%g" stroke="black"/>`+"\n",
		left, top, left, top+ph, left, top+ph, left+pw, top+ph)
	for i, p := range ok {
		label := fmt.Sprint(p.Step)
		if p.Step < 0 {
			label = "final"
		}
		if len(ok) <= 12 || i%2 == 0 || i == len(ok)-1 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle">%s</text>`+"\n", x(i), top+ph+16, label)
		}
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">base-stage training step</text>`+"\n", left+pw/2, h-12)
	fmt.Fprintf(&b, `<text x="16" y="%g" text-anchor="middle" transform="rotate(-90 16 %g)">AUROC</text>`+"\n", top+ph/2, top+ph/2)
	band := func(upper, lower func(PretrainSet) float64, colour string) {
		var pts []string
		for i, p := range ok {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(upper(p.Sets[SetTest]))))
		}
		for i := len(ok) - 1; i >= 0; i-- {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(lower(ok[i].Sets[SetTest]))))
		}
		fmt.Fprintf(&b, `<polygon points="%s" fill="%s" fill-opacity="0.25" stroke="none"/>`+"\n", strings.Join(pts, " "), colour)
	}
	line := func(v func(PretrainSet) float64, colour, dash string) {
		var pts []string
		for i, p := range ok {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v(p.Sets[SetTest]))))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n", strings.Join(pts, " "), colour, dash)
		for i, p := range ok {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x(i), y(v(p.Sets[SetTest])), colour)
		}
	}
	const probeC, hC, randC = "#1f5fa8", "#d9730d", "#666666"
	band(func(s PretrainSet) float64 { return float64(s.Transfer.Hi) }, func(s PretrainSet) float64 { return float64(s.Transfer.Lo) }, probeC)
	band(func(s PretrainSet) float64 { return s.RandomAUROCMean + s.RandomAUROCSD }, func(s PretrainSet) float64 { return s.RandomAUROCMean - s.RandomAUROCSD }, randC)
	line(func(s PretrainSet) float64 { return float64(s.Transfer.Value) }, probeC, "none")
	line(func(s PretrainSet) float64 { return s.HNeuronAUROC }, hC, "6 3")
	line(func(s PretrainSet) float64 { return s.RandomAUROCMean }, randC, "2 2")
	for i, l := range []struct{ name, colour, dash string }{
		{"chat probe (95% CI)", probeC, "none"}, {"L2 on H-Neurons", hC, "6 3"}, {"L2 on random (±1 SD)", randC, "2 2"},
	} {
		ly := top + 10 + float64(i)*20
		fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="%s" stroke-width="2" stroke-dasharray="%s"/><text x="%g" y="%g">%s</text>`+"\n",
			left+pw+10, ly, left+pw+34, ly, l.colour, l.dash, left+pw+40, ly+4, l.name)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
