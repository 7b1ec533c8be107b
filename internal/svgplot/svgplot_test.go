package svgplot

import (
	"encoding/xml"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0.3, 1, 7, []float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}},
		{100, 1500, 7, []float64{200, 400, 600, 800, 1000, 1200, 1400}},
		{-0.5, 3.5, 4, []float64{0, 1, 2, 3}},
	} {
		got := Ticks(c.lo, c.hi, c.n)
		if !slices.EqualFunc(got, c.want, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }) {
			t.Errorf("Ticks(%g, %g, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
		}
		for _, v := range got {
			if math.Signbit(v) && v == 0 {
				t.Errorf("Ticks(%g, %g, %d) gives -0", c.lo, c.hi, c.n)
			}
		}
	}
}

// A figure is well-formed XML, maps data to the plot box, escapes text and
// skips non-finite values.
func TestFigure(t *testing.T) {
	f := New(400, 300, 0, 10, 0, 1)
	f.Title, f.XLabel, f.YLabel = "a <b> & c", "x", "y"
	f.XTicks, f.YTicks = Ticks(0, 10, 5), Ticks(0, 1, 4)
	f.LegendWidth(120)
	f.Line([]float64{0, 5, 10}, []float64{0, math.NaN(), 1}, Blue, "", "line")
	f.Band([]float64{0, 10}, []float64{0, 0.2}, []float64{0.5, 0.9}, Grey, "band")
	f.Bars([]float64{2, 4}, []float64{0.3, 0.6}, 1, Orange, "bars")
	f.ErrorBar(0.5, 0.4, 0.6, 0.5, Vermillion, "")
	s := f.SVG()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not XML: %v\n%s", err, s)
		}
	}
	if !strings.Contains(s, "a &lt;b&gt; &amp; c") {
		t.Error("title not escaped")
	}
	// the plot box is [64, 400-120] x [34, 300-48]
	if x, y := f.X(0), f.Y(1); x != 64 || y != 34 {
		t.Errorf("corner maps to %v,%v", x, y)
	}
	if x, y := f.X(10), f.Y(0); x != 280 || y != 252 {
		t.Errorf("corner maps to %v,%v", x, y)
	}
	if !strings.Contains(s, `points="64.0,252.0 280.0,34.0"`) {
		t.Errorf("line does not skip the NaN point:\n%s", s)
	}
	if strings.Count(s, "<rect") != 1+2+1+2 { // background, 2 bars, error marker, legend boxes of band and bars
		t.Errorf("%d rects", strings.Count(s, "<rect"))
	}
}
