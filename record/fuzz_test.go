package record

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzScan feeds arbitrary bytes to the input reader: it must return an
// error or records, never panic, and never pass more lines than the input
// has.
func FuzzScan(f *testing.F) {
	prov := New("collect", map[string]string{"seed": "1"})
	head, _ := HeaderLine(&prov)
	f.Add(append(head, `{"id":"a","samples":[{"text":"x"}]}`+"\n"+`{"id":"b"}`...))
	f.Add([]byte(`{"id":"a"}` + "\n" + `{"id":"b","q`))
	f.Add([]byte("\n\n{\"hneurons_provenance\": null}\n{}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		n := 0
		_, err := ScanReader(bytes.NewReader(in), "f.jsonl", func(line int, b []byte) error {
			n++
			if line < 1 || len(b) == 0 {
				t.Fatalf("line %d of %d bytes", line, len(b))
			}
			var c Collected
			return decodeRecord("f.jsonl", line, b, &c, func() string { return c.ID })
		})
		if max := bytes.Count(in, []byte("\n")) + 1; n > max {
			t.Fatalf("%d lines from an input of %d", n, max)
		}
		_ = err
	})
}

// FuzzOpenLog writes arbitrary bytes as an output file and reopens it for
// appending: when that succeeds, the file must consist of complete lines
// (it ends with a newline or is empty) and begin with the bytes it kept.
func FuzzOpenLog(f *testing.F) {
	f.Add([]byte(`{"id":"a"}` + "\n" + `{"id":"b","q`))
	f.Add([]byte(`{"id":"a"}`))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		p := filepath.Join(t.TempDir(), "log.jsonl")
		if err := os.WriteFile(p, in, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := OpenLog(p, func(int, []byte) error { return nil })
		if err != nil {
			return
		}
		if err := l.Append(map[string]string{"id": "new"}); err != nil {
			t.Fatal(err)
		}
		l.Close()
		b, _ := os.ReadFile(p)
		if !bytes.HasSuffix(b, []byte(`{"id":"new"}`+"\n")) {
			t.Fatalf("appended line not whole at the end: %q", b)
		}
		kept := b[:len(b)-len(`{"id":"new"}`+"\n")]
		if len(kept) > 0 && kept[len(kept)-1] != '\n' {
			t.Fatalf("kept part does not end a line: %q", kept)
		}
		if len(kept) > len(in)+1 || !bytes.HasPrefix(append(bytes.Clone(in), '\n'), kept) {
			t.Fatalf("kept %q of %q", kept, in)
		}
	})
}
