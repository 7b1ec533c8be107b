package shipped

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

//go:embed chat base questions greedy.json
var files embed.FS

// Folder names inside the materialised directory.
const (
	Chat      = "chat"      // the chat-tuned organism (Hugging Face folder)
	Base      = "base"      // the pre-trained organism before chat tuning
	Questions = "questions" // id.jsonl and nonexist.jsonl
)

// Question set files inside Questions.
const (
	IDQuestions       = "id.jsonl"
	NonExistQuestions = "nonexist.jsonl"
)

// FS returns the embedded files (chat/, base/, questions/, greedy.json).
func FS() fs.FS { return files }

// Extract writes every embedded file below dir (created if needed),
// replacing files of the same name.
func Extract(dir string) error {
	return fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("shipped: %w", err)
			}
			return nil
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return fmt.Errorf("shipped: reading embedded %s: %w", p, err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return fmt.Errorf("shipped: %w", err)
		}
		return nil
	})
}

var (
	dirOnce sync.Once
	dirPath string
	dirErr  error
)

// Dir returns a folder holding the embedded files (chat/, base/,
// questions/), materialising them on first use into
// <user cache dir>/hneurons/organism-<content hash> (os.TempDir when there
// is no user cache dir). A folder that is already complete is reused; a new
// one is written under a temporary name and renamed into place, so
// concurrent processes never see a partial folder.
func Dir() (string, error) {
	dirOnce.Do(func() { dirPath, dirErr = materialise() })
	return dirPath, dirErr
}

// Hash returns the hex SHA-256 of every embedded file's path and content,
// in walk order (the cache folder's name uses its first 16 digits).
func Hash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("shipped: hashing embedded files: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func materialise() (string, error) {
	sum, err := Hash()
	if err != nil {
		return "", err
	}
	root, err := os.UserCacheDir()
	if err != nil || root == "" {
		root = os.TempDir()
	}
	root = filepath.Join(root, "hneurons")
	final := filepath.Join(root, "organism-"+sum[:16])
	if _, err := os.Stat(filepath.Join(final, "complete")); err == nil {
		return final, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("shipped: cache folder: %w", err)
	}
	tmp, err := os.MkdirTemp(root, "organism-tmp-")
	if err != nil {
		return "", fmt.Errorf("shipped: cache folder: %w", err)
	}
	if err := Extract(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "complete"), []byte(sum+"\n"), 0o644); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("shipped: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		// Another process may have won the race.
		if _, serr := os.Stat(filepath.Join(final, "complete")); serr == nil {
			return final, nil
		}
		return "", fmt.Errorf("shipped: installing %s: %w", final, err)
	}
	return final, nil
}
