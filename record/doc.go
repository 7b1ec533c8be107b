// Package record owns the files the pipeline's stages hand each other: the
// record types (Collected, written by collect and read by label; Labelled,
// written by label and split, read by split and extract), the JSONL reader
// for input files, the appender that resumes an output file, the
// provenance every output carries, and atomic whole-file writes (through
// internal/atomicfile, the one implementation).
//
// # Provenance
//
// Every JSONL file a stage writes starts with one line
//
//	{"hneurons_provenance": {"command": "collect", "options": {"seed": "1", ...},
//	  "model": {"identity": "<hex>", "path": "..."},
//	  "inputs": [{"role": "dataset", "path": "...", "digest": "sha256:<hex>"}],
//	  "version": "0.4.0", "revision": "<vcs commit>"}}
//
// naming the stage, the options that change what it writes (by their
// command-line flag names), the model's identity (model.Identity), its
// inputs and the program version. Feature stores keep the same object in
// index.json and probes in probe.json. Readers skip the line (datasets'
// generic JSONL reader too); tools that read the records directly can drop
// the first line (`tail -n +2`).
//
// A stage that resumes an output compares its own provenance with the
// file's (Check) and stops at the first difference with an error that names
// it ("was written with --seed 1; this run has --seed 2"), unless the user
// asks to start afresh (--fresh). Paths and the VCS revision are recorded
// but not compared: moving a file or rebuilding the program from a commit
// that leaves the outputs alone does not stop a resume; a new program
// Version does. An input that hneurons wrote is identified by the digest of
// its provenance, not of its content, so that a file which grew because the
// run writing it was resumed is still the same input; any other input by
// the SHA-256 of its content.
//
// # Reading and appending
//
// Scan reads an input: the last line counts even without a newline (only a
// last line that is not valid JSON, one a running stage is still writing,
// is skipped with a warning). Log and Appender write outputs one Write call
// per line; reopening one repairs a torn last line left by a killed run
// (kept when it is complete JSON, else cut). That repair happens only to a
// file being appended to, never to an input.
package record
