// Package svgplot draws the few kinds of plot hneurons reports need (lines,
// points, bands, bars, reference lines, category strips) as self-contained
// SVG text: no fonts, scripts or files beyond the one string, so a report
// opens from disk with no network. It is written directly rather than with
// a plotting library because the plots are few and simple, and the libraries
// (gonum/plot, go-echarts) either embed fonts and raster back-ends or need
// JavaScript from a CDN.
package svgplot

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Colours from the Okabe-Ito palette, distinguishable with the common
// colour-vision deficiencies.
const (
	Blue       = "#0072B2"
	Orange     = "#E69F00"
	Vermillion = "#D55E00"
	Green      = "#009E73"
	Purple     = "#CC79A7"
	Sky        = "#56B4E9"
	Grey       = "#777777"
)

// Figure is one plot: data coordinates [XMin, XMax] x [YMin, YMax] mapped
// onto a W x H box with margins for the axes and the legend.
type Figure struct {
	W, H                   float64
	Title, XLabel, YLabel  string
	XMin, XMax, YMin, YMax float64
	// XTicks and YTicks are the tick positions; XTickLabels, when set,
	// names them (else the values are printed with TickFormat, default %.6g).
	XTicks, YTicks []float64
	XTickLabels    []string
	YTickLabels    []string
	TickFormat     string
	// Legend is drawn in the right margin when any item is named.
	legend []legendItem
	body   strings.Builder
	// margins
	left, right, top, bottom float64
}

type legendItem struct {
	name, colour, dash string
	box                bool
}

// New returns a figure of w x h pixels with the given data ranges.
func New(w, h, xmin, xmax, ymin, ymax float64) *Figure {
	return &Figure{W: w, H: h, XMin: xmin, XMax: xmax, YMin: ymin, YMax: ymax, TickFormat: "%.6g",
		left: 64, right: 20, top: 34, bottom: 48}
}

// LegendWidth reserves room on the right for the legend.
func (f *Figure) LegendWidth(px float64) { f.right = px }

// LeftMargin sets the room on the left for long tick labels.
func (f *Figure) LeftMargin(px float64) { f.left = px }

func (f *Figure) pw() float64 { return f.W - f.left - f.right }
func (f *Figure) ph() float64 { return f.H - f.top - f.bottom }

// X maps a data x to pixels.
func (f *Figure) X(v float64) float64 {
	if f.XMax == f.XMin {
		return f.left + f.pw()/2
	}
	return f.left + f.pw()*(clamp(v, f.XMin, f.XMax)-f.XMin)/(f.XMax-f.XMin)
}

// Y maps a data y to pixels.
func (f *Figure) Y(v float64) float64 {
	if f.YMax == f.YMin {
		return f.top + f.ph()/2
	}
	return f.top + f.ph()*(f.YMax-clamp(v, f.YMin, f.YMax))/(f.YMax-f.YMin)
}

func clamp(v, lo, hi float64) float64 {
	if math.IsNaN(v) {
		return lo
	}
	return math.Max(math.Min(lo, hi), math.Min(math.Max(lo, hi), v))
}

func (f *Figure) legendAdd(name, colour, dash string, box bool) {
	if name != "" {
		f.legend = append(f.legend, legendItem{name, colour, dash, box})
	}
}

// Line draws a polyline through the points whose values are finite, and a
// dot on each; name, when set, goes in the legend.
func (f *Figure) Line(xs, ys []float64, colour, dash, name string) {
	var pts []string
	for i := range xs {
		if finite(xs[i]) && finite(ys[i]) {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.X(xs[i]), f.Y(ys[i])))
		}
	}
	if len(pts) > 1 {
		fmt.Fprintf(&f.body, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n",
			strings.Join(pts, " "), colour, dashOr(dash))
	}
	f.legendAdd(name, colour, dash, false)
}

// Points draws dots of radius r.
func (f *Figure) Points(xs, ys []float64, r float64, colour, name string) {
	for i := range xs {
		if finite(xs[i]) && finite(ys[i]) {
			fmt.Fprintf(&f.body, `<circle cx="%.1f" cy="%.1f" r="%g" fill="%s" fill-opacity="0.8"/>`+"\n", f.X(xs[i]), f.Y(ys[i]), r, colour)
		}
	}
	f.legendAdd(name, colour, "", true)
}

// Band fills the area between lo and hi over xs.
func (f *Figure) Band(xs, lo, hi []float64, colour, name string) {
	var pts []string
	for i := range xs {
		if finite(hi[i]) {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.X(xs[i]), f.Y(hi[i])))
		}
	}
	for i := len(xs) - 1; i >= 0; i-- {
		if finite(lo[i]) {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.X(xs[i]), f.Y(lo[i])))
		}
	}
	if len(pts) > 2 {
		fmt.Fprintf(&f.body, `<polygon points="%s" fill="%s" fill-opacity="0.22" stroke="none"/>`+"\n", strings.Join(pts, " "), colour)
	}
	f.legendAdd(name, colour, "", true)
}

