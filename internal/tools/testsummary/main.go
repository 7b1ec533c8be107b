// Command testsummary reads the output of `go test -json` on standard input
// and prints what `go test` prints (a line per package, the output of every
// failed test, build errors), then how many tests passed, failed and were
// skipped, with each skipped test and its reason. .ci/run pipes the test
// suite through it so that a check that quietly stopped running shows up.
// It exits with status 1 when a test or a build failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Elapsed    float64
	Output     string
	ImportPath string
}

type key struct{ pkg, test string }

func main() {
	failed, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// summarize prints the summary of the events read from r and reports
// whether anything failed.
func summarize(r io.Reader, w io.Writer) (bool, error) {
	output := map[key][]string{} // output per test ("" test: the package)
	build := map[string][]string{}
	var passed, failedTests, skipped []key
	failedPkgs := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// Not JSON: something go test printed itself (e.g. a build error in older toolchains).
			fmt.Fprintln(w, string(line))
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			build[e.ImportPath] = append(build[e.ImportPath], e.Output)
		case "build-fail":
			fmt.Fprintf(w, "build failed: %s\n%s", e.ImportPath, strings.Join(build[e.ImportPath], ""))
		case "output":
			output[k] = append(output[k], e.Output)
		case "pass", "fail", "skip":
			if e.Test == "" {
				printPackage(w, e, output[k])
				if e.Action == "fail" {
					failedPkgs++
				}
				continue
			}
			switch e.Action {
			case "pass":
				passed = append(passed, k)
			case "fail":
				failedTests = append(failedTests, k)
				fmt.Fprintf(w, "--- FAIL: %s (%s)\n%s", e.Test, e.Package, strings.Join(output[k], ""))
			case "skip":
				skipped = append(skipped, k)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	fmt.Fprintf(w, "\ntests: %d ran: %d passed, %d failed, %d skipped\n",
		len(passed)+len(failedTests)+len(skipped), len(passed), len(failedTests), len(skipped))
	sort.Slice(skipped, func(i, j int) bool {
		if skipped[i].pkg != skipped[j].pkg {
			return skipped[i].pkg < skipped[j].pkg
		}
		return skipped[i].test < skipped[j].test
	})
	for _, k := range skipped {
		fmt.Fprintf(w, "  skipped %s %s: %s\n", k.pkg, k.test, skipReason(output[k]))
	}
	return failedPkgs > 0 || len(failedTests) > 0, nil
}

// printPackage prints the package line go test prints.
func printPackage(w io.Writer, e event, out []string) {
	el := time.Duration(e.Elapsed * float64(time.Second)).Round(time.Millisecond)
	switch e.Action {
	case "pass":
		fmt.Fprintf(w, "ok  \t%s\t%.3fs\n", e.Package, el.Seconds())
	case "skip":
		fmt.Fprintf(w, "?   \t%s\t[no test files]\n", e.Package)
	default:
		// Package-level output holds panics and messages outside any test.
		for _, o := range out {
			if !strings.HasPrefix(o, "FAIL") && !strings.HasPrefix(o, "ok") {
				fmt.Fprint(w, o)
			}
		}
		fmt.Fprintf(w, "FAIL\t%s\t%.3fs\n", e.Package, el.Seconds())
	}
}

// skipReason returns the message a skipped test gave (the lines after its
// --- SKIP line, or the last line it printed).
func skipReason(out []string) string {
	var msg []string
	for _, o := range out {
		t := strings.TrimSpace(o)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		msg = append(msg, t)
	}
	if len(msg) == 0 {
		return "(no reason given)"
	}
	return strings.Join(msg, " ")
}
