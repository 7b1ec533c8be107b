// Package report writes one self-contained HTML page for a run folder (the
// demo's, or any folder with the same files): the neuron map, detection
// against random-neuron baselines, ROC curves, the C path, the origin
// findings and the run's provenance, with every plot as inline SVG
// (internal/svgplot). The page needs no network, scripts or fonts. A
// section whose files the run lacks is left out with one line naming the
// command that makes them.
package report

import (
	"fmt"
	"html"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/internal/svgplot"
	"github.com/hneurons/hneurons/internal/version"
	"github.com/hneurons/hneurons/origin"
	"github.com/hneurons/hneurons/probe"
)

// File is the report's name inside the run folder.
const File = "report.html"

// Write renders the run folder dir and writes the page to out (default
// dir/report.html), returning its path.
func Write(dir, out string) (string, error) {
	page, err := Render(dir)
	if err != nil {
		return "", err
	}
	if out == "" {
		out = filepath.Join(dir, File)
	}
	if err := atomicfile.WriteBytes(out, page); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return out, nil
}

// Render returns the page for the run folder dir.
func Render(dir string) ([]byte, error) {
	r, err := load(dir)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	title := "hneurons report"
	if r.model != "" {
		title += ": " + r.model
	}
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title>\n<style>%s</style></head><body>\n",
		html.EscapeString(title), css)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(title))
	fmt.Fprintf(&b, "<p class=\"lead\">H-Neurons: the few feed-forward neurons whose activation predicts hallucination. %d of %d neurons kept by the L1 probe (C = %g, mode %s).</p>\n",
		len(r.probe.HNeurons), r.probe.Columns, r.probe.C, html.EscapeString(string(r.probe.Mode)))
	sections := []struct {
		id, name string
		fn       func(*strings.Builder, *run)
	}{
		{"neurons", "Where the H-Neurons are", neuronSection},
		{"detection", "Detection", detectionSection},
		{"impact", "Impact", impactSection},
		{"origin", "Origin", originSection},
		{"provenance", "Provenance and how to reproduce", provenanceSection},
	}
	b.WriteString("<nav>")
	for _, s := range sections {
		fmt.Fprintf(&b, `<a href="#%s">%s</a> `, s.id, s.name)
	}
	b.WriteString("</nav>\n")
	for _, s := range sections {
		fmt.Fprintf(&b, "<section id=\"%s\"><h2>%s</h2>\n", s.id, s.name)
		s.fn(&b, r)
		b.WriteString("</section>\n")
	}
	fmt.Fprintf(&b, "<footer>written by hneurons %s from %s</footer>\n</body></html>\n", version.Version, html.EscapeString(dir))
	return []byte(b.String()), nil
}

const css = `body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
nav a{margin-right:1em}.lead{font-size:1.1em}.missing{color:#8a5a00;background:#fff6e0;padding:.4em .6em}
table{border-collapse:collapse;margin:.8em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.92em}
th{background:#f3f3f3}svg.plot{display:block;margin:1em 0;max-width:100%;height:auto}
.figs{display:flex;flex-wrap:wrap;gap:1em}code{background:#f3f3f3;padding:0 .2em}footer{margin-top:3em;color:#777;font-size:.85em}`

// missing writes the one line for a section the run lacks.
func missing(b *strings.Builder, what, command string) {
	fmt.Fprintf(b, "<p class=\"missing\">No %s in this run: <code>%s</code> makes it.</p>\n", html.EscapeString(what), html.EscapeString(command))
}

