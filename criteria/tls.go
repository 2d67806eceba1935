package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/tls/wire"
)

// tlsCriteria binds the protocol, cipher-suite and key-exchange criteria of tls.yaml.
var tlsCriteria = []binding{
	{"tls.protocol.no-ssl", evalNoSSL},
	{"tls.protocol.no-tls10-11", evalNoTLS1011},
	{"tls.protocol.tls13", evalTLS13},
	{"tls.cipher.no-weak", evalNoWeak},
	{"tls.cipher.forward-secrecy", evalForwardSecrecy},
	{"tls.cipher.server-order", evalServerOrder},
	{"tls.kex.strength", evalKexStrength},
	{"tls.kex.post-quantum", evalPostQuantum},
}

func versionEval(in Input, what string, fn func(e tls.EndpointVersions) epVerdict) Verdict {
	return perEndpoint(in, what, "not measured: ",
		func(k tls.Keys) probes.Key[*tls.VersionsData] { return k.Versions },
		func(d *tls.VersionsData) []tls.EndpointVersions { return d.Endpoints },
		func(e tls.EndpointVersions) tls.EndpointResult { return e.EndpointResult },
		func(_ *tls.VersionsData, e tls.EndpointVersions) epVerdict { return fn(e) })
}

func versionEvidence(e tls.EndpointVersions, want ...wire.Version) []probes.Evidence {
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
func versionState(e tls.EndpointVersions, v wire.Version) (accepted, judged bool) {
	for _, x := range e.Versions {
		if x.Version == v {
			return x.Supported, x.Supported || x.Error == ""
		}
	}
	return false, false
}

// versionsRefused judges that none of vs is accepted on any endpoint.
func versionsRefused(in Input, what, note string, vs ...wire.Version) Verdict {
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
	return versionsRefused(in, "SSL 2.0/3.0 support", "", wire.VersionSSL2, wire.VersionSSL3)
}

func evalNoTLS1011(in Input) Verdict {
	return versionsRefused(in, "TLS 1.0/1.1 support", " (deprecated by RFC 8996)", wire.VersionTLS10, wire.VersionTLS11)
}

func evalTLS13(in Input) Verdict {
	return versionEval(in, "TLS 1.3 support", func(e tls.EndpointVersions) epVerdict {
		ev := versionEvidence(e, wire.VersionTLS13)
		acc, judged := versionState(e, wire.VersionTLS13)
		switch {
		case acc:
			return epVerdict{Status: report.Pass, Summary: "TLSv1.3 accepted", Evidence: ev}
		case !judged:
			return epVerdict{Status: report.Error, Summary: "could not judge TLSv1.3", Evidence: ev}
		}
		return epVerdict{Status: report.Warn, Summary: "TLSv1.3 not offered (highest: " + highest(e).String() + ")", Evidence: ev}
	})
}

func highest(e tls.EndpointVersions) wire.Version {
	var h wire.Version
	for _, v := range e.Versions {
		if v.Supported && v.Version > h {
			h = v.Version
		}
	}
	return h
}

func cipherEval(in Input, what string, fn func(e tls.EndpointCiphers) epVerdict) Verdict {
	return perEndpoint(in, what, "not measured: ",
		func(k tls.Keys) probes.Key[*tls.CiphersData] { return k.Ciphers },
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
func cipherEvidence(e tls.EndpointCiphers, keep func(wire.Suite) bool) probes.Evidence {
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

func hasWeak(s wire.Suite, flags ...string) bool {
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
				Evidence: []probes.Evidence{cipherEvidence(e, func(s wire.Suite) bool { return hasWeak(s, append(fatal, bad...)...) })},
				Cap:      "F", CapReason: "NULL, EXPORT or anonymous cipher suites give no confidentiality or no authentication", Seen: true}
		case len(badS) > 0:
			return epVerdict{Status: report.Fail, Summary: fmt.Sprintf("broken ciphers accepted (RC4/DES/3DES/MD5): %s", list(badS, 3)),
				Evidence: []probes.Evidence{cipherEvidence(e, func(s wire.Suite) bool { return hasWeak(s, bad...) })}, Seen: true}
		case len(cbcS) > 0:
			return epVerdict{Status: report.Warn, Summary: fmt.Sprintf("%d CBC-mode suites accepted, e.g. %s", len(cbcS), cbcS[0]),
				Evidence: []probes.Evidence{cipherEvidence(e, func(s wire.Suite) bool { return hasWeak(s, "cbc") })}}
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
		ev := []probes.Evidence{cipherEvidence(e, func(s wire.Suite) bool { return !s.FS })}
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

func strong(s wire.Suite) bool { return s.AEAD && s.FS }

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

func groupEval(in Input, what string, fn func(e tls.EndpointGroups) epVerdict) Verdict {
	return perEndpoint(in, what, "not measured: ",
		func(k tls.Keys) probes.Key[*tls.GroupsData] { return k.Groups },
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
			return epVerdict{Status: report.Pass, Summary: "post-quantum key exchange accepted: " + strings.Join(pq, ", "), Seen: true}
		case e.Version != wire.VersionTLS13:
			return epVerdict{Status: report.Warn, Summary: "no TLS 1.3, so no post-quantum key exchange"}
		}
		return epVerdict{Status: report.Warn, Summary: "no post-quantum hybrid group (e.g. X25519MLKEM768) accepted"}
	})
}
