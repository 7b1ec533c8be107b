package probe

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestAUROCMatchesSklearn(t *testing.T) {
	fx := loadFixtures(t)
	for i, c := range fx.AUROC {
		got := AUROC(c.Score, c.Y)
		if math.Abs(got-c.AUROC) > 1e-9 {
			t.Errorf("case %d: AUROC %.12f, roc_auc_score %.12f", i, got, c.AUROC)
		}
	}
	if !math.IsNaN(AUROC([]float64{1, 2}, []int{1, 1})) {
		t.Error("one-class AUROC is not NaN")
	}
}

func TestEvaluate(t *testing.T) {
	// 4 TP, 1 FP, 3 TN, 2 FN (hand-counted).
	scores := []float64{2, 1, 0.5, 0.1, 3, -1, -2, -3, -0.5, -0.2}
	labels := []int{1, 1, 1, 1, 0, 0, 0, 0, 1, 1}
	m := Evaluate(scores, labels, 200, 1)
	if m.Accuracy.Value != 0.7 || m.Precision.Value != 0.8 || math.Abs(float64(m.Recall.Value)-4.0/6) > 1e-15 {
		t.Fatalf("%+v", m)
	}
	if f1 := 2 * 0.8 * (4.0 / 6) / (0.8 + 4.0/6); math.Abs(float64(m.F1.Value)-f1) > 1e-15 {
		t.Fatalf("F1 %v want %v", m.F1.Value, f1)
	}
	for _, iv := range []Interval{m.Accuracy, m.Precision, m.Recall, m.F1, m.AUROC} {
		if !(iv.Lo <= iv.Value+1e-12 && iv.Value <= iv.Hi+1e-12) || iv.Lo == iv.Hi {
			t.Fatalf("interval %+v does not bracket its value", iv)
		}
	}
}

// TestNaNMetricsEncode checks that an undefined AUROC (one class) is written
// as null and read back as NaN instead of failing the JSON encoder.
func TestNaNMetricsEncode(t *testing.T) {
	m := Evaluate([]float64{1, -1, 2}, []int{1, 1, 1}, 20, 1)
	if !math.IsNaN(float64(m.AUROC.Value)) {
		t.Fatalf("AUROC %v, want NaN", m.AUROC.Value)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"auroc":{"value":null`) {
		t.Fatalf("encoded %s", b)
	}
	var back Metrics
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(float64(back.AUROC.Value)) || back.Accuracy.Value != m.Accuracy.Value {
		t.Fatalf("decoded %+v", back)
	}
}
