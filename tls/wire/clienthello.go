package wire

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Record content types and handshake message types (RFC 8446 §5.1, §4).
const (
	recordChangeCipherSpec = 20
	recordAlert            = 21
	recordHandshake        = 22
	recordApplicationData  = 23
	recordHeartbeat        = 24

	hsHelloRequest       = 0
	hsClientHello        = 1
	hsServerHello        = 2
	hsCertificate        = 11
	hsServerKeyExchange  = 12
	hsCertificateRequest = 13
	hsServerHelloDone    = 14
	hsCertificateStatus  = 22
)

// Extension codepoints.
const (
	extServerName          = 0x0000
	extSupportedGroups     = 0x000a
	extECPointFormats      = 0x000b
	extSignatureAlgorithms = 0x000d
	extPadding             = 0x0015
	extSupportedVersions   = 0x002b
	extPSKModes            = 0x002d
	extKeyShare            = 0x0033
	extRenegotiationInfo   = 0xff01
)

// maxSuitesPerHello bounds the cipher list of one ClientHello: some servers
// answer a ClientHello with 128 or more suites with an alert (seen in the
// wild, and worked around the same way by other scanners), so larger lists
// are offered in chunks.
const maxSuitesPerHello = 127

// sigAlgs is the signature_algorithms list: every TLS 1.3 scheme plus the
// TLS 1.2 legacy pairs down to SHA-1, so that old servers find one they can
// sign with.
var sigAlgs = []uint16{
	0x0403, 0x0503, 0x0603, // ecdsa_secp{256,384,521}r1_sha{256,384,512}
	0x0807, 0x0808, // ed25519, ed448
	0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha{256,384,512}
	0x0809, 0x080a, 0x080b, // rsa_pss_pss_sha{256,384,512}
	0x081a, 0x081b, 0x081c, // ecdsa_brainpool*tls13
	0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha{256,384,512}
	0x0303, 0x0301, 0x0302, // sha224 with ecdsa, rsa, dsa
	0x0402, 0x0502, 0x0602, // dsa with sha256/384/512
	0x0203, 0x0201, 0x0202, // sha1 with ecdsa, rsa, dsa
}

// helloSpec describes one ClientHello.
type helloSpec struct {
	// version is the offered version: client_version for SSLv3..TLS 1.2
	// (no supported_versions extension, so the server's maximum decides),
	// supported_versions=[0x0304] with legacy_version 0x0303 for TLS 1.3.
	version Version
	suites  []uint16
	// groups is supported_groups; empty omits the extension.
	groups []uint16
	// shares lists the groups to send a real key share for (TLS 1.3 only);
	// empty sends an empty key_share list (RFC 8446 §4.2.8).
	shares []uint16
	sni    string
}

// sniName returns the host name to put in server_name, or "" when sni is
// not a DNS name (RFC 6066 §3: literal IP addresses are not permitted).
func sniName(sni string) string {
	sni = strings.TrimSuffix(sni, ".")
	if sni == "" || len(sni) > 253 || net.ParseIP(sni) != nil {
		return ""
	}
	if strings.HasPrefix(sni, "[") {
		return ""
	}
	for _, label := range strings.Split(sni, ".") {
		if label == "" || len(label) > 63 {
			return ""
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return ""
			}
		}
	}
	return strings.ToLower(sni)
}

// builder appends TLS vectors.
type builder struct{ b []byte }

func (w *builder) u8(v uint8)   { w.b = append(w.b, v) }
func (w *builder) u16(v uint16) { w.b = append(w.b, byte(v>>8), byte(v)) }
func (w *builder) u24(v int)    { w.b = append(w.b, byte(v>>16), byte(v>>8), byte(v)) }
func (w *builder) raw(p []byte) { w.b = append(w.b, p...) }

// vec appends a length-prefixed vector whose body is written by f; n is the
// size of the length prefix in bytes (1, 2 or 3).
func (w *builder) vec(n int, f func(*builder)) {
	start := len(w.b)
	w.b = append(w.b, make([]byte, n)...)
	f(w)
	l := len(w.b) - start - n
	for i := 0; i < n; i++ {
		w.b[start+i] = byte(l >> (8 * (n - 1 - i)))
	}
}

type extension struct {
	typ  uint16
	data []byte
}

func buildExt(typ uint16, f func(*builder)) extension {
	var w builder
	f(&w)
	return extension{typ, w.b}
}

