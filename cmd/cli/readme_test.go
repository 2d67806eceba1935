package cli

// The README's CI recipes are part of the product: these tests parse them,
// check every imscore command line against the real command tree, and run
// the GitLab job's script for real against local Prosody servers (the
// GitHub job uses hosted actions and cannot run here; its imscore lines
// are the same commands).

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/imscore/imscore/fixtures/testenv"
)

// readmeBlock returns the first ```yaml block after heading.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, heading)
	if i < 0 {
		t.Fatalf("README has no %q", heading)
	}
	s = s[i:]
	start := strings.Index(s, "```yaml\n")
	end := strings.Index(s[start+8:], "\n```")
	if start < 0 || end < 0 {
		t.Fatalf("no yaml block after %q", heading)
	}
	return s[start+8 : start+8+end+1]
}

var flagRe = regexp.MustCompile(`(?:^|\s)(--?[a-z][a-z-]*)`)

// checkCommandLine checks that an "imscore ..." shell line names a real
// command and only flags that command has.
func checkCommandLine(t *testing.T, line string) {
	t.Helper()
	i := strings.Index(line, "imscore ")
	if i < 0 || strings.Contains(line[:i], "go install") || strings.Contains(line[:i], "echo") {
		return
	}
	cmdline := line[i+len("imscore "):]
	if j := strings.IndexAny(cmdline, "|;&"); j >= 0 {
		cmdline = cmdline[:j]
	}
	var words []string
	for _, w := range strings.Fields(cmdline) {
		if strings.HasPrefix(w, "-") {
			break
		}
		words = append(words, w)
	}
	root := newRoot(context.Background(), io.Discard, io.Discard)
	cmd, _, err := root.Find(words)
	if err != nil || cmd == root {
		t.Errorf("README: %q is not an imscore command", strings.TrimSpace(line))
		return
	}
	for _, m := range flagRe.FindAllStringSubmatch(cmdline, -1) {
		name := strings.TrimLeft(m[1], "-")
		var ok bool
		if strings.HasPrefix(m[1], "--") {
			ok = cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil
		} else {
			ok = cmd.Flags().ShorthandLookup(name) != nil || cmd.InheritedFlags().ShorthandLookup(name) != nil
		}
		if !ok {
			t.Errorf("README: %q: imscore %s has no flag %s", strings.TrimSpace(line), cmd.Name(), m[1])
		}
	}
}

