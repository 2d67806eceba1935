package web

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestContrast checks the palette of style.css against WCAG 2.x contrast
// (§1.4.3: 4.5:1 for text) in the light and the dark scheme: body text,
// muted text, links and every status colour on the page and card
// backgrounds, and the text on every grade colour.
func TestContrast(t *testing.T) {
	css, err := os.ReadFile("style.css")
	if err != nil {
		t.Fatal(err)
	}
	s := string(css)
	dark := strings.Index(s, "@media (prefers-color-scheme: dark)")
	if dark < 0 {
		t.Fatal("no dark scheme")
	}
	light := palette(s[:dark])
	darkP := palette(s[dark:])
	// The dark block overrides some variables; the rest come from light.
	for k, v := range light {
		if _, ok := darkP[k]; !ok {
			darkP[k] = v
		}
	}
	texts := []string{"fg", "muted", "link", "pass", "warn", "fail", "info", "skip", "error"}
	grades := []string{"g-aplus", "g-a", "g-b", "g-c", "g-d", "g-e", "g-f", "g-unknown"}
	for name, p := range map[string]map[string]string{"light": light, "dark": darkP} {
		for _, bg := range []string{"bg", "card"} {
			for _, fg := range texts {
				check(t, name, p, fg, bg, 4.5)
			}
		}
		for _, g := range grades {
			check(t, name, p, "on-grade", g, 4.5)
		}
	}
}

var varRe = regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;`)

func palette(block string) map[string]string {
	p := map[string]string{}
	for _, m := range varRe.FindAllStringSubmatch(block, -1) {
		if _, seen := p[m[1]]; !seen {
			p[m[1]] = m[2]
		}
	}
	return p
}

func check(t *testing.T, scheme string, p map[string]string, fg, bg string, min float64) {
	t.Helper()
	a, b := p[fg], p[bg]
	if a == "" || b == "" {
		t.Errorf("%s: --%s or --%s missing", scheme, fg, bg)
		return
	}
	r := contrast(a, b)
	if r < min {
		t.Errorf("%s: --%s %s on --%s %s has contrast %.2f:1, want at least %.1f:1", scheme, fg, a, bg, b, r, min)
	}
}

// contrast is the WCAG contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}

func TestContrastFormula(t *testing.T) {
	if r := contrast("#000000", "#ffffff"); math.Abs(r-21) > 0.01 {
		t.Errorf("black on white = %.2f, want 21", r)
	}
	if r := contrast("#777777", "#ffffff"); r > 4.5 || r < 4.4 {
		t.Errorf("#777 on white = %.2f, want about 4.48", r)
	}
}
