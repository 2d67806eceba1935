package tls

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
)

// Bounds on what we read from a server.
const (
	rawMaxRecordLen   = 1<<14 + 2048 // RFC 5246 §6.2.3 TLSCiphertext bound
	rawEnumReadLimit  = 64 << 10     // total bytes read per enumeration handshake
	rawChainReadLimit = 256 << 10    // total bytes read when fetching a chain
	rawMaxChainCerts  = 32
)

// rawHrrRandom is the ServerHello.random of a HelloRetryRequest:
// SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
var rawHrrRandom = []byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// rawErrProtocol marks replies that are not well-formed TLS.
var rawErrProtocol = errors.New("protocol error")

func rawProtoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", rawErrProtocol, fmt.Sprintf(format, args...))
}

// rawParser reads TLS vectors from a byte slice; every method returns false
// instead of reading past the end.
type rawParser struct{ b []byte }

func (p *rawParser) empty() bool { return len(p.b) == 0 }

func (p *rawParser) bytes(n int) ([]byte, bool) {
	if n < 0 || n > len(p.b) {
		return nil, false
	}
	v := p.b[:n:n]
	p.b = p.b[n:]
	return v, true
}

func (p *rawParser) u8() (uint8, bool) {
	b, ok := p.bytes(1)
	if !ok {
		return 0, false
	}
	return b[0], true
}

func (p *rawParser) u16() (uint16, bool) {
	b, ok := p.bytes(2)
	if !ok {
		return 0, false
	}
	return uint16(b[0])<<8 | uint16(b[1]), true
}

func (p *rawParser) u24() (int, bool) {
	b, ok := p.bytes(3)
	if !ok {
		return 0, false
	}
	return int(b[0])<<16 | int(b[1])<<8 | int(b[2]), true
}

// vec reads a vector with an n-byte length prefix.
func (p *rawParser) vec(n int) ([]byte, bool) {
	var l int
	switch n {
	case 1:
		v, ok := p.u8()
		if !ok {
			return nil, false
		}
		l = int(v)
	case 2:
		v, ok := p.u16()
		if !ok {
			return nil, false
		}
		l = int(v)
	case 3:
		v, ok := p.u24()
		if !ok {
			return nil, false
		}
		l = v
	default:
		return nil, false
	}
	return p.bytes(l)
}

// rawServerHello is a parsed ServerHello or HelloRetryRequest.
type rawServerHello struct {
	legacyVersion Version
	// version is the negotiated version: supported_versions when present
	// (TLS 1.3), else legacy_version.
	version     Version
	random      []byte
	suite       uint16
	compression uint8
	hrr         bool
	// group is the key_share group: the server's share in a ServerHello,
	// selected_group in a HelloRetryRequest; 0 when absent.
	group      uint16
	extensions []uint16
}

// rawParseServerHello parses the body of a ServerHello handshake message.
func rawParseServerHello(body []byte) (*rawServerHello, error) {
	p := rawParser{body}
	var sh rawServerHello
	v, ok := p.u16()
	if !ok {
		return nil, rawProtoErr("ServerHello truncated")
	}
	sh.legacyVersion, sh.version = Version(v), Version(v)
	if v>>8 != 3 {
		return nil, rawProtoErr("ServerHello version 0x%04x", v)
	}
	if sh.random, ok = p.bytes(32); !ok {
		return nil, rawProtoErr("ServerHello truncated")
	}
	sid, ok := p.vec(1)
	if !ok || len(sid) > 32 {
		return nil, rawProtoErr("ServerHello session_id malformed")
	}
	if sh.suite, ok = p.u16(); !ok {
		return nil, rawProtoErr("ServerHello truncated")
	}
	if sh.compression, ok = p.u8(); !ok {
		return nil, rawProtoErr("ServerHello truncated")
	}
	sh.hrr = bytes.Equal(sh.random, rawHrrRandom)
	if p.empty() {
		return &sh, nil
	}
	exts, ok := p.vec(2)
	if !ok || !p.empty() {
		return nil, rawProtoErr("ServerHello extensions malformed")
	}
	ep := rawParser{exts}
	seen := map[uint16]bool{}
	for !ep.empty() {
		typ, ok1 := ep.u16()
		data, ok2 := ep.vec(2)
		if !ok1 || !ok2 {
			return nil, rawProtoErr("ServerHello extension malformed")
		}
		if seen[typ] {
			return nil, rawProtoErr("ServerHello repeats extension %d", typ)
		}
		seen[typ] = true
		if len(sh.extensions) < 64 {
			sh.extensions = append(sh.extensions, typ)
		}
		dp := rawParser{data}
		switch typ {
		case rawExtSupportedVersions:
			sv, ok := dp.u16()
			if !ok || !dp.empty() {
				return nil, rawProtoErr("supported_versions malformed")
			}
			sh.version = Version(sv)
		case rawExtKeyShare:
			g, ok := dp.u16()
			if !ok {
				return nil, rawProtoErr("key_share malformed")
			}
			sh.group = g
			if !sh.hrr {
				if _, ok := dp.vec(2); !ok {
					return nil, rawProtoErr("key_share malformed")
				}
			}
			if !dp.empty() {
				return nil, rawProtoErr("key_share malformed")
			}
		}
	}
	return &sh, nil
}

