package criteria

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// Criteria measured with an account (--account): XEP-0479 compliance
// levels, server features, contact addresses, version disclosure. Without
// an account they are skipped (a few stream features can be seen before
// login and are judged from the anonymous streams).

func init() {
	register("xmpp.compliance.core", complianceEval("core"))
	register("xmpp.compliance.web", complianceEval("web"))
	register("xmpp.compliance.im", complianceEval("im"))
	register("xmpp.compliance.mobile", complianceEval("mobile"))
	register("xmpp.compliance.av", complianceEval("av"))
	register("xmpp.contact-addresses", evalContactAddresses)
	register("xmpp.metadata.version-disclosed", evalVersionDisclosed)
	register("xmpp.feature.omemo-ready", evalOMEMOReady)
	register("xmpp.feature.upload", evalUpload)
	register("xmpp.feature.muc", evalMUC)
	register("xmpp.feature.extdisco", evalExtDisco)
	register("xmpp.feature.pep", evalPEP)
	register("xmpp.feature.proxy65", evalProxy65)
	for _, f := range discoFeatures {
		register(f.id, discoFeatureEval(f))
	}
	for _, f := range streamFeatures {
		register(f.id, streamFeatureEval(f))
	}
}

// account returns the logged-in data, or the verdict when there is none.
func account(in Input, what string) (*xmpp.AccountData, *Verdict) {
	o := in.Results.Get(xmpp.IDAccount)
	if o == nil {
		return nil, &Verdict{Status: report.Skip, Summary: what + ": needs --account (a logged-in scan)"}
	}
	if d, ok := probes.Data[*xmpp.AccountData](in.Results, xmpp.IDAccount); ok {
		return d, nil
	}
	v := notMeasured(in, xmpp.IDAccount, what)
	return nil, &v
}

func exEvidence(d *xmpp.AccountData, ex xmpp.Exchange, detail string) probes.Evidence {
	if ex.Error != "" {
		detail = strings.TrimSpace(detail + " " + ex.Error)
	}
	return probes.Evidence{Endpoint: d.Login.Endpoint.Addr, Kind: "stream", Sent: ex.Sent, Received: ex.Received, Detail: detail}
}

