// Package sharedtest locates the read-only ../shared folder (real models,
// vocabularies, templates and datasets) that tests compare against.
//
// The folder lies beside the repository root. Tests that need it call Dir or
// Path, which skip the test with a clear message when the folder is absent,
// so that the suite still runs on a clone without it. When the folder is
// there, a file the test asks for must be there too: Path fails the test
// rather than skip it, so that a renamed or deleted reference file cannot
// silently switch a check off.
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

// Path returns the absolute path of a file under ../shared. It skips the
// test when the folder is absent and fails it when the folder is there but
// the file is not.
func Path(tb testing.TB, rel ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{Dir(tb)}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("sharedtest: %s is missing from the shared folder (renamed or deleted?): %v", p, err)
	}
	return p
}

// Glob returns the files under ../shared matching pattern (relative to the
// folder). It skips the test when the folder is absent and fails it when
// nothing matches.
func Glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	dir := Dir(tb)
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(files) == 0 {
		tb.Fatalf("sharedtest: no file of the shared folder matches %s (%v)", pattern, err)
	}
	return files
}

// Optional returns the path of a file under ../shared and whether it can be
// used, neither skipping nor failing: for inputs a test can do without,
// such as extra fuzz seeds.
func Optional(rel ...string) (string, bool) {
	dir := os.Getenv("HNEURONS_SHARED")
	if dir == "" {
		root := Root()
		if root == "" {
			return "", false
		}
		dir = filepath.Join(filepath.Dir(root), "shared")
	}
	p := filepath.Join(append([]string{dir}, rel...)...)
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		return "", false
	}
	return p, true
}