// neuronSection draws the layers x neurons map with the H-Neurons marked by
// weight, and the count per layer.
func neuronSection(b *strings.Builder, r *run) {
	p := r.probe
	if p.Layers == 0 || p.DFF == 0 {
		b.WriteString("<p>The probe was trained on a plain matrix: there is no layer layout to draw.</p>\n")
		return
	}
	f := svgplot.New(760, 120+28*float64(p.Layers), -0.5, float64(p.DFF)-0.5, -0.5, float64(p.Layers)-0.5)
	f.Title, f.XLabel, f.YLabel = "H-Neurons by layer and index (marker area = weight)", "neuron index", "layer"
	f.XTicks = svgplot.Ticks(0, float64(p.DFF-1), 8)
	for l := 0; l < p.Layers; l++ {
		f.YTicks = append(f.YTicks, float64(l))
	}
	wmax := 0.0
	for _, n := range p.HNeurons {
		wmax = math.Max(wmax, n.Weight)
	}
	for _, n := range p.HNeurons {
		f.Points([]float64{float64(n.Neuron)}, []float64{float64(n.Layer)}, 2+7*math.Sqrt(n.Weight/math.Max(wmax, 1e-12)), svgplot.Vermillion, "")
	}
	b.WriteString(`<div class="figs">`)
	b.WriteString(f.SVG())
	counts := make([]float64, p.Layers)
	xs := make([]float64, p.Layers)
	for _, n := range p.HNeurons {
		counts[n.Layer]++
	}
	cmax := 1.0
	for l := range counts {
		xs[l] = float64(l)
		cmax = math.Max(cmax, counts[l])
	}
	g := svgplot.New(360, 260, -0.6, float64(p.Layers)-0.4, 0, cmax*1.15)
	g.Title, g.XLabel, g.YLabel = "H-Neurons per layer", "layer", "count"
	g.XTicks, g.YTicks = xs, svgplot.Ticks(0, cmax*1.15, 5)
	g.Bars(xs, counts, 0.7, svgplot.Vermillion, "")
	b.WriteString(g.SVG())
	b.WriteString("</div>\n")
	b.WriteString("<table><tr><th>layer</th><th>neuron</th><th>weight</th></tr>")
	for i, n := range p.HNeurons {
		if i == 20 {
			fmt.Fprintf(b, "<tr><td colspan=3>… %d more in probe.json</td></tr>", len(p.HNeurons)-20)
			break
		}
		fmt.Fprintf(b, "<tr><td>%d</td><td>%d</td><td>%.4g</td></tr>", n.Layer, n.Neuron, n.Weight)
	}
	b.WriteString("</table>\n")
}

// detectionSection draws the probe's metrics against the random-neuron
// classifiers' distributions, the ROC curves and the C path.
func detectionSection(b *strings.Builder, r *run) {
	d := r.details
	if d == nil || len(d.Reports) == 0 {
		missing(b, "evaluation", "hneurons eval --probe probe.json --features DIR --baseline-seeds 100 --out metrics.json")
		return
	}
	sets := sortedKeys(d.Reports)
	b.WriteString("<table><tr><th>set</th><th>n (hallucinated)</th><th>accuracy [95% CI]</th><th>AUROC [95% CI]</th><th>random neurons, CV (mean ± sd)</th><th>random neurons, transfer (mean ± sd)</th></tr>")
	for _, set := range sets {
		m := d.Reports[set].Metrics
		cv, tr := "—", "—"
		if bl := d.Reports[set].Baseline; bl != nil {
			cv = fmt.Sprintf("acc %.3f ± %.3f, AUROC %.3f ± %.3f", float64(bl.RandomAccuracyMean), float64(bl.RandomAccuracyStd), float64(bl.RandomAUROCMean), float64(bl.RandomAUROCStd))
		}
		if t := d.Transfer[set]; t != nil {
			tr = fmt.Sprintf("acc %.3f ± %.3f, AUROC %.3f ± %.3f", t.RandomAccuracyMean, t.RandomAccuracyStd, t.RandomAUROCMean, t.RandomAUROCStd)
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td>%d (%d)</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", html.EscapeString(set), m.N, m.Positives,
			interval(m.Accuracy), interval(m.AUROC), cv, tr)
	}
	b.WriteString("</table>\n")
	confoundTable(b, d, sets)
	b.WriteString("<div class=\"figs\">")
	for _, metric := range []string{"AUROC", "accuracy"} {
		b.WriteString(strip(r, sets, metric))
	}
	b.WriteString("</div>\n")
	if len(r.roc) > 0 {
		b.WriteString(rocPlot(r))
	}
	if len(d.CV) > 0 {
		b.WriteString(`<div class="figs">`)
		b.WriteString(cPath(d.CV, d.C))
		b.WriteString("</div>\n")
	}
}

