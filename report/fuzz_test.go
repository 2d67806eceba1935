package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/imscore/imscore/probes"
)

// FuzzVisibleLine: whatever a peer sends, Visible leaves nothing a
// terminal would obey, Line makes one bounded line of it, and the JSON
// report carries it escaped and reads back the same.
func FuzzVisibleLine(f *testing.F) {
	for _, s := range []string{evil, "plain", "\u009b2J\u202e\u2028imscore: all good, grade A+", "\xff\xfe\r\n\x00", strings.Repeat("日本", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := Visible(s)
		if !utf8.ValidString(v) {
			t.Fatalf("Visible(%q) is not UTF-8", s)
		}
		for _, r := range v {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || unsafeRune(r) {
				t.Fatalf("Visible(%q) keeps %U", s, r)
			}
		}
		l := Line(s, 100)
		if len(l) > 100 {
			t.Fatalf("Line of %d bytes", len(l))
		}
		if strings.ContainsAny(l, "\n\r\t") || !utf8.ValidString(l) {
			t.Fatalf("Line(%q) = %q", s, l)
		}
		r := &Report{Target: Target{Kind: "tls", Name: s}, Findings: []Finding{{Criterion: "x", Summary: s, Evidence: []probes.Evidence{{Kind: "note", Detail: s}}}}}
		var b bytes.Buffer
		if err := WriteJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		for _, c := range b.String() {
			if c == 0x7f || unsafeRune(c) {
				t.Fatalf("JSON carries %U raw", c)
			}
		}
		back, err := ReadJSON(&b)
		if err != nil {
			t.Fatal(err)
		}
		if want := eachInvalidByte(s); back.Target.Name != want {
			t.Fatalf("JSON round trip: %q, want %q", back.Target.Name, want)
		}
	})
}

// eachInvalidByte replaces every byte of invalid UTF-8 with U+FFFD, as
// encoding/json does.
func eachInvalidByte(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += n
	}
	return b.String()
}
