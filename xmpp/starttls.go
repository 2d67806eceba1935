package xmpp

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/imscore/imscore/probes"
)

// STARTTLS modes of `imscore scan tls --starttls`: the stream opened before
// TLS, named like the service (RFC 6120 §3.2.1).
const (
	StartTLSClient = ServiceClient // a client stream (jabber:client)
	StartTLSServer = ServiceServer // a server stream (jabber:server)
)

// StartTLSModes lists the accepted --starttls values.
var StartTLSModes = []string{StartTLSClient, StartTLSServer}

const (
	// maxPreTLSBytes bounds what a server may send before <proceed/>.
	maxPreTLSBytes = 64 << 10
	// startTLSWait bounds the whole STARTTLS exchange of one connection.
	startTLSWait = 5 * time.Second
)

// StartTLS returns the upgrade hook of a tls.Target (its Upgrade field) for
// the XMPP service of domain reached over STARTTLS: on each fresh
// connection it opens a stream of mode (StartTLSClient or StartTLSServer)
// to domain, reads the stream features and asks for TLS (RFC 6120 §5.4.2).
// When the hook returns nil, the next bytes on the connection are the TLS
// handshake, which the caller runs. The exchange is bounded in bytes and to
// five seconds; an error carries its status (*probes.Err).
func StartTLS(mode, domain string) func(ctx context.Context, conn net.Conn) error {
	return func(ctx context.Context, conn net.Conn) error {
		_, err := startTLSExchange(ctx, conn, mode, domain)
		return err
	}
}

// startTLSExchange runs STARTTLS on conn with the session engine and
// returns the features the server offered before TLS. Its error texts are
// those `scan tls --starttls` reports have always had ("server does not
// offer STARTTLS (features: …)", "STARTTLS refused: …", "…: more than 65536
// bytes before TLS"), quoting the server's XML as it was sent.
func startTLSExchange(ctx context.Context, conn net.Conn, mode, domain string) (*Features, error) {
	ns := NSClient
	switch mode {
	case StartTLSClient:
	case StartTLSServer:
		ns = NSServer
	default:
		return nil, fmt.Errorf("unknown STARTTLS mode %q", mode)
	}
	if domain == "" {
		return nil, probes.Errorf(probes.StatusError, "STARTTLS needs the XMPP domain (--xmpp-domain)")
	}
	ctx, cancel := context.WithTimeout(ctx, startTLSWait)
	defer cancel()
	defer conn.SetDeadline(time.Time{})
	// A session bounded to maxPreTLSBytes whose decoder also keeps every
	// byte read in seen, so that error texts can quote the server's XML
	// exactly.
	var seen bytes.Buffer
	s := &session{conn: conn, ns: ns, to: domain, timeout: startTLSWait, limit: maxPreTLSBytes,
		budget: &io.LimitedReader{R: conn, N: maxPreTLSBytes}}
	s.dec = newDecoder(io.TeeReader(s.budget, &seen))

	s.deadline(ctx)
	if _, err := io.WriteString(conn, s.header()); err != nil {
		return nil, err
	}
	if err := startTLSStreamHeader(s); err != nil {
		return nil, err
	}
	se, err := startTLSNextStart(s, "reading stream")
	if err != nil {
		return nil, err
	}
	from := s.dec.InputOffset()
	count := 0
	n, err := readElement(s.dec, se, &count)
	if err != nil {
		return nil, startTLSReadErr(s, "reading stream features", err)
	}
	inner := innerXML(seen.Bytes(), from, s.dec.InputOffset())
	if n.Name.Space == NSStreams && n.Name.Local == "error" {
		return nil, protoErr("server sent a stream error: %s", compact(inner))
	}
	if n.Name.Space != NSStreams || n.Name.Local != "features" {
		return nil, protoErr("expected <stream:features>, got <%s>", n.Name.Local)
	}
	f := FeaturesFromNode(n)
	if !f.StartTLS {
		return f, probes.Errorf(probes.StatusNoTLS, "server does not offer STARTTLS (features: %s)", truncate(compact(inner), 200))
	}
	s.deadline(ctx)
	if _, err := io.WriteString(conn, "<starttls xmlns='"+NSTLS+"'/>"); err != nil {
		return f, err
	}
	// Only the start tag of the answer is read: after <proceed/> the next
	// bytes are TLS.
	se, err = startTLSNextStart(s, "reading stream")
	if err != nil {
		return f, err
	}
	if se.Name.Space == NSTLS && se.Name.Local == "proceed" {
		return f, nil
	}
	return f, protoErr("STARTTLS refused: server answered <%s xmlns='%s'>", se.Name.Local, se.Name.Space)
}

// startTLSStreamHeader reads up to the server's stream header.
func startTLSStreamHeader(s *session) error {
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return startTLSReadErr(s, "reading stream header", err)
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target != "xml" {
				return protoErr("reading stream header: %v", ErrRestrictedXML)
			}
		case xml.Directive:
			return protoErr("reading stream header: %v", ErrRestrictedXML)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return protoErr("not XMPP: server sent %q", truncate(compact(string(t)), 60))
			}
		case xml.StartElement:
			if t.Name.Space != NSStreams || t.Name.Local != "stream" {
				return protoErr("not XMPP: expected <stream:stream>, got <%s>", t.Name.Local)
			}
			return nil
		}
	}
}

// startTLSNextStart reads up to the next start tag of the stream, skipping
// text between elements.
func startTLSNextStart(s *session, what string) (xml.StartElement, error) {
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return xml.StartElement{}, startTLSReadErr(s, what, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, protoErr("server closed the stream")
		case xml.Directive, xml.ProcInst:
			return xml.StartElement{}, protoErr("%s: %v", what, ErrRestrictedXML)
		}
	}
}

// startTLSReadErr words a read error of the STARTTLS exchange.
func startTLSReadErr(s *session, what string, err error) error {
	if s.budget.N <= 0 {
		return protoErr("%s: more than %d bytes before TLS", what, s.limit)
	}
	if errors.Is(err, ErrRestrictedXML) {
		return protoErr("%s: %v", what, err)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return protoErr("%s: not XMPP (%v)", what, err)
	}
	if errors.Is(err, io.EOF) {
		return protoErr("%s: connection closed by server", what)
	}
	st := probes.ClassifyNetError(err)
	var oe *net.OpError
	switch {
	case st == probes.StatusTimeout:
		return probes.Errorf(st, "%s: no answer (timeout)", what)
	case st == probes.StatusUnreachable && !errors.As(err, &oe):
		// Not a network error but what the server sent: a bound of
		// readElement, or an encoding the decoder refuses.
		return protoErr("%s: %v", what, err)
	}
	return probes.Errorf(st, "%s: %v", what, err)
}

// innerXML returns the bytes of seen between offset from (just after an
// element's start tag) and offset to (just after its end tag), without the
// end tag: the element's content as the server sent it.
func innerXML(seen []byte, from, to int64) string {
	if from < 0 || to <= from || to > int64(len(seen)) {
		return ""
	}
	b := seen[from:to]
	if i := bytes.LastIndexByte(b, '<'); i >= 0 {
		return string(b[:i])
	}
	return ""
}
