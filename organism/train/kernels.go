package train

import "github.com/hneurons/hneurons/kernels"

// float32 GEMMs use the project's kernels (AVX2/FMA assembly where the CPU
// has it, both cores); float64 (the gradient check) uses the portable loops.
func init() { fastSgemm = kernels.Sgemm }
