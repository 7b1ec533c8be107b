// Package intervene measures what the H-Neurons do (METHOD.md section 5):
// it scales their activations, z_j <- alpha * z_j, through the model's
// per-neuron scale vectors (model.Runner.SetScale: one loaded model serves
// every alpha, no copied weights), generates the responses to behavioural
// benchmarks (package compliance) with the paper's decoding, judges them,
// and turns the verdicts into compliance-versus-alpha curves with
// bootstrap intervals and slopes per unit alpha with a paired bootstrap
// over items, for the H-Neurons and for random neuron sets of the same
// size.
//
// Neuron sets (Set): the probe's H-Neurons; layer-matched controls (as many
// random neurons in each layer as the H-Neurons have there); unconstrained
// controls (as many random neurons anywhere). Controls never contain an
// H-Neuron and are drawn from a seeded stream, so the same seed gives the
// same sets.
//
// Run writes one Record per (set, alpha, item) to a JSONL file with
// provenance (package record), in a fixed order, as soon as each batch of
// items is done; it can be killed and rerun and continues where it
// stopped, giving the same file. Every item is sampled with a seed derived
// from the run seed and its id (collect.QuestionSeed), the same for every
// set and alpha: the conditions are compared on common random numbers.
//
// Summarize reads the records back: per (benchmark, set, alpha) the
// compliance rate (compliant / judged) with a bootstrap interval, the
// unjudged and skipped counts, the truncation rate and the mean response
// length; per (benchmark, set) the least-squares slope of the rate in
// points per unit alpha with a paired bootstrap interval (the same item
// resample at every alpha); per control kind the mean slope over its sets
// and the H-Neurons' slope minus it, with intervals from the same
// resamples.
package intervene