// confoundTable shows the organism demo's confound checks (beyond the
// paper; demo.Within): the probe's AUROC within each question attribute
// beside random neurons', and what rules that never read the model score:
// the attribute alone, the person's popularity alone and, in a world whose
// biographies state only some facts, how often the fact is stated. Nothing
// is written when the run has none (a run outside the demo).
func confoundTable(b *strings.Builder, d *details, sets []string) {
	has := false
	for _, set := range sets {
		has = has || d.Within[set] != nil
	}
	if !has {
		return
	}
	num := func(f probe.Float) string {
		if math.IsNaN(float64(f)) {
			return "—"
		}
		return fmt.Sprintf("%.3f", float64(f))
	}
	rule := func(p *exposureRule) string {
		if p == nil {
			return "—"
		}
		return fmt.Sprintf("acc %.3f, AUROC %.3f (at most %d)", float64(p.Accuracy), float64(p.AUROC), p.Threshold)
	}
	b.WriteString("<p>Confound checks (beyond the paper): a detector of this model's hallucinations should beat rules that never read the model.</p>\n")
	b.WriteString("<table><tr><th>set</th><th>probe AUROC within attribute</th><th>random neurons within attribute (mean ± sd)</th><th>attribute alone, AUROC</th><th>person's popularity alone</th><th>times the fact is stated, alone</th></tr>")
	for _, set := range sets {
		w := d.Within[set]
		if w == nil {
			continue
		}
		random := "—"
		if t := d.Transfer[set]; t != nil && !math.IsNaN(float64(t.RandomWithinAUROCMean)) {
			random = fmt.Sprintf("%.3f ± %.3f", float64(t.RandomWithinAUROCMean), float64(t.RandomWithinAUROCStd))
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", html.EscapeString(set),
			num(w.WeightedAUROC), random, num(w.AttributeOnlyAUROC), rule(w.Popularity), rule(w.Statements))
	}
	b.WriteString("</table>\n")
}

// strip draws, per evaluation set, the random classifiers' values as dots
// and the probe's value with its interval.
func strip(r *run, sets []string, metric string) string {
	d := r.details
	type row struct {
		label string
		probe *probe.Interval
		rnd   []float64
		h     float64
	}
	var rows []row
	for _, set := range sets {
		rep := d.Reports[set]
		m := rep.Metrics.AUROC
		if metric == "accuracy" {
			m = rep.Metrics.Accuracy
		}
		pick := func(acc, auc float64) float64 {
			if metric == "accuracy" {
				return acc
			}
			return auc
		}
		if bl := rep.Baseline; bl != nil {
			var v []float64
			for _, x := range bl.Random {
				v = append(v, pick(float64(x.Accuracy), float64(x.AUROC)))
			}
			rows = append(rows, row{set + ": CV baseline", nil, v, pick(float64(bl.HNeuronAccuracy), float64(bl.HNeuronAUROC))})
		}
		if t := d.Transfer[set]; t != nil {
			rows = append(rows, row{set + ": transfer check", nil, pick2(metric, t.RandomAccuracy, t.RandomAUROC), pick(t.HNeuronAccuracy, t.HNeuronAUROC)})
		}
		rows = append(rows, row{set + ": probe", &m, nil, math.NaN()})
	}
	f := svgplot.New(620, 90+34*float64(len(rows)), 0, 1, -0.6, float64(len(rows))-0.4)
	f.Title = "Probe " + metric + " against classifiers on as many random neurons"
	f.XLabel = metric
	f.LeftMargin(175)
	f.LegendWidth(30)
	f.XTicks = svgplot.Ticks(0, 1, 5)
	for i, rw := range rows {
		y := float64(len(rows) - 1 - i)
		f.YTicks, f.YTickLabels = append(f.YTicks, y), append(f.YTickLabels, rw.label)
		if rw.probe != nil {
			f.ErrorBar(float64(rw.probe.Value), float64(rw.probe.Lo), float64(rw.probe.Hi), y, svgplot.Blue, "")
			continue
		}
		ys := make([]float64, len(rw.rnd))
		for k := range ys {
			ys[k] = y + 0.28*(float64(k%7)/6-0.5) // spread the dots
		}
		f.Points(rw.rnd, ys, 2.2, svgplot.Grey, "")
		if !math.IsNaN(rw.h) {
			f.ErrorBar(rw.h, math.NaN(), math.NaN(), y, svgplot.Vermillion, "")
		}
	}
	f.VLine(0.5, svgplot.Grey, "4 3", "")
	return f.SVG() + fmt.Sprintf("<p>Grey dots: random-neuron classifiers (one per draw); orange square: the same classifier on the H-Neurons; blue: the probe with its 95%% bootstrap interval (%s).</p>\n", metric)
}

func pick2(metric string, acc, auc []float64) []float64 {
	if metric == "accuracy" {
		return acc
	}
	return auc
}