// buildClientHello returns the ClientHello as one TLS record.
func buildClientHello(spec helloSpec) ([]byte, error) {
	if spec.version < VersionSSL3 || spec.version > VersionTLS13 {
		return nil, fmt.Errorf("cannot build a ClientHello for %v", spec.version)
	}
	if len(spec.suites) == 0 || len(spec.suites) > maxSuitesPerHello {
		return nil, fmt.Errorf("ClientHello needs 1..%d suites, got %d", maxSuitesPerHello, len(spec.suites))
	}
	tls13 := spec.version == VersionTLS13
	clientVersion := spec.version
	if tls13 {
		clientVersion = VersionTLS12
	}
	var random [32]byte
	if _, err := rand.Read(random[:]); err != nil {
		return nil, err
	}
	var sessionID []byte
	if tls13 {
		// RFC 8446 §4.1.2 / D.4 middlebox compatibility mode.
		sessionID = make([]byte, 32)
		if _, err := rand.Read(sessionID); err != nil {
			return nil, err
		}
	}

	var exts []extension
	if spec.version >= VersionTLS10 {
		if name := sniName(spec.sni); name != "" {
			exts = append(exts, buildExt(extServerName, func(w *builder) {
				w.vec(2, func(w *builder) {
					w.u8(0) // host_name
					w.vec(2, func(w *builder) { w.raw([]byte(name)) })
				})
			}))
		}
		if len(spec.groups) > 0 {
			exts = append(exts, buildExt(extSupportedGroups, func(w *builder) {
				w.vec(2, func(w *builder) {
					for _, g := range spec.groups {
						w.u16(g)
					}
				})
			}))
		}
		if !tls13 {
			exts = append(exts, buildExt(extECPointFormats, func(w *builder) {
				w.vec(1, func(w *builder) { w.raw([]byte{0, 1, 2}) })
			}))
		}
		// RFC 5246 §7.4.1.4.1: only offered with TLS 1.2 and later.
		if spec.version >= VersionTLS12 {
			exts = append(exts, buildExt(extSignatureAlgorithms, func(w *builder) {
				w.vec(2, func(w *builder) {
					for _, a := range sigAlgs {
						w.u16(a)
					}
				})
			}))
		}
		if tls13 {
			exts = append(exts, buildExt(extSupportedVersions, func(w *builder) {
				w.vec(1, func(w *builder) { w.u16(uint16(VersionTLS13)) })
			}))
			exts = append(exts, buildExt(extPSKModes, func(w *builder) {
				w.vec(1, func(w *builder) { w.u8(1) }) // psk_dhe_ke
			}))
			var shareErr error
			ks := buildExt(extKeyShare, func(w *builder) {
				w.vec(2, func(w *builder) {
					for _, g := range spec.shares {
						data, err := keyShareData(g)
						if err != nil {
							shareErr = err
							return
						}
						w.u16(g)
						w.vec(2, func(w *builder) { w.raw(data) })
					}
				})
			})
			if shareErr != nil {
				return nil, shareErr
			}
			exts = append(exts, ks)
		} else {
			// RFC 5746: an empty renegotiation_info (the SCSV would do
			// too; sending both is not recommended).
			exts = append(exts, extension{extRenegotiationInfo, []byte{0}})
		}
	}

	suites := spec.suites
	if spec.version == VersionSSL3 {
		// SSLv3 ClientHellos carry no extensions (some SSLv3-only stacks
		// reject them), so secure renegotiation is signalled by the SCSV.
		suites = append(append([]uint16(nil), suites...), scsvRenegotiation)
	}

	body := func(exts []extension) []byte {
		var w builder
		w.u16(uint16(clientVersion))
		w.raw(random[:])
		w.vec(1, func(w *builder) { w.raw(sessionID) })
		w.vec(2, func(w *builder) {
			for _, s := range suites {
				w.u16(s)
			}
		})
		w.vec(1, func(w *builder) { w.u8(0) }) // null compression
		if len(exts) > 0 {
			w.vec(2, func(w *builder) {
				for _, e := range exts {
					w.u16(e.typ)
					w.vec(2, func(w *builder) { w.raw(e.data) })
				}
			})
		}
		return w.b
	}
	msg := body(exts)
	// RFC 7685 padding: some TLS terminators hang on ClientHellos whose
	// handshake message is 256..511 bytes long; pad those to 512 as
	// BoringSSL and NSS do.
	if n := len(msg) + 4; len(exts) > 0 && n > 0xff && n < 0x200 {
		pad := 0x200 - n
		if pad >= 5 {
			pad -= 4
		} else {
			pad = 1
		}
		msg = body(append(exts, extension{extPadding, make([]byte, pad)}))
	}
	if len(msg) > 1<<14-4 {
		return nil, errors.New("ClientHello too large")
	}
	recordVersion := VersionTLS10
	if spec.version == VersionSSL3 {
		recordVersion = VersionSSL3
	}
	var w builder
	w.u8(recordHandshake)
	w.u16(uint16(recordVersion))
	w.vec(2, func(w *builder) {
		w.u8(hsClientHello)
		w.vec(3, func(w *builder) { w.raw(msg) })
	})
	return w.b, nil
}

