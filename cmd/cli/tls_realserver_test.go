package cli

// Real-server tests: nginx, openssl s_server and Prosody started on loopback
// with certificates from a test CA, in deliberately good and bad
// configurations. Each asserts the exact status of every tls.* criterion and
// the grade, and compares the versions and suites found with sslscan's.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/crypto/ocsp"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
)

// scanJSON runs `imscore scan tls` in-process and returns the exit code,
// the parsed report (nil when none was written) and stderr.
func scanJSON(t *testing.T, args ...string) (int, *report.Report, string) {
	t.Helper()
	return scanKind(t, "tls", args...)
}

// scanKind runs `imscore scan KIND ARGS --format json -o FILE` in-process,
// validates the report against the JSON Schema and parses it.
func scanKind(t *testing.T, kind string, args ...string) (int, *report.Report, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	all := append([]string{"scan", kind}, args...)
	all = append(all, "--format", "json", "-o", out)
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

func statuses(r *report.Report) map[string]report.Status {
	m := map[string]report.Status{}
	for _, f := range r.Findings {
		m[f.Criterion] = f.Status
	}
	return m
}

// expect lists the status of every tls.* criterion.
type expect map[string]report.Status

const (
	P = report.Pass
	W = report.Warn
	F = report.Fail
	I = report.Info
	S = report.Skip
	E = report.Error
)

// base is a fully good TLS 1.2+1.3 server on OpenSSL 3.0 (no PQ group, no
// OCSP responder in our test certificates, DANE asked and found nothing).
func base() expect {
	return expect{
		"tls.protocol.no-ssl": P, "tls.protocol.no-tls10-11": P, "tls.protocol.tls13": P,
		"tls.cipher.no-weak": P, "tls.cipher.forward-secrecy": P, "tls.cipher.server-order": P,
		"tls.kex.strength": P, "tls.kex.post-quantum": W,
		"tls.cert.trusted": P, "tls.cert.valid-now": P, "tls.cert.name-match": P,
		"tls.cert.key-strength": P, "tls.cert.signature": P, "tls.ocsp-stapling": S, "tls.dane": I,
	}
}

func (e expect) with(kv ...any) expect {
	out := expect{}
	for k, v := range e {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1].(report.Status)
	}
	return out
}

