package criteria

import (
	"fmt"
	"slices"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// xmppComplianceCriteria binds the XEP-0479 levels and web discovery of xmpp_compliance.yaml.
var xmppComplianceCriteria = []binding{
	{"xmpp.compliance.core", complianceEval("core")},
	{"xmpp.compliance.im", complianceEval("im")},
	{"xmpp.compliance.mobile", complianceEval("mobile")},
	{"xmpp.compliance.web", complianceEval("web")},
	{"xmpp.compliance.av", complianceEval("av")},
	{"xmpp.web.host-meta", evalHostMeta},
}

// XEP-0479 (XMPP Compliance Suites 2023), server columns. Each suite
// other than Core also requires every Core feature of the same level
// ("To be considered XMPP … compliant, all features from the core
// compliance category must be met").

// reqState is what imscore could see of one requirement.
type reqState int

const (
	reqMet            reqState = iota
	reqMissing                 // measured: the server lacks it
	reqUnknown                 // could not be measured (no answer)
	reqUndiscoverable          // cannot be seen from outside by design
)

// requirement is one row of a suite table: required for Server and/or
// Advanced Server, and how we see it.
type requirement struct {
	name     string
	server   bool // required for "Server" (and so for "Advanced Server")
	advanced bool // required for "Advanced Server" only
	check    func(in Input, d *xmpp.AccountData) (reqState, string)
}

func met(ok bool, yes, no string) (reqState, string) {
	if ok {
		return reqMet, yes
	}
	return reqMissing, no
}

// discoRead is the state when a feature was not found: unknown when a
// disco#info it could be in was not read.
func discoRead(d *xmpp.AccountData, missing string) (reqState, string) {
	if !d.Server.Status.OK() || !d.Account.Status.OK() {
		return reqUnknown, missing + ", but disco#info could not be read (domain: " + string(d.Server.Status) + "; account: " + string(d.Account.Status) + ")"
	}
	if items, listFailed := d.Unanswered(); listFailed || len(items) > 0 {
		return reqUnknown, missing + ", but some components could not be asked"
	}
	return reqMissing, missing
}

func disco(vars ...string) func(Input, *xmpp.AccountData) (reqState, string) {
	return func(_ Input, d *xmpp.AccountData) (reqState, string) {
		for _, v := range vars {
			if by := who(d, v); by != "" {
				return reqMet, v + " on " + by
			}
		}
		return discoRead(d, strings.Join(vars, " / ")+" not advertised")
	}
}

func postAuth(what string, has func(*xmpp.Features) bool) func(Input, *xmpp.AccountData) (reqState, string) {
	return func(_ Input, d *xmpp.AccountData) (reqState, string) {
		return met(d.Login.PostAuth != nil && has(d.Login.PostAuth), what+" stream feature after login", what+" not offered after login")
	}
}

func stepState(s xmpp.Step, what string) (reqState, string) {
	switch {
	case s.OK:
		return reqMet, what + ": ok"
	case s.NoAnswer:
		return reqUnknown, what + ": no answer (" + s.Detail + ")"
	}
	return reqMissing, what + ": " + okOr(s)
}

var suites = map[string][]requirement{
	"core": {
		{"Core features (RFC 6120)", true, false, func(_ Input, d *xmpp.AccountData) (reqState, string) {
			return met(d.Login.JID != "", "logged in and bound "+d.Login.JID, "no resource bound")
		}},
		{"TLS (RFC 7590)", true, false, func(_ Input, d *xmpp.AccountData) (reqState, string) {
			return met(d.Login.TLSVersion != "", "logged in over "+d.Login.TLSVersion, "no TLS")
		}},
		{"Direct TLS (XEP-0368)", false, true, func(in Input, _ *xmpp.AccountData) (reqState, string) {
			dt, o := xmpp.DirectTLS.Of(in.Results)
			switch {
			case o == nil:
				return reqUnknown, "direct TLS not probed"
			case o.Status == probes.StatusNotApplicable:
				return reqMissing, "no _xmpps-client SRV record (" + o.Reason + ")"
			case o.Status != probes.StatusOK:
				return reqUnknown, "direct TLS could not be probed: " + o.Reason
			}
			if dt != nil {
				for _, e := range dt.Endpoints {
					if e.Features != nil {
						return reqMet, "stream over direct TLS on " + e.Endpoint.Addr
					}
				}
			}
			return reqMissing, "no _xmpps-client endpoint answered with an XMPP stream"
		}},
		{"Feature discovery (XEP-0030)", true, false, func(_ Input, d *xmpp.AccountData) (reqState, string) {
			switch {
			case d.Server.Status.OK():
				return reqMet, "disco#info of " + d.Server.JID + " answered"
			case d.Server.Status.Unanswered():
				return reqUnknown, "disco#info of " + d.Server.JID + ": " + string(d.Server.Status)
			}
			return reqMissing, "disco#info of " + d.Server.JID + " refused: " + string(d.Server.Status)
		}},
		{"Feature broadcasts (XEP-0115)", false, true, postAuth("XEP-0115 <c/>", func(f *xmpp.Features) bool { return f.Caps != nil })},
		{"Event publishing (XEP-0163 PEP)", false, true, func(_ Input, d *xmpp.AccountData) (reqState, string) {
			if !d.Account.Status.OK() {
				return reqUnknown, "disco#info of " + d.Account.JID + ": " + string(d.Account.Status)
			}
			return met(d.Account.HasIdentity("pubsub", "pep"), "identity pubsub/pep on "+d.Account.JID, "no identity pubsub/pep on "+d.Account.JID)
		}},
	},
	"web": {
		{"Web connection mechanisms (RFC 7395 WebSocket or XEP-0206 BOSH)", true, false, func(in Input, _ *xmpp.AccountData) (reqState, string) {
			hm, ok := xmpp.HostMeta.OK(in.Results)
			if !ok {
				return reqUnknown, "XEP-0156 host-meta not measured"
			}
			for _, l := range hm.Links {
				if l.Answered {
					return reqMet, l.Href + " answered (" + l.Status + ")"
				}
			}
			if !hm.Served() {
				// XEP-0479 does not require XEP-0156 of servers, and
				// imscore finds WebSocket/BOSH only through it.
				return reqUndiscoverable, "no XEP-0156 host-meta, and imscore finds WebSocket/BOSH endpoints only through it"
			}
			return reqMissing, "host-meta lists no WebSocket or BOSH endpoint that answers"
		}},
	},
	"im": {
		{"Core features (RFC 6121)", true, false, func(_ Input, d *xmpp.AccountData) (reqState, string) {
			return stepState(d.Roster, "roster get")
		}},
		{"User avatar compatibility (XEP-0398, XEP-0153)", false, true, disco("urn:xmpp:pep-vcard-conversion:0")},
		{"vcard-temp (XEP-0054)", true, false, disco("vcard-temp")},
		{"Outbound message synchronization (XEP-0280)", true, false, disco("urn:xmpp:carbons:2")},
		{"User blocking (XEP-0191)", false, true, disco("urn:xmpp:blocking")},
		{"Group chat (XEP-0045)", true, false, func(_ Input, d *xmpp.AccountData) (reqState, string) {
			if len(d.MUC) > 0 {
				return reqMet, "MUC service " + d.MUC[0].Info.JID
			}
			return discoRead(d, "no MUC component")
		}},
		{"Advanced group chat (XEP-0313 MUC archives, XEP-0402 compat, XEP-0410)", false, true, func(_ Input, d *xmpp.AccountData) (reqState, string) {
			if len(d.MUC) == 0 {
				return discoRead(d, "no MUC component")
			}
			var miss, unknown []string
			if who(d, "urn:xmpp:bookmarks:1#compat") == "" {
				if st, how := discoRead(d, "urn:xmpp:bookmarks:1#compat not advertised"); st == reqUnknown {
					unknown = append(unknown, how)
				} else {
					miss = append(miss, "urn:xmpp:bookmarks:1#compat")
				}
			}
			mam, selfPing, tested := false, false, false
			for _, m := range d.MUC {
				mam = mam || m.Info.Has("urn:xmpp:mam:2")
				if m.Room != nil && m.Room.Info != nil && m.Room.Info.Status.OK() {
					tested = true
					mam = mam || m.Room.Info.Has("urn:xmpp:mam:2")
					selfPing = selfPing || m.Room.Info.Has("http://jabber.org/protocol/muc#self-ping-optimization")
				}
			}
			switch {
			case mam:
			case tested:
				miss = append(miss, "MUC MAM")
			default:
				unknown = append(unknown, "MUC MAM (no test room could be inspected)")
			}
			switch {
			case selfPing:
			case tested:
				miss = append(miss, "muc#self-ping-optimization")
			default:
				unknown = append(unknown, "XEP-0410 (no test room could be inspected)")
			}
			switch {
			case len(miss) > 0:
				return reqMissing, "missing " + strings.Join(miss, ", ")
			case len(unknown) > 0:
				return reqUnknown, "not measured: " + strings.Join(unknown, "; ")
			}
			return reqMet, "bookmarks compat, MUC MAM and self-ping optimisation"
		}},
		{"Persistent storage of private data via PubSub (XEP-0223)", false, true, disco("http://jabber.org/protocol/pubsub#publish-options")},
		{"Private XML storage (XEP-0049)", false, true, func(_ Input, d *xmpp.AccountData) (reqState, string) {
			return stepState(d.Private, "private storage get")
		}},
		{"Stream management (XEP-0198)", false, true, postAuth("urn:xmpp:sm:3", func(f *xmpp.Features) bool { return slices.Contains(f.SM, "3") })},
		{"History storage / retrieval (XEP-0313)", false, true, disco("urn:xmpp:mam:2")},
		{"File upload (XEP-0363)", true, false, disco(xmpp.NSUpload)},
	},
	"mobile": {
		{"Stream management (XEP-0198)", true, false, postAuth("urn:xmpp:sm:3", func(f *xmpp.Features) bool { return slices.Contains(f.SM, "3") })},
		{"Client state indication (XEP-0352)", true, false, postAuth("urn:xmpp:csi:0", func(f *xmpp.Features) bool { return f.CSI })},
		{"Third-party push notifications (XEP-0357)", false, true, disco("urn:xmpp:push:0")},
	},
	"av": {
		{"STUN/TURN server discovery (XEP-0215)", true, false, func(_ Input, d *xmpp.AccountData) (reqState, string) {
			switch {
			case d.ExtDisco == nil:
				return discoRead(d, "urn:xmpp:extdisco:2 not advertised")
			case d.ExtDisco.Status.Unanswered():
				return reqUnknown, "extdisco services: " + string(d.ExtDisco.Status)
			case !d.ExtDisco.Status.OK() || len(d.ExtDisco.Services) == 0:
				return reqMissing, "extdisco answered " + string(d.ExtDisco.Status) + " with no service"
			}
			return reqMet, fmt.Sprintf("%d service(s)", len(d.ExtDisco.Services))
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

// SuiteResult is what was seen of one suite's requirements.
type SuiteResult struct {
	Have []string
	// Missing and Unknown rows, for the Server and the Advanced Server
	// level; Hidden rows cannot be seen from outside.
	MissingServer, MissingAdvanced []string
	UnknownServer, UnknownAdvanced []string
	Hidden                         []string
}

func computeSuite(in Input, d *xmpp.AccountData, suite string) SuiteResult {
	var r SuiteResult
	rows := suites[suite]
	if suite != "core" {
		rows = append(append([]requirement{}, suites["core"]...), rows...)
	}
	for _, q := range rows {
		st, how := q.check(in, d)
		line := q.name + ": " + how
		switch {
		case st == reqMet:
			r.Have = append(r.Have, line)
		case st == reqUndiscoverable:
			r.Hidden = append(r.Hidden, line)
		case st == reqMissing && q.server:
			r.MissingServer = append(r.MissingServer, line)
		case st == reqMissing:
			r.MissingAdvanced = append(r.MissingAdvanced, line)
		case q.server:
			r.UnknownServer = append(r.UnknownServer, line)
		default:
			r.UnknownAdvanced = append(r.UnknownAdvanced, line)
		}
	}
	return r
}

// complianceVerdict decides the level: a Server row measured missing is a
// fail whatever else is unknown; otherwise an unmeasured row keeps the
// level from being claimed (error), a row that cannot be seen from
// outside makes the suite not judged (skip); a measured missing Advanced
// row is a warn (Server level); all met is a pass.
func complianceVerdict(name string, r SuiteResult, note string, ev []probes.Evidence) Verdict {
	j := func(xs []string) string { return strings.Join(xs, "; ") }
	switch {
	case len(r.MissingServer) > 0:
		return Verdict{Status: report.Fail, Summary: name + ": not even Server; missing: " + j(r.MissingServer) + note, Evidence: ev}
	case len(r.UnknownServer) > 0:
		return Verdict{Status: report.Error, Summary: name + ": level not measured: " + j(r.UnknownServer) + note, Evidence: ev}
	case len(r.Hidden) > 0:
		return Verdict{Status: report.Skip, Summary: name + ": not judged: " + j(r.Hidden) + note, Evidence: ev}
	case len(r.MissingAdvanced) > 0:
		s := name + ": Server; missing for Advanced Server: " + j(r.MissingAdvanced)
		if len(r.UnknownAdvanced) > 0 {
			s += "; not measured: " + j(r.UnknownAdvanced)
		}
		return Verdict{Status: report.Warn, Summary: s + note, Evidence: ev}
	case len(r.UnknownAdvanced) > 0:
		return Verdict{Status: report.Error, Summary: name + ": Server level met; Advanced Server not measured: " + j(r.UnknownAdvanced) + note, Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: name + ": Advanced Server" + note, Evidence: ev}
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
		return complianceVerdict(name, r, note, ev)
	}
}

// evalHostMeta judges XEP-0156 discovery of the web connection methods.
func evalHostMeta(in Input) Verdict {
	what := "XEP-0156 host-meta"
	d, ok := xmpp.HostMeta.OK(in.Results)
	if !ok {
		return notMeasured(in, xmpp.HostMeta.ID, what)
	}
	ev := in.Results.Get(xmpp.HostMeta.ID).Evidence
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
	var refused []string
	for _, l := range d.Links {
		switch {
		case l.Answered:
			good = append(good, l.Href)
		case l.Refused:
			refused = append(refused, l.Href+" ("+l.Status+")")
		default:
			problems = append(problems, l.Href+" does not answer as it should ("+l.Status+")")
		}
	}
	if len(good) == 0 && len(problems) == 0 {
		return Verdict{Status: report.Error, Summary: "the endpoints host-meta lists were not tried: " + strings.Join(refused, "; "), Evidence: ev}
	}
	if len(good) == 0 {
		return Verdict{Status: report.Fail, Summary: "no endpoint listed in host-meta works: " + strings.Join(problems, "; "), Evidence: ev}
	}
	if len(problems) > 0 {
		return Verdict{Status: report.Warn, Summary: "working: " + strings.Join(good, ", ") + "; but " + strings.Join(problems, "; "), Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: "host-meta (XML and JSON, CORS open) lists working endpoints: " + strings.Join(good, ", "), Evidence: ev}
}
