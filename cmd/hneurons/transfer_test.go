package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/organism/shipped"
)

// transfer on the shipped base organism, from a small demo's outputs, gives
// the demo's own origin figures (the same replay, model, probe and seed),
// records its provenance, and refuses bad values by flag name.
func TestTransferCommand(t *testing.T) {
	org := t.TempDir()
	if err := shipped.Extract(org); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(t.TempDir(), "demo")
	if _, err := runCLI(t, "demo", "--model", filepath.Join(org, shipped.Chat), "--base-model", filepath.Join(org, shipped.Base),
		"--questions", filepath.Join(org, shipped.Questions), "--out", run, "--samples", "4", "--min-agree", "3",
		"--max-id", "400", "--max-nonexist", "80", "--C-grid", "30", "--baseline-seeds", "2"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "transfer")
	args := []string{"transfer", "--probe", filepath.Join(run, "probe.json"), "--model", filepath.Join(org, shipped.Base),
		"--in", filepath.Join(run, "splits", "test.jsonl"), "--train-features", filepath.Join(run, "features", "train"),
		"--out", out, "--baseline-seeds", "2"}
	wantErr(t, append(args, "--bootstrap", "-1"), "bootstrap")
	wantErr(t, append(args[:len(args)-2:len(args)-2], "--baseline-seeds", "-3"), "baseline-seeds")
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("refused runs created %s (%v)", out, err)
	}
	if _, err := runCLI(t, args...); err != nil {
		t.Fatal(err)
	}
	type auroc struct {
		Value, Lo, Hi float64
	}
	var got struct {
		Provenance struct {
			Command string
			Inputs  []struct{ Role string }
		}
		Replayed bool
		Probe    struct{ AUROC auroc }
		Controls struct {
			RandomAUROCMean float64 `json:"random_auroc_mean"`
		}
	}
	var demoOut struct {
		Origin struct {
			Transfer map[string]struct {
				Probe    struct{ AUROC auroc }
				Controls struct {
					RandomAUROCMean float64 `json:"random_auroc_mean"`
				}
			}
		}
	}
	for path, v := range map[string]any{filepath.Join(out, transferFile): &got, filepath.Join(run, "metrics.json"): &demoOut} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	want := demoOut.Origin.Transfer["test"]
	if !got.Replayed || got.Probe.AUROC != want.Probe.AUROC || got.Controls.RandomAUROCMean != want.Controls.RandomAUROCMean {
		t.Errorf("transfer %+v, the demo's origin stage %+v", got, want)
	}
	if got.Provenance.Command != "transfer" || len(got.Provenance.Inputs) != 3 {
		t.Errorf("provenance %+v", got.Provenance)
	}
	wantErr(t, []string{"organism", "emergence", "--run", org, "--stage", "base"}, "--report")
	wantErr(t, []string{"organism", "emergence", "--run", org, "--stage", "middle"}, "stage")
}
