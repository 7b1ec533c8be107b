package probe

import (
	"math"
	"sort"
)

// GroupAUROC is a probe's AUROC within one group of rows (e.g. one
// attribute of the questions), as WithinGroups computes it.
type GroupAUROC struct {
	// Group is the group's name; N its rows, Hallucinated those labelled 1.
	Group        string `json:"group"`
	N            int    `json:"n"`
	Hallucinated int    `json:"hallucinated"`
	// AUROC is the tie-aware AUROC on the group's rows; NaN (null in JSON)
	// when the group holds one class only.
	AUROC Float `json:"auroc"`
}

// WithinGroups returns the AUROC of scores (rows,) against 0/1 labels
// (rows,) within each group (groups[i] is row i's group), in sorted group
// order, and their mean weighted by group size over the groups that hold
// both classes (NaN when none does). A probe that only told the kinds of
// question apart would score high overall but near 0.5 within groups.
func WithinGroups(scores []float64, labels []int, groups []string) ([]GroupAUROC, float64) {
	type acc struct {
		scores []float64
		labels []int
	}
	by := map[string]*acc{}
	for i, g := range groups {
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
			auc = AUROC(a.scores, a.labels)
			sum += auc * float64(len(a.labels))
			weight += float64(len(a.labels))
		}
		out = append(out, GroupAUROC{Group: g, N: len(a.labels), Hallucinated: pos, AUROC: Float(auc)})
	}
	if weight == 0 {
		return out, math.NaN()
	}
	return out, sum / weight
}