// checkVerdicts asserts the status of every criterion in want, and that
// the report has no criterion starting with prefix ("" = any) that want
// leaves out.
func checkVerdicts(t *testing.T, r *report.Report, want expect, prefix string) {
	t.Helper()
	got := statuses(r)
	var bad []string
	for id, st := range want {
		if got[id] != st {
			bad = append(bad, fmt.Sprintf("%s: got %q (%s), want %q", id, got[id], summaryOf(r, id), st))
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok && strings.HasPrefix(id, prefix) {
			bad = append(bad, "unexpected criterion "+id)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("verdicts:\n  %s", strings.Join(bad, "\n  "))
	}
}

func checkReport(t *testing.T, r *report.Report, want expect, grade string) {
	t.Helper()
	checkVerdicts(t, r, want, "tls.")
	if r.Grade != grade {
		t.Errorf("grade %s (score %d, caps %+v), want %s", r.Grade, r.Score, r.Caps, grade)
	}
	// A capped grade says what the score alone earns ("T, would be A").
	if r.Grade == "T" && (r.UncappedGrade == "" || report.GradeRank(r.UncappedGrade) >= report.GradeRank("T")) {
		t.Errorf("grade T without the grade before the cap (uncapped %q)", r.UncappedGrade)
	}
	if len(r.Caps) == 0 && r.UncappedGrade != "" {
		t.Errorf("uncapped grade %q without a cap", r.UncappedGrade)
	}
	for _, f := range r.Findings {
		if (f.Status == report.Fail || f.Status == report.Warn) && (len(f.Evidence) == 0 || f.Remediation["general"] == "") {
			t.Errorf("%s is %s without evidence or fix", f.Criterion, f.Status)
		}
	}
}

// found extracts what imscore saw: versions and IANA suites per version.
func found(t *testing.T, r *report.Report) (versions []string, suites map[string][]string) {
	t.Helper()
	suites = map[string][]string{}
	for _, o := range r.Observations {
		raw, _ := json.Marshal(o.Data)
		switch o.Probe {
		case tls.DefaultKeys.Versions.ID:
			var d struct {
				Endpoints []struct {
					Versions []struct {
						Version   string `json:"version"`
						Supported bool   `json:"supported"`
					} `json:"versions"`
				} `json:"endpoints"`
			}
			json.Unmarshal(raw, &d)
			for _, e := range d.Endpoints {
				for _, v := range e.Versions {
					if v.Supported {
						versions = append(versions, v.Version)
					}
				}
			}
		case tls.DefaultKeys.Ciphers.ID:
			var d struct {
				Endpoints []struct {
					Scans []struct {
						Version string `json:"version"`
						Suites  []struct {
							Name string `json:"name"`
						} `json:"suites"`
					} `json:"scans"`
				} `json:"endpoints"`
			}
			json.Unmarshal(raw, &d)
			for _, e := range d.Endpoints {
				for _, s := range e.Scans {
					for _, su := range s.Suites {
						suites[s.Version] = append(suites[s.Version], su.Name)
					}
				}
			}
		}
	}
	sort.Strings(versions)
	for v := range suites {
		sort.Strings(suites[v])
	}
	return versions, suites
}

// oracle compares imscore's versions and suites with sslscan's.
func oracle(t *testing.T, r *report.Report, addr, sni, starttls string) {
	t.Helper()
	testenv.Need(t, "sslscan")
	o := testenv.SSLScan(t, addr, sni, starttls)
	versions, suites := found(t, r)
	want := append([]string(nil), o.Versions...)
	sort.Strings(want)
	if strings.Join(versions, ",") != strings.Join(want, ",") {
		t.Errorf("versions: imscore %v, sslscan %v", versions, want)
	}
	for _, v := range want {
		ws := o.IANACiphers(v)
		sort.Strings(ws)
		if strings.Join(suites[v], ",") != strings.Join(ws, ",") {
			t.Errorf("%s suites:\n  imscore %v\n  sslscan %v", v, suites[v], ws)
		}
	}
}

const mozillaIntermediate = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"

func TestRealTLSServers(t *testing.T) {
	testenv.Need(t, "nginx", "openssl")
	pki := testenv.NewPKI(t)
	now := time.Now()
	goodRSA, goodRSAKey := pki.Leaf(t, "good-rsa", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "rsa2048", Intermediate: true})
	goodEC, goodECKey := pki.Leaf(t, "good-ec", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256", Intermediate: true})
	expired, expiredKey := pki.Leaf(t, "expired", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256",
		NotBefore: now.AddDate(0, -3, 0), NotAfter: now.AddDate(0, 0, -2)})
	wrong, wrongKey := pki.Leaf(t, "wrong", testenv.LeafOptions{DNSNames: []string{"other.example"}, KeyType: "ecdsa256"})
	selfSigned, selfSignedKey := pki.Leaf(t, "self", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256", SelfSigned: true})
	weakKey, weakKeyKey := pki.Leaf(t, "rsa1024", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "rsa1024"})
	sha1, sha1Key := pki.Leaf(t, "sha1", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256", SHA1: true})
	withOCSP := testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256", OCSPServer: []string{"http://ocsp.test.invalid/"}}
	ocspGood, ocspGoodKey := pki.Leaf(t, "ocsp-good", withOCSP)
	ocspRevoked, ocspRevokedKey := pki.Leaf(t, "ocsp-revoked", withOCSP)
	ocspNone, ocspNoneKey := pki.Leaf(t, "ocsp-none", withOCSP)
	goodResp := pki.OCSPResponse(t, ocspGood, ocsp.Good)
	revokedResp := pki.OCSPResponse(t, ocspRevoked, ocsp.Revoked)

	cases := []struct {
		name  string
		start func(t *testing.T) *testenv.Server
		want  expect
		grade string
	}{
		{"modern TLS 1.3 only", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: goodEC, Key: goodECKey, Protocols: "TLSv1.3"})
		}, base(), "A+"},
		{"intermediate 1.2+1.3 ECDHE", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: goodRSA, Key: goodRSAKey, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
		}, base(), "A+"},
		{"legacy TLS 1.0 static RSA CBC", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: goodRSA, Key: goodRSAKey, Protocols: "TLSv1", Ciphers: "AES128-SHA:AES256-SHA:@SECLEVEL=0", PreferServer: true})
		}, base().with("tls.protocol.no-tls10-11", F, "tls.protocol.tls13", W, "tls.cipher.no-weak", W, "tls.cipher.forward-secrecy", F,
			"tls.cipher.server-order", P, "tls.kex.post-quantum", W), "B"},
		{"expired certificate", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: expired, Key: expiredKey, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
		}, base().with("tls.cert.valid-now", F), "F"},
		{"wrong name", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: wrong, Key: wrongKey, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
		}, base().with("tls.cert.name-match", F), "F"},
		{"self-signed", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: selfSigned, Key: selfSignedKey, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
		}, base().with("tls.cert.trusted", F), "T"},
		{"RSA 1024", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: weakKey, Key: weakKeyKey, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate + ":@SECLEVEL=0"})
		}, base().with("tls.cert.key-strength", F), "B"},
		{"SHA-1 signed certificate", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: sha1, Key: sha1Key, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate + ":@SECLEVEL=0"})
		}, base().with("tls.cert.signature", F, "tls.cert.trusted", F), "T"},
		{"OCSP good response stapled", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: ocspGood, Key: ocspGoodKey, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate, StaplingFile: goodResp})
		}, base().with("tls.ocsp-stapling", P), "A+"},
		{"OCSP revoked response stapled", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: ocspRevoked, Key: ocspRevokedKey, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate, StaplingFile: revokedResp})
		}, base().with("tls.ocsp-stapling", F), "F"},
		{"OCSP responder named, nothing stapled", func(t *testing.T) *testenv.Server {
			return testenv.StartNginx(t, testenv.NginxOptions{Cert: ocspNone, Key: ocspNoneKey, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
		}, base().with("tls.ocsp-stapling", W), "A+"},
		{"DHE with a 1024-bit group, TLS 1.2 only", func(t *testing.T) *testenv.Server {
			return testenv.StartOpenSSL(t, "-cert", goodRSA, "-key", goodRSAKey, "-cert_chain", pki.IntermediateFile, "-tls1_2",
				"-cipher", "DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", "-dhparam", fixture(t, "tls", "dh1024.pem"))
		}, base().with("tls.protocol.tls13", W, "tls.kex.strength", W), "B"},
		{"openssl s_server defaults", func(t *testing.T) *testenv.Server {
			return testenv.StartOpenSSL(t, "-cert", goodRSA, "-key", goodRSAKey, "-cert_chain", pki.IntermediateFile)
		}, base().with("tls.cipher.no-weak", W, "tls.cipher.forward-secrecy", W, "tls.cipher.server-order", W), "A"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := c.start(t)
			_, port, _ := net.SplitHostPort(srv.Addr)
			// The name resolves through our own DNS server, as for a user.
			d := testenv.StartDNS(t, "test.example. 60 IN A 127.0.0.1", true)
			code, r, stderr := scanJSON(t, "test.example:"+port, "--resolver", d.Addr, "--ca-file", pki.CAFile)
			if code != ExitOK || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkReport(t, r, c.want, c.grade)
			oracle(t, r, srv.Addr, "test.example", "")
		})
	}
}