func TestReadmeCIRecipesParse(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "imscore.yaml")
	if err := os.WriteFile(policy, []byte(readmeBlock(t, "### The policy file")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPolicy(policy); err != nil {
		t.Errorf("README policy example: %v", err)
	}
	var gh struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(readmeBlock(t, "### Nightly job: GitHub Actions")), &gh); err != nil {
		t.Fatalf("GitHub Actions job is not YAML: %v", err)
	}
	n := 0
	for _, j := range gh.Jobs {
		for _, s := range j.Steps {
			for _, l := range strings.Split(s.Run, "\n") {
				if strings.Contains(l, "imscore ") {
					n++
					checkCommandLine(t, l)
				}
			}
		}
	}
	var gl map[string]struct {
		Script []string `yaml:"script"`
	}
	if err := yaml.Unmarshal([]byte(readmeBlock(t, "### Nightly job: GitLab CI")), &gl); err != nil {
		t.Fatalf("GitLab CI job is not YAML: %v", err)
	}
	for _, j := range gl {
		for _, s := range j.Script {
			for _, l := range strings.Split(s, "\n") {
				if strings.Contains(l, "imscore ") {
					n++
					checkCommandLine(t, l)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d imscore command lines found in the CI recipes", n)
	}
}

// TestReadmeGitLabJobRuns runs the GitLab job's script with bash, as GitLab
// would (set -e), with imscore on PATH (scans given our test DNS server
// and CA) and the GitLab API served locally: a first night is the
// baseline, a second night against a server that got worse fails on the
// diff, and a manual run with ACCEPT=1 passes.
func TestReadmeGitLabJobRuns(t *testing.T) {
	testenv.Need(t, "prosody")
	var gl map[string]struct {
		Script []string `yaml:"script"`
	}
	if err := yaml.Unmarshal([]byte(readmeBlock(t, "### Nightly job: GitLab CI")), &gl); err != nil {
		t.Fatal(err)
	}
	job, ok := gl["imscore-nightly"]
	if !ok {
		t.Fatal("no imscore-nightly job")
	}
	var script strings.Builder
	script.WriteString("set -eo pipefail\n")
	for _, l := range job.Script {
		if strings.HasPrefix(l, "go install ") {
			continue // imscore is built below and put on PATH
		}
		script.WriteString(l + "\n")
	}

	bin := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "imscore-real"), "../imscore").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)

	// The GitLab API: the last successful pipeline's report.json.
	var baseline []byte
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if baseline == nil || !strings.HasSuffix(r.URL.Path, "/raw/report.json") || r.URL.Query().Get("job") != "imscore-nightly" {
			http.NotFound(w, r)
			return
		}
		w.Write(baseline)
	}))
	defer api.Close()

	night := func(opts testenv.ProsodyOptions, accept bool) (int, string, string) {
		x := testenv.StartProsody(t, opts)
		defer x.Stop()
		dns := testenv.StartDNS(t, xmppZone(x), false)
		wrapper := "#!/bin/bash\nif [ \"$1\" = scan ]; then exec " + filepath.Join(bin, "imscore-real") + " \"$@\" --resolver " + dns.Addr + " --ca-file " + pki.CAFile + "; fi\nexec " + filepath.Join(bin, "imscore-real") + " \"$@\"\n"
		if err := os.WriteFile(filepath.Join(bin, "imscore"), []byte(wrapper), 0o755); err != nil {
			t.Fatal(err)
		}
		work := t.TempDir()
		if err := os.WriteFile(filepath.Join(work, "imscore.yaml"), []byte("min_grade: C\nrequire:\n  - xmpp.c2s.starttls-required\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "TARGET=example.test",
			"CI_API_V4_URL="+api.URL, "CI_PROJECT_ID=7", "CI_COMMIT_REF_NAME=main", "CI_JOB_NAME=imscore-nightly", "CI_JOB_TOKEN=t")
		if accept {
			cmd.Env = append(cmd.Env, "ACCEPT=1")
		}
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"report.json", "report.junit.xml", "report.sarif", "site/index.html"} {
			if _, err := os.Stat(filepath.Join(work, f)); err != nil {
				t.Errorf("the job wrote no %s", f)
			}
		}
		return code, string(out), work
	}
	good := testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true}
	worse := good
	// TLS 1.3 switched off: a warn where there was a pass. (Open
	// registration no longer serves: without --active a form offered after
	// TLS is "not proven", info.)
	worse.TLSProtocol = "tlsv1_2"

	code, out, work := night(good, false)
	if code != 0 {
		t.Fatalf("first night: exit %d\n%s", code, out)
	}
	var err error
	if baseline, err = os.ReadFile(filepath.Join(work, "report.json")); err != nil {
		t.Fatal(err)
	}
	code, out, _ = night(worse, false)
	if code != 1 || !strings.Contains(out, "tls.protocol.tls13") {
		t.Fatalf("second night (server got worse): exit %d, want 1 naming the regression\n%s", code, out)
	}
	code, out, _ = night(worse, true)
	if code != 0 {
		t.Fatalf("manual run with ACCEPT=1: exit %d\n%s", code, out)
	}
}

// TestReadmeBatchCommands checks every imscore command line of the
// README's batch section against the real command tree and its flags.
func TestReadmeBatchCommands(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "## Many servers at once: `imscore batch`")
	if i < 0 {
		t.Fatal("README has no batch section")
	}
	s = s[i+3:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	n := 0
	for _, block := range strings.Split(s, "```sh\n")[1:] {
		block, _, _ = strings.Cut(block, "\n```")
		for _, l := range strings.Split(block, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "imscore ") {
				n++
				checkCommandLine(t, l)
			}
		}
	}
	if n < 4 {
		t.Errorf("only %d imscore command lines in the README's batch section", n)
	}
}
