package criteria

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/tls/wire"
)

func TestVersionCriteriaWorstEndpoint(t *testing.T) {
	ids := tls.DefaultKeys
	res := results(okObs(ids.Versions.ID, &tls.VersionsData{Endpoints: []tls.EndpointVersions{
		versions("127.0.0.1:443", wire.VersionTLS12, wire.VersionTLS13),
		versions("[::1]:443", wire.VersionTLS10, wire.VersionTLS12),
	}}))
	if v := eval(t, "tls.protocol.no-tls10-11", res); v.Status != report.Fail || !strings.Contains(v.Summary, "[::1]:443") || !strings.Contains(v.Summary, "TLSv1.0") {
		t.Errorf("no-tls10-11: %+v", v)
	}
	if v := eval(t, "tls.protocol.tls13", res); v.Status != report.Warn {
		t.Errorf("tls13: %+v", v)
	}
	if v := eval(t, "tls.protocol.no-ssl", res); v.Status != report.Pass {
		t.Errorf("no-ssl: %+v", v)
	}
	// An unjudged SSLv3 attempt never becomes a pass.
	e := versions("127.0.0.1:443", wire.VersionTLS12)
	e.Versions[1].Error = "timeout"
	res = results(okObs(ids.Versions.ID, &tls.VersionsData{Endpoints: []tls.EndpointVersions{e}}))
	if v := eval(t, "tls.protocol.no-ssl", res); v.Status != report.Error {
		t.Errorf("unjudged SSLv3: %+v", v)
	}
	// A failed probe is an error verdict with the reason.
	res = results(&probes.Observation{Probe: ids.Versions.ID, Status: probes.StatusRefused, Reason: "connection refused"})
	if v := eval(t, "tls.protocol.no-ssl", res); v.Status != report.Error || !strings.Contains(v.Summary, "refused") {
		t.Errorf("refused: %+v", v)
	}
}

func TestCipherCriteria(t *testing.T) {
	ids := tls.DefaultKeys
	modern := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []wire.CipherScan{
		{Version: wire.VersionTLS13, ServerOrder: "client", Suites: []wire.Suite{suite(t, 0x1301), suite(t, 0x1302), suite(t, 0x1303)}},
		{Version: wire.VersionTLS12, ServerOrder: "server", Suites: []wire.Suite{suite(t, 0xc02f), suite(t, 0xc030)}},
	}}
	legacy := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []wire.CipherScan{
		{Version: wire.VersionTLS10, ServerOrder: "server", Suites: []wire.Suite{suite(t, 0x002f), suite(t, 0x000a)}},
	}}
	cbcFS := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []wire.CipherScan{
		{Version: wire.VersionTLS12, ServerOrder: "client", Suites: []wire.Suite{suite(t, 0xc02f), suite(t, 0xc013), suite(t, 0x009c)}},
	}}
	anon := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []wire.CipherScan{
		{Version: wire.VersionTLS12, ServerOrder: "unknown", Suites: []wire.Suite{suite(t, 0x0034)}},
	}}
	cases := []struct {
		name string
		e    tls.EndpointCiphers
		want map[string]report.Status
		cap  string
	}{
		{"modern", modern, map[string]report.Status{"tls.cipher.no-weak": report.Pass, "tls.cipher.forward-secrecy": report.Pass, "tls.cipher.server-order": report.Pass}, ""},
		{"legacy", legacy, map[string]report.Status{"tls.cipher.no-weak": report.Fail, "tls.cipher.forward-secrecy": report.Fail, "tls.cipher.server-order": report.Pass}, ""},
		{"cbc+static rsa, client order", cbcFS, map[string]report.Status{"tls.cipher.no-weak": report.Warn, "tls.cipher.forward-secrecy": report.Warn, "tls.cipher.server-order": report.Warn}, ""},
		{"anon", anon, map[string]report.Status{"tls.cipher.no-weak": report.Fail, "tls.cipher.server-order": report.Skip}, "F"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := results(okObs(ids.Ciphers.ID, &tls.CiphersData{Endpoints: []tls.EndpointCiphers{c.e}}))
			for id, want := range c.want {
				v := eval(t, id, res)
				if v.Status != want {
					t.Errorf("%s: %s (%s), want %s", id, v.Status, v.Summary, want)
				}
				if id == "tls.cipher.no-weak" && v.Cap != c.cap {
					t.Errorf("%s cap %q, want %q", id, v.Cap, c.cap)
				}
				if (v.Status == report.Fail || v.Status == report.Warn) && len(v.Evidence) == 0 {
					t.Errorf("%s: %s without evidence", id, v.Status)
				}
			}
		})
	}
}

