package tls

import (
	"bytes"
	"crypto/dsa" //nolint:staticcheck // to report DSA key sizes of legacy servers
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// OIDs of the XMPP otherName SANs.
var (
	oidSAN      = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidXmppAddr = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 5} // RFC 6120 §13.7.1.4
	oidDNSSRV   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 7} // RFC 4985
)

// ReferenceIDs are the identities a server certificate must present
// (RFC 6125 §6). The caller says which apply: a plain TLS service has a
// DNS-ID; an XMPP service also has SRV-Keys and an XmppAddr (RFC 6120
// §13.7.2.1, RFC 7590; see package xmpp).
type ReferenceIDs struct {
	// DNS: DNS-Keys (host names; an IP literal matches iPAddress SANs).
	DNS []string
	// SRV: SRV-Keys such as "_xmpp-client.example.org".
	SRV []string
	// XMPP: XmppAddr identities (the XMPP domain).
	XMPP []string
}

func (r ReferenceIDs) empty() bool { return len(r.DNS)+len(r.SRV)+len(r.XMPP) == 0 }

// Names lists every reference identity for reports.
func (r ReferenceIDs) Names() []string {
	var out []string
	out = append(out, r.DNS...)
	out = append(out, r.SRV...)
	for _, x := range r.XMPP {
		out = append(out, "xmpp:"+x)
	}
	return out
}

// Describe converts a certificate into a CertInfo.
func Describe(c *x509.Certificate) CertInfo {
	sum := sha256.Sum256(c.Raw)
	ci := CertInfo{
		Subject:      c.Subject.String(),
		Issuer:       c.Issuer.String(),
		Serial:       fmt.Sprintf("%x", c.SerialNumber),
		NotBefore:    c.NotBefore.UTC(),
		NotAfter:     c.NotAfter.UTC(),
		DNSNames:     c.DNSNames,
		SignatureAlg: c.SignatureAlgorithm.String(),
		IsCA:         c.IsCA,
		SHA256:       hex.EncodeToString(sum[:]),
		OCSPServers:  c.OCSPServer,
		DER:          c.Raw,
	}
	for _, ip := range c.IPAddresses {
		ci.IPAddresses = append(ci.IPAddresses, ip.String())
	}
	ci.XMPPAddrs, ci.SRVNames = otherNames(c)
	ci.SelfSigned = selfSigned(c)
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		ci.KeyType, ci.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		ci.KeyType, ci.KeyBits = "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		ci.KeyType, ci.KeyBits = "Ed25519", 256
	case *dsa.PublicKey:
		ci.KeyType, ci.KeyBits = "DSA", k.P.BitLen()
	default:
		ci.KeyType = "unknown"
		if c.PublicKeyAlgorithm != x509.UnknownPublicKeyAlgorithm {
			ci.KeyType = c.PublicKeyAlgorithm.String()
		}
	}
	return ci
}

// selfSigned reports whether c is signed by its own key. A root signed
// with SHA-1 still counts (crypto/x509 refuses to check SHA-1 signatures,
// but clients never check a trust anchor's self-signature).
func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawSubject, c.RawIssuer) {
		return false
	}
	err := c.CheckSignatureFrom(c)
	var ia x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &ia) ||
		(len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, c.AuthorityKeyId))
}

// otherNames extracts id-on-xmppAddr and id-on-dnsSRV otherName SANs.
func otherNames(c *x509.Certificate) (xmpp, srv []string) {
	for _, ext := range c.Extensions {
		if !ext.Id.Equal(oidSAN) {
			continue
		}
		var seq asn1.RawValue
		if rest, err := asn1.Unmarshal(ext.Value, &seq); err != nil || len(rest) > 0 || !seq.IsCompound {
			return
		}
		rest := seq.Bytes
		for len(rest) > 0 {
			var gn asn1.RawValue
			var err error
			rest, err = asn1.Unmarshal(rest, &gn)
			if err != nil {
				return
			}
			if gn.Class != asn1.ClassContextSpecific || gn.Tag != 0 {
				continue
			}
			// otherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
			var oid asn1.ObjectIdentifier
			inner, err := asn1.Unmarshal(gn.Bytes, &oid)
			if err != nil {
				continue
			}
			var wrapped asn1.RawValue
			if _, err := asn1.Unmarshal(inner, &wrapped); err != nil || wrapped.Tag != 0 {
				continue
			}
			var val asn1.RawValue
			if _, err := asn1.Unmarshal(wrapped.Bytes, &val); err != nil {
				continue
			}
			s := string(val.Bytes)
			switch {
			case oid.Equal(oidXmppAddr):
				xmpp = append(xmpp, s)
			case oid.Equal(oidDNSSRV):
				srv = append(srv, s)
			}
		}
	}
	return
}