// rawAlertMsg is a TLS alert.
type rawAlertMsg struct{ level, desc uint8 }

var rawAlertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
	21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
	40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
	43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
	46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error",
	60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
	80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
	100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
	111: "certificate_unobtainable", 112: "unrecognized_name",
	113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
	115: "unknown_psk_identity", 116: "certificate_required",
	120: "no_application_protocol", 121: "ech_required",
}

const (
	rawAlertHandshakeFailure = 40
	rawAlertProtocolVersion  = 70
	rawAlertInternalError    = 80
)

func (a rawAlertMsg) String() string {
	name, ok := rawAlertNames[a.desc]
	if !ok {
		name = "alert_" + strconv.Itoa(int(a.desc))
	}
	if a.level == 1 {
		return "warning " + name
	}
	return name
}

func rawParseAlert(payload []byte) (rawAlertMsg, error) {
	if len(payload) < 2 {
		return rawAlertMsg{}, rawProtoErr("alert record too short")
	}
	return rawAlertMsg{payload[0], payload[1]}, nil
}

// rawSsl2Hello is a parsed SSLv2 SERVER-HELLO.
type rawSsl2Hello struct {
	version uint16
	cert    []byte
	ciphers []uint32
}

// rawParseSSL2ServerHello parses an SSLv2 message (without its record header).
// It returns an error for SSLv2 ERROR messages and anything else.
func rawParseSSL2ServerHello(msg []byte) (*rawSsl2Hello, error) {
	p := rawParser{msg}
	typ, ok := p.u8()
	if !ok {
		return nil, rawProtoErr("empty SSLv2 message")
	}
	if typ == 0 { // ERROR
		code, _ := p.u16()
		return nil, rawProtoErr("SSLv2 error 0x%04x", code)
	}
	if typ != 4 {
		return nil, rawProtoErr("SSLv2 message type %d, want SERVER-HELLO", typ)
	}
	var h rawSsl2Hello
	_, ok1 := p.u8() // session_id_hit
	_, ok2 := p.u8() // certificate_type
	v, ok3 := p.u16()
	certLen, ok4 := p.u16()
	ciphersLen, ok5 := p.u16()
	connIDLen, ok6 := p.u16()
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return nil, rawProtoErr("SSLv2 SERVER-HELLO truncated")
	}
	h.version = v
	if ciphersLen%3 != 0 {
		return nil, rawProtoErr("SSLv2 cipher specs length %d", ciphersLen)
	}
	if h.cert, ok = p.bytes(int(certLen)); !ok {
		return nil, rawProtoErr("SSLv2 SERVER-HELLO truncated")
	}
	specs, ok := p.bytes(int(ciphersLen))
	if !ok {
		return nil, rawProtoErr("SSLv2 SERVER-HELLO truncated")
	}
	if _, ok := p.bytes(int(connIDLen)); !ok {
		return nil, rawProtoErr("SSLv2 SERVER-HELLO truncated")
	}
	for i := 0; i+3 <= len(specs); i += 3 {
		h.ciphers = append(h.ciphers, uint32(specs[i])<<16|uint32(specs[i+1])<<8|uint32(specs[i+2]))
	}
	return &h, nil
}

// rawParseCertificateMsg parses a TLS <= 1.2 Certificate message body into
// DER certificates.
func rawParseCertificateMsg(body []byte) ([][]byte, error) {
	p := rawParser{body}
	list, ok := p.vec(3)
	if !ok || !p.empty() {
		return nil, rawProtoErr("Certificate message malformed")
	}
	lp := rawParser{list}
	var certs [][]byte
	for !lp.empty() {
		c, ok := lp.vec(3)
		if !ok || len(c) == 0 {
			return nil, rawProtoErr("Certificate entry malformed")
		}
		if len(certs) == rawMaxChainCerts {
			return nil, rawProtoErr("more than %d certificates", rawMaxChainCerts)
		}
		certs = append(certs, bytes.Clone(c))
	}
	return certs, nil
}

