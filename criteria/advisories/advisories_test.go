package advisories

import (
	"fmt"
	"strings"
	"testing"
)

func TestTableLoads(t *testing.T) {
	tb, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for sw := range Software {
		if tb.Count(sw) == 0 {
			t.Errorf("no advisory for %s", sw)
		}
	}
	t.Logf("%d advisories, reviewed %s, newest published %s", len(tb.Advisories), tb.Reviewed, tb.Newest())
}

func TestParseVersion(t *testing.T) {
	cases := []struct {
		in     string
		ok     bool
		nums   string
		distro bool
	}{
		{"0.12.3", true, "[0 12 3]", false},
		{"23.01-1", true, "[23 1]", true}, // Debian's ejabberd says so
		{"0.12.3-1+deb12u1", true, "[0 12 3]", true},
		{"1.98.0 (b=release-v1.98,0123abc)", true, "[1 98 0]", false},
		{"0.13.8+a1b2c3d", true, "[0 13 8]", false},
		{"1.127.0rc1", true, "[1 127 0]", false},
		{"trunk nightly build 1234", false, "", false},
		{"0.12 nightly build 145 (2023-05-01, 0abc)", false, "", false},
		{"1.99.0 (b=develop,0abc)", false, "", false},
		{"hg:5ae9a45b1fd3", false, "", false},
		{"", false, "", false},
	}
	for _, c := range cases {
		v, ok := ParseVersion(c.in)
		if ok != c.ok || (ok && (fmt.Sprint(v.Nums) != c.nums || v.Distro != c.distro)) {
			t.Errorf("%q: ok %v nums %v distro %v, want %v %s %v", c.in, ok, v.Nums, v.Distro, c.ok, c.nums, c.distro)
		}
	}
	if v, _ := ParseVersion("1.127.0rc1"); v.Pre == 0 {
		t.Error("rc1 not seen as a pre-release")
	}
}

func TestRanges(t *testing.T) {
	cases := []struct {
		rng, v string
		in     bool
	}{
		{"<0.12.6", "0.12.3", true},
		{"<0.12.6", "0.12.6", false},
		{"<0.12.6", "13.0.2", false},
		{">=13.0.0 <13.0.5", "13.0.2", true},
		{"<26.07", "23.01-1", true},
		{"<26.07", "26.7", false}, // 26.07 == 26.7
		{">=23.10 <25.04", "23.01", false},
		{"<1.127.1", "1.127.1rc1", true},
		{"<1.127.1", "1.127.1", false},
		{">=1.113.0rc1 <1.120.1", "1.113.0", true},
		{">=1.113.0rc1 <1.120.1", "1.112.9", false},
		{"<1.106", "1.105.9", true},
	}
	for _, c := range cases {
		cs, err := parseRange(c.rng)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := ParseVersion(c.v)
		if !ok || matches(cs, v) != c.in {
			t.Errorf("%s in %q: got %v, want %v", c.v, c.rng, matches(cs, v), c.in)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	good := `reviewed: "2026-12-02"
advisories:
  - id: X-1
    software: prosody
    affected: [{range: "<1.0", fixed: "1.0"}]
    severity: high
    title: t
    source: https://example.org/a
    published: "2026-01-01"
`
	if _, err := Parse([]byte(good)); err != nil {
		t.Fatalf("good table refused: %v", err)
	}
	for _, c := range []struct{ from, to, want string }{
		{"software: prosody", "software: openfire", "unknown software"},
		{"severity: high", "severity: bad", "severity"},
		{"https://example.org/a", "http://example.org/a", "https"},
		{`published: "2026-01-01"`, `published: "2027-01-01"`, "after the table was reviewed"},
		{`published: "2026-01-01"`, `published: "Jan 2026"`, "not a date"},
		{`range: "<1.0"`, `range: "1.0"`, "not a comparison"},
		{`fixed: "1.0"`, `fixed: "0.9"`, "inside its own range"},
		{"    title: t\n", "    title: t\n    cvss: 9\n", "field cvss not found"},
		{`reviewed: "2026-12-02"`, `reviewed: "soon"`, "reviewed"},
	} {
		bad := strings.Replace(good, c.from, c.to, 1)
		if _, err := Parse([]byte(bad)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %s: err %v, want %q", c.from, c.to, err, c.want)
		}
	}
	dup := good + strings.SplitN(good, "advisories:\n", 2)[1]
	if _, err := Parse([]byte(dup)); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate: %v", err)
	}
}

func TestAffecting(t *testing.T) {
	tb, _ := Load()
	v, _ := ParseVersion("0.12.3")
	var ids []string
	for _, m := range tb.Affecting("prosody", v) {
		ids = append(ids, m.Advisory.ID)
	}
	if strings.Join(ids, " ") != "CVE-2026-43506 CVE-2026-43507" {
		t.Errorf("Prosody 0.12.3: %v", ids)
	}
	v, _ = ParseVersion("1.127.0")
	if m := tb.Affecting("synapse", v); len(m) == 0 || m[0].Advisory.Severity != "high" {
		t.Errorf("Synapse 1.127.0: %+v (want CVE-2025-30355 among the high ones first)", m)
	}
	v, _ = ParseVersion("1.152.1")
	if m := tb.Affecting("synapse", v); len(m) != 0 {
		t.Errorf("Synapse 1.152.1: %+v", m)
	}
}

// FuzzParseVersion: a version string comes from the peer (XEP-0092, the
// Matrix version endpoint, a Server header): never a panic, and a parsed
// version compares equal to itself and matches no range it is outside.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"0.12.3", "23.01-1", "1.127.0rc1", "0.13.8+abc", "trunk nightly build 1", "99999999.1", "1.2.3.4.5", "v1", ""} {
		f.Add(s)
	}
	tb, _ := Load()
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseVersion(s)
		if !ok {
			return
		}
		if Compare(v, v) != 0 {
			t.Fatalf("%q does not equal itself", s)
		}
		for sw := range Software {
			for _, m := range tb.Affecting(sw, v) {
				cs, _ := parseRange(m.Range.Range)
				if !matches(cs, v) {
					t.Fatalf("%q reported in %q", s, m.Range.Range)
				}
			}
		}
	})
}
