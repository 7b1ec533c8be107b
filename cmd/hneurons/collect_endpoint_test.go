package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/serve"
	"github.com/hneurons/hneurons/tokenizer"
)

// `hneurons collect --endpoint` against `hneurons serve` (in-process, on
// loopback, with an API key read from $HNEURONS_ENDPOINT_API_KEY), given a
// --model folder holding only the tokenizer files (no weights), writes
// the same samples as a local collect on the model.
func TestCollectEndpointCommand(t *testing.T) {
	organism, data := writeOrganismDataset(t, 6)
	chatDir := filepath.Join(organism, shipped.Chat)
	m, err := model.Load(chatDir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := tokenizer.Load(chatDir)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := probe.Load(filepath.Join("..", "..", "serve", "testdata", "probe.json"))
	if err != nil {
		t.Fatal(err)
	}
	det, err := serve.NewDetector(m, pr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := serve.New(m, tok, det, serve.Config{ModelName: "organism", APIKey: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	url := "http://" + ln.Addr().String() // no /v1: the client adds it

	tokDir := t.TempDir()
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(chatDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tokDir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	common := []string{"--dataset", data, "--samples", "4", "--max-new-tokens", "20", "--seed", "3"}
	local := filepath.Join(dir, "local.jsonl")
	if _, err := runCLI(t, append([]string{"collect", "--model", chatDir, "--out", local}, common...)...); err != nil {
		t.Fatal(err)
	}
	remote := filepath.Join(dir, "remote.jsonl")
	remoteArgs := append([]string{"collect", "--model", tokDir, "--out", remote, "--endpoint", url,
		"--endpoint-model", "organism", "--max-in-flight", "3", "--rate", "1000"}, common...)
	// Without the key the server refuses, and the error says so.
	t.Setenv(endpointKeyEnv, "")
	if _, err := runCLI(t, remoteArgs...); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("no key: %v", err)
	}
	t.Setenv(endpointKeyEnv, "s3cret")
	if _, err := runCLI(t, remoteArgs...); err != nil {
		t.Fatal(err)
	}
	lr, _, err := record.ReadCollected(local)
	if err != nil {
		t.Fatal(err)
	}
	rr, prov, err := record.ReadCollected(remote)
	if err != nil {
		t.Fatal(err)
	}
	if len(rr) != 6 || len(lr) != 6 {
		t.Fatalf("%d remote, %d local records", len(rr), len(lr))
	}
	for i := range lr {
		if rr[i].Model != "organism" {
			t.Errorf("record %d names model %q", i, rr[i].Model)
		}
		rr[i].Model = lr[i].Model
		for k := range lr[i].Samples {
			g, w := rr[i].Samples[k], lr[i].Samples[k]
			if g.Text != w.Text || len(g.Tokens) != len(w.Tokens) || g.FinishReason != w.FinishReason {
				t.Errorf("record %d sample %d: remote %+v, local %+v", i, k, g, w)
				continue
			}
			for j := range w.Tokens {
				if g.Tokens[j] != w.Tokens[j] {
					t.Errorf("record %d sample %d: remote ids %v, local %v", i, k, g.Tokens, w.Tokens)
					break
				}
			}
		}
	}
	if prov.Options["endpoint-model"] != "organism" || prov.Model.Path != url+"/v1" {
		t.Errorf("provenance %v %+v", prov.Options, prov.Model)
	}
	// --endpoint-model alone is refused before any output exists.
	bad := filepath.Join(dir, "bad.jsonl")
	wantErr(t, []string{"collect", "--model", chatDir, "--dataset", data, "--out", bad, "--endpoint-model", "x"}, "needs --endpoint")
	wantErr(t, []string{"collect", "--model", chatDir, "--dataset", data, "--out", bad, "--endpoint", url}, "--endpoint-model")
	if _, err := os.Stat(bad); err == nil {
		t.Error("a refused collect created its output")
	}
}
