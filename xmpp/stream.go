package xmpp

import (
	"context"
	stdtls "crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/imscore/imscore/probes"
)

// maxStreamBytes bounds everything read from one connection (both the
// plaintext and the TLS part). A features element of a real server is a few
// KiB.
const maxStreamBytes = 256 << 10

// StreamHeader holds the attributes of the server's stream header.
type StreamHeader struct {
	ID      string `json:"id,omitempty"`
	From    string `json:"from,omitempty"`
	Version string `json:"version,omitempty"`
	Lang    string `json:"lang,omitempty"`
}

// session is one XMPP connection as a client or as a server peer: it opens
// streams and reads stream features, bounded in bytes (maxStreamBytes over
// the whole connection) and time (every exchange gets its own deadline).
type session struct {
	conn    net.Conn
	ns      string // jabber:client or jabber:server
	to      string
	from    string
	timeout time.Duration
	budget  *io.LimitedReader
	dec     *xml.Decoder
	sent    []string // what we sent, for evidence
	limit   int64    // the byte bound of the connection
}

func newSession(conn net.Conn, ns, to, from string, timeout time.Duration) *session {
	s := &session{conn: conn, ns: ns, to: to, from: from, timeout: timeout, limit: maxStreamBytes}
	s.budget = &io.LimitedReader{R: conn, N: maxStreamBytes}
	s.dec = newDecoder(s.budget)
	return s
}

// protoErr is a protocol-error: the peer spoke, but not XMPP as expected.
func protoErr(format string, a ...any) error {
	return probes.Errorf(probes.StatusProtocolError, format, a...)
}

// deadline arms the connection for one exchange.
func (s *session) deadline(ctx context.Context) {
	d := time.Now().Add(s.timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	_ = s.conn.SetDeadline(d)
}

func (s *session) write(ctx context.Context, str string) error {
	s.deadline(ctx)
	s.sent = append(s.sent, str)
	if _, err := io.WriteString(s.conn, str); err != nil {
		return probes.Errorf(probes.ClassifyNetError(err), "sending: %s", probes.ShortNetError(err))
	}
	return nil
}

func (s *session) readErr(what string, err error) error {
	if s.budget.N <= 0 {
		return protoErr("%s: server sent more than %d bytes", what, s.limit)
	}
	if errors.Is(err, ErrRestrictedXML) {
		return protoErr("%s: %v", what, err)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return protoErr("%s: not well-formed XML (%v)", what, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return protoErr("%s: connection closed by server", what)
	}
	if errors.Is(err, syscall.ECONNRESET) {
		return protoErr("%s: connection closed by server (reset)", what)
	}
	st := probes.ClassifyNetError(err)
	if st == probes.StatusTimeout {
		return probes.Errorf(st, "%s: no answer in %s (timeout)", what, s.timeout)
	}
	if st == probes.StatusUnreachable || st == probes.StatusError {
		// e.g. a limit of readElement
		return protoErr("%s: %v", what, err)
	}
	return probes.Errorf(st, "%s: %v", what, err)
}

// header is the stream header we send (RFC 6120 §4.7).
func (s *session) header() string {
	extra := ""
	if s.ns == NSServer {
		extra = " xmlns:db='" + NSDialbackDB + "'"
	}
	if s.from != "" {
		extra += " from='" + escape(s.from) + "'"
	}
	return fmt.Sprintf("<?xml version='1.0'?><stream:stream xmlns='%s'%s xmlns:stream='%s' to='%s' version='1.0'>",
		s.ns, extra, NSStreams, escape(s.to))
}

// open sends a stream header and reads the server's header and features.
func (s *session) open(ctx context.Context) (StreamHeader, *Features, error) {
	var h StreamHeader
	if err := s.write(ctx, s.header()); err != nil {
		return h, nil, err
	}
	s.deadline(ctx)
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return h, nil, s.readErr("reading the stream header", err)
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target != "xml" {
				return h, nil, protoErr("reading the stream header: %v", ErrRestrictedXML)
			}
		case xml.Directive:
			return h, nil, protoErr("reading the stream header: %v", ErrRestrictedXML)
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return h, nil, protoErr("not XMPP: server sent %q", truncate(compact(string(t)), 60))
			}
		case xml.StartElement:
			if t.Name.Space != NSStreams || t.Name.Local != "stream" {
				return h, nil, protoErr("not XMPP: expected <stream:stream>, got <%s xmlns='%s'>", t.Name.Local, t.Name.Space)
			}
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "id":
					h.ID = a.Value
				case "from":
					h.From = a.Value
				case "version":
					h.Version = a.Value
				case "lang":
					h.Lang = a.Value
				}
			}
			f, err := s.features(ctx)
			return h, f, err
		}
	}
}

