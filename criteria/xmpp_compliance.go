package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// XEP-0479 (XMPP Compliance Suites 2023), server columns. Each suite
// other than Core also requires every Core feature of the same level
// ("To be considered XMPP … compliant, all features from the core
// compliance category must be met").

// requirement is one row of a suite table: required for Server and/or
// Advanced Server, and how we see it.
type requirement struct {
	name     string
	server   bool // required for "Server" (and so for "Advanced Server")
	advanced bool // required for "Advanced Server" only
	// check returns whether the server has it; unmeasured when it could
	// not be seen (then the level cannot be claimed as measured).
	check func(in Input, d *xmpp.AccountData) (ok bool, how string)
}

func disco(vars ...string) func(Input, *xmpp.AccountData) (bool, string) {
	return func(_ Input, d *xmpp.AccountData) (bool, string) {
		for _, v := range vars {
			if by := who(d, v); by != "" {
				return true, v + " on " + by
			}
		}
		return false, strings.Join(vars, " / ") + " not advertised"
	}
}

func postAuth(what string, has func(*xmpp.Features) bool) func(Input, *xmpp.AccountData) (bool, string) {
	return func(_ Input, d *xmpp.AccountData) (bool, string) {
		if d.Login.PostAuth != nil && has(d.Login.PostAuth) {
			return true, what + " stream feature after login"
		}
		return false, what + " not offered after login"
	}
}