func TestRealDANE(t *testing.T) {
	testenv.Need(t, "nginx")
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "dane", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256"})
	other, _ := pki.Leaf(t, "other", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256"})
	srv := testenv.StartNginx(t, testenv.NginxOptions{Cert: cert, Key: key, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
	_, port, _ := net.SplitHostPort(srv.Addr)
	leaf := testenv.ReadCert(t, cert)
	good := fmt.Sprintf("_%s._tcp.test.example. 60 IN TLSA %s", port, testenv.TLSA(leaf, 3, 1, 1))
	bad := fmt.Sprintf("_%s._tcp.test.example. 60 IN TLSA %s", port, testenv.TLSA(testenv.ReadCert(t, other), 3, 1, 1))
	for _, c := range []struct {
		name string
		zone string
		ad   bool
		want report.Status
	}{
		{"matching, DNSSEC", good, true, P},
		{"matching, no AD", good, false, W},
		{"mismatch", bad, true, F},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := testenv.StartDNS(t, "test.example. 60 IN A 127.0.0.1\n"+c.zone, c.ad)
			t.Logf("zone %q", c.zone)
			code, r, stderr := scanJSON(t, "test.example:"+port, "--resolver", d.Addr, "--ca-file", pki.CAFile)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if st := statuses(r)["tls.dane"]; st != c.want {
				for _, f := range r.Findings {
					if f.Criterion == "tls.dane" {
						t.Logf("%s %+v", f.Summary, f.Evidence)
					}
				}
				t.Fatalf("tls.dane %s, want %s", st, c.want)
			}
		})
	}
}

func TestRealProsodySTARTTLS(t *testing.T) {
	testenv.Need(t, "prosody", "openssl")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, true)
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true})
	d := testenv.StartDNS(t, "xmpp.example.test. 60 IN A 127.0.0.1", true)

	for _, c := range []struct {
		mode, addr string
	}{{"xmpp-client", x.Addr}, {"xmpp-server", x.S2SAddr}} {
		t.Run(c.mode, func(t *testing.T) {
			_, port, _ := net.SplitHostPort(c.addr)
			code, r, stderr := scanJSON(t, "xmpp.example.test:"+port, "--starttls", c.mode, "--xmpp-domain", "example.test",
				"--resolver", d.Addr, "--ca-file", pki.CAFile)
			if code != ExitOK || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			// Prosody 0.12's default (Mozilla intermediate) profile.
			checkReport(t, r, base(), "A+")
			oracle(t, r, c.addr, "example.test", c.mode)
		})
	}

	t.Run("legacy Prosody: TLS 1.0+ and HIGH at security level 0", func(t *testing.T) {
		legacy := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true,
			TLSProtocol: "tlsv1+", Ciphers: "HIGH:@SECLEVEL=0"})
		_, port, _ := net.SplitHostPort(legacy.Addr)
		code, r, stderr := scanJSON(t, "xmpp.example.test:"+port, "--starttls", "xmpp-client", "--xmpp-domain", "example.test",
			"--resolver", d.Addr, "--ca-file", pki.CAFile)
		if code != ExitOK || r == nil {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		// HIGH at level 0 includes anonymous AECDH suites: graded F. With an
		// ECDSA certificate no static-RSA suite can be chosen, so every
		// accepted suite is ephemeral; Prosody lets the client choose.
		checkReport(t, r, base().with("tls.protocol.no-tls10-11", F, "tls.cipher.no-weak", F, "tls.cipher.server-order", W), "F")
		oracle(t, r, legacy.Addr, "example.test", "xmpp-client")
	})

	t.Run("plain port without --starttls is not TLS", func(t *testing.T) {
		code, _, stderr := scanJSON(t, x.Addr, "--timeout", "20s")
		if code != ExitCannotScan || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("wrong XMPP domain", func(t *testing.T) {
		code, _, stderr := scanJSON(t, x.Addr, "--starttls", "xmpp-client", "--xmpp-domain", "unknown.test", "--timeout", "20s")
		if code != ExitCannotScan || !strings.Contains(stderr, "host-unknown") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
}

// TestBadInput: each ends in bounded time with a one-line error and exit 3.
func TestBadInput(t *testing.T) {
	d := testenv.StartDNS(t, "known.test. 60 IN A 127.0.0.1", true)
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := l.Addr().String()
		l.Close()
		return a
	}()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold every connection open, say nothing
		}
	}()
	notTLS := fakeServer(t, func(c net.Conn) { c.Write([]byte("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")) })
	noStartTLS := fakeServer(t, func(c net.Conn) {
		c.Write([]byte("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"))
		time.Sleep(time.Second)
	})
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown host", []string{"nope.test:443", "--resolver", d.Addr}, "unknown host"},
		{"closed port", []string{closed}, "connection refused"},
		{"not TLS", []string{notTLS}, "TLS"},
		{"STARTTLS not offered", []string{noStartTLS, "--starttls", "xmpp-client", "--xmpp-domain", "example.test"}, "STARTTLS"},
		{"silent server", []string{silent.Addr().String(), "--timeout", "8s"}, "timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := scanJSON(t, c.args...)
			if code != ExitCannotScan {
				t.Fatalf("exit %d, want 3; stderr %q", code, stderr)
			}
			if !strings.HasPrefix(stderr, "imscore: cannot scan") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, c.want) {
				t.Fatalf("stderr %q, want one line containing %q", stderr, c.want)
			}
			if el := time.Since(start); el > 30*time.Second {
				t.Fatalf("took %s", el)
			}
		})
	}
}

