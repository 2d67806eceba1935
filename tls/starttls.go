package tls

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/imscore/imscore/probes"
)

// STARTTLS modes.
const (
	StartTLSNone        = ""
	StartTLSXMPPClient  = "xmpp-client"
	StartTLSXMPPServer  = "xmpp-server"
	nsStreams           = "http://etherx.jabber.org/streams"
	nsTLS               = "urn:ietf:params:xml:ns:xmpp-tls"
	maxPreTLSBytes      = 64 << 10
	startTLSDefaultWait = 5 * time.Second
)

// StartTLSModes lists the accepted --starttls values.
var StartTLSModes = []string{StartTLSXMPPClient, StartTLSXMPPServer}

func protoErr(format string, a ...any) error {
	return probes.Errorf(probes.StatusProtocolError, format, a...)
}

// StartTLSResult is what the plaintext part of a STARTTLS exchange showed.
type StartTLSResult struct {
	// Features is the stream features element as received (bounded).
	Features string
	// Required: <starttls><required/></starttls> was advertised.
	Required bool
}

// StartTLS runs the XMPP STARTTLS negotiation (RFC 6120 §5) on conn: opens
// a stream to domain, reads the stream features, requests STARTTLS and
// waits for <proceed/>. After it returns nil, the next bytes on conn are the
// TLS handshake. Everything is bounded in bytes and time.
func StartTLS(ctx context.Context, conn net.Conn, mode, domain string) (StartTLSResult, error) {
	var res StartTLSResult
	ns := "jabber:client"
	extra := ""
	switch mode {
	case StartTLSXMPPClient:
	case StartTLSXMPPServer:
		ns = "jabber:server"
		extra = " xmlns:db='jabber:server:dialback'"
	default:
		return res, fmt.Errorf("unknown STARTTLS mode %q", mode)
	}
	if domain == "" {
		return res, probes.Errorf(probes.StatusError, "STARTTLS needs the XMPP domain (--xmpp-domain)")
	}
	deadline, ok := ctx.Deadline()
	if !ok || time.Until(deadline) > startTLSDefaultWait {
		deadline = time.Now().Add(startTLSDefaultWait)
	}
	_ = conn.SetDeadline(deadline)
	defer conn.SetDeadline(time.Time{})

	header := fmt.Sprintf("<?xml version='1.0'?><stream:stream xmlns='%s'%s xmlns:stream='%s' to='%s' version='1.0'>",
		ns, extra, nsStreams, xmlEscape(domain))
	if _, err := io.WriteString(conn, header); err != nil {
		return res, err
	}
	var raw bytes.Buffer
	lr := &io.LimitedReader{R: conn, N: maxPreTLSBytes}
	dec := xml.NewDecoder(io.TeeReader(lr, &limitedWriter{w: &raw, n: 8 << 10}))
	dec.Strict = true

	// The stream header.
	for {
		tok, err := dec.Token()
		if err != nil {
			return res, readErr("reading stream header", err, lr)
		}
		if cd, ok := tok.(xml.CharData); ok && len(strings.TrimSpace(string(cd))) > 0 {
			return res, protoErr("not XMPP: server sent %q", truncate(compact(string(cd)), 60))
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Space != nsStreams || se.Name.Local != "stream" {
				return res, protoErr("not XMPP: expected <stream:stream>, got <%s>", se.Name.Local)
			}
			break
		}
	}
	// The stream features (or a stream error).
	var feats struct {
		XMLName  xml.Name
		StartTLS *struct {
			Required *struct{} `xml:"required"`
		} `xml:"urn:ietf:params:xml:ns:xmpp-tls starttls"`
		Inner []byte `xml:",innerxml"`
	}
	se, err := nextStart(dec, lr)
	if err != nil {
		return res, err
	}
	if err := dec.DecodeElement(&feats, &se); err != nil {
		return res, readErr("reading stream features", err, lr)
	}
	if feats.XMLName.Space == nsStreams && feats.XMLName.Local == "error" {
		return res, protoErr("server sent a stream error: %s", compact(string(feats.Inner)))
	}
	if feats.XMLName.Space != nsStreams || feats.XMLName.Local != "features" {
		return res, protoErr("expected <stream:features>, got <%s>", feats.XMLName.Local)
	}
	res.Features = compact(raw.String())
	if feats.StartTLS == nil {
		return res, protoErr("server does not offer STARTTLS (features: %s)", truncate(compact(string(feats.Inner)), 200))
	}
	res.Required = feats.StartTLS.Required != nil
	if _, err := io.WriteString(conn, "<starttls xmlns='"+nsTLS+"'/>"); err != nil {
		return res, err
	}
	se, err = nextStart(dec, lr)
	if err != nil {
		return res, err
	}
	if se.Name.Space == nsTLS && se.Name.Local == "proceed" {
		return res, nil
	}
	return res, protoErr("STARTTLS refused: server answered <%s xmlns='%s'>", se.Name.Local, se.Name.Space)
}

func nextStart(dec *xml.Decoder, lr *io.LimitedReader) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, readErr("reading stream", err, lr)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, protoErr("server closed the stream")
		}
	}
}

func readErr(what string, err error, lr *io.LimitedReader) error {
	if lr.N <= 0 {
		return protoErr("%s: more than %d bytes before TLS", what, maxPreTLSBytes)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return protoErr("%s: not XMPP (%v)", what, err)
	}
	if errors.Is(err, io.EOF) {
		return protoErr("%s: connection closed by server", what)
	}
	st := probes.ClassifyNetError(err)
	if st == probes.StatusTimeout {
		return probes.Errorf(st, "%s: no answer (timeout)", what)
	}
	return probes.Errorf(st, "%s: %v", what, err)
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		q := p
		if len(q) > l.n {
			q = q[:l.n]
		}
		l.w.Write(q)
		l.n -= len(q)
	}
	return len(p), nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), "'", "&apos;")
}

func compact(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
