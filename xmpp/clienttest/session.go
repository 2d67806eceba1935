package clienttest

import (
	"context"
	stdtls "crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/imscore/imscore/xmpp"
)

// Timing of the after-login part of a session (variables so that tests
// of the engine can shorten them).
var (
	injectAfter   = 500 * time.Millisecond  // from resource binding to the first injection
	observeWindow = 2500 * time.Millisecond // after the last injection, before the tester closes
)

// session serves one connection of the client according to a scenario's
// plan and fills in a Session.
type session struct {
	srv   *server
	sc    Scenario
	p     plan
	out   *Session
	start time.Time // the scenario's start (Session times are relative to it)

	ctx context.Context
	// runCtx is the whole run's context (ctx is derived from it): when it
	// ends a session, the client is not to blame.
	runCtx   context.Context
	deadline time.Time
	tcp      net.Conn
	st       *stream
	rec      *recorder
	tls      *stdtls.ConnectionState

	pending  chan readResult
	streamNo int
	features int // how many features elements the tester sent
	offered  []string
	cbTypes  []string
	sasl     *saslState
	authed   bool
	bound    bool
	// after-login timers
	timers   []timer
	injected time.Time
	mamQuery string
	// replyFrom is the to= of the iq being answered.
	replyFrom string
	// redactions maps raw text the client sent to what the transcript
	// shows instead (SASL payloads); the password is always redacted.
	redactions [][2]string
}

type timer struct {
	at  time.Time
	act string
}

type readResult struct {
	header *xml.StartElement
	node   *xmpp.Node
	err    error
}

// errDone ends a session on the tester's initiative.
var errDone = errors.New("done")

func (s *session) since(t time.Time) int64 { return t.Sub(s.start).Milliseconds() }

func (s *session) event(format string, a ...any) {
	if len(s.out.Events) >= maxEvents {
		if len(s.out.Events) == maxEvents {
			s.out.Events = append(s.out.Events, "… (more events not kept)")
		}
		return
	}
	s.out.Events = append(s.out.Events, fmt.Sprintf("+%dms ", s.since(time.Now()))+fmt.Sprintf(format, a...))
}

