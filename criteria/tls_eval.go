package criteria

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
)

// tlsSet is one TLS service of a target whose results the tls.* criteria
// judge: the single service of `scan tls`, or e.g. c2s and s2s of an XMPP
// domain. Every endpoint of every set counts; the worst decides.
type tlsSet struct {
	Label string // "" for scan tls, else e.g. "c2s"
	IDs   tls.IDs
}

// TLSSets maps a target kind to its TLS services (probe ID prefixes).
// Probe packages of other kinds register theirs here.
var TLSSets = map[string][]struct{ Label, Prefix string }{
	"tls": {{"", "tls."}},
}

func tlsSets(in Input) []tlsSet {
	var out []tlsSet
	for _, s := range TLSSets[in.Kind] {
		ids := tls.PrefixIDs(s.Prefix)
		if o := in.Results.Get(ids.Endpoints); len(TLSSets[in.Kind]) > 1 && (o == nil || o.Status == probes.StatusNotApplicable) {
			continue // this service was not scanned, or does not exist (e.g. an SRV record with the target ".")
		}
		out = append(out, tlsSet{Label: s.Label, IDs: ids})
	}
	return out
}

func (s tlsSet) name(addr string) string {
	if s.Label == "" {
		return addr
	}
	return s.Label + " " + addr
}

// missing is the per-set verdict when a set's probe did not succeed.
func (s tlsSet) missing(in Input, id probes.ID, what string) epVerdict {
	v := notMeasured(in, id, what)
	summary := v.Summary
	if s.Label != "" {
		summary = s.Label + ": " + summary
	}
	return epVerdict{Endpoint: s.Label, Status: v.Status, Summary: summary, Evidence: v.Evidence}
}

func init() {
	register("tls.protocol.no-ssl", evalNoSSL)
	register("tls.protocol.no-tls10-11", evalNoTLS1011)
	register("tls.protocol.tls13", evalTLS13)
	register("tls.cipher.no-weak", evalNoWeak)
	register("tls.cipher.forward-secrecy", evalForwardSecrecy)
	register("tls.cipher.server-order", evalServerOrder)
	register("tls.kex.strength", evalKexStrength)
	register("tls.kex.post-quantum", evalPostQuantum)
	register("tls.cert.trusted", evalTrusted)
	register("tls.cert.valid-now", evalValidNow)
	register("tls.cert.name-match", evalNameMatch)
	register("tls.cert.key-strength", evalKeyStrength)
	register("tls.cert.signature", evalSignature)
	register("tls.ocsp-stapling", evalOCSP)
	register("tls.dane", evalDANE)
}

// --- protocol versions ---

func versionEval(in Input, what string, fn func(e tls.EndpointVersions) epVerdict) Verdict {
	return perEndpoint(in, what, "not measured: ",
		func(ids tls.IDs) probes.ID { return ids.Versions },
		func(d *tls.VersionsData) []tls.EndpointVersions { return d.Endpoints },
		func(e tls.EndpointVersions) tls.EndpointResult { return e.EndpointResult },
		func(_ *tls.VersionsData, e tls.EndpointVersions) epVerdict { return fn(e) })
}

// perEndpoint is the loop every TLS criterion shares: for every TLS set of
// the target, the data of one probe (a set whose probe failed is judged by
// notMeasured), then fn on every endpoint that was measured; an endpoint
// that was not is an error prefixed with unmeasured. The worst wins.
func perEndpoint[D any, E any](in Input, what, unmeasured string, probe func(tls.IDs) probes.ID,
	endpoints func(D) []E, head func(E) tls.EndpointResult, fn func(D, E) epVerdict) Verdict {
	var vs []epVerdict
	for _, set := range tlsSets(in) {
		id := probe(set.IDs)
		d, ok := probes.Data[D](in.Results, id)
		if !ok {
			vs = append(vs, set.missing(in, id, what))
			continue
		}
		for _, e := range endpoints(d) {
			h := head(e)
			v := epVerdict{Status: report.Error, Summary: unmeasured + h.Reason}
			if h.Status == probes.StatusOK {
				v = fn(d, e)
			}
			v.Endpoint = set.name(h.Endpoint.Addr)
			vs = append(vs, v)
		}
	}
	return combine(vs)
}

