package xmpp

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"net"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
)

// FuzzSCRAMServerFinal: whatever the server-final message, verify accepts
// it only when it carries the right server signature.
func FuzzSCRAMServerFinal(f *testing.F) {
	newExchange := func() *scram {
		s, _ := newSCRAM("SCRAM-SHA-256", "user", "pencil", "", nil)
		s.cnonce = "rOprNGfwEbeRWgbNEkqO"
		s.clientFirstBare = "n=user,r=" + s.cnonce
		if _, err := s.final([]byte("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1")); err != nil {
			f.Fatal(err)
		}
		return s
	}
	s := newExchange()
	good := base64.StdEncoding.EncodeToString(s.hmac(s.hmac(s.saltedPassword, "Server Key"), s.authMessage))
	for _, seed := range []string{"v=" + good, "v=" + good + ",x=1", "e=invalid-proof", "v=", "v=AAAA", "", "v==,,,", "x=1,v=" + good} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, final string) {
		s := newExchange()
		want := s.hmac(s.hmac(s.saltedPassword, "Server Key"), s.authMessage)
		err := s.verify([]byte(final))
		if err == nil {
			v, derr := base64.StdEncoding.DecodeString(SCRAMAttrs(final)['v'])
			if derr != nil || !hmac.Equal(v, want) {
				t.Fatalf("accepted a wrong server signature: %q", final)
			}
		}
	})
}

// pipeDialer hands every dial one end of a pipe whose other end sends
// peer and then closes.
type pipeDialer struct{ peer []byte }

func (p pipeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, s := net.Pipe()
	go func() {
		defer s.Close()
		_ = s.SetDeadline(time.Now().Add(time.Second))
		go func() {
			buf := make([]byte, 4096)
			for {
				if _, err := s.Read(buf); err != nil {
					return
				}
			}
		}()
		_, _ = s.Write(p.peer)
	}()
	return c, nil
}

// FuzzXMPPStream runs the c2s and s2s stream probes against a peer that
// sends the fuzzer's bytes: the stream header, features, STARTTLS answers,
// stream errors and registration forms all go through the stream engine.
// It must not panic (a hang ends at the context's deadline), and what it
// keeps of the peer is bounded.
func FuzzXMPPStream(f *testing.F) {
	f.Add([]byte("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='a' from='example.test' version='1.0'>" +
		"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>" +
		"<register xmlns='http://jabber.org/features/iq-register'/></stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"))
	f.Add([]byte("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\u009b2J\u202e</text></stream:error></stream:stream>"))
	f.Add([]byte("<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' version='1.0'><stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features><failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"))
	f.Add([]byte("<!DOCTYPE x [<!ENTITY a 'b'>]><stream:stream>"))
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	f.Fuzz(func(t *testing.T, peer []byte) {
		env := (&probes.Env{Dialer: pipeDialer{peer}, IOTimeout: 200 * time.Millisecond, Scope: loopback}).Filled()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		for _, ns := range []string{NSClient, NSServer} {
			r := probeStreams(ctx, env, probes.Endpoint{Name: "example.test", Addr: "127.0.0.1:5222"}, "example.test", ns, "")
			if len(r.Reason) > 64<<10 || (r.PreTLS != nil && len(r.PreTLS.XML) > maxEvidence+8) {
				t.Fatalf("%s: unbounded: reason %d bytes", ns, len(r.Reason))
			}
			if r.Status == "" || (r.Status == probes.StatusOK && r.PreTLS == nil) {
				t.Fatalf("%s: status %q with features %v", ns, r.Status, r.PreTLS)
			}
		}
	})
}
