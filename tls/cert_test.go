package tls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// otherNameSAN builds a subjectAltName extension holding dNSNames and
// otherNames (oid → UTF8String/IA5String value).
func otherNameSAN(t *testing.T, dnsNames []string, others map[string]asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	var names []asn1.RawValue
	for _, d := range dnsNames {
		names = append(names, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte(d)})
	}
	for val, oid := range others {
		tag := asn1.TagUTF8String
		if oid.Equal(oidDNSSRV) {
			tag = asn1.TagIA5String
		}
		inner, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: []byte(val)})
		if err != nil {
			t.Fatal(err)
		}
		explicit, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner})
		oidDER, _ := asn1.Marshal(oid)
		names = append(names, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: append(oidDER, explicit...)})
	}
	der, err := asn1.Marshal(names)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidSAN, Value: der}
}

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(t *testing.T) *testCA {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "imscore test CA"},
		NotBefore: time.Now().AddDate(0, 0, -30), NotAfter: time.Now().AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	p := x509.NewCertPool()
	p.AddCert(c)
	return &testCA{c, key, p}
}

func (ca *testCA) issue(t *testing.T, tmpl *x509.Certificate) *x509.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMatchNameXMPP(t *testing.T) {
	ca := newCA(t)
	now := time.Now()
	xmppOnly := ca.issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "ignored"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		ExtraExtensions: []pkix.Extension{otherNameSAN(t, []string{"xmpp.other.test"}, map[string]asn1.ObjectIdentifier{
			"example.test":              oidXmppAddr,
			"_xmpp-client.example.test": oidDNSSRV,
		})}})
	ci := Describe(xmppOnly)
	if len(ci.XMPPAddrs) != 1 || ci.XMPPAddrs[0] != "example.test" || len(ci.SRVNames) != 1 {
		t.Fatalf("otherNames not parsed: %+v", ci)
	}
	// The identities of the XMPP client service of example.test, as
	// xmpp.ReferenceIDs builds them (TestReferenceIDs in package xmpp).
	ref := ReferenceIDs{DNS: []string{"example.test"}, SRV: []string{"_xmpp-client.example.test"}, XMPP: []string{"example.test"}}
	ok, name, by := MatchName(xmppOnly, ref)
	if !ok || by != "SRV-ID" || name != "_xmpp-client.example.test" {
		t.Fatalf("SRV-ID: %v %q %q", ok, name, by)
	}
	// Server-to-server wants _xmpp-server: falls back to the XmppAddr.
	ref = ReferenceIDs{DNS: []string{"example.test"}, SRV: []string{"_xmpp-server.example.test"}, XMPP: []string{"example.test"}}
	if ok, _, by := MatchName(xmppOnly, ref); !ok || by != "id-on-xmppAddr" {
		t.Fatalf("xmppAddr: %v %q", ok, by)
	}
	// A plain TLS check of the host name does not match.
	if ok, _, _ := MatchName(xmppOnly, Target{Host: "xmpp.example.test"}.referenceIDs()); ok {
		t.Fatal("host name matched a certificate without it")
	}
}

func TestMatchNameDNS(t *testing.T) {
	ca := newCA(t)
	now := time.Now()
	wild := ca.issue(t, &x509.Certificate{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: []string{"*.example.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}})
	cases := map[string]bool{"a.example.test": true, "A.Example.Test.": true, "example.test": false, "a.b.example.test": false, "127.0.0.1": true, "127.0.0.2": false}
	for host, want := range cases {
		ok, _, _ := MatchName(wild, ReferenceIDs{DNS: []string{host}})
		if ok != want {
			t.Errorf("%s: %v, want %v", host, ok, want)
		}
	}
	cnOnly := ca.issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "cn.example.test"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)})
	if ok, _, by := MatchName(cnOnly, ReferenceIDs{DNS: []string{"cn.example.test"}}); !ok || by != "CN" {
		t.Errorf("CN fallback without SAN: %v %q", ok, by)
	}
	if matchDNS("*.test", "a.test") {
		t.Error("wildcard over a public suffix-like single label matched")
	}
}

func TestVerifySeparatesTrustAndValidity(t *testing.T) {
	ca := newCA(t)
	now := time.Now()
	expired := ca.issue(t, &x509.Certificate{NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour), DNSNames: []string{"x.test"}})
	v := Verify([]*x509.Certificate{expired}, ca.pool, now)
	if !v.Trusted || v.ValidNow || !strings.Contains(v.ValidityError, "expired") || v.DaysLeft >= 0 {
		t.Fatalf("expired: %+v", v)
	}
	v = Verify([]*x509.Certificate{expired}, x509.NewCertPool(), now)
	if v.Trusted || !strings.Contains(v.TrustError, "unknown issuer") {
		t.Fatalf("untrusted: %+v", v)
	}
	v = Verify([]*x509.Certificate{ca.cert}, x509.NewCertPool(), now)
	if v.Trusted || v.TrustError != "self-signed certificate" {
		t.Fatalf("self-signed: %+v", v)
	}
	good := ca.issue(t, &x509.Certificate{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * 24 * time.Hour), DNSNames: []string{"x.test"}})
	v = Verify([]*x509.Certificate{good}, ca.pool, now)
	if !v.Trusted || !v.ValidNow || v.DaysLeft < 29 || v.DaysLeft > 30 {
		t.Fatalf("good: %+v", v)
	}
}

