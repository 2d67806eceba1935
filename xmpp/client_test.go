package xmpp

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	stdtls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
)

const secret = "hunter2-never-sent"

// recorder is a fake server that records everything the client sends.
type recorder struct {
	mu  sync.Mutex
	got bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got.Write(p)
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got.String()
}

func selfSigned(t *testing.T) stdtls.Certificate {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "example.test"}, DNSNames: []string{"example.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return stdtls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
}

// loginServer accepts one client: plaintext features (with or without
// STARTTLS), then, on <starttls/>, TLS with an untrusted certificate and
// SASL features offering PLAIN.
func loginServer(t *testing.T, offerTLS bool, rec *recorder) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	cert := selfSigned(t)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		header := "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='x' version='1.0'>"
		feats := "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
		if offerTLS {
			feats = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
		}
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		rec.Write(buf[:n])
		c.Write([]byte(header + feats))
		n, _ = c.Read(buf)
		rec.Write(buf[:n])
		if !strings.Contains(string(buf[:n]), "starttls") {
			io.Copy(rec, c)
			return
		}
		c.Write([]byte("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"))
		tc := stdtls.Server(c, &stdtls.Config{Certificates: []stdtls.Certificate{cert}})
		if tc.Handshake() != nil {
			return
		}
		go io.Copy(rec, tc)
		tc.Write([]byte(header + feats))
		time.Sleep(2 * time.Second)
	}()
	return l.Addr().String()
}

func TestLoginNeverSendsPasswordUnsafely(t *testing.T) {
	for _, c := range []struct {
		name     string
		offerTLS bool
		want     string
	}{
		{"no STARTTLS", false, "never sends a password without TLS"},
		{"untrusted certificate", true, "certificate not trusted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			addr := loginServer(t, c.offerTLS, rec)
			env := (&probes.Env{IOTimeout: 2 * time.Second, Roots: x509.NewCertPool(), Scope: loopback}).Filled()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := Login(ctx, env, probes.Endpoint{Addr: addr}, "example.test", false, &probes.Credentials{Account: "alice@example.test", Password: secret})
			if !errors.Is(err, ErrNoSafeLogin) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrNoSafeLogin (%s)", err, c.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Error("password in the error")
			}
			time.Sleep(50 * time.Millisecond)
			if strings.Contains(rec.String(), "AGFsaWNl") || strings.Contains(rec.String(), secret) || strings.Contains(rec.String(), "<auth") {
				t.Errorf("credentials sent: %q", rec.String())
			}
		})
	}
}

func TestLoginRefusesForeignAccount(t *testing.T) {
	env := (&probes.Env{}).Filled()
	_, err := Login(context.Background(), env, probes.Endpoint{Addr: "127.0.0.1:1"}, "example.test", false, &probes.Credentials{Account: "alice@evil.test", Password: secret})
	if err == nil || !strings.Contains(err.Error(), "not an account of example.test") {
		t.Fatalf("err = %v", err)
	}
}

// pipeClient is a logged-in Client over net.Pipe, for the bounds of IQ.
func pipeClient(t *testing.T) (*Client, net.Conn) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	go io.Copy(io.Discard, b)
	s := newSession(a, NSClient, "example.test", "", 2*time.Second)
	s.budget.N, s.limit = maxClientBytes, maxClientBytes
	s.dec = newDecoder(s.budget)
	return &Client{s: s, creds: &probes.Credentials{Account: "a@example.test", Password: secret}, domain: "example.test", prefix: "p"}, b
}

func TestIQBounded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	t.Run("flood of other stanzas", func(t *testing.T) {
		c, srv := pipeClient(t)
		go func() {
			srv.Write([]byte("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"))
			for i := 0; i < maxSkipped+10; i++ {
				if _, err := srv.Write([]byte("<message><body>spam</body></message>")); err != nil {
					return
				}
			}
		}()
		tok, _ := c.s.dec.Token() // the stream header
		_ = tok
		_, err := c.IQ(ctx, "get", "", "<query xmlns='jabber:iq:version'/>")
		if err == nil || !strings.Contains(err.Error(), "within") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("huge stanza", func(t *testing.T) {
		c, srv := pipeClient(t)
		go func() {
			srv.Write([]byte("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><message><body>"))
			chunk := bytes.Repeat([]byte("a"), 64<<10)
			for i := 0; i < 100; i++ { // 6.4 MiB
				if _, err := srv.Write(chunk); err != nil {
					return
				}
			}
		}()
		c.s.dec.Token()
		start := time.Now()
		_, err := c.IQ(ctx, "get", "", "<query xmlns='jabber:iq:version'/>")
		if err == nil {
			t.Fatal("no error")
		}
		t.Logf("%v after %v", err, time.Since(start))
	})
	t.Run("silent server", func(t *testing.T) {
		c, srv := pipeClient(t)
		go srv.Write([]byte("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"))
		c.s.dec.Token()
		start := time.Now()
		_, err := c.IQ(ctx, "get", "", "<query xmlns='jabber:iq:version'/>")
		if err == nil || time.Since(start) > 10*time.Second {
			t.Fatalf("err = %v after %v", err, time.Since(start))
		}
	})
}

func FuzzHostMeta(f *testing.F) {
	f.Add([]byte(`<?xml version='1.0'?><XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'><Link rel="urn:xmpp:alt-connections:websocket" href="wss://x/ws"/></XRD>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><XRD>&a;</XRD>`))
	f.Add([]byte(`{"links":[{"rel":"urn:xmpp:alt-connections:xbosh","href":"https://x/bosh"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) ([]HostMetaLink, error){parseXRD, parseHostMetaJSON} {
			links, err := parse(b)
			if err == nil && len(links) > 64 {
				t.Fatalf("%d links: unbounded", len(links))
			}
		}
	})
}

func FuzzSCRAMServerFirst(f *testing.F) {
	f.Add("r=NONCEabc,s=QSXCR+Q6sek8bf92,i=4096")
	f.Add("e=invalid-proof")
	f.Add("r=NONCE,s=,i=-1")
	f.Fuzz(func(t *testing.T, sf string) {
		s, _ := newSCRAM("SCRAM-SHA-256", "u", "p", "", nil)
		s.cnonce = "NONCE"
		s.first()
		if strings.Contains(sf, "i=") && len(sf) > 4096 {
			return
		}
		out, err := s.final([]byte(sf))
		if err == nil && !strings.HasPrefix(string(out), "c=biws,r=NONCE") {
			t.Fatalf("final %q for %q", out, sf)
		}
	})
}
