// Package features stores the CETT feature vectors that the extract stage
// writes and the probe reads: one float32 vector of layers x d_ff values per
// (response, region) row.
//
// # Format
//
// A feature store is a directory holding three files:
//
//   - features.f32: a little-endian float32 matrix in row-major order, with no
//     header. Row r occupies bytes [r*columns*4, (r+1)*columns*4). Within a
//     row, column c is neuron c % d_ff of layer c / d_ff (when the store was
//     written from a model; a store built from a plain matrix has layers = 1
//     and d_ff = columns).
//
//   - rows.jsonl: one JSON line per matrix row, in order, each the row's
//     record as in index.json below ({"id": "q17#3", "label": 1,
//     "region": "answer", "empty": false}).
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
// A Writer appends in O(row): the vector to features.f32, then its line to
// rows.jsonl, one write each; it syncs both (matrix first) every
// Writer.SyncRows rows or Writer.SyncInterval, and on Flush and Close, which
// also rewrite index.json atomically (temporary file and rename) with every
// row. So index.json is complete after Close, while rows.jsonl is the record
// of an unfinished or interrupted run: ReadIndex and Open take the rows from
// the complete lines of rows.jsonl when it exists (a torn last line is
// ignored), capped at the whole rows features.f32 holds. A reopened Writer
// truncates both files to those rows, which makes extraction resumable with
// Writer.Has. A store with index.json and features.f32 only (written by an
// older version or by hand) is still read from index.json, and a Writer
// reopening it first writes rows.jsonl from that index.
//
// A Reader reads rows with ReadAt (no copy of the whole matrix is made), and
// ExportNPY writes a store as X.npy, y.npy and ids.txt for Python users.
package features
