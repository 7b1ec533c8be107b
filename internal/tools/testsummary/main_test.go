package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	in := `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA","Elapsed":0.01}
{"Action":"output","Package":"p","Test":"TestB","Output":"    x_test.go:9: sharedtest: ../shared is absent; skipping\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"--- SKIP: TestB (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestB"}
{"Action":"pass","Package":"p","Elapsed":0.5}
{"Action":"output","Package":"q","Test":"TestC","Output":"    c_test.go:3: boom\n"}
{"Action":"fail","Package":"q","Test":"TestC"}
{"Action":"fail","Package":"q","Elapsed":0.2}
`
	var out bytes.Buffer
	failed, err := summarize(strings.NewReader(in), &out)
	if err != nil || !failed {
		t.Fatalf("failed %v err %v", failed, err)
	}
	got := out.String()
	for _, want := range []string{"ok  \tp\t0.500s", "FAIL\tq", "--- FAIL: TestC (q)", "boom",
		"tests: 3 ran: 1 passed, 1 failed, 1 skipped", "skipped p TestB: x_test.go:9: sharedtest: ../shared is absent; skipping"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	out.Reset()
	if failed, _ := summarize(strings.NewReader(in[:strings.Index(in, `{"Action":"output","Package":"q"`)]), &out); failed {
		t.Errorf("passing run reported as failed:\n%s", out.String())
	}
}
