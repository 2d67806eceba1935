package clienttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	stdtls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// Certificates the tester presents (TLSInfo.Cert).
const (
	CertGood        = "good"          // DNS-ID, SRV-ID and XmppAddr of the domain, from the test CA
	CertUnknownCA   = "unknown-ca"    // right names, issued by a CA the client was not given
	CertSelfSigned  = "self-signed"   // right names, signed by its own key
	CertWrongName   = "wrong-name"    // from the test CA, for another domain only
	CertXMPPIDs     = "xmpp-ids-only" // from the test CA, SRV-ID and XmppAddr of the domain, no DNS-ID
	CertExpired     = "expired"       // right names, test CA, expired 30 days ago
	CertNotYetValid = "not-yet-valid" // right names, test CA, valid from 30 days on
)

// Object identifiers of the XMPP subjectAltName otherName forms.
var (
	oidXMPPAddr = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 5} // id-on-xmppAddr, RFC 6120 §13.7.1.4
	oidDNSSRV   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 7} // id-on-dnsSRV, RFC 4985
	oidSAN      = asn1.ObjectIdentifier{2, 5, 29, 17}
)

// pki is the tester's throwaway PKI: a test CA the client is told to trust,
// a second CA it is not, and one leaf per certificate kind.
type pki struct {
	caPEM []byte
	ca    *x509.Certificate
	certs map[string]stdtls.Certificate
	// WrongName is the only name in the wrong-name certificate.
	wrongName string
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n.Add(n, big.NewInt(1))
}

func newCA(name string, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"imscore test-client"}},
		NotBefore:             now.AddDate(0, 0, -90), // old enough to have issued the expired leaf
		NotAfter:              now.AddDate(0, 0, 90),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	return c, key, err
}

type leafSpec struct {
	dns       []string
	xmppAddrs []string
	srvNames  []string
	notBefore time.Time
	notAfter  time.Time
}

// otherNameSAN builds a subjectAltName extension with DNS names and the
// XMPP otherName forms (crypto/x509 cannot write otherNames).
func otherNameSAN(s leafSpec) (pkix.Extension, error) {
	var raw []asn1.RawValue
	for _, d := range s.dns {
		raw = append(raw, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte(d)})
	}
	other := func(oid asn1.ObjectIdentifier, value any, params string) error {
		v, err := asn1.MarshalWithParams(value, params)
		if err != nil {
			return err
		}
		// value [0] EXPLICIT: a context tag around the encoded string.
		inner, err := asn1.Marshal(struct {
			OID   asn1.ObjectIdentifier
			Value asn1.RawValue
		}{oid, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: v}})
		if err != nil {
			return err
		}
		// otherName is [0] IMPLICIT SEQUENCE: re-tag the SEQUENCE.
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(inner, &seq); err != nil {
			return err
		}
		raw = append(raw, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: seq.Bytes})
		return nil
	}
	for _, a := range s.xmppAddrs {
		if err := other(oidXMPPAddr, a, "utf8"); err != nil {
			return pkix.Extension{}, err
		}
	}
	for _, n := range s.srvNames {
		if err := other(oidDNSSRV, n, "ia5"); err != nil {
			return pkix.Extension{}, err
		}
	}
	b, err := asn1.Marshal(raw)
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: oidSAN, Value: b}, nil
}

// leaf issues a certificate for s, signed by issuer (self-signed when
// issuer is nil).
func leaf(s leafSpec, issuer *x509.Certificate, issuerKey crypto.Signer) (stdtls.Certificate, error) {
	key, err := newKey()
	if err != nil {
		return stdtls.Certificate{}, err
	}
	san, err := otherNameSAN(s)
	if err != nil {
		return stdtls.Certificate{}, err
	}
	cn := "imscore test-client server"
	if len(s.dns) > 0 {
		cn = s.dns[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber:    serial(),
		Subject:         pkix.Name{CommonName: cn, Organization: []string{"imscore test-client"}},
		NotBefore:       s.notBefore,
		NotAfter:        s.notAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		ExtraExtensions: []pkix.Extension{san},
	}
	signer, parent := crypto.Signer(key), tmpl
	if issuer != nil {
		signer, parent = issuerKey, issuer
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return stdtls.Certificate{}, err
	}
	c := stdtls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	c.Leaf, err = x509.ParseCertificate(der)
	return c, err
}

// newPKI makes the CA and every certificate for domain.
func newPKI(domain string, now time.Time) (*pki, error) {
	ca, caKey, err := newCA("imscore test-client CA "+domain, now)
	if err != nil {
		return nil, err
	}
	other, otherKey, err := newCA("imscore untrusted CA "+domain, now)
	if err != nil {
		return nil, err
	}
	p := &pki{ca: ca, certs: map[string]stdtls.Certificate{}, wrongName: "wrong-name.imscore.invalid"}
	p.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})
	valid := func(s leafSpec) leafSpec {
		if s.notBefore.IsZero() {
			s.notBefore, s.notAfter = now.Add(-time.Hour), now.AddDate(0, 0, 30)
		}
		return s
	}
	right := leafSpec{dns: []string{domain}, xmppAddrs: []string{domain}, srvNames: []string{"_xmpp-client." + domain}}
	specs := []struct {
		kind   string
		spec   leafSpec
		issuer *x509.Certificate
		key    crypto.Signer
	}{
		{CertGood, valid(right), ca, caKey},
		{CertUnknownCA, valid(right), other, otherKey},
		{CertSelfSigned, valid(right), nil, nil},
		{CertWrongName, valid(leafSpec{dns: []string{p.wrongName}, xmppAddrs: []string{p.wrongName}}), ca, caKey},
		{CertXMPPIDs, valid(leafSpec{xmppAddrs: []string{domain}, srvNames: []string{"_xmpp-client." + domain}}), ca, caKey},
		{CertExpired, leafSpec{dns: right.dns, xmppAddrs: right.xmppAddrs, srvNames: right.srvNames,
			notBefore: now.AddDate(0, 0, -60), notAfter: now.AddDate(0, 0, -30)}, ca, caKey},
		{CertNotYetValid, leafSpec{dns: right.dns, xmppAddrs: right.xmppAddrs, srvNames: right.srvNames,
			notBefore: now.AddDate(0, 0, 30), notAfter: now.AddDate(0, 0, 60)}, ca, caKey},
	}
	for _, s := range specs {
		c, err := leaf(s.spec, s.issuer, s.key)
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w", s.kind, err)
		}
		p.certs[s.kind] = c
	}
	return p, nil
}

// certDescription says in words what certificate kind is.
func certDescription(kind, domain, wrong string) string {
	switch kind {
	case CertGood:
		return "valid certificate for " + domain + " (DNS-ID, SRV-ID, XmppAddr) from the test CA"
	case CertUnknownCA:
		return "certificate for " + domain + " issued by a CA the client was not given"
	case CertSelfSigned:
		return "self-signed certificate for " + domain
	case CertWrongName:
		return "certificate from the test CA for " + wrong + " only"
	case CertXMPPIDs:
		return "certificate from the test CA with only the SRV-ID _xmpp-client." + domain + " and the XmppAddr " + domain + " (no DNS-ID)"
	case CertExpired:
		return "certificate for " + domain + " from the test CA that expired 30 days ago"
	case CertNotYetValid:
		return "certificate for " + domain + " from the test CA that becomes valid in 30 days"
	}
	return kind
}
