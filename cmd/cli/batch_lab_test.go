package cli

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
)

// batchLab is a loopback observatory for `imscore batch` tests: real
// servers hosting many domains each, one DNS server answering for all of
// them, and a list of targets.
type batchLab struct {
	pki   *testenv.PKI
	dns   *testenv.DNS
	lines []string
}

func newBatchLab(t testing.TB) *batchLab {
	t.Helper()
	return &batchLab{pki: testenv.NewPKI(t), dns: testenv.StartDNS(t, "lab.test. 60 IN A 127.0.0.1\n", true)}
}

// domains names n domains prefix01.test … prefixNN.test.
func domains(prefix string, n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("%s%02d.test", prefix, i))
	}
	return out
}

// xmppCert is one certificate for every domain (and xmpp.DOMAIN) of a
// server hosting ds.
func (l *batchLab) xmppCert(t testing.TB, name string, ds []string, o testenv.LeafOptions) (cert, key string) {
	t.Helper()
	for _, d := range ds {
		o.DNSNames = append(o.DNSNames, d, "xmpp."+d)
		o.XMPPAddrs = append(o.XMPPAddrs, d)
	}
	if o.KeyType == "" {
		o.KeyType = "ecdsa256"
	}
	return l.pki.Leaf(t, name, o)
}

// xmppDomains serves the SRV and A records of ds: clients and servers at
// xmpp.DOMAIN on ip, ports of c2s and s2s; each becomes a target.
func (l *batchLab) xmppDomains(t testing.TB, ds []string, ip, c2s, s2s string) {
	t.Helper()
	_, cp, _ := net.SplitHostPort(c2s)
	_, sp, _ := net.SplitHostPort(s2s)
	var z strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&z, "_xmpp-client._tcp.%s. 60 IN SRV 5 0 %s xmpp.%s.\n", d, cp, d)
		fmt.Fprintf(&z, "_xmpp-server._tcp.%s. 60 IN SRV 5 0 %s xmpp.%s.\n", d, sp, d)
		fmt.Fprintf(&z, "xmpp.%s. 60 IN A %s\n%s. 60 IN A %s\n", d, ip, d, ip)
		l.lines = append(l.lines, "xmpp:"+d)
	}
	l.dns.Add(t, z.String())
}

// prosody starts Prosody on ip hosting ds and lists them.
func (l *batchLab) prosody(t testing.TB, ip string, ds []string, o testenv.ProsodyOptions) *testenv.Server {
	t.Helper()
	o.Cert, o.Key = l.xmppCert(t, "prosody-"+ip, ds, testenv.LeafOptions{})
	o.IP, o.Domain, o.ExtraDomains = ip, ds[0], ds[1:]
	x := testenv.StartProsody(t, o)
	l.xmppDomains(t, ds, ip, x.Addr, x.S2SAddr)
	return x
}

// writeList writes the list's lines (and extra ones) to a file.
func (l *batchLab) writeList(t testing.TB, extra ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "targets.txt")
	text := "# the lab's targets\n" + strings.Join(append(append([]string(nil), l.lines...), extra...), "\n") + "\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// args are the scan flags every command of the lab takes.
func (l *batchLab) args() []string {
	return []string{"--resolver", l.dns.Addr, "--ca-file", l.pki.CAFile, "--timeout", "45s"}
}

// silentListener accepts connections on ip and never says anything (a
// server that makes clients time out); it stops with the test.
func silentListener(t *testing.T, ip string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	})
	return ln.Addr().String()
}

// closedPort is a port of ip where nothing listens.
func closedPort(t *testing.T, ip string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// xmllintCLI validates a JUnit document against report/schema/junit-10.xsd
// with Debian's xmllint; "" when it validates. Without xmllint it says
// nothing outside CI and fails under CI=true.
func xmllintCLI(t *testing.T, doc []byte) string {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if testenv.InCI() {
			t.Fatal("xmllint not found (Debian package libxml2-utils)")
		}
		t.Log("xmllint not found: the JUnit file is not validated")
		return ""
	}
	f := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--nonet", "--schema", filepath.Join("..", "..", "report", "schema", "junit-10.xsd"), f).CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out)) + " (" + err.Error() + ")"
	}
	return ""
}
