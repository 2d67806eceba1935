package wire

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
)

// Bounds on what we read from a server.
const (
	maxRecordLen   = 1<<14 + 2048 // RFC 5246 §6.2.3 TLSCiphertext bound
	enumReadLimit  = 64 << 10     // total bytes read per enumeration handshake
	chainReadLimit = 256 << 10    // total bytes read when fetching a chain
	maxChainCerts  = 32
)

// hrrRandom is the ServerHello.random of a HelloRetryRequest:
// SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
var hrrRandom = []byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// errProtocol marks replies that are not well-formed TLS.
var errProtocol = errors.New("protocol error")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errProtocol, fmt.Sprintf(format, args...))
}

// parser reads TLS vectors from a byte slice; every method returns false
// instead of reading past the end.
type parser struct{ b []byte }

func (p *parser) empty() bool { return len(p.b) == 0 }

func (p *parser) bytes(n int) ([]byte, bool) {
	if n < 0 || n > len(p.b) {
		return nil, false
	}
	v := p.b[:n:n]
	p.b = p.b[n:]
	return v, true
}

func (p *parser) u8() (uint8, bool) {
	b, ok := p.bytes(1)
	if !ok {
		return 0, false
	}
	return b[0], true
}

func (p *parser) u16() (uint16, bool) {
	b, ok := p.bytes(2)
	if !ok {
		return 0, false
	}
	return uint16(b[0])<<8 | uint16(b[1]), true
}

func (p *parser) u24() (int, bool) {
	b, ok := p.bytes(3)
	if !ok {
		return 0, false
	}
	return int(b[0])<<16 | int(b[1])<<8 | int(b[2]), true
}

