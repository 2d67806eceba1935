package batch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imscore/imscore/report"
)

// Lists are untrusted input: whatever the bytes, a parser returns targets
// that are valid targets, or a ListError of one safe line — never a panic.
func fuzzList(f *testing.F, parse func([]byte) (*List, error), seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := parse(data)
		if err != nil {
			var le *ListError
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v, want a *ListError", err, err)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || report.Visible(msg) != msg {
				t.Fatalf("error is not one safe line: %q", msg)
			}
			if le.Line < 0 || le.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("error names line %d of a %d-line list", le.Line, bytes.Count(data, []byte("\n"))+1)
			}
			return
		}
		if len(l.Targets) > MaxTargets {
			t.Fatalf("%d targets", len(l.Targets))
		}
		seen := map[string]bool{}
		for _, tg := range l.Targets {
			again, err := NewTarget(tg.Kind, tg.Name)
			if err != nil || again.Key() != tg.Key() {
				t.Fatalf("target %q is not a valid target: %v", tg.Key(), err)
			}
			if seen[tg.Key()] {
				t.Fatalf("%s twice", tg.Key())
			}
			seen[tg.Key()] = true
		}
	})
}

func FuzzParseList(f *testing.F) {
	fuzzList(f, func(b []byte) (*List, error) { return ParseList(bytes.NewReader(b), "l.txt") },
		"xmpp:example.org\n# c\n\nmatrix:example.org:8448\ntls:[::1]:443\n", "xmpp:a b\n", "tls:x:99999\n", "xmpp:\xff\n")
}

func FuzzParseXMPPProviders(f *testing.F) {
	seeds := []string{`[{"jid":"a.example","serverTesting":false}]`, `{"a.example":{"inBandRegistration":{"content":true}}}`, `[{"jid":5}]`, `[`}
	if b, err := os.ReadFile(filepath.Join("testdata", "providers-A.json")); err == nil {
		seeds = append(seeds, string(b))
	}
	fuzzList(f, func(b []byte) (*List, error) { return ParseXMPPProviders(bytes.NewReader(b), "p.json") }, seeds...)
}

func FuzzParseMatrixServers(f *testing.F) {
	seeds := []string{`[{"name":"matrix.org","open":true}]`, `{"public_servers":[{"name":"a.example","software":"Synapse","version":"1.0"}]}`, `{"x":1}`}
	if b, err := os.ReadFile(filepath.Join("testdata", "servers-new.json")); err == nil {
		seeds = append(seeds, string(b))
	}
	fuzzList(f, func(b []byte) (*List, error) { return ParseMatrixServers(bytes.NewReader(b), "s.json") }, seeds...)
}