// rocPlot draws the probe's ROC curves.
func rocPlot(r *run) string {
	f := svgplot.New(560, 380, 0, 1, 0, 1)
	f.Title, f.XLabel, f.YLabel = "ROC of the probe on answer rows", "false positive rate", "true positive rate"
	f.XTicks, f.YTicks = svgplot.Ticks(0, 1, 5), svgplot.Ticks(0, 1, 5)
	f.LegendWidth(230)
	f.Line([]float64{0, 1}, []float64{0, 1}, svgplot.Grey, "4 3", "chance")
	colours := []string{svgplot.Blue, svgplot.Orange, svgplot.Green, svgplot.Purple}
	for i, set := range sortedKeys(r.roc) {
		c := r.roc[set]
		f.Line(c.fpr, c.tpr, colours[i%len(colours)], "", fmt.Sprintf("%s (AUROC %.3f, n=%d)", set, c.auc, c.n))
	}
	return f.SVG()
}

// cPath draws the C path: cross-validated scores and neurons kept.
func cPath(cv []probe.CVPoint, chosen float64) string {
	var xs, acc, auc, kept []float64
	var labels []string
	kmax := 1.0
	for i, p := range cv {
		xs = append(xs, float64(i))
		labels = append(labels, fmt.Sprintf("%g", p.C))
		acc, auc = append(acc, float64(p.Accuracy)), append(auc, float64(p.AUROC))
		kept = append(kept, float64(p.HNeurons))
		kmax = math.Max(kmax, float64(p.HNeurons))
	}
	f := svgplot.New(440, 300, -0.3, float64(len(cv)-1)+0.3, 0.4, 1)
	f.Title, f.XLabel, f.YLabel = "C path: cross-validated score", "C", "score"
	f.XTicks, f.XTickLabels, f.YTicks = xs, labels, svgplot.Ticks(0.4, 1, 6)
	f.LegendWidth(130)
	for i, p := range cv {
		if p.C == chosen {
			f.VLine(xs[i], svgplot.Grey, "4 3", "chosen C")
		}
	}
	f.Line(xs, acc, svgplot.Blue, "", "CV accuracy")
	f.Points(xs, acc, 3, svgplot.Blue, "")
	f.Line(xs, auc, svgplot.Orange, "6 3", "CV AUROC")
	f.Points(xs, auc, 3, svgplot.Orange, "")
	g := svgplot.New(400, 300, -0.5, float64(len(cv)-1)+0.5, 0, kmax*1.15)
	g.Title, g.XLabel, g.YLabel = "C path: H-Neurons kept", "C", "neurons with positive weight"
	g.XTicks, g.XTickLabels, g.YTicks = xs, labels, svgplot.Ticks(0, kmax*1.15, 5)
	g.Bars(xs, kept, 0.6, svgplot.Vermillion, "")
	return f.SVG() + g.SVG()
}

// impactSection draws, per benchmark, compliance against alpha for the
// H-Neurons (with its bootstrap band) and for every random control set,
// with the slopes in a table (intervene's impact/summary.json).
func impactSection(b *strings.Builder, r *run) {
	if r.impact == nil || len(r.impact.Benches) == 0 {
		missing(b, "intervention results", "hneurons intervene --model M --probe probe.json --out DIR (or hneurons demo --no-impact=false)")
		return
	}
	b.WriteString("<p>The H-Neurons' activations scaled by alpha (z &larr; alpha&middot;z); compliance in % of judged items " +
		"(capability: accuracy), with 95% bootstrap intervals; grey lines are random neuron sets of the same size " +
		"(dashed: layer-matched). Slopes in points per unit alpha, paired bootstrap over items.</p>\n")
	b.WriteString("<table><tr><th>benchmark</th><th>items</th><th>H-Neurons' slope</th><th>controls' mean slope</th><th>H minus controls</th><th>most truncated</th></tr>\n")
	for _, bench := range r.impact.Benches {
		var hSlope, ctl, diff string
		trunc := 0.0
		for _, c := range bench.Curves {
			for _, p := range c.Points {
				trunc = max(trunc, p.Truncated)
			}
			if c.Kind == "h-neurons" {
				hSlope = slopeText(c.Slope)
			}
		}
		for _, k := range bench.Controls {
			ctl += html.EscapeString(k.Kind) + " " + slopeText(k.Mean) + "<br>"
			diff += html.EscapeString(k.Kind) + " " + slopeText(k.Diff) + "<br>"
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%.0f%%</td></tr>\n",
			html.EscapeString(bench.Bench), bench.Items, hSlope, ctl, diff, 100*trunc)
	}
	b.WriteString("</table>\n")
	for _, bench := range r.impact.Benches {
		b.WriteString(impactPlot(r.impact.Alphas, bench.Bench, bench.Curves))
	}
}