var suites = map[string][]requirement{
	"core": {
		{"Core features (RFC 6120)", true, false, func(_ Input, d *xmpp.AccountData) (bool, string) {
			return d.Login.JID != "", "logged in and bound " + d.Login.JID
		}},
		{"TLS (RFC 7590)", true, false, func(_ Input, d *xmpp.AccountData) (bool, string) {
			return d.Login.TLSVersion != "", "logged in over " + d.Login.TLSVersion
		}},
		{"Direct TLS (XEP-0368)", false, true, func(in Input, _ *xmpp.AccountData) (bool, string) {
			dt, ok := probes.Data[*xmpp.DirectTLSData](in.Results, xmpp.IDDirectTLS)
			if ok {
				for _, e := range dt.Endpoints {
					if e.Features != nil {
						return true, "stream over direct TLS on " + e.Endpoint.Addr
					}
				}
			}
			return false, "no _xmpps-client endpoint answered with an XMPP stream"
		}},
		{"Feature discovery (XEP-0030)", true, false, func(_ Input, d *xmpp.AccountData) (bool, string) {
			return d.Server.Status == "result", "disco#info of " + d.Server.JID + ": " + d.Server.Status
		}},
		{"Feature broadcasts (XEP-0115)", false, true, postAuth("XEP-0115 <c/>", func(f *xmpp.Features) bool { return f.Caps != nil })},
		{"Event publishing (XEP-0163 PEP)", false, true, func(_ Input, d *xmpp.AccountData) (bool, string) {
			if d.Account.HasIdentity("pubsub", "pep") {
				return true, "identity pubsub/pep on " + d.Account.JID
			}
			return false, "no identity pubsub/pep on " + d.Account.JID
		}},
	},
	"web": {
		{"Web connection mechanisms (RFC 7395 WebSocket or XEP-0206 BOSH)", true, false, func(in Input, _ *xmpp.AccountData) (bool, string) {
			hm, ok := probes.Data[*xmpp.HostMetaData](in.Results, xmpp.IDHostMeta)
			if !ok {
				return false, "XEP-0156 host-meta not measured"
			}
			for _, l := range hm.Links {
				if l.Answered {
					return true, l.Href + " answered (" + l.Status + ")"
				}
			}
			if !hm.Served() {
				return false, "no XEP-0156 host-meta: no WebSocket or BOSH endpoint can be discovered"
			}
			return false, "host-meta lists no WebSocket or BOSH endpoint that answers"
		}},
	},
	"im": {
		{"Core features (RFC 6121)", true, false, func(_ Input, d *xmpp.AccountData) (bool, string) {
			return d.Roster.OK, "roster get: " + okOr(d.Roster)
		}},
		{"User avatar compatibility (XEP-0398, XEP-0153)", false, true, disco("urn:xmpp:pep-vcard-conversion:0")},
		{"vcard-temp (XEP-0054)", true, false, disco("vcard-temp")},
		{"Outbound message synchronization (XEP-0280)", true, false, disco("urn:xmpp:carbons:2")},
		{"User blocking (XEP-0191)", false, true, disco("urn:xmpp:blocking")},
		{"Group chat (XEP-0045)", true, false, func(_ Input, d *xmpp.AccountData) (bool, string) {
			if len(d.MUC) == 0 {
				return false, "no MUC component"
			}
			return true, "MUC service " + d.MUC[0].Info.JID
		}},
		{"Advanced group chat (XEP-0313 MUC archives, XEP-0402 compat, XEP-0410)", false, true, func(_ Input, d *xmpp.AccountData) (bool, string) {
			var miss []string
			if who(d, "urn:xmpp:bookmarks:1#compat") == "" {
				miss = append(miss, "urn:xmpp:bookmarks:1#compat")
			}
			mam, selfPing, tested := false, false, false
			for _, m := range d.MUC {
				mam = mam || m.Info.Has("urn:xmpp:mam:2")
				if m.Room != nil && m.Room.Info != nil && m.Room.Info.Status == "result" {
					tested = true
					mam = mam || m.Room.Info.Has("urn:xmpp:mam:2")
					selfPing = selfPing || m.Room.Info.Has("http://jabber.org/protocol/muc#self-ping-optimization")
				}
			}
			if !mam {
				miss = append(miss, "MUC MAM")
			}
			if !selfPing {
				if tested {
					miss = append(miss, "muc#self-ping-optimization")
				} else {
					miss = append(miss, "XEP-0410 (no test room could be inspected)")
				}
			}
			if len(miss) > 0 {
				return false, "missing " + strings.Join(miss, ", ")
			}
			return true, "bookmarks compat, MUC MAM and self-ping optimisation"
		}},
		{"Persistent storage of private data via PubSub (XEP-0223)", false, true, disco("http://jabber.org/protocol/pubsub#publish-options")},
		{"Private XML storage (XEP-0049)", false, true, func(_ Input, d *xmpp.AccountData) (bool, string) {
			return d.Private.OK, "private storage get: " + okOr(d.Private)
		}},
		{"Stream management (XEP-0198)", false, true, postAuth("urn:xmpp:sm:3", func(f *xmpp.Features) bool { return contains(f.SM, "3") })},
		{"History storage / retrieval (XEP-0313)", false, true, disco("urn:xmpp:mam:2")},
		{"File upload (XEP-0363)", true, false, disco(xmpp.NSUpload)},
	},
	"mobile": {
		{"Stream management (XEP-0198)", true, false, postAuth("urn:xmpp:sm:3", func(f *xmpp.Features) bool { return contains(f.SM, "3") })},
		{"Client state indication (XEP-0352)", true, false, postAuth("urn:xmpp:csi:0", func(f *xmpp.Features) bool { return f.CSI })},
		{"Third-party push notifications (XEP-0357)", false, true, disco("urn:xmpp:push:0")},
	},
	"av": {
		{"STUN/TURN server discovery (XEP-0215)", true, false, func(_ Input, d *xmpp.AccountData) (bool, string) {
			if d.ExtDisco == nil {
				return false, "urn:xmpp:extdisco:2 not advertised"
			}
			if d.ExtDisco.Status != "result" || len(d.ExtDisco.Services) == 0 {
				return false, "extdisco answered " + d.ExtDisco.Status + " with no service"
			}
			return true, fmt.Sprintf("%d service(s)", len(d.ExtDisco.Services))
		}},
	},
}

var suiteNames = map[string]string{"core": "Core", "web": "Web", "im": "IM", "mobile": "Mobile", "av": "A/V Calling"}

func okOr(s xmpp.Step) string {
	if s.OK {
		return "ok"
	}
	if s.Detail != "" {
		return s.Detail
	}
	return "failed"
}

// SuiteResult is the level reached in one suite and what is missing.
type SuiteResult struct {
	Level           string // "Advanced Server", "Server" or ""
	Have            []string
	MissingServer   []string
	MissingAdvanced []string
}

