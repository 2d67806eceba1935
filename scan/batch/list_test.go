package batch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func keys(l *List) []string {
	var out []string
	for _, t := range l.Targets {
		out = append(out, t.Key())
	}
	return out
}

func TestParseList(t *testing.T) {
	in := `# my servers
xmpp:Example.ORG.          # a comment
matrix:example.org:8448
tls:[2001:db8::1]:5223

  tls:mail.example.org:443
xmpp:example.org
MATRIX:Other.example
`
	l, err := ParseList(strings.NewReader(in), "list.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := "xmpp:example.org matrix:example.org:8448 tls:[2001:db8::1]:5223 tls:mail.example.org:443 matrix:other.example"
	if got := strings.Join(keys(l), " "); got != want {
		t.Errorf("targets %s\nwant    %s", got, want)
	}
	if l.Targets[1].Source != "list.txt:3" || l.Targets[4].Source != "list.txt:8" {
		t.Errorf("sources %s %s", l.Targets[1].Source, l.Targets[4].Source)
	}
	if len(l.Notes) != 1 || !strings.Contains(l.Notes[0], "list.txt:7: xmpp:example.org is listed again (first at list.txt:2)") {
		t.Errorf("notes %q", l.Notes)
	}
	if d := l.Targets[0].Domain(); d != "example.org" {
		t.Errorf("domain %s", d)
	}
	if d := l.Targets[3].Domain(); d != "example.org" {
		t.Errorf("domain of mail.example.org:443 is %s, want example.org", d)
	}
	if d := l.Targets[2].Domain(); d != "2001:db8::1" {
		t.Errorf("domain %s", d)
	}
}

// A bad list gets one line naming the file and line, and nothing else is
// read.
func TestParseListErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"xmpp:ok.example\nexample.org\n", `l.txt:2: "example.org": want KIND:NAME`},
		{"irc:example.org", `l.txt:1: unknown kind "irc"`},
		{"\n\nxmpp:user@example.org", "l.txt:3: "},
		{"xmpp:exa mple.org", "l.txt:1: "},
		{"xmpp:evil\x1b[2J.example", `l.txt:1: name "evil\x1b[2J.example" has a character no host name has (U+001B)`},
		{"xmpp:\u202eevil.example", `has a character no host name has (U+202E)`},
		{"tls:example.org", `l.txt:1: "example.org": want HOST:PORT`},
		{"tls:example.org:99999", "bad port"},
		{"matrix:https://example.org", "l.txt:1: "},
		{"xmpp:" + strings.Repeat("a", 300), "too long for a host name"},
		{"xmpp:a.example\n" + strings.Repeat("x", 5000) + "\n", "l.txt:2: line longer than 4096 bytes"},
	}
	for _, c := range cases {
		l, err := ParseList(strings.NewReader(c.in), "l.txt")
		var le *ListError
		if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) || l != nil {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
			continue
		}
		if strings.ContainsAny(err.Error(), "\n\x1b\u202e") {
			t.Errorf("%q: the error is not one safe line: %q", c.in, err)
		}
	}
}

// Huge lists: more than MaxListBytes, or more than MaxTargets, stop at the
// line where the bound is passed.
func TestParseListBounds(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() <= MaxListBytes; i++ {
		b.WriteString("# padding padding padding padding padding padding padding padding padding padding padding\n")
	}
	_, err := ParseList(strings.NewReader(b.String()), "big.txt")
	if err == nil || !strings.Contains(err.Error(), "larger than 32 MiB") || !strings.HasPrefix(err.Error(), "big.txt:") {
		t.Errorf("a list over 32 MiB: %v", err)
	}
	b.Reset()
	for i := 0; i <= MaxTargets; i++ {
		fmt.Fprintf(&b, "xmpp:d%d.example\n", i)
	}
	_, err = ParseList(strings.NewReader(b.String()), "many.txt")
	if want := fmt.Sprintf("many.txt:%d: more than %d targets", MaxTargets+1, MaxTargets); err == nil || err.Error() != want {
		t.Errorf("too many targets: %v, want %s", err, want)
	}
}