func versionEvidence(e tls.EndpointVersions, want ...tls.Version) []probes.Evidence {
	var out []probes.Evidence
	for _, v := range e.Versions {
		for _, w := range want {
			if v.Version == w {
				recv := v.Answer
				if v.Error != "" {
					recv += " (" + v.Error + ")"
				}
				out = append(out, probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "tls-handshake", Sent: "ClientHello offering only " + v.Version.String(), Received: recv})
			}
		}
	}
	return out
}

// versionState says whether v was accepted, refused, or not judged.
func versionState(e tls.EndpointVersions, v tls.Version) (accepted, judged bool) {
	for _, x := range e.Versions {
		if x.Version == v {
			return x.Supported, x.Supported || x.Error == ""
		}
	}
	return false, false
}

// versionsRefused judges that none of vs is accepted on any endpoint.
func versionsRefused(in Input, what, note string, vs ...tls.Version) Verdict {
	var names []string
	for _, v := range vs {
		names = append(names, v.String())
	}
	return versionEval(in, what, func(e tls.EndpointVersions) epVerdict {
		ev := versionEvidence(e, vs...)
		var on, unjudged []string
		for _, v := range vs {
			acc, judged := versionState(e, v)
			if acc {
				on = append(on, v.String())
			} else if !judged {
				unjudged = append(unjudged, v.String())
			}
		}
		switch {
		case len(on) > 0:
			return epVerdict{Status: report.Fail, Summary: strings.Join(on, " and ") + " accepted" + note, Evidence: ev, Seen: true}
		case len(unjudged) > 0:
			return epVerdict{Status: report.Error, Summary: "could not judge " + strings.Join(unjudged, ", "), Evidence: ev}
		}
		return epVerdict{Status: report.Pass, Summary: strings.Join(names, " and ") + " refused", Evidence: ev}
	})
}

func evalNoSSL(in Input) Verdict {
	return versionsRefused(in, "SSL 2.0/3.0 support", "", tls.VersionSSL2, tls.VersionSSL3)
}

func evalNoTLS1011(in Input) Verdict {
	return versionsRefused(in, "TLS 1.0/1.1 support", " (deprecated by RFC 8996)", tls.VersionTLS10, tls.VersionTLS11)
}

func evalTLS13(in Input) Verdict {
	return versionEval(in, "TLS 1.3 support", func(e tls.EndpointVersions) epVerdict {
		ev := versionEvidence(e, tls.VersionTLS13)
		acc, judged := versionState(e, tls.VersionTLS13)
		switch {
		case acc:
			return epVerdict{Status: report.Pass, Summary: "TLSv1.3 accepted", Evidence: ev}
		case !judged:
			return epVerdict{Status: report.Error, Summary: "could not judge TLSv1.3", Evidence: ev}
		}
		return epVerdict{Status: report.Warn, Summary: "TLSv1.3 not offered (highest: " + highest(e).String() + ")", Evidence: ev}
	})
}

func highest(e tls.EndpointVersions) tls.Version {
	var h tls.Version
	for _, v := range e.Versions {
		if v.Supported && v.Version > h {
			h = v.Version
		}
	}
	return h
}

// --- cipher suites ---

func cipherEval(in Input, what string, fn func(e tls.EndpointCiphers) epVerdict) Verdict {
	return perEndpoint(in, what, "not measured: ",
		func(ids tls.IDs) probes.ID { return ids.Ciphers },
		func(d *tls.CiphersData) []tls.EndpointCiphers { return d.Endpoints },
		func(e tls.EndpointCiphers) tls.EndpointResult { return e.EndpointResult },
		func(_ *tls.CiphersData, e tls.EndpointCiphers) epVerdict {
			var errs []string
			for _, s := range e.Scans {
				if s.Error != "" {
					errs = append(errs, s.Version.String()+": "+s.Error)
				}
			}
			v := fn(e)
			if len(errs) > 0 && !v.Seen {
				v = epVerdict{Status: report.Error, Summary: "cipher enumeration incomplete: " + strings.Join(errs, "; "), Evidence: []probes.Evidence{cipherEvidence(e, nil)}}
			}
			if v.Evidence == nil {
				v.Evidence = []probes.Evidence{cipherEvidence(e, nil)}
			}
			return v
		})
}