func discoEvidence(d *xmpp.AccountData, di *xmpp.DiscoInfo) probes.Evidence {
	return exEvidence(d, di.Exchange, "disco#info of "+di.JID+" ("+di.Status+")")
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

// --- simple disco features ---

type discoFeature struct {
	id, what string
	// vars: any of them advertised by the domain, the account or (with
	// items) a component counts.
	vars  []string
	items bool
}

var discoFeatures = []discoFeature{
	{"xmpp.feature.mam", "message archive (XEP-0313 MAM) on the account", []string{"urn:xmpp:mam:2"}, false},
	{"xmpp.feature.carbons", "message carbons (XEP-0280)", []string{"urn:xmpp:carbons:2"}, false},
	{"xmpp.feature.push", "push notifications (XEP-0357)", []string{"urn:xmpp:push:0"}, false},
	{"xmpp.feature.blocking", "blocking command (XEP-0191)", []string{"urn:xmpp:blocking"}, false},
	{"xmpp.feature.vcard", "vcard-temp (XEP-0054)", []string{"vcard-temp"}, false},
	{"xmpp.feature.bookmarks2", "bookmarks 2 compatibility (XEP-0402 urn:xmpp:bookmarks:1#compat)", []string{"urn:xmpp:bookmarks:1#compat"}, false},
	{"xmpp.feature.offline", "offline messages (XEP-0160, msgoffline)", []string{"msgoffline"}, false},
}

func discoFeatureEval(f discoFeature) Evaluator {
	return func(in Input) Verdict {
		d, v := account(in, f.what)
		if v != nil {
			return *v
		}
		ev := []probes.Evidence{discoEvidence(d, d.Server), discoEvidence(d, d.Account)}
		for _, x := range f.vars {
			if by := who(d, x); by != "" {
				return Verdict{Status: report.Pass, Summary: fmt.Sprintf("%s: %s advertised by %s", f.what, x, by), Evidence: ev}
			}
		}
		if d.Server.Status != "result" || d.Account.Status != "result" {
			return Verdict{Status: report.Error, Summary: fmt.Sprintf("%s: not found, but disco#info could not be read (domain: %s; account: %s)", f.what, d.Server.Status, d.Account.Status), Evidence: ev}
		}
		return Verdict{Status: report.Warn, Summary: fmt.Sprintf("%s: %s advertised neither by %s nor by the account", f.what, strings.Join(f.vars, " / "), d.Server.JID), Evidence: ev}
	}
}

// --- stream features (seen after login, some also before) ---

type streamFeature struct {
	id, what string
	has      func(f *xmpp.Features) bool
}

var streamFeatures = []streamFeature{
	{"xmpp.feature.sm", "stream management (XEP-0198, urn:xmpp:sm:3)", func(f *xmpp.Features) bool {
		for _, v := range f.SM {
			if v == "3" {
				return true
			}
		}
		return false
	}},
	{"xmpp.feature.csi", "client state indication (XEP-0352)", func(f *xmpp.Features) bool { return f.CSI }},
	{"xmpp.feature.rosterver", "roster versioning (XEP-0237 / RFC 6121 §2.6)", func(f *xmpp.Features) bool { return f.RosterVer }},
	{"xmpp.feature.caps", "server entity capabilities (XEP-0115 <c/> stream feature)", func(f *xmpp.Features) bool { return f.Caps != nil }},
}

func streamFeatureEval(sf streamFeature) Evaluator {
	return func(in Input) Verdict {
		if o := in.Results.Get(xmpp.IDAccount); o != nil {
			d, v := account(in, sf.what)
			if v != nil {
				return *v
			}
			f := d.Login.PostAuth
			ev := []probes.Evidence{{Endpoint: d.Login.Endpoint.Addr, Kind: "stream", Sent: "stream header (after login as " + d.Login.JID + ")", Received: f.XML}}
			if sf.has(f) {
				return Verdict{Status: report.Pass, Summary: sf.what + " offered after login", Evidence: ev}
			}
			return Verdict{Status: report.Warn, Summary: sf.what + " not offered after login", Evidence: ev}
		}
		// Without an account: the features after STARTTLS, before login.
		d, ok := probes.Data[*xmpp.StreamsData](in.Results, xmpp.IDC2SStreams)
		if !ok {
			return notMeasured(in, xmpp.IDC2SStreams, sf.what)
		}
		var ev []probes.Evidence
		for _, e := range d.Endpoints {
			if e.PostTLS == nil {
				continue
			}
			ev = append(ev, xmpp.StreamEvidence(e)...)
			if sf.has(e.PostTLS) {
				return Verdict{Status: report.Pass, Summary: sf.what + " offered (seen before login on " + e.Endpoint.Addr + ")", Evidence: ev}
			}
		}
		return Verdict{Status: report.Skip, Summary: sf.what + ": not offered before login; servers offer it after login, so it needs --account", Evidence: ev}
	}
}

// --- live tests ---

func evalOMEMOReady(in Input) Verdict {
	what := "OMEMO-ready PEP"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ev := []probes.Evidence{discoEvidence(d, d.Account)}
	if d.PEP == nil {
		if d.Account.Status != "result" {
			return Verdict{Status: report.Error, Summary: "the account's disco#info could not be read (" + d.Account.Status + "): PEP not measured", Evidence: ev}
		}
		if !d.Account.HasIdentity("pubsub", "pep") {
			return Verdict{Status: report.Fail, Summary: "no PEP (XEP-0163) on the account: OMEMO clients cannot publish their device list and keys", Evidence: ev}
		}
		return Verdict{Status: report.Error, Summary: "PEP advertised but the publish test did not run", Evidence: ev}
	}
	for _, s := range d.PEP.Steps {
		ev = append(ev, stepEvidence(d, s))
	}
	cleanupNote := ""
	if !d.PEP.Deleted {
		cleanupNote = "; the test node could not be deleted: " + d.PEP.Node
	}
	switch {
	case !d.PEP.Published && len(d.PEP.Steps) > 0 && d.PEP.Steps[0].NoAnswer:
		return Verdict{Status: report.Error, Summary: "the publish got no answer (" + d.PEP.Steps[0].Detail + "): not measured" + cleanupNote, Evidence: ev}
	case !d.PEP.Published:
		return Verdict{Status: report.Fail, Summary: "publishing with publish-options access_model=open was refused (" + firstDetail(d.PEP.Steps) + "): OMEMO bundles cannot be made readable to contacts" + cleanupNote, Evidence: ev}
	case d.PEP.AccessModel == "":
		return Verdict{Status: report.Error, Summary: "published, but the node configuration could not be read back" + cleanupNote, Evidence: ev}
	case d.PEP.AccessModel != "open":
		return Verdict{Status: report.Fail, Summary: "published with access_model=open, but the node says access_model=" + d.PEP.AccessModel + ": publish-options ignored" + cleanupNote, Evidence: ev}
	case !d.Account.Has("http://jabber.org/protocol/pubsub#publish-options"):
		return Verdict{Status: report.Warn, Summary: "publish-options work but are not advertised (pubsub#publish-options): clients that check first will not use them" + cleanupNote, Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: "PEP with publish-options: a test node published with access_model=open read back as open, then deleted" + cleanupNote, Evidence: ev}
}

func firstDetail(steps []xmpp.Step) string {
	for _, s := range steps {
		if !s.OK {
			if s.Detail != "" {
				return s.Detail
			}
			return "failed"
		}
	}
	return ""
}

func evalUpload(in Input) Verdict {
	what := "HTTP file upload (XEP-0363)"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ev := []probes.Evidence{exEvidence(d, d.ItemsEx, "disco#items of "+d.Server.JID)}
	if len(d.Upload) == 0 {
		if v := componentsUnknown(d, ev, what); v != nil {
			return *v
		}
		return Verdict{Status: report.Warn, Summary: "no upload service among the domain's components: clients cannot share files", Evidence: ev}
	}
	var good, notes []string
	worst := report.Pass
	for _, u := range d.Upload {
		ev = append(ev, discoEvidence(d, u.Info), stepEvidence(d, u.Slot))
		name := u.Info.JID
		if u.MaxFileSize > 0 {
			name += fmt.Sprintf(" (max %d MiB)", u.MaxFileSize>>20)
		}
		if !u.Slot.OK {
			worst = worseStatus(worst, report.Fail)
			notes = append(notes, u.Info.JID+": slot refused ("+u.Slot.Detail+")")
			continue
		}
		if c := u.CORS; c != nil && strings.HasPrefix(c.Status, "not fetched") {
			worst = worseStatus(worst, report.Error)
			notes = append(notes, u.Info.JID+": slot granted, CORS not checked ("+c.Status+")")
			continue
		}
		if c := u.CORS; c != nil {
			ev = append(ev, probes.Evidence{Kind: "http", Sent: "OPTIONS " + u.PutURL + " (Origin: https://imscore.invalid, Access-Control-Request-Method: PUT)",
				Received: fmt.Sprintf("%s; Access-Control-Allow-Origin: %q; Access-Control-Allow-Methods: %q", c.Status, c.AllowOrigin, c.AllowMethods)})
			if c.AllowOrigin == "" || !strings.Contains(strings.ToUpper(c.AllowMethods), "PUT") {
				worst = worseStatus(worst, report.Warn)
				notes = append(notes, u.Info.JID+": the PUT URL allows no cross-origin PUT (web clients cannot upload)")
				continue
			}
		}
		good = append(good, name)
	}
	sum := "upload slot granted by " + strings.Join(good, ", ") + ", CORS allows web clients"
	if len(notes) > 0 {
		sum = strings.Join(notes, "; ")
	}
	return Verdict{Status: worst, Summary: sum, Evidence: ev}
}

// worseStatus returns the worse of two statuses (combine.go's order).
func worseStatus(a, b report.Status) report.Status {
	if statusRank[b] < statusRank[a] {
		return b
	}
	return a
}

func evalMUC(in Input) Verdict {
	what := "group chat (XEP-0045 MUC)"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ev := []probes.Evidence{exEvidence(d, d.ItemsEx, "disco#items of "+d.Server.JID)}
	if len(d.MUC) == 0 {
		if v := componentsUnknown(d, ev, what); v != nil {
			return *v
		}
		return Verdict{Status: report.Warn, Summary: "no MUC service among the domain's components", Evidence: ev}
	}
	var parts []string
	st := report.Pass
	for _, m := range d.MUC {
		ev = append(ev, discoEvidence(d, m.Info))
		p := m.Info.JID
		if m.Room == nil {
			parts = append(parts, p+" (not tested: at most 4 services get a test room)")
			continue
		}
		for _, s := range m.Room.Steps {
			ev = append(ev, stepEvidence(d, s))
		}
		var props []string
		if m.Room.Info != nil && m.Room.Info.Status == "result" {
			if m.Room.Info.Has("urn:xmpp:mam:2") || m.Info.Has("urn:xmpp:mam:2") {
				props = append(props, "MUC MAM")
			} else {
				props = append(props, "no MUC MAM")
			}
			if m.Room.Info.Has("http://jabber.org/protocol/muc#self-ping-optimization") {
				props = append(props, "self-ping optimisation")
			}
		}
		switch {
		case !m.Room.Created && (m.Room.Info == nil || m.Room.Info.Status != "result"):
			st = worseStatus(st, report.Warn)
			p += ": a test room could not be created (" + firstDetail(m.Room.Steps) + ")"
		case !m.Room.Gone:
			st = worseStatus(st, report.Warn)
			p += ": test room created but still there after destroy (" + m.Room.Room + ")"
		default:
			p += ": room created and destroyed"
		}
		if len(props) > 0 {
			p += " (" + strings.Join(props, ", ") + ")"
		}
		parts = append(parts, p)
	}
	return Verdict{Status: st, Summary: strings.Join(parts, "; "), Evidence: ev}
}

func evalExtDisco(in Input) Verdict {
	what := "STUN/TURN discovery (XEP-0215)"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ev := []probes.Evidence{discoEvidence(d, d.Server)}
	if d.ExtDisco == nil {
		if d.Server.Status != "result" {
			return Verdict{Status: report.Error, Summary: "the domain's disco#info could not be read (" + d.Server.Status + "): extdisco not measured", Evidence: ev}
		}
		return Verdict{Status: report.Warn, Summary: "urn:xmpp:extdisco:2 not advertised: calls between clients behind NAT cannot find a STUN/TURN server", Evidence: ev}
	}
	ev = append(ev, exEvidence(d, d.ExtDisco.Exchange, "services ("+d.ExtDisco.Status+")"))
	if d.ExtDisco.Status != "result" {
		return Verdict{Status: report.Fail, Summary: "extdisco advertised but the services request failed: " + d.ExtDisco.Status, Evidence: ev}
	}
	var stun, turn int
	for _, s := range d.ExtDisco.Services {
		switch strings.ToLower(s.Type) {
		case "stun":
			stun++
		case "turn", "turns":
			turn++
		}
	}
	switch {
	case stun+turn == 0:
		return Verdict{Status: report.Fail, Summary: "extdisco advertised but it lists no STUN or TURN service", Evidence: ev}
	case turn == 0:
		return Verdict{Status: report.Warn, Summary: fmt.Sprintf("%d STUN service(s), no TURN: calls fail when both sides are behind strict NAT", stun), Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: fmt.Sprintf("%d STUN and %d TURN service(s) announced", stun, turn), Evidence: ev}
}

// --- contact addresses and version ---

func evalContactAddresses(in Input) Verdict {
	what := "contact addresses (XEP-0157)"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ev := []probes.Evidence{discoEvidence(d, d.Server)}
	f := d.Server.Form(xmpp.NSServerInfo)
	if f == nil && d.Server.Status != "result" {
		return Verdict{Status: report.Error, Summary: "the domain's disco#info could not be read (" + d.Server.Status + ")", Evidence: ev}
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

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
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
	case strings.HasPrefix(ver.Status, "no answer"):
		return Verdict{Status: report.Error, Summary: what + ": " + ver.Status, Evidence: ev}
	case ver.Status != "result":
		return Verdict{Status: report.Pass, Summary: "the server does not answer version requests (" + ver.Status + ")", Evidence: ev}
	case ver.Version != "" || ver.OS != "":
		s := fmt.Sprintf("the server tells every user its software and version: %s %s", ver.Name, ver.Version)
		if ver.OS != "" {
			s += " on " + ver.OS
		}
		return Verdict{Status: report.Warn, Summary: strings.TrimSpace(s), Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: "the server answers version requests without a version (name: " + ver.Name + ")", Evidence: ev}
}

func evalPEP(in Input) Verdict {
	what := "PEP (XEP-0163)"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ev := []probes.Evidence{discoEvidence(d, d.Account)}
	if d.Account.HasIdentity("pubsub", "pep") {
		return Verdict{Status: report.Pass, Summary: "identity pubsub/pep on " + d.Account.JID, Evidence: ev}
	}
	if d.Account.Status != "result" {
		return Verdict{Status: report.Error, Summary: "the account did not answer disco#info (" + d.Account.Status + ")", Evidence: ev}
	}
	return Verdict{Status: report.Warn, Summary: "no identity pubsub/pep on " + d.Account.JID + ": OMEMO and avatars cannot be published", Evidence: ev}
}

func evalProxy65(in Input) Verdict {
	what := "SOCKS5 bytestreams proxy (XEP-0065)"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ev := []probes.Evidence{exEvidence(d, d.ItemsEx, "disco#items of "+d.Server.JID)}
	if ps := d.Component("proxy", "bytestreams"); len(ps) > 0 {
		var jids []string
		for _, p := range ps {
			jids = append(jids, p.JID)
			ev = append(ev, discoEvidence(d, p))
		}
		return Verdict{Status: report.Pass, Summary: "bytestreams proxy: " + strings.Join(jids, ", "), Evidence: ev}
	}
	return Verdict{Status: report.Info, Summary: "no bytestreams proxy among the components: direct file transfer between clients behind NAT falls back to in-band or HTTP upload", Evidence: ev}
}

// componentsUnknown is the verdict when a component kind was not found but
// the component list, or some component's disco#info, could not be read.
func componentsUnknown(d *xmpp.AccountData, ev []probes.Evidence, what string) *Verdict {
	items, listFailed := d.Unanswered()
	switch {
	case listFailed:
		return &Verdict{Status: report.Error, Summary: what + ": the domain's disco#items got no answer (" + d.ItemsEx.Error + ")", Evidence: ev}
	case len(items) > 0:
		return &Verdict{Status: report.Error, Summary: what + ": none found, but these components did not answer disco#info: " + strings.Join(items, ", "), Evidence: ev}
	}
	return nil
}