// Bars draws vertical bars of the given data width centred on xs, from y =
// max(YMin, 0).
func (f *Figure) Bars(xs, ys []float64, width float64, colour, name string) {
	base := math.Max(f.YMin, 0)
	for i := range xs {
		if !finite(ys[i]) {
			continue
		}
		x0, x1 := f.X(xs[i]-width/2), f.X(xs[i]+width/2)
		y0, y1 := f.Y(ys[i]), f.Y(base)
		fmt.Fprintf(&f.body, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.85"/>`+"\n",
			x0, math.Min(y0, y1), math.Max(x1-x0, 0.5), math.Abs(y1-y0), colour)
	}
	f.legendAdd(name, colour, "", true)
}

// HLine draws a horizontal reference line at y.
func (f *Figure) HLine(y float64, colour, dash, name string) {
	fmt.Fprintf(&f.body, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="%s"/>`+"\n",
		f.left, f.Y(y), f.left+f.pw(), f.Y(y), colour, dashOr(dash))
	f.legendAdd(name, colour, dash, false)
}

// VLine draws a vertical reference line at x.
func (f *Figure) VLine(x float64, colour, dash, name string) {
	fmt.Fprintf(&f.body, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="%s"/>`+"\n",
		f.X(x), f.top, f.X(x), f.top+f.ph(), colour, dashOr(dash))
	f.legendAdd(name, colour, dash, false)
}

// ErrorBar draws a horizontal interval [lo, hi] at height y with a marker at v.
func (f *Figure) ErrorBar(v, lo, hi, y float64, colour, name string) {
	if finite(lo) && finite(hi) {
		fmt.Fprintf(&f.body, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2.5"/>`+"\n", f.X(lo), f.Y(y), f.X(hi), f.Y(y), colour)
		for _, e := range []float64{lo, hi} {
			fmt.Fprintf(&f.body, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n", f.X(e), f.Y(y)-5, f.X(e), f.Y(y)+5, colour)
		}
	}
	if finite(v) {
		fmt.Fprintf(&f.body, `<rect x="%.1f" y="%.1f" width="9" height="9" fill="%s" stroke="black" stroke-width="0.6"/>`+"\n", f.X(v)-4.5, f.Y(y)-4.5, colour)
	}
	f.legendAdd(name, colour, "", true)
}

// Text writes s at data coordinates (anchor start, middle or end).
func (f *Figure) Text(x, y float64, s, anchor string) {
	fmt.Fprintf(&f.body, `<text x="%.1f" y="%.1f" text-anchor="%s">%s</text>`+"\n", f.X(x), f.Y(y), anchor, html.EscapeString(s))
}

// SVG returns the figure as an <svg> element with a role and title for
// screen readers.
func (f *Figure) SVG() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="plot" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="12" role="img" aria-label="%s">`+"\n",
		f.W, f.H, f.W, f.H, html.EscapeString(f.Title))
	fmt.Fprintf(&b, `<title>%s</title><rect width="%g" height="%g" fill="white"/>`+"\n", html.EscapeString(f.Title), f.W, f.H)
	fmt.Fprintf(&b, `<text x="%.1f" y="18" text-anchor="middle" font-size="13" font-weight="bold">%s</text>`+"\n", f.left+f.pw()/2, html.EscapeString(f.Title))
	label := func(ticks []float64, labels []string, i int) string {
		if i < len(labels) {
			return labels[i]
		}
		return fmt.Sprintf(f.TickFormat, ticks[i])
	}
	for i, t := range f.YTicks {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/><text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n",
			f.left, f.Y(t), f.left+f.pw(), f.Y(t), f.left-6, f.Y(t)+4, html.EscapeString(label(f.YTicks, f.YTickLabels, i)))
	}
	for i, t := range f.XTicks {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n",
			f.X(t), f.top+f.ph(), f.X(t), f.top+f.ph()+4, f.X(t), f.top+f.ph()+17, html.EscapeString(label(f.XTicks, f.XTickLabels, i)))
	}
	b.WriteString(f.body.String())
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n",
		f.left, f.top, f.left, f.top+f.ph(), f.left, f.top+f.ph(), f.left+f.pw(), f.top+f.ph())
	if f.XLabel != "" {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", f.left+f.pw()/2, f.H-10, html.EscapeString(f.XLabel))
	}
	if f.YLabel != "" {
		cy := f.top + f.ph()/2
		fmt.Fprintf(&b, `<text x="14" y="%.1f" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>`+"\n", cy, cy, html.EscapeString(f.YLabel))
	}
	for i, l := range f.legend {
		x, y := f.left+f.pw()+12, f.top+10+float64(i)*20
		if l.box {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="20" height="10" fill="%s" fill-opacity="0.8"/>`, x, y-5, l.colour)
		} else {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`, x, y, x+20, y, l.colour, dashOr(l.dash))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x+26, y+4, html.EscapeString(l.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// Ticks returns about n round tick positions covering [lo, hi].
func Ticks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || n < 1 {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step-1e-9) * step; v <= hi+step*1e-9; v += step {
		t := math.Round(v/step) * step
		if t == 0 {
			t = 0 // not -0, which prints as "-0"
		}
		out = append(out, t)
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func dashOr(d string) string {
	if d == "" {
		return "none"
	}
	return d
}
