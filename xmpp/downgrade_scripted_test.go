package xmpp

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
)

// scriptedEnv returns an Env that trusts pki's CA.
func scriptedEnv(t *testing.T, pki *testenv.PKI) *probes.Env {
	t.Helper()
	pem, err := os.ReadFile(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return (&probes.Env{IOTimeout: 5 * time.Second, Roots: pool, Scope: loopback}).Filled()
}

// Debian's Prosody 0.12 and ejabberd 23.01 send neither attribute, so a
// scripted server proves that imscore verifies them (XEP-0474 §6.2,
// XEP-0515 §4.2): a matching hash and TLS version let the login through, a
// hash over other lists (what a man in the middle who stripped -PLUS and
// the channel-binding list leaves the client to see) or another TLS version
// abort it before any proof is sent.
func TestLoginChecksSCRAMDowngradeProtection(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "xmpp", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256"})
	const pw = "scripted-secret-42"
	base := testenv.ScriptedXMPPOptions{Cert: cert, Key: key, Users: map[string]string{"alice": pw},
		Mechanisms: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}, ChannelBindings: []string{"tls-exporter", "tls-server-end-point"}}
	cases := []struct {
		name     string
		mod      func(o *testenv.ScriptedXMPPOptions)
		mismatch string
		attr     string
		tdp      bool
	}{
		{"h and t", func(o *testenv.ScriptedXMPPOptions) { o.SSDP, o.TDP = "h", true }, "", "h", true},
		{"0.3 d", func(o *testenv.ScriptedXMPPOptions) { o.SSDP = "d" }, "", "d", false},
		{"none", func(o *testenv.ScriptedXMPPOptions) {}, "", "", false},
		{"lists changed", func(o *testenv.ScriptedXMPPOptions) {
			o.SSDP, o.SSDPMechanisms = "h", []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-512-PLUS"}
		}, "XEP-0474", "h", false},
		{"TLS version changed", func(o *testenv.ScriptedXMPPOptions) { o.SSDP, o.TDP, o.TDPValue = "h", true, "0303" }, "XEP-0515 t=0303", "h", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base
			c.mod(&o)
			s := testenv.StartScriptedXMPP(t, o)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cl, err := Login(ctx, scriptedEnv(t, pki), probes.Endpoint{Addr: s.Addr}, "example.test", false, &probes.Credentials{Account: "alice@example.test", Password: pw})
			var info LoginInfo
			if c.mismatch == "" {
				if err != nil {
					t.Fatalf("login: %v (server log %v)", err, s.Log())
				}
				defer cl.Close(ctx)
				info = cl.Info
				if info.Mechanism != "SCRAM-SHA-256-PLUS" || info.ChannelBinding != "tls-exporter" {
					t.Errorf("logged in with %s/%s, want SCRAM-SHA-256-PLUS with tls-exporter", info.Mechanism, info.ChannelBinding)
				}
			} else {
				var de *DowngradeError
				if !errors.As(err, &de) || !strings.Contains(err.Error(), c.mismatch) {
					t.Fatalf("err = %v, want a DowngradeError naming %s", err, c.mismatch)
				}
				info = de.Info
				info.Downgrade = &de.Check
				for _, l := range s.Log() {
					if strings.HasPrefix(l, "login") {
						t.Errorf("the server saw a completed login (%s): imscore must abort before its proof", l)
					}
				}
			}
			d := info.Downgrade
			if d == nil || d.SSDPAttr != c.attr || (d.TDP != "") != c.tdp {
				t.Fatalf("downgrade check %+v, want attr %q, t sent %v", d, c.attr, c.tdp)
			}
			if c.mismatch == "" && ((d.SSDPAttr != "" && !d.SSDPMatch) || (d.TDP != "" && !d.TDPMatch)) {
				t.Errorf("a matching server was not verified: %+v", d)
			}
		})
	}
}
