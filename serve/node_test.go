package serve

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// openaiNPM is the version of the official openai npm package the client
// test installs (the newest 6.x: 7.x needs Node.js 22, Debian has 20).
const openaiNPM = "6.49.0"

// openaiClientDir returns a folder holding node_modules/openai, installed
// once with npm into the user cache (outside the repository), or skips
// with the reason.
func openaiClientDir(t *testing.T) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no Node.js on PATH: the openai npm client check needs it")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("no npm on PATH: the openai npm client check needs it")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir = filepath.Join(cache, "hneurons", "npm-openai-"+openaiNPM)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "openai", "package.json")); err == nil {
		return node, dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "openai@"+openaiNPM)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("npm could not install openai@%s from the registry (%v); the client check is skipped:\n%s", openaiNPM, err, out)
	}
	return node, dir
}

// The official openai npm client (non-streaming and streaming chat, text
// completions, models, its error types) parses the server's responses, and
// what it reads equals what the server sent to a Go client.
func TestOpenAINodeClient(t *testing.T) {
	if testing.Short() {
		t.Skip("the npm client check starts Node.js; skipped with -short")
	}
	node, dir := openaiClientDir(t)
	f := loadOrganism(t)
	s, err := New(f.m, f.tok, f.det, Config{APIKey: "test-key"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	defer func() { hs.Close(); s.Close() }()
	script, err := os.ReadFile(filepath.Join("testdata", "openai_client.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	// The script must sit beside node_modules for "import ... from 'openai'".
	path := filepath.Join(dir, "openai_client.mjs")
	if err := os.WriteFile(path, script, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, path, hs.URL+"/v1", "test-key", question).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct {
		Whole struct {
			Content, Finish string
			Risk            float64
			Usage           Usage
		}
		Stream struct {
			Content         string
			Chunks, Running int
			Final           *Verdict
			Usage           *Usage
		}
		Completion struct {
			Text string
			Risk float64
		}
		Unauthorised int
		BadRequest   struct {
			Status int
			Param  string
		}
		Models []string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// The Go side of the same requests.
	_, b := post(t, hs.URL+"/v1/chat/completions", chatBody(`,"seed":11,"max_tokens":16`), "Authorization", "Bearer test-key")
	var cc ChatCompletion
	strictDecode(t, b, &cc)
	want := cc.Choices[0]
	if got.Whole.Content != want.Message.Content || got.Whole.Risk != want.HNeurons.Risk || got.Whole.Finish != want.FinishReason || got.Whole.Usage != cc.Usage {
		t.Errorf("client read %+v, server sent %+v", got.Whole, want)
	}
	if got.Stream.Content != want.Message.Content || got.Stream.Final == nil || got.Stream.Final.Risk != want.HNeurons.Risk || !got.Stream.Final.Final {
		t.Errorf("stream: client read %+v, whole answer %q risk %v", got.Stream, want.Message.Content, want.HNeurons.Risk)
	}
	if got.Stream.Running == 0 || got.Stream.Running > got.Stream.Chunks || got.Stream.Usage == nil || got.Stream.Usage.CompletionTokens != cc.Usage.CompletionTokens {
		t.Errorf("stream: %d chunks, %d with a running risk, usage %+v", got.Stream.Chunks, got.Stream.Running, got.Stream.Usage)
	}
	if got.Completion.Text == "" || got.Completion.Risk < 0 || got.Completion.Risk > 1 {
		t.Errorf("completion %+v", got.Completion)
	}
	if got.Unauthorised != 401 || got.BadRequest.Status != 400 || got.BadRequest.Param != "temperature" {
		t.Errorf("errors as the client saw them: 401 -> %d, bad temperature -> %+v", got.Unauthorised, got.BadRequest)
	}
	if len(got.Models) != 1 || got.Models[0] != "hneurons" {
		t.Errorf("models %v", got.Models)
	}
}
