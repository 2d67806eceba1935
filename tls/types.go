package tls

import (
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls/wire"
)

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
	wire.VersionScan
}

// CiphersData is the data of the tls.ciphers probe.
type CiphersData struct {
	Endpoints []EndpointCiphers `json:"endpoints"`
}

// EndpointCiphers is one endpoint's cipher scans, one per supported version.
type EndpointCiphers struct {
	EndpointResult
	Scans      []wire.CipherScan `json:"scans"`
	Handshakes int               `json:"handshakes"`
}

// GroupsData is the data of the tls.groups probe.
type GroupsData struct {
	Endpoints []EndpointGroups `json:"endpoints"`
}

// EndpointGroups is one endpoint's group scan.
type EndpointGroups struct {
	EndpointResult
	wire.GroupScan
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
	Version     wire.Version `json:"version"`
	CipherSuite string       `json:"cipher_suite"`
	ALPN        string       `json:"alpn,omitempty"`
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
	// DNSSEC is what the TLSA answer says about its authenticity.
	DNSSEC *probes.DNSSEC `json:"dnssec,omitempty"`
	// SRV, for a name found through an SRV record (XMPP, Matrix), is what
	// that SRV answer says: DANE counts only when it is secure too
	// (RFC 7673 §3, RFC 7672 §2.2).
	SRV *probes.DNSSEC `json:"srv_dnssec,omitempty"`
}

// EndpointDANE is the DANE verdict of one endpoint.
type EndpointDANE struct {
	EndpointResult
	Matched bool `json:"matched"`
}