// cipherEvidence lists the accepted suites per version, only those for
// which keep returns true (all when keep is nil).
func cipherEvidence(e tls.EndpointCiphers, keep func(tls.Suite) bool) probes.Evidence {
	var lines []string
	for _, s := range e.Scans {
		var names []string
		for _, su := range s.Suites {
			if keep == nil || keep(su) {
				names = append(names, su.Name)
			}
		}
		if len(names) > 0 {
			lines = append(lines, fmt.Sprintf("%s (%s order): %s", s.Version, s.ServerOrder, strings.Join(names, ", ")))
		}
	}
	return probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "tls-handshake", Sent: "ClientHellos enumerating cipher suites", Received: strings.Join(lines, "\n")}
}

func hasWeak(s tls.Suite, flags ...string) bool {
	for _, w := range s.Weak {
		for _, f := range flags {
			if w == f {
				return true
			}
		}
	}
	return false
}

func evalNoWeak(in Input) Verdict {
	fatal := []string{"null", "export", "anon"}
	bad := []string{"rc4", "des", "3des", "md5"}
	return cipherEval(in, "Weak cipher suites", func(e tls.EndpointCiphers) epVerdict {
		var fatalS, badS, cbcS []string
		for _, s := range e.Scans {
			for _, su := range s.Suites {
				switch {
				case hasWeak(su, fatal...):
					fatalS = append(fatalS, su.Name)
				case hasWeak(su, bad...):
					badS = append(badS, su.Name)
				case hasWeak(su, "cbc"):
					cbcS = append(cbcS, su.Name)
				}
			}
		}
		fatalS, badS, cbcS = uniq(fatalS), uniq(badS), uniq(cbcS)
		switch {
		case len(fatalS) > 0:
			return epVerdict{Status: report.Fail, Summary: fmt.Sprintf("NULL/EXPORT/anonymous suites accepted: %s", list(fatalS, 3)),
				Evidence: []probes.Evidence{cipherEvidence(e, func(s tls.Suite) bool { return hasWeak(s, append(fatal, bad...)...) })},
				Cap:      "F", CapReason: "NULL, EXPORT or anonymous cipher suites give no confidentiality or no authentication", Seen: true}
		case len(badS) > 0:
			return epVerdict{Status: report.Fail, Summary: fmt.Sprintf("broken ciphers accepted (RC4/DES/3DES/MD5): %s", list(badS, 3)),
				Evidence: []probes.Evidence{cipherEvidence(e, func(s tls.Suite) bool { return hasWeak(s, bad...) })}, Seen: true}
		case len(cbcS) > 0:
			return epVerdict{Status: report.Warn, Summary: fmt.Sprintf("%d CBC-mode suites accepted, e.g. %s", len(cbcS), cbcS[0]),
				Evidence: []probes.Evidence{cipherEvidence(e, func(s tls.Suite) bool { return hasWeak(s, "cbc") })}}
		}
		return epVerdict{Status: report.Pass, Summary: "only AEAD cipher suites accepted"}
	})
}

func evalForwardSecrecy(in Input) Verdict {
	return cipherEval(in, "Forward secrecy", func(e tls.EndpointCiphers) epVerdict {
		var fs, nonFS []string
		preferNonFS := ""
		for _, s := range e.Scans {
			for i, su := range s.Suites {
				if su.FS {
					fs = append(fs, su.Name)
				} else {
					nonFS = append(nonFS, su.Name)
					if i == 0 && s.ServerOrder == "server" && preferNonFS == "" {
						preferNonFS = s.Version.String() + " " + su.Name
					}
				}
			}
		}
		nonFS = uniq(nonFS)
		ev := []probes.Evidence{cipherEvidence(e, func(s tls.Suite) bool { return !s.FS })}
		switch {
		case len(fs) == 0:
			return epVerdict{Status: report.Fail, Summary: "no forward-secret cipher suite accepted", Evidence: []probes.Evidence{cipherEvidence(e, nil)}}
		case preferNonFS != "":
			return epVerdict{Status: report.Fail, Summary: "server prefers a suite without forward secrecy: " + preferNonFS, Evidence: []probes.Evidence{cipherEvidence(e, nil)}, Seen: true}
		case len(nonFS) > 0:
			return epVerdict{Status: report.Warn, Summary: fmt.Sprintf("%d suites without forward secrecy also accepted, e.g. %s", len(nonFS), nonFS[0]), Evidence: ev}
		}
		return epVerdict{Status: report.Pass, Summary: "every accepted suite has forward secrecy"}
	})
}

