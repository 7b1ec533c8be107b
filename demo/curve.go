package demo

import (
	"strconv"

	"github.com/hneurons/hneurons/internal/svgplot"
)

// PretrainCurve draws the test set's transfer AUROC over the pre-training
// checkpoints as a self-contained SVG: the unchanged chat probe with its
// bootstrap interval, the restricted classifier on the H-Neurons, and the
// random-neuron classifiers' mean ± one SD as a band; chance at 0.5.
func PretrainCurve(pts []PretrainPoint) string {
	var xs, auc, lo, hi, hl2, rnd, rlo, rhi []float64
	var labels []string
	for _, p := range pts {
		if p.Error != "" {
			continue
		}
		s := p.Sets[SetTest]
		xs = append(xs, float64(len(xs)))
		label := "final"
		if p.Step >= 0 {
			label = strconv.Itoa(p.Step)
		}
		labels = append(labels, label)
		auc, lo, hi = append(auc, float64(s.Transfer.Value)), append(lo, float64(s.Transfer.Lo)), append(hi, float64(s.Transfer.Hi))
		hl2, rnd = append(hl2, s.HNeuronAUROC), append(rnd, s.RandomAUROCMean)
		rlo, rhi = append(rlo, s.RandomAUROCMean-s.RandomAUROCSD), append(rhi, s.RandomAUROCMean+s.RandomAUROCSD)
	}
	f := svgplot.New(700, 360, -0.3, float64(max(len(xs)-1, 0))+0.3, 0.3, 1)
	f.Title = "Final chat probe transferred to pre-training checkpoints (test set)"
	f.XLabel, f.YLabel = "base-stage training step", "AUROC"
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
	f.Points(xs, auc, 3, svgplot.Blue, "")
	f.Line(xs, hl2, svgplot.Vermillion, "6 3", "L2 on H-Neurons")
	f.Points(xs, hl2, 3, svgplot.Vermillion, "")
	f.Line(xs, rnd, svgplot.Grey, "2 2", "L2 on random (±1 SD)")
	f.Points(xs, rnd, 3, svgplot.Grey, "")
	if len(xs) == 0 {
		f.Text(0, 0.65, "no checkpoint could be scored", "middle")
	}
	return f.SVG()
}
