package criteria

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// xmppAccountCriteria binds the criteria of xmpp_account.yaml.
var xmppAccountCriteria = []binding{
	{"xmpp.contact-addresses", evalContactAddresses},
	{"xmpp.metadata.version-disclosed", evalVersionDisclosed},
}

// account returns the logged-in data, or the verdict when there is none.
func account(in Input, what string) (*xmpp.AccountData, *Verdict) {
	o := in.Results.Get(xmpp.Account.ID)
	if o == nil {
		return nil, &Verdict{Status: report.Skip, Summary: what + ": needs --account (a logged-in scan)"}
	}
	if d, ok := xmpp.Account.OK(in.Results); ok {
		return d, nil
	}
	v := notMeasured(in, xmpp.Account.ID, what)
	return nil, &v
}

func exEvidence(d *xmpp.AccountData, ex xmpp.Exchange, detail string) probes.Evidence {
	if ex.Error != "" {
		detail = strings.TrimSpace(detail + " " + ex.Error)
	}
	return probes.Evidence{Endpoint: d.Login.Endpoint.Addr, Kind: "stream", Sent: ex.Sent, Received: ex.Received, Detail: detail}
}

func discoEvidence(d *xmpp.AccountData, di *xmpp.DiscoInfo) probes.Evidence {
	return exEvidence(d, di.Exchange, "disco#info of "+di.JID+" ("+string(di.Status)+")")
}

func stepEvidence(d *xmpp.AccountData, s xmpp.Step) probes.Evidence {
	ok := "failed"
	if s.OK {
		ok = "ok"
	}
	detail := s.What + ": " + ok
	if s.Detail != "" {
		detail += " (" + s.Detail + ")"
	}
	return exEvidence(d, s.Exchange, detail)
}

// who says which JID advertised a feature: the domain, the account, or a
// component.
func who(d *xmpp.AccountData, feature string) string {
	var by []string
	if d.Server.Has(feature) {
		by = append(by, d.Server.JID)
	}
	if d.Account.Has(feature) {
		by = append(by, d.Account.JID+" (the account)")
	}
	for _, it := range d.Items {
		if it.Has(feature) {
			by = append(by, it.JID)
		}
	}
	return strings.Join(by, ", ")
}

func evalContactAddresses(in Input) Verdict {
	what := "contact addresses (XEP-0157)"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ev := []probes.Evidence{discoEvidence(d, d.Server)}
	f := d.Server.Form(xmpp.NSServerInfo)
	if f == nil && !d.Server.Status.OK() {
		return Verdict{Status: report.Error, Summary: "the domain's disco#info could not be read (" + string(d.Server.Status) + ")", Evidence: ev}
	}
	if f == nil {
		return Verdict{Status: report.Warn, Summary: "no " + xmpp.NSServerInfo + " form in the domain's disco#info: other admins cannot reach this server's admins about abuse or security issues", Evidence: ev}
	}
	var have []string
	for k, vs := range f.Fields {
		n := 0
		for _, x := range vs {
			if x != "" {
				n++
			}
		}
		if n > 0 {
			have = append(have, fmt.Sprintf("%s (%d)", k, n))
		}
	}
	sort.Strings(have)
	abuse, security := len(nonEmpty(f.Fields["abuse-addresses"])) > 0, len(nonEmpty(f.Fields["security-addresses"])) > 0
	switch {
	case abuse && security:
		return Verdict{Status: report.Pass, Summary: "contact addresses published: " + strings.Join(have, ", "), Evidence: ev}
	case len(have) == 0:
		return Verdict{Status: report.Warn, Summary: "serverinfo form present but every address field is empty", Evidence: ev}
	}
	missing := "abuse-addresses"
	if abuse {
		missing = "security-addresses"
	} else if !security {
		missing = "abuse-addresses and security-addresses"
	}
	return Verdict{Status: report.Warn, Summary: "contact addresses published (" + strings.Join(have, ", ") + ") but no " + missing, Evidence: ev}
}

func evalVersionDisclosed(in Input) Verdict {
	what := "software version (XEP-0092)"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ver := d.Version
	if ver == nil {
		return Verdict{Status: report.Error, Summary: what + ": not asked (bug)"}
	}
	ev := []probes.Evidence{exEvidence(d, ver.Exchange, "jabber:iq:version of "+d.Server.JID)}
	switch {
	case ver.Status.Unanswered():
		return Verdict{Status: report.Error, Summary: what + ": " + string(ver.Status), Evidence: ev}
	case !ver.Status.OK():
		return Verdict{Status: report.Pass, Summary: "the server does not answer version requests (" + string(ver.Status) + ")", Evidence: ev}
	case ver.Version != "" || ver.OS != "":
		s := fmt.Sprintf("the server tells every user its software and version: %s %s", ver.Name, ver.Version)
		if ver.OS != "" {
			s += " on " + ver.OS
		}
		return Verdict{Status: report.Warn, Summary: strings.TrimSpace(s), Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: "the server answers version requests without a version (name: " + ver.Name + ")", Evidence: ev}
}
