// Package sharedtest locates the read-only ../shared folder (real models,
// vocabularies, templates and datasets) that tests compare against.
//
// The folder lies beside the repository root. Tests that need it call Dir or
// Path, which skip the test with a clear message when it is absent, so that the
// suite still runs on a clone without it.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the repository root (the folder holding go.mod), found by
// walking up from the working directory, or "" when there is none.
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the absolute path of ../shared beside the repository root, or
// skips the test when it cannot be found. HNEURONS_SHARED overrides the path.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("HNEURONS_SHARED")
	if dir == "" {
		root := Root()
		if root == "" {
			tb.Skip("sharedtest: repository root (go.mod) not found; skipping test that needs ../shared")
		}
		dir = filepath.Join(filepath.Dir(root), "shared")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		tb.Skipf("sharedtest: %s is absent; skipping test that needs the shared reference files", dir)
	}
	return dir
}

// Path returns the absolute path of a file under ../shared, skipping the test
// when the file (or the folder) is absent.
func Path(tb testing.TB, rel ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{Dir(tb)}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("sharedtest: %s is absent; skipping", p)
	}
	return p
}