// MatchName checks the leaf against the reference identities: DNS-ID with
// RFC 6125 wildcard rules (left-most label only), iPAddress for IP
// literals, SRV-ID and XmppAddr for XMPP, and the CN only when the
// certificate has no subjectAltName at all (RFC 6125 §6.4.4).
func MatchName(leaf *x509.Certificate, ref ReferenceIDs) (matched bool, name, by string) {
	for _, n := range ref.DNS {
		host := strings.TrimSuffix(strings.Trim(n, "[]"), ".")
		if ip := net.ParseIP(host); ip != nil {
			for _, cip := range leaf.IPAddresses {
				if cip.Equal(ip) {
					return true, n, "iPAddress"
				}
			}
			continue
		}
		for _, d := range leaf.DNSNames {
			if matchDNS(d, host) {
				return true, n, "dNSName"
			}
		}
	}
	xmpp, srv := otherNames(leaf)
	for _, n := range ref.SRV {
		for _, s := range srv {
			if strings.EqualFold(strings.TrimSuffix(s, "."), n) {
				return true, n, "SRV-ID"
			}
		}
	}
	for _, n := range ref.XMPP {
		for _, x := range xmpp {
			if strings.EqualFold(x, n) {
				return true, n, "id-on-xmppAddr"
			}
		}
	}
	hasSAN := len(leaf.DNSNames)+len(leaf.IPAddresses)+len(leaf.EmailAddresses)+len(leaf.URIs)+len(xmpp)+len(srv) > 0
	if !hasSAN && leaf.Subject.CommonName != "" {
		for _, n := range ref.DNS {
			if matchDNS(leaf.Subject.CommonName, strings.TrimSuffix(n, ".")) {
				return true, n, "CN"
			}
		}
	}
	return false, "", ""
}

// matchDNS compares a presented DNS name (maybe "*.example.org") with a
// reference host, case-insensitively; the wildcard matches exactly one
// whole left-most label (RFC 6125 §6.4.3).
func matchDNS(presented, host string) bool {
	p := strings.ToLower(strings.TrimSuffix(presented, "."))
	h := strings.ToLower(host)
	if p == h {
		return p != ""
	}
	if strings.HasPrefix(p, "*.") {
		suffix := p[1:] // ".example.org"
		if strings.Count(suffix, ".") < 2 {
			return false // "*.org" never matches
		}
		i := strings.IndexByte(h, '.')
		return i > 0 && h[i:] == suffix
	}
	return false
}

// Verification is the outcome of chain verification.
type Verification struct {
	Trusted       bool
	TrustError    string
	VerifiedChain []string
	ValidNow      bool
	ValidityError string
	DaysLeft      int
	// Issuer is the leaf's issuer on the verified path (nil if untrusted).
	Issuer *x509.Certificate
}

