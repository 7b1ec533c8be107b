package kernels

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAssemblyOnlyInKernels checks that the module's assembly lives in this
// package, behind the one purego build tag: no .s file elsewhere, and no
// other tag (such as noasm) choosing between assembly and Go anywhere.
// Every kernel then follows the same run-time CPU dispatch, the same
// HNEURONS_KERNELS cap and the same tag.
func TestAssemblyOnlyInKernels(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Skipf("module root not found above the package: %v", err)
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case strings.HasSuffix(name, ".s"):
			if filepath.Dir(path) != here {
				t.Errorf("%s: assembly outside package kernels", rel)
			}
		case strings.HasSuffix(name, ".go"):
			if tag := buildLine(t, path); strings.Contains(tag, "noasm") {
				t.Errorf("%s: build constraint %q; the one tag for pure Go is purego", rel, tag)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// buildLine returns the //go:build line of a Go file ("" if none), read
// from the lines before the package clause.
func buildLine(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "//go:build") {
			return line
		}
		if strings.HasPrefix(line, "package ") {
			break
		}
	}
	return ""
}
