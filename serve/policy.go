package serve

import (
	"fmt"
	"math"
	"sort"

	"github.com/hneurons/hneurons/probe"
)

// Policy is what the server does with an answer whose risk exceeds the
// threshold.
type Policy string

// Policies.
const (
	// Annotate only reports the risk (and the flag).
	Annotate Policy = "annotate"
	// Regenerate samples the answer again, with a warning added to the
	// prompt and a new seed, up to MaxRegenerations times, and returns the
	// first attempt under the threshold (else the least risky one).
	Regenerate Policy = "regenerate"
	// Abstain replaces a flagged answer with the abstention text.
	Abstain Policy = "abstain"
)

// Actions: what happened to a choice (Verdict.Action).
const (
	ActionAnnotated   = "annotated"   // returned as generated (not flagged, or the annotate policy)
	ActionRegenerated = "regenerated" // a later attempt was returned
	ActionAbstained   = "abstained"   // the abstention text was returned
	ActionKept        = "kept"        // regenerate: every attempt was flagged; the least risky is returned
)

// ParsePolicy checks a policy name.
func ParsePolicy(s string) (Policy, error) {
	switch Policy(s) {
	case Annotate, Regenerate, Abstain:
		return Policy(s), nil
	}
	return "", fmt.Errorf("unknown policy %q (want annotate, regenerate or abstain)", s)
}

// Calibration is a threshold chosen on held-out answers.
type Calibration struct {
	// Threshold flags an answer whose risk is above it.
	Threshold float64 `json:"threshold"`
	// TargetFalseAlarm is the false-alarm rate asked for.
	TargetFalseAlarm float64 `json:"target_false_alarm_rate"`
	// FalseAlarmRate is the share of faithful held-out answers flagged at
	// Threshold, DetectionRate the share of hallucinated ones.
	FalseAlarmRate float64 `json:"false_alarm_rate"`
	DetectionRate  float64 `json:"detection_rate"`
	// Faithful and Hallucinated count the held-out answers.
	Faithful     int `json:"faithful"`
	Hallucinated int `json:"hallucinated"`
	// Source names the held-out data.
	Source string `json:"source"`
}

// Calibrate chooses the lowest threshold whose false-alarm rate on the
// held-out answers (risks with labels 1 hallucinated, 0 faithful) is at
// most target: with n faithful answers it allows floor(target*n) of them
// above the threshold.
func Calibrate(risks []float64, labels []int, target float64) (Calibration, error) {
	if len(risks) != len(labels) {
		return Calibration{}, fmt.Errorf("serve: calibrate: %d risks, %d labels", len(risks), len(labels))
	}
	if !(target >= 0 && target < 1) {
		return Calibration{}, fmt.Errorf("serve: calibrate: false-alarm rate %v outside [0, 1)", target)
	}
	var faithful, halluc []float64
	for i, r := range risks {
		if labels[i] == 1 {
			halluc = append(halluc, r)
		} else {
			faithful = append(faithful, r)
		}
	}
	if len(faithful) == 0 || len(halluc) == 0 {
		return Calibration{}, fmt.Errorf("serve: calibrate: %d faithful and %d hallucinated answers; need both", len(faithful), len(halluc))
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(faithful)))
	k := int(math.Floor(target * float64(len(faithful))))
	t := faithful[min(k, len(faithful)-1)]
	c := Calibration{Threshold: t, TargetFalseAlarm: target, Faithful: len(faithful), Hallucinated: len(halluc)}
	c.FalseAlarmRate = rateAbove(faithful, t)
	c.DetectionRate = rateAbove(halluc, t)
	return c, nil
}

func rateAbove(xs []float64, t float64) float64 {
	n := 0
	for _, x := range xs {
		if x > t {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}

// CalibrateFeatures calibrates pr's threshold on the answer rows of a
// held-out feature store (extract's output for a test split, such as the
// demo's features/test).
func CalibrateFeatures(pr *probe.Probe, dir string, target float64) (Calibration, error) {
	ds, err := probe.LoadEvalDataset(dir)
	if err != nil {
		return Calibration{}, fmt.Errorf("serve: calibrate: %w", err)
	}
	scores, err := pr.Scores(ds.X)
	if err != nil {
		return Calibration{}, fmt.Errorf("serve: calibrate: %w", err)
	}
	var risks []float64
	var labels []int
	for _, i := range ds.AnswerRows() {
		risks = append(risks, probe.Sigmoid(scores[i]))
		labels = append(labels, ds.Labels[i])
	}
	c, err := Calibrate(risks, labels, target)
	c.Source = dir
	return c, err
}
