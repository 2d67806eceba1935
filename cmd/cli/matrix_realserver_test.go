package cli

// Real-server tests of `imscore scan matrix`: Dendrite on loopback with
// certificates from the test CA, delegation by a .well-known HTTPS server
// or by SRV records from our own DNS server. Each asserts the status of
// every matrix.* criterion.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
)

func scanMatrix(t *testing.T, args ...string) (int, *report.Report, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	all := append([]string{"scan", "matrix"}, args...)
	all = append(all, "--format", "json", "-o", out, "--timeout", "60s")
	code := Main(context.Background(), all, &stdout, &stderr)
	raw, err := os.ReadFile(out)
	if err != nil {
		return code, nil, stderr.String()
	}
	validateSchema(t, raw)
	rep, err := report.ReadJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("report unreadable: %v", err)
	}
	return code, rep, stderr.String()
}

// checkMatrix asserts the status of every matrix.* criterion.
func checkMatrix(t *testing.T, r *report.Report, want map[string]report.Status) {
	t.Helper()
	got := statuses(r)
	var bad []string
	for id, st := range want {
		if got[id] != st {
			summary := ""
			for _, f := range r.Findings {
				if f.Criterion == id {
					summary = f.Summary
				}
			}
			bad = append(bad, fmt.Sprintf("%s: got %q (%s), want %q", id, got[id], summary, st))
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok && strings.HasPrefix(id, "matrix.") {
			bad = append(bad, "unexpected criterion "+id)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("verdicts:\n  %s", strings.Join(bad, "\n  "))
	}
	for _, f := range r.Findings {
		if (f.Status == report.Fail || f.Status == report.Warn) && (len(f.Evidence) == 0 || f.Remediation["general"] == "" ||
			(strings.HasPrefix(f.Criterion, "matrix.") && (f.Remediation["synapse"] == "" || f.Remediation["dendrite"] == ""))) {
			t.Errorf("%s is %s without evidence or fix", f.Criterion, f.Status)
		}
	}
	if testing.Verbose() || t.Failed() {
		for _, f := range r.Findings {
			t.Logf("%s %s: %s", f.Criterion, f.Status, f.Summary)
		}
		t.Logf("grade %s score %d caps %+v", r.Grade, r.Score, r.Caps)
	}
}

func TestRealDendriteMatrix(t *testing.T) {
	pki := testenv.NewPKI(t)
	both, bothKey := pki.Leaf(t, "both", testenv.LeafOptions{DNSNames: []string{"matrix.example.test", "example.test"}, KeyType: "ecdsa256", Intermediate: true})
	deleg, delegKey := pki.Leaf(t, "deleg", testenv.LeafOptions{DNSNames: []string{"matrix.example.test"}, KeyType: "ecdsa256", Intermediate: true})
	web, webKey := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256", Intermediate: true})

	cases := []struct {
		name string
		opts testenv.DendriteOptions
		// srv delegates by _matrix-fed._tcp instead of .well-known.
		srv  bool
		want map[string]report.Status
	}{
		{"well-known delegation, good certificate", testenv.DendriteOptions{ServerName: "example.test", Cert: both, Key: bothKey}, false,
			map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.discovery.client": report.Pass, "matrix.federation.keys": report.Pass,
				"matrix.federation.tls": report.Pass, "matrix.metadata.version-disclosed": report.Warn}},
		{"SRV delegation, certificate only for the delegated host", testenv.DendriteOptions{ServerName: "example.test", Cert: deleg, Key: delegKey}, true,
			map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.discovery.client": report.Pass, "matrix.federation.keys": report.Pass,
				"matrix.federation.tls": report.Fail, "matrix.metadata.version-disclosed": report.Warn}},
		{"server_name mismatch", testenv.DendriteOptions{ServerName: "other.test", Cert: both, Key: bothKey}, false,
			map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.discovery.client": report.Pass, "matrix.federation.keys": report.Fail,
				"matrix.federation.tls": report.Pass, "matrix.metadata.version-disclosed": report.Warn}},
		{"expired keys", testenv.DendriteOptions{ServerName: "example.test", Cert: both, Key: bothKey, KeyValidity: -time.Hour}, false,
			map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.discovery.client": report.Pass, "matrix.federation.keys": report.Fail,
				"matrix.federation.tls": report.Pass, "matrix.metadata.version-disclosed": report.Warn}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := testenv.StartDendrite(t, c.opts)
			port := d.Port
			files := map[string]testenv.WellKnownFile{
				testenv.WellKnownMatrixClient: {Body: testenv.MatrixClientJSON(fmt.Sprintf("https://matrix.example.test:%d", port), nil),
					Header: map[string]string{"Access-Control-Allow-Origin": "*"}},
			}
			zone := "example.test. 300 IN A 127.0.0.1\nmatrix.example.test. 300 IN A 127.0.0.1\n"
			if c.srv {
				zone += fmt.Sprintf("_matrix-fed._tcp.example.test. 300 IN SRV 10 5 %d matrix.example.test.\n", port)
			} else {
				files[testenv.WellKnownMatrixServer] = testenv.WellKnownFile{Body: testenv.MatrixServerJSON(fmt.Sprintf("matrix.example.test:%d", port)),
					Header: map[string]string{"Cache-Control": "max-age=86400"}}
			}
			wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: web, Key: webKey, Files: files})
			dns := testenv.StartDNS(t, zone, false)
			start := time.Now()
			code, r, stderr := scanMatrix(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile, "--connect", "example.test:443="+wk.Addr)
			t.Logf("scan took %s", time.Since(start).Round(time.Millisecond))
			if code != 0 || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkMatrix(t, r, c.want)
			if len(r.Target.Endpoints) != 1 || r.Target.Endpoints[0].Addr != d.Addr {
				t.Errorf("endpoints %+v, want %s", r.Target.Endpoints, d.Addr)
			}
		})
	}
}

func TestMatrixUnreachableExit3(t *testing.T) {
	dns := testenv.StartDNS(t, "nowhere.test. 300 IN A 127.0.0.1\n", false)
	port := testenv.FreePort(t)
	code, _, stderr := scanMatrix(t, fmt.Sprintf("nowhere.test:%d", port), "--resolver", dns.Addr)
	if code != ExitCannotScan || !strings.Contains(stderr, "cannot scan") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = scanMatrix(t, "https://example.org")
	if code != ExitUsage {
		t.Fatalf("bad server name: exit %d, stderr %q", code, stderr)
	}
}
