package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fake returns a reporter on buf with a clock the test moves.
func fake(buf *bytes.Buffer, tty bool) (*Reporter, *time.Time) {
	t := time.Unix(1000, 0)
	r := New(buf, "extract")
	r.now = func() time.Time { return t }
	r.start, r.tty = t, tty
	if tty {
		r.every = 100 * time.Millisecond
	}
	return r, &t
}

// Not a terminal: plain lines, at most one per 2 s, and the final one.
func TestPlainLines(t *testing.T) {
	var buf bytes.Buffer
	r, now := fake(&buf, false)
	for i := 1; i <= 10; i++ {
		*now = now.Add(500 * time.Millisecond)
		r.Update(i, 10, "")
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// drawn at 0.5 s, 2.5 s, 4.5 s, and the final 5 s
	if len(lines) != 4 || lines[3] != "extract: 10/10, 2.00/s, ETA 0s" || strings.Contains(buf.String(), "\r") {
		t.Errorf("lines %q", lines)
	}
	if lines[0] != "extract: 1/10, 2.00/s, ETA 5s" {
		t.Errorf("first line %q", lines[0])
	}
}

// A terminal: the bar is redrawn in place with \r and ends with a newline.
func TestBar(t *testing.T) {
	var buf bytes.Buffer
	r, now := fake(&buf, true)
	*now = now.Add(time.Second)
	r.Update(5, 10, "40 tok/s")
	*now = now.Add(time.Second)
	r.Update(10, 10, "")
	out := buf.String()
	if strings.Count(out, "\r") != 2 || !strings.HasSuffix(out, "\n") {
		t.Errorf("output %q", out)
	}
	if !strings.Contains(out, "[===============               ] 5/10 5.0/s ETA 1s 40 tok/s") {
		t.Errorf("half bar missing in %q", out)
	}
	if !strings.Contains(out, "[==============================] 10/10") {
		t.Errorf("full bar missing in %q", out)
	}
}