// next reads the next top-level element of the stream.
func (s *session) next(ctx context.Context, what string) (*Node, error) {
	s.deadline(ctx)
	count := 0
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return nil, s.readErr(what, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n, err := readElement(s.dec, t, &count)
			if err != nil {
				return nil, s.readErr(what, err)
			}
			return n, nil
		case xml.EndElement:
			return nil, protoErr("%s: server closed the stream", what)
		case xml.Directive, xml.ProcInst:
			return nil, protoErr("%s: %v", what, ErrRestrictedXML)
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return nil, protoErr("%s: unexpected text %q", what, truncate(compact(string(t)), 60))
			}
		}
	}
}

// StreamError is a <stream:error/> the server sent (RFC 6120 §4.9).
type StreamError struct {
	Condition string `json:"condition"`
	Text      string `json:"text,omitempty"`
}

func (e *StreamError) Error() string {
	if e.Text != "" {
		return "stream error " + e.Condition + " (" + e.Text + ")"
	}
	return "stream error " + e.Condition
}

func streamError(n *Node) error {
	e := &StreamError{Condition: "undefined-condition"}
	for _, c := range n.Children {
		if c.Name.Local == "text" {
			e.Text = truncate(compact(c.Text), 200)
		} else if c.Name.Space == "urn:ietf:params:xml:ns:xmpp-streams" {
			e.Condition = c.Name.Local
		}
	}
	return &probes.Err{Status: probes.StatusProtocolError, Err: e}
}

func (s *session) features(ctx context.Context) (*Features, error) {
	n, err := s.next(ctx, "reading the stream features")
	if err != nil {
		return nil, err
	}
	if n.Name.Space == NSStreams && n.Name.Local == "error" {
		return nil, streamError(n)
	}
	if n.Name.Space != NSStreams || n.Name.Local != "features" {
		return nil, protoErr("expected <stream:features>, got <%s xmlns='%s'>", n.Name.Local, n.Name.Space)
	}
	return FeaturesFromNode(n), nil
}

// startTLS asks for TLS (RFC 6120 §5.4.2) and, on <proceed/>, runs the TLS
// handshake without verifying the certificate (the TLS probe grades it).
// On success the session continues over TLS with a fresh parser and the
// remaining byte budget.
func (s *session) startTLS(ctx context.Context, env *probes.Env, serverName string, alpn []string) (*stdtls.Conn, error) {
	if err := s.write(ctx, "<starttls xmlns='"+NSTLS+"'/>"); err != nil {
		return nil, err
	}
	n, err := s.next(ctx, "waiting for <proceed/>")
	if err != nil {
		return nil, err
	}
	if n.Name.Space == NSStreams && n.Name.Local == "error" {
		return nil, streamError(n)
	}
	if n.Name.Space != NSTLS || n.Name.Local != "proceed" {
		return nil, protoErr("STARTTLS refused: server answered %s", truncate(n.String(), 200))
	}
	return s.handshake(ctx, env, serverName, alpn)
}

func (s *session) handshake(ctx context.Context, env *probes.Env, serverName string, alpn []string) (*stdtls.Conn, error) {
	hctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.deadline(ctx)
	cfg := &stdtls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, // the TLS probe checks the certificate; here we only want the stream
		MinVersion:         stdtls.VersionTLS10,
		NextProtos:         alpn,
	}
	tc, err := env.Handshaker.Handshake(hctx, s.conn, cfg)
	if err != nil {
		st := probes.ClassifyNetError(err)
		if st != probes.StatusTimeout {
			st = probes.StatusTLSError
		}
		return nil, probes.Errorf(st, "TLS handshake: %v", err)
	}
	s.conn = tc
	s.budget = &io.LimitedReader{R: tc, N: s.budget.N}
	s.dec = newDecoder(s.budget)
	return tc, nil
}

// close ends the stream cleanly (RFC 6120 §4.4): it sends </stream:stream>
// and waits briefly for the server's closing tag. It reports whether the
// server closed its stream in turn.
func (s *session) close(ctx context.Context) bool {
	if err := s.write(ctx, "</stream:stream>"); err != nil {
		return false
	}
	wait := s.timeout
	if wait > 2*time.Second {
		wait = 2 * time.Second
	}
	_ = s.conn.SetDeadline(time.Now().Add(wait))
	depth := 0
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return false
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return true
			}
			depth--
		}
	}
}

func compact(s string) string { return strings.Join(strings.Fields(s), " ") }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// NSRegisterIQ is the XEP-0077 query namespace; NSDataForms XEP-0004;
// NSOOB XEP-0066 (registration redirected to a web page); NSCAPTCHA and
// NSBoB mark a XEP-0158 CAPTCHA form.
const (
	NSRegisterIQ = "jabber:iq:register"
	NSDataForms  = "jabber:x:data"
	NSOOB        = "jabber:x:oob"
	NSCAPTCHA    = "urn:xmpp:captcha"
	NSBoB        = "urn:xmpp:bob"
	NSStanzas    = "urn:ietf:params:xml:ns:xmpp-stanzas"
)

// registrationID is the id of our registration-form request.
const registrationID = "imscore-reg1"

