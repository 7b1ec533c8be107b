// Package gguf reads GGUF files, the single-file model format of llama.cpp and
// Ollama: a header, typed metadata key/value pairs, tensor descriptions and the
// aligned tensor data.
//
// Layout (all integers little-endian), versions 2 and 3:
//
//	magic "GGUF" | version u32 | tensor_count u64 | kv_count u64
//	kv_count x { key: string, value_type u32, value }
//	tensor_count x { name: string, n_dims u32, dims u64 x n_dims, type u32, offset u64 }
//	padding to general.alignment (default 32)
//	tensor data; each tensor at data_start + offset
//
// where string = u64 length + UTF-8 bytes and an array value = element type u32,
// count u64, elements. Dims are in ggml order: Dims[0] varies fastest, so an
// [N,K] row-major matrix (Hugging Face [out, in]) has Dims = [K, N].
//
// Open memory-maps the file; Parse works on any byte slice and never panics on
// malformed input: every length, count and offset is checked against the data,
// tensor sizes against overflow, tensor offsets against the alignment and
// against each other (no overlaps). Writer produces v3 (or v2) files with
// metadata of every type, for tests and for tools that save models.
package gguf