// rawSkeParams is what we read from a ServerKeyExchange.
type rawSkeParams struct {
	// dhBits is the bit length of dh_p (DHE, DH_anon, DHE_PSK).
	dhBits int
	// curve is the named curve (ECDHE); curveType is ECCurveType (3 =
	// named_curve, 1/2 = explicit).
	curve     uint16
	curveType uint8
}

// rawParseServerKeyExchange parses the parameters at the start of a
// ServerKeyExchange body for a key exchange kex (Suite.Kex).
func rawParseServerKeyExchange(body []byte, kex string) (*rawSkeParams, error) {
	p := rawParser{body}
	switch kex {
	case "DHE_PSK", "ECDHE_PSK":
		if _, ok := p.vec(2); !ok { // psk_identity_hint
			return nil, rawProtoErr("ServerKeyExchange malformed")
		}
	}
	switch kex {
	case "DHE", "DHE_PSK":
		dp, ok := p.vec(2)
		if !ok || len(dp) == 0 {
			return nil, rawProtoErr("ServerDHParams malformed")
		}
		if _, ok := p.vec(2); !ok { // g
			return nil, rawProtoErr("ServerDHParams malformed")
		}
		if _, ok := p.vec(2); !ok { // Ys
			return nil, rawProtoErr("ServerDHParams malformed")
		}
		return &rawSkeParams{dhBits: rawBitLen(dp)}, nil
	case "ECDHE", "ECDHE_PSK":
		ct, ok := p.u8()
		if !ok {
			return nil, rawProtoErr("ServerECDHParams malformed")
		}
		sp := &rawSkeParams{curveType: ct}
		if ct == 3 {
			if sp.curve, ok = p.u16(); !ok {
				return nil, rawProtoErr("ServerECDHParams malformed")
			}
			if _, ok := p.vec(1); !ok { // public point
				return nil, rawProtoErr("ServerECDHParams malformed")
			}
		}
		return sp, nil
	}
	return nil, fmt.Errorf("no ServerKeyExchange parameters for %s key exchange", kex)
}

// rawBitLen is the bit length of a big-endian unsigned integer.
func rawBitLen(b []byte) int {
	for i, c := range b {
		if c != 0 {
			return (len(b)-i-1)*8 + bits.Len8(c)
		}
	}
	return 0
}

// What rawReadReply should read past the ServerHello.
type rawReadOpts struct {
	ssl2  bool // we sent an SSLv2 CLIENT-HELLO
	certs bool // read up to the Certificate message
	ske   bool // read up to ServerKeyExchange / ServerHelloDone
	limit int  // total bytes; 0 means rawEnumReadLimit
}

type rawReplyKind int

const (
	rawReplyError       rawReplyKind = iota // err says why (timeout, reset, protocol error, ...)
	rawReplyDialError                       // could not connect
	rawReplyServerHello                     // hello is set (also for a HelloRetryRequest)
	rawReplyAlert                           // alert is set (hello too if it came after the ServerHello)
	rawReplyClosed                          // clean close before any reply
	rawReplySSL2                            // ssl2 is set
)

// rawReply is what a server answered to one ClientHello.
type rawReply struct {
	kind  rawReplyKind
	hello *rawServerHello
	alert rawAlertMsg
	ssl2  *rawSsl2Hello
	certs [][]byte
	ske   *rawSkeParams
	err   error
}

// rawCountingReader fails once more than n bytes have been read.
type rawCountingReader struct {
	r io.Reader
	n int
}

var rawErrTooLarge = errors.New("reply exceeds read limit")

func (c *rawCountingReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, rawErrTooLarge
	}
	if len(p) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

