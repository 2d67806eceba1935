package criteria

import (
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/tls/wire"
)

// handshakes builds the tls.handshake observation of a scan tls with one
// endpoint per address, each with the given status.
func handshakes(eps map[string]probes.Status) *probes.Observation {
	d := &tls.HandshakeData{}
	for addr, st := range eps {
		h := tls.EndpointHandshake{EndpointResult: tls.EndpointResult{Endpoint: ep(addr), Status: st}}
		if st != probes.StatusOK {
			h.Reason = string(st)
		}
		d.Endpoints = append(d.Endpoints, h)
	}
	return okObs(tls.DefaultKeys.Handshake.ID, d)
}

func vantage(family string, us ...probes.Unreached) *probes.Observation {
	return okObs(probes.Vantage.ID, &probes.VantageData{Family: family, Unreached: us})
}

func unreached(addr, family, cause string) probes.Unreached {
	return probes.Unreached{Endpoint: ep(addr), Family: family, Cause: cause, Reason: "not reachable from this vantage point (network is unreachable)"}
}

func netCases(t *testing.T) []evalCase {
	ok, refused, timeout := probes.StatusOK, probes.StatusRefused, probes.StatusTimeout
	v4, v6 := "127.0.0.1:443", "[::1]:443"
	return []evalCase{
		{ID: "net.dual-stack", Name: "both answer", Kind: "tls",
			Res: results(handshakes(map[string]probes.Status{v4: ok, v6: ok}), vantage("any")), Want: report.Pass},
		{ID: "net.dual-stack", Name: "TLS failure still answered", Kind: "tls",
			Res: results(handshakes(map[string]probes.Status{v4: ok, v6: probes.StatusTLSError}), vantage("any")), Want: report.Pass},
		{ID: "net.dual-stack", Name: "AAAA refuses", Kind: "tls",
			Res: results(handshakes(map[string]probes.Status{v4: ok, v6: refused}), vantage("any")), Want: report.Fail, Has: "[::1]:443"},
		{ID: "net.dual-stack", Name: "A times out while IPv6 answers", Kind: "tls",
			Res: results(handshakes(map[string]probes.Status{v4: timeout, v6: ok}), vantage("any")), Want: report.Fail, Has: "127.0.0.1:443 (IPv4"},
		{ID: "net.dual-stack", Name: "no route to IPv6 here", Kind: "tls",
			Res:  results(handshakes(map[string]probes.Status{v4: ok}), vantage("any", unreached("[2001:db8::1]:443", "IPv6", probes.CauseNoRoute))),
			Want: report.Skip, Has: "not reachable from this vantage point"},
		{ID: "net.dual-stack", Name: "dead AAAA beats no route", Kind: "tls",
			Res:  results(handshakes(map[string]probes.Status{v4: ok, v6: refused}), vantage("any", unreached("[2001:db8::1]:443", "IPv6", probes.CauseNoRoute))),
			Want: report.Fail},
		{ID: "net.dual-stack", Name: "-4", Kind: "tls",
			Res:  results(handshakes(map[string]probes.Status{v4: ok}), vantage("ipv4", unreached(v6, "IPv6", probes.CauseFamilyExcluded))),
			Want: report.Skip, Has: "restricted to ipv4"},
		{ID: "net.dual-stack", Name: "IPv4 only", Kind: "tls",
			Res: results(handshakes(map[string]probes.Status{v4: ok}), vantage("any")), Want: report.Info, Has: "only IPv4"},
		{ID: "net.dual-stack", Name: "everything refused", Kind: "tls",
			Res: results(handshakes(map[string]probes.Status{v4: refused, v6: refused}), vantage("any")), Want: report.Error},
		{ID: "net.dual-stack", Name: "no handshake data", Kind: "tls", Res: results(vantage("any")), Want: report.Error},
	}
}

// TestDeadAddressLeavesTLSCriteria: an AAAA address that refuses while IPv4
// answers is judged by net.dual-stack; the TLS criteria grade the rest
// instead of calling the whole service unmeasured.
func TestDeadAddressLeavesTLSCriteria(t *testing.T) {
	hs := handshakes(map[string]probes.Status{"127.0.0.1:443": probes.StatusOK, "[::1]:443": probes.StatusRefused})
	vs := okObs(tls.DefaultKeys.Versions.ID, &tls.VersionsData{Endpoints: []tls.EndpointVersions{
		versions("127.0.0.1:443", wire.VersionTLS12, wire.VersionTLS13),
		{EndpointResult: tls.EndpointResult{Endpoint: ep("[::1]:443"), Status: probes.StatusRefused, Reason: "connection refused"}},
	}})
	if v := eval(t, "tls.protocol.tls13", results(hs, vs)); v.Status != report.Pass {
		t.Fatalf("tls.protocol.tls13 %s (%s), want pass", v.Status, v.Summary)
	}
	// Without an answering IPv4 address the refusal is not a dual-stack
	// matter: the endpoint stays unmeasured.
	hs2 := handshakes(map[string]probes.Status{"127.0.0.2:443": probes.StatusOK, "127.0.0.1:443": probes.StatusRefused})
	vs2 := okObs(tls.DefaultKeys.Versions.ID, &tls.VersionsData{Endpoints: []tls.EndpointVersions{
		versions("127.0.0.2:443", wire.VersionTLS12, wire.VersionTLS13),
		{EndpointResult: tls.EndpointResult{Endpoint: ep("127.0.0.1:443"), Status: probes.StatusRefused, Reason: "connection refused"}},
	}})
	if v := eval(t, "tls.protocol.tls13", results(hs2, vs2)); v.Status != report.Error {
		t.Fatalf("tls.protocol.tls13 %s (%s), want error", v.Status, v.Summary)
	}
}