// slopeText writes a slope with its interval.
func slopeText(iv nullInterval) string {
	if math.IsNaN(iv.Value) {
		return "&ndash;"
	}
	return fmt.Sprintf("%+.2f [%+.2f, %+.2f]", iv.Value, iv.Lo, iv.Hi)
}

// impactPlot draws one benchmark's curves.
func impactPlot(alphas []float64, name string, curves []impactCurve) string {
	xmax := 3.0
	if len(alphas) > 0 {
		xmax = slices.Max(alphas)
	}
	f := svgplot.New(560, 300, 0, math.Max(xmax, 0.5), 0, 100)
	f.Title, f.XLabel, f.YLabel = name, "alpha (scale of the neurons' activations)", "compliance (%)"
	f.LegendWidth(170)
	f.YTicks = svgplot.Ticks(0, 100, 6)
	f.XTicks = alphas
	for _, a := range alphas {
		f.XTickLabels = append(f.XTickLabels, strconv.FormatFloat(a, 'g', -1, 64))
	}
	named := map[string]bool{}
	var hx, hy, hlo, hhi []float64
	for _, c := range curves {
		var xs, ys []float64
		for _, p := range c.Points {
			if math.IsNaN(p.Rate.Value) {
				continue
			}
			xs, ys = append(xs, p.Alpha), append(ys, 100*p.Rate.Value)
			if c.Kind == "h-neurons" {
				hx, hy = append(hx, p.Alpha), append(hy, 100*p.Rate.Value)
				hlo, hhi = append(hlo, 100*p.Rate.Lo), append(hhi, 100*p.Rate.Hi)
			}
		}
		if c.Kind == "h-neurons" {
			continue
		}
		dash, label := "", "random sets"
		if c.Kind == "layer-matched" {
			dash, label = "5 3", "layer-matched sets"
		}
		if named[label] {
			label = ""
		}
		named[label] = true
		f.Line(xs, ys, svgplot.Grey, dash, label)
	}
	f.Band(hx, hlo, hhi, svgplot.Vermillion, "")
	f.Line(hx, hy, svgplot.Vermillion, "", "H-Neurons (95% CI)")
	return f.SVG()
}

// originSection draws the backward transfer, the drift ranks and the
// pre-training emergence.
func originSection(b *strings.Builder, r *run) {
	d := r.details
	if d == nil || d.Origin == nil {
		missing(b, "origin study", "hneurons demo --base-model BASE (or hneurons transfer and hneurons drift)")
	} else {
		og := d.Origin
		b.WriteString("<table><tr><th>set</th><th>chat probe on the base model: AUROC [95% CI]</th><th>L2 on H-Neurons, transferred</th><th>L2 on random neurons, transferred (mean ± sd)</th></tr>")
		for _, set := range sortedKeys(og.Transfer) {
			t := og.Transfer[set]
			h, rnd := "—", "—"
			if c := t.Controls; c != nil {
				h, rnd = fmt.Sprintf("%.3f", c.HNeuronAUROC), fmt.Sprintf("%.3f ± %.3f", c.RandomAUROCMean, c.RandomAUROCStd)
			}
			fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", html.EscapeString(set), interval(t.Probe.AUROC), h, rnd)
		}
		b.WriteString("</table>\n")
		if dr := og.Drift; dr != nil {
			fmt.Fprintf(b, "<p>Weight drift from the base to the chat model: the H-Neurons' mean normalised rank is %.3f (the other neurons' %.3f; 1 = changed least). One-sided Welch p = %.3g; permutation p = %.3g; layer-matched p = %.3g; W_down-norm-matched p = %.3g.</p>\n",
				float64(dr.HMeanRank), float64(dr.RestMeanRank), dr.Welch.P, dr.Permutation.P, dr.LayerMatched.P, dr.NormMatched.P)
		}
		b.WriteString(`<div class="figs">`)
		b.WriteString(transferStrip(og.Transfer))
		if len(r.drift) > 0 {
			b.WriteString(driftHistogram(r.drift))
		}
		b.WriteString("</div>\n<p>Backward transfer: blue, the chat probe applied unchanged to the base model's CETT with its 95% bootstrap interval; orange square, an L2 classifier on the H-Neurons trained on the chat model; grey dots, the same classifier on as many random neurons (one per draw), transferred the same way.</p>\n")
	}
	if len(r.pretain) > 0 {
		b.WriteString(pretrainPlot(r.pretain))
	} else {
		missing(b, "pre-training emergence", "hneurons organism emergence --run ORGANISM_RUN --stage base --report THIS_FOLDER")
	}
}

