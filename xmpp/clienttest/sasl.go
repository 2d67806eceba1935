package clienttest

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	stdtls "crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"github.com/imscore/imscore/xmpp"
)

// The server side of SASL PLAIN (RFC 4616) and SCRAM (RFC 5802, RFC 7677)
// with channel binding (RFC 5929, RFC 9266) and the XEP-0474 downgrade
// protection hash. Every parser here reads client bytes and is fuzzed.

// maxSASLMessage bounds a decoded SASL message from the client.
const maxSASLMessage = 4096

// plainCreds is a decoded PLAIN message.
type plainCreds struct {
	authzid, authcid, password string
}

// parsePLAIN decodes a PLAIN initial response: authzid NUL authcid NUL
// passwd (RFC 4616 §2).
func parsePLAIN(msg []byte) (plainCreds, error) {
	if len(msg) > maxSASLMessage {
		return plainCreds{}, errors.New("PLAIN message too long")
	}
	parts := bytes.Split(msg, []byte{0})
	if len(parts) != 3 {
		return plainCreds{}, errors.New("PLAIN message is not authzid NUL authcid NUL password")
	}
	return plainCreds{string(parts[0]), string(parts[1]), string(parts[2])}, nil
}

// clientFirst is a parsed SCRAM client-first-message.
type clientFirst struct {
	gs2Header string // "n,,", "y,,", "p=tls-exporter,," (with authzid)
	flag      string // n, y or p
	cbType    string
	authzid   string
	user      string
	nonce     string
	bare      string // client-first-message-bare
}

// parseClientFirst parses gs2-header client-first-message-bare (RFC 5802
// §7).
func parseClientFirst(msg []byte) (clientFirst, error) {
	var cf clientFirst
	if len(msg) > maxSASLMessage {
		return cf, errors.New("client-first-message too long")
	}
	s := string(msg)
	// gs2-header = gs2-cbind-flag "," [ authzid ] ","
	i := strings.IndexByte(s, ',')
	if i < 0 {
		return cf, errors.New("no gs2 header")
	}
	flag := s[:i]
	j := strings.IndexByte(s[i+1:], ',')
	if j < 0 {
		return cf, errors.New("gs2 header has no second comma")
	}
	authz := s[i+1 : i+1+j]
	cf.gs2Header = s[:i+1+j+1]
	cf.bare = s[i+1+j+1:]
	switch {
	case flag == "n" || flag == "y":
		cf.flag = flag
	case strings.HasPrefix(flag, "p="):
		cf.flag, cf.cbType = "p", flag[2:]
		if cf.cbType == "" {
			return cf, errors.New("empty channel-binding type")
		}
	default:
		return cf, fmt.Errorf("bad gs2 channel-binding flag %q", clip(flag, 20))
	}
	if authz != "" {
		if !strings.HasPrefix(authz, "a=") {
			return cf, errors.New("bad authzid in gs2 header")
		}
		cf.authzid = authz[2:]
	}
	a := xmpp.SCRAMAttrs(cf.bare)
	if strings.HasPrefix(cf.bare, "m=") {
		return cf, errors.New("mandatory extension (m=) not supported")
	}
	cf.user, cf.nonce = unescapeSASLName(a['n']), a['r']
	if !strings.HasPrefix(cf.bare, "n=") || cf.nonce == "" {
		return cf, errors.New("client-first-message-bare lacks n= or r=")
	}
	for _, c := range cf.nonce {
		if c < 0x21 || c > 0x7e || c == ',' {
			return cf, errors.New("nonce has a character outside printable ASCII")
		}
	}
	return cf, nil
}

func unescapeSASLName(s string) string {
	return strings.NewReplacer("=2C", ",", "=3D", "=").Replace(s)
}

// clientFinal is a parsed SCRAM client-final-message.
type clientFinal struct {
	cbind        []byte // decoded c=
	nonce        string
	proof        []byte
	withoutProof string
}