func strong(s tls.Suite) bool { return s.AEAD && s.FS }

func evalServerOrder(in Input) Verdict {
	return cipherEval(in, "Server cipher order", func(e tls.EndpointCiphers) epVerdict {
		var clientWeak, unknown []string
		measured, several := false, false
		for _, s := range e.Scans {
			allStrong := true
			for _, su := range s.Suites {
				allStrong = allStrong && strong(su)
			}
			several = several || len(s.Suites) > 1
			switch {
			case allStrong || len(s.Suites) < 2:
				// order does not matter
			case s.ServerOrder == "server":
				measured = true
			case s.ServerOrder == "client":
				measured = true
				clientWeak = append(clientWeak, s.Version.String())
			case len(s.Suites) > 1:
				unknown = append(unknown, s.Version.String())
			}
		}
		switch {
		case len(clientWeak) > 0:
			return epVerdict{Status: report.Warn, Summary: "the client's order decides and weaker suites are accepted (" + strings.Join(clientWeak, ", ") + ")"}
		case len(unknown) > 0:
			return epVerdict{Status: report.Error, Summary: "the suite order could not be determined for " + strings.Join(unknown, ", ")}
		case !several:
			return epVerdict{Status: report.Skip, Summary: "at most one suite per version: there is no order to measure"}
		case !measured:
			return epVerdict{Status: report.Pass, Summary: "only AEAD suites with forward secrecy are accepted: order does not matter"}
		}
		return epVerdict{Status: report.Pass, Summary: "the server enforces its own order where weaker suites are accepted"}
	})
}

// --- key exchange ---

func groupEval(in Input, what string, fn func(e tls.EndpointGroups) epVerdict) Verdict {
	return perEndpoint(in, what, "not measured: ",
		func(ids tls.IDs) probes.ID { return ids.Groups },
		func(d *tls.GroupsData) []tls.EndpointGroups { return d.Endpoints },
		func(e tls.EndpointGroups) tls.EndpointResult { return e.EndpointResult },
		func(_ *tls.GroupsData, e tls.EndpointGroups) epVerdict {
			v := fn(e)
			if e.Error != "" && !v.Seen {
				v = epVerdict{Status: report.Error, Summary: "group enumeration incomplete: " + e.Error}
			}
			if v.Evidence == nil {
				v.Evidence = []probes.Evidence{groupEvidence(e)}
			}
			return v
		})
}

func groupEvidence(e tls.EndpointGroups) probes.Evidence {
	var names []string
	for _, g := range e.Supported {
		names = append(names, g.Name)
	}
	recv := fmt.Sprintf("%s: accepted groups: %s", e.Version, strings.Join(names, ", "))
	if len(e.DHBits) > 0 {
		recv += fmt.Sprintf("\nDHE modulus sizes seen: %v", e.DHBits)
	}
	return probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "tls-handshake", Sent: "ClientHello offering one group at a time", Received: recv}
}

func evalKexStrength(in Input) Verdict {
	return groupEval(in, "Key exchange strength", func(e tls.EndpointGroups) epVerdict {
		minDH := 0
		for _, b := range e.DHBits {
			if minDH == 0 || b < minDH {
				minDH = b
			}
		}
		var weakCurves, smallCurves []string
		for _, g := range e.Supported {
			switch {
			case g.Kind == "ecdhe" && g.Bits > 0 && g.Bits < 224:
				weakCurves = append(weakCurves, g.Name)
			case g.Kind == "ecdhe" && g.Bits > 0 && g.Bits < 256:
				smallCurves = append(smallCurves, g.Name)
			}
		}
		switch {
		case minDH > 0 && minDH < 1024:
			return epVerdict{Status: report.Fail, Summary: fmt.Sprintf("DHE with a %d-bit modulus (Logjam)", minDH), Cap: "F", CapReason: "DH parameters below 1024 bits are broken (Logjam)", Seen: true}
		case len(weakCurves) > 0:
			return epVerdict{Status: report.Fail, Summary: "curves below 224 bits accepted: " + strings.Join(weakCurves, ", "), Cap: "F", CapReason: "elliptic curves below 224 bits are too weak", Seen: true}
		case minDH > 0 && minDH < 2048:
			return epVerdict{Status: report.Warn, Summary: fmt.Sprintf("DHE with a %d-bit modulus (2048 or more recommended)", minDH),
				Cap: "B", CapReason: "DH parameters below 2048 bits"}
		case len(smallCurves) > 0:
			return epVerdict{Status: report.Warn, Summary: "curves below 256 bits accepted: " + strings.Join(smallCurves, ", "),
				Cap: "B", CapReason: "elliptic curves below 256 bits"}
		}
		s := "ECDHE groups of 256 bits or more"
		if minDH > 0 {
			s += fmt.Sprintf(", DHE with %d bits", minDH)
		}
		return epVerdict{Status: report.Pass, Summary: s}
	})
}

