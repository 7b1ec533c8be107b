package model

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/hneurons/hneurons/kernels"
)

// Shape returns the Config of a well-known model, for benchmarking with
// RandomInit without its weights: "qwen2.5-0.5b", "qwen2.5-1.5b",
// "llama-3.2-1b", "stories260k", and "qwen2-tiny" (not a real model: a
// qwen2 of 4 layers whose widths are multiples of 256, so that llama.cpp's
// k-quants apply to every matrix; for quick side-by-side runs).
func Shape(name string) (Config, error) {
	switch strings.ToLower(name) {
	case "qwen2.5-0.5b":
		return Config{
			Arch: "qwen2", DModel: 896, NLayers: 24, DFF: 4864, NHeads: 14, NKVHeads: 2, HeadDim: 64,
			Vocab: 151936, MaxSeq: 32768, NormEps: 1e-6, RopeTheta: 1e6,
			QueryScale: float32(1 / math.Sqrt(64)), TiedEmbeddings: true,
		}, nil
	case "qwen2.5-1.5b":
		return Config{
			Arch: "qwen2", DModel: 1536, NLayers: 28, DFF: 8960, NHeads: 12, NKVHeads: 2, HeadDim: 128,
			Vocab: 151936, MaxSeq: 32768, NormEps: 1e-6, RopeTheta: 1e6,
			QueryScale: float32(1 / math.Sqrt(128)), TiedEmbeddings: true,
		}, nil
	case "qwen2-tiny":
		return Config{
			Arch: "qwen2", DModel: 256, NLayers: 4, DFF: 768, NHeads: 4, NKVHeads: 2, HeadDim: 64,
			Vocab: 4096, MaxSeq: 4096, NormEps: 1e-6, RopeTheta: 1e6,
			QueryScale: float32(1 / math.Sqrt(64)), TiedEmbeddings: true,
		}, nil
	case "llama-3.2-1b":
		return Config{
			Arch: "llama", DModel: 2048, NLayers: 16, DFF: 8192, NHeads: 32, NKVHeads: 8, HeadDim: 64,
			Vocab: 128256, MaxSeq: 131072, NormEps: 1e-5, RopeTheta: 500000,
			RopeScaling: RopeScaling{Type: "llama3", Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPos: 8192},
			QueryScale:  float32(1 / math.Sqrt(64)), TiedEmbeddings: true,
		}, nil
	case "stories260k":
		return Config{
			Arch: "llama", DModel: 64, NLayers: 5, DFF: 172, NHeads: 8, NKVHeads: 4, HeadDim: 8,
			Vocab: 512, MaxSeq: 512, NormEps: 1e-5, RopeTheta: 10000, RopeLayout: RopeInterleaved,
			QueryScale: float32(1 / math.Sqrt(8)),
		}, nil
	}
	return Config{}, fmt.Errorf("model: unknown shape %q (known: qwen2.5-0.5b, qwen2.5-1.5b, qwen2-tiny, llama-3.2-1b, stories260k)", name)
}

// RandomInit builds a model of the given configuration with random weights
// (uniform with std 1/sqrt(fan-in); norm weights 1) stored as dtype (F32, F16 or
// BF16), seeded deterministically. Biases are added when the family has them
// (qwen2). It exists for benchmarks and tests that need a model of a real
// shape without its files.
func RandomInit(cfg Config, dtype kernels.DType, seed uint64) (*Model, error) {
	if cfg.QueryScale == 0 && cfg.HeadDim > 0 {
		cfg.QueryScale = float32(1 / math.Sqrt(float64(cfg.HeadDim)))
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch dtype {
	case kernels.F32, kernels.F16, kernels.BF16:
	default:
		return nil, fmt.Errorf("model: random init: dtype %v not supported (want F32, F16 or BF16)", dtype)
	}
	rng := rand.New(rand.NewPCG(seed, randomSeed))
	D, F, Dh := cfg.DModel, cfg.DFF, cfg.HeadDim
	qd, kvd := cfg.NHeads*Dh, cfg.NKVHeads*Dh
	mat := func(n, k int) *kernels.Matrix {
		m, err := kernels.Pack(randomMatrix(rng, dtype, n, k), dtype, n, k)
		if err != nil {
			panic(err) // sizes computed above
		}
		return m
	}
	ones := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
			if cfg.NormAddOne {
				v[i] = 0
			}
		}
		return v
	}
	vec := func(n int) []float32 { return randomBias(rng, n) }
	w := &weights{layers: make([]layerWeights, cfg.NLayers)}
	w.embed = mat(cfg.Vocab, D)
	w.outNorm = ones(D)
	if cfg.TiedEmbeddings {
		w.output = w.embed
	} else {
		w.output = mat(cfg.Vocab, D)
	}
	for l := range w.layers {
		lw := &w.layers[l]
		lw.attnNorm = ones(D)
		lw.wq, lw.wk, lw.wv = mat(qd, D), mat(kvd, D), mat(kvd, D)
		if cfg.Arch == "qwen2" {
			lw.bq, lw.bk, lw.bv = vec(qd), vec(kvd), vec(kvd)
		}
		if cfg.QKNorm {
			lw.qNorm, lw.kNorm = ones(Dh), ones(Dh)
		}
		lw.wo = mat(D, qd)
		lw.ffnNorm = ones(D)
		if cfg.PostNorms {
			lw.attnPost, lw.ffnPost = ones(D), ones(D)
		}
		lw.wGate, lw.wUp, lw.wDown = mat(F, D), mat(F, D), mat(D, F)
	}
	m := newModel(cfg, w, nil, GenerationDefaults{BOS: -1}, "", "random")
	m.randomID = randomIdentity(cfg, dtype, seed)
	return m, nil
}

// randomSeed is the second word of RandomInit's and WriteRandomHF's PCG
// stream, so that both draw the same values for the same seed.
const randomSeed = 0x6e6575726f6e73

// randomMatrix draws an (n, k) matrix uniform on [-a, a] with
// a = sqrt(3)/sqrt(k) (std 1/sqrt(k), cheap to draw) as little-endian
// dtype (F32, F16 or BF16) bytes.
func randomMatrix(rng *rand.Rand, dtype kernels.DType, n, k int) []byte {
	a := math.Sqrt(3) / math.Sqrt(float64(k))
	size := 4
	if dtype != kernels.F32 {
		size = 2
	}
	buf := make([]byte, n*k*size) // [n, k] in dtype
	for i := 0; i < n*k; i++ {
		v := float32((float64(rng.Uint32())/(1<<31) - 1) * a)
		switch dtype {
		case kernels.F32:
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		case kernels.F16:
			binary.LittleEndian.PutUint16(buf[2*i:], kernels.ToF16(v))
		default:
			binary.LittleEndian.PutUint16(buf[2*i:], kernels.ToBF16(v))
		}
	}
	return buf
}

// randomBias draws n values from N(0, 0.1^2) (qwen2's q/k/v biases).
func randomBias(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * 0.1)
	}
	return v
}
