package demo

import (
	"fmt"
	"math"
	"strings"
)

// Text renders the plain-text summary.
func Text(s *Summary, d *Details) string {
	var b strings.Builder
	c := d.Counts
	fmt.Fprintf(&b, "model: %s\n", s.Model)
	fmt.Fprintf(&b, "questions: %d in-distribution, %d NonExist\n", c.Questions["id"], c.Questions[SetNonExist])
	fmt.Fprintf(&b, "after the consistency filter: id %d faithful / %d hallucinated / %d uncertain; NonExist %d faithful (abstained) / %d hallucinated / %d uncertain\n",
		c.Faithful["id"], c.Hallucinated["id"], c.Uncertain["id"], c.Faithful[SetNonExist], c.Hallucinated[SetNonExist], c.Uncertain[SetNonExist])
	fmt.Fprintf(&b, "one sample per question: id %d faithful / %d hallucinated / %d abstained; NonExist %d abstained (faithful) / %d hallucinated\n",
		c.SingleFaithful["id"], c.SingleHallucinated["id"], c.SingleUncertain["id"], c.SingleFaithful[SetNonExist], c.SingleHallucinated[SetNonExist])
	fmt.Fprintf(&b, "balanced sets, disjoint by person: train %d+%d (consistent), test %d+%d, NonExist %d+%d (one sample; faithful+hallucinated)\n",
		c.TrainFaithful, c.TrainHallucinated, c.TestFaithful, c.TestHallucinated, c.NonExistFaithful, c.NonExistHallucinated)
	fmt.Fprintf(&b, "probe: L1, %s, C=%g chosen by %d-fold CV: %d H-Neurons of %d neurons (%.2f per mille)\n",
		d.Options.Mode, d.C, d.Options.Folds, len(s.HNeurons), s.TotalNeurons, 1000*float64(len(s.HNeurons))/float64(max(s.TotalNeurons, 1)))
	if len(s.HNeurons) > 0 {
		b.WriteString("H-Neurons (layer/neuron: weight), largest first:")
		for i, n := range s.HNeurons {
			if i == 10 {
				fmt.Fprintf(&b, " ... (%d more)", len(s.HNeurons)-10)
				break
			}
			fmt.Fprintf(&b, " %d/%d: %.3g", n.Layer, n.Neuron, n.Weight)
		}
		b.WriteString("\n")
	}
	for _, name := range []string{SetTest, SetNonExist} {
		r := d.Reports[name]
		if r == nil {
			continue
		}
		m := r.Metrics
		fmt.Fprintf(&b, "%-8s n=%d (%d hallucinated): accuracy %.3f [%.3f, %.3f]  AUROC %.3f [%.3f, %.3f]\n", name, m.N, m.Positives,
			m.Accuracy.Value, m.Accuracy.Lo, m.Accuracy.Hi, m.AUROC.Value, m.AUROC.Lo, m.AUROC.Hi)
		if bl := r.Baseline; bl != nil {
			fmt.Fprintf(&b, "         restricted classifiers (%d-fold CV, %d seeds): H-Neurons acc %.3f±%.3f AUROC %.3f±%.3f; random %d neurons acc %.3f±%.3f AUROC %.3f±%.3f\n",
				bl.Folds, len(bl.Random), bl.HNeuronAccuracy, bl.HNeuronAccuracyStd, bl.HNeuronAUROC, bl.HNeuronAUROCStd,
				bl.Neurons, bl.RandomAccuracyMean, bl.RandomAccuracyStd, bl.RandomAUROCMean, bl.RandomAUROCStd)
		} else if n := d.BaselineNotes[name]; n != "" {
			fmt.Fprintf(&b, "         %s\n", n)
		}
		if t := d.Transfer[name]; t != nil {
			fmt.Fprintf(&b, "         transfer check (beyond the paper; L2 trained on train, scored here, %d seeds): H-Neurons acc %.3f AUROC %.3f; random %d neurons acc %.3f±%.3f AUROC %.3f±%.3f\n",
				len(t.RandomAccuracy), t.HNeuronAccuracy, t.HNeuronAUROC, t.Neurons, t.RandomAccuracyMean, t.RandomAccuracyStd, t.RandomAUROCMean, t.RandomAUROCStd)
		}
		if w := d.Within[name]; w != nil && len(w.Groups) > 1 {
			fmt.Fprintf(&b, "         AUROC within attribute (confound check, beyond the paper): probe %.3f", float64(w.WeightedAUROC))
			if t := d.Transfer[name]; t != nil && !math.IsNaN(float64(t.RandomWithinAUROCMean)) {
				fmt.Fprintf(&b, ", transfer-check random %d neurons %.3f±%.3f (max %.3f)", t.Neurons,
					float64(t.RandomWithinAUROCMean), float64(t.RandomWithinAUROCStd), t.RandomWithinAUROCRange[1])
			}
			fmt.Fprintf(&b, "; the attribute alone scores %.3f on the mixed set;", float64(w.AttributeOnlyAUROC))
			if p := w.Popularity; p != nil {
				fmt.Fprintf(&b, " the person's popularity alone (no model: hallucinated when at most %d biographies mention the person) acc %.3f AUROC %.3f;",
					p.Threshold, float64(p.Accuracy), float64(p.AUROC))
			}
			if p := w.Statements; p != nil {
				fmt.Fprintf(&b, " how often the fact is stated alone (no model: hallucinated when at most %d biographies state it) acc %.3f AUROC %.3f;",
					p.Threshold, float64(p.Accuracy), float64(p.AUROC))
			}
			for _, g := range w.Groups {
				fmt.Fprintf(&b, " %s %.3f (n=%d, %d hallucinated)", g.Group, float64(g.AUROC), g.N, g.Hallucinated)
			}
			b.WriteString("\n")
		}
	}
	originText(&b, d.Origin)
	impactText(&b, d.Impact)
	fmt.Fprintf(&b, "seconds: %.1f\n", s.Seconds)
	return b.String()
}