// captchaFields are the XEP-0158 §4 challenge field names.
var captchaFields = map[string]bool{"audio_recog": true, "ocr": true, "picture_q": true, "picture_recog": true,
	"qa": true, "speech_q": true, "speech_recog": true, "video_q": true, "video_recog": true}

// Registration is the server's answer to a XEP-0077 registration-form
// request (<iq type='get'><query xmlns='jabber:iq:register'/></iq>) on the
// unauthenticated client stream. Asking is read-only: imscore never submits
// the form, so it never creates an account.
type Registration struct {
	// Sent and Received are the request and the answer as seen (Received
	// re-serialised, bounded).
	Sent     string `json:"sent"`
	Received string `json:"received,omitempty"`
	// Type is "result" or "error" ("" without an answer).
	Type string `json:"type,omitempty"`
	// Condition is the stanza error condition (e.g. not-allowed,
	// service-unavailable), or the stream error's when the server closed
	// the stream instead of answering.
	Condition string `json:"condition,omitempty"`
	// Fields are the legacy fields of the form (username, password,
	// email, …); FormFields the XEP-0004 data-form field names.
	Fields     []string `json:"fields,omitempty"`
	FormFields []string `json:"form_fields,omitempty"`
	// CAPTCHA: the form carries a XEP-0158 challenge.
	CAPTCHA bool `json:"captcha,omitempty"`
	// RedirectURL is a XEP-0066 URL where registration happens instead.
	RedirectURL string `json:"redirect_url,omitempty"`
	// Error says why there is no answer (timeout, stream closed).
	Error string `json:"error,omitempty"`
}

// Open reports whether the answer is a form asking for a username and a
// password (with or without CAPTCHA).
func (r *Registration) Open() bool {
	if r == nil || r.Type != "result" {
		return false
	}
	has := func(list []string, name string) bool {
		for _, f := range list {
			if f == name {
				return true
			}
		}
		return false
	}
	return (has(r.Fields, "username") && has(r.Fields, "password")) ||
		(has(r.FormFields, "username") && has(r.FormFields, "password"))
}

// askRegistration sends the registration-form request and reads the
// answer, skipping up to a few unrelated elements.
func (s *session) askRegistration(ctx context.Context) *Registration {
	r := &Registration{Sent: fmt.Sprintf("<iq type='get' id='%s' to='%s'><query xmlns='%s'/></iq>", registrationID, escape(s.to), NSRegisterIQ)}
	if err := s.write(ctx, r.Sent); err != nil {
		r.Error = err.Error()
		return r
	}
	for i := 0; i < 8; i++ {
		n, err := s.next(ctx, "waiting for the registration form")
		if err != nil {
			r.Error = err.Error()
			return r
		}
		if n.Name.Space == NSStreams && n.Name.Local == "error" {
			r.Received, r.Type = n.String(), "error"
			var se *StreamError
			if errors.As(streamError(n), &se) {
				r.Condition = se.Condition
			}
			return r
		}
		if n.Name.Local != "iq" || n.AttrValue("id") != registrationID {
			continue
		}
		r.Type = n.AttrValue("type")
		parseRegistration(n, r)
		r.Received = n.String()
		return r
	}
	r.Error = "no answer to the registration form request among the first 8 elements"
	return r
}

func parseRegistration(n *Node, r *Registration) {
	if e := n.Child("", "error"); e != nil {
		for _, c := range e.Children {
			if c.Name.Space == NSStanzas && c.Name.Local != "text" {
				r.Condition = c.Name.Local
			}
		}
		if r.Type != "error" {
			r.Type = "error"
		}
		return
	}
	q := n.Child(NSRegisterIQ, "query")
	if q == nil {
		return
	}
	for _, c := range q.Children {
		switch {
		case c.Name.Space == NSDataForms && c.Name.Local == "x":
			for _, f := range c.Children {
				if f.Name.Local != "field" {
					continue
				}
				v := f.AttrValue("var")
				if v == "" {
					continue
				}
				r.FormFields = append(r.FormFields, v)
				if captchaFields[v] {
					r.CAPTCHA = true
				}
				if v == "FORM_TYPE" {
					if val := f.Child("", "value"); val != nil && strings.TrimSpace(val.Text) == NSCAPTCHA {
						r.CAPTCHA = true
					}
				}
			}
		case c.Name.Space == NSOOB && c.Name.Local == "x":
			if u := c.Child("", "url"); u != nil {
				r.RedirectURL = truncate(strings.TrimSpace(u.Text), 300)
			}
		case c.Name.Space == NSBoB && c.Name.Local == "data":
			r.CAPTCHA = true
			c.Text = fmt.Sprintf("(%d bytes of CAPTCHA data)", len(c.Text))
		case c.Name.Local == "instructions" || c.Name.Local == "registered":
		default:
			r.Fields = append(r.Fields, c.Name.Local)
		}
	}
}
