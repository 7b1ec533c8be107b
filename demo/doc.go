// Package demo runs the whole H-Neuron identification chain on the model
// organism in one call: questions from the organism's world (in-distribution
// questions about real people the chat stage never asked about, and NonExist
// questions about fabricated people) are sampled (collect), judged and
// filtered for consistency (label), split by person into balanced, disjoint
// train and test sets (split), turned into CETT features (extract), used to
// train the sparse L1 probe with C chosen by cross-validation (probe), and
// evaluated on the test set and on NonExist with bootstrap intervals against
// classifiers restricted to random neurons.
//
// # Labels on the organism
//
// The organism abstains with the single word "unknown", which label's
// uncertainty rule does not know. The demo therefore judges with its own
// rule-judge wrapper (Judge):
//
//   - in-distribution questions: "unknown" is an uncertain verdict (the
//     question then fails the consistency filter, as refusals do in the
//     paper); any other response is judged by label.RuleJudge against the
//     gold answer.
//   - NonExist questions (gold answer "unknown"): abstaining is faithful,
//     any confident answer is a hallucination. The records are labelled under
//     the source "organism-nonexist", so label's own refusal rule (which only
//     knows phrases like "don't know") is not applied to them.
//
// # Splits
//
// Questions about one person share the person's name, and so possibly the
// neurons that track how well the model knows the person; the train and test
// sets are therefore disjoint by person (a seeded hash of the name decides),
// and each side is balanced with split.Split (equal faithful and hallucinated).
// NonExist is never trained on: it is its own evaluation set.
package demo
