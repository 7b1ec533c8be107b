package record

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func scanIDs(t *testing.T, path string) ([]string, *Provenance, error) {
	t.Helper()
	var ids []string
	p, err := EachCollected(path, func(_ int, c Collected) error {
		ids = append(ids, c.ID)
		return nil
	})
	return ids, p, err
}

func TestScanInput(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "in.jsonl")
	prov := New("collect", map[string]string{"seed": "1"})
	head, _ := HeaderLine(&prov)
	for _, c := range []struct {
		name, content string
		want          string
		prov          bool
	}{
		{"last line without newline is a record", `{"id":"a"}` + "\n" + `{"id":"b"}`, "a,b", false},
		{"header skipped", string(head) + `{"id":"a"}` + "\n\n" + `{"id":"b"}` + "\n", "a,b", true},
		{"incomplete last line skipped", `{"id":"a"}` + "\n" + `{"id":"b","quest`, "a", false},
		{"empty file", "", "", false},
	} {
		write(t, p, c.content)
		ids, got, err := scanIDs(t, p)
		if err != nil || strings.Join(ids, ",") != c.want || (got != nil) != c.prov {
			t.Errorf("%s: ids %v prov %v err %v; want %s", c.name, ids, got, err, c.want)
		}
		if c.prov && got.Options["seed"] != "1" {
			t.Errorf("%s: provenance %+v", c.name, got)
		}
	}
	write(t, p, `{"id":"a"}`+"\nnot json\n"+`{"id":"c"}`+"\n")
	if _, _, err := scanIDs(t, p); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad middle line: %v; want an error naming line 2", err)
	}
	write(t, p, `{"question":"no id"}`+"\n")
	if _, _, err := scanIDs(t, p); err == nil || !strings.Contains(err.Error(), `no "id"`) {
		t.Errorf("record without id: %v", err)
	}
	if _, _, err := scanIDs(t, filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Error("missing input accepted")
	}
	// Scanning never changes an input.
	write(t, p, `{"id":"a"}`+"\n"+`{"id":"b","quest`)
	scanIDs(t, p)
	if b, _ := os.ReadFile(p); !strings.HasSuffix(string(b), `"quest`) {
		t.Errorf("input was rewritten: %q", b)
	}
}

func TestAppenderResume(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.jsonl")
	prov := New("label", map[string]string{"min-agree": "all", "judge": "rule"}).WithModel("abc", "m")
	a, done, err := OpenAppender(p, prov, false)
	if err != nil || len(done) != 0 {
		t.Fatal(done, err)
	}
	a.Append(Labelled{ID: "x"})
	a.Append(Labelled{ID: "y"})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	// A kill mid-write: torn last line.
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"z","que`)
	f.Close()
	a, done, err = OpenAppender(p, prov, false)
	if err != nil || len(done) != 2 || !done["x"] || !done["y"] {
		t.Fatalf("resume: %v %v", done, err)
	}
	a.Close()
	b, _ := os.ReadFile(p)
	if strings.Contains(string(b), `"z"`) || strings.Count(string(b), "\n") != 3 {
		t.Fatalf("torn line not cut: %q", b)
	}
	// A complete last record that lost only its newline is kept.
	write(t, p, strings.TrimSuffix(string(b), "\n"))
	a, done, err = OpenAppender(p, prov, false)
	if err != nil || len(done) != 2 {
		t.Fatalf("resume after a lost newline: %v %v", done, err)
	}
	a.Append(Labelled{ID: "z"})
	a.Close()
	ids, _, err := func() ([]string, *Provenance, error) {
		var ids []string
		recs, pr, err := ReadLabelled(p)
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		return ids, pr, err
	}()
	if err != nil || strings.Join(ids, ",") != "x,y,z" {
		t.Fatalf("after appending: %v %v", ids, err)
	}

	other := prov
	other.Options = map[string]string{"min-agree": "8", "judge": "rule"}
	_, _, err = OpenAppender(p, other, false)
	var mis *MismatchError
	if !errors.As(err, &mis) || mis.What != "--min-agree" || !strings.Contains(err.Error(), "--min-agree all") ||
		!strings.Contains(err.Error(), "--min-agree 8") || !strings.Contains(err.Error(), "--fresh") {
		t.Fatalf("other option: %v", err)
	}
	a, done, err = OpenAppender(p, other, true)
	if err != nil || len(done) != 0 {
		t.Fatalf("fresh: %v %v", done, err)
	}
	a.Close()
	if got, _ := ReadHeader(p); got == nil || got.Options["min-agree"] != "8" {
		t.Fatalf("fresh file's provenance %+v", got)
	}

	write(t, p, `{"id":"old"}`+"\n")
	if _, _, err := OpenAppender(p, prov, false); err == nil || !strings.Contains(err.Error(), "no provenance") {
		t.Fatalf("records without provenance: %v", err)
	}
	write(t, p, `{"id":"old"}`+"\nnot json\n")
	if _, _, err := OpenAppender(p, prov, false); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad line: %v", err)
	}
}