// parseClientFinal parses channel-binding "," nonce ["," extensions] ","
// proof (RFC 5802 §7).
func parseClientFinal(msg []byte) (clientFinal, error) {
	var cf clientFinal
	if len(msg) > maxSASLMessage {
		return cf, errors.New("client-final-message too long")
	}
	s := string(msg)
	i := strings.LastIndex(s, ",p=")
	if i < 0 {
		return cf, errors.New("client-final-message has no proof (p=)")
	}
	cf.withoutProof = s[:i]
	proof, err := base64.StdEncoding.DecodeString(s[i+3:])
	if err != nil || len(proof) == 0 {
		return cf, errors.New("proof is not base64")
	}
	cf.proof = proof
	a := xmpp.SCRAMAttrs(cf.withoutProof)
	if !strings.HasPrefix(cf.withoutProof, "c=") {
		return cf, errors.New("client-final-message does not start with c=")
	}
	cb, err := base64.StdEncoding.DecodeString(a['c'])
	if err != nil {
		return cf, errors.New("channel-binding attribute is not base64")
	}
	cf.cbind, cf.nonce = cb, a['r']
	return cf, nil
}

// scramServer is one SCRAM exchange, server side.
type scramServer struct {
	mech       string
	h          func() hash.Hash
	password   string
	iterations int
	salt       []byte
	first      clientFirst
	nonce      string
	serverMsg  string // server-first-message
	// ssdp is the XEP-0474 "h=" value to send ("" = none).
	ssdp string
}

func newSCRAMServer(mech, password string, iterations int, ssdp string) (*scramServer, error) {
	h := xmpp.SCRAMHash(mech)
	if h == nil {
		return nil, fmt.Errorf("%s is not SCRAM", mech)
	}
	salt := make([]byte, 16)
	nonce := make([]byte, 18)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return &scramServer{mech: mech, h: h, password: password, iterations: iterations, salt: salt,
		nonce: base64.RawStdEncoding.EncodeToString(nonce), ssdp: ssdp}, nil
}

// serverFirst answers the client-first-message.
func (s *scramServer) serverFirst(cf clientFirst) string {
	s.first = cf
	s.serverMsg = "r=" + cf.nonce + s.nonce + ",s=" + base64.StdEncoding.EncodeToString(s.salt) + ",i=" + strconv.Itoa(s.iterations)
	if s.ssdp != "" {
		s.serverMsg += ",h=" + s.ssdp
	}
	return s.serverMsg
}

func (s *scramServer) hmac(key []byte, msg string) []byte {
	m := hmac.New(s.h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// verify checks the client-final-message: the nonce, the channel binding
// (cbData is this connection's binding data for the type the client named,
// nil when there is none) and the proof. It returns the server signature
// for the server-final-message, whether the proof and the binding are
// right, and an error for a message that does not belong to this exchange.
func (s *scramServer) verify(fin clientFinal, cbData []byte) (serverSig []byte, proofOK, cbOK bool, err error) {
	if fin.nonce != s.first.nonce+s.nonce {
		return nil, false, false, errors.New("the client-final nonce is not the combined nonce")
	}
	wantCB := append([]byte(s.first.gs2Header), cbData...)
	cbOK = bytes.Equal(fin.cbind, wantCB)
	authMessage := s.first.bare + "," + s.serverMsg + "," + fin.withoutProof
	salted, err := pbkdf2.Key(s.h, s.password, s.salt, s.iterations, s.h().Size())
	if err != nil {
		return nil, false, cbOK, err
	}
	clientKey := s.hmac(salted, "Client Key")
	hh := s.h()
	hh.Write(clientKey)
	storedKey := hh.Sum(nil)
	sig := s.hmac(storedKey, authMessage)
	if len(fin.proof) == len(sig) {
		got := make([]byte, len(sig))
		for i := range sig {
			got[i] = fin.proof[i] ^ sig[i]
		}
		hh = s.h()
		hh.Write(got)
		proofOK = hmac.Equal(hh.Sum(nil), storedKey)
	}
	return s.hmac(s.hmac(salted, "Server Key"), authMessage), proofOK, cbOK, nil
}

// channelBinding is this TLS connection's binding data of type t (RFC 9266
// tls-exporter, RFC 5929 tls-unique and tls-server-end-point), nil when
// the type does not apply.
func channelBinding(cs *stdtls.ConnectionState, t string, cert []byte) []byte {
	if cs == nil {
		return nil
	}
	switch t {
	case "tls-exporter":
		b, err := cs.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
		if err != nil {
			return nil
		}
		return b
	case "tls-unique":
		if cs.Version >= stdtls.VersionTLS13 {
			return nil
		}
		return cs.TLSUnique
	case "tls-server-end-point":
		// Our certificates are ECDSA with SHA-256: the hash is SHA-256
		// (RFC 5929 §4.1).
		h := sha256.Sum256(cert)
		return h[:]
	}
	return nil
}
