package tls

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// TLSAName is the owner name of the TLSA records for host:port over TCP
// (RFC 6698 §3).
func TLSAName(host string, port int) string {
	return fmt.Sprintf("_%d._tcp.%s", port, dns.Fqdn(strings.ToLower(host)))
}

// ParseTLSA converts TLSA resource records.
func ParseTLSA(rrs []dns.RR) []TLSARecord {
	var out []TLSARecord
	for _, rr := range rrs {
		t, ok := rr.(*dns.TLSA)
		if !ok {
			continue
		}
		out = append(out, TLSARecord{Usage: t.Usage, Selector: t.Selector, MatchingType: t.MatchingType, Data: strings.ToLower(t.Certificate)})
	}
	return out
}

// MatchTLSA reports whether rec matches the served chain (leaf first), per
// RFC 6698 §2.1 and RFC 7671: usages 1 (PKIX-EE) and 3 (DANE-EE) match the
// leaf; 0 (PKIX-TA) and 2 (DANE-TA) match a CA certificate of the chain.
// For the PKIX usages the chain must also be trusted (the caller says).
func MatchTLSA(rec TLSARecord, chain []*x509.Certificate, pkixTrusted bool) (bool, string) {
	if len(chain) == 0 {
		return false, "no certificate"
	}
	var cands []*x509.Certificate
	switch rec.Usage {
	case 1, 3:
		cands = chain[:1]
	case 0, 2:
		cands = chain[1:]
	default:
		return false, fmt.Sprintf("unknown usage %d (record unusable)", rec.Usage)
	}
	want, err := hex.DecodeString(rec.Data)
	if err != nil {
		return false, "record data is not hex"
	}
	for _, c := range cands {
		var sel []byte
		switch rec.Selector {
		case 0:
			sel = c.Raw
		case 1:
			sel = c.RawSubjectPublicKeyInfo
		default:
			return false, fmt.Sprintf("unknown selector %d (record unusable)", rec.Selector)
		}
		var got []byte
		switch rec.MatchingType {
		case 0:
			got = sel
		case 1:
			h := sha256.Sum256(sel)
			got = h[:]
		case 2:
			h := sha512.Sum512(sel)
			got = h[:]
		default:
			return false, fmt.Sprintf("unknown matching type %d (record unusable)", rec.MatchingType)
		}
		if bytes.Equal(got, want) {
			if (rec.Usage == 0 || rec.Usage == 1) && !pkixTrusted {
				return false, "matches, but usage requires a PKIX-trusted chain and the chain is not trusted"
			}
			if rec.Usage == 0 || rec.Usage == 2 {
				// The anchor must really issue the leaf's chain (RFC 7671
				// §5.2.2), not merely be sent along with it.
				if err := chainsTo(chain, c); err != nil {
					return false, "matches " + nameOf(c) + ", but the leaf does not chain to it: " + err.Error()
				}
			}
			return true, "matches " + nameOf(c)
		}
	}
	if rec.Usage == 2 && len(cands) == 0 {
		return false, "usage 2 (DANE-TA) but the server sent no CA certificate"
	}
	return false, "no certificate of the chain matches"
}

// chainsTo verifies that chain[0] chains to anchor through the certificates
// sent, judged at a moment inside the leaf's validity (expiry is reported by
// tls.cert.valid-now, not here).
func chainsTo(chain []*x509.Certificate, anchor *x509.Certificate) error {
	roots := x509.NewCertPool()
	roots.AddCert(anchor)
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		if c != anchor {
			inter.AddCert(c)
		}
	}
	leaf := chain[0]
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		CurrentTime: leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}