// transferStrip draws the transferred probe against the transferred random
// classifiers.
func transferStrip(tr map[string]*origin.TransferResult) string {
	sets := sortedKeys(tr)
	f := svgplot.New(500, 90+60*float64(len(sets)), 0, 1, -0.6, float64(len(sets))-0.4)
	f.Title, f.XLabel = "Backward transfer: AUROC on the base model", "AUROC"
	f.LeftMargin(90)
	f.XTicks = svgplot.Ticks(0, 1, 5)
	for i, set := range sets {
		t := tr[set]
		y := float64(len(sets) - 1 - i)
		f.YTicks, f.YTickLabels = append(f.YTicks, y), append(f.YTickLabels, set)
		if c := t.Controls; c != nil {
			ys := make([]float64, len(c.RandomAUROC))
			for k := range ys {
				ys[k] = y - 0.15 + 0.1*(float64(k%5)/4-0.5)
			}
			f.Points(c.RandomAUROC, ys, 2.2, svgplot.Grey, "")
			f.ErrorBar(c.HNeuronAUROC, math.NaN(), math.NaN(), y-0.15, svgplot.Vermillion, "")
		}
		f.ErrorBar(float64(t.Probe.AUROC.Value), float64(t.Probe.AUROC.Lo), float64(t.Probe.AUROC.Hi), y+0.18, svgplot.Blue, "")
	}
	f.VLine(0.5, svgplot.Grey, "4 3", "")
	return f.SVG()
}

// driftHistogram draws the distribution of the H-Neurons' drift ranks
// against that of the other neurons.
func driftHistogram(rows []driftRow) string {
	const bins = 10
	var h, rest [bins]float64
	nh, nr := 0.0, 0.0
	for _, r := range rows {
		k := min(int(r.rank*bins), bins-1)
		if r.h {
			h[k]++
			nh++
		} else {
			rest[k]++
			nr++
		}
	}
	xs := make([]float64, bins)
	hy, ry := make([]float64, bins), make([]float64, bins)
	ymax := 0.0
	for k := range xs {
		xs[k] = (float64(k) + 0.5) / bins
		hy[k], ry[k] = h[k]/math.Max(nh, 1), rest[k]/math.Max(nr, 1)
		ymax = math.Max(ymax, math.Max(hy[k], ry[k]))
	}
	f := svgplot.New(480, 300, 0, 1, 0, ymax*1.15+1e-9)
	f.Title, f.XLabel, f.YLabel = "Drift rank (1 = changed least in chat tuning)", "normalised rank", "share of neurons"
	f.XTicks, f.YTicks = svgplot.Ticks(0, 1, 5), svgplot.Ticks(0, ymax*1.15, 4)
	f.LegendWidth(130)
	f.Bars(xs, hy, 0.08, svgplot.Vermillion, fmt.Sprintf("H-Neurons (%d)", int(nh)))
	f.Line(xs, ry, svgplot.Grey, "", "other neurons")
	return f.SVG()
}