func computeSuite(in Input, d *xmpp.AccountData, suite string) SuiteResult {
	var r SuiteResult
	rows := suites[suite]
	if suite != "core" {
		rows = append(append([]requirement{}, suites["core"]...), rows...)
	}
	for _, q := range rows {
		ok, how := q.check(in, d)
		line := q.name + ": " + how
		switch {
		case ok:
			r.Have = append(r.Have, line)
		case q.server:
			r.MissingServer = append(r.MissingServer, line)
		default:
			r.MissingAdvanced = append(r.MissingAdvanced, line)
		}
	}
	switch {
	case len(r.MissingServer) > 0:
	case len(r.MissingAdvanced) > 0:
		r.Level = "Server"
	default:
		r.Level = "Advanced Server"
	}
	return r
}

func complianceEval(suite string) Evaluator {
	return func(in Input) Verdict {
		name := "XEP-0479 " + suiteNames[suite] + " suite"
		d, v := account(in, name)
		if v != nil {
			return *v
		}
		r := computeSuite(in, d, suite)
		ev := []probes.Evidence{discoEvidence(d, d.Server), discoEvidence(d, d.Account),
			{Endpoint: d.Login.Endpoint.Addr, Kind: "note", Detail: "requirements met:\n  " + strings.Join(r.Have, "\n  ")}}
		note := ""
		if suite == "core" {
			note = " (XEP-0114 component protocol is required too but cannot be seen from outside, so it is not counted)"
		}
		switch r.Level {
		case "Advanced Server":
			return Verdict{Status: report.Pass, Summary: name + ": Advanced Server" + note, Evidence: ev}
		case "Server":
			return Verdict{Status: report.Warn, Summary: name + ": Server; missing for Advanced Server: " + strings.Join(r.MissingAdvanced, "; ") + note, Evidence: ev}
		}
		return Verdict{Status: report.Fail, Summary: name + ": not even Server; missing: " + strings.Join(r.MissingServer, "; ") + note, Evidence: ev}
	}
}

func init() { register("xmpp.web.host-meta", evalHostMeta) }

// evalHostMeta judges XEP-0156 discovery of the web connection methods.
func evalHostMeta(in Input) Verdict {
	what := "XEP-0156 host-meta"
	d, ok := probes.Data[*xmpp.HostMetaData](in.Results, xmpp.IDHostMeta)
	if !ok {
		return notMeasured(in, xmpp.IDHostMeta, what)
	}
	ev := in.Results.Get(xmpp.IDHostMeta).Evidence
	if !d.Served() {
		return Verdict{Status: report.Info, Summary: fmt.Sprintf("no host-meta served (host-meta: %s; host-meta.json: %s): web clients cannot discover a WebSocket or BOSH endpoint", d.XRD.Status, d.JSON.Status), Evidence: ev}
	}
	var problems, good []string
	for _, doc := range []xmpp.HostMetaDoc{d.XRD, d.JSON} {
		switch {
		case !doc.OK:
			problems = append(problems, doc.URL+" not served ("+strings.TrimSpace(doc.Status+" "+doc.Error)+")")
		case doc.CORS == "":
			problems = append(problems, doc.URL+" without Access-Control-Allow-Origin: web clients on other origins cannot read it")
		}
	}
	if len(d.Links) == 0 {
		return Verdict{Status: report.Fail, Summary: "host-meta served but it lists no WebSocket (" + xmpp.RelWebSocket + ") or BOSH (" + xmpp.RelBOSH + ") link", Evidence: ev}
	}
	for _, l := range d.Links {
		if l.Answered {
			good = append(good, l.Href)
		} else {
			problems = append(problems, l.Href+" does not answer as it should ("+l.Status+")")
		}
	}
	if len(good) == 0 {
		return Verdict{Status: report.Fail, Summary: "no endpoint listed in host-meta works: " + strings.Join(problems, "; "), Evidence: ev}
	}
	if len(problems) > 0 {
		return Verdict{Status: report.Warn, Summary: "working: " + strings.Join(good, ", ") + "; but " + strings.Join(problems, "; "), Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: "host-meta (XML and JSON, CORS open) lists working endpoints: " + strings.Join(good, ", "), Evidence: ev}
}
