package batch

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// lineAt counts on from its last offset and still names the right line,
// for offsets in order and out of it.
func TestJSONListLineAt(t *testing.T) {
	var b strings.Builder
	b.WriteString("[\n")
	for i := range 500 {
		fmt.Fprintf(&b, "  {\"jid\": \"p%03d.example\"},\n\n", i)
	}
	b.WriteString("  {}\n]\n")
	j, err := readJSONList(strings.NewReader(b.String()), "l.json")
	if err != nil {
		t.Fatal(err)
	}
	naive := func(off int64) int {
		for off < int64(len(j.data)) && bytes.IndexByte([]byte(" \t\r\n,:"), j.data[off]) >= 0 {
			off++
		}
		return bytes.Count(j.data[:off], []byte("\n")) + 1
	}
	r := rand.New(rand.NewPCG(1, 2))
	var offs []int64
	for off := int64(0); off <= int64(len(j.data))+3; off += int64(r.IntN(40)) + 1 {
		offs = append(offs, off)
	}
	for i := 0; i < 50; i++ { // and some going back
		offs = append(offs, int64(r.IntN(len(j.data)+5)))
	}
	for _, off := range offs {
		if got, want := j.lineAt(off), naive(min(off, int64(len(j.data)))); got != want {
			t.Fatalf("lineAt(%d) = %d, want %d", off, got, want)
		}
	}
}

// BenchmarkParseXMPPProvidersLarge parses a list of 20,000 providers: with
// lines counted from the start for every entry it was quadratic.
func BenchmarkParseXMPPProvidersLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[\n")
	for i := range 20000 {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, "  {\n    \"jid\": \"p%05d.example\",\n    \"inBandRegistration\": true\n  }", i)
	}
	sb.WriteString("\n]\n")
	data := sb.String()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		l, err := ParseXMPPProviders(strings.NewReader(data), "big.json")
		if err != nil || len(l.Targets) != 20000 {
			b.Fatal(err)
		}
	}
}
