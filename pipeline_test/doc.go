// Package pipeline_test holds the end-to-end test of the identification
// pipeline: collect -> label -> split -> extract -> probe train, on the real
// tiny stories260K model with the base prompt format. It has no library code.
package pipeline_test
