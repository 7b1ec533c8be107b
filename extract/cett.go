package extract

import (
	"context"
	"fmt"
	"math"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
)

// Agg is how CETT values are aggregated over a region's positions.
type Agg string

// Aggregations.
const (
	AggMean Agg = "mean"
	AggMax  Agg = "max"
)

// ParseAgg checks an aggregation name.
func ParseAgg(s string) (Agg, error) {
	switch Agg(s) {
	case AggMean, AggMax:
		return Agg(s), nil
	}
	return "", fmt.Errorf("extract: unknown aggregation %q (want mean or max)", s)
}

// Region indices of Result.Vec and Result.Count.
const (
	Input = iota
	Output
	Answer
	Other
	NumRegions
)

// RegionNames are the feature-store names of the regions, by index.
var RegionNames = [NumRegions]string{features.RegionInput, features.RegionOutput, features.RegionAnswer, features.RegionOther}

// RegionIndex returns the index of a region name.
func RegionIndex(name string) (int, error) {
	for i, n := range RegionNames {
		if n == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("extract: unknown region %q (want answer, other, input or output)", name)
}

// Position classes: a partition of an item's positions.
const (
	classInput  = iota // prompt
	classRest          // response outside the answer span
	classAnswer        // answer span
	numClasses
)

// Item is one teacher-forced sequence: prompt tokens then response tokens.
type Item struct {
	Tokens []int // [P+R] prompt then response tokens
	Prompt int   // P, the number of prompt tokens (>= 1)
	// AnswerStart and AnswerEnd delimit the answer tokens as positions in
	// Tokens, [AnswerStart, AnswerEnd) within [Prompt, len(Tokens)); equal
	// values mean an empty answer region.
	AnswerStart, AnswerEnd int
}

func (it *Item) class(pos int) int32 {
	switch {
	case pos < it.Prompt:
		return classInput
	case pos >= it.AnswerStart && pos < it.AnswerEnd:
		return classAnswer
	}
	return classRest
}

func (it *Item) check() error {
	if it.Prompt < 1 || it.Prompt > len(it.Tokens) {
		return fmt.Errorf("extract: item with %d tokens has %d prompt tokens", len(it.Tokens), it.Prompt)
	}
	if it.AnswerStart > it.AnswerEnd || (it.AnswerStart < it.AnswerEnd && (it.AnswerStart < it.Prompt || it.AnswerEnd > len(it.Tokens))) {
		return fmt.Errorf("extract: answer tokens [%d, %d) outside the response [%d, %d)", it.AnswerStart, it.AnswerEnd, it.Prompt, len(it.Tokens))
	}
	return nil
}

// Result holds one item's region vectors. The slices belong to the
// Extractor and are overwritten by its next Extract call.
type Result struct {
	Vec   [NumRegions][]float32 // [L*F] each, column l*F+j = neuron j of layer l
	Count [NumRegions]int       // positions in each region (0: empty region, zero vector)
}

// Extractor runs teacher-forced forward passes with a CETT tap. It is not
// safe for concurrent use.
type Extractor struct {
	m       *model.Model
	r       *model.Runner
	agg     Agg
	L, F, D int
	norms   [][]float32 // [L][F] ||W_down[:, j]||_2

	// Per forward call.
	z     []float32 // [T, F] view of the current layer's z, from MLPPost to MLPOut
	class []int32   // [T] accumulator block of each row: item*numClasses + class
	acc   []float32 // [items*numClasses, L*F] sum (or max) over positions of |z_t[j]| / (||h_t|| + eps)
	cnt   []int     // [items*numClasses] positions per block
	zRows int       // rows of the last MLPPost

	caches []*model.Cache
	segs   []model.Segment
	out    []Result
	vecs   []float32 // [items*NumRegions, L*F] backing store of out
}

// NewExtractor returns an Extractor for m aggregating with agg.
func NewExtractor(m *model.Model, agg Agg) (*Extractor, error) {
	if _, err := ParseAgg(string(agg)); err != nil {
		return nil, err
	}
	c := &m.Config
	e := &Extractor{m: m, r: m.NewRunner(), agg: agg, L: c.NLayers, F: c.DFF, D: c.DModel}
	e.norms = make([][]float32, e.L)
	for l := range e.norms {
		e.norms[l] = m.DownColumnNorms(l)
	}
	e.r.AddTap(&model.Tap{MLPPost: e.mlpPost, MLPOut: e.mlpOut})
	return e, nil
}

// Runner returns the extractor's runner (its tap attached), e.g. to attach
// further taps in tests.
func (e *Extractor) Runner() *model.Runner { return e.r }

// mlpPost keeps a view of z [T, F] of layer l until its h arrives: the
// model guarantees z unchanged until the layer's MLPOut taps return.
func (e *Extractor) mlpPost(l int, z []float32, rows int) {
	e.z = z[:rows*e.F]
	e.zRows = rows
}

// mlpOut adds (mean) or maxes (max) each row of |z| / (||h_t|| + 1e-8) into
// its block.
func (e *Extractor) mlpOut(l int, h []float32, rows int) {
	if rows != e.zRows {
		panic(fmt.Sprintf("extract: tap got %d h rows after %d z rows", rows, e.zRows))
	}
	F, D, LF := e.F, e.D, e.L*e.F
	for t := 0; t < rows; t++ {
		ht := h[t*D : (t+1)*D]
		s := float32(1 / (math.Sqrt(float64(kernels.Dot(ht, ht))) + 1e-8))
		b := int(e.class[t])
		dst := e.acc[b*LF+l*F : b*LF+(l+1)*F]
		src := e.z[t*F : (t+1)*F]
		dst = dst[:len(src)]
		if e.agg == AggMax {
			for j, v := range src {
				if v = abs32(v) * s; v > dst[j] {
					dst[j] = v
				}
			}
		} else {
			for j, v := range src {
				dst[j] += abs32(v) * s
			}
		}
	}
	e.z = nil
}

// abs32 returns |v| by clearing the sign bit.
func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// Extract runs items through the model in one forward call (one segment
// each) and returns their region vectors, in item order.
func (e *Extractor) Extract(ctx context.Context, items []Item) ([]Result, error) {
	T := 0
	for i := range items {
		if err := items[i].check(); err != nil {
			return nil, err
		}
		if max := e.m.Config.MaxSeq; max > 0 && len(items[i].Tokens) > max {
			return nil, fmt.Errorf("extract: sequence of %d tokens exceeds the model's context of %d", len(items[i].Tokens), max)
		}
		T += len(items[i].Tokens)
	}
	n, LF := len(items), e.L*e.F
	if cap(e.class) < T {
		e.class = make([]int32, T)
	}
	e.class = e.class[:T]
	if cap(e.acc) < n*numClasses*LF {
		e.acc = make([]float32, n*numClasses*LF)
	}
	e.acc = e.acc[:n*numClasses*LF]
	clear(e.acc)
	if cap(e.cnt) < n*numClasses {
		e.cnt = make([]int, n*numClasses)
	}
	e.cnt = e.cnt[:n*numClasses]
	clear(e.cnt)
	for len(e.caches) < n {
		e.caches = append(e.caches, e.m.NewCache(0))
	}
	e.segs = e.segs[:0]
	row := 0
	for i := range items {
		it := &items[i]
		for p := range it.Tokens {
			b := int32(i*numClasses) + it.class(p)
			e.class[row] = b
			e.cnt[b]++
			row++
		}
		e.caches[i].Reset()
		e.segs = append(e.segs, model.Segment{Cache: e.caches[i], Tokens: it.Tokens})
	}
	if n == 0 {
		return nil, nil
	}
	if err := e.r.Prefill(ctx, e.segs); err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	return e.combine(n), nil
}

// combine turns the class accumulators into region vectors: input = I,
// output = R ⊕ A, answer = A, other = I ⊕ R (⊕ is + for mean, max for max),
// times ||W_down[:, j]||, divided by the region's count for mean.
func (e *Extractor) combine(n int) []Result {
	LF, F := e.L*e.F, e.F
	if cap(e.vecs) < n*NumRegions*LF {
		e.vecs = make([]float32, n*NumRegions*LF)
	}
	e.vecs = e.vecs[:n*NumRegions*LF]
	if cap(e.out) < n {
		e.out = make([]Result, n)
	}
	e.out = e.out[:n]
	for i := 0; i < n; i++ {
		blk := func(c int) []float32 { return e.acc[(i*numClasses+c)*LF : (i*numClasses+c+1)*LF] }
		I, R, A := blk(classInput), blk(classRest), blk(classAnswer)
		nI, nR, nA := e.cnt[i*numClasses+classInput], e.cnt[i*numClasses+classRest], e.cnt[i*numClasses+classAnswer]
		res := &e.out[i]
		for g := 0; g < NumRegions; g++ {
			res.Vec[g] = e.vecs[(i*NumRegions+g)*LF : (i*NumRegions+g+1)*LF]
		}
		res.Count = [NumRegions]int{Input: nI, Output: nR + nA, Answer: nA, Other: nI + nR}
		parts := [NumRegions][2][]float32{Input: {I, nil}, Output: {R, A}, Answer: {A, nil}, Other: {I, R}}
		for g := 0; g < NumRegions; g++ {
			dst, a, b := res.Vec[g], parts[g][0], parts[g][1]
			copy(dst, a)
			if b != nil {
				if e.agg == AggMax {
					for j, v := range b {
						dst[j] = max(dst[j], v)
					}
				} else {
					kernels.Add(dst, dst, b)
				}
			}
			inv := float32(1)
			if e.agg == AggMean && res.Count[g] > 0 {
				inv = 1 / float32(res.Count[g])
			}
			for l := 0; l < e.L; l++ {
				row, nrm := dst[l*F:(l+1)*F], e.norms[l]
				for j := range row {
					row[j] *= nrm[j] * inv
				}
			}
		}
	}
	return e.out
}
