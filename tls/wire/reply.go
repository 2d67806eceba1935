package wire

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// What readReply should read past the ServerHello.
type readOpts struct {
	ssl2  bool // we sent an SSLv2 CLIENT-HELLO
	certs bool // read up to the Certificate message
	ske   bool // read up to ServerKeyExchange / ServerHelloDone
	limit int  // total bytes; 0 means enumReadLimit
}

type replyKind int

const (
	replyError       replyKind = iota // err says why (timeout, reset, protocol error, ...)
	replyDialError                    // could not connect
	replyServerHello                  // hello is set (also for a HelloRetryRequest)
	replyAlert                        // alert is set (hello too if it came after the ServerHello)
	replyClosed                       // clean close before any reply
	replySSL2                         // ssl2 is set
)

// reply is what a server answered to one ClientHello.
type reply struct {
	kind  replyKind
	hello *serverHello
	alert alertMsg
	ssl2  *ssl2Hello
	certs [][]byte
	ske   *skeParams
	err   error
}

// countingReader fails once more than n bytes have been read.
type countingReader struct {
	r io.Reader
	n int
}

var errTooLarge = errors.New("reply exceeds read limit")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errTooLarge
	}
	if len(p) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

// readReply reads the server's answer to a ClientHello from r. It never
// reads more than opts.limit bytes and never panics on hostile input; an
// I/O error or malformed input is returned as a replyError.
func readReply(r io.Reader, opts readOpts) reply {
	limit := opts.limit
	if limit <= 0 {
		limit = enumReadLimit
	}
	cr := &countingReader{r: r, n: limit}
	var hs []byte // handshake bytes not yet consumed
	var out reply
	gotHello := false
	first := true
	fail := func(err error) reply {
		out.kind = replyError
		out.err = err
		return out
	}
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(cr, hdr[:2]); err != nil {
			if first && errors.Is(err, io.EOF) {
				out.kind = replyClosed
				return out
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fail(err)
		}
		if first && opts.ssl2 && hdr[0]&0x80 != 0 {
			n := int(hdr[0]&0x7f)<<8 | int(hdr[1])
			msg := make([]byte, n)
			if _, err := io.ReadFull(cr, msg); err != nil {
				return fail(eofToUnexpected(err))
			}
			h, err := parseSSL2ServerHello(msg)
			if err != nil {
				return fail(err)
			}
			out.kind, out.ssl2 = replySSL2, h
			return out
		}
		first = false
		if _, err := io.ReadFull(cr, hdr[2:]); err != nil {
			return fail(eofToUnexpected(err))
		}
		typ := hdr[0]
		n := int(hdr[3])<<8 | int(hdr[4])
		if typ < recordChangeCipherSpec || typ > recordHeartbeat {
			return fail(protoErr("not TLS: reply starts %s", printable(hdr[:])))
		}
		if n > maxRecordLen {
			return fail(protoErr("record length %d exceeds %d", n, maxRecordLen))
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(cr, payload); err != nil {
			return fail(eofToUnexpected(err))
		}
		switch typ {
		case recordAlert:
			a, err := parseAlert(payload)
			if err != nil {
				return fail(err)
			}
			out.kind, out.alert = replyAlert, a
			return out
		case recordChangeCipherSpec, recordHeartbeat:
			continue
		case recordApplicationData:
			return fail(protoErr("application data before the handshake finished"))
		}
		hs = append(hs, payload...)
		for len(hs) >= 4 {
			mt := hs[0]
			ml := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			if ml > limit {
				return fail(protoErr("handshake message of %d bytes", ml))
			}
			if len(hs) < 4+ml {
				break
			}
			body := hs[4 : 4+ml]
			hs = hs[4+ml:]
			if !gotHello {
				switch mt {
				case hsHelloRequest:
					continue
				case hsServerHello:
				default:
					return fail(protoErr("handshake message %d before ServerHello", mt))
				}
				sh, err := parseServerHello(body)
				if err != nil {
					return fail(err)
				}
				gotHello = true
				out.kind, out.hello = replyServerHello, sh
				if sh.hrr || sh.version >= VersionTLS13 || (!opts.certs && !opts.ske) {
					return out
				}
				continue
			}
			switch mt {
			case hsCertificate:
				certs, err := parseCertificateMsg(body)
				if err != nil {
					return fail(err)
				}
				out.certs = certs
				if !opts.ske {
					return out
				}
			case hsServerKeyExchange:
				if opts.ske {
					s, _ := SuiteByID(out.hello.suite)
					p, err := parseServerKeyExchange(body, s.Kex)
					if err != nil {
						return fail(err)
					}
					out.ske = p
					return out
				}
			case hsServerHelloDone:
				if opts.certs && out.certs == nil {
					return fail(protoErr("ServerHelloDone without a Certificate"))
				}
				return out
			}
		}
	}
}

func eofToUnexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// printable renders the first bytes of a non-TLS reply for evidence.
func printable(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "\\x%02x", c)
		}
	}
	return strconv.Quote(sb.String())
}

// describe summarises a reply for evidence ("ServerHello TLSv1.2 TLS_…",
// "alert handshake_failure", "HelloRetryRequest x25519", "closed", …).
func (r reply) describe() string {
	switch r.kind {
	case replyServerHello:
		d := r.hello.describe()
		if r.ske != nil && r.ske.dhBits > 0 {
			d += fmt.Sprintf(", DH %d bits", r.ske.dhBits)
		} else if r.ske != nil && r.ske.curveType == 3 {
			d += ", curve " + groupName(r.ske.curve)
		} else if r.ske != nil {
			d += fmt.Sprintf(", explicit curve type %d", r.ske.curveType)
		}
		if len(r.certs) > 0 {
			d += fmt.Sprintf(", %d certificates", len(r.certs))
		}
		return d
	case replyAlert:
		if r.hello != nil {
			return r.hello.describe() + ", then alert " + r.alert.String()
		}
		return "alert " + r.alert.String()
	case replyClosed:
		return "closed"
	case replySSL2:
		return fmt.Sprintf("SSLv2 ServerHello version 0x%04x, %d ciphers", r.ssl2.version, len(r.ssl2.ciphers))
	case replyDialError:
		return "connect failed: " + errString(r.err)
	}
	return errString(r.err)
}

func (sh *serverHello) describe() string {
	var sb strings.Builder
	if sh.hrr {
		sb.WriteString("HelloRetryRequest ")
	} else {
		sb.WriteString("ServerHello ")
	}
	sb.WriteString(sh.version.String())
	sb.WriteString(" ")
	sb.WriteString(suiteName(sh.suite))
	if sh.group != 0 {
		sb.WriteString(" ")
		sb.WriteString(groupName(sh.group))
	}
	return sb.String()
}
