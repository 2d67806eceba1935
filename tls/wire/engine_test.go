package wire

// Tests of the raw-handshake engine against real servers started by the
// tests themselves: openssl s_server (skipped when openssl is missing,
// except in CI), Go's crypto/tls, and small scripted fakes for the answers
// no real server here gives (SSLv2, SSLv3, garbage, resets, silence).

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// engNeed returns the path of a binary the test needs, skipping the test
// when it is missing (failing in CI, where it must be installed).
func engNeed(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// engCertPEM is a self-signed RSA-2048 certificate for localhost and
// 127.0.0.1, made once per test binary.
var engCertPEM = sync.OnceValues(func() (certPEM, keyPEM []byte) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(4242),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
})

func engCertDER(t testing.TB) []byte {
	c, _ := engCertPEM()
	b, _ := pem.Decode(c)
	if b == nil {
		t.Fatal("bad test certificate")
	}
	return b.Bytes
}

// engDH1024 is a fixed 1024-bit DH group (generated once with `openssl
// dhparam 1024`); generating one per test run would take seconds.
const engDH1024 = `-----BEGIN DH PARAMETERS-----
MIGHAoGBANZch3IyFuP+3eMYjxVeOaCpErHq+766Dvjn2q2fT92qyp7DW8XF/17u
TkoPDUr3eF/uQISjVC/1mADiCFJ93YXhZY67VvrPmisCLfss9hpn170Pst6PhXW3
iSiCek0LPJgM6BGx5Dj27Zw5iFG75DYj5YbzkTuTx4ZAXHMX6McHAgEC
-----END DH PARAMETERS-----
`

// engBuffer is a bounded, locked buffer for a child's output.
type engBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *engBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() < 1<<20 {
		b.b.Write(p)
	}
	return len(p), nil
}

func (b *engBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// engServer is a running openssl s_server.
type engServer struct {
	addr string
	out  *engBuffer
}

func (s *engServer) dial() Connector { return engDialer(s.addr) }

func engDialer(addr string) Connector {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

func engFreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// engStartSServer starts `openssl s_server` with args on a free loopback
// port and waits until it accepts connections. extra files (name →
// content) are written next to the certificate; "{dir}" in args is
// replaced by their directory.
func engStartSServer(t testing.TB, files map[string]string, args ...string) *engServer {
	t.Helper()
	openssl := engNeed(t, "openssl")
	dir := t.TempDir()
	certPEM, keyPEM := engCertPEM()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("cert.pem", certPEM)
	write("key.pem", keyPEM)
	for name, data := range files {
		write(name, []byte(data))
	}
	args = append([]string(nil), args...)
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "{dir}", dir)
	}
	for try := 0; ; try++ {
		port := engFreePort(t)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		full := append([]string{"s_server", "-accept", addr,
			"-cert", filepath.Join(dir, "cert.pem"), "-key", filepath.Join(dir, "key.pem"),
			"-www"}, args...)
		cmd := exec.Command(openssl, full...)
		out := &engBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = cmd.Process.Kill()
			<-exited
		}
		ready := false
		deadline := time.Now().Add(15 * time.Second)
	poll:
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				break poll
			default:
			}
			c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err == nil {
				c.Close()
				ready = true
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if ready {
			t.Cleanup(stop)
			return &engServer{addr: addr, out: out}
		}
		stop()
		if strings.Contains(out.String(), "in use") && try < 5 {
			continue // lost the port to someone else: pick another
		}
		t.Fatalf("openssl s_server %s did not start:\n%s", strings.Join(full, " "), out.String())
	}
}

// engOpenSSLSuites returns the TLS <= 1.2 suite ids openssl would enable
// for a cipher string and protocol flag (e.g. "-tls1_2"), in order.
func engOpenSSLSuites(t testing.TB, cipherString, proto string) []uint16 {
	t.Helper()
	openssl := engNeed(t, "openssl")
	out, err := exec.Command(openssl, "ciphers", "-V", "-s", proto, cipherString).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl ciphers %q: %v\n%s", cipherString, err, out)
	}
	re := regexp.MustCompile(`0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})`)
	var ids []uint16
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		hi, _ := strconv.ParseUint(m[1], 16, 8)
		lo, _ := strconv.ParseUint(m[2], 16, 8)
		id := uint16(hi)<<8 | uint16(lo)
		if hi == 0x13 {
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

func engIDs(suites []Suite) []uint16 {
	out := make([]uint16, len(suites))
	for i, s := range suites {
		out[i] = s.ID
	}
	return out
}

func engGroupNames(gs []Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	return out
}

func engSuiteNames(ids []uint16) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = suiteName(id)
	}
	return strings.Join(names, ",")
}