func evalPostQuantum(in Input) Verdict {
	return groupEval(in, "Post-quantum key exchange", func(e tls.EndpointGroups) epVerdict {
		var pq []string
		for _, g := range e.Supported {
			if g.Kind == "hybrid-pq" || g.Kind == "pq" {
				pq = append(pq, g.Name)
			}
		}
		switch {
		case len(pq) > 0:
			return epVerdict{Status: report.Info, Summary: "post-quantum hybrid key exchange accepted: " + strings.Join(pq, ", "), Seen: true}
		case e.Version != tls.VersionTLS13:
			return epVerdict{Status: report.Warn, Summary: "no TLS 1.3, so no post-quantum key exchange"}
		}
		return epVerdict{Status: report.Warn, Summary: "no post-quantum hybrid group (e.g. X25519MLKEM768) accepted"}
	})
}

// --- certificate ---

func certEval(in Input, what string, fn func(d *tls.HandshakeData, h tls.EndpointHandshake) epVerdict) Verdict {
	return perEndpoint(in, what, "no certificate: ",
		func(ids tls.IDs) probes.ID { return ids.Handshake },
		func(d *tls.HandshakeData) []tls.EndpointHandshake { return d.Endpoints },
		func(h tls.EndpointHandshake) tls.EndpointResult { return h.EndpointResult },
		func(d *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
			if len(h.Chain) == 0 {
				return epVerdict{Status: report.Error, Summary: "no certificate: " + h.Reason}
			}
			v := fn(d, h)
			if v.Evidence == nil {
				v.Evidence = []probes.Evidence{chainEvidence(h)}
			}
			return v
		})
}

func chainEvidence(h tls.EndpointHandshake) probes.Evidence {
	var b strings.Builder
	for i, c := range h.Chain {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "#%d subject=%s issuer=%s key=%s-%d sig=%s valid=%s..%s", i, c.Subject, c.Issuer, c.KeyType, c.KeyBits, c.SignatureAlg,
			c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"))
		if i == 0 {
			var names []string
			names = append(names, c.DNSNames...)
			names = append(names, c.IPAddresses...)
			for _, x := range c.XMPPAddrs {
				names = append(names, "xmppAddr:"+x)
			}
			for _, x := range c.SRVNames {
				names = append(names, "SRV:"+x)
			}
			if len(names) > 0 {
				fmt.Fprintf(&b, " names=%s", strings.Join(names, ","))
			}
		}
	}
	return probes.Evidence{Endpoint: h.Endpoint.Addr, Kind: "tls-handshake", Detail: fmt.Sprintf("%s %s, chain from %s", h.Version, h.CipherSuite, h.ChainSource), Received: b.String()}
}

func evalTrusted(in Input) Verdict {
	return certEval(in, "Certificate trust", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		if h.Trusted {
			return epVerdict{Status: report.Pass, Summary: "chain verifies to a trusted root (" + h.VerifiedChain[len(h.VerifiedChain)-1] + ")"}
		}
		return epVerdict{Status: report.Fail, Summary: "untrusted: " + h.TrustError}
	})
}

func evalValidNow(in Input) Verdict {
	return certEval(in, "Certificate validity", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		switch {
		case !h.ValidNow:
			return epVerdict{Status: report.Fail, Summary: h.ValidityError}
		case h.DaysLeft <= 14:
			return epVerdict{Status: report.Warn, Summary: fmt.Sprintf("expires in %d days (%s)", h.DaysLeft, h.Chain[0].NotAfter.Format("2006-01-02"))}
		}
		return epVerdict{Status: report.Pass, Summary: fmt.Sprintf("valid, %d days left", h.DaysLeft)}
	})
}

