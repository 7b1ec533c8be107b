package shard

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v2"
)

// job is the part of a Kubernetes Job the chain depends on.
type job struct {
	Kind string `yaml:"kind"`
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				Containers []struct {
					Command []string `yaml:"command"`
					Args    []string `yaml:"args"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// The Indexed Jobs of docs/kubernetes parse, run in indexed mode, and shard
// by the job index into as many shards as completions; collect samples
// through the vLLM service that vllm.yaml defines.
func TestKubernetesManifests(t *testing.T) {
	dir := filepath.Join("..", "docs", "kubernetes")
	for _, name := range []string{"collect-job.yaml", "extract-job.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var j job
		if err := yaml.Unmarshal(b, &j); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s := j.Spec
		if j.Kind != "Job" || s.CompletionMode != "Indexed" || s.Completions < 2 || s.Parallelism < 1 || len(s.Template.Spec.Containers) != 1 {
			t.Fatalf("%s: not an Indexed Job of several completions: %+v", name, j)
		}
		c := s.Template.Spec.Containers[0]
		cmd := strings.Join(append(c.Command, c.Args...), " ")
		spec := "--shard $JOB_COMPLETION_INDEX/" + strconv.Itoa(s.Completions)
		if !strings.Contains(cmd, spec) || !strings.HasPrefix(strings.TrimSpace(strings.Join(c.Args, " ")), "hneurons ") {
			t.Fatalf("%s: command %q does not shard by the index into %d (%q)", name, cmd, s.Completions, spec)
		}
		// The shard spec the pods pass parses, for every index.
		for i := range s.Completions {
			if _, err := Parse(strconv.Itoa(i) + "/" + strconv.Itoa(s.Completions)); err != nil {
				t.Fatalf("%s: index %d: %v", name, i, err)
			}
		}
		if name == "collect-job.yaml" && (!strings.Contains(cmd, "--endpoint http://vllm:8000/v1") || !strings.Contains(cmd, "--endpoint-model ")) {
			t.Fatalf("collect job does not sample through the vllm service: %q", cmd)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "vllm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, doc := range bytes.Split(b, []byte("\n---\n")) {
		var d struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &d); err != nil {
			t.Fatal(err)
		}
		kinds[d.Kind+"/"+d.Metadata.Name] = true
	}
	if !kinds["Deployment/vllm"] || !kinds["Service/vllm"] {
		t.Fatalf("vllm.yaml defines %v, want Deployment/vllm and Service/vllm", kinds)
	}
}
