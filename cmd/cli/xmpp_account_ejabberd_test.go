package cli

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/xmpp"
)

// TestRealEjabberdAccount: Debian's ejabberd 23.01 with the XEP-0479
// modules it ships, an HTTPS listener for upload, BOSH, WebSocket and
// host-meta — configured as imscore's ejabberd fixes say.
func TestRealEjabberdAccount(t *testing.T) {
	testenv.Need(t, "ejabberdctl")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	x := testenv.StartEjabberd(t, testenv.EjabberdOptions{Domain: "example.test", Cert: cert, Key: key,
		RequireTLS: true, S2SRequireTLS: true, DirectTLS: true, HTTPS: true,
		TLSProtocolOptions: ejabberdTLSOptions, Ciphers: ejabberdCiphers, PasswordFormat: "scram", SCRAMHash: "sha256",
		ExtraModules: `  mod_roster: { versioning: true }
  mod_carboncopy: {}
  mod_mam: { default: always }
  mod_stream_mgmt: {}
  mod_client_state: {}
  mod_push: {}
  mod_blocking: {}
  mod_privacy: {}
  mod_private: {}
  mod_vcard: {}
  mod_avatar: {}
  mod_vcard_xupdate: {}
  mod_caps: {}
  mod_offline: {}
  mod_pubsub: { plugins: [flat, pep] }
  mod_muc: { host: "conference.@HOST@", default_room_options: { mam: true } }
  mod_version: { show_os: false }
  mod_http_upload:
    access: c2s
    put_url: "https://@HOST@:{{.HTTPSPort}}/upload"
    docroot: "{{.Dir}}/upload"
    custom_headers:
      "Access-Control-Allow-Origin": "*"
      "Access-Control-Allow-Methods": "GET,HEAD,PUT,OPTIONS"
      "Access-Control-Allow-Headers": "Content-Type"
  mod_bosh: {}
  mod_host_meta:
    bosh_service_url: "https://@HOST@:{{.HTTPSPort}}/bosh"
    websocket_url: "wss://@HOST@:{{.HTTPSPort}}/ws"
  mod_stun_disco:
    access: c2s
    secret: "turn-secret-not-in-reports"
    services:
      - host: 127.0.0.1
        port: 3478
        type: stun
        transport: udp
        restricted: false
      - host: 127.0.0.1
        port: 3478
        type: turn
        transport: udp
        restricted: true`})
	testenv.EjabberdCtl(t, x, "register", "alice", "example.test", testPassword)
	dns := testenv.StartDNS(t, xmppZone(x), false)
	begin := time.Now()
	code, r, stderr := scanXMPP(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile,
		"--account", "alice@example.test", "--password-file", passwordFile(t, testPassword),
		"--connect", "example.test:443="+x.HTTPSAddr)
	t.Logf("logged-in scan took %v", time.Since(begin).Round(time.Millisecond))
	if code != 0 || r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, o := range r.Observations {
		if o.DurationMS > 1000 {
			t.Logf("slow probe %s: %d ms", o.Probe, o.DurationMS)
		}
	}
	want := expect{
		"xmpp.compliance.core": P, "xmpp.compliance.mobile": P, "xmpp.compliance.av": P,
		"xmpp.compliance.im":              W, // no bookmarks conversion, no MUC self-ping in 23.01
		"xmpp.compliance.web":             P, // mod_host_meta, BOSH and WebSocket on the HTTPS listener
		"xmpp.contact-addresses":          W, // ejabberd sends an empty serverinfo form
		"xmpp.metadata.version-disclosed": W, "xmpp.web.host-meta": P,
		"xmpp.feature.mam": P, "xmpp.feature.carbons": P, "xmpp.feature.push": P, "xmpp.feature.blocking": P,
		"xmpp.feature.vcard": P, "xmpp.feature.bookmarks2": W, "xmpp.feature.pep": P, "xmpp.feature.omemo-ready": P,
		"xmpp.feature.upload": P, "xmpp.feature.muc": P, "xmpp.feature.extdisco": P,
		"xmpp.feature.sm": P, "xmpp.feature.csi": P, "xmpp.feature.rosterver": P, "xmpp.feature.caps": P,
		"xmpp.feature.offline": P, "xmpp.feature.proxy65": I,
	}
	got := statuses(r)
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: got %s (%s), want %s", id, got[id], summaryOf(r, id), st)
		}
	}
	// ejabberd 23.01 offers SCRAM-SHA-256-PLUS but binds with tls-unique
	// only, which TLS 1.3 lacks: imscore falls back to SCRAM-SHA-256 and
	// says why.
	for _, o := range r.Observations {
		if o.Probe == xmpp.Account.ID {
			d := accountDataOf(t, o)
			if d.Login.Mechanism != "SCRAM-SHA-256" || !strings.Contains(d.Login.PlusFailed, "SCRAM-SHA-256-PLUS refused") {
				t.Errorf("login %s, plus_failed %q", d.Login.Mechanism, d.Login.PlusFailed)
			}
		}
	}
	noSecrets(t, r, stderr)
	noLeftovers(t, x, dns.Addr, pki.CAFile, r)
}

