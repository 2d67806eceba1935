package cli

// Real-server tests of `imscore scan matrix`: Dendrite on loopback with
// certificates from the test CA, delegation by a .well-known HTTPS server
// or by SRV records from our own DNS server. Each asserts the status of
// every matrix.* criterion.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
)

func scanMatrix(t *testing.T, args ...string) (int, *report.Report, string) {
	t.Helper()
	return scanKind(t, "matrix", append(args, "--timeout", "60s")...)
}

// checkMatrix asserts the status of every matrix.* criterion.
func checkMatrix(t *testing.T, r *report.Report, want map[string]report.Status) {
	t.Helper()
	checkVerdicts(t, r, want, "matrix.")
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

// lockedDendrite is what a locked-down Dendrite 0.13.8 (registration and
// guests disabled, no support contacts, no io.element.e2ee) gets in the
// criteria of what an anonymous stranger can do and learn.
var lockedDendrite = map[string]report.Status{
	"matrix.registration.open":                report.Pass,
	"matrix.registration.guest":               report.Pass,
	"matrix.directory.public-unauthenticated": report.Warn, // no setting in Dendrite
	"matrix.directory.federation-exposed":     report.Fail, // deviation: unsigned publicRooms answered
	"matrix.profile.unauthenticated":          report.Warn, // no setting in Dendrite
	"matrix.metadata.user-enumeration":        report.Warn, // register/available answers although closed; profile 404
	"matrix.media.unauthenticated":            report.Warn, // legacy routes served; no real media ID to prove it
	"matrix.e2ee.default":                     report.Pass,
	"matrix.room-versions.default":            report.Skip, // needs --account
	"matrix.login.flows":                      report.Info,
	"matrix.ratelimit.login":                  report.Skip, // needs --active
}

func TestRealDendriteMatrix(t *testing.T) {
	pki := testenv.NewPKI(t)
	both, bothKey := pki.Leaf(t, "both", testenv.LeafOptions{DNSNames: []string{"matrix.example.test", "example.test"}, KeyType: "ecdsa256", Intermediate: true})
	deleg, delegKey := pki.Leaf(t, "deleg", testenv.LeafOptions{DNSNames: []string{"matrix.example.test"}, KeyType: "ecdsa256", Intermediate: true})
	web, webKey := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256", Intermediate: true})

	// What a locked Dendrite 0.13.8 shows an anonymous stranger, whatever
	// its delegation: registration and guests closed, but the room directory
	// and profiles answered without a token, unsigned federation publicRooms
	// answered (a deviation), legacy media routes served.
	locked := func(m map[string]report.Status) map[string]report.Status {
		for id, st := range lockedDendrite {
			if _, ok := m[id]; !ok {
				m[id] = st
			}
		}
		return m
	}
	cases := []struct {
		name string
		opts testenv.DendriteOptions
		// srv delegates by _matrix-fed._tcp instead of .well-known.
		srv  bool
		want map[string]report.Status
	}{
		{"well-known delegation, good certificate", testenv.DendriteOptions{ServerName: "example.test", Cert: both, Key: bothKey}, false,
			locked(map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.discovery.client": report.Pass, "matrix.federation.keys": report.Pass,
				"matrix.federation.tls": report.Pass, "matrix.metadata.version-disclosed": report.Warn, "matrix.federation.ok": report.Pass})},
		{"SRV delegation, certificate only for the delegated host", testenv.DendriteOptions{ServerName: "example.test", Cert: deleg, Key: delegKey}, true,
			locked(map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.discovery.client": report.Pass, "matrix.federation.keys": report.Pass,
				"matrix.federation.tls": report.Fail, "matrix.metadata.version-disclosed": report.Warn, "matrix.federation.ok": report.Fail})},
		{"server_name mismatch", testenv.DendriteOptions{ServerName: "other.test", Cert: both, Key: bothKey}, false,
			locked(map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.discovery.client": report.Pass, "matrix.federation.keys": report.Fail,
				"matrix.federation.tls": report.Pass, "matrix.metadata.version-disclosed": report.Warn, "matrix.federation.ok": report.Fail})},
		{"expired keys", testenv.DendriteOptions{ServerName: "example.test", Cert: both, Key: bothKey, KeyValidity: -time.Hour}, false,
			locked(map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.discovery.client": report.Pass, "matrix.federation.keys": report.Fail,
				"matrix.federation.tls": report.Pass, "matrix.metadata.version-disclosed": report.Warn, "matrix.federation.ok": report.Fail})},
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
			// Dendrite 0.13.8 tells its version: affected upstream by the
			// advisories fixed in 0.14.1 and 0.15.0 (software.advisories).
			if f := finding(r, "software.advisories"); f == nil || f.Status != report.Warn || !strings.Contains(f.Summary, "CVE-2024-52594") ||
				!strings.Contains(f.Summary, "fixed in 0.14.1") || !strings.Contains(f.Summary, "advisory table reviewed") {
				t.Errorf("software.advisories: %+v, want a warning naming CVE-2024-52594, fixed in 0.14.1", f)
			}
			// The broken link is named in the failing finding (its fix is
			// checked by checkMatrix).
			says := map[string][2]string{
				"SRV delegation, certificate only for the delegated host": {"matrix.federation.tls", "certificate not valid for example.test"},
				"server_name mismatch": {"matrix.federation.keys", `server_name is "other.test", not "example.test"`},
				"expired keys":         {"matrix.federation.keys", "keys expired"},
			}
			if w, ok := says[c.name]; ok {
				for _, f := range r.Findings {
					if f.Criterion == w[0] && !strings.Contains(f.Summary, w[1]) {
						t.Errorf("%s summary lacks %q: %s", w[0], w[1], f.Summary)
					}
				}
			}
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
	// Usage errors of the logged-in scan, before any network traffic.
	t.Setenv("IMSCORE_PASSWORD", "")
	for _, c := range []struct{ args []string }{
		{[]string{"example.org", "--account", "alice@example.org"}},
		{[]string{"example.org", "--account", "@alice:example.org"}}, // no password
		{[]string{"example.org", "--password-file", "/nonexistent"}},
	} {
		code, _, stderr = scanMatrix(t, c.args...)
		if code != ExitUsage || !strings.Contains(stderr, "account") && !strings.Contains(stderr, "password") {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
	code, _, stderr = scanKind(t, "tls", "127.0.0.1:1", "--active")
	if code != ExitUsage {
		t.Errorf("scan tls --active: exit %d, stderr %q", code, stderr)
	}
}

// scanMatrixRaw is scanMatrix that also returns the JSON report as written.
func scanMatrixRaw(t *testing.T, args ...string) (int, *report.Report, []byte, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	all := append([]string{"scan", "matrix"}, args...)
	all = append(all, "--timeout", "60s", "--format", "json", "-o", out)
	code := Main(context.Background(), all, &stdout, &stderr)
	raw, err := os.ReadFile(out)
	if err != nil {
		return code, nil, nil, stderr.String()
	}
	validateSchema(t, raw)
	rep, err := report.ReadJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("report unreadable: %v", err)
	}
	return code, rep, raw, stderr.String() + stdout.String()
}

