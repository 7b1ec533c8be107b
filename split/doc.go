// Package split divides labelled questions into disjoint train and test
// sets: reproducibly from a seed, optionally balanced (equal faithful and
// hallucinated), disjoint from earlier sets named by an Exclusion (by
// question id and by normalised question text), and grouped: every group of
// questions (record.Labelled.GroupKey, e.g. the organism's person) lies on
// one side, so a probe is never tested on a group it was trained on.
//
// Only records labelled faithful or hallucinated take part. Within the input,
// a repeated id or a repeated normalised question keeps its first record, so
// one question can never land in both sets.
package split
