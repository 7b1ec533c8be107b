// Package shard splits the two expensive stages of the chain, collect and
// extract, over machines, and joins their outputs again (hneurons merge).
//
// # The spec
//
// A shard is written "i/n": shard i of n, 0-based, 0 <= i < n, so that a
// Kubernetes Indexed Job's JOB_COMPLETION_INDEX (0 to completions-1) is the
// index as it stands: --shard $JOB_COMPLETION_INDEX/N. The empty spec (and
// "0/1") means the whole input.
//
// # The partition
//
// A question id belongs to shard
//
//	binary.BigEndian.Uint64(SHA-256("hneurons-shard\x00" + id)[:8]) mod n
//
// (Of), a function of the id and n only: it does not depend on the order
// of the input, on what else the input holds, or on which other shards run,
// so every machine agrees on the partition without talking to the others,
// and a shard rerun after a crash gets the same questions. The shards of n
// are disjoint and together hold every id. Partitions for different n are
// unrelated (growing n moves most ids).
//
// A sharded stage reads the whole input, keeps its own ids, and records
// "shard": "i/n" among the options of its output's provenance; everything
// else in the provenance (the input's digest included) is what the
// unsharded run records. A sharded collect applies --max-questions to the
// whole input before it keeps its own ids, so the shards of a run together
// ask exactly the questions an unsharded run asks.
//
// # Merging
//
// Merge joins the outputs of one stage's n shards. It refuses shards whose
// provenance differs other than by the shard, a shard count that differs,
// a missing or repeated shard, an id in a shard it does not belong to, an
// id in two shards (or twice in one), and an id that is not in the input.
// It writes the records in the input's order, which it reads from the
// stage's input (the dataset for collect, the labelled file for extract;
// the path recorded in the provenance unless another is given), after
// checking that input's digest against the provenance. The merged output
// carries the shards' provenance without the shard, so it is, record for
// record, the file the unsharded run writes: a collect merge copies the
// shards' lines byte for byte, a feature-store merge copies rows and their
// float32 values bit for bit (the extract stage's values depend on how its
// responses are batched, so a merged store equals an unsharded one bit for
// bit when both ran with --batch 1; see MergeFeatures).
package shard