// keyShareData returns a fresh public key share for group g.
func keyShareData(g uint16) ([]byte, error) {
	switch g {
	case 0x001d:
		return ecdhShare(ecdh.X25519())
	case 0x0017:
		return ecdhShare(ecdh.P256())
	case 0x0018:
		return ecdhShare(ecdh.P384())
	case 0x0019:
		return ecdhShare(ecdh.P521())
	case 0x11ec: // X25519MLKEM768: ML-KEM-768 ek || X25519
		k, err := mlkem.GenerateKey768()
		if err != nil {
			return nil, err
		}
		x, err := ecdhShare(ecdh.X25519())
		if err != nil {
			return nil, err
		}
		return append(k.EncapsulationKey().Bytes(), x...), nil
	case 0x11eb: // SecP256r1MLKEM768: P-256 || ML-KEM-768 ek
		k, err := mlkem.GenerateKey768()
		if err != nil {
			return nil, err
		}
		x, err := ecdhShare(ecdh.P256())
		if err != nil {
			return nil, err
		}
		return append(x, k.EncapsulationKey().Bytes()...), nil
	case 0x11ed: // SecP384r1MLKEM1024: P-384 || ML-KEM-1024 ek
		k, err := mlkem.GenerateKey1024()
		if err != nil {
			return nil, err
		}
		x, err := ecdhShare(ecdh.P384())
		if err != nil {
			return nil, err
		}
		return append(x, k.EncapsulationKey().Bytes()...), nil
	case 0x0201:
		k, err := mlkem.GenerateKey768()
		if err != nil {
			return nil, err
		}
		return k.EncapsulationKey().Bytes(), nil
	case 0x0202:
		k, err := mlkem.GenerateKey1024()
		if err != nil {
			return nil, err
		}
		return k.EncapsulationKey().Bytes(), nil
	}
	return nil, fmt.Errorf("no key share generator for %s", groupName(g))
}

// canShare reports whether keyShareData supports g.
func canShare(g uint16) bool {
	switch g {
	case 0x001d, 0x0017, 0x0018, 0x0019, 0x11ec, 0x11eb, 0x11ed, 0x0201, 0x0202:
		return true
	}
	return false
}

func ecdhShare(c ecdh.Curve) ([]byte, error) {
	k, err := c.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

// SSLv2 cipher kinds (draft-hickman-netscape-ssl-00 Appendix A.1 plus the
// common non-standard RC4-64).
var ssl2Ciphers = []struct {
	code uint32
	name string
	bits int
}{
	{0x010080, "SSL_CK_RC4_128_WITH_MD5", 128},
	{0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5", 40},
	{0x030080, "SSL_CK_RC2_128_CBC_WITH_MD5", 128},
	{0x040080, "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5", 40},
	{0x050080, "SSL_CK_IDEA_128_CBC_WITH_MD5", 128},
	{0x060040, "SSL_CK_DES_64_CBC_WITH_MD5", 56},
	{0x0700c0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", 112},
	{0x080080, "SSL_CK_RC4_64_WITH_MD5", 64},
}

// ssl2Suite describes an SSLv2 cipher kind as a Suite. SSLv2 codes are 3
// bytes and have no TLS codepoint, so ID is 0 and Name carries the kind.
func ssl2Suite(code uint32) Suite {
	s := Suite{Name: fmt.Sprintf("SSL_CK_0x%06x", code), Kex: "RSA", Auth: "RSA", MAC: "MD5"}
	for _, c := range ssl2Ciphers {
		if c.code == code {
			s.Name, s.Bits = c.name, c.bits
		}
	}
	n := s.Name
	switch {
	case strings.Contains(n, "RC4"):
		s.Cipher = "RC4_128"
		s.Weak = append(s.Weak, weakRC4)
	case strings.Contains(n, "RC2"):
		s.Cipher = "RC2_CBC_128"
	case strings.Contains(n, "IDEA"):
		s.Cipher = "IDEA_CBC"
	case strings.Contains(n, "EDE3"):
		s.Cipher = "3DES_EDE_CBC"
		s.Weak = append(s.Weak, weak3DES)
	case strings.Contains(n, "DES"):
		s.Cipher = "DES_CBC"
		s.Weak = append(s.Weak, weakDES)
	}
	if strings.Contains(n, "EXPORT") {
		s.Weak = append([]string{weakExport}, s.Weak...)
	}
	if strings.Contains(n, "CBC") {
		s.Weak = append(s.Weak, weakCBC)
	}
	s.Weak = append(s.Weak, weakStaticRSA, weakMD5)
	return s
}

// buildSSL2ClientHello returns an SSLv2 CLIENT-HELLO offering SSL 2.0 only.
func buildSSL2ClientHello() []byte {
	var challenge [16]byte
	_, _ = rand.Read(challenge[:])
	var w builder
	w.u8(1)      // CLIENT-HELLO
	w.u16(0x002) // SSL 2.0
	w.u16(uint16(3 * len(ssl2Ciphers)))
	w.u16(0) // session id length
	w.u16(uint16(len(challenge)))
	for _, c := range ssl2Ciphers {
		w.u8(byte(c.code >> 16))
		w.u8(byte(c.code >> 8))
		w.u8(byte(c.code))
	}
	w.raw(challenge[:])
	n := len(w.b)
	return append([]byte{0x80 | byte(n>>8), byte(n)}, w.b...)
}
