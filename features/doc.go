// Package features stores the CETT feature vectors that the extract stage
// writes and the probe reads: one float32 vector of layers x d_ff values per
// (response, region) row.
//
// # Format
//
// A feature store is a directory holding two files:
//
//   - features.f32: a little-endian float32 matrix in row-major order, with no
//     header. Row r occupies bytes [r*columns*4, (r+1)*columns*4). Within a
//     row, column c is neuron c % d_ff of layer c / d_ff (when the store was
//     written from a model; a store built from a plain matrix has layers = 1
//     and d_ff = columns).
//
//   - index.json: the description of the matrix,
//
//     {"version": 1, "model_fingerprint": "...", "layers": 32, "d_ff": 14336,
//     "columns": 458752, "rows": [{"id": "q17#3", "label": 1,
//     "region": "answer", "empty": false}, ...]}
//
//     where rows[r] describes row r of features.f32. label is 1 for a
//     hallucinated response and 0 for a faithful one; region is "answer",
//     "other", "input" or "output"; empty marks a row whose region held no
//     tokens (its vector is all zeros and the probe skips it).
//
// The index is the source of truth: a Writer appends the vector first and then
// rewrites index.json atomically (temporary file and rename), so after a
// crash the matrix may hold a partial row that the index does not list. When a
// Writer reopens a store it truncates features.f32 to the rows the index
// records, which makes extraction resumable with Writer.Has.
//
// A Reader reads rows with ReadAt (no copy of the whole matrix is made), and
// ExportNPY writes a store as X.npy, y.npy and ids.txt for Python users.
package features
