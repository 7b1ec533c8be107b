package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/hneurons/hneurons/internal/browsertest"

	"github.com/hneurons/hneurons/demo"
	"github.com/hneurons/hneurons/organism/shipped"
)

// smallRun runs a small demo on the shipped organism, with the origin
// stage, into a temporary folder.
func smallRun(t *testing.T) string {
	t.Helper()
	org := t.TempDir()
	if err := shipped.Extract(org); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	if _, _, err := demo.Run(context.Background(), demo.Options{
		ModelDir: filepath.Join(org, shipped.Chat), BaseModelDir: filepath.Join(org, shipped.Base),
		QuestionsDir: filepath.Join(org, shipped.Questions), Out: out, Samples: 4, MinAgree: 3, MaxID: 400, MaxNonExist: 80,
		Seed: 7, Grid: []float64{3, 30}, Folds: 3, BaselineSeeds: 5, Boot: 100,
		ImpactItems: 10, ImpactAlphas: []float64{0, 1, 2}, ImpactControls: 1,
	}, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// The report of a real run opens in headless Chromium from the file, with
// no console error and no request beyond the file itself; every plot
// renders a non-empty box; a PNG screenshot is kept (in
// $HNEURONS_SCREENSHOT_DIR when set, for the docs).
func TestReportInBrowser(t *testing.T) {
	bin := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("the browser check takes about 10 s; skipped with -short")
	}
	dir := smallRun(t)
	path, err := Write(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.WindowSize(1200, 900), chromedp.Flag("disable-gpu", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	var problems []string
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, fmt.Sprintf("console %s: %v", e.Type, e.Args))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	type box struct{ W, H float64 }
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady("footer")); err != nil {
		t.Fatal(err)
	}
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[[]box](`Array.from(document.querySelectorAll("svg.plot")).map(s => { const r = s.getBoundingClientRect(); const c = s.getBBox(); return {W: Math.min(r.width, c.width), H: Math.min(r.height, c.height)}; })`))
	if err != nil {
		t.Fatal(err)
	}
	sections, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("section")).filter(s => s.querySelector("svg, table")).map(s => s.id)`))
	if err != nil {
		t.Fatal(err)
	}
	requests, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(e => e.name)`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("console: %v", problems)
	}
	if len(requests) > 0 {
		t.Errorf("the page fetched %v (it must be self-contained)", requests)
	}
	// neuron map + counts, 2 strips, ROC, 2 C-path plots, transfer strip,
	// drift histogram (no pre-training study in this run), and one impact
	// plot per benchmark: the four analogues and the capability check
	if len(boxes) != 14 {
		t.Errorf("%d plots rendered, want 14", len(boxes))
	}
	for i, b := range boxes {
		if b.W < 100 || b.H < 80 {
			t.Errorf("plot %d rendered %gx%g", i, b.W, b.H)
		}
	}
	if got := strings.Join(sections, ","); got != "neurons,detection,impact,origin,provenance" {
		t.Errorf("sections with content: %s", got)
	}
	out := t.TempDir()
	if d := os.Getenv("HNEURONS_SCREENSHOT_DIR"); d != "" {
		out = d
	}
	if err := os.WriteFile(filepath.Join(out, "report.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(shot) < 10000 {
		t.Errorf("screenshot of %d bytes", len(shot))
	}
}
