// Package browsertest finds the headless browser that the project's
// browser tests (the report, the serve page) drive through chromedp.
package browsertest

import (
	"os/exec"
	"testing"
)

// Chromium returns the path of a Chromium binary, or skips the test:
// .ci/run installs Debian's chromium, so CI always has one.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on PATH (apt-get install chromium; .ci/run does it)")
	return ""
}
