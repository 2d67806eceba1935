package clienttest

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/imscore/imscore/xmpp"
)

// Bounds on what one connection of the client may make the tester read and
// keep.
const (
	maxClientBytes   = 2 << 20  // everything a client sends on one connection
	maxTranscript    = 48 << 10 // the part of it kept as evidence
	maxElements      = 400      // top-level elements per connection
	maxEvents        = 120      // time-line entries per session
	maxStanzaSummary = 60       // stanza summaries per session
	maxHeaderTokens  = 16       // tokens before the client's stream header
)

// errLimit is returned when the client sent more than the tester reads.
var errLimit = errors.New("the client sent more than the tester reads")

// recorder keeps the bytes a client sent (bounded) and counts all of them.
type recorder struct {
	mu    sync.Mutex
	buf   strings.Builder
	total int64
	cut   bool
}

func (r *recorder) add(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total += int64(len(p))
	if room := maxTranscript - r.buf.Len(); room > 0 {
		if len(p) > room {
			p, r.cut = p[:room], true
		}
		r.buf.Write(p)
	} else if len(p) > 0 {
		r.cut = true
	}
}

func (r *recorder) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buf.Len() < maxTranscript {
		r.buf.WriteString(s)
	}
}

// text is what was kept; when the rest was cut off, a part of any of
// forms (secrets) the cut left at the end is removed first, so that no
// part of a secret survives its redaction.
func (r *recorder) text(forms []string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.buf.String()
	if r.cut {
		s = trimCutSecret(s, forms, true)
		s += fmt.Sprintf("\n[… %d bytes in all; the rest is not kept]", r.total)
	}
	return s
}

func (r *recorder) bytes() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// recordingReader feeds what it reads to the recorder and enforces the
// connection's byte budget.
type recordingReader struct {
	r   io.Reader
	rec *recorder
}

func (rr *recordingReader) Read(p []byte) (int, error) {
	left := maxClientBytes - rr.rec.bytes()
	if left <= 0 {
		return 0, errLimit
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := rr.r.Read(p)
	if n > 0 {
		rr.rec.add(p[:n])
	}
	return n, err
}

// prefixConn is a net.Conn whose reads first return bytes that were
// already read from it (a sniffed direct-TLS ClientHello).
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// stream is the XML side of one connection: a restricted decoder over the
// current transport (TCP or TLS), bounded in bytes and elements.
type stream struct {
	conn     net.Conn // current transport
	rec      *recorder
	br       *bufio.Reader
	dec      *xml.Decoder
	elements int
	nodes    int
	deadline time.Time
}

func newStream(conn net.Conn, rec *recorder, deadline time.Time) *stream {
	s := &stream{conn: conn, rec: rec, deadline: deadline}
	s.reset(conn)
	return s
}

// reset starts a new XML stream over conn (after STARTTLS or SASL). Bytes
// buffered from the old transport are dropped and their count returned: a
// server must not process plaintext that arrived before the TLS handshake
// (RFC 6120 §5.4.3.3, the CVE-2011-0411 class).
func (s *stream) reset(conn net.Conn) int {
	dropped := 0
	if s.br != nil && conn != s.conn {
		if b, _ := s.br.Peek(s.br.Buffered()); len(strings.TrimSpace(string(b))) > 0 {
			dropped = len(b)
		}
	}
	if conn != s.conn || s.br == nil {
		s.conn = conn
		s.br = bufio.NewReaderSize(&recordingReader{r: conn, rec: s.rec}, 4096)
	}
	s.dec = xmpp.NewDecoder(s.br)
	s.nodes = 0
	return dropped
}

// restart starts a new XML stream over the same transport (after SASL
// success), keeping bytes the client already pipelined.
func (s *stream) restart() {
	s.dec = xmpp.NewDecoder(s.br)
	s.nodes = 0
}

func (s *stream) arm() { _ = s.conn.SetReadDeadline(s.deadline) }

// clientHeader reads the client's stream header (RFC 6120 §4.7).
func (s *stream) clientHeader() (xml.StartElement, error) {
	s.arm()
	for i := 0; i < maxHeaderTokens; i++ {
		tok, err := s.dec.Token()
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) && strings.Contains(se.Msg, "unexpected end element </stream") {
				// </stream:stream> where a new stream was due.
				return xml.StartElement{}, errStreamClosed
			}
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target != "xml" {
				return xml.StartElement{}, xmpp.ErrRestrictedXML
			}
		case xml.Directive:
			return xml.StartElement{}, xmpp.ErrRestrictedXML
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return xml.StartElement{}, fmt.Errorf("text before the stream header: %q", clip(string(t), 40))
			}
		case xml.StartElement:
			if t.Name.Space != xmpp.NSStreams || t.Name.Local != "stream" {
				return xml.StartElement{}, fmt.Errorf("expected <stream:stream>, got <%s xmlns='%s'>", clip(t.Name.Local, 40), clip(t.Name.Space, 80))
			}
			return t, nil
		}
	}
	return xml.StartElement{}, errors.New("no stream header")
}

// errStreamClosed is the client's </stream:stream>.
var errStreamClosed = errors.New("client closed the stream")

// next reads the client's next top-level element.
func (s *stream) next() (*xmpp.Node, error) {
	s.arm()
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			s.elements++
			if s.elements > maxElements {
				return nil, fmt.Errorf("more than %d elements: %w", maxElements, errLimit)
			}
			n, err := xmpp.ReadElement(s.dec, t, &s.nodes)
			if err != nil {
				return nil, err
			}
			return n, nil
		case xml.EndElement:
			return nil, errStreamClosed
		case xml.Directive, xml.ProcInst:
			return nil, xmpp.ErrRestrictedXML
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("text between elements: %q", clip(string(t), 40))
			}
		}
	}
}

func (s *stream) write(str string) error {
	_ = s.conn.SetWriteDeadline(s.deadline)
	_, err := io.WriteString(s.conn, str)
	return err
}

// endOf classifies a read error into a Session.EndBy value and words.
func endOf(err error) (by, words string) {
	var ne net.Error
	switch {
	case err == nil:
		return EndTesterDone, "the tester ended the session"
	case errors.Is(err, errStreamClosed):
		return EndClientClosedStream, "the client closed the stream (</stream:stream>)"
	case errors.Is(err, errLimit):
		return EndLimit, "the client sent more than the tester reads (" + err.Error() + ")"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return EndClientClosed, "the client closed the TCP connection"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return EndClientReset, "the client reset the TCP connection"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return EndDeadline, "the client was still connected when the scenario's deadline passed"
	case errors.Is(err, xmpp.ErrRestrictedXML):
		return EndProtocolError, "the client sent restricted XML (a DTD or processing instruction)"
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) && se.Msg == "unexpected EOF" {
		// The decoder's word for a connection closed inside the stream.
		return EndClientClosed, "the client closed the TCP connection"
	}
	if errors.As(err, &se) {
		return EndProtocolError, "the client sent XML that is not well-formed: " + clip(se.Msg, 100)
	}
	return EndProtocolError, clip(err.Error(), 160)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
