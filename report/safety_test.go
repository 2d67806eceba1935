package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/imscore/imscore/probes"
)

// evil is peer text that would drive a terminal: C0 and C1 escapes (CSI
// U+009B), bidi overrides, line and paragraph separators, zero-width
// characters, invalid UTF-8, and a forged line in imscore's voice.
const evil = "\x1b[2J\u009b1;1H\u202eTXT\u202c\u2028imscore: all good, grade A+\u2029\u200b\ufeff\xff\x7f\r\nnext"

func TestVisibleEscapesEverythingATerminalObeys(t *testing.T) {
	got := Visible(evil)
	want := `\x1b[2J\u009b1;1H\u202eTXT\u202c\u2028imscore: all good, grade A+\u2029\u200b\ufeff\xff\x7f` + "\nnext"
	if got != want {
		t.Errorf("Visible(%q) = %q, want %q", evil, got, want)
	}
	if Visible(got) != got {
		t.Error("Visible is not idempotent")
	}
	for _, s := range []string{"plain ASCII\twith tab\nand newline", "Grüße, 日本語, emoji 👍"} {
		if Visible(s) != s {
			t.Errorf("Visible(%q) = %q: changed harmless text", s, Visible(s))
		}
	}
}

func TestLine(t *testing.T) {
	got := Line(evil, 0)
	if strings.ContainsAny(got, "\n\r\x1b\u009b\u202e\u2028\u2029") {
		t.Errorf("Line(%q) = %q: not one safe line", evil, got)
	}
	if want := `\x1b[2J\u009b1;1H\u202eTXT\u202c\u2028imscore: all good, grade A+\u2029\u200b\ufeff\xff\x7f next`; got != want {
		t.Errorf("Line(%q) = %q, want %q", evil, got, want)
	}
	if l := Line("a  b\n\n c\t", 0); l != "a b c" {
		t.Errorf("folding: %q", l)
	}
	huge := strings.Repeat("ü"+evil, 100000)
	l := Line(huge, 200)
	if len(l) > 200 || !utf8.ValidString(l) || !strings.HasSuffix(l, "bytes in all)") {
		t.Errorf("Line of %d bytes cut to %d bytes %q", len(huge), len(l), l)
	}
	for n := 1; n < 40; n++ {
		if l := Line(strings.Repeat("日本", 30), n); len(l) > max(n, len("… (180 bytes in all)")) || !utf8.ValidString(l) {
			t.Errorf("Line(…, %d) = %q", n, l)
		}
	}
}

// TestJSONEscapesTerminalControls: the JSON report carries the peer's text
// exactly, but as \u escapes, so `cat report.json` on a terminal shows it
// instead of obeying it.
func TestJSONEscapesTerminalControls(t *testing.T) {
	// (encoding/json writes invalid UTF-8 as an escaped U+FFFD and reads
	// it back as a raw one: not byte-identical, and not ours to check.)
	evil := strings.ToValidUTF8(evil, "?")
	r := sampleReport()
	r.Findings[0].Summary = evil
	r.Findings[0].Evidence = []probes.Evidence{{Kind: "stream", Received: evil}}
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"\u009b", "\u202e", "\u202c", "\u2028", "\u2029", "\u200b", "\ufeff", "\x7f", "\x1b"} {
		if bytes.Contains(b.Bytes(), []byte(raw)) {
			t.Errorf("JSON carries %q raw", raw)
		}
	}
	back, err := ReadJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range back.Findings {
		if f.Criterion == r.Findings[0].Criterion && f.Summary != evil {
			t.Errorf("round trip: %q, want %q", f.Summary, evil)
		}
	}
	var again bytes.Buffer
	if err := WriteJSON(&again, back); err != nil || !bytes.Equal(again.Bytes(), b.Bytes()) {
		t.Errorf("ReadJSON then WriteJSON changed the report (%v)", err)
	}
	var sarif bytes.Buffer
	if err := WriteSARIF(&sarif, r); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sarif.Bytes(), []byte("\u009b")) || !json.Valid(sarif.Bytes()) {
		t.Error("SARIF carries U+009B raw, or is not JSON")
	}
}
