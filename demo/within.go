package demo

import (
	"fmt"
	"math"
	"sort"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/probe"
)

// GroupAUROC is the probe's AUROC on the answer regions of one group of
// questions (one attribute of the organism's world).
type GroupAUROC struct {
	Group        string `json:"group"`
	N            int    `json:"n"`
	Hallucinated int    `json:"hallucinated"`
	// AUROC is null when the group holds one class only.
	AUROC probe.Float `json:"auroc"`
}

// Within is the confound check of one evaluation set (see withinGroups).
type Within struct {
	Groups []GroupAUROC `json:"groups"`
	// WeightedAUROC is the groups' AUROC averaged with their sizes as weights.
	WeightedAUROC probe.Float `json:"weighted_auroc"`
}

// withinGroups is a confound check beyond the paper (METHOD.md section 7:
// "features that track response length rather than truth"). The organism's
// attributes differ in how often they are hallucinated and in answer length
// (a year is four words, the others two), so a probe could score the kind of
// question rather than the hallucination. It scores pr on the answer regions
// of the feature store dir and returns the AUROC within each group of
// group (question id -> group), in group order, and the groups' mean AUROC
// weighted by size (over the groups where it is defined).
func withinGroups(pr *probe.Probe, dir string, group map[string]string) ([]GroupAUROC, float64, error) {
	r, err := features.Open(dir)
	if err != nil {
		return nil, math.NaN(), err
	}
	defer r.Close()
	rows, labels, err := probe.SelectRows(r.Index, probe.OneVsOne)
	if err != nil {
		return nil, math.NaN(), fmt.Errorf("demo: within groups: %s: %w", dir, err)
	}
	x, err := probe.LoadFeatures(r, rows)
	if err != nil {
		return nil, math.NaN(), err
	}
	scores, err := pr.Scores(x)
	if err != nil {
		return nil, math.NaN(), fmt.Errorf("demo: within groups: %w", err)
	}
	type acc struct {
		scores []float64
		labels []int
	}
	by := map[string]*acc{}
	for i, row := range rows {
		g, ok := group[r.Index.Rows[row].ID]
		if !ok {
			g = "(none)"
		}
		if by[g] == nil {
			by[g] = &acc{}
		}
		by[g].scores = append(by[g].scores, scores[i])
		by[g].labels = append(by[g].labels, labels[i])
	}
	names := make([]string, 0, len(by))
	for g := range by {
		names = append(names, g)
	}
	sort.Strings(names)
	out := make([]GroupAUROC, 0, len(names))
	var sum, weight float64
	for _, g := range names {
		a := by[g]
		pos := 0
		for _, l := range a.labels {
			pos += l
		}
		auc := math.NaN()
		if pos > 0 && pos < len(a.labels) {
			auc = probe.AUROC(a.scores, a.labels)
			sum += auc * float64(len(a.labels))
			weight += float64(len(a.labels))
		}
		out = append(out, GroupAUROC{Group: g, N: len(a.labels), Hallucinated: pos, AUROC: probe.Float(auc)})
	}
	if weight == 0 {
		return out, math.NaN(), nil
	}
	return out, sum / weight, nil
}
