package clienttest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls"
)

// scripted runs one scenario against a scripted client that writes what
// script returns (given the tester) and then reads until the tester is
// done; it returns the scenario's session.
func scripted(t *testing.T, id string, timeout time.Duration, script func(tt *Tester, c net.Conn)) *Session {
	t.Helper()
	shortTimings(t)
	tt := newTester(t, []string{id}, "", timeout)
	// Select adds the control scenario; these tests play id alone.
	sc, _ := Lookup(id)
	tt.cfg.Scenarios = []Scenario{sc}
	done := make(chan probes.Results, 1)
	go func() { done <- tt.Run(context.Background()) }()
	c, err := net.Dial("tcp", net.JoinHostPort(tt.Host(), tt.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout + 5*time.Second))
	script(tt, c)
	go func() { _, _ = io.Copy(io.Discard, c) }()
	select {
	case res := <-done:
		r, ok := Key(id).OK(res)
		if !ok || len(r.Sessions) != 1 {
			t.Fatalf("%s: %+v", id, res[ProbeID(id)])
		}
		return r.Sessions[0]
	case <-time.After(timeout + 10*time.Second):
		t.Fatal("the tester did not end the scenario")
	}
	return nil
}

const header = "<?xml version='1.0'?><stream:stream to='test.example' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Logf("write: %v", err)
	}
}

// A client that authenticates with PLAIN in the clear: recorded as such,
// and the password appears nowhere in the observation.
func TestPlainInTheClearIsRecordedAndRedacted(t *testing.T) {
	var pw string
	s := scripted(t, "starttls-stripped", 3*time.Second, func(tt *Tester, c net.Conn) {
		pw = tt.Password()
		write(t, c, header)
		time.Sleep(50 * time.Millisecond)
		write(t, c, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"+
			base64.StdEncoding.EncodeToString([]byte("\x00tester\x00"+pw))+"</auth>")
		time.Sleep(50 * time.Millisecond)
		write(t, c, "</stream:stream>")
	})
	if len(s.Auths) != 1 || !s.Auths[0].InClear || !s.Auths[0].CredentialsSent || !s.Auths[0].Valid {
		t.Fatalf("auths %+v", s.Auths)
	}
	b, _ := json.Marshal(s)
	for _, secret := range []string{pw, base64.StdEncoding.EncodeToString([]byte("\x00tester\x00" + pw))} {
		if bytes.Contains(b, []byte(secret)) {
			t.Fatalf("the password (%q) is in the observation: %s", secret, b)
		}
	}
	if !strings.Contains(s.Transcript, "password=<redacted>") {
		t.Fatalf("transcript: %s", s.Transcript)
	}
}