// rawReadReply reads the server's answer to a ClientHello from r. It never
// reads more than opts.limit bytes and never panics on hostile input; an
// I/O error or malformed input is returned as a rawReplyError.
func rawReadReply(r io.Reader, opts rawReadOpts) rawReply {
	limit := opts.limit
	if limit <= 0 {
		limit = rawEnumReadLimit
	}
	cr := &rawCountingReader{r: r, n: limit}
	var hs []byte // handshake bytes not yet consumed
	var out rawReply
	gotHello := false
	first := true
	fail := func(err error) rawReply {
		out.kind = rawReplyError
		out.err = err
		return out
	}
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(cr, hdr[:2]); err != nil {
			if first && errors.Is(err, io.EOF) {
				out.kind = rawReplyClosed
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
				return fail(rawEofToUnexpected(err))
			}
			h, err := rawParseSSL2ServerHello(msg)
			if err != nil {
				return fail(err)
			}
			out.kind, out.ssl2 = rawReplySSL2, h
			return out
		}
		first = false
		if _, err := io.ReadFull(cr, hdr[2:]); err != nil {
			return fail(rawEofToUnexpected(err))
		}
		typ := hdr[0]
		n := int(hdr[3])<<8 | int(hdr[4])
		if typ < rawRecordChangeCipherSpec || typ > rawRecordHeartbeat {
			return fail(rawProtoErr("not TLS: reply starts %s", rawPrintable(hdr[:])))
		}
		if n > rawMaxRecordLen {
			return fail(rawProtoErr("record length %d exceeds %d", n, rawMaxRecordLen))
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(cr, payload); err != nil {
			return fail(rawEofToUnexpected(err))
		}
		switch typ {
		case rawRecordAlert:
			a, err := rawParseAlert(payload)
			if err != nil {
				return fail(err)
			}
			out.kind, out.alert = rawReplyAlert, a
			return out
		case rawRecordChangeCipherSpec, rawRecordHeartbeat:
			continue
		case rawRecordApplicationData:
			return fail(rawProtoErr("application data before the handshake finished"))
		}
		hs = append(hs, payload...)
		for len(hs) >= 4 {
			mt := hs[0]
			ml := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			if ml > limit {
				return fail(rawProtoErr("handshake message of %d bytes", ml))
			}
			if len(hs) < 4+ml {
				break
			}
			body := hs[4 : 4+ml]
			hs = hs[4+ml:]
			if !gotHello {
				switch mt {
				case rawHsHelloRequest:
					continue
				case rawHsServerHello:
				default:
					return fail(rawProtoErr("handshake message %d before ServerHello", mt))
				}
				sh, err := rawParseServerHello(body)
				if err != nil {
					return fail(err)
				}
				gotHello = true
				out.kind, out.hello = rawReplyServerHello, sh
				if sh.hrr || sh.version >= VersionTLS13 || (!opts.certs && !opts.ske) {
					return out
				}
				continue
			}
			switch mt {
			case rawHsCertificate:
				certs, err := rawParseCertificateMsg(body)
				if err != nil {
					return fail(err)
				}
				out.certs = certs
				if !opts.ske {
					return out
				}
			case rawHsServerKeyExchange:
				if opts.ske {
					s, _ := SuiteByID(out.hello.suite)
					p, err := rawParseServerKeyExchange(body, s.Kex)
					if err != nil {
						return fail(err)
					}
					out.ske = p
					return out
				}
			case rawHsServerHelloDone:
				if opts.certs && out.certs == nil {
					return fail(rawProtoErr("ServerHelloDone without a Certificate"))
				}
				return out
			}
		}
	}
}

func rawEofToUnexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// rawPrintable renders the first bytes of a non-TLS reply for evidence.
func rawPrintable(b []byte) string {
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
func (r rawReply) describe() string {
	switch r.kind {
	case rawReplyServerHello:
		d := r.hello.describe()
		if r.ske != nil && r.ske.dhBits > 0 {
			d += fmt.Sprintf(", DH %d bits", r.ske.dhBits)
		} else if r.ske != nil && r.ske.curveType == 3 {
			d += ", curve " + rawGroupName(r.ske.curve)
		} else if r.ske != nil {
			d += fmt.Sprintf(", explicit curve type %d", r.ske.curveType)
		}
		if len(r.certs) > 0 {
			d += fmt.Sprintf(", %d certificates", len(r.certs))
		}
		return d
	case rawReplyAlert:
		if r.hello != nil {
			return r.hello.describe() + ", then alert " + r.alert.String()
		}
		return "alert " + r.alert.String()
	case rawReplyClosed:
		return "closed"
	case rawReplySSL2:
		return fmt.Sprintf("SSLv2 ServerHello version 0x%04x, %d ciphers", r.ssl2.version, len(r.ssl2.ciphers))
	case rawReplyDialError:
		return "connect failed: " + rawErrString(r.err)
	}
	return rawErrString(r.err)
}

func (sh *rawServerHello) describe() string {
	var sb strings.Builder
	if sh.hrr {
		sb.WriteString("HelloRetryRequest ")
	} else {
		sb.WriteString("ServerHello ")
	}
	sb.WriteString(sh.version.String())
	sb.WriteString(" ")
	sb.WriteString(rawSuiteName(sh.suite))
	if sh.group != 0 {
		sb.WriteString(" ")
		sb.WriteString(rawGroupName(sh.group))
	}
	return sb.String()
}