func evalNameMatch(in Input) Verdict {
	return certEval(in, "Certificate name", func(d *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		refs := ""
		if d != nil {
			refs = strings.Join(d.Names, ", ")
		}
		if h.NameMatch {
			if h.MatchedBy == "CN" {
				return epVerdict{Status: report.Warn, Summary: "matches " + h.MatchedName + " only by the subject CN (no subjectAltName); modern clients reject this"}
			}
			return epVerdict{Status: report.Pass, Summary: fmt.Sprintf("matches %s (%s)", h.MatchedName, h.MatchedBy)}
		}
		leaf := h.Chain[0]
		var names []string
		names = append(names, leaf.DNSNames...)
		names = append(names, leaf.IPAddresses...)
		for _, x := range leaf.XMPPAddrs {
			names = append(names, "xmppAddr:"+x)
		}
		for _, x := range leaf.SRVNames {
			names = append(names, "SRV:"+x)
		}
		if len(names) == 0 {
			names = []string{"CN=" + leaf.Subject}
		}
		return epVerdict{Status: report.Fail, Summary: fmt.Sprintf("certificate is for %s, not %s", list(names, 4), refs)}
	})
}

func evalKeyStrength(in Input) Verdict {
	return certEval(in, "Certificate key", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		l := h.Chain[0]
		desc := fmt.Sprintf("%s %d bits", l.KeyType, l.KeyBits)
		switch l.KeyType {
		case "DSA":
			if l.KeyBits < 1024 {
				return epVerdict{Status: report.Fail, Summary: desc + " (breakable)", Cap: "F", CapReason: "a certificate key below 1024 bits can be factored"}
			}
			return epVerdict{Status: report.Fail, Summary: desc + " (DSA is withdrawn by FIPS 186-5; use ECDSA P-256 or RSA 2048+)"}
		case "RSA":
			if l.KeyBits < 1024 {
				return epVerdict{Status: report.Fail, Summary: desc + " (breakable)", Cap: "F", CapReason: "a certificate key below 1024 bits can be factored"}
			}
			if l.KeyBits < 2048 {
				return epVerdict{Status: report.Fail, Summary: desc + " (2048 or more required)"}
			}
		case "ECDSA":
			if l.KeyBits < 256 {
				return epVerdict{Status: report.Fail, Summary: desc + " (256 or more required)"}
			}
		case "Ed25519":
		default:
			return epVerdict{Status: report.Error, Summary: "unknown key type " + l.KeyType}
		}
		return epVerdict{Status: report.Pass, Summary: desc}
	})
}

func evalSignature(in Input) Verdict {
	return certEval(in, "Certificate signature", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		var weak []string
		for i, c := range h.Chain {
			if i > 0 && c.SelfSigned {
				continue // a root's self-signature is not checked by clients
			}
			a := strings.ToUpper(c.SignatureAlg)
			if strings.Contains(a, "MD5") || strings.Contains(a, "SHA1") || strings.Contains(a, "MD2") {
				weak = append(weak, fmt.Sprintf("#%d %s", i, c.SignatureAlg))
			}
		}
		if len(weak) > 0 {
			return epVerdict{Status: report.Fail, Summary: "weak signature: " + strings.Join(weak, ", ")}
		}
		return epVerdict{Status: report.Pass, Summary: "signed with " + h.Chain[0].SignatureAlg}
	})
}