// BenchmarkXMPPScan: full scans of a local Prosody with every module
// (c2s, s2s and direct TLS graded), without and with --account.
func BenchmarkXMPPScan(b *testing.B) {
	testenv.Need(b, "prosody")
	pki := testenv.NewPKI(b)
	cert, key := pki.Leaf(b, "xmpp", testenv.LeafOptions{DNSNames: []string{"example.test", "xmpp.example.test", "upload.example.test"},
		XMPPAddrs: []string{"example.test"}, KeyType: "ecdsa256"})
	x := testenv.StartProsody(b, fullProsody(cert, key))
	prosodyAccount(b, x, "alice", testPassword)
	dns := testenv.StartDNS(b, xmppZone(x)+"upload.example.test. 60 IN A 127.0.0.1\n", false)
	pw := passwordFile(b, testPassword)
	out := filepath.Join(b.TempDir(), "r.json")
	base := []string{"scan", "xmpp", "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile, "--format", "json", "-o", out, "--timeout", "60s"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"anonymous", base},
		{"logged-in", append(append([]string{}, base...), "--account", "alice@example.test", "--password-file", pw)},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var stderr bytes.Buffer
				if code := Main(context.Background(), c.args, io.Discard, &stderr); code != 0 {
					b.Fatalf("exit %d: %s", code, stderr.String())
				}
			}
		})
	}
}

// TestRealEjabberdAccountBare: ejabberd with nothing beyond disco, ping and
// registration: the levels fall and each missing module is named.
func TestRealEjabberdAccountBare(t *testing.T) {
	testenv.Need(t, "ejabberdctl")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	x := testenv.StartEjabberd(t, testenv.EjabberdOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true,
		PasswordFormat: "scram", SCRAMHash: "sha256"})
	testenv.EjabberdCtl(t, x, "register", "alice", "example.test", testPassword)
	dns := testenv.StartDNS(t, xmppZone(x), false)
	code, r, stderr := scanXMPP(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile,
		"--account", "alice@example.test", "--password-file", passwordFile(t, testPassword))
	if code != 0 || r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := expect{
		"xmpp.compliance.core": W, "xmpp.compliance.im": F, "xmpp.compliance.mobile": F, "xmpp.compliance.web": S, "xmpp.compliance.av": F,
		"xmpp.feature.mam": W, "xmpp.feature.carbons": W, "xmpp.feature.push": W, "xmpp.feature.blocking": W,
		"xmpp.feature.pep": W, "xmpp.feature.omemo-ready": F, "xmpp.feature.muc": W, "xmpp.feature.upload": W,
		"xmpp.feature.sm": W, "xmpp.feature.csi": W, "xmpp.feature.offline": W,
	}
	got := statuses(r)
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: got %s (%s), want %s", id, got[id], summaryOf(r, id), st)
		}
	}
	t.Logf("core: %s", summaryOf(r, "xmpp.compliance.core"))
	noSecrets(t, r, stderr)
	noLeftovers(t, x, dns.Addr, pki.CAFile, r)
}
