package serve

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/hneurons/hneurons/internal/browsertest"
)

// The chat page in headless Chromium, served by a test server: a question
// is sent, the streamed answer arrives with its risk badge and shaded
// tokens; with the suppression toggle on, the next answer reports alpha 0.
// No console error, no request outside the server. A screenshot is kept
// ($HNEURONS_SCREENSHOT_DIR/serve.png when set, for the docs).
func TestPageInBrowser(t *testing.T) {
	bin := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("the browser check takes a few seconds; skipped with -short")
	}
	_, hs := newTestServer(t, Config{})
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.WindowSize(900, 700), chromedp.Flag("disable-gpu", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
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
	}); err != nil {
		t.Fatal(err)
	}
	run := func(a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(chromedp.ID("q")), chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.CSS(".answer.done"))); err != nil {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%v (console: %v)", err, problems)
	}
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(".answer.done .risk"), "data-risk"))
	if err != nil {
		t.Fatal(err)
	}
	meta := run(chromedp.Text(chromedp.CSS(".answer.done .meta")))
	tokens := run(chromedp.Evaluate[string](`String(document.querySelectorAll(".answer.done .tok").length)`))
	r, err := strconv.ParseFloat(attr.Value, 64)
	if err != nil || r < 0 || r > 1 {
		t.Errorf("risk badge data-risk %q", attr.Value)
	}
	if n, _ := strconv.Atoi(tokens); n == 0 {
		t.Errorf("no shaded tokens")
	}
	if !strings.Contains(meta, "alpha 1") || !strings.Contains(meta, "policy annotate") {
		t.Errorf("meta line %q", meta)
	}
	// The suppression toggle: the second answer is generated with alpha 0.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("suppress")), chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.CSS("#log > .answer.done:nth-child(4)"))); err != nil {
		t.Fatal(err)
	}
	second := run(chromedp.Text(chromedp.CSS("#log > .answer.done:nth-child(4) .meta")))
	requests, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(e => e.name)`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(second, "alpha 0") {
		t.Errorf("with suppression on, meta %q", second)
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, hs.URL+"/") {
			t.Errorf("the page fetched %s (it must use only its server)", u)
		}
	}
	mu.Lock()
	if len(problems) > 0 {
		t.Errorf("console: %v", problems)
	}
	mu.Unlock()
	out := t.TempDir()
	if d := os.Getenv("HNEURONS_SCREENSHOT_DIR"); d != "" {
		out = d
	}
	if err := os.WriteFile(filepath.Join(out, "serve.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(shot) < 10000 {
		t.Errorf("screenshot of %d bytes", len(shot))
	}
}
