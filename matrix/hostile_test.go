package matrix

import (
	"context"
	stdtls "crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
)

// hostileEnv serves example.test's well-known files from wk, answers DNS
// from a zone with no SRV records (so discovery falls back to 8448) and
// trusts the test CA.
func hostileEnv(t *testing.T, pki *testenv.PKI, wkAddr string) *probes.Env {
	t.Helper()
	d := testenv.StartDNS(t, "example.test. 300 IN A 127.0.0.1\nmatrix.example.test. 300 IN A 127.0.0.1\n", false)
	env := &probes.Env{Resolver: probes.NewDNSResolver(d.Addr), Roots: pki.Pool(), IOTimeout: time.Second,
		Connect: map[string]string{"example.test:443": wkAddr}}
	return env.Filled()
}

func discover(t *testing.T, env *probes.Env) (*DiscoveryData, probes.Observation) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	o := discoveryProbe(ctx, env, "example.test")
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("discovery took %s", el)
	}
	d, _ := o.Data.(*DiscoveryData)
	if d == nil {
		t.Fatalf("no data: %+v", o)
	}
	return d, o
}

func TestHostileWellKnown(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256"})
	wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: cert, Key: key})
	env := hostileEnv(t, pki, wk.Addr)
	cases := []struct {
		name   string
		file   testenv.WellKnownFile
		result string
		// wantDelegated is the m.server discovery must use ("" = none:
		// fallback to example.test:8448).
		wantDelegated string
	}{
		{"valid", testenv.WellKnownFile{Body: testenv.MatrixServerJSON("matrix.example.test:8443")}, WKValid, "matrix.example.test:8443"},
		{"huge", testenv.WellKnownFile{HugeBody: 10 << 20}, WKTooLarge, ""},
		{"invalid JSON", testenv.WellKnownFile{Body: `{"m.server": "matrix.example.test:8443"`}, WKValid, ""},
		{"not an object", testenv.WellKnownFile{Body: `["matrix.example.test"]`}, WKValid, ""},
		{"bad m.server", testenv.WellKnownFile{Body: `{"m.server": "https://matrix.example.test/"}`}, WKValid, ""},
		{"404", testenv.WellKnownFile{Status: 404, Body: "{}"}, WKNotFound, ""},
		{"500", testenv.WellKnownFile{Status: 500, Body: "oops"}, WKHTTPError, ""},
		{"redirect loop", testenv.WellKnownFile{Redirect: "/.well-known/matrix/server"}, WKRedirectLoop, ""},
		{"redirect to http", testenv.WellKnownFile{Redirect: "http://example.test/x"}, WKBadRedirect, ""},
		{"redirect followed", testenv.WellKnownFile{Redirect: "/elsewhere", Status: 301}, WKValid, "matrix.example.test:9000"},
		{"slow", testenv.WellKnownFile{Delay: 3 * time.Second, Body: testenv.MatrixServerJSON("matrix.example.test:1")}, WKUnreachable, ""},
	}
	wk.Set("/elsewhere", testenv.WellKnownFile{Body: testenv.MatrixServerJSON("matrix.example.test:9000")})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wk.Set(wellKnownServer, c.file)
			d, o := discover(t, env)
			if d.WellKnown == nil || d.WellKnown.Result != c.result {
				t.Fatalf("well-known result %+v, want %s", d.WellKnown, c.result)
			}
			if c.wantDelegated != "" {
				if d.Delegated == nil || d.Delegated.String() != c.wantDelegated {
					t.Fatalf("delegated %v, want %s", d.Delegated, c.wantDelegated)
				}
				return
			}
			if d.Delegated != nil || d.Step != StepFallback || o.Status != probes.StatusOK || len(d.Endpoints) != 1 || d.Endpoints[0].Addr != "127.0.0.1:8448" {
				t.Fatalf("want fallback to 127.0.0.1:8448, got step %s delegated %v endpoints %+v (%s)", d.Step, d.Delegated, d.Endpoints, o.Reason)
			}
			if len(d.SRV) != 2 || d.SRV[0].Name != "_matrix-fed._tcp.example.test." || d.SRV[1].Name != "_matrix._tcp.example.test." {
				t.Fatalf("SRV questions %+v", d.SRV)
			}
		})
	}
	if n := wk.Count("/elsewhere"); n != 1 {
		t.Errorf("redirect target fetched %d times", n)
	}
}

// TestSlowDrip: a peer that sends its answer one byte at a time is cut
// off by the I/O bound, body included.
func TestSlowDrip(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256"})
	pair, err := stdtls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	l, err := stdtls.Listen("tcp", "127.0.0.1:0", &stdtls.Config{Certificates: []stdtls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				buf := make([]byte, 4096)
				_, _ = c.Read(buf)
				body := `{"m.server": "matrix.example.test:1"}` + strings.Repeat(" ", 200)
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
				for i := 0; i < len(body); i++ {
					if _, err := io.WriteString(c, body[i:i+1]); err != nil {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}(c)
		}
	}()
	env := hostileEnv(t, pki, l.Addr().String())
	d, _ := discover(t, env)
	if d.WellKnown.Result != WKUnreachable || d.Delegated != nil {
		t.Fatalf("drip: %+v", d.WellKnown)
	}
	if ex := d.WellKnown.Exchanges[0]; ex.ErrStatus != probes.StatusTimeout {
		t.Fatalf("drip exchange %+v", ex)
	}
}

// TestWrongCertificateOnWellKnown: a well-known file behind a certificate
// for another name is not used ("regular HTTPS request").
func TestWrongCertificateOnWellKnown(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"other.test"}, KeyType: "ecdsa256"})
	wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: cert, Key: key, Files: map[string]testenv.WellKnownFile{
		wellKnownServer: {Body: testenv.MatrixServerJSON("matrix.example.test:1")}}})
	env := hostileEnv(t, pki, wk.Addr)
	d, _ := discover(t, env)
	if d.WellKnown.Result != WKUnreachable || d.Delegated != nil || d.WellKnown.Exchanges[0].ErrStatus != probes.StatusTLSError {
		t.Fatalf("wrong certificate: %+v", d.WellKnown)
	}
}