// mxSetup sends an authenticated request to Dendrite's plain-HTTP loopback
// listener (test set-up only) and decodes the JSON answer.
func mxSetup(t *testing.T, d *testenv.Dendrite, method, path, token, ctype string, body []byte) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+d.HTTPAddr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ctype)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&v)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %s %v", method, path, resp.Status, v)
	}
	return v
}

// A locked-down and a deliberately open Dendrite, with real media: the
// locked server's admin (named in /.well-known/matrix/support) has an
// uploaded avatar, which the scan finds anonymously and downloads from the
// legacy route (Dendrite 0.13.8 serves it without auth). The open server
// sets registration_requires_token, which 0.13.8 does not enforce.
func TestRealDendriteMatrixExposure(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "hs", testenv.LeafOptions{DNSNames: []string{"matrix.example.test"}, KeyType: "ecdsa256", Intermediate: true})
	web, webKey := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256", Intermediate: true})
	cases := []struct {
		name    string
		opts    testenv.DendriteOptions
		e2ee    map[string]any
		support bool
		want    map[string]report.Status
		// rooms is what the room-versions summary must say.
		rooms []string
	}{
		{"locked, support contact with an avatar", testenv.DendriteOptions{RegistrationSharedSecret: "s3cret"},
			map[string]any{"io.element.e2ee": map[string]any{"default": true, "secure_backup_required": true}}, true,
			map[string]report.Status{
				"matrix.registration.open": report.Pass, "matrix.registration.guest": report.Pass,
				"matrix.directory.public-unauthenticated": report.Warn, "matrix.directory.federation-exposed": report.Fail,
				"matrix.profile.unauthenticated": report.Warn, "matrix.metadata.user-enumeration": report.Warn,
				"matrix.media.unauthenticated": report.Fail, "matrix.e2ee.default": report.Pass,
				// Dendrite 0.13.8: default 10, no room version 12.
				"matrix.room-versions.default": report.Warn,
				// Dendrite 0.13.8 limits per connection only.
				"matrix.login.flows": report.Info, "matrix.ratelimit.login": report.Fail,
			}, []string{"default room version 10", "older than room version 11", "no room version 12", "logged out again"}},
		{"open, guests, token not enforced, E2EE off by default", testenv.DendriteOptions{OpenRegistration: true, Guests: true, RegistrationRequiresToken: true,
			NoRateLimit: true, RegistrationSharedSecret: "s3cret", DefaultRoomVersion: "11"},
			map[string]any{"io.element.e2ee": map[string]any{"default": false}}, false,
			map[string]report.Status{
				"matrix.registration.open": report.Fail, "matrix.registration.guest": report.Warn,
				"matrix.directory.public-unauthenticated": report.Warn, "matrix.directory.federation-exposed": report.Fail,
				"matrix.profile.unauthenticated": report.Warn, "matrix.metadata.user-enumeration": report.Warn,
				"matrix.media.unauthenticated": report.Warn, "matrix.e2ee.default": report.Warn,
				// default 11 as configured, but still no room version 12.
				"matrix.room-versions.default": report.Warn,
				"matrix.login.flows":           report.Info, "matrix.ratelimit.login": report.Warn,
			}, []string{"default room version 11", "no room version 12", "logged out again"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.ServerName, c.opts.Cert, c.opts.Key = "example.test", cert, key
			d := testenv.StartDendrite(t, c.opts)
			files := map[string]testenv.WellKnownFile{
				testenv.WellKnownMatrixClient: {Body: testenv.MatrixClientJSON(fmt.Sprintf("https://matrix.example.test:%d", d.Port), c.e2ee),
					Header: map[string]string{"Access-Control-Allow-Origin": "*"}},
				testenv.WellKnownMatrixServer: {Body: testenv.MatrixServerJSON(fmt.Sprintf("matrix.example.test:%d", d.Port))},
			}
			var mxc string
			if c.support {
				l := d.RegisterUser(t, "admin", "admin-password", true)
				up := mxSetup(t, d, "POST", "/_matrix/media/v3/upload?filename=a.png", l.AccessToken, "image/png", []byte("\x89PNG not really"))
				mxc, _ = up["content_uri"].(string)
				b, _ := json.Marshal(map[string]string{"avatar_url": mxc})
				mxSetup(t, d, "PUT", "/_matrix/client/v3/profile/"+l.UserID+"/avatar_url", l.AccessToken, "application/json", b)
				files[testenv.WellKnownMatrixSupport] = testenv.WellKnownFile{Body: testenv.MatrixSupportJSON(l.UserID, "admin@example.test", "")}
			}
			// The scan's own account, made by shared-secret registration.
			const password = "scan-account-password-5d1e"
			scanner := d.RegisterUser(t, "scanner", password, false)
			pwFile := filepath.Join(t.TempDir(), "password")
			if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: web, Key: webKey, Files: files})
			dns := testenv.StartDNS(t, "example.test. 300 IN A 127.0.0.1\nmatrix.example.test. 300 IN A 127.0.0.1\n", false)
			start := time.Now()
			code, r, raw, stderr := scanMatrixRaw(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile, "--connect", "example.test:443="+wk.Addr,
				"--account", scanner.UserID, "--password-file", pwFile, "--active")
			t.Logf("logged-in, active scan took %s", time.Since(start).Round(time.Millisecond))
			if code != 0 || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if strings.Contains(string(raw), password) || strings.Contains(stderr, password) {
				t.Fatal("the account password is in the report or on stderr")
			}
			if strings.Contains(string(raw), scanner.AccessToken) {
				t.Fatal("the set-up access token is in the report")
			}
			// The scan logged out: only the set-up session's device is left.
			if devs, _ := mxSetup(t, d, "GET", "/_matrix/client/v3/devices", scanner.AccessToken, "application/json", nil)["devices"].([]any); len(devs) != 1 {
				t.Errorf("the scan left devices behind: %v", devs)
			}
			for _, f := range r.Findings {
				switch f.Criterion {
				case "matrix.room-versions.default":
					for _, w := range c.rooms {
						if !strings.Contains(f.Summary, w) {
							t.Errorf("room versions summary lacks %q: %s", w, f.Summary)
						}
					}
					sent := ""
					for _, e := range f.Evidence {
						sent += e.Sent + "\n"
					}
					for _, w := range []string{"POST https://matrix.example.test:", "/_matrix/client/v3/login", "/_matrix/client/v3/capabilities", "/_matrix/client/v3/logout"} {
						if !strings.Contains(sent, w) {
							t.Errorf("room versions evidence lacks %s:\n%s", w, sent)
						}
					}
				case "matrix.login.flows":
					if !strings.Contains(f.Summary, "m.login.password") || !strings.Contains(f.Summary, "no OAuth 2.0") {
						t.Errorf("login flows: %s", f.Summary)
					}
				case "matrix.ratelimit.login":
					want := "per connection"
					if c.opts.NoRateLimit {
						want = "no rate limit within 30 failing logins"
					}
					if !strings.Contains(f.Summary, want) {
						t.Errorf("rate limit summary lacks %q: %s", want, f.Summary)
					}
				}
			}
			want := map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.discovery.client": report.Pass, "matrix.federation.keys": report.Pass,
				"matrix.federation.tls": report.Pass, "matrix.metadata.version-disclosed": report.Warn, "matrix.federation.ok": report.Pass}
			for id, st := range c.want {
				want[id] = st
			}
			checkMatrix(t, r, want)
			raw, _ = json.Marshal(r)
			if m := regexp.MustCompile(`access_token\\?"\s*:\s*\\?"([^\\"]*)`).FindAllStringSubmatch(string(raw), -1); len(m) > 0 {
				for _, x := range m {
					if x[1] != "[redacted]" {
						t.Errorf("an access token leaked into the report: %q", x[0])
					}
				}
			} else if c.opts.Guests {
				t.Error("no redacted guest token in the report")
			}
			for _, f := range r.Findings {
				if f.Criterion == "matrix.registration.guest" {
					for _, e := range f.Evidence {
						t.Logf("guest evidence: %s -> %s", e.Sent, e.Received)
					}
				}
			}
			for _, f := range r.Findings {
				switch {
				case f.Criterion == "matrix.media.unauthenticated" && c.support && !strings.Contains(f.Summary, mxc):
					t.Errorf("media finding does not name %s: %s", mxc, f.Summary)
				case f.Criterion == "matrix.metadata.user-enumeration" && c.support && !strings.Contains(f.Summary, "@admin:example.test exists"):
					t.Errorf("enumeration not proven with the support contact: %s", f.Summary)
				case f.Criterion == "matrix.registration.open" && !c.support && !strings.Contains(f.Summary, "m.login.dummy"):
					t.Errorf("registration summary: %s", f.Summary)
				}
			}
		})
	}
}

