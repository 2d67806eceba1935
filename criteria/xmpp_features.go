package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// xmppFeatureCriteria binds the criteria of xmpp_features.yaml: the live
// tests, and one evaluator per disco#info and stream feature of the tables
// below.
var xmppFeatureCriteria = append([]binding{
	{"xmpp.feature.pep", evalPEP},
	{"xmpp.feature.omemo-ready", evalOMEMOReady},
	{"xmpp.feature.upload", evalUpload},
	{"xmpp.feature.muc", evalMUC},
	{"xmpp.feature.extdisco", evalExtDisco},
	{"xmpp.feature.proxy65", evalProxy65},
}, featureBindings()...)

func featureBindings() []binding {
	var out []binding
	for _, f := range discoFeatures {
		out = append(out, binding{f.id, discoFeatureEval(f)})
	}
	for _, f := range streamFeatures {
		out = append(out, binding{f.id, streamFeatureEval(f)})
	}
	return out
}

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
		if !d.Server.Status.OK() || !d.Account.Status.OK() {
			return Verdict{Status: report.Error, Summary: fmt.Sprintf("%s: not found, but disco#info could not be read (domain: %s; account: %s)", f.what, d.Server.Status, d.Account.Status), Evidence: ev}
		}
		return Verdict{Status: report.Warn, Summary: fmt.Sprintf("%s: %s advertised neither by %s nor by the account", f.what, strings.Join(f.vars, " / "), d.Server.JID), Evidence: ev}
	}
}

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
		if o := in.Results.Get(xmpp.Account.ID); o != nil {
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
		d, ok := xmpp.C2SStreams.OK(in.Results)
		if !ok {
			return notMeasured(in, xmpp.C2SStreams.ID, sf.what)
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

func evalOMEMOReady(in Input) Verdict {
	what := "OMEMO-ready PEP"
	d, v := account(in, what)
	if v != nil {
		return *v
	}
	ev := []probes.Evidence{discoEvidence(d, d.Account)}
	if d.PEP == nil {
		if !d.Account.Status.OK() {
			return Verdict{Status: report.Error, Summary: "the account's disco#info could not be read (" + string(d.Account.Status) + "): PEP not measured", Evidence: ev}
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
		if c := u.CORS; c != nil && c.NotFetched() {
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
		if m.Room.Info != nil && m.Room.Info.Status.OK() {
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
		case !m.Room.Created && (m.Room.Info == nil || !m.Room.Info.Status.OK()):
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
		if !d.Server.Status.OK() {
			return Verdict{Status: report.Error, Summary: "the domain's disco#info could not be read (" + string(d.Server.Status) + "): extdisco not measured", Evidence: ev}
		}
		return Verdict{Status: report.Warn, Summary: "urn:xmpp:extdisco:2 not advertised: calls between clients behind NAT cannot find a STUN/TURN server", Evidence: ev}
	}
	ev = append(ev, exEvidence(d, d.ExtDisco.Exchange, "services ("+string(d.ExtDisco.Status)+")"))
	if !d.ExtDisco.Status.OK() {
		return Verdict{Status: report.Fail, Summary: "extdisco advertised but the services request failed: " + string(d.ExtDisco.Status), Evidence: ev}
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
	if !d.Account.Status.OK() {
		return Verdict{Status: report.Error, Summary: "the account did not answer disco#info (" + string(d.Account.Status) + ")", Evidence: ev}
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
