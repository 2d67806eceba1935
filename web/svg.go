package web

import (
	"strconv"
	"strings"

	"github.com/imscore/imscore/probes"
)

type evidence = probes.Evidence

// lineChart is the geometry of a history chart (score over scans), in the
// SVG's own units.
type lineChart struct {
	W, H   int
	Left   int
	Right  int
	Top    int
	Bottom int
	Path   string
	Points []chartPoint
	Grid   []chartTick
}

type chartPoint struct {
	X, Y  int
	Grade string
	Score int
	Date  string
	// Label says whether the date is written under the point.
	Label bool
}

type chartTick struct {
	Y     int
	Label string
}

func newLineChart(scans []*scan) lineChart {
	c := lineChart{W: 640, H: 260, Left: 48, Right: 44, Top: 28, Bottom: 44}
	plotH := c.H - c.Top - c.Bottom
	plotW := c.W - c.Left - c.Right
	y := func(score int) int {
		score = max(0, min(100, score))
		return c.Top + (100-score)*plotH/100
	}
	for _, v := range []int{0, 25, 50, 75, 100} {
		c.Grid = append(c.Grid, chartTick{Y: y(v), Label: strconv.Itoa(v)})
	}
	n := len(scans)
	// Label at most about six dates: first, last, evenly between.
	step := max(1, (n+5)/6)
	var b strings.Builder
	for i, sc := range scans {
		x := c.Left + plotW/2
		if n > 1 {
			x = c.Left + i*plotW/(n-1)
		}
		p := chartPoint{
			X: x, Y: y(sc.R.Score), Grade: displayGrade(sc.R.Grade), Score: sc.R.Score,
			Date:  shortDate(sc),
			Label: i == 0 || i == n-1 || (i%step == 0 && n-1-i >= step/2+1),
		}
		c.Points = append(c.Points, p)
		if i == 0 {
			b.WriteString("M")
		} else {
			b.WriteString(" L")
		}
		b.WriteString(strconv.Itoa(p.X) + " " + strconv.Itoa(p.Y))
	}
	c.Path = b.String()
	return c
}

func shortDate(sc *scan) string {
	if sc.R.StartedAt.IsZero() {
		return "?"
	}
	return sc.R.StartedAt.UTC().Format("2006-01-02")
}

func (c lineChart) viewBox() string {
	return "0 0 " + strconv.Itoa(c.W) + " " + strconv.Itoa(c.H)
}

// badgeView is a shields-style badge: "XMPP security | A".
type badgeView struct {
	Label, Value string
	Color        string
	LabelW       int
	ValueW       int
}

func (b badgeView) W() int { return b.LabelW + b.ValueW }

func badgeFor(t *target) badgeView {
	label := "TLS"
	switch t.Kind {
	case "xmpp":
		label = "XMPP security"
	case "matrix":
		label = "Matrix security"
	case "xmpp-client":
		label = "XMPP client security"
	case "tls":
	default:
		label = kindLabel(t.Kind) + " security"
	}
	g := displayGrade(t.Latest().R.Grade)
	return badgeView{
		Label: label, Value: g, Color: gradeColor(t.Latest().R.Grade),
		LabelW: textWidth(label) + 12, ValueW: textWidth(g) + 12,
	}
}

// textWidth estimates the width of s in 11px Verdana/DejaVu Sans, the
// badge font, in pixels.
func textWidth(s string) int {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("iljt.,:;|!' ", r):
			w += 3.8
		case strings.ContainsRune("frI()[]-", r):
			w += 4.6
		case strings.ContainsRune("mwMW", r):
			w += 10.5
		case r >= 'A' && r <= 'Z', r == '+', r == '?':
			w += 7.6
		default:
			w += 6.8
		}
	}
	return int(w + 0.5)
}