func TestCheck(t *testing.T) {
	base := New("collect", map[string]string{"seed": "1", "samples": "10"}).WithModel("m1", "a").
		WithInput(Input{Role: "dataset", Path: "q.jsonl", Digest: "sha256:aa"})
	same := base
	same.Model = &ModelRef{Identity: "m1", Path: "elsewhere"}
	same.Inputs = []Input{{Role: "dataset", Path: "moved.jsonl", Digest: "sha256:aa"}}
	same.Revision = "other"
	if err := Check("f", &base, &same); err != nil {
		t.Errorf("paths and revision compared: %v", err)
	}
	if base.Digest() != same.Digest() {
		t.Error("digest depends on paths or revision")
	}
	for what, change := range map[string]func(*Provenance){
		"command": func(p *Provenance) { p.Command = "label" },
		"--seed":  func(p *Provenance) { p.Options = map[string]string{"seed": "2", "samples": "10"} },
		"--top-p": func(p *Provenance) { p.Options = map[string]string{"seed": "1", "samples": "10", "top-p": "0.9"} },
		"model":   func(p *Provenance) { p.Model = &ModelRef{Identity: "m2"} },
		"input dataset": func(p *Provenance) {
			p.Inputs = []Input{{Role: "dataset", Digest: "sha256:bb"}}
		},
		"version": func(p *Provenance) { p.Version = "0.0.1" },
	} {
		o := base
		change(&o)
		err := Check("f", &base, &o)
		var mis *MismatchError
		if !errors.As(err, &mis) || mis.What != what {
			t.Errorf("%s changed: %v", what, err)
		}
		if base.Digest() == o.Digest() {
			t.Errorf("%s changed but the digest did not", what)
		}
	}
}

func TestInputOf(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "q.csv")
	write(t, plain, "question,answer\nwho,me\n")
	in, err := InputOf("dataset", plain)
	if err != nil {
		t.Fatal(err)
	}
	// An independent SHA-256: coreutils' sha256sum.
	out, err := exec.Command("sha256sum", plain).Output()
	if err != nil {
		t.Skip("sha256sum not available:", err)
	}
	if want := "sha256:" + strings.Fields(string(out))[0]; in.Digest != want {
		t.Errorf("digest %s, sha256sum says %s", in.Digest, want)
	}
	ours := filepath.Join(dir, "r.jsonl")
	prov := New("collect", map[string]string{"seed": "3"})
	a, _, err := OpenAppender(ours, prov, false)
	if err != nil {
		t.Fatal(err)
	}
	a.Append(Collected{ID: "1"})
	a.Close()
	in1, _ := InputOf("responses", ours)
	a, _, _ = OpenAppender(ours, prov, false)
	a.Append(Collected{ID: "2"})
	a.Close()
	in2, _ := InputOf("responses", ours)
	if in1.Digest != "provenance:"+prov.Digest() || in1.Digest != in2.Digest {
		t.Errorf("a file hneurons wrote: digests %s then %s, want its provenance digest", in1.Digest, in2.Digest)
	}
}

func TestWriteJSONL(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.jsonl")
	prov := New("split", map[string]string{"seed": "1"})
	recs := []Labelled{{ID: "a", Question: "<b>&"}, {ID: "b"}}
	if err := WriteJSONL(p, &prov, recs); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), `"<b>&"`) {
		t.Errorf("HTML escaped: %s", b)
	}
	got, pr, err := ReadLabelled(p)
	if err != nil || len(got) != 2 || pr == nil || pr.Command != "split" {
		t.Fatalf("read back %+v %+v %v", got, pr, err)
	}
}