func readTestdata(t *testing.T, name string, parse func(r *os.File, file string) (*List, error)) *List {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := parse(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func claimText(cs []Claim) string {
	var out []string
	for _, c := range cs {
		s := c.Key + "=" + c.describe()
		if c.Source != "" {
			s += "@" + c.Source
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestParseXMPPProviders(t *testing.T) {
	parse := func(r *os.File, file string) (*List, error) { return ParseXMPPProviders(r, file) }
	// The full data: an object by JID, properties as {"content": …}.
	l := readTestdata(t, "providers-full.json", parse)
	if got := strings.Join(keys(l), " "); got != "xmpp:example.org xmpp:declined.example xmpp:silent.example xmpp:nostatement.example" {
		t.Fatalf("targets %s", got)
	}
	src := "https://example.org/.well-known/xmpp-provider-v2.json"
	if got := claimText(l.Targets[0].Claims); got != "registration=yes@"+src+" captcha=no upload-size=100 MB tls-c2s=A" {
		t.Errorf("claims %s", got)
	}
	if l.Targets[0].Skip != "" || l.Targets[0].Source != "providers-full.json:2" {
		t.Errorf("example.org: skip %q, source %s", l.Targets[0].Skip, l.Targets[0].Source)
	}
	if s := l.Targets[1].Skip; !strings.Contains(s, "does not allow tests of its server (serverTesting is false") {
		t.Errorf("declined: %q", s)
	}
	if s := l.Targets[2].Skip; !strings.Contains(s, "has not allowed tests") || !strings.Contains(s, "no provider file grants it") {
		t.Errorf("silent: %q", s)
	}
	if l.Targets[3].Skip != "" || len(l.Targets[3].Claims) != 0 {
		t.Errorf("no statement: %+v", l.Targets[3])
	}
	// The filtered lists: an array of flat objects with "jid".
	l = readTestdata(t, "providers-A.json", parse)
	if got := strings.Join(keys(l), " "); got != "xmpp:example.org xmpp:second.example" {
		t.Fatalf("targets %s", got)
	}
	if got := claimText(l.Targets[0].Claims); got != "registration=yes email=no upload-size=no limit tls-c2s=A tls-s2s=B" {
		t.Errorf("claims %s", got)
	}
	if l.Targets[1].Source != "providers-A.json:12" {
		t.Errorf("source %s", l.Targets[1].Source)
	}
}

func TestParseXMPPProvidersErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`[{"jid": "a.example"},` + "\n" + `{"jid": "b.example"` + "\n" + `"x": 1}]`, "p.json:3: not valid JSON"},
		{"[\n{\"jid\": \"a.example\"},\n{\"name\": \"b\"}\n]", `p.json:3: provider without a "jid"`},
		{"[\n{\"jid\": \"bad domain.example\"}\n]", "p.json:2: provider "},
		{"[\n  42\n]", "p.json:2: want an object for each entry"},
		{`"just a string"`, "p.json:1: want a JSON array or object"},
		{"[\n{\"jid\": \"a.example\"}\n] trailing", "p.json:3: unexpected"},
		{"{\"a.example\": {}", "p.json:1: the JSON ends too early"},
		{"", "p.json:1: "},
		{strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "p.json:1: "},
	}
	for _, c := range cases {
		l, err := ParseXMPPProviders(strings.NewReader(c.in), "p.json")
		if err == nil || l != nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%.40q: error %v, want %q", c.in, err, c.want)
		}
	}
	huge := "[" + strings.Repeat(`{"jid": "a.example", "pad": "`+strings.Repeat("x", 1000)+`"},`+"\n", MaxListBytes/1000) + "]"
	if _, err := ParseXMPPProviders(strings.NewReader(huge), "huge.json"); err == nil || !strings.Contains(err.Error(), "larger than 32 MiB") || !strings.HasPrefix(err.Error(), "huge.json:") {
		t.Errorf("huge: %v", err)
	}
}

func TestParseMatrixServers(t *testing.T) {
	parse := func(r *os.File, file string) (*List, error) { return ParseMatrixServers(r, file) }
	l := readTestdata(t, "servers-old.json", parse)
	if got := strings.Join(keys(l), " "); got != "matrix:example.org matrix:other.example" {
		t.Fatalf("targets %s", got)
	}
	if got := claimText(l.Targets[0].Claims); got != "registration=yes captcha=yes software=Synapse 1.74.0" {
		t.Errorf("claims %s", got)
	}
	if got := claimText(l.Targets[1].Claims); got != "registration=no software=Dendrite" {
		t.Errorf("claims %s", got)
	}
	l = readTestdata(t, "servers-new.json", parse)
	if got := strings.Join(keys(l), " "); got != "matrix:example.org matrix:b.example:8448" {
		t.Fatalf("targets %s", got)
	}
	if got := claimText(l.Targets[0].Claims); got != "captcha=no email=yes software=Conduwuit 0.5.0" {
		t.Errorf("claims %s", got)
	}
	if l.Targets[1].Source != "servers-new.json:5" {
		t.Errorf("source %s", l.Targets[1].Source)
	}
	for _, c := range []struct{ in, want string }{
		{`{"servers": []}`, `neither an array of servers nor an object with "public_servers"`},
		{`{"public_servers": {}}`, `"public_servers" is not an array`},
		{"[\n{\"name\": \"ok.example\"},\n{\"domain\": \"x\"}]", `s.json:3: server without a "name"`},
		{"[\n{\"name\": \"@user:example.org\"}]", "s.json:2: server "},
	} {
		if _, err := ParseMatrixServers(strings.NewReader(c.in), "s.json"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
}

func TestShard(t *testing.T) {
	var ts []Target
	for i := range 1000 {
		ts = append(ts, Target{Kind: KindXMPP, Name: fmt.Sprintf("d%d.example", i)})
	}
	seen := map[string]int{}
	for i := 1; i <= 7; i++ {
		s, err := ParseShard(fmt.Sprintf("%d/7", i))
		if err != nil {
			t.Fatal(err)
		}
		part := s.Select(ts)
		if len(part) < 100 || len(part) > 190 {
			t.Errorf("shard %s has %d of 1000 targets", s, len(part))
		}
		for _, x := range part {
			seen[x.Key()]++
		}
		// The same shard of the list in another order is the same set.
		rev := append([]Target(nil), ts...)
		for a, b := 0, len(rev)-1; a < b; a, b = a+1, b-1 {
			rev[a], rev[b] = rev[b], rev[a]
		}
		if got := s.Select(rev); len(got) != len(part) {
			t.Errorf("shard %s depends on the order: %d vs %d", s, len(got), len(part))
		}
	}
	for _, x := range ts {
		if seen[x.Key()] != 1 {
			t.Errorf("%s is in %d shards", x, seen[x.Key()])
		}
	}
	for _, bad := range []string{"0/3", "4/3", "1/0", "a/b", "1", "1/3/4", "-1/3"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("--shard %s accepted", bad)
		}
	}
}

// A text list saved with a UTF-8 byte order mark reads as without one; a
// BOM anywhere but the start is still refused.
func TestParseListBOM(t *testing.T) {
	l, err := ParseList(strings.NewReader("\ufeffxmpp:example.org\nmatrix:example.org\n"), "bom.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys(l), " "); got != "xmpp:example.org matrix:example.org" {
		t.Errorf("targets %s", got)
	}
	if _, err := ParseList(strings.NewReader("xmpp:example.org\n\ufeffxmpp:b.example\n"), "bom.txt"); err == nil {
		t.Error("a BOM on line 2 was taken")
	}
}
