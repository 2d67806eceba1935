package clienttest

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

var (
	fuzzSrvOnce sync.Once
	fuzzSrv     *server
)

func fuzzServer(f *testing.F) *server {
	fuzzSrvOnce.Do(func() {
		p, err := newPKI("test.example", time.Now())
		if err != nil {
			f.Fatal(err)
		}
		fuzzSrv = &server{domain: "test.example", password: "fuzzpassword", pki: p}
	})
	return fuzzSrv
}

// FuzzClientStream feeds arbitrary client bytes to the session engine:
// it must end (within its deadline), never panic, and keep its bounds.
// The scenario without STARTTLS lets SASL run in the clear, so the PLAIN
// and SCRAM parsers see the fuzzed messages too.
func FuzzClientStream(f *testing.F) {
	srv := fuzzServer(f)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	seeds := []string{
		header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
		header + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + b64("\x00tester\x00fuzzpassword") + "</auth>" + header +
			"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq><presence><c xmlns='http://jabber.org/protocol/caps' node='n' ver='v'/></presence></stream:stream>",
		header + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>" + b64("n,,n=tester,r=abc") + "</auth><response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + b64("c=biws,r=abc,p=AAAA") + "</response>",
		header + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256-PLUS'>" + b64("p=tls-exporter,,n=tester,r=x") + "</auth><abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
		header + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>=</auth><response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>!!</response>",
		"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY b 'c'>]>" + header,
		header + "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq><iq type='result' id='imscore-version'><query xmlns='jabber:iq:version'><name>x</name></query></iq>",
		"\x16\x03\x01\x00\x05hello",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, stripped bool) {
		if len(data) > 1<<16 {
			return
		}
		id := "login"
		if stripped {
			id = "starttls-stripped"
		}
		sc, _ := Lookup(id)
		client, server := net.Pipe()
		defer client.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out := &Session{Remote: "pipe", Events: []string{}}
		s := &session{srv: srv, sc: sc, p: sc.plan.withDefaults(), out: out, start: time.Now(), ctx: ctx, runCtx: ctx,
			deadline: time.Now().Add(300 * time.Millisecond), tcp: server, rec: &recorder{}}
		done := make(chan struct{})
		go func() {
			s.serve()
			close(done)
		}()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		_ = client.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		_, _ = client.Write(data)
		client.Close() // the client is done: the session must end at once
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Fatal("the session did not end")
		}
		if out.End == "" || out.EndBy == "" {
			t.Fatalf("no end recorded: %+v", out)
		}
		if out.Bytes > maxClientBytes || len(out.Events) > maxEvents+1 || len(out.Auths) > maxAuths {
			t.Fatalf("bounds: %d bytes, %d events, %d auths", out.Bytes, len(out.Events), len(out.Auths))
		}
	})
}

// FuzzSASLMessages: the SASL parsers never panic and keep their bounds.
func FuzzSASLMessages(f *testing.F) {
	for _, s := range []string{"n,,n=tester,r=abc", "p=tls-exporter,a=x,n=u=2C,r=z,e=1", "c=biws,r=abc,p=dGVzdA==", "\x00u\x00p", "y,,m=1", ",,,"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if cf, err := parseClientFirst(b); err == nil && (cf.nonce == "" || len(cf.gs2Header)+len(cf.bare) != len(b)) {
			t.Fatalf("client-first %+v", cf)
		}
		if fin, err := parseClientFinal(b); err == nil && len(fin.proof) == 0 {
			t.Fatalf("client-final without proof %+v", fin)
		}
		_, _ = parsePLAIN(b)
		s, err := newSCRAMServer("SCRAM-SHA-1", "pw", 1, "")
		if err != nil {
			t.Fatal(err)
		}
		if cf, err := parseClientFirst(b); err == nil {
			s.serverFirst(cf)
			if fin, err := parseClientFinal(b); err == nil {
				_, _, _, _ = s.verify(fin, b)
			}
		}
	})
}
