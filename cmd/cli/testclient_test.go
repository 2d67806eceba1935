package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

func TestClientUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"test-client", "xmpp"}, "needs --domain"},
		{[]string{"test-client"}, "needs a kind"},
		{[]string{"test-client", "irc"}, "unknown test-client kind"},
		{[]string{"test-client", "xmpp", "--domain", "a b"}, "want an XMPP domain"},
		{[]string{"test-client", "xmpp", "--domain", "test.example", "--listen", "nowhere"}, "want HOST:PORT"},
		{[]string{"test-client", "xmpp", "--domain", "test.example", "--listen", "example.org:5222"}, "want an IP address"},
		{[]string{"test-client", "xmpp", "--domain", "test.example", "--scenario", "nope"}, "unknown scenario"},
		{[]string{"test-client", "xmpp", "--domain", "test.example", "--exec", "client {pasword}"}, "unknown placeholder"},
		{[]string{"test-client", "xmpp", "--domain", "test.example", "--format", "pdf"}, "unknown --format"},
		{[]string{"test-client", "xmpp", "--domain", "test.example", "--require", "tls.cert.trusted"}, "not a client criterion"},
		{[]string{"test-client", "xmpp", "--domain", "test.example", "--scenario-timeout", "1ms"}, "--scenario-timeout"},
	} {
		var out, errb bytes.Buffer
		code := Main(context.Background(), c.args, &out, &errb)
		if code != ExitUsage || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q (want %q)", c.args, code, errb.String(), c.want)
		}
	}
}

func TestClientCriteriaAndExplain(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"criteria", "--kind", "xmpp-client", "--format", "json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var ms []criteria.Meta
	if err := json.Unmarshal(out.Bytes(), &ms); err != nil {
		t.Fatal(err)
	}
	if len(ms) < 20 {
		t.Fatalf("%d client criteria", len(ms))
	}
	for _, m := range ms {
		if !strings.HasPrefix(m.ID, "xmpp.client.") {
			t.Errorf("criteria --kind xmpp-client lists %s", m.ID)
		}
	}
	out.Reset()
	if code := Main(context.Background(), []string{"explain", "xmpp.client.starttls-stripped"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Why it matters", "starttls-stripped", "profanity:", "mcabber:", "on fail: at most F"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("explain lacks %q:\n%s", want, out.String())
		}
	}
}

// An interactive run in-process: the banner tells where to connect and
// with what; imscore's own client connects once per scenario; the report is
// an ordinary JSON report of kind xmpp-client without the password.
func TestClientInteractiveRun(t *testing.T) {
	dir := t.TempDir()
	outFile := filepath.Join(dir, "client.json")
	pr, pw := io.Pipe()
	defer pr.Close()
	var stdout bytes.Buffer
	done := make(chan int, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	go func() {
		done <- Main(ctx, []string{"test-client", "xmpp", "--domain", "test.example", "--listen", "127.0.0.1:0",
			"--scenario", "xmpp.client.cert-untrusted", "--scenario-timeout", "5s", "--client-name", "imscore's own client",
			"--format", "json", "-o", outFile}, &stdout, pw)
		pw.Close()
	}()
	var host, port, password string
	var ca bytes.Buffer
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "  password:"):
			password = f[1]
		case strings.HasPrefix(line, "  connect to"):
			host, port = f[2], f[4]
		case strings.HasPrefix(line, "-----BEGIN") || ca.Len() > 0:
			ca.WriteString(line + "\n")
		}
		if strings.HasPrefix(line, "-----END") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if host != "127.0.0.1" || port == "" || password == "" || ca.Len() == 0 {
		t.Fatalf("banner: host %q port %q password %q ca %d bytes", host, port, password, ca.Len())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.Bytes()) {
		t.Fatal("the banner's CA does not parse")
	}
	env := (&probes.Env{Roots: pool, IOTimeout: 3 * time.Second, Scope: probes.Scope{Targets: []string{host}}}).Filled()
	ep := probes.Endpoint{Name: "test.example", Addr: net.JoinHostPort(host, port), Via: "literal"}
	for i := 0; i < 3; i++ { // login, cert-unknown-ca, cert-self-signed
		c, err := xmpp.Login(ctx, env, ep, "test.example", false, &probes.Credentials{Account: "tester@test.example", Password: password})
		if err == nil {
			c.Close(ctx)
		}
	}
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(time.Minute):
		t.Fatal("test-client did not finish")
	}
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(password)) {
		t.Fatal("the password is in the report")
	}
	rep, err := report.ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Target.Kind != "xmpp-client" || rep.Target.Name != "imscore's own client" || rep.Target.XMPPDomain != "test.example" {
		t.Fatalf("target %+v", rep.Target)
	}
	got := map[string]report.Status{}
	for _, f := range rep.Findings {
		got[f.Criterion] = f.Status
	}
	if got["xmpp.client.cert-untrusted"] != report.Pass || got["xmpp.client.sasl-choice"] != report.Pass || got["xmpp.client.starttls-stripped"] != report.Skip {
		t.Fatalf("findings %v", got)
	}
}

// A client that never connects: exit 3 with a one-line reason, the report
// still written with -o.
func TestClientNeverConnects(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"test-client", "xmpp", "--domain", "test.example", "--listen", "127.0.0.1:0",
		"--scenario", "login", "--scenario-timeout", "1s", "--exec", "true", "-q", "--format", "json", "-o", out}, &stdout, &stderr)
	if code != ExitCannotScan || !strings.Contains(stderr.String(), "never connected") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("no report: %v", err)
	}
}