// pretrainPlot draws the transfer AUROC over the pre-training checkpoints.
func pretrainPlot(pts []pretrainPoint) string {
	var xs, auc, lo, hi, hl2, rnd, rlo, rhi []float64
	var labels []string
	for _, p := range pts {
		s, ok := p.Sets["test"]
		if p.Error != "" || !ok {
			continue
		}
		xs = append(xs, float64(len(xs)))
		if p.Step < 0 {
			labels = append(labels, "final")
		} else {
			labels = append(labels, fmt.Sprint(p.Step))
		}
		auc, lo, hi = append(auc, float64(s.Transfer.Value)), append(lo, float64(s.Transfer.Lo)), append(hi, float64(s.Transfer.Hi))
		hl2, rnd = append(hl2, s.HNeuronAUROC), append(rnd, s.RandomAUROCMean)
		rlo, rhi = append(rlo, s.RandomAUROCMean-s.RandomAUROCSD), append(rhi, s.RandomAUROCMean+s.RandomAUROCSD)
	}
	f := svgplot.New(760, 360, -0.3, float64(max(len(xs)-1, 0))+0.3, 0.3, 1)
	f.Title, f.XLabel, f.YLabel = "Emergence: the final chat probe on pre-training checkpoints (test set)", "base-stage training step", "AUROC"
	f.LegendWidth(200)
	f.YTicks = svgplot.Ticks(0.3, 1, 7)
	for i := range xs {
		if len(xs) <= 12 || i%2 == 0 || i == len(xs)-1 {
			f.XTicks, f.XTickLabels = append(f.XTicks, xs[i]), append(f.XTickLabels, labels[i])
		}
	}
	f.HLine(0.5, svgplot.Grey, "4 3", "")
	f.Band(xs, lo, hi, svgplot.Blue, "")
	f.Band(xs, rlo, rhi, svgplot.Grey, "")
	f.Line(xs, auc, svgplot.Blue, "", "chat probe (95% CI)")
	f.Line(xs, hl2, svgplot.Vermillion, "6 3", "L2 on H-Neurons")
	f.Line(xs, rnd, svgplot.Grey, "2 2", "L2 on random (±1 SD)")
	return f.SVG()
}

// provenanceSection lists how the run was made and the command that
// reproduces it.
func provenanceSection(b *strings.Builder, r *run) {
	var prov = r.probe.Provenance
	if r.details != nil && r.details.Provenance != nil {
		prov = r.details.Provenance
	}
	if prov == nil {
		missing(b, "provenance record", "hneurons demo (every stage records its provenance)")
		return
	}
	b.WriteString("<table>")
	fmt.Fprintf(b, "<tr><th>command</th><td>%s</td></tr><tr><th>program version</th><td>%s %s</td></tr>", html.EscapeString(prov.Command),
		html.EscapeString(prov.Version), html.EscapeString(prov.Revision))
	if prov.Model != nil {
		fmt.Fprintf(b, "<tr><th>model</th><td>%s<br><code>%s</code></td></tr>", html.EscapeString(prov.Model.Path), html.EscapeString(prov.Model.Identity))
	}
	for _, in := range prov.Inputs {
		fmt.Fprintf(b, "<tr><th>input: %s</th><td>%s<br><code>%s</code></td></tr>", html.EscapeString(in.Role), html.EscapeString(in.Path), html.EscapeString(in.Digest))
	}
	keys := sortedKeys(prov.Options)
	for _, k := range keys {
		fmt.Fprintf(b, "<tr><th>--%s</th><td>%s</td></tr>", html.EscapeString(k), html.EscapeString(prov.Options[k]))
	}
	b.WriteString("</table>\n")
	cmd := "hneurons " + prov.Command
	if prov.Model != nil && prov.Command != "demo" {
		cmd += " --model " + prov.Model.Path
	}
	for _, k := range keys {
		if v := prov.Options[k]; v != "" && v != "0" {
			cmd += " --" + k + " " + v
		}
	}
	fmt.Fprintf(b, "<p>To reproduce (same program version, same inputs): <code>%s --out DIR</code></p>\n", html.EscapeString(cmd))
}

// interval formats a metric with its interval.
func interval(m probe.Interval) string {
	return fmt.Sprintf("%.3f [%.3f, %.3f]", float64(m.Value), float64(m.Lo), float64(m.Hi))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// roc returns the ROC curve of scores (higher = hallucinated) against 0/1
// labels, with tied scores taken together, and the AUROC.
func roc(scores []float64, labels []int) rocCurve {
	idx := make([]int, len(scores))
	pos := 0
	for i := range idx {
		idx[i] = i
		pos += labels[i]
	}
	neg := len(scores) - pos
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	c := rocCurve{fpr: []float64{0}, tpr: []float64{0}, auc: probe.AUROC(scores, labels), n: len(scores)}
	tp, fp := 0, 0
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			if labels[idx[j]] == 1 {
				tp++
			} else {
				fp++
			}
			j++
		}
		c.fpr = append(c.fpr, float64(fp)/math.Max(float64(neg), 1))
		c.tpr = append(c.tpr, float64(tp)/math.Max(float64(pos), 1))
		i = j
	}
	return c
}
