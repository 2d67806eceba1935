package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{"frobnicate"},
		{"scan", "tls"},
		{"scan", "tls", "a:1", "b:2"},
		{"scan", "tls", "example.invalid:99999"},
		{"scan", "tls", "example.invalid:443", "--format", "xml"},
		{"scan", "tls", "example.invalid:443", "--starttls", "smtp"},
		{"scan", "tls", "example.invalid:443", "--fail-under", "Z"},
		{"scan", "tls", "example.invalid:443", "--require", "no.such.criterion"},
		{"scan", "tls", "example.invalid:443", "--connect", "nonsense"},
		{"scan", "tls", "example.invalid:443", "--resolver", "not-an-ip"},
		{"scan", "tls", "example.invalid:443", "--ca-file", "/nonexistent.pem"},
		{"scan", "tls", "example.invalid:443", "--account", "a@example.invalid"},
		{"scan", "tls", "127.0.0.1:5222", "--starttls", "xmpp-client"},
		{"scan", "tls", "example.invalid:443", "--no-such-flag"},
		{"explain", "no.such.id"},
		{"scan"},
		{"scan", "bogus", "example.invalid"},
		{"scan", "tls", "127.0.0.1:443", "-o", "/nonexistent-dir/r.json"},
		{"explain"},
		{"scan", "tls", "127.0.0.1:443", "-4", "-6"},
		{"scan", "tls", "127.0.0.1:443", "-6", "--require-all-families"},
		{"test-client", "xmpp", "--domain", "test.example", "--listen", "127.0.0.1:0", "--exec", ""},
		{"test-client", "xmpp", "--domain", "test.example", "--listen", "127.0.0.1:0", "--exec", "  "},
	}
	for _, args := range cases {
		code, _, stderr := run(t, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitUsage, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "imscore: ") || len(lines) > 2 {
			t.Errorf("%v: stderr not a one-line error: %q", args, stderr)
		}
	}
}

func TestCriteriaAndExplain(t *testing.T) {
	code, out, _ := run(t, "criteria")
	if code != 0 || !strings.Contains(out, "tls.protocol.no-tls10-11") || !strings.Contains(out, "why:") {
		t.Fatalf("criteria: %d %q", code, out)
	}
	code, out, _ = run(t, "criteria", "--format", "json")
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) < 12 {
		t.Fatalf("criteria json: %d %q", code, out)
	}
	code, out, _ = run(t, "explain", "tls.protocol.no-tls10-11")
	for _, want := range []string{"Why it matters", "How imscore measures it", "How to fix", "nginx", "prosody", "RFC 8996", "at most B"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q", want)
		}
	}
	if code != 0 {
		t.Fatalf("explain exit %d", code)
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "imscore ") || !strings.Contains(out, "commit") {
		t.Fatalf("version: %d %q", code, out)
	}
	for _, args := range [][]string{{"--help"}, {"scan", "tls", "--help"}, {"criteria", "--help"}, {"explain", "--help"}, {"render", "--help"}} {
		code, out, _ := run(t, args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: %d %q", args, code, out)
		}
	}
	_, out, _ = run(t, "scan", "tls", "--help")
	for _, flag := range []string{"--starttls", "--sni", "--xmpp-domain", "--resolver", "--connect", "--ca-file", "--fail-under", "--timeout", "--format"} {
		if !strings.Contains(out, flag) {
			t.Errorf("scan tls --help lacks %s", flag)
		}
	}
}

// scan tls never logs in: its help does not offer the account flags, and
// given anyway they get a one-line reason.
func TestScanTLSHelpHasNoAccountFlags(t *testing.T) {
	code, out, _ := run(t, "scan", "tls", "--help")
	if code != ExitOK || strings.Contains(out, "--account") || strings.Contains(out, "--password-file") || !strings.Contains(out, "--sni") {
		t.Errorf("scan tls --help (exit %d) lists the account flags or lacks --sni:\n%s", code, out)
	}
	code, out, _ = run(t, "scan", "xmpp", "--help")
	if code != ExitOK || !strings.Contains(out, "--account") || !strings.Contains(out, "--password-file") {
		t.Errorf("scan xmpp --help (exit %d) lacks the account flags:\n%s", code, out)
	}
	code, _, errOut := run(t, "scan", "tls", "example.invalid:443", "--account", "a@example.invalid")
	if code != ExitUsage || !strings.Contains(errOut, "does not log in") {
		t.Errorf("scan tls --account: exit %d, %q", code, errOut)
	}
}
