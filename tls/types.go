// Package tls probes a server's TLS configuration: protocol versions, cipher
// suites and their order, key-exchange groups (including hybrid
// post-quantum), the certificate chain (trust, validity, name match per RFC
// 6125 / RFC 7590 / RFC 6120, key strength, signature algorithm), OCSP
// stapling and DANE (RFC 6698, 7671, 7673), for direct TLS and XMPP STARTTLS.
//
// Enumeration uses hand-built ClientHellos and parses the ServerHello or
// alert, because crypto/tls cannot offer SSLv3 or most legacy suites; full
// handshakes that verify chains use crypto/tls.
package tls

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/imscore/imscore/probes"
)

// Connector opens a connection to one endpoint that is ready for a
// ClientHello: plain TCP for direct TLS, or TCP after a STARTTLS exchange.
// Each handshake of an enumeration asks for a fresh connection.
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

// The raw-handshake engine (clienthello.go, serverhello.go, enumerate.go,
// suites.go) provides:
//
//	func ScanVersions(ctx context.Context, dial Connector, sni string) (VersionScan, error)
//	func ScanCiphers(ctx context.Context, dial Connector, sni string, v Version) (CipherScan, error)
//	func ScanGroups(ctx context.Context, dial Connector, sni string, versions []Version) (GroupScan, error)
//	func FetchChain(ctx context.Context, dial Connector, sni string, v Version) ([][]byte, error)
//	func SuiteByID(id uint16) (Suite, bool)
//	func Suites() []Suite
//	func Groups() []Group
//
// A returned error means the endpoint could not be measured at all (for
// example the connection is refused); per-attempt problems are recorded in
// the scan results.

// EndpointResult is the common head of every per-endpoint result.
type EndpointResult struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	Status   probes.Status   `json:"status"`
	Reason   string          `json:"reason,omitempty"`
}

// EndpointsData is the data of the tls.endpoints probe.
type EndpointsData struct {
	Host      string            `json:"host"`
	Port      int               `json:"port"`
	Endpoints []probes.Endpoint `json:"endpoints"`
}

// VersionsData is the data of the tls.versions probe.
type VersionsData struct {
	Endpoints []EndpointVersions `json:"endpoints"`
}

// EndpointVersions is one endpoint's version scan.
type EndpointVersions struct {
	EndpointResult
	VersionScan
}

// CiphersData is the data of the tls.ciphers probe.
type CiphersData struct {
	Endpoints []EndpointCiphers `json:"endpoints"`
}

// EndpointCiphers is one endpoint's cipher scans, one per supported version.
type EndpointCiphers struct {
	EndpointResult
	Scans      []CipherScan `json:"scans"`
	Handshakes int          `json:"handshakes"`
}

// GroupsData is the data of the tls.groups probe.
type GroupsData struct {
	Endpoints []EndpointGroups `json:"endpoints"`
}

// EndpointGroups is one endpoint's group scan.
type EndpointGroups struct {
	EndpointResult
	GroupScan
}

// CertInfo describes one certificate of a chain.
type CertInfo struct {
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	Serial       string    `json:"serial"`
	NotBefore    time.Time `json:"not_before"`
	NotAfter     time.Time `json:"not_after"`
	DNSNames     []string  `json:"dns_names,omitempty"`
	IPAddresses  []string  `json:"ip_addresses,omitempty"`
	XMPPAddrs    []string  `json:"xmpp_addrs,omitempty"`
	SRVNames     []string  `json:"srv_names,omitempty"`
	KeyType      string    `json:"key_type"` // RSA, ECDSA, Ed25519, DSA, unknown
	KeyBits      int       `json:"key_bits"`
	SignatureAlg string    `json:"signature_algorithm"`
	IsCA         bool      `json:"is_ca"`
	SelfSigned   bool      `json:"self_signed"`
	SHA256       string    `json:"sha256"`
	OCSPServers  []string  `json:"ocsp_servers,omitempty"`
	DER          []byte    `json:"-"`
}

// HandshakeData is the data of the tls.handshake probe.
type HandshakeData struct {
	// Names are the reference identities the certificate must match
	// (host name, and for XMPP the service domain).
	Names     []string            `json:"reference_names"`
	Endpoints []EndpointHandshake `json:"endpoints"`
}

// EndpointHandshake is one endpoint's full handshake and certificate analysis.
type EndpointHandshake struct {
	EndpointResult
	Version     Version `json:"version"`
	CipherSuite string  `json:"cipher_suite"`
	ALPN        string  `json:"alpn,omitempty"`
	// ChainSource: "handshake" (crypto/tls) or "raw" (parsed from a
	// TLS <= 1.2 Certificate message when crypto/tls could not connect).
	ChainSource string     `json:"chain_source"`
	Chain       []CertInfo `json:"chain"`
	// Trusted: the chain verifies to the system roots or --ca-file.
	Trusted    bool   `json:"trusted"`
	TrustError string `json:"trust_error,omitempty"`
	// VerifiedChain is the path found by verification (leaf first), as
	// subjects; empty when untrusted.
	VerifiedChain []string `json:"verified_chain,omitempty"`
	// NameMatch: the leaf matches one of the reference names.
	NameMatch   bool   `json:"name_match"`
	MatchedName string `json:"matched_name,omitempty"`
	// MatchedBy: dNSName, SRV-ID, id-on-xmppAddr, iPAddress, CN.
	MatchedBy string `json:"matched_by,omitempty"`
	// ValidNow: NotBefore <= now <= NotAfter for the leaf (and chain).
	ValidNow      bool   `json:"valid_now"`
	ValidityError string `json:"validity_error,omitempty"`
	DaysLeft      int    `json:"days_left"`
	// OCSP stapling.
	OCSPStapled    bool   `json:"ocsp_stapled"`
	OCSPStatus     string `json:"ocsp_status,omitempty"` // good, revoked, unknown, unparseable
	OCSPNextUpdate string `json:"ocsp_next_update,omitempty"`
	// CheckedAt is when validity was judged (the scan's clock).
	CheckedAt time.Time `json:"checked_at"`
}

// TLSARecord is one TLSA record and whether it matched the served chain.
type TLSARecord struct {
	Usage        uint8  `json:"usage"`
	Selector     uint8  `json:"selector"`
	MatchingType uint8  `json:"matching_type"`
	Data         string `json:"data"`
	Matched      bool   `json:"matched"`
	Note         string `json:"note,omitempty"`
}

// DANEData is the data of the tls.dane probe.
type DANEData struct {
	// Name is the TLSA owner name asked (e.g. _5222._tcp.xmpp.example.org).
	Name    string       `json:"name"`
	Rcode   string       `json:"rcode"`
	AD      bool         `json:"dnssec_ad"`
	Records []TLSARecord `json:"records,omitempty"`
	// Endpoints: per endpoint, whether some usable record matched its chain.
	Endpoints []EndpointDANE `json:"endpoints,omitempty"`
	// Targets, for a service with several SRV targets (each has its own
	// TLSA name, RFC 7673 §3): the DANE data of each, judged separately.
	// The fields above are then empty.
	Targets []*DANEData `json:"targets,omitempty"`
	// Error says why this target's TLSA records could not be asked.
	Error string `json:"error,omitempty"`
}

// EndpointDANE is the DANE verdict of one endpoint.
type EndpointDANE struct {
	EndpointResult
	Matched bool `json:"matched"`
}