// Verify judges trust and validity of chain (leaf first, as sent) at time
// now, separately: an expired but otherwise trusted chain is reported as
// trusted and not valid now, so the report can say which is wrong. Validity
// is judged on the path clients use — the verified chain when there is one
// — so an unused expired extra certificate (an old cross-sign) does not
// make a valid chain invalid.
func Verify(chain []*x509.Certificate, roots *x509.CertPool, now time.Time) Verification {
	var v Verification
	if len(chain) == 0 {
		v.TrustError = "no certificate"
		v.ValidityError = "no certificate"
		return v
	}
	leaf := chain[0]
	v.DaysLeft = int(leaf.NotAfter.Sub(now).Hours() / 24)
	if leaf.NotAfter.Before(now) {
		v.DaysLeft = -int(now.Sub(leaf.NotAfter).Hours()/24) - 1
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	verify := func(at time.Time) ([][]*x509.Certificate, error) {
		return leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	}
	chains, err := verify(now)
	if err != nil {
		// Judge trust at a moment inside the leaf's validity, when every
		// sent certificate is valid if possible, so that expiry is not
		// also reported as distrust.
		from, to := leaf.NotBefore, leaf.NotAfter
		for _, c := range chain[1:] {
			if c.NotBefore.After(from) {
				from = c.NotBefore
			}
			if c.NotAfter.Before(to) {
				to = c.NotAfter
			}
		}
		if !to.After(from) {
			from, to = leaf.NotBefore, leaf.NotAfter
		}
		chains, err = verify(from.Add(to.Sub(from) / 2))
	}
	path := chain[:1] // untrusted: only the leaf's own validity is certain
	if err == nil {
		v.Trusted = true
		path = chains[0]
		for _, c := range path {
			v.VerifiedChain = append(v.VerifiedChain, nameOf(c))
		}
		if len(path) > 1 {
			v.Issuer = path[1]
		}
	} else {
		v.TrustError = describeVerifyError(err, chain)
	}
	v.ValidNow = true
	for i, c := range path {
		who := nameOf(c)
		if i == 0 {
			who = "the certificate (" + who + ")"
		}
		switch {
		case now.Before(c.NotBefore):
			v.ValidNow = false
			v.ValidityError = fmt.Sprintf("%s is not valid before %s", who, c.NotBefore.UTC().Format(time.RFC3339))
		case now.After(c.NotAfter):
			v.ValidNow = false
			v.ValidityError = fmt.Sprintf("%s expired on %s", who, c.NotAfter.UTC().Format(time.RFC3339))
		}
		if !v.ValidNow {
			break
		}
	}
	return v
}

func nameOf(c *x509.Certificate) string {
	switch {
	case c.Subject.CommonName != "":
		return "CN=" + c.Subject.CommonName
	case c.Subject.String() != "":
		return c.Subject.String()
	case len(c.DNSNames) > 0:
		return "DNS:" + c.DNSNames[0]
	}
	return "serial " + c.SerialNumber.String()
}

func describeVerifyError(err error, chain []*x509.Certificate) string {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var ia x509.InsecureAlgorithmError
	switch {
	case errors.As(err, &ua):
		last := chain[len(chain)-1]
		if len(chain) == 1 && last.Subject.String() == last.Issuer.String() {
			return "self-signed certificate"
		}
		if last.Subject.String() != last.Issuer.String() {
			return fmt.Sprintf("unknown issuer %q: the chain is incomplete (intermediate not sent) or the CA is not trusted", last.Issuer.String())
		}
		return fmt.Sprintf("chain ends at untrusted root %q", last.Subject.String())
	case errors.As(err, &ia):
		return "insecure signature algorithm: " + err.Error()
	case errors.As(err, &ci):
		return "invalid certificate: " + err.Error()
	}
	return err.Error()
}

// StapledOCSP judges a stapled OCSP response for leaf: "good", "revoked",
// "unknown", "expired" (outside thisUpdate..nextUpdate at now),
// "unverified" (the issuer is unknown, so the signature cannot be checked)
// or "unparseable" (including a bad signature).
func StapledOCSP(raw []byte, leaf, issuer *x509.Certificate, now time.Time) (status, nextUpdate string) {
	if len(raw) == 0 {
		return "", ""
	}
	resp, err := ocsp.ParseResponseForCert(raw, leaf, issuer)
	if err != nil {
		return "unparseable", ""
	}
	if !resp.NextUpdate.IsZero() {
		nextUpdate = resp.NextUpdate.UTC().Format(time.RFC3339)
	}
	switch {
	case issuer == nil:
		return "unverified", nextUpdate
	case now.Before(resp.ThisUpdate.Add(-5*time.Minute)) || (!resp.NextUpdate.IsZero() && now.After(resp.NextUpdate)):
		return "expired", nextUpdate
	}
	switch resp.Status {
	case ocsp.Good:
		status = "good"
	case ocsp.Revoked:
		status = "revoked"
	default:
		status = "unknown"
	}
	return status, nextUpdate
}
