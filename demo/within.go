package demo

import (
	"fmt"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/probe"
)

// Within is a confound check beyond the paper (METHOD.md section 7:
// "features that track response length rather than truth"). The organism's
// attributes differ in how often they are hallucinated and in answer length
// (a year is four words, the others two), so a probe could score the kind of
// question rather than the hallucination. Within holds the probe's AUROC
// within each attribute of an evaluation set and their size-weighted mean,
// and two references for that mean: classifiers on as many random neurons
// (the transfer check's, Transfer.RandomWithinAUROCMean) and, for the mixed
// set, a score that knows only the attribute.
type Within struct {
	Groups []probe.GroupAUROC `json:"groups"`
	// WeightedAUROC is the groups' AUROC averaged with their sizes as
	// weights, over the groups holding both classes.
	WeightedAUROC probe.Float `json:"weighted_auroc"`
	// AttributeOnlyAUROC scores every row by its attribute's hallucination
	// rate in the train set (no neurons): what knowing the kind of question
	// alone gives on the mixed set.
	AttributeOnlyAUROC probe.Float `json:"attribute_only_auroc"`
}

// noGroup names rows whose question has no attribute.
const noGroup = "(none)"

// rowGroups returns the group and the label of every answer row of the
// feature store dir, in the order probe.LoadDataset(dir, probe.OneVsOne)
// loads them.
func rowGroups(dir string, group map[string]string) ([]string, []int, error) {
	ix, err := features.ReadIndex(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: within groups: %w", err)
	}
	rows, labels, err := probe.SelectRows(ix, probe.OneVsOne)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: within groups: %s: %w", dir, err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		g := group[ix.Rows[r].ID]
		if g == "" {
			g = noGroup
		}
		out[i] = g
	}
	return out, labels, nil
}

// attributeOnlyAUROC scores every evaluation row by the hallucination rate
// of its group among the training rows (the overall rate for a group absent
// from training) and returns the AUROC of those scores.
func attributeOnlyAUROC(trainLabels []int, trainGroups []string, evalLabels []int, evalGroups []string) float64 {
	pos, n := map[string]float64{}, map[string]float64{}
	var allPos float64
	for i, g := range trainGroups {
		pos[g] += float64(trainLabels[i])
		n[g]++
		allPos += float64(trainLabels[i])
	}
	all := allPos / float64(max(len(trainLabels), 1))
	scores := make([]float64, len(evalLabels))
	for i, g := range evalGroups {
		if n[g] > 0 {
			scores[i] = pos[g] / n[g]
		} else {
			scores[i] = all
		}
	}
	return probe.AUROC(scores, evalLabels)
}
