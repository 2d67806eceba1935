package criteria

import (
	"bufio"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/imscore/imscore/report"
)

var update = flag.Bool("update", false, "add new criterion IDs to testdata/published-ids.txt")

func TestMetadataIsComplete(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	// The fix for every server software of every kind a criterion applies to.
	// Client criteria need the general fix; the fix per client and library
	// is checked where the verdicts are known: every warn or fail a tested
	// Debian client gets names a fix for it or its library (fixtures/
	// clients, TestDebianClients).
	software := map[string][]string{"tls": {"nginx"}, "xmpp": {"prosody", "ejabberd"}, "matrix": {"synapse", "dendrite"}, "xmpp-client": {}}
	for _, m := range all {
		if m.Statuses["pass"] == "" && m.Statuses["info"] == "" {
			t.Errorf("criterion %s documents neither pass nor info", m.ID)
		}
		if m.Statuses["error"] == "" {
			t.Errorf("criterion %s does not document when it is an error", m.ID)
		}
		for st := range m.Statuses {
			switch report.Status(st) {
			case report.Pass, report.Warn, report.Fail, report.Info, report.Skip, report.Error:
			default:
				t.Errorf("criterion %s documents unknown status %q", m.ID, st)
			}
		}
		for _, kind := range m.Targets {
			keys, ok := software[kind]
			if !ok {
				t.Errorf("criterion %s: unknown target kind %q", m.ID, kind)
			}
			for _, k := range keys {
				if m.Remediation[k] == "" {
					t.Errorf("criterion %s applies to %s but has no fix for %s", m.ID, kind, k)
				}
			}
		}
	}
}

// TestPublishedIDs keeps the public contract: an ID once published (in
// DESIGN.md, an issue, a release) must not disappear or be renamed.
func TestPublishedIDs(t *testing.T) {
	const path = "testdata/published-ids.txt"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var header, published []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
			header = append(header, line)
		case line != "":
			published = append(published, line)
		}
	}
	f.Close()
	for _, id := range published {
		if _, ok := Lookup(id); !ok {
			t.Errorf("published criterion %s is gone: IDs are a public contract (--require, policies, dashboards)", id)
		}
	}
	if !*update {
		return
	}
	all, _ := All()
	for _, m := range all {
		if !slices.Contains(published, m.ID) {
			published = append(published, m.ID)
		}
	}
	slices.Sort(published)
	out := strings.Join(header, "\n") + "\n" + strings.Join(published, "\n") + "\n"
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The loader refuses metadata and bindings that do not line up.
func TestLoaderChecksBothSides(t *testing.T) {
	areas := &fstest.MapFile{Data: []byte("areas:\n  - id: tls\n    title: TLS\n")}
	meta := func(id, area string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(`criteria:
  - id: ` + id + `
    area: ` + area + `
    title: T
    severity: high
    weight: 1
    targets: [tls]
    why: w
    how: h
    references: [{title: r, url: "https://example.org/"}]
    remediation: {general: g}
`)}
	}
	nop := func(Input) Verdict { return Verdict{} }
	cases := []struct {
		name string
		fs   fstest.MapFS
		cs   []concern
		want string
	}{
		{"ok", fstest.MapFS{"areas.yaml": areas, "a.yaml": meta("x.one", "tls")}, []concern{{"a", []binding{{"x.one", nop}}}}, ""},
		{"no evaluator", fstest.MapFS{"areas.yaml": areas, "a.yaml": meta("x.one", "tls")}, []concern{{"a", nil}}, "has no evaluator in a.go"},
		{"no metadata", fstest.MapFS{"areas.yaml": areas, "a.yaml": meta("x.one", "tls")}, []concern{{"a", []binding{{"x.one", nop}, {"x.two", nop}}}}, "evaluator x.two has no metadata in a.yaml"},
		{"unknown area", fstest.MapFS{"areas.yaml": areas, "a.yaml": meta("x.one", "nope")}, []concern{{"a", []binding{{"x.one", nop}}}}, `unknown area "nope"`},
		{"twice", fstest.MapFS{"areas.yaml": areas, "a.yaml": meta("x.one", "tls"), "b.yaml": meta("x.one", "tls")}, []concern{{"a", []binding{{"x.one", nop}}}, {"b", []binding{{"x.one", nop}}}}, "defined twice"},
		{"missing file", fstest.MapFS{"areas.yaml": areas}, []concern{{"a", nil}}, "a.yaml"},
		{"unknown key", fstest.MapFS{"areas.yaml": areas, "a.yaml": {Data: []byte("criteria: []\nextra: 1\n")}}, []concern{{"a", nil}}, "field extra not found"},
	}
	for _, c := range cases {
		_, _, err := loadFS(c.fs, c.cs)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// Every YAML file embedded is one of the concerns (or areas.yaml), so no
// metadata file is silently ignored.
func TestNoStrayMetadataFiles(t *testing.T) {
	files, err := dataFS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name(), ".yaml")
		if name == "areas" {
			continue
		}
		if !slices.ContainsFunc(concerns, func(c concern) bool { return c.Name == name }) {
			t.Errorf("%s is not a concern in table.go: its criteria would never load", f.Name())
		}
	}
}