// fakeServer accepts connections on loopback and runs serve on each.
func fakeServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 4096)
				c.Read(buf)
				serve(c)
			}()
		}
	}()
	return l.Addr().String()
}

// validateSchema checks real scanner output against the shipped JSON Schema.
func validateSchema(t *testing.T, raw []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(report.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://github.com/imscore/imscore/report/schema/report.v1.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("report does not match report.v1.json: %v", err)
	}
}

// fixture returns the absolute path of a file under fixtures/.
func fixture(t *testing.T, elem ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"..", "..", "fixtures"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRealGoServerPostQuantum: Go's crypto/tls server (a real TLS stack,
// run in-process on loopback) offers X25519MLKEM768, which Debian 12's
// OpenSSL 3.0 cannot: the positive case of tls.kex.post-quantum.
func TestRealGoServerPostQuantum(t *testing.T) {
	addr, ca := goTLSServer(t)
	code, r, stderr := scanJSON(t, addr, "--sni", "test.example", "--ca-file", ca)
	if code != ExitOK || r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Go's default TLS 1.2 suites still include ECDHE-CBC-SHA ones.
	checkReport(t, r, base().with("tls.kex.post-quantum", P, "tls.cipher.no-weak", W, "tls.dane", S), "A+")
	oracle(t, r, addr, "test.example", "")

	// The same server under CI policies: exit 1 with a one-line reason
	// when a policy fails, 0 when it holds.
	pass := writePolicy(t, "min_grade: A\nrequire: [tls.cert.trusted, tls.protocol.no-tls10-11]\n")
	if code, _, stderr := scanJSON(t, addr, "--sni", "test.example", "--ca-file", ca, "--policy", pass); code != ExitOK {
		t.Errorf("policy that holds: exit %d, %s", code, stderr)
	}
	failing := writePolicy(t, "require: [tls.cipher.no-weak]\n")
	code, _, stderr = scanJSON(t, addr, "--sni", "test.example", "--ca-file", ca, "--policy", failing)
	if code != ExitPolicy || !strings.Contains(stderr, "tls.cipher.no-weak is warn") {
		t.Errorf("failing policy: exit %d, %q", code, stderr)
	}
	if code, _, stderr := scanJSON(t, addr, "--sni", "test.example", "--ca-file", ca, "--fail-under", "A+"); code != ExitOK {
		t.Errorf("--fail-under A+ on an A+ server: exit %d, %s", code, stderr)
	}
}
