package criteria

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestEjabberdFixesNameRealModules: every ejabberd module a fix tells
// admins to enable exists in Debian's ejabberd (a misspelt module stops
// ejabberd from starting: "unknown ejabberd module").
func TestEjabberdFixesNameRealModules(t *testing.T) {
	dirs, _ := filepath.Glob("/usr/lib/*/ejabberd-*/ebin")
	if len(dirs) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("ejabberd is not installed (scripts/install-test-deps)")
		}
		t.Skip("ejabberd is not installed")
	}
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	modRe := regexp.MustCompile(`\bmod_[a-z0-9_]+`)
	// Modules of later ejabberd releases than Debian's, with the release
	// that added them (ejabberd's CHANGELOG.md), which the fix must name.
	newer := map[string]string{"mod_auth_fast": "24.12"}
	seen := map[string]bool{}
	for _, m := range all {
		for _, name := range modRe.FindAllString(m.Remediation["ejabberd"], -1) {
			if seen[name] {
				continue
			}
			seen[name] = true
			if v, ok := newer[name]; ok {
				if !strings.Contains(m.Remediation["ejabberd"], v) {
					t.Errorf("%s: the ejabberd fix names %s without saying it needs ejabberd %s", m.ID, name, v)
				}
				continue
			}
			if _, err := os.Stat(filepath.Join(dirs[0], name+".beam")); err != nil {
				t.Errorf("%s: the ejabberd fix names %s, which %s does not have", m.ID, name, dirs[0])
			}
		}
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%d ejabberd modules named in fixes: %v", len(names), names)
}

// TestProsodyFixesNameRealModules: every module a Prosody fix puts in
// modules_enabled (or a Component line) exists in Debian's Prosody, except
// the community modules the fix itself says to install.
func TestProsodyFixesNameRealModules(t *testing.T) {
	const dir = "/usr/lib/prosody/modules"
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prosody is not installed (scripts/install-test-deps)")
		}
		t.Skip("prosody is not installed")
	}
	// Prosody 13 / prosody-modules, said so in the fix.
	community := map[string]bool{"cloud_notify": true, "sasl2": true, "sasl2_bind2": true, "sasl2_fast": true, "sasl_ssdp": true}
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	listRe := regexp.MustCompile(`modules_enabled\s*=\s*\{([^}]*)\}`)
	compRe := regexp.MustCompile(`Component\s+"[^"]+"\s+"([a-z0-9_]+)"`)
	nameRe := regexp.MustCompile(`"([a-z0-9_]+)"`)
	n := 0
	for _, m := range all {
		fix := m.Remediation["prosody"]
		var names []string
		for _, l := range listRe.FindAllStringSubmatch(fix, -1) {
			for _, q := range nameRe.FindAllStringSubmatch(l[1], -1) {
				names = append(names, q[1])
			}
		}
		for _, c := range compRe.FindAllStringSubmatch(fix, -1) {
			names = append(names, c[1])
		}
		for _, name := range names {
			n++
			if community[name] {
				continue
			}
			_, e1 := os.Stat(filepath.Join(dir, "mod_"+name+".lua"))
			_, e2 := os.Stat(filepath.Join(dir, "mod_"+name))
			_, e3 := os.Stat(filepath.Join(dir, name)) // e.g. muc/ holds mod_muc
			if e1 != nil && e2 != nil && e3 != nil {
				t.Errorf("%s: the Prosody fix enables %q, which Debian's Prosody does not have", m.ID, name)
			}
		}
	}
	t.Logf("%d module names checked", n)
}