func TestGroupCriteria(t *testing.T) {
	ids := tls.DefaultKeys
	g := func(name, kind string, bits int) wire.Group { return wire.Group{Name: name, Kind: kind, Bits: bits} }
	mk := func(v wire.Version, dh []int, gs ...wire.Group) probes.Results {
		return results(okObs(ids.Groups.ID, &tls.GroupsData{Endpoints: []tls.EndpointGroups{{EndpointResult: okHead("127.0.0.1:443"),
			GroupScan: wire.GroupScan{Version: v, Supported: gs, DHBits: dh}}}}))
	}
	pq := mk(wire.VersionTLS13, nil, g("X25519MLKEM768", "hybrid-pq", 256), g("x25519", "ecdhe", 256))
	if v := eval(t, "tls.kex.post-quantum", pq); v.Status != report.Pass {
		t.Errorf("pq: %+v", v)
	}
	classic := mk(wire.VersionTLS13, nil, g("x25519", "ecdhe", 256))
	if v := eval(t, "tls.kex.post-quantum", classic); v.Status != report.Warn {
		t.Errorf("no pq: %+v", v)
	}
	if v := eval(t, "tls.kex.strength", classic); v.Status != report.Pass {
		t.Errorf("strength: %+v", v)
	}
	if v := eval(t, "tls.kex.strength", mk(wire.VersionTLS12, []int{1024}, g("secp256r1", "ecdhe", 256))); v.Status != report.Warn {
		t.Errorf("dh1024: %+v", v)
	}
	if v := eval(t, "tls.kex.strength", mk(wire.VersionTLS12, []int{512})); v.Status != report.Fail || v.Cap != "F" {
		t.Errorf("dh512: %+v", v)
	}
}

// An incomplete enumeration never yields a verdict that rests on absence.
func TestIncompleteEnumeration(t *testing.T) {
	ids := tls.DefaultKeys
	nothing := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []wire.CipherScan{
		{Version: wire.VersionTLS12, ServerOrder: "unknown", Error: "timeout"},
	}}
	res := results(okObs(ids.Ciphers.ID, &tls.CiphersData{Endpoints: []tls.EndpointCiphers{nothing}}))
	for _, id := range []string{"tls.cipher.no-weak", "tls.cipher.forward-secrecy", "tls.cipher.server-order"} {
		if v := eval(t, id, res); v.Status != report.Error {
			t.Errorf("%s on a failed enumeration: %s (%s)", id, v.Status, v.Summary)
		}
	}
	rc4 := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []wire.CipherScan{
		{Version: wire.VersionTLS12, ServerOrder: "unknown", Suites: []wire.Suite{suite(t, 0x0005)}, Error: "timeout"},
	}}
	res = results(okObs(ids.Ciphers.ID, &tls.CiphersData{Endpoints: []tls.EndpointCiphers{rc4}}))
	if v := eval(t, "tls.cipher.no-weak", res); v.Status != report.Fail {
		t.Errorf("RC4 seen before the enumeration broke off: %s", v.Status)
	}
	g := tls.EndpointGroups{EndpointResult: okHead("127.0.0.1:443"), GroupScan: wire.GroupScan{Version: wire.VersionTLS13, Error: "timeout; timeout"}}
	res = results(okObs(ids.Groups.ID, &tls.GroupsData{Endpoints: []tls.EndpointGroups{g}}))
	for _, id := range []string{"tls.kex.strength", "tls.kex.post-quantum"} {
		if v := eval(t, id, res); v.Status != report.Error {
			t.Errorf("%s on a failed group scan: %s (%s)", id, v.Status, v.Summary)
		}
	}
	g.Supported = []wire.Group{{Name: "X25519MLKEM768", Kind: "hybrid-pq", Bits: 256}}
	res = results(okObs(ids.Groups.ID, &tls.GroupsData{Endpoints: []tls.EndpointGroups{g}}))
	if v := eval(t, "tls.kex.post-quantum", res); v.Status != report.Pass {
		t.Errorf("PQ group seen: %s", v.Status)
	}
}

