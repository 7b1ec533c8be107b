// Package npy reads and writes NumPy .npy files (format versions 1.0, 2.0 and
// 3.0) holding one C-order (row-major) array, so that matrices computed in
// Python can be brought to hneurons and back.
//
// Read returns the header (dtype, shape) and the data converted on request:
// Float32 gives float32 values from float32, float64, integer and bool
// arrays; Labels gives 0/1 labels from integer, float or bool arrays. Fortran
// order is refused with a clear error rather than silently transposed.
// Write always produces version 1.0 (or 2.0 when the header needs it) with
// little-endian data.
package npy
