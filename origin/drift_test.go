package origin

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/npy"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
)

// driftReference is testdata/drift_reference.json, written by
// testdata/make_drift_reference.py (numpy and scipy, float64).
type driftReference struct {
	L             int          `json:"layers"`
	F             int          `json:"d_ff"`
	D             int          `json:"d_model"`
	H             [][2]int     `json:"h_neurons"`
	Gate          []float64    `json:"d_gate"`
	Up            []float64    `json:"d_up"`
	Down          []float64    `json:"d_down"`
	ZUp           []float64    `json:"z_up"`
	ZDown         []float64    `json:"z_down"`
	Score         []float64    `json:"score"`
	Rank          []float64    `json:"rank"`
	HMeanRank     float64      `json:"h_mean_rank"`
	WelchT        float64      `json:"welch_t"`
	WelchP        float64      `json:"welch_p"`
	WelchDF       float64      `json:"welch_df"`
	ExactPermP    float64      `json:"exact_permutation_p"`
	ExactMatchedP float64      `json:"exact_layer_matched_p"`
	StudentCDF    [][3]float64 `json:"student_cdf"`
	BetaInc       [][4]float64 `json:"betainc"`
}

func readRef(t *testing.T) driftReference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "drift_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r driftReference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func readNPY(t *testing.T, name string) []float32 {
	t.Helper()
	data, _, _, err := npy.ReadMatrix(filepath.Join("testdata", name+".npy"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func close(a, b, tol float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }

func TestDriftMatchesNumpyReference(t *testing.T) {
	r := readRef(t)
	L, F, D := r.L, r.F, r.D
	var gate, up, down []float64
	for l := 0; l < L; l++ {
		for _, m := range []struct {
			name string
			dst  *[]float64
			col  bool
		}{{"gate", &gate, false}, {"up", &up, false}, {"down", &down, true}} {
			a, b := readNPY(t, "base_"+m.name), readNPY(t, "tuned_"+m.name)
			n := F * D
			a, b = a[l*n:(l+1)*n], b[l*n:(l+1)*n]
			if m.col {
				*m.dst = append(*m.dst, columnDistances(a, b, D, F)...)
			} else {
				*m.dst = append(*m.dst, rowDistances(a, b, F, D)...)
			}
		}
	}
	var hs []probe.Neuron
	for _, h := range r.H {
		hs = append(hs, probe.Neuron{Layer: h[0], Neuron: h[1]})
	}
	res, err := Analyze(L, F, gate, up, down, DriftOptions{HNeurons: hs, Permutations: 20000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range res.Neurons {
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"d_gate", n.Gate, r.Gate[i]}, {"d_up", n.Up, r.Up[i]}, {"d_down", n.Down, r.Down[i]},
			{"z_up", n.ZUp, r.ZUp[i]}, {"z_down", n.ZDown, r.ZDown[i]}, {"score", n.Score, r.Score[i]}, {"rank", n.Rank, r.Rank[i]}} {
			if !close(c.got, c.want, 1e-9) {
				t.Errorf("neuron %d/%d %s = %.12g, numpy %.12g", n.Layer, n.Neuron, c.name, c.got, c.want)
			}
		}
	}
	if !close(float64(res.HMeanRank), r.HMeanRank, 1e-12) {
		t.Errorf("H mean rank %v, numpy %v", res.HMeanRank, r.HMeanRank)
	}
	if !close(res.Welch.T, r.WelchT, 1e-9) || !close(res.Welch.DF, r.WelchDF, 1e-9) || !close(res.Welch.P, r.WelchP, 1e-7) {
		t.Errorf("Welch %+v, scipy t %v df %v p %v", res.Welch, r.WelchT, r.WelchDF, r.WelchP)
	}
	// The Monte Carlo p-value against the exact one over all subsets: with
	// 20,000 draws its standard error here is about 0.0005.
	if math.Abs(res.Permutation.P-r.ExactPermP) > 0.003 {
		t.Errorf("permutation p %v, exact %v", res.Permutation.P, r.ExactPermP)
	}
	if math.Abs(res.LayerMatched.P-r.ExactMatchedP) > 0.01 {
		t.Errorf("layer-matched permutation p %v, exact %v", res.LayerMatched.P, r.ExactMatchedP)
	}
}

func TestStudentCDFAndBetaMatchScipy(t *testing.T) {
	r := readRef(t)
	for _, c := range r.StudentCDF {
		if got := StudentCDF(c[0], c[1]); !close(got, c[2], 1e-10) {
			t.Errorf("StudentCDF(%v, %v) = %.15g, scipy %.15g", c[0], c[1], got, c[2])
		}
	}
	for _, c := range r.BetaInc {
		if got := RegIncBeta(c[0], c[1], c[2]); !close(got, c[3], 1e-10) {
			t.Errorf("I_%v(%v, %v) = %.15g, scipy %.15g", c[2], c[0], c[1], got, c[3])
		}
	}
}

func TestNormalizedRanksTies(t *testing.T) {
	got := NormalizedRanks([]float64{3, 1, 3, 2})
	want := []float64{1.0 / 6, 1, 1.0 / 6, 2.0 / 3} // ranks 0.5, 3, 0.5, 2 over 3
	for i := range want {
		if !close(got[i], want[i], 1e-15) {
			t.Fatalf("ranks %v, want %v", got, want)
		}
	}
}

// A drift study without H-Neurons writes its report (NaN tests as null);
// it used to fail with "json: unsupported value: NaN".
func TestWriteDriftWithoutHNeurons(t *testing.T) {
	L, F := 2, 3
	d := []float64{0.1, 0.2, 0.3, 0.1, 0.5, 0.2}
	res, err := Analyze(L, F, d, d, d, DriftOptions{Permutations: 10})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteDrift(dir, record.New("drift", nil), res); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, DriftJSON))
	if err != nil {
		t.Fatal(err)
	}
	var back DriftReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.Permutation.P) || !math.IsNaN(back.Welch.P) || back.Permutation.Draws != 10 {
		t.Errorf("read back %+v %+v", back.Permutation, back.Welch)
	}
}

// When the H-Neurons are exactly the largest-norm neurons and drift falls
// with norm, the plain permutation test is significant and the norm-matched
// one is not: it compares them only with neurons of their own norm decile.
func TestNormMatchedPermutation(t *testing.T) {
	const F = 100
	d := make([]float64, F)
	norms := make([]float64, F)
	var hs []probe.Neuron
	for j := range d {
		norms[j] = float64(j)
		d[j] = 1 / float64(j+1) // larger norm, less drift, higher rank
		if j >= F-10 {
			hs = append(hs, probe.Neuron{Layer: 0, Neuron: j})
		}
	}
	res, err := Analyze(1, F, d, d, d, DriftOptions{HNeurons: hs, Permutations: 200, Seed: 3, DownNorms: norms})
	if err != nil {
		t.Fatal(err)
	}
	if !(res.Permutation.P < 0.01) || res.NormMatched.P != 1 {
		t.Errorf("plain p %v, norm-matched p %v; want < 0.01 and 1", res.Permutation.P, res.NormMatched.P)
	}
}