// BenchmarkFullMatrixScan scans a local Dendrite (well-known delegation,
// client well-known, TLS grade, keys, every anonymous request, login flows)
// end to end, in process, JSON report included: anonymous, logged in
// (--account: login, /capabilities, logout) and logged in with --active
// (30 failing logins; the server's rate limit is off so every run sends
// them all). On 2 vCPUs (go test -bench FullMatrixScan -run '^$'
// -benchtime 20x ./cmd/cli): anonymous 100 ms, account 184 ms (Dendrite
// spends ~120 ms on the login, ~55 ms on the logout), account+active 314 ms.
func BenchmarkFullMatrixScan(b *testing.B) {
	pki := testenv.NewPKI(b)
	cert, key := pki.Leaf(b, "hs", testenv.LeafOptions{DNSNames: []string{"matrix.example.test"}, KeyType: "ecdsa256", Intermediate: true})
	web, webKey := pki.Leaf(b, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256", Intermediate: true})
	d := testenv.StartDendrite(b, testenv.DendriteOptions{ServerName: "example.test", Cert: cert, Key: key, NoRateLimit: true, RegistrationSharedSecret: "s3cret"})
	acct := d.RegisterUser(b, "bench", "bench-password", false)
	pw := filepath.Join(b.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("bench-password"), 0o600); err != nil {
		b.Fatal(err)
	}
	wk := testenv.StartWellKnown(b, testenv.WellKnownOptions{Cert: web, Key: webKey, Files: map[string]testenv.WellKnownFile{
		testenv.WellKnownMatrixClient: {Body: testenv.MatrixClientJSON(fmt.Sprintf("https://matrix.example.test:%d", d.Port), nil)},
		testenv.WellKnownMatrixServer: {Body: testenv.MatrixServerJSON(fmt.Sprintf("matrix.example.test:%d", d.Port))},
	}})
	dns := testenv.StartDNS(b, "example.test. 300 IN A 127.0.0.1\nmatrix.example.test. 300 IN A 127.0.0.1\n", false)
	out := filepath.Join(b.TempDir(), "r.json")
	base := []string{"scan", "matrix", "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile,
		"--connect", "example.test:443=" + wk.Addr, "--format", "json", "-o", out, "--timeout", "60s"}
	for _, c := range []struct {
		name  string
		extra []string
	}{
		{"anonymous", nil},
		{"account", []string{"--account", acct.UserID, "--password-file", pw}},
		{"account+active", []string{"--account", acct.UserID, "--password-file", pw, "--active"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			args := append(append([]string(nil), base...), c.extra...)
			for i := 0; i < b.N; i++ {
				var stderr bytes.Buffer
				if code := Main(context.Background(), args, io.Discard, &stderr); code != 0 {
					b.Fatalf("exit %d: %s", code, stderr.String())
				}
			}
		})
	}
}

// A limit that holds per address: nginx (limit_req per $binary_remote_addr,
// status 429) in front of a Dendrite whose own per-connection limit is off.
// The one-connection burst is refused after the nginx burst, and so is the
// first login over a new connection: matrix.ratelimit.login passes.
func TestRealDendriteMatrixBehindNginxRateLimit(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "hs", testenv.LeafOptions{DNSNames: []string{"matrix.example.test"}, KeyType: "ecdsa256", Intermediate: true})
	web, webKey := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256", Intermediate: true})
	d := testenv.StartDendrite(t, testenv.DendriteOptions{ServerName: "example.test", Cert: cert, Key: key, NoRateLimit: true})
	upstream := "http://" + d.HTTPAddr
	ng := testenv.StartNginx(t, testenv.NginxOptions{Cert: cert, Key: key, Protocols: "TLSv1.2 TLSv1.3",
		ExtraHTTP: "limit_req_zone $binary_remote_addr zone=mxlogin:1m rate=1r/s;",
		ExtraServer: "location = /_matrix/client/v3/login { limit_req zone=mxlogin burst=5 nodelay; limit_req_status 429; proxy_pass " + upstream + "; }\n" +
			"        location /_matrix/ { proxy_pass " + upstream + "; }\n" +
			"        location /.well-known/matrix/ { return 404; }"})
	wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: web, Key: webKey, Files: map[string]testenv.WellKnownFile{
		testenv.WellKnownMatrixClient: {Body: testenv.MatrixClientJSON(fmt.Sprintf("https://matrix.example.test:%d", ng.Port), nil)},
		testenv.WellKnownMatrixServer: {Body: testenv.MatrixServerJSON(fmt.Sprintf("matrix.example.test:%d", ng.Port))},
	}})
	dns := testenv.StartDNS(t, "example.test. 300 IN A 127.0.0.1\nmatrix.example.test. 300 IN A 127.0.0.1\n", false)
	code, r, stderr := scanMatrix(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile, "--connect", "example.test:443="+wk.Addr, "--active")
	if code != 0 || r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := statuses(r)
	for _, f := range r.Findings {
		if f.Criterion == "matrix.ratelimit.login" || f.Criterion == "matrix.login.flows" {
			t.Logf("%s %s: %s", f.Criterion, f.Status, f.Summary)
		}
	}
	if got["matrix.ratelimit.login"] != report.Pass || got["matrix.login.flows"] != report.Info {
		t.Errorf("ratelimit %s, login flows %s", got["matrix.ratelimit.login"], got["matrix.login.flows"])
	}
}

