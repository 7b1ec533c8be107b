package main

import (
	"fmt"
	"io"

	"github.com/hneurons/hneurons/internal/progress"
)

// stages returns a progress callback for a job of named stages: one
// progress reporter per stage (a bar on a terminal, plain lines otherwise),
// and a line for stages of unknown size.
func stages(w io.Writer, prefix string) func(stage string, done, total int) {
	var cur *progress.Reporter
	curStage := ""
	return func(stage string, done, total int) {
		if stage != curStage {
			if cur != nil {
				cur.Done()
			}
			cur, curStage = progress.New(w, prefix+stage), stage
			if total <= 0 {
				fmt.Fprintf(w, "%s%s\n", prefix, stage)
				return
			}
		}
		if total > 0 {
			cur.Update(done, total, "")
		}
	}
}