func engSameOrder(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func engSameSet(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[uint16]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// engClientOrder is the order in which we offer ids (our preference).
func engClientOrder(ids []uint16) []uint16 {
	var out []uint16
	all := append(append([]uint16(nil), tls13IDs...), offerOrder...)
	for _, id := range all {
		if indexOf(ids, id) >= 0 {
			out = append(out, id)
		}
	}
	return out
}

func engCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// engVersions returns the supported versions of a scan.
func engVersions(vs VersionScan) []Version {
	var out []Version
	for _, v := range vs.Versions {
		if v.Supported {
			out = append(out, v.Version)
		}
	}
	return out
}

func engCheckVersions(t *testing.T, vs VersionScan, want ...Version) {
	t.Helper()
	got := engVersions(vs)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("supported versions = %v, want %v\n%+v", got, want, vs.Versions)
	}
	for _, v := range vs.Versions {
		if v.Error != "" {
			t.Errorf("%v: unexpected error %q", v.Version, v.Error)
		}
	}
}

func engScanCiphers(t *testing.T, dial Connector, v Version) CipherScan {
	t.Helper()
	cs, err := ScanCiphers(engCtx(t), dial, "localhost", v)
	if err != nil {
		t.Fatalf("ScanCiphers(%v): %v", v, err)
	}
	if cs.Error != "" {
		t.Errorf("ScanCiphers(%v): error %q", v, cs.Error)
	}
	return cs
}

func engCheckCiphers(t *testing.T, cs CipherScan, want []uint16, order string) {
	t.Helper()
	got := engIDs(cs.Suites)
	if !engSameOrder(got, want) {
		t.Errorf("%v suites = %s\nwant %s", cs.Version, engSuiteNames(got), engSuiteNames(want))
	}
	if cs.ServerOrder != order {
		t.Errorf("%v server order = %q, want %q\nattempts: %+v", cs.Version, cs.ServerOrder, order, cs.Attempts)
	}
}

// ---- openssl s_server ----------------------------------------------------

func engScanAll(t *testing.T, s *engServer) (VersionScan, map[Version]CipherScan, GroupScan) {
	t.Helper()
	ctx := engCtx(t)
	vs, err := ScanVersions(ctx, s.dial(), "localhost")
	if err != nil {
		t.Fatalf("ScanVersions: %v\nserver output:\n%s", err, s.out.String())
	}
	ciphers := map[Version]CipherScan{}
	for _, v := range engVersions(vs) {
		ciphers[v] = engScanCiphers(t, s.dial(), v)
	}
	gs, err := ScanGroups(ctx, s.dial(), "localhost", engVersions(vs))
	if err != nil {
		t.Fatalf("ScanGroups: %v", err)
	}
	if gs.Error != "" {
		t.Errorf("ScanGroups error: %s", gs.Error)
	}
	return vs, ciphers, gs
}

func TestEngOpenSSLTLS13Only(t *testing.T) {
	for _, serverPref := range []bool{false, true} {
		t.Run(fmt.Sprintf("serverpref=%v", serverPref), func(t *testing.T) {
			args := []string{"-tls1_3", "-groups", "X25519:P-256:ffdhe2048",
				"-ciphersuites", "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"}
			want, order := []uint16{0x1301, 0x1302, 0x1303}, "client"
			if serverPref {
				args = append(args, "-serverpref")
				want, order = []uint16{0x1302, 0x1303, 0x1301}, "server"
			}
			s := engStartSServer(t, nil, args...)
			vs, ciphers, gs := engScanAll(t, s)
			engCheckVersions(t, vs, VersionTLS13)
			engCheckCiphers(t, ciphers[VersionTLS13], want, order)
			if gs.Version != VersionTLS13 {
				t.Errorf("group scan version %v", gs.Version)
			}
			if got := engGroupNames(gs.Supported); fmt.Sprint(got) != "[x25519 secp256r1 ffdhe2048]" {
				t.Errorf("groups = %v", got)
			}
			if len(gs.Rejected)+len(gs.Supported) != 20 {
				t.Errorf("tested %d groups, want the 20 TLS 1.3 groups", len(gs.Rejected)+len(gs.Supported))
			}
			if _, err := FetchChain(engCtx(t), s.dial(), "localhost", VersionTLS13); err == nil {
				t.Error("FetchChain(TLS 1.3) succeeded")
			}
			if _, err := FetchChain(engCtx(t), s.dial(), "localhost", VersionTLS12); err == nil {
				t.Error("FetchChain(TLS 1.2) on a TLS 1.3-only server succeeded")
			}
		})
	}
}

func TestEngOpenSSLModern(t *testing.T) {
	const cipherString = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA"
	for _, serverPref := range []bool{false, true} {
		t.Run(fmt.Sprintf("serverpref=%v", serverPref), func(t *testing.T) {
			args := []string{"-no_ssl3", "-no_tls1", "-no_tls1_1", "-cipher", cipherString,
				"-ciphersuites", "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"}
			serverList := engOpenSSLSuites(t, cipherString, "-tls1_2")
			want12, order := engClientOrder(serverList), "client"
			want13 := []uint16{0x1301, 0x1302}
			if serverPref {
				args = append(args, "-serverpref")
				want12, order = serverList, "server"
				want13 = []uint16{0x1302, 0x1301}
			}
			s := engStartSServer(t, nil, args...)
			vs, ciphers, gs := engScanAll(t, s)
			engCheckVersions(t, vs, VersionTLS12, VersionTLS13)
			engCheckCiphers(t, ciphers[VersionTLS12], want12, order)
			engCheckCiphers(t, ciphers[VersionTLS13], want13, order)
			if gs.Version != VersionTLS13 || len(gs.Supported) == 0 {
				t.Errorf("groups: %+v", gs)
			}
			// The cipher scan must cost one handshake per accepted suite,
			// one refusal per ClientHello chunk and one order test.
			if n := ciphers[VersionTLS12].Handshakes; n != len(want12)+3+1 {
				t.Errorf("TLS 1.2 cipher scan took %d handshakes, want %d", n, len(want12)+4)
			}
			chain, err := FetchChain(engCtx(t), s.dial(), "localhost", VersionTLS12)
			if err != nil {
				t.Fatalf("FetchChain: %v", err)
			}
			if len(chain) != 1 || !bytes.Equal(chain[0], engCertDER(t)) {
				t.Errorf("FetchChain returned %d certs, not our certificate", len(chain))
			}
		})
	}
}

const engLegacyCiphers = "AES128-SHA:DES-CBC3-SHA:AES256-SHA:CAMELLIA128-SHA:@SECLEVEL=0"

func TestEngOpenSSLLegacy(t *testing.T) {
	for _, serverPref := range []bool{false, true} {
		t.Run(fmt.Sprintf("serverpref=%v", serverPref), func(t *testing.T) {
			args := []string{"-tls1", "-cipher", engLegacyCiphers}
			// DES-CBC3-SHA is in the list only where this OpenSSL build
			// still has 3DES (Debian's 3.0 does not): ask openssl.
			serverList := engOpenSSLSuites(t, engLegacyCiphers, "-tls1")
			want, order := engClientOrder(serverList), "client"
			if serverPref {
				args = append(args, "-serverpref")
				want, order = serverList, "server"
			}
			s := engStartSServer(t, nil, args...)
			vs, ciphers, gs := engScanAll(t, s)
			engCheckVersions(t, vs, VersionTLS10)
			cs := ciphers[VersionTLS10]
			engCheckCiphers(t, cs, want, order)
			for _, su := range cs.Suites {
				if su.FS || !strings.Contains(strings.Join(su.Weak, ","), "static-rsa") || !strings.Contains(strings.Join(su.Weak, ","), "cbc") {
					t.Errorf("%s: FS=%v weak=%v", su.Name, su.FS, su.Weak)
				}
			}
			// No ECDHE and no DHE suite: every curve is refused, no DH size.
			if len(gs.Supported) != 0 || len(gs.DHBits) != 0 || gs.Version != VersionTLS10 {
				t.Errorf("groups: %+v", gs)
			}
			for _, v := range []Version{VersionTLS10, 0} {
				chain, err := FetchChain(engCtx(t), s.dial(), "localhost", v)
				if err != nil {
					t.Fatalf("FetchChain(%v): %v", v, err)
				}
				if len(chain) != 1 || !bytes.Equal(chain[0], engCertDER(t)) {
					t.Errorf("FetchChain(%v) returned %d certs, not our certificate", v, len(chain))
				}
			}
		})
	}
}

func TestEngOpenSSLDHE(t *testing.T) {
	openssl := engNeed(t, "openssl")
	ff, err := exec.Command(openssl, "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "dh_param:ffdhe2048").Output()
	if err != nil {
		t.Fatalf("genpkey: %v", err)
	}
	for _, tc := range []struct {
		name, params string
		bits         int
	}{{"dh1024", engDH1024, 1024}, {"ffdhe2048", string(ff), 2048}} {
		t.Run(tc.name, func(t *testing.T) {
			s := engStartSServer(t, map[string]string{"dh.pem": tc.params}, "-no_tls1_3", "-no_ssl3",
				"-cipher", "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-SHA:@SECLEVEL=0", "-dhparam", "{dir}/dh.pem")
			vs, ciphers, gs := engScanAll(t, s)
			engCheckVersions(t, vs, VersionTLS10, VersionTLS11, VersionTLS12)
			engCheckCiphers(t, ciphers[VersionTLS12], []uint16{0x009E, 0x0039}, "client")
			engCheckCiphers(t, ciphers[VersionTLS10], []uint16{0x0039}, "unknown")
			if fmt.Sprint(gs.DHBits) != fmt.Sprint([]int{tc.bits}) {
				t.Errorf("DHBits = %v, want [%d]", gs.DHBits, tc.bits)
			}
			if gs.Version != VersionTLS12 || len(gs.Supported) != 0 {
				t.Errorf("groups: %+v", gs)
			}
		})
	}
}

func TestEngOpenSSLGroups(t *testing.T) {
	t.Run("tls13-p384", func(t *testing.T) {
		s := engStartSServer(t, nil, "-no_ssl3", "-no_tls1", "-no_tls1_1", "-groups", "P-384")
		ctx := engCtx(t)
		gs, err := ScanGroups(ctx, s.dial(), "localhost", []Version{VersionTLS12, VersionTLS13})
		if err != nil {
			t.Fatal(err)
		}
		if got := engGroupNames(gs.Supported); fmt.Sprint(got) != "[secp384r1]" || gs.Version != VersionTLS13 {
			t.Errorf("supported = %v (version %v)", got, gs.Version)
		}
		rejected := strings.Join(engGroupNames(gs.Rejected), ",")
		for _, g := range []string{"x25519", "secp256r1", "X25519MLKEM768", "ffdhe2048"} {
			if !strings.Contains(rejected, g) {
				t.Errorf("%s not rejected: %s", g, rejected)
			}
		}
		// TLS 1.3 with only P-384: no x25519 key share fits, so every
		// TLS 1.3 suite is found through HelloRetryRequests.
		cs := engScanCiphers(t, s.dial(), VersionTLS13)
		if len(cs.Suites) != 3 || !strings.HasPrefix(cs.Attempts[0].Answer, "HelloRetryRequest TLSv1.3") {
			t.Errorf("TLS 1.3 suites %v, attempts %+v", engIDs(cs.Suites), cs.Attempts)
		}
	})
	t.Run("tls12-only", func(t *testing.T) {
		s := engStartSServer(t, nil, "-tls1_2", "-groups", "P-384:P-256", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
		gs, err := ScanGroups(engCtx(t), s.dial(), "localhost", []Version{VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		if got := engGroupNames(gs.Supported); fmt.Sprint(got) != "[secp256r1 secp384r1]" || gs.Version != VersionTLS12 {
			t.Errorf("supported = %v (version %v)\n%+v", got, gs.Version, gs.Attempts)
		}
		if len(gs.Supported)+len(gs.Rejected) != 11 {
			t.Errorf("tested %d curves, want the 11 TLS 1.2 curves", len(gs.Supported)+len(gs.Rejected))
		}
	})
}

// ---- sslscan as an oracle ------------------------------------------------

// ---- Go crypto/tls (always available) -------------------------------------
