package demo

import (
	"fmt"
	"slices"

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
	// Statements is the same rule on how many biographies state the asked
	// fact, in a world where biographies state only some attributes
	// (world.Config.StateProb; nil otherwise, where it is Popularity).
	// There a fact's exposure, not the person's, is the reference.
	Statements *PopularityOnly `json:"statements_only,omitempty"`
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
	cand := slices.Compact(slices.Sorted(slices.Values(trainMentions)))
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

// answerRows is what the confound checks know of the answer rows of a
// feature store, in the order probe.LoadDataset(dir, probe.OneVsOne) loads
// them: each row's attribute group, the mentions of its person, the
// biographies stating its fact (questionFacts.statements) and its label.
type answerRows struct {
	groups     []string
	mentions   []int
	statements []int
	labels     []int
}

// readAnswerRows reads the feature store dir's index once and looks every
// answer row's question up in facts (noGroup and 0 for a question it does
// not hold).
func readAnswerRows(dir string, facts questionFacts) (answerRows, error) {
	ix, err := features.ReadIndex(dir)
	if err != nil {
		return answerRows{}, fmt.Errorf("demo: confound checks: %w", err)
	}
	rows, labels, err := probe.SelectRows(ix, probe.OneVsOne)
	if err != nil {
		return answerRows{}, fmt.Errorf("demo: confound checks: %s: %w", dir, err)
	}
	out := answerRows{groups: make([]string, len(rows)), mentions: make([]int, len(rows)), statements: make([]int, len(rows)), labels: labels}
	for i, r := range rows {
		id := ix.Rows[r].ID
		g := facts.attribute[id]
		if g == "" {
			g = noGroup
		}
		out.groups[i], out.mentions[i], out.statements[i] = g, facts.mentions[id], facts.statements[id]
	}
	return out, nil
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
