package xmpp

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	stdtls "crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// maxSCRAMIterations bounds the PBKDF2 work a server can make us do
// (RFC 7677 recommends at least 4096; Prosody uses 10000, ejabberd 4096).
const maxSCRAMIterations = 1_000_000

// scram is a SCRAM client (RFC 5802, RFC 7677), with channel binding for
// the -PLUS variants: tls-exporter (RFC 9266), tls-unique (RFC 5929) and
// tls-server-end-point (RFC 5929 §4).
type scram struct {
	h        func() hash.Hash
	user     string
	password string
	gs2      string // gs2 header: "n,,", "y,," or "p=TYPE,,"
	cbData   []byte
	cnonce   string

	clientFirstBare string
	authMessage     string
	saltedPassword  []byte

	// ext are the optional attributes of the server-first message that
	// imscore understands: the XEP-0474 downgrade-protection hash ("h",
	// "d" in XEP-0474 0.3.x) and the XEP-0515 TLS version ("t").
	ext map[byte]string
}

// SCRAMHash returns the hash of a SCRAM mechanism name (with or without
// -PLUS), or nil. The client tester (xmpp/clienttest) plays the server side
// with it.
func SCRAMHash(mech string) func() hash.Hash {
	switch strings.TrimSuffix(strings.ToUpper(mech), "-PLUS") {
	case "SCRAM-SHA-1":
		return sha1.New
	case "SCRAM-SHA-256":
		return sha256.New
	case "SCRAM-SHA-512":
		return sha512.New
	}
	return nil
}

// channelBinding returns the channel-binding data of type cbType for the
// TLS connection.
func channelBinding(cs stdtls.ConnectionState, cbType string) ([]byte, error) {
	switch cbType {
	case "tls-exporter":
		return cs.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	case "tls-unique":
		if cs.Version >= stdtls.VersionTLS13 || len(cs.TLSUnique) == 0 {
			return nil, errors.New("tls-unique is not defined for TLS 1.3")
		}
		return cs.TLSUnique, nil
	case "tls-server-end-point":
		if len(cs.PeerCertificates) == 0 {
			return nil, errors.New("no server certificate")
		}
		c := cs.PeerCertificates[0]
		var h hash.Hash
		switch c.SignatureAlgorithm {
		case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
			h = sha512.New384()
		case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
			h = sha512.New()
		default: // MD5, SHA-1 and SHA-256 all map to SHA-256 (RFC 5929 §4.1)
			h = sha256.New()
		}
		h.Write(c.Raw)
		return h.Sum(nil), nil
	}
	return nil, fmt.Errorf("unknown channel-binding type %q", cbType)
}

// saslName escapes a SCRAM username (RFC 5802 §5.1).
func saslName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

// newSCRAM starts a SCRAM exchange. For a -PLUS mechanism cbType and
// cbData are the channel binding; otherwise the gs2 header says "n" (we do
// not bind) rather than "y", which would make a server offering -PLUS refuse
// us as a downgrade (RFC 5802 §6) when we fall back after a failed -PLUS
// attempt.
func newSCRAM(mech, user, password, cbType string, cbData []byte) (*scram, error) {
	h := SCRAMHash(mech)
	if h == nil {
		return nil, fmt.Errorf("%s is not a SCRAM mechanism", mech)
	}
	s := &scram{h: h, user: user, password: password}
	s.gs2 = "n,,"
	if strings.HasSuffix(strings.ToUpper(mech), "-PLUS") {
		s.gs2, s.cbData = "p="+cbType+",,", cbData
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	s.cnonce = base64.RawStdEncoding.EncodeToString(b)
	return s, nil
}

// started reports whether the server-first message was answered.
func (s *scram) started() bool { return s.authMessage != "" }

// first is the client-first message.
func (s *scram) first() []byte {
	s.clientFirstBare = "n=" + saslName(s.user) + ",r=" + s.cnonce
	return []byte(s.gs2 + s.clientFirstBare)
}

// SCRAMAttrs splits a SCRAM message "a=1,b=2" into its attributes (RFC
// 5802 §5.1); the first value of an attribute wins.
func SCRAMAttrs(msg string) map[byte]string {
	m := map[byte]string{}
	for _, part := range strings.Split(msg, ",") {
		if len(part) >= 2 && part[1] == '=' {
			if _, dup := m[part[0]]; !dup {
				m[part[0]] = part[2:]
			}
		}
	}
	return m
}

func (s *scram) hmac(key []byte, msg string) []byte {
	m := hmac.New(s.h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// final answers the server-first message.
func (s *scram) final(serverFirst []byte) ([]byte, error) {
	if len(serverFirst) > 4096 {
		return nil, errors.New("SCRAM server-first message too long")
	}
	msg := string(serverFirst)
	a := SCRAMAttrs(msg)
	if e, ok := a['e']; ok {
		return nil, fmt.Errorf("SCRAM: server error %q", e)
	}
	if _, ok := a['m']; ok {
		// A mandatory extension we do not know (RFC 5802 §5.1).
		return nil, errors.New("SCRAM: the server requires an unknown mandatory extension (m=)")
	}
	s.ext = map[byte]string{}
	for _, k := range []byte{'h', 'd', 't'} {
		if v, ok := a[k]; ok {
			s.ext[k] = v
		}
	}
	nonce, salt64, iter := a['r'], a['s'], a['i']
	if !strings.HasPrefix(nonce, s.cnonce) || len(nonce) == len(s.cnonce) {
		return nil, errors.New("SCRAM: server nonce does not extend ours")
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil || len(salt) == 0 {
		return nil, errors.New("SCRAM: bad salt")
	}
	n, err := strconv.Atoi(iter)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("SCRAM: bad iteration count %q", iter)
	}
	if n > maxSCRAMIterations {
		return nil, fmt.Errorf("SCRAM: iteration count %d above our bound of %d", n, maxSCRAMIterations)
	}
	cbind := base64.StdEncoding.EncodeToString(append([]byte(s.gs2), s.cbData...))
	withoutProof := "c=" + cbind + ",r=" + nonce
	s.authMessage = s.clientFirstBare + "," + msg + "," + withoutProof
	s.saltedPassword, err = pbkdf2.Key(s.h, s.password, salt, n, s.h().Size())
	if err != nil {
		return nil, err
	}
	clientKey := s.hmac(s.saltedPassword, "Client Key")
	hh := s.h()
	hh.Write(clientKey)
	storedKey := hh.Sum(nil)
	sig := s.hmac(storedKey, s.authMessage)
	proof := make([]byte, len(clientKey))
	for i := range clientKey {
		proof[i] = clientKey[i] ^ sig[i]
	}
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// verify checks the server-final message (the server proves it knows the
// password too, RFC 5802 §3).
func (s *scram) verify(serverFinal []byte) error {
	if !s.started() {
		return errors.New("SCRAM: server-final message before the exchange")
	}
	a := SCRAMAttrs(string(serverFinal))
	if e, ok := a['e']; ok {
		return fmt.Errorf("SCRAM: server error %q", e)
	}
	v, err := base64.StdEncoding.DecodeString(a['v'])
	if err != nil || len(v) == 0 {
		return errors.New("SCRAM: server sent no verifier")
	}
	want := s.hmac(s.hmac(s.saltedPassword, "Server Key"), s.authMessage)
	if !hmac.Equal(v, want) {
		return errors.New("SCRAM: the server's signature is wrong (it does not know the password: a man in the middle?)")
	}
	return nil
}