// vec reads a vector with an n-byte length prefix.
func (p *parser) vec(n int) ([]byte, bool) {
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

// serverHello is a parsed ServerHello or HelloRetryRequest.
type serverHello struct {
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

// parseServerHello parses the body of a ServerHello handshake message.
func parseServerHello(body []byte) (*serverHello, error) {
	p := parser{body}
	var sh serverHello
	v, ok := p.u16()
	if !ok {
		return nil, protoErr("ServerHello truncated")
	}
	sh.legacyVersion, sh.version = Version(v), Version(v)
	if v>>8 != 3 {
		return nil, protoErr("ServerHello version 0x%04x", v)
	}
	if sh.random, ok = p.bytes(32); !ok {
		return nil, protoErr("ServerHello truncated")
	}
	sid, ok := p.vec(1)
	if !ok || len(sid) > 32 {
		return nil, protoErr("ServerHello session_id malformed")
	}
	if sh.suite, ok = p.u16(); !ok {
		return nil, protoErr("ServerHello truncated")
	}
	if sh.compression, ok = p.u8(); !ok {
		return nil, protoErr("ServerHello truncated")
	}
	sh.hrr = bytes.Equal(sh.random, hrrRandom)
	if p.empty() {
		return &sh, nil
	}
	exts, ok := p.vec(2)
	if !ok || !p.empty() {
		return nil, protoErr("ServerHello extensions malformed")
	}
	ep := parser{exts}
	seen := map[uint16]bool{}
	for !ep.empty() {
		typ, ok1 := ep.u16()
		data, ok2 := ep.vec(2)
		if !ok1 || !ok2 {
			return nil, protoErr("ServerHello extension malformed")
		}
		if seen[typ] {
			return nil, protoErr("ServerHello repeats extension %d", typ)
		}
		seen[typ] = true
		if len(sh.extensions) < 64 {
			sh.extensions = append(sh.extensions, typ)
		}
		dp := parser{data}
		switch typ {
		case extSupportedVersions:
			sv, ok := dp.u16()
			if !ok || !dp.empty() {
				return nil, protoErr("supported_versions malformed")
			}
			sh.version = Version(sv)
		case extKeyShare:
			g, ok := dp.u16()
			if !ok {
				return nil, protoErr("key_share malformed")
			}
			sh.group = g
			if !sh.hrr {
				if _, ok := dp.vec(2); !ok {
					return nil, protoErr("key_share malformed")
				}
			}
			if !dp.empty() {
				return nil, protoErr("key_share malformed")
			}
		}
	}
	return &sh, nil
}

// alertMsg is a TLS alert.
type alertMsg struct{ level, desc uint8 }

var alertNames = map[uint8]string{
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
	alertHandshakeFailure = 40
	alertProtocolVersion  = 70
	alertInternalError    = 80
)

func (a alertMsg) String() string {
	name, ok := alertNames[a.desc]
	if !ok {
		name = "alert_" + strconv.Itoa(int(a.desc))
	}
	if a.level == 1 {
		return "warning " + name
	}
	return name
}

func parseAlert(payload []byte) (alertMsg, error) {
	if len(payload) < 2 {
		return alertMsg{}, protoErr("alert record too short")
	}
	return alertMsg{payload[0], payload[1]}, nil
}

// ssl2Hello is a parsed SSLv2 SERVER-HELLO.
type ssl2Hello struct {
	version uint16
	cert    []byte
	ciphers []uint32
}

// parseSSL2ServerHello parses an SSLv2 message (without its record header).
// It returns an error for SSLv2 ERROR messages and anything else.
func parseSSL2ServerHello(msg []byte) (*ssl2Hello, error) {
	p := parser{msg}
	typ, ok := p.u8()
	if !ok {
		return nil, protoErr("empty SSLv2 message")
	}
	if typ == 0 { // ERROR
		code, _ := p.u16()
		return nil, protoErr("SSLv2 error 0x%04x", code)
	}
	if typ != 4 {
		return nil, protoErr("SSLv2 message type %d, want SERVER-HELLO", typ)
	}
	var h ssl2Hello
	_, ok1 := p.u8() // session_id_hit
	_, ok2 := p.u8() // certificate_type
	v, ok3 := p.u16()
	certLen, ok4 := p.u16()
	ciphersLen, ok5 := p.u16()
	connIDLen, ok6 := p.u16()
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return nil, protoErr("SSLv2 SERVER-HELLO truncated")
	}
	h.version = v
	if ciphersLen%3 != 0 {
		return nil, protoErr("SSLv2 cipher specs length %d", ciphersLen)
	}
	if h.cert, ok = p.bytes(int(certLen)); !ok {
		return nil, protoErr("SSLv2 SERVER-HELLO truncated")
	}
	specs, ok := p.bytes(int(ciphersLen))
	if !ok {
		return nil, protoErr("SSLv2 SERVER-HELLO truncated")
	}
	if _, ok := p.bytes(int(connIDLen)); !ok {
		return nil, protoErr("SSLv2 SERVER-HELLO truncated")
	}
	for i := 0; i+3 <= len(specs); i += 3 {
		h.ciphers = append(h.ciphers, uint32(specs[i])<<16|uint32(specs[i+1])<<8|uint32(specs[i+2]))
	}
	return &h, nil
}

// parseCertificateMsg parses a TLS <= 1.2 Certificate message body into
// DER certificates.
func parseCertificateMsg(body []byte) ([][]byte, error) {
	p := parser{body}
	list, ok := p.vec(3)
	if !ok || !p.empty() {
		return nil, protoErr("Certificate message malformed")
	}
	lp := parser{list}
	var certs [][]byte
	for !lp.empty() {
		c, ok := lp.vec(3)
		if !ok || len(c) == 0 {
			return nil, protoErr("Certificate entry malformed")
		}
		if len(certs) == maxChainCerts {
			return nil, protoErr("more than %d certificates", maxChainCerts)
		}
		certs = append(certs, bytes.Clone(c))
	}
	return certs, nil
}

// skeParams is what we read from a ServerKeyExchange.
type skeParams struct {
	// dhBits is the bit length of dh_p (DHE, DH_anon, DHE_PSK).
	dhBits int
	// curve is the named curve (ECDHE); curveType is ECCurveType (3 =
	// named_curve, 1/2 = explicit).
	curve     uint16
	curveType uint8
}

// parseServerKeyExchange parses the parameters at the start of a
// ServerKeyExchange body for a key exchange kex (Suite.Kex).
func parseServerKeyExchange(body []byte, kex string) (*skeParams, error) {
	p := parser{body}
	switch kex {
	case "DHE_PSK", "ECDHE_PSK":
		if _, ok := p.vec(2); !ok { // psk_identity_hint
			return nil, protoErr("ServerKeyExchange malformed")
		}
	}
	switch kex {
	case "DHE", "DHE_PSK":
		dp, ok := p.vec(2)
		if !ok || len(dp) == 0 {
			return nil, protoErr("ServerDHParams malformed")
		}
		if _, ok := p.vec(2); !ok { // g
			return nil, protoErr("ServerDHParams malformed")
		}
		if _, ok := p.vec(2); !ok { // Ys
			return nil, protoErr("ServerDHParams malformed")
		}
		return &skeParams{dhBits: bitLen(dp)}, nil
	case "ECDHE", "ECDHE_PSK":
		ct, ok := p.u8()
		if !ok {
			return nil, protoErr("ServerECDHParams malformed")
		}
		sp := &skeParams{curveType: ct}
		if ct == 3 {
			if sp.curve, ok = p.u16(); !ok {
				return nil, protoErr("ServerECDHParams malformed")
			}
			if _, ok := p.vec(1); !ok { // public point
				return nil, protoErr("ServerECDHParams malformed")
			}
		}
		return sp, nil
	}
	return nil, fmt.Errorf("no ServerKeyExchange parameters for %s key exchange", kex)
}

// bitLen is the bit length of a big-endian unsigned integer.
func bitLen(b []byte) int {
	for i, c := range b {
		if c != 0 {
			return (len(b)-i-1)*8 + bits.Len8(c)
		}
	}
	return 0
}
