package extract

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
)

func tinyModel(t testing.TB, arch string, seed uint64) *model.Model {
	t.Helper()
	cfg, err := model.Shape("stories260k")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Vocab = 100
	if arch != "" {
		cfg.Arch = arch
	}
	m, err := model.RandomInit(cfg, kernels.F32, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testItems() []Item {
	seq := func(n, off int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = (i*7 + off) % 100
		}
		return s
	}
	return []Item{
		{Tokens: seq(9, 1), Prompt: 5, AnswerStart: 6, AnswerEnd: 8},
		{Tokens: seq(4, 3), Prompt: 4, AnswerStart: 4, AnswerEnd: 4}, // empty response
		{Tokens: seq(12, 5), Prompt: 3, AnswerStart: 3, AnswerEnd: 12},
		{Tokens: seq(7, 2), Prompt: 2, AnswerStart: 2, AnswerEnd: 2}, // answer not found
	}
}

// rawTap copies z and h of every layer, for the float64 reference.
type rawTap struct {
	F, D int
	z, h [][]float32 // [L][T*F], [L][T*D]
}

func (r *rawTap) tap() *model.Tap {
	return &model.Tap{
		MLPPost: func(l int, z []float32, rows int) { r.z[l] = slices.Clone(z[:rows*r.F]) },
		MLPOut:  func(l int, h []float32, rows int) { r.h[l] = slices.Clone(h[:rows*r.D]) },
	}
}

// reference computes the region vectors of item i in float64 from raw z, h
// and W_down, as METHOD.md section 3 states them.
func reference(t *testing.T, m *model.Model, raw *rawTap, items []Item, agg Agg) [][NumRegions][]float64 {
	c := m.Config
	L, F, D := c.NLayers, c.DFF, c.DModel
	norms := make([][]float64, L)
	for l := range norms {
		w, err := m.LayerWeights(model.WeightDown, l) // [D, F]
		if err != nil {
			t.Fatal(err)
		}
		norms[l] = make([]float64, F)
		for j := 0; j < F; j++ {
			s := 0.0
			for d := 0; d < D; d++ {
				v := float64(w[d*F+j])
				s += v * v
			}
			norms[l][j] = math.Sqrt(s)
		}
	}
	out := make([][NumRegions][]float64, len(items))
	row0 := 0
	for i, it := range items {
		in := func(g, p int) bool {
			ans := p >= it.AnswerStart && p < it.AnswerEnd
			switch g {
			case Input:
				return p < it.Prompt
			case Output:
				return p >= it.Prompt
			case Answer:
				return ans
			default:
				return !ans
			}
		}
		for g := 0; g < NumRegions; g++ {
			v := make([]float64, L*F)
			n := 0
			for p := range it.Tokens {
				if !in(g, p) {
					continue
				}
				n++
				t := row0 + p
				for l := 0; l < L; l++ {
					hn := 0.0
					for _, x := range raw.h[l][t*D : (t+1)*D] {
						hn += float64(x) * float64(x)
					}
					hn = math.Sqrt(hn)
					for j := 0; j < F; j++ {
						cett := math.Abs(float64(raw.z[l][t*F+j])) * norms[l][j] / (hn + 1e-8)
						if agg == AggMax {
							v[l*F+j] = math.Max(v[l*F+j], cett)
						} else {
							v[l*F+j] += cett
						}
					}
				}
			}
			if agg == AggMean && n > 0 {
				for k := range v {
					v[k] /= float64(n)
				}
			}
			out[i][g] = v
		}
		row0 += len(it.Tokens)
	}
	return out
}

func TestCETTMatchesFloat64(t *testing.T) {
	for _, arch := range []string{"llama", "qwen2"} {
		for _, agg := range []Agg{AggMean, AggMax} {
			m := tinyModel(t, arch, 11)
			e, err := NewExtractor(m, agg)
			if err != nil {
				t.Fatal(err)
			}
			raw := &rawTap{F: m.Config.DFF, D: m.Config.DModel, z: make([][]float32, m.Config.NLayers), h: make([][]float32, m.Config.NLayers)}
			e.Runner().AddTap(raw.tap())
			items := testItems()
			res, err := e.Extract(context.Background(), items)
			if err != nil {
				t.Fatal(err)
			}
			want := reference(t, m, raw, items, agg)
			worst := 0.0
			for i := range items {
				for g := 0; g < NumRegions; g++ {
					got := res[i].Vec[g]
					empty := true
					for k, w := range want[i][g] {
						empty = empty && w == 0
						d := math.Abs(float64(got[k])-w) / math.Max(math.Abs(w), 1e-6)
						worst = math.Max(worst, d)
						if d > 1e-5 {
							t.Fatalf("%s %s item %d region %s column %d: got %g want %g", arch, agg, i, RegionNames[g], k, got[k], w)
						}
					}
					if empty != (res[i].Count[g] == 0) {
						t.Errorf("%s %s item %d region %s: count %d, reference all zero %v", arch, agg, i, RegionNames[g], res[i].Count[g], empty)
					}
				}
			}
			t.Logf("%s %s: worst relative error %.2g", arch, agg, worst)
		}
	}
}

// Responses batched into one forward call give the vectors they give alone.
func TestBatchingIndependent(t *testing.T) {
	m := tinyModel(t, "", 5)
	e, _ := NewExtractor(m, AggMean)
	items := testItems()
	all, err := e.Extract(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	var together [][NumRegions][]float32
	for _, r := range all {
		var c [NumRegions][]float32
		for g := range c {
			c[g] = slices.Clone(r.Vec[g])
		}
		together = append(together, c)
	}
	for i := range items {
		one, err := e.Extract(context.Background(), items[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		for g := 0; g < NumRegions; g++ {
			for k, v := range one[0].Vec[g] {
				w := together[i][g][k]
				// The engine sums in another order for other batch shapes (GEMM vs
				// matrix-vector paths), so allow float32 rounding differences.
				if math.Abs(float64(v-w)) > 1e-4*math.Max(math.Abs(float64(w)), 1e-3) {
					t.Fatalf("item %d region %s column %d: alone %g, batched %g", i, RegionNames[g], k, v, w)
				}
			}
		}
	}
}

// The tap itself allocates nothing once its buffers have grown.
func TestTapAllocatesNothing(t *testing.T) {
	m := tinyModel(t, "", 5)
	e, _ := NewExtractor(m, AggMean)
	items := testItems()
	if _, err := e.Extract(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	T := len(e.class)
	z := make([]float32, T*e.F)
	h := make([]float32, T*e.D)
	for i := range h {
		h[i] = 1
	}
	for _, agg := range []Agg{AggMean, AggMax} {
		e.agg = agg
		n := testing.AllocsPerRun(20, func() {
			for l := 0; l < e.L; l++ {
				e.mlpPost(l, z, T)
				e.mlpOut(l, h, T)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per forward's worth of tap calls", agg, n)
		}
	}
}

func TestItemChecks(t *testing.T) {
	m := tinyModel(t, "", 5)
	e, _ := NewExtractor(m, AggMean)
	bad := []Item{
		{Tokens: []int{1, 2}, Prompt: 0},
		{Tokens: []int{1, 2}, Prompt: 3},
		{Tokens: []int{1, 2, 3}, Prompt: 1, AnswerStart: 0, AnswerEnd: 2},
		{Tokens: []int{1, 2, 3}, Prompt: 1, AnswerStart: 2, AnswerEnd: 4},
		{Tokens: []int{1, 2, 3}, Prompt: 1, AnswerStart: 3, AnswerEnd: 2},
	}
	for i, it := range bad {
		if _, err := e.Extract(context.Background(), []Item{it}); err == nil {
			t.Errorf("bad item %d accepted", i)
		}
	}
	if _, err := NewExtractor(m, "median"); err == nil {
		t.Error("unknown aggregation accepted")
	}
}

// Prefill (which Extract uses) hands the taps the same z and h, bit for bit,
// as Forward, and z stays unchanged from MLPPost until the layer's MLPOut
// (the model's guarantee that lets the extractor keep a view, not a copy).
func TestPrefillTapsMatchForward(t *testing.T) {
	for _, arch := range []string{"", "gemma2"} {
		m := tinyModel(t, arch, 3)
		c := &m.Config
		var segs []model.Segment
		for _, it := range testItems() {
			segs = append(segs, model.Segment{Cache: m.NewCache(0), Tokens: it.Tokens})
		}
		run := func(prefill bool) *rawTap {
			raw := &rawTap{F: c.DFF, D: c.DModel, z: make([][]float32, c.NLayers), h: make([][]float32, c.NLayers)}
			r := m.NewRunner()
			r.AddTap(raw.tap())
			var view []float32
			r.AddTap(&model.Tap{
				MLPPost: func(l int, z []float32, rows int) { view = z[:rows*c.DFF] },
				MLPOut: func(l int, h []float32, rows int) {
					if !slices.Equal(view, raw.z[l]) {
						t.Errorf("%s layer %d: z changed between MLPPost and MLPOut", arch, l)
					}
				},
			})
			for _, s := range segs {
				s.Cache.Reset()
			}
			var err error
			if prefill {
				err = r.Prefill(context.Background(), segs)
			} else {
				_, err = r.Forward(context.Background(), segs, false)
			}
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
		p, f := run(true), run(false)
		for l := 0; l < c.NLayers; l++ {
			if !slices.Equal(p.z[l], f.z[l]) || !slices.Equal(p.h[l], f.h[l]) {
				t.Fatalf("%s layer %d: Prefill taps differ from Forward's", arch, l)
			}
		}
	}
}
