// Package safetensors reads and writes the safetensors weight format used by
// Hugging Face model folders.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON describing each tensor (dtype, shape, data_offsets relative to the end
// of the header) plus an optional "__metadata__" string map, then the tensor
// bytes, packed without holes. Open memory-maps a file and validates all of
// this before handing out tensors as slices of the mapping; OpenDir opens a
// model folder, sharded or not, as one namespace; Write and Create produce
// valid files from float32, float16 or bfloat16 data.
package safetensors
