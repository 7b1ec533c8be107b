package demo

import (
	"fmt"
	"sort"

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
	// Popularity is what knowing only how many biographies mention the
	// question's person gives (nil where the set's rows do not differ in
	// it, as NonExist's).
	Popularity *PopularityOnly `json:"popularity_only,omitempty"`
}

// PopularityOnly is a confound check beyond the paper: the organism's
// hallucinations are mostly about people few biographies mention, so a
// rule that reads only the person's popularity (never the model) is the
// reference a detector of *this model's* hallucinations should beat. On
// org9 it beats the probe (organism/IMPACT.md section 16.1).
type PopularityOnly struct {
	// Threshold is the rule "hallucinated when at most Threshold
	// biographies mention the person", chosen as the most accurate on the
	// train rows (the smallest such threshold on ties).
	Threshold int `json:"threshold"`
	// Accuracy is the rule's accuracy on the evaluation rows, AUROC that
	// of the score -mentions.
	Accuracy probe.Float `json:"accuracy"`
	AUROC    probe.Float `json:"auroc"`
}

// rowMentions returns the mentions of every answer row's question (see
// rowGroups), 0 for a question not in mentions.
func rowMentions(dir string, mentions map[string]int) ([]int, error) {
	ix, err := features.ReadIndex(dir)
	if err != nil {
		return nil, fmt.Errorf("demo: popularity: %w", err)
	}
	rows, _, err := probe.SelectRows(ix, probe.OneVsOne)
	if err != nil {
		return nil, fmt.Errorf("demo: popularity: %s: %w", dir, err)
	}
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = mentions[ix.Rows[r].ID]
	}
	return out, nil
}

// popularityOnly chooses the threshold rule of PopularityOnly on the train
// rows and scores it on the evaluation rows; nil when the evaluation rows
// all share one mention count or a set is empty.
func popularityOnly(trainMentions, trainLabels, evalMentions, evalLabels []int) *PopularityOnly {
	if len(trainMentions) == 0 || len(evalMentions) == 0 {
		return nil
	}
	distinct := map[int]bool{}
	for _, m := range evalMentions {
		distinct[m] = true
	}
	if len(distinct) < 2 {
		return nil
	}
	accuracy := func(th int, ms, ls []int) float64 {
		ok := 0
		for i, m := range ms {
			if (m <= th) == (ls[i] == 1) {
				ok++
			}
		}
		return float64(ok) / float64(len(ms))
	}
	var cand []int
	seen := map[int]bool{}
	for _, m := range trainMentions {
		if !seen[m] {
			seen[m] = true
			cand = append(cand, m)
		}
	}
	sort.Ints(cand)
	best, bestAcc := cand[0], -1.0
	for _, th := range cand {
		if a := accuracy(th, trainMentions, trainLabels); a > bestAcc {
			best, bestAcc = th, a
		}
	}
	scores := make([]float64, len(evalMentions))
	for i, m := range evalMentions {
		scores[i] = -float64(m)
	}
	return &PopularityOnly{Threshold: best, Accuracy: probe.Float(accuracy(best, evalMentions, evalLabels)),
		AUROC: probe.Float(probe.AUROC(scores, evalLabels))}
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
