// Package progress reports the progress of long jobs on stderr: a bar with
// the count, rate and time left, redrawn in place, when the stream is a
// terminal; plain lines at most every few seconds when it is not (a log
// file, CI), so that logs stay readable.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// Reporter draws one job's progress.
type Reporter struct {
	w      io.Writer
	tty    bool
	label  string
	start  time.Time
	last   time.Time
	every  time.Duration
	drawn  bool
	now    func() time.Time
	width  int
	lastLn int
}

// New returns a reporter writing to w, as a bar when w is a terminal.
func New(w io.Writer, label string) *Reporter {
	r := &Reporter{w: w, label: label, now: time.Now, width: 30, every: 2 * time.Second}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		r.tty, r.every = true, 100*time.Millisecond
	}
	r.start = r.now()
	return r
}

// Update reports done of total items (total 0: unknown) with an optional
// note (for example tokens/s). It draws at most every 100 ms on a terminal
// and every 2 s otherwise, and always the final count.
func (r *Reporter) Update(done, total int, note string) {
	now := r.now()
	final := total > 0 && done >= total
	if r.drawn && !final && now.Sub(r.last) < r.every {
		return
	}
	r.last, r.drawn = now, true
	el := now.Sub(r.start)
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el.Seconds()
	}
	eta := "?"
	if rate > 0 && total > 0 {
		eta = time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	var line string
	if r.tty {
		bar := strings.Repeat(" ", r.width)
		if total > 0 {
			n := min(r.width, r.width*done/total)
			bar = strings.Repeat("=", n) + strings.Repeat(" ", r.width-n)
		}
		line = fmt.Sprintf("\r%s [%s] %d/%d %.1f/s ETA %s %s", r.label, bar, done, total, rate, eta, note)
		pad := max(r.lastLn-len(line), 0)
		r.lastLn = len(line)
		fmt.Fprint(r.w, line+strings.Repeat(" ", pad))
		if final {
			fmt.Fprintln(r.w)
		}
		return
	}
	line = fmt.Sprintf("%s: %d/%d, %.2f/s, ETA %s", r.label, done, total, rate, eta)
	if note != "" {
		line += ", " + note
	}
	fmt.Fprintln(r.w, line)
}

// Done ends the bar's line on a terminal.
func (r *Reporter) Done() {
	if r.tty && r.drawn {
		fmt.Fprintln(r.w)
		r.drawn = false
	}
}