func evalOCSP(in Input) Verdict {
	return certEval(in, "OCSP stapling", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		ev := []probes.Evidence{{Endpoint: h.Endpoint.Addr, Kind: "tls-handshake", Sent: "ClientHello with status_request",
			Received: fmt.Sprintf("stapled=%t status=%s next_update=%s; OCSP responders in certificate: %s", h.OCSPStapled, h.OCSPStatus, h.OCSPNextUpdate, strings.Join(h.Chain[0].OCSPServers, ", "))}}
		switch {
		case h.OCSPStatus == "revoked":
			return epVerdict{Status: report.Fail, Summary: "stapled OCSP response says the certificate is REVOKED", Evidence: ev}
		case h.OCSPStatus == "good":
			return epVerdict{Status: report.Pass, Summary: "a good OCSP response is stapled", Evidence: ev}
		case h.OCSPStapled:
			return epVerdict{Status: report.Warn, Summary: "stapled OCSP response is " + h.OCSPStatus, Evidence: ev}
		case len(h.Chain[0].OCSPServers) == 0:
			return epVerdict{Status: report.Skip, Summary: "certificate names no OCSP responder: stapling not applicable", Evidence: ev}
		}
		return epVerdict{Status: report.Warn, Summary: "no OCSP response stapled", Evidence: ev}
	})
}

func evalDANE(in Input) Verdict {
	var vs []epVerdict
	for _, set := range tlsSets(in) {
		id := set.IDs.DANE
		d, ok := probes.Data[*tls.DANEData](in.Results, id)
		if !ok {
			vs = append(vs, set.missing(in, id, "DANE"))
			continue
		}
		v := daneVerdict(d, in.Results.Get(id).Evidence)
		vs = append(vs, epVerdict{Endpoint: set.Label, Status: v.Status, Summary: v.Summary, Evidence: v.Evidence})
	}
	v := combine(vs)
	return v
}

func daneVerdict(d *tls.DANEData, ev []probes.Evidence) Verdict {
	if len(d.Targets) > 0 {
		// Several SRV targets, each with its own TLSA name: the worst
		// target decides, and is named.
		deployed := false
		for _, t := range d.Targets {
			deployed = deployed || len(t.Records) > 0
		}
		var vs []epVerdict
		for _, t := range d.Targets {
			if t.Error != "" {
				vs = append(vs, epVerdict{Endpoint: t.Name, Status: report.Error, Summary: "TLSA records could not be asked: " + t.Error, Evidence: ev})
				continue
			}
			v := daneVerdict(t, ev)
			if deployed && len(t.Records) == 0 {
				// DANE on some targets only: a DANE client that lands on
				// this one has nothing to check (RFC 7673 §3).
				v.Status, v.Summary = report.Warn, "no TLSA records at "+t.Name+" although other SRV targets have them: this target is not DANE-protected"
			}
			vs = append(vs, epVerdict{Endpoint: t.Name, Status: v.Status, Summary: v.Summary, Evidence: v.Evidence})
		}
		return combine(vs)
	}
	if len(d.Records) == 0 {
		return Verdict{Status: report.Info, Summary: "no TLSA records at " + d.Name + " (DANE not deployed)", Evidence: ev}
	}
	var unmatched, unmeasured []string
	for _, e := range d.Endpoints {
		switch {
		case e.Status != probes.StatusOK:
			unmeasured = append(unmeasured, e.Endpoint.Addr)
		case !e.Matched:
			unmatched = append(unmatched, e.Endpoint.Addr)
		}
	}
	var notes []string
	for _, r := range d.Records {
		notes = append(notes, fmt.Sprintf("TLSA %d %d %d %s…: %s", r.Usage, r.Selector, r.MatchingType, truncHex(r.Data), r.Note))
	}
	ev = append(append([]probes.Evidence(nil), ev...), probes.Evidence{Kind: "note", Detail: strings.Join(notes, "\n")})
	sort.Strings(unmatched)
	switch {
	case len(d.Endpoints) == 0:
		return Verdict{Status: report.Error, Summary: "TLSA records exist but no chain was fetched", Evidence: ev}
	case len(unmatched) > 0:
		return Verdict{Status: report.Fail, Summary: "no TLSA record matches the chain served by " + strings.Join(unmatched, ", "), Evidence: ev}
	case len(unmeasured) > 0:
		return Verdict{Status: report.Error, Summary: "TLSA records exist but " + strings.Join(unmeasured, ", ") + " served no chain to compare", Evidence: ev}
	case !d.AD:
		return Verdict{Status: report.Warn, Summary: "TLSA records match but the answer is not DNSSEC-authenticated (AD=0)", Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: fmt.Sprintf("%d TLSA records, DNSSEC-authenticated, matching every endpoint", len(d.Records)), Evidence: ev}
}

func truncHex(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// list joins up to n items and says how many more there are.
func list(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(xs[:n], ", "), len(xs)-n)
}