// serve runs the session to its end. It never returns before the
// connection is closed.
func (s *session) serve() {
	defer s.tcp.Close()
	stop := context.AfterFunc(s.ctx, func() { _ = s.tcp.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	_ = s.tcp.SetDeadline(s.deadline)
	s.event("client connected from %s", s.out.Remote)
	err := s.run()
	if err == errDone {
		err = nil
	}
	by, words := endOf(err)
	if s.out.EndBy != "" {
		by, words = s.out.EndBy, s.out.End
	}
	if by == EndDeadline && s.runCtx.Err() != nil {
		// Not the client's doing: the run ended the scenario.
		by, words = EndAborted, runStopped(s.runCtx)
	}
	s.out.EndBy, s.out.End = by, words
	if !s.injected.IsZero() {
		switch s.out.EndBy {
		case EndClientClosedStream, EndClientClosed, EndClientReset, EndProtocolError:
			s.out.LeftAfterInjection = true
		}
	}
	s.event("end: %s", s.out.End)
	s.out.EndMS = s.since(time.Now())
	s.out.Bytes = s.rec.bytes()
	forms := secretForms(s.srv.password)
	for _, r := range s.redactions {
		if r[0] != "" {
			forms = append(forms, r[0])
		}
	}
	s.out.Transcript = s.redact(s.rec.text(forms))
	// Every other field that quotes the client passes the same filter.
	// (Clipped only after redaction: a clipped SASL payload would no
	// longer match its redaction.)
	for _, list := range [][]string{s.out.Events, s.out.ElementsBeforeFeatures, s.out.Stanzas, s.out.Reactions} {
		for i := range list {
			list[i] = clip(s.redact(list[i]), 600)
		}
	}
	if v := s.out.Version; v != nil {
		v.Name, v.Version, v.OS, v.Raw = s.redact(v.Name), s.redact(v.Version), s.redact(v.OS), s.redact(v.Raw)
	}
	s.out.Caps, s.out.Bound, s.out.To = s.redact(s.out.Caps), s.redact(s.out.Bound), s.redact(s.out.To)
	for _, a := range s.out.Auths {
		a.Error = s.redact(a.Error)
	}
}

func (s *session) run() error {
	// Sniff the first byte: 0x16 is a TLS handshake record (direct TLS,
	// XEP-0368); anything else is an XMPP stream.
	first := make([]byte, 1)
	if _, err := io.ReadFull(s.tcp, first); err != nil {
		if by, _ := endOf(err); by == EndDeadline {
			s.out.EndBy, s.out.End = EndDeadline, "the client connected but sent nothing before the deadline"
		}
		return err
	}
	conn := net.Conn(&prefixConn{Conn: s.tcp, prefix: first})
	if first[0] == 0x16 {
		s.out.DirectTLS = true
		s.event("client started TLS at once (direct TLS, XEP-0368)")
		tc, err := s.handshake(conn)
		if err != nil {
			return err
		}
		conn = tc
	}
	s.st = newStream(conn, s.rec, s.deadline)
	if err := s.openStream(); err != nil {
		return err
	}
	for {
		r, err := s.wait()
		if err != nil {
			return err
		}
		if r.err != nil {
			return r.err
		}
		if err := s.handle(r.node); err != nil {
			return err
		}
	}
}

// read asks for the next element (or, when header is set, the next stream
// header) without blocking the caller; wait collects it.
func (s *session) read(header bool) {
	if s.pending != nil {
		return
	}
	ch := make(chan readResult, 1)
	s.pending = ch
	st := s.st
	go func() {
		if header {
			h, err := st.clientHeader()
			ch <- readResult{header: &h, err: err}
			return
		}
		n, err := st.next()
		ch <- readResult{node: n, err: err}
	}()
}

// wait returns the next thing the client sent, running the after-login
// timers that fall due in between. It reads elements, never headers.
func (s *session) wait() (readResult, error) {
	s.read(false)
	for {
		if len(s.timers) == 0 {
			r := <-s.pending
			s.pending = nil
			return r, nil
		}
		t := time.NewTimer(time.Until(s.timers[0].at))
		select {
		case r := <-s.pending:
			t.Stop()
			s.pending = nil
			return r, nil
		case <-t.C:
			act := s.timers[0].act
			s.timers = s.timers[1:]
			if err := s.act(act); err != nil {
				return readResult{}, err
			}
		}
	}
}

// header reads the client's stream header synchronously (no timers run
// before a stream is open).
func (s *session) header() (xml.StartElement, error) {
	s.read(true)
	r := <-s.pending
	s.pending = nil
	if r.err != nil {
		return xml.StartElement{}, r.err
	}
	return *r.header, nil
}

// openStream reads the client's stream header and answers with the
// tester's header and features for the current state.
func (s *session) openStream() error {
	h, err := s.header()
	if err != nil {
		return err
	}
	s.streamNo++
	s.out.Header = true
	to := ""
	for _, a := range h.Attr {
		if a.Name.Local == "to" {
			to = a.Value
		}
	}
	if s.streamNo == 1 {
		s.out.To = clip(to, 256)
	}
	s.event("client opened a stream to %q", clip(to, 80))
	if s.sasl != nil && s.sasl.succeeded {
		s.out.RestartedAfterSuccess = true
	}
	if s.tls != nil && s.p.holdFeatures > 0 && !s.authed {
		return s.holdThenFeatures()
	}
	return s.sendHeaderAndFeatures()
}

// holdThenFeatures waits before sending the post-TLS header and features
// (the injection scenario): anything the client sends meanwhile acted on
// the plaintext the tester injected before the handshake.
func (s *session) holdThenFeatures() error {
	s.read(false)
	t := time.NewTimer(s.p.holdFeatures)
	defer t.Stop()
	for {
		select {
		case r := <-s.pending:
			s.pending = nil
			if r.err != nil {
				return r.err
			}
			s.out.ElementsBeforeFeatures = append(s.out.ElementsBeforeFeatures, r.node.String())
			s.event("client sent %s before the tester's post-TLS features", describe(r.node))
			if err := s.handle(r.node); err != nil {
				return err
			}
			s.read(false)
		case <-t.C:
			return s.sendHeaderAndFeatures()
		}
	}
}

func (s *session) streamHeader() string {
	return fmt.Sprintf("<?xml version='1.0'?><stream:stream xmlns='%s' xmlns:stream='%s' from='%s' id='imscore-%s-%d' version='1.0' xml:lang='en'>",
		xmpp.NSClient, xmpp.NSStreams, xmpp.Escape(s.srv.domain), s.sc.ID, s.streamNo)
}

// sendHeaderAndFeatures sends the tester's stream header and features.
func (s *session) sendHeaderAndFeatures() error {
	var b strings.Builder
	firstStream := s.features == 0
	if firstStream && s.p.prolog != "" {
		b.WriteString(s.p.prolog)
		b.WriteString(strings.TrimPrefix(s.streamHeader(), "<?xml version='1.0'?>"))
	} else {
		b.WriteString(s.streamHeader())
	}
	b.WriteString("<stream:features>")
	var what []string
	switch {
	case s.authed:
		b.WriteString("<bind xmlns='" + xmpp.NSBind + "'/><session xmlns='" + xmpp.NSSession + "'><optional/></session>")
		what = append(what, "bind")
	case s.tls == nil && s.p.starttls == tlsRequired:
		b.WriteString("<starttls xmlns='" + xmpp.NSTLS + "'><required/></starttls>")
		what = append(what, "starttls (required)")
	case s.tls == nil && s.p.starttls == tlsOptional:
		b.WriteString("<starttls xmlns='" + xmpp.NSTLS + "'/>")
		what = append(what, "starttls (optional)")
		what = append(what, s.mechanisms(&b))
	case s.tls == nil:
		what = append(what, "no starttls", s.mechanisms(&b))
	default:
		what = append(what, s.mechanisms(&b))
	}
	if firstStream && s.p.extraFeature != "" {
		b.WriteString(s.p.extraFeature)
		what = append(what, "an element using the DTD's entities")
	}
	s.features++
	if firstStream && s.p.oversize > 0 {
		return s.sendOversized(b.String(), what)
	}
	b.WriteString("</stream:features>")
	if firstStream && s.p.prolog != "" {
		what = append([]string{"a DTD with nested entities before the stream header"}, what...)
	}
	s.event("tester sent its stream header and features: %s", strings.Join(what, ", "))
	if err := s.st.write(b.String()); err != nil {
		return err
	}
	if firstStream && (s.p.prolog != "" || s.p.extraFeature != "") {
		s.out.HostileSent = true
	}
	return nil
}

// mechanisms writes the SASL mechanisms (and XEP-0440 channel-binding
// types after TLS) and returns a description.
func (s *session) mechanisms(b *strings.Builder) string {
	s.offered = s.p.mechs
	b.WriteString("<mechanisms xmlns='" + xmpp.NSSASL + "'>")
	for _, m := range s.p.mechs {
		b.WriteString("<mechanism>" + m + "</mechanism>")
	}
	b.WriteString("</mechanisms>")
	d := "SASL " + strings.Join(s.p.mechs, " ")
	s.cbTypes = nil
	if s.tls != nil && len(s.p.cbTypes) > 0 {
		s.cbTypes = append(s.cbTypes, s.p.cbTypes...)
		if s.tls.Version < stdtls.VersionTLS13 {
			s.cbTypes = append(s.cbTypes, "tls-unique")
		}
		b.WriteString("<sasl-channel-binding xmlns='" + xmpp.NSSASLCB + "'>")
		for _, t := range s.cbTypes {
			b.WriteString("<channel-binding type='" + t + "'/>")
		}
		b.WriteString("</sasl-channel-binding>")
		d += " (channel bindings " + strings.Join(s.cbTypes, ", ") + ")"
	}
	return d
}

// sendOversized writes the features with a filler element of p.oversize
// bytes, in chunks, while the client may hang up.
func (s *session) sendOversized(head string, what []string) error {
	s.event("tester sends stream features with a %d MiB element inside (%s)", s.p.oversize>>20, strings.Join(what, ", "))
	if err := s.st.write(head + "<filler xmlns='urn:imscore:test'>"); err != nil {
		return err
	}
	chunk := strings.Repeat("A", 64<<10)
	var sent int64
	for sent < s.p.oversize {
		if err := s.st.write(chunk); err != nil {
			s.out.OversizeSent = sent
			s.out.HostileSent = sent > 0
			s.event("the client stopped taking the element after %d bytes were written", sent)
			return err
		}
		sent += int64(len(chunk))
	}
	s.out.OversizeSent = sent
	s.out.HostileSent = true
	s.event("the tester wrote all %d bytes of the element (read by the client or held in its socket buffers)", sent)
	return s.st.write("</filler></stream:features>")
}

// handle acts on one element from the client.
func (s *session) handle(n *xmpp.Node) error {
	if !s.injected.IsZero() {
		s.out.SentAfterInjection++
	}
	switch {
	case n.Name.Space == xmpp.NSTLS && n.Name.Local == "starttls":
		return s.startTLS()
	case n.Name.Space == xmpp.NSSASL:
		return s.saslElement(n)
	case n.Name.Local == "iq" || n.Name.Local == "presence" || n.Name.Local == "message":
		return s.stanza(n)
	}
	s.event("client sent %s", describe(n))
	return nil
}

// startTLS answers <starttls/>: <failure/> (and the connection stays
// open) or <proceed/> (with injected plaintext in the same write), then the
// TLS handshake and a new stream.
func (s *session) startTLS() error {
	s.out.StartTLS = true
	s.event("client asked for STARTTLS")
	if s.tls != nil {
		s.event("(already TLS: ignored)")
		return nil
	}
	if s.p.starttlsFailure {
		s.event("tester answered <failure/> and keeps listening")
		return s.st.write("<failure xmlns='" + xmpp.NSTLS + "'/>")
	}
	msg := "<proceed xmlns='" + xmpp.NSTLS + "'/>"
	if s.sc.ID == "starttls-injection" {
		msg += injectedPlaintext(s.srv.domain)
		s.event("tester answered <proceed/> followed by an injected plaintext stream header and features offering only PLAIN")
	} else {
		s.event("tester answered <proceed/>")
	}
	if err := s.st.write(msg); err != nil {
		return err
	}
	s.rec.note("\n[TLS handshake]\n")
	tc, err := s.handshake(s.st.conn)
	if err != nil {
		return err
	}
	if dropped := s.st.reset(tc); dropped > 0 {
		s.event("client had sent %d plaintext bytes after <starttls/> before its ClientHello (discarded)", dropped)
	}
	return s.openStream()
}

// injectedPlaintext is what the injection scenario sends right after
// <proceed/>: a stream header and features that offer only PLAIN.
func injectedPlaintext(domain string) string {
	return fmt.Sprintf("<stream:stream xmlns='%s' xmlns:stream='%s' from='%s' id='imscore-injected' version='1.0'>"+
		"<stream:features><mechanisms xmlns='%s'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
		xmpp.NSClient, xmpp.NSStreams, xmpp.Escape(domain), xmpp.NSSASL)
}

// describe names an element for the time line: "<auth mechanism='PLAIN'>".
func describe(n *xmpp.Node) string {
	var b strings.Builder
	b.WriteString("<" + clip(n.Name.Local, 40))
	for _, a := range n.Attr {
		switch a.Name.Local {
		case "mechanism", "type", "to", "id":
			fmt.Fprintf(&b, " %s='%s'", a.Name.Local, clip(xmpp.Escape(a.Value), 60))
		}
	}
	if len(n.Children) > 0 {
		c := n.Children[0]
		fmt.Fprintf(&b, "><%s xmlns='%s'", clip(c.Name.Local, 40), clip(c.Name.Space, 60))
		b.WriteString("/>…")
	} else {
		b.WriteString("/")
	}
	b.WriteString(">")
	return b.String()
}
