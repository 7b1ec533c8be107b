package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hneurons/hneurons/organism/shipped"
)

// Every invalid flag is named, before the model is read.
func TestServeRejectsBadFlags(t *testing.T) {
	_, err := runCLI(t, "serve", "--model", "/nonexistent", "--probe", "/nonexistent",
		"--policy", "pray", "--threshold", "2", "--queue", "0", "--timeout", "0s", "--addr", "nohost", "--false-alarm", "1")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, flag := range []string{"--policy", "--threshold", "--queue", "--timeout", "--addr", "--false-alarm"} {
		if !strings.Contains(err.Error(), flag) {
			t.Errorf("error does not name %s: %v", flag, err)
		}
	}
}

// The command serves the organism with the probe fixture, reads the API key
// from the environment, and stops cleanly when its context ends (what
// SIGTERM does through main's signal context).
func TestServeCommand(t *testing.T) {
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(apiKeyEnv, "k1")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addrc := make(chan string, 1)
	o := &serveOptions{listen: func(a string) { addrc <- a }}
	cmd := newServeCmdWith(o)
	cmd.SetErr(io.Discard)
	cmd.SetArgs([]string{"--model", filepath.Join(dir, shipped.Chat), "--probe", filepath.Join("..", "..", "serve", "testdata", "probe.json"),
		"--addr", "127.0.0.1:0", "--policy", "abstain", "--threshold", "0", "--abstention", "no idea"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatal(err)
	}
	body := `{"messages":[{"role":"user","content":"In which city was Daedith Ziothkraniom born?"}]}`
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer k1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Choices []struct {
			Message  struct{ Content string }
			HNeurons struct {
				Action string
				Risk   float64
			}
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || len(out.Choices) != 1 {
		t.Fatalf("%d %v %+v", resp.StatusCode, err, out)
	}
	if c := out.Choices[0]; c.Message.Content != "no idea" || c.HNeurons.Action != "abstained" {
		t.Errorf("abstain at threshold 0: %+v", c)
	}
	unauth, err := http.Post("http://"+addr+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	unauth.Body.Close()
	if unauth.StatusCode != 401 {
		t.Errorf("without the key from %s: %d", apiKeyEnv, unauth.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}
