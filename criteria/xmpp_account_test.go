package criteria

import (
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

func xmppAccountCases(t *testing.T) []evalCase {
	acc := func(change func(d *xmpp.AccountData)) probes.Results {
		d := fullAccount()
		change(d)
		return accountInput(d, nil).Results
	}
	info := func(fields map[string][]string) func(d *xmpp.AccountData) {
		return func(d *xmpp.AccountData) { d.Server.Forms = []xmpp.Form{{Type: xmpp.NSServerInfo, Fields: fields}} }
	}
	version := func(v *xmpp.VersionInfo) func(d *xmpp.AccountData) {
		return func(d *xmpp.AccountData) { d.Version = v }
	}
	return []evalCase{
		{ID: "xmpp.contact-addresses", Name: "abuse and security", Res: acc(info(map[string][]string{"abuse-addresses": {"mailto:abuse@x"}, "security-addresses": {"mailto:sec@x"}})), Want: report.Pass},
		{ID: "xmpp.contact-addresses", Name: "abuse only", Res: acc(info(map[string][]string{"abuse-addresses": {"mailto:abuse@x"}})), Want: report.Warn, Has: "no security-addresses"},
		{ID: "xmpp.contact-addresses", Name: "no form", Res: acc(func(*xmpp.AccountData) {}), Want: report.Warn},
		{ID: "xmpp.metadata.version-disclosed", Name: "disclosed", Res: acc(version(&xmpp.VersionInfo{Status: "result", Name: "Prosody", Version: "0.12.3", OS: "Linux"})), Want: report.Warn, Has: "Prosody 0.12.3 on Linux"},
		{ID: "xmpp.metadata.version-disclosed", Name: "refused", Res: acc(version(&xmpp.VersionInfo{Status: "service-unavailable"})), Want: report.Pass},
		{ID: "xmpp.metadata.version-disclosed", Name: "no answer", Res: acc(version(&xmpp.VersionInfo{Status: "no answer: timeout"})), Want: report.Error},
	}
}
