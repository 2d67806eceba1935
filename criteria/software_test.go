package criteria

import (
	"testing"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

func softwareCases(t *testing.T) []evalCase {
	xmppVersion := func(name, version string) probes.Results {
		d := &xmpp.AccountData{Login: xmpp.LoginInfo{Endpoint: probes.Endpoint{Addr: "192.0.2.1:5222"}},
			Server:  &xmpp.DiscoInfo{JID: "example.test", Status: xmpp.ReplyResult},
			Version: &xmpp.VersionInfo{Status: xmpp.ReplyResult, Name: name, Version: version, Exchange: xmpp.Exchange{Sent: "<iq type='get'><query xmlns='jabber:iq:version'/></iq>"}}}
		return probes.Results{xmpp.Account.ID: {Probe: xmpp.Account.ID, Status: probes.StatusOK, Data: d}}
	}
	matrixVersion := func(name, version, header string) probes.Results {
		vd := &matrix.VersionData{Endpoints: []matrix.EndpointVersion{{Endpoint: probes.Endpoint{Addr: "192.0.2.1:8448"}, Status: probes.StatusOK,
			Name: name, Version: version, ServerHeader: header, Exchange: matrix.Exchange{Method: "GET", URL: "https://example.test/_matrix/federation/v1/version", Status: 200}}}}
		return probes.Results{matrix.Version.ID: {Probe: matrix.Version.ID, Status: probes.StatusOK, Data: vd}}
	}
	return []evalCase{
		{ID: "software.advisories", Name: "Debian's Prosody 0.12.3", Kind: "xmpp", Res: xmppVersion("Prosody", "0.12.3"), Want: report.Warn, Has: "CVE-2026-43506 (medium, fixed in 0.12.6)"},
		{ID: "software.advisories", Name: "distribution caveat", Kind: "xmpp", Res: xmppVersion("Prosody", "0.12.3"), Want: report.Warn, Has: "distribution builds may carry the fix"},
		{ID: "software.advisories", Name: "staleness date shown", Kind: "xmpp", Res: xmppVersion("Prosody", "0.12.3"), Want: report.Warn, Has: "advisory table reviewed 2026-12-02"},
		{ID: "software.advisories", Name: "Debian's ejabberd 23.01-1", Kind: "xmpp", Res: xmppVersion("ejabberd", "23.01-1"), Want: report.Warn, Has: "names a distribution build"},
		{ID: "software.advisories", Name: "Prosody 13.0.5", Kind: "xmpp", Res: xmppVersion("Prosody", "13.0.5"), Want: report.Pass, Has: "none of the"},
		{ID: "software.advisories", Name: "Prosody nightly", Kind: "xmpp", Res: xmppVersion("Prosody", "trunk nightly build 1500"), Want: report.Info, Has: "not a release number"},
		{ID: "software.advisories", Name: "Openfire", Kind: "xmpp", Res: xmppVersion("Openfire", "4.8.0"), Want: report.Info, Has: "not software the table covers"},
		{ID: "software.advisories", Name: "no account", Kind: "xmpp", Res: probes.Results{}, Want: report.Skip, Has: "--account"},
		{ID: "software.advisories", Name: "Synapse 1.127.0", Kind: "matrix", Res: matrixVersion("Synapse", "1.127.0", ""), Want: report.Warn, Has: "CVE-2025-30355 (high, fixed in 1.127.1)"},
		{ID: "software.advisories", Name: "Synapse header", Kind: "matrix", Res: matrixVersion("", "", "Synapse/1.152.1"), Want: report.Pass, Has: "Server header"},
		{ID: "software.advisories", Name: "nginx header only", Kind: "matrix", Res: matrixVersion("", "", "nginx/1.22.1"), Want: report.Info, Has: "nginx"},
		{ID: "software.advisories", Name: "Dendrite 0.13.8", Kind: "matrix", Res: matrixVersion("Dendrite", "0.13.8", ""), Want: report.Warn, Has: "CVE-2024-52594"},
		{ID: "software.advisories", Name: "tls scan", Kind: "tls", Res: probes.Results{}, Want: report.Skip, Has: "TLS scan"},
	}
}