func tlsCases(t *testing.T) []evalCase {
	ids := tls.DefaultKeys
	vers := func(eps ...tls.EndpointVersions) probes.Results {
		return results(okObs(ids.Versions.ID, &tls.VersionsData{Endpoints: eps}))
	}
	ciphers := func(scans ...wire.CipherScan) probes.Results {
		return results(okObs(ids.Ciphers.ID, &tls.CiphersData{Endpoints: []tls.EndpointCiphers{{EndpointResult: okHead("127.0.0.1:443"), Scans: scans}}}))
	}
	s := func(ids ...uint16) []wire.Suite {
		var out []wire.Suite
		for _, id := range ids {
			out = append(out, suite(t, id))
		}
		return out
	}
	groups := func(v wire.Version, dh []int, gs ...wire.Group) probes.Results {
		return results(okObs(ids.Groups.ID, &tls.GroupsData{Endpoints: []tls.EndpointGroups{{EndpointResult: okHead("127.0.0.1:443"),
			GroupScan: wire.GroupScan{Version: v, Supported: gs, DHBits: dh}}}}))
	}
	x25519 := wire.Group{Name: "x25519", Kind: "ecdhe", Bits: 256}
	refused := results(&probes.Observation{Probe: ids.Versions.ID, Status: probes.StatusRefused, Reason: "connection refused"})
	modern, legacy := vers(versions("127.0.0.1:443", wire.VersionTLS12, wire.VersionTLS13)), vers(versions("127.0.0.1:443", wire.VersionSSL3, wire.VersionTLS10, wire.VersionTLS12))
	return []evalCase{
		{ID: "tls.protocol.no-ssl", Name: "modern", Res: modern, Want: report.Pass, Has: "refused"},
		{ID: "tls.protocol.no-ssl", Name: "sslv3", Res: legacy, Want: report.Fail, Has: "SSLv3 accepted"},
		{ID: "tls.protocol.no-ssl", Name: "not measured", Res: refused, Want: report.Error, Has: "connection refused"},
		{ID: "tls.protocol.no-tls10-11", Name: "modern", Res: modern, Want: report.Pass},
		{ID: "tls.protocol.no-tls10-11", Name: "tls1.0 on one endpoint", Res: vers(versions("127.0.0.1:443", wire.VersionTLS12), versions("[::1]:443", wire.VersionTLS10, wire.VersionTLS12)), Want: report.Fail, Has: "[::1]:443"},
		{ID: "tls.protocol.tls13", Name: "offered", Res: modern, Want: report.Pass},
		{ID: "tls.protocol.tls13", Name: "missing", Res: legacy, Want: report.Warn, Has: "highest: TLSv1.2"},
		{ID: "tls.cipher.no-weak", Name: "aead only", Res: ciphers(wire.CipherScan{Version: wire.VersionTLS12, ServerOrder: "server", Suites: s(0xc02f, 0xc030)}), Want: report.Pass},
		{ID: "tls.cipher.no-weak", Name: "3des", Res: ciphers(wire.CipherScan{Version: wire.VersionTLS12, ServerOrder: "server", Suites: s(0xc02f, 0x000a)}), Want: report.Fail, Has: "3DES"},
		{ID: "tls.cipher.no-weak", Name: "anonymous", Res: ciphers(wire.CipherScan{Version: wire.VersionTLS12, ServerOrder: "unknown", Suites: s(0x0034)}), Want: report.Fail, Cap: "F"},
		{ID: "tls.cipher.forward-secrecy", Name: "all fs", Res: ciphers(wire.CipherScan{Version: wire.VersionTLS12, ServerOrder: "server", Suites: s(0xc02f)}), Want: report.Pass},
		{ID: "tls.cipher.forward-secrecy", Name: "static rsa preferred", Res: ciphers(wire.CipherScan{Version: wire.VersionTLS12, ServerOrder: "server", Suites: s(0x009c, 0xc02f)}), Want: report.Fail, Has: "prefers"},
		{ID: "tls.cipher.server-order", Name: "client decides", Res: ciphers(wire.CipherScan{Version: wire.VersionTLS12, ServerOrder: "client", Suites: s(0xc02f, 0xc013)}), Want: report.Warn},
		{ID: "tls.cipher.server-order", Name: "one suite", Res: ciphers(wire.CipherScan{Version: wire.VersionTLS12, ServerOrder: "unknown", Suites: s(0xc02f)}), Want: report.Skip},
		{ID: "tls.kex.strength", Name: "x25519", Res: groups(wire.VersionTLS13, nil, x25519), Want: report.Pass},
		{ID: "tls.kex.strength", Name: "dh512", Res: groups(wire.VersionTLS12, []int{512}, x25519), Want: report.Fail, Has: "512-bit", Cap: "F"},
		{ID: "tls.kex.strength", Name: "dh1024", Res: groups(wire.VersionTLS12, []int{1024}, x25519), Want: report.Warn, Cap: "B"},
		{ID: "tls.kex.post-quantum", Name: "hybrid", Res: groups(wire.VersionTLS13, nil, wire.Group{Name: "X25519MLKEM768", Kind: "hybrid-pq", Bits: 256}, x25519), Want: report.Pass, Has: "X25519MLKEM768"},
		{ID: "tls.kex.post-quantum", Name: "SecP hybrid only", Res: groups(wire.VersionTLS13, nil, wire.Group{Name: "SecP384r1MLKEM1024", Kind: "hybrid-pq", Bits: 384}), Want: report.Pass, Has: "SecP384r1MLKEM1024"},
		{ID: "tls.kex.post-quantum", Name: "pure ML-KEM", Res: groups(wire.VersionTLS13, nil, wire.Group{Name: "MLKEM1024", Kind: "pq"}, x25519), Want: report.Pass, Has: "MLKEM1024"},
		{ID: "tls.kex.post-quantum", Name: "classic only", Res: groups(wire.VersionTLS13, nil, x25519), Want: report.Warn},
	}
}