// Broken delegation against a real Dendrite: each case breaks one link of
// the chain and must fail the criterion that link belongs to, with a fix
// for Synapse and Dendrite (checkMatrix) and a summary that names the fault.
// (Key server_name mismatch and expired keys: TestRealDendriteMatrix.)
func TestRealDendriteMatrixBrokenDelegation(t *testing.T) {
	pki := testenv.NewPKI(t)
	both, bothKey := pki.Leaf(t, "both", testenv.LeafOptions{DNSNames: []string{"matrix.example.test", "example.test"}, KeyType: "ecdsa256", Intermediate: true})
	wrong, wrongKey := pki.Leaf(t, "wrong", testenv.LeafOptions{DNSNames: []string{"wrong.test"}, KeyType: "ecdsa256", Intermediate: true})
	web, webKey := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256", Intermediate: true})
	good := testenv.StartDendrite(t, testenv.DendriteOptions{ServerName: "example.test", Cert: both, Key: bothKey})
	nowhere := testenv.FreePort(t) // nothing listens there
	const zone = "example.test. 300 IN A 127.0.0.1\nmatrix.example.test. 300 IN A 127.0.0.1\n"
	cases := []struct {
		name string
		// dendrite serves the client API (and federation unless delegated
		// elsewhere).
		dendrite func(t *testing.T) *testenv.Dendrite
		// mserver is m.server of the server well-known ("" = none); zone is
		// added to the base zone.
		mserver func(d *testenv.Dendrite) string
		zone    func(d *testenv.Dendrite) string
		want    map[string]report.Status
		// says: what the summary of a criterion must contain.
		says map[string]string
	}{
		{"well-known pointing nowhere",
			func(*testing.T) *testenv.Dendrite { return good },
			func(*testenv.Dendrite) string { return fmt.Sprintf("matrix.example.test:%d", nowhere) }, nil,
			// The federation side fails; the client side is still judged.
			map[string]report.Status{"matrix.discovery.server": report.Fail, "matrix.federation.keys": report.Error, "matrix.federation.tls": report.Error, "matrix.federation.ok": report.Fail,
				"matrix.discovery.client": report.Pass, "matrix.registration.open": report.Pass, "matrix.login.flows": report.Info},
			map[string]string{"matrix.discovery.server": fmt.Sprintf("no HTTPS answer from 127.0.0.1:%d", nowhere)}},
		{"SRV target is a CNAME",
			func(*testing.T) *testenv.Dendrite { return good },
			nil,
			func(d *testenv.Dendrite) string {
				return fmt.Sprintf("_matrix-fed._tcp.example.test. 300 IN SRV 10 5 %d alias.example.test.\nalias.example.test. 300 IN CNAME matrix.example.test.\n", d.Port)
			},
			map[string]report.Status{"matrix.discovery.server": report.Warn, "matrix.federation.tls": report.Pass, "matrix.federation.keys": report.Pass, "matrix.federation.ok": report.Pass},
			map[string]string{"matrix.discovery.server": "SRV target alias.example.test. is a CNAME"}},
		{"wrong certificate name",
			func(t *testing.T) *testenv.Dendrite {
				return testenv.StartDendrite(t, testenv.DendriteOptions{ServerName: "example.test", Cert: wrong, Key: wrongKey})
			},
			func(d *testenv.Dendrite) string { return fmt.Sprintf("matrix.example.test:%d", d.Port) }, nil,
			map[string]report.Status{"matrix.discovery.server": report.Pass, "matrix.federation.tls": report.Fail, "matrix.federation.ok": report.Fail},
			map[string]string{"matrix.federation.tls": "matrix.example.test"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.dendrite(t)
			files := map[string]testenv.WellKnownFile{
				testenv.WellKnownMatrixClient: {Body: testenv.MatrixClientJSON(fmt.Sprintf("https://matrix.example.test:%d", good.Port), nil),
					Header: map[string]string{"Access-Control-Allow-Origin": "*"}},
			}
			if c.mserver != nil {
				files[testenv.WellKnownMatrixServer] = testenv.WellKnownFile{Body: testenv.MatrixServerJSON(c.mserver(d))}
			}
			z := zone
			if c.zone != nil {
				z += c.zone(d)
			}
			wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: web, Key: webKey, Files: files})
			dns := testenv.StartDNS(t, z, false)
			code, r, stderr := scanMatrix(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile, "--connect", "example.test:443="+wk.Addr)
			if r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := statuses(r)
			for id, st := range c.want {
				if got[id] != st {
					t.Errorf("%s: %s, want %s", id, got[id], st)
				}
			}
			for _, f := range r.Findings {
				if w, ok := c.says[f.Criterion]; ok && !strings.Contains(f.Summary, w) {
					t.Errorf("%s summary lacks %q: %s", f.Criterion, w, f.Summary)
				}
				if _, ok := c.want[f.Criterion]; ok && (f.Status == report.Fail || f.Status == report.Warn) &&
					(len(f.Evidence) == 0 || f.Remediation["general"] == "" || f.Remediation["synapse"] == "" || f.Remediation["dendrite"] == "") {
					t.Errorf("%s is %s without evidence or a fix", f.Criterion, f.Status)
				}
			}
			if testing.Verbose() || t.Failed() {
				t.Logf("exit %d", code)
				for _, f := range r.Findings {
					if strings.HasPrefix(f.Criterion, "matrix.") {
						t.Logf("%s %s: %s", f.Criterion, f.Status, f.Summary)
					}
				}
			}
		})
	}
}
