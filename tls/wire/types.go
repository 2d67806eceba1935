package wire

import (
	"context"
	"fmt"
	"net"
)

// Connector opens a connection to one endpoint that is ready for a
// ClientHello: plain TCP for direct TLS, or TCP after the protocol's own
// upgrade (such as XMPP STARTTLS). Each handshake of an enumeration asks for
// a fresh connection.
type Connector func(ctx context.Context) (net.Conn, error)

// Version is a protocol version as on the wire (0x0002 SSLv2, 0x0300 SSLv3,
// 0x0301 TLS 1.0 … 0x0304 TLS 1.3).
type Version uint16

// Wire versions.
const (
	VersionSSL2  Version = 0x0002
	VersionSSL3  Version = 0x0300
	VersionTLS10 Version = 0x0301
	VersionTLS11 Version = 0x0302
	VersionTLS12 Version = 0x0303
	VersionTLS13 Version = 0x0304
)

// AllVersions lists every version we test, oldest first.
var AllVersions = []Version{VersionSSL2, VersionSSL3, VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13}

func (v Version) String() string {
	switch v {
	case VersionSSL2:
		return "SSLv2"
	case VersionSSL3:
		return "SSLv3"
	case VersionTLS10:
		return "TLSv1.0"
	case VersionTLS11:
		return "TLSv1.1"
	case VersionTLS12:
		return "TLSv1.2"
	case VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04x", uint16(v))
}

// MarshalText renders the version name in JSON.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Suite describes one cipher suite (IANA registry name).
type Suite struct {
	ID   uint16 `json:"id"`
	Name string `json:"name"`
	// Kex: RSA, DH, DHE, ECDH, ECDHE, PSK, DHE_PSK, ECDHE_PSK, RSA_PSK, SRP, KRB5, NULL, TLS13 (any).
	Kex string `json:"kex"`
	// Auth: RSA, DSS, ECDSA, PSK, anon, NULL, TLS13 (from the certificate).
	Auth string `json:"auth"`
	// Cipher: e.g. AES_128_GCM, CHACHA20_POLY1305, AES_256_CBC, 3DES_EDE_CBC, RC4_128, DES_CBC, NULL.
	Cipher string `json:"cipher"`
	Bits   int    `json:"bits"`
	MAC    string `json:"mac"`
	AEAD   bool   `json:"aead"`
	// FS: the key exchange is ephemeral (DHE, ECDHE, or any TLS 1.3 suite).
	FS bool `json:"forward_secrecy"`
	// Weak lists the suite's weaknesses, from: null, export, anon, rc4,
	// des, 3des, cbc, static-rsa, static-dh, md5.
	Weak []string `json:"weaknesses,omitempty"`
}

// Group is a key-exchange group (TLS supported_groups codepoint).
type Group struct {
	ID   uint16 `json:"id"`
	Name string `json:"name"` // x25519, secp256r1, secp384r1, secp521r1, x448, ffdhe2048…, X25519MLKEM768, …
	// Kind: "ecdhe", "ffdhe", "hybrid-pq", "pq".
	Kind string `json:"kind"`
	// Bits is the classical security size (ECC key size, DH modulus size).
	Bits int `json:"bits"`
}

// Attempt is one handshake attempt of an enumeration, kept as evidence.
type Attempt struct {
	// Offered summarises the ClientHello (version, suites, groups).
	Offered string `json:"offered"`
	// Answer summarises the reply: "ServerHello TLSv1.2 TLS_ECDHE_…",
	// "alert handshake_failure", "HelloRetryRequest x25519", "closed", "timeout".
	Answer string `json:"answer"`
}

// VersionSupport is what one endpoint did when offered one version alone.
type VersionSupport struct {
	Version   Version `json:"version"`
	Supported bool    `json:"supported"`
	// Answer is how the server replied (kept for evidence).
	Answer string `json:"answer"`
	// Error is set when the attempt could not be judged (timeout, reset
	// on a server that otherwise answers). Supported is then false and the
	// criterion must not treat it as a measured "no".
	Error string `json:"error,omitempty"`
}

// VersionScan is the protocol-version enumeration of one endpoint.
type VersionScan struct {
	Versions   []VersionSupport `json:"versions"`
	Handshakes int              `json:"handshakes"`
}

// CipherScan is the cipher-suite enumeration of one endpoint for one version.
type CipherScan struct {
	Version Version `json:"version"`
	// Suites accepted, in the server's preference order when the server
	// enforces one, else in the order we found them.
	Suites []Suite `json:"suites"`
	// ServerOrder: "server" (server enforces its own order), "client"
	// (server follows the client's order), "unknown" (fewer than two suites).
	ServerOrder string    `json:"server_order"`
	Handshakes  int       `json:"handshakes"`
	Attempts    []Attempt `json:"attempts,omitempty"`
	Error       string    `json:"error,omitempty"`
}

// GroupScan is the key-exchange group enumeration of one endpoint.
type GroupScan struct {
	// Version is the highest version the groups were tested with.
	Version Version `json:"version"`
	// Supported groups, in our probing order. With TLS 1.3 they were
	// tested with TLS 1.3, except the curves TLS 1.3 cannot negotiate
	// (secp224r1, secp192r1, …), which are tested with the highest older
	// version so that weak curves are not missed.
	Supported []Group `json:"supported"`
	// Rejected groups that were tested and refused.
	Rejected []Group `json:"rejected,omitempty"`
	// DHBits lists the finite-field DH modulus sizes seen in DHE key
	// exchanges (TLS 1.2 and older), smallest first.
	DHBits     []int     `json:"dh_bits,omitempty"`
	Handshakes int       `json:"handshakes"`
	Attempts   []Attempt `json:"attempts,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// The scans (ScanVersions, ScanCiphers, ScanGroups) and FetchChain return
// an error only when the endpoint could not be measured at all (for example
// the connection is refused); per-attempt problems are recorded in the
// scan results.