// Hostile client input ends the session cleanly and on time.
func TestHostileClientInput(t *testing.T) {
	cases := []struct {
		name   string
		script func(t *testing.T, c net.Conn)
		endBy  string
	}{
		{"DTD in the client's stream", func(t *testing.T, c net.Conn) {
			write(t, c, "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]>"+header)
		}, EndProtocolError},
		{"not XML", func(t *testing.T, c net.Conn) { write(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") }, EndProtocolError},
		{"not UTF-8", func(t *testing.T, c net.Conn) { write(t, c, header+"<iq>\xff\xfe</iq>") }, EndProtocolError},
		{"too many bytes", func(t *testing.T, c net.Conn) {
			write(t, c, header+"<message><body>")
			chunk := strings.Repeat("a", 64<<10)
			for i := 0; i < 48; i++ {
				if _, err := io.WriteString(c, chunk); err != nil {
					return
				}
			}
		}, EndProtocolError},
		{"too many elements", func(t *testing.T, c net.Conn) {
			write(t, c, header+strings.Repeat("<presence/>", maxElements+10))
		}, EndLimit},
		{"silent client", func(t *testing.T, c net.Conn) {}, EndDeadline},
		{"reset", func(t *testing.T, c net.Conn) {
			write(t, c, header)
			time.Sleep(50 * time.Millisecond)
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}, EndClientReset},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			s := scripted(t, "starttls-stripped", 2*time.Second, func(_ *Tester, c net.Conn) { tc.script(t, c) })
			if s.EndBy != tc.endBy && !(tc.endBy == EndProtocolError && s.EndBy == EndLimit) {
				t.Errorf("ended by %s (%s), want %s", s.EndBy, s.End, tc.endBy)
			}
			if d := time.Since(start); d > 6*time.Second {
				t.Errorf("took %s", d)
			}
			if s.Bytes > maxClientBytes {
				t.Errorf("read %d bytes", s.Bytes)
			}
		})
	}
}

// The hostile payload is recorded as sent only when it went out: not to a
// client that closed without opening a stream, and surely to one that did.
func TestHostilePayloadRecorded(t *testing.T) {
	for _, id := range []string{"xml-entity-bomb", "xml-oversized"} {
		s := scripted(t, id, 2*time.Second, func(_ *Tester, c net.Conn) { c.Close() })
		if s.Header || s.HostileSent {
			t.Errorf("%s, closed at once: header %v, payload sent %v", id, s.Header, s.HostileSent)
		}
		s = scripted(t, id, 2*time.Second, func(_ *Tester, c net.Conn) {
			write(t, c, header)
			time.Sleep(300 * time.Millisecond)
		})
		if !s.Header || !s.HostileSent {
			t.Errorf("%s, opened a stream: header %v, payload sent %v (%s)", id, s.Header, s.HostileSent, s.End)
		}
	}
}

// A client that sends nothing after the TCP handshake is reported as
// such at the deadline; the scenario's deadline is kept.
func TestScenarioDeadline(t *testing.T) {
	start := time.Now()
	s := scripted(t, "login", time.Second, func(_ *Tester, c net.Conn) {})
	if s.EndBy != EndDeadline || !strings.Contains(s.End, "sent nothing") {
		t.Fatalf("%s: %s", s.EndBy, s.End)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("took %s", d)
	}
}

// The exec mode: placeholders reach the child shell-quoted and in the
// environment, the process group is stopped at the deadline (a grandchild
// included), a crash is recorded, and the password is not in the output.
func TestExecChild(t *testing.T) {
	shortTimings(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	// The child writes its placeholders and environment, prints the
	// password (which must come back redacted), starts a grandchild that
	// would outlive it, and then never connects.
	cmd := `printf '%s|%s|%s|%s|%s|%s|%s\n' {jid} {password} {host} {port} {domain} {ca} {scenario} > ` + shellQuote(filepath.Join(dir, "args")) +
		`; env | grep '^IMSCORE_' | sort > ` + shellQuote(filepath.Join(dir, "env")) +
		`; echo "password is $IMSCORE_PASSWORD"; (sleep 300 & echo $! > ` + shellQuote(pidFile) + `; wait) ; sleep 300`
	tt := newTester(t, []string{"login"}, cmd, 1500*time.Millisecond)
	res := tt.Run(context.Background())
	o := res[ProbeID("login")]
	r := o.Data.(*Result)
	if o.Status != probes.StatusTimeout || r.Child == nil || !r.Child.AtDeadline || !r.Child.KilledByUs {
		t.Fatalf("%s %s %+v", o.Status, o.Reason, r.Child)
	}
	if strings.Contains(r.Child.Output, tt.Password()) || !strings.Contains(r.Child.Output, "password is "+Redacted) {
		t.Fatalf("output not redacted: %q", r.Child.Output)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	want := strings.Join([]string{tt.JID(), tt.Password(), "127.0.0.1", tt.Port(), "test.example", tt.CAFile(), "login"}, "|") + "\n"
	if string(args) != want {
		t.Fatalf("placeholders: %q, want %q", args, want)
	}
	env, _ := os.ReadFile(filepath.Join(dir, "env"))
	for _, k := range []string{"IMSCORE_JID=", "IMSCORE_PASSWORD=", "IMSCORE_HOST=", "IMSCORE_PORT=", "IMSCORE_DOMAIN=", "IMSCORE_CA=", "IMSCORE_SCENARIO=login"} {
		if !strings.Contains(string(env), k) {
			t.Fatalf("%s missing from %s", k, env)
		}
	}
	pid, _ := os.ReadFile(pidFile)
	var p int
	for _, ch := range strings.TrimSpace(string(pid)) {
		p = p*10 + int(ch-'0')
	}
	if p <= 0 {
		t.Fatalf("no grandchild pid: %q", pid)
	}
	deadline := time.Now().Add(3 * time.Second)
	for syscall.Kill(p, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d outlived the scenario", p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A process that escaped the client's process group (setsid) and holds its
// output pipe does not keep the tester waiting, and the child's result is
// read only once Wait returned (no race, a real run time).
func TestExecEscapedProcess(t *testing.T) {
	shortTimings(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	cmd := `setsid sh -c 'echo $$ > ` + shellQuote(pidFile) + `; exec sleep 30' & exec sleep 31`
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			var p int
			for _, ch := range strings.TrimSpace(string(b)) {
				p = p*10 + int(ch-'0')
			}
			if p > 0 {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
		}
	})
	tt := newTester(t, []string{"login"}, cmd, 1500*time.Millisecond)
	start := time.Now()
	res := tt.Run(context.Background())
	took := time.Since(start)
	r := res[ProbeID("login")].Data.(*Result)
	if r.Child == nil || !r.Child.KilledByUs || r.Child.Signal != "SIGTERM" {
		t.Fatalf("%+v", r.Child)
	}
	if r.Child.RunMS < 1000 || r.Child.RunMS > took.Milliseconds() {
		t.Errorf("run_ms %d (the run took %s)", r.Child.RunMS, took)
	}
	if took > 8*time.Second {
		t.Errorf("the escaped process held the tester for %s", took)
	}
}

func TestExecCrashAndNoConnection(t *testing.T) {
	shortTimings(t)
	tt := newTester(t, []string{"login"}, `kill -SEGV $$`, 3*time.Second)
	res := tt.Run(context.Background())
	o := res[ProbeID("login")]
	r := o.Data.(*Result)
	if r.Child == nil || !r.Child.Crashed || r.Child.KilledByUs || !strings.Contains(o.Reason, "crashed") {
		t.Fatalf("%s %+v", o.Reason, r.Child)
	}
	tt = newTester(t, []string{"login"}, `exit 139`, 3*time.Second)
	res = tt.Run(context.Background())
	if r := res[ProbeID("login")].Data.(*Result); !r.Child.Crashed || r.Child.Signal != "SIGSEGV" {
		t.Fatalf("a wrapper's 128+SIGSEGV is a crash: %+v", r.Child)
	}
}

// The run's context bounds everything: scenarios left when it ends are
// reported as not run.
func TestRunTimeout(t *testing.T) {
	shortTimings(t)
	tt := newTester(t, []string{"login", "starttls-stripped"}, `sleep 30`, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	res := tt.Run(ctx)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
	if o := res[ProbeID("starttls-stripped")]; o == nil || o.Status != probes.StatusTimeout || !strings.Contains(o.Reason, "not run") {
		t.Fatalf("%+v", o)
	}
}

// When the run's --timeout ends a scenario, imscore says so instead of
// blaming the client: for a client still connected, and for one that
// never connected.
func TestRunTimeoutIsNotTheClients(t *testing.T) {
	shortTimings(t)
	tt := newTester(t, []string{"starttls-stripped"}, "", 10*time.Second)
	sc, _ := Lookup("starttls-stripped")
	tt.cfg.Scenarios = []Scenario{sc}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	done := make(chan probes.Results, 1)
	go func() { done <- tt.Run(ctx) }()
	c, err := net.Dial("tcp", net.JoinHostPort(tt.Host(), tt.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	write(t, c, header)
	res := <-done
	r := res[ProbeID("starttls-stripped")].Data.(*Result)
	if len(r.Sessions) != 1 || r.Sessions[0].EndBy != EndAborted || !strings.Contains(r.Sessions[0].End, "stopped by imscore: the run's --timeout passed") {
		t.Fatalf("%+v", r.Sessions)
	}

	tt = newTester(t, []string{"login"}, `sleep 30`, 10*time.Second)
	sc, _ = Lookup("login")
	tt.cfg.Scenarios = []Scenario{sc}
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	o := tt.Run(ctx2)[ProbeID("login")]
	if o.Status != probes.StatusTimeout || !strings.Contains(o.Reason, "stopped by imscore: the run's --timeout passed") {
		t.Fatalf("%s: %s", o.Status, o.Reason)
	}
}

// The certificates say what they are meant to say, checked with imscore's
// own certificate code.
func TestCertificates(t *testing.T) {
	now := time.Now()
	p, err := newPKI("test.example", now)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	ref := tls.ReferenceIDs{DNS: []string{"test.example"}, SRV: []string{"_xmpp-client.test.example"}, XMPP: []string{"test.example"}}
	cases := []struct {
		kind            string
		trusted, valid  bool
		named           bool
		namedByDNSAlone bool
	}{
		{CertGood, true, true, true, true},
		{CertUnknownCA, false, true, true, true},
		{CertSelfSigned, false, true, true, true},
		{CertWrongName, true, true, false, false},
		{CertXMPPIDs, true, true, true, false},
		{CertExpired, true, false, true, true},
		{CertNotYetValid, true, false, true, true},
	}
	for _, c := range cases {
		leaf := p.certs[c.kind].Leaf
		v := tls.Verify([]*x509.Certificate{leaf}, pool, now)
		if v.Trusted != c.trusted || v.ValidNow != c.valid {
			t.Errorf("%s: trusted %v valid %v (%+v)", c.kind, v.Trusted, v.ValidNow, v)
		}
		if ok, _, _ := tls.MatchName(leaf, ref); ok != c.named {
			t.Errorf("%s: named %v", c.kind, ok)
		}
		if ok, _, _ := tls.MatchName(leaf, tls.ReferenceIDs{DNS: ref.DNS}); ok != c.namedByDNSAlone {
			t.Errorf("%s: named by DNS-ID %v", c.kind, ok)
		}
	}
}
