// Package pipeline runs the identification chain on one model and one
// dataset as a graph of stages — collect, label, split, extract, train,
// eval, and when configured transfer and report — each calling the same
// library functions as its hneurons subcommand, all writing into one run
// folder (the layout hneurons report reads).
//
// A Config (run.toml, keys named like the stage commands' flags) records
// every option; the folder keeps the effective one. Each stage leaves a
// Stamp (stamps/STAGE.json): a key over its options, the identities of the
// models and dataset it reads and the identities of its upstream stages'
// outputs, and the identity of each output it wrote. A rerun skips a stage
// whose key and outputs are unchanged, resumes one that was interrupted
// (the libraries resume their own outputs, checking their provenance),
// and redoes from scratch a stage whose options or inputs changed, which
// changes the keys of every stage after it.
package pipeline