func TestMatchTLSA(t *testing.T) {
	ca := newCA(t)
	now := time.Now()
	leaf := ca.issue(t, &x509.Certificate{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: []string{"x.test"}})
	chain := []*x509.Certificate{leaf, ca.cert}
	spki := sha256hex(leaf.RawSubjectPublicKeyInfo)
	if ok, _ := MatchTLSA(TLSARecord{Usage: 3, Selector: 1, MatchingType: 1, Data: spki}, chain, false); !ok {
		t.Error("DANE-EE SPKI SHA-256 did not match")
	}
	if ok, _ := MatchTLSA(TLSARecord{Usage: 2, Selector: 0, MatchingType: 1, Data: sha256hex(ca.cert.Raw)}, chain, false); !ok {
		t.Error("DANE-TA full cert did not match")
	}
	if ok, note := MatchTLSA(TLSARecord{Usage: 1, Selector: 1, MatchingType: 1, Data: spki}, chain, false); ok || !strings.Contains(note, "PKIX") {
		t.Errorf("PKIX-EE with untrusted chain matched: %s", note)
	}
	if ok, _ := MatchTLSA(TLSARecord{Usage: 3, Selector: 1, MatchingType: 1, Data: strings.Repeat("00", 32)}, chain, true); ok {
		t.Error("wrong digest matched")
	}
	// A pinned CA that is sent along but did not issue the leaf.
	oldCA := newCA(t)
	sentAlong := []*x509.Certificate{leaf, ca.cert, oldCA.cert}
	if ok, note := MatchTLSA(TLSARecord{Usage: 2, Selector: 0, MatchingType: 1, Data: sha256hex(oldCA.cert.Raw)}, sentAlong, false); ok {
		t.Errorf("DANE-TA matched an anchor that does not issue the leaf: %s", note)
	}
	if n := TLSAName("XMPP.Example.Test", 5222); n != "_5222._tcp.xmpp.example.test." {
		t.Errorf("TLSAName %s", n)
	}
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestVerifyIgnoresUnusedExpiredCert(t *testing.T) {
	ca := newCA(t)
	now := time.Now()
	leaf := ca.issue(t, &x509.Certificate{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(48 * time.Hour), DNSNames: []string{"x.test"}})
	other := newCA(t)
	stale := other.issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "old cross-sign"}, NotBefore: now.AddDate(0, 0, -20), NotAfter: now.AddDate(0, 0, -10), IsCA: true, BasicConstraintsValid: true})
	v := Verify([]*x509.Certificate{leaf, stale}, ca.pool, now)
	if !v.Trusted || !v.ValidNow || v.Issuer == nil {
		t.Fatalf("an unused expired extra certificate spoiled a valid chain: %+v", v)
	}
}

func TestStapledOCSPJudgement(t *testing.T) {
	ca := newCA(t)
	now := time.Now()
	leaf := ca.issue(t, &x509.Certificate{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(48 * time.Hour), DNSNames: []string{"x.test"}})
	resp := func(status int, this, next time.Time, signer *testCA) []byte {
		der, err := ocsp.CreateResponse(signer.cert, signer.cert, ocsp.Response{Status: status, SerialNumber: leaf.SerialNumber,
			ThisUpdate: this, NextUpdate: next, RevokedAt: this}, signer.key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	cases := []struct {
		name   string
		raw    []byte
		issuer *x509.Certificate
		want   string
	}{
		{"good", resp(ocsp.Good, now.Add(-time.Hour), now.Add(time.Hour), ca), ca.cert, "good"},
		{"revoked", resp(ocsp.Revoked, now.Add(-time.Hour), now.Add(time.Hour), ca), ca.cert, "revoked"},
		{"stale", resp(ocsp.Good, now.AddDate(0, 0, -40), now.AddDate(0, 0, -30), ca), ca.cert, "expired"},
		{"no issuer to check", resp(ocsp.Good, now.Add(-time.Hour), now.Add(time.Hour), ca), nil, "unverified"},
		{"signed by a stranger", resp(ocsp.Good, now.Add(-time.Hour), now.Add(time.Hour), newCA(t)), ca.cert, "unparseable"},
		{"garbage", []byte("not ocsp"), ca.cert, "unparseable"},
	}
	for _, c := range cases {
		if got, _ := StapledOCSP(c.raw, leaf, c.issuer, now); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
