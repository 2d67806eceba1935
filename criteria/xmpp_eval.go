package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

func init() {
	// c2s and s2s after STARTTLS; c2s-tls is direct TLS (XEP-0368), left
	// out when the domain publishes no _xmpps-client record.
	TLSSets["xmpp"] = []struct{ Label, Prefix string }{{"c2s", "xmpp.c2s.tls."}, {"s2s", "xmpp.s2s.tls."}, {"c2s-tls", "xmpp.c2s-direct.tls."}, {"s2s-tls", "xmpp.s2s-direct.tls."}}
	register("xmpp.dns.srv-client", evalSRVClient)
	register("xmpp.dns.srv-server", evalSRVServer)
	register("xmpp.dns.direct-tls", evalDirectTLS)
	register("xmpp.c2s.starttls-required", evalC2SStartTLS)
	register("xmpp.s2s.starttls-required", evalS2SStartTLS)
	register("xmpp.s2s.authentication", evalS2SAuthentication)
	register("xmpp.c2s.no-auth-before-tls", evalNoAuthBeforeTLS)
	register("xmpp.c2s.sasl-scram", evalSASLSCRAM)
	register("xmpp.c2s.channel-binding", evalChannelBinding)
	register("xmpp.registration.open", evalRegistrationOpen)
}

// --- DNS ---

func dnsService(in Input, service, what string) (*xmpp.Service, *Verdict) {
	d, ok := probes.Data[*xmpp.DNSData](in.Results, xmpp.IDDNS)
	if !ok {
		v := notMeasured(in, xmpp.IDDNS, what)
		return nil, &v
	}
	s := d.Service(service)
	if s == nil {
		return nil, &Verdict{Status: report.Error, Summary: what + ": no answer recorded for " + service + " (bug)"}
	}
	if s.Error != "" {
		return nil, &Verdict{Status: report.Error, Summary: what + " could not be measured: " + s.Error, Evidence: []probes.Evidence{s.Evidence}}
	}
	return s, nil
}

func dnssec(s *xmpp.Service) string {
	if s.AD {
		return "DNSSEC-authenticated (AD=1)"
	}
	return "not DNSSEC-authenticated (AD=0)"
}

func srvTargets(s *xmpp.Service) (ok, bad []string) {
	for _, r := range s.Records {
		t := fmt.Sprintf("%s:%d", strings.TrimSuffix(r.Target, "."), r.Port)
		if len(r.Endpoints) == 0 {
			bad = append(bad, t+" ("+r.Error+")")
		} else {
			ok = append(ok, t)
		}
	}
	return ok, bad
}

func srvEval(in Input, service string, defPort int, disabled report.Status, disabledWhy string) Verdict {
	s, v := dnsService(in, service, "SRV records of "+service)
	if v != nil {
		return *v
	}
	ev := dnsEvidence(s)
	ok, bad := srvTargets(s)
	switch {
	case s.Disabled:
		return Verdict{Status: disabled, Summary: s.Name + " has the target \".\": " + disabledWhy, Evidence: ev}
	case s.Fallback && len(bad) > 0:
		return Verdict{Status: report.Fail, Summary: fmt.Sprintf("no %s SRV record and the domain itself has no address (%s)", service, strings.Join(bad, "; ")), Evidence: ev}
	case s.Fallback:
		return Verdict{Status: report.Warn, Summary: fmt.Sprintf("no %s SRV record: peers fall back to the domain on port %d", service, defPort), Evidence: ev}
	case len(bad) > 0:
		return Verdict{Status: report.Fail, Summary: "SRV target without an address: " + strings.Join(bad, "; "), Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: fmt.Sprintf("%s SRV: %s (%s)", service, strings.Join(ok, ", "), dnssec(s)), Evidence: ev}
}

func dnsEvidence(s *xmpp.Service) []probes.Evidence {
	ev := []probes.Evidence{s.Evidence}
	var lines []string
	for _, r := range s.Records {
		var addrs []string
		for _, e := range r.Endpoints {
			addrs = append(addrs, e.Addr)
		}
		t := fmt.Sprintf("%s:%d", strings.TrimSuffix(r.Target, "."), r.Port)
		if r.Error != "" {
			lines = append(lines, t+" -> "+r.Error)
		} else {
			lines = append(lines, t+" -> "+strings.Join(addrs, ", "))
		}
	}
	if len(lines) > 0 {
		what := "targets"
		if s.Fallback {
			what = "fallback (no SRV record)"
		}
		ev = append(ev, probes.Evidence{Kind: "note", Detail: what + ":\n" + strings.Join(lines, "\n")})
	}
	return ev
}

func evalSRVClient(in Input) Verdict {
	v := srvEval(in, xmpp.ServiceClient, xmpp.DefaultClientPort, report.Fail, "the domain says it offers no client service")
	if v.Status != report.Fail {
		return v
	}
	// "." for STARTTLS while _xmpps-client is published: clients are sent
	// to direct TLS only (XEP-0368), which leaves no STARTTLS to strip.
	if d, ok := probes.Data[*xmpp.DNSData](in.Results, xmpp.IDDNS); ok {
		if st := d.Service(xmpp.ServiceClient); st != nil && st.Disabled {
			if dt := d.Service(xmpp.ServiceClientTLS); dt != nil && dt.Published() {
				return Verdict{Status: report.Pass, Summary: "STARTTLS for clients is switched off (\".\"): clients use direct TLS only, published by _xmpps-client (XEP-0368)", Evidence: v.Evidence}
			}
		}
	}
	return v
}

func evalSRVServer(in Input) Verdict {
	return srvEval(in, xmpp.ServiceServer, xmpp.DefaultServerPort, report.Info, "federation is switched off explicitly")
}

func evalDirectTLS(in Input) Verdict {
	s, v := dnsService(in, xmpp.ServiceClientTLS, "XEP-0368 SRV records")
	if v != nil {
		return *v
	}
	ev := dnsEvidence(s)
	ok, bad := srvTargets(s)
	switch {
	case s.Disabled:
		return Verdict{Status: report.Info, Summary: s.Name + " has the target \".\": direct TLS explicitly not offered", Evidence: ev}
	case len(s.Records) == 0:
		return Verdict{Status: report.Info, Summary: "no " + s.Name + " record: clients use STARTTLS only (direct TLS not published)", Evidence: ev}
	case len(bad) > 0:
		return Verdict{Status: report.Fail, Summary: "direct-TLS SRV target without an address: " + strings.Join(bad, "; "), Evidence: ev}
	}
	o := in.Results.Get(xmpp.IDDirectTLS)
	var d *xmpp.DirectTLSData
	if o != nil {
		d, _ = o.Data.(*xmpp.DirectTLSData)
	}
	if d == nil || len(d.Endpoints) == 0 {
		nm := notMeasured(in, xmpp.IDDirectTLS, "Direct TLS")
		nm.Evidence = append(ev, nm.Evidence...)
		return nm
	}
	var vs []epVerdict
	for _, e := range d.Endpoints {
		epv := epVerdict{Endpoint: e.Endpoint.Addr, Evidence: []probes.Evidence{xmpp.DirectTLSEvidence(e)}}
		switch {
		case e.Status == probes.StatusOK:
			alpn := "the server chose no ALPN protocol"
			if e.ALPN != "" {
				alpn = "ALPN " + e.ALPN
			}
			epv.Status, epv.Summary = report.Pass, fmt.Sprintf("direct TLS works on %s (%s, %s)", e.Target, e.TLSVersion, alpn)
		case e.Status == probes.StatusError:
			epv.Status, epv.Summary = report.Error, "direct TLS could not be measured on "+e.Target+": "+e.Reason
		default:
			epv.Status, epv.Summary = report.Fail, fmt.Sprintf("published direct-TLS endpoint %s does not work (%s): %s", e.Target, e.Status, e.Reason)
		}
		vs = append(vs, epv)
	}
	res := combine(vs)
	if res.Status == report.Pass {
		res.Summary = fmt.Sprintf("direct TLS published (%s, %s) and working: %s", strings.Join(ok, ", "), dnssec(s), res.Summary)
	}
	res.Evidence = append(ev, res.Evidence...)
	return res
}

// --- streams ---

// streamsEval applies fn to every endpoint of a streams probe; the worst
// endpoint decides. An endpoint whose stream could not be opened is an
// error (not measured) for it.
func streamsEval(in Input, id, epsID probes.ID, what string, fn func(e xmpp.EndpointStreams) epVerdict) Verdict {
	if o := in.Results.Get(epsID); o != nil && o.Status == probes.StatusNotApplicable {
		return Verdict{Status: report.Skip, Summary: what + ": not applicable (" + o.Reason + ")", Evidence: o.Evidence}
	}
	o := in.Results.Get(id)
	var d *xmpp.StreamsData
	if o != nil {
		d, _ = o.Data.(*xmpp.StreamsData)
	}
	if d == nil {
		return notMeasured(in, id, what)
	}
	var vs []epVerdict
	for _, e := range d.Endpoints {
		v := fn(e)
		v.Endpoint = e.Endpoint.Addr
		if v.Evidence == nil {
			v.Evidence = xmpp.StreamEvidence(e)
		}
		vs = append(vs, v)
	}
	return combine(vs)
}

// authStreamsEval is streamsEval for what a client authenticates with: on
// a domain that offers clients direct TLS only (no STARTTLS service), the
// features of the direct-TLS streams are judged instead.
func authStreamsEval(in Input, what string, fn func(e xmpp.EndpointStreams) epVerdict) Verdict {
	o := in.Results.Get(xmpp.C2STLSIDs.Endpoints)
	dt, ok := probes.Data[*xmpp.DirectTLSData](in.Results, xmpp.IDDirectTLS)
	if o == nil || o.Status != probes.StatusNotApplicable || !ok || len(dt.Endpoints) == 0 {
		return streamsEval(in, xmpp.IDC2SStreams, xmpp.C2STLSIDs.Endpoints, what, fn)
	}
	var vs []epVerdict
	for _, e := range dt.Endpoints {
		var v epVerdict
		if e.Features == nil {
			v = epVerdict{Status: report.Error, Summary: "no stream over direct TLS: " + e.Reason}
		} else {
			// Over direct TLS the first features are already encrypted.
			v = fn(xmpp.EndpointStreams{Endpoint: e.Endpoint, Status: e.Status, Reason: e.Reason,
				PreTLS: e.Features, PostTLS: e.Features, TLSVersion: e.TLSVersion, TLSCipher: e.TLSCipher})
			v.Summary += " (direct TLS; the domain offers no STARTTLS service)"
		}
		v.Endpoint = e.Endpoint.Addr
		v.Evidence = []probes.Evidence{xmpp.DirectTLSEvidence(e)}
		vs = append(vs, v)
	}
	return combine(vs)
}

func notOpened(e xmpp.EndpointStreams) epVerdict {
	return epVerdict{Status: report.Error, Summary: "no stream: " + e.Reason}
}

// tlsMandatory: <starttls><required/></starttls>, or STARTTLS as the only
// feature, which RFC 6120 §5.3.1 makes mandatory-to-negotiate.
func tlsMandatory(f *xmpp.Features) bool {
	return f.StartTLS && (f.StartTLSRequired || f.Count == 1)
}

func startTLSVerdict(e xmpp.EndpointStreams, peer string) epVerdict {
	f := e.PreTLS
	switch {
	case f == nil:
		return notOpened(e)
	case !f.StartTLS:
		return epVerdict{Status: report.Fail, Summary: "STARTTLS is not offered: " + peer + " traffic is unencrypted",
			Cap: "F", CapReason: "the server offers no TLS to " + peer + "s at all"}
	case !tlsMandatory(f):
		return epVerdict{Status: report.Fail, Summary: "STARTTLS is offered but not required (<required/> missing): a network attacker can strip it"}
	case f.StartTLSRequired:
		return epVerdict{Status: report.Pass, Summary: "STARTTLS required (<starttls><required/></starttls>)"}
	}
	return epVerdict{Status: report.Pass, Summary: "STARTTLS is the only feature before TLS, so mandatory-to-negotiate (RFC 6120 §5.3.1)"}
}

func evalC2SStartTLS(in Input) Verdict {
	return streamsEval(in, xmpp.IDC2SStreams, xmpp.C2STLSIDs.Endpoints, "c2s STARTTLS", func(e xmpp.EndpointStreams) epVerdict {
		return startTLSVerdict(e, "client")
	})
}

func evalS2SStartTLS(in Input) Verdict {
	return streamsEval(in, xmpp.IDS2SStreams, xmpp.S2STLSIDs.Endpoints, "s2s STARTTLS", func(e xmpp.EndpointStreams) epVerdict {
		return startTLSVerdict(e, "server")
	})
}

// refusedForCert are the stream-error conditions with which a server
// closes a peer's stream after STARTTLS because the peer presented no
// valid certificate (Prosody s2s_secure_auth: not-authorized; others use
// policy-violation).
var refusedForCert = map[string]bool{"not-authorized": true, "policy-violation": true}

// evalS2SAuthentication judges how the server authenticates peer servers,
// from what it offers to imscore, a peer without any certificate: SASL
// EXTERNAL (XEP-0178) is certificate authentication; dialback (XEP-0220)
// rests on DNS. A server that refuses a certificate-less peer after TLS
// demands certificates.
func evalS2SAuthentication(in Input) Verdict {
	return streamsEval(in, xmpp.IDS2SStreams, xmpp.S2STLSIDs.Endpoints, "s2s authentication", func(e xmpp.EndpointStreams) epVerdict {
		pre := e.PreTLS
		switch {
		case pre == nil:
			return notOpened(e)
		case !pre.StartTLS && pre.Dialback:
			return epVerdict{Status: report.Fail, Summary: "no TLS: peers authenticate by dialback over a cleartext stream, which anyone on the path or spoofing DNS can impersonate"}
		case !pre.StartTLS:
			return epVerdict{Status: report.Fail, Summary: "no TLS, so no certificate authentication of peer servers"}
		case pre.Dialback && !tlsMandatory(pre):
			return epVerdict{Status: report.Fail, Summary: "dialback is offered before TLS (STARTTLS optional): a peer can authenticate by dialback over a cleartext stream"}
		}
		if r := e.PostTLSRefused; r != nil {
			if refusedForCert[r.Condition] {
				why := ""
				if r.Text != "" {
					why = " (\"" + r.Text + "\")"
				}
				return epVerdict{Status: report.Pass, Summary: "peers must present a valid certificate: after STARTTLS the server closed the stream of imscore, which presented none, with <" + r.Condition + "/>" + why + "; dialback alone is not accepted"}
			}
			return epVerdict{Status: report.Error, Summary: "after STARTTLS the server closed the stream with <" + r.Condition + "/>: authentication methods not seen"}
		}
		post := e.PostTLS
		if post == nil {
			return epVerdict{Status: report.Error, Summary: "features after STARTTLS not seen: " + e.Reason}
		}
		ext := post.HasMechanism("EXTERNAL")
		switch {
		case post.Dialback && ext:
			return epVerdict{Status: report.Warn, Summary: "SASL EXTERNAL and dialback (XEP-0220) offered after TLS: a peer without a valid certificate can still authenticate by dialback, which rests on DNS"}
		case post.Dialback:
			return epVerdict{Status: report.Warn, Summary: "dialback (XEP-0220) is offered after TLS to a peer without a certificate: the server accepts DNS-based dialback instead of requiring a valid certificate (SASL EXTERNAL, XEP-0178)"}
		case ext:
			return epVerdict{Status: report.Pass, Summary: "SASL EXTERNAL (certificate authentication, XEP-0178) offered after TLS, dialback not offered"}
		}
		return epVerdict{Status: report.Info, Summary: "no authentication method offered after TLS to a peer without a certificate (neither dialback nor SASL EXTERNAL): whether certificates are required cannot be told without presenting one"}
	})
}

// cleartextMechs reveal the password itself to whoever reads the stream.
var cleartextMechs = map[string]bool{"PLAIN": true, "LOGIN": true}

// passwordless mechanisms are harmless before TLS.
var passwordless = map[string]bool{"EXTERNAL": true, "ANONYMOUS": true}

func evalNoAuthBeforeTLS(in Input) Verdict {
	return streamsEval(in, xmpp.IDC2SStreams, xmpp.C2STLSIDs.Endpoints, "Authentication before TLS", func(e xmpp.EndpointStreams) epVerdict {
		f := e.PreTLS
		if f == nil {
			return notOpened(e)
		}
		var risky, clear []string
		for _, m := range append(append([]string(nil), f.Mechanisms...), f.SASL2Mechanisms...) {
			u := strings.ToUpper(m)
			if passwordless[u] {
				continue
			}
			risky = append(risky, m)
			if cleartextMechs[u] {
				clear = append(clear, m)
			}
		}
		for _, o := range f.Other {
			if o == "{http://jabber.org/features/iq-auth}auth" {
				risky = append(risky, "XEP-0078 iq-auth")
				clear = append(clear, "XEP-0078 iq-auth")
			}
		}
		risky, clear = uniq(risky), uniq(clear)
		switch {
		case len(clear) > 0:
			return epVerdict{Status: report.Fail, Summary: "before TLS the server offers " + strings.Join(risky, ", ") + ": passwords can travel in cleartext",
				Cap: "F", CapReason: "the server accepts passwords in cleartext (" + strings.Join(clear, ", ") + " before TLS)"}
		case len(risky) > 0:
			return epVerdict{Status: report.Fail, Summary: "before TLS the server offers " + strings.Join(risky, ", ") + ": authentication and session run unencrypted"}
		case len(f.Mechanisms) > 0:
			return epVerdict{Status: report.Pass, Summary: "before TLS only password-less mechanisms: " + strings.Join(f.Mechanisms, ", ")}
		}
		return epVerdict{Status: report.Pass, Summary: "no authentication offered before TLS"}
	})
}

// authFeatures are the features a client authenticates with: after
// STARTTLS, or before when the server offers no TLS at all.
func authFeatures(e xmpp.EndpointStreams) (*xmpp.Features, *epVerdict) {
	switch {
	case e.PreTLS == nil:
		v := notOpened(e)
		return nil, &v
	case e.PostTLS != nil:
		return e.PostTLS, nil
	case e.PreTLS.StartTLS:
		return nil, &epVerdict{Status: report.Error, Summary: "features after STARTTLS not seen: " + e.Reason}
	}
	return e.PreTLS, nil
}

func mechanisms(f *xmpp.Features) []string {
	return uniq(append(append([]string(nil), f.Mechanisms...), f.SASL2Mechanisms...))
}

func hasMech(ms []string, pred func(string) bool) []string {
	var out []string
	for _, m := range ms {
		if pred(strings.ToUpper(m)) {
			out = append(out, m)
		}
	}
	return out
}

func evalSASLSCRAM(in Input) Verdict {
	return authStreamsEval(in, "SASL SCRAM", func(e xmpp.EndpointStreams) epVerdict {
		f, v := authFeatures(e)
		if v != nil {
			return *v
		}
		ms := mechanisms(f)
		strong := hasMech(ms, func(m string) bool {
			return strings.HasPrefix(m, "SCRAM-SHA-256") || strings.HasPrefix(m, "SCRAM-SHA-512")
		})
		sha1 := hasMech(ms, func(m string) bool { return strings.HasPrefix(m, "SCRAM-SHA-1") })
		pw := hasMech(ms, func(m string) bool { return !passwordless[m] })
		list := strings.Join(ms, ", ")
		switch {
		case len(strong) > 0:
			return epVerdict{Status: report.Pass, Summary: "SCRAM with SHA-256 or better offered: " + list}
		case len(sha1) > 0:
			return epVerdict{Status: report.Warn, Summary: "only SCRAM-SHA-1 (no SCRAM-SHA-256): " + list}
		case len(pw) > 0:
			return epVerdict{Status: report.Fail, Summary: "password authentication without SCRAM: " + list}
		case len(ms) > 0:
			return epVerdict{Status: report.Skip, Summary: "no password authentication offered: " + list}
		}
		return epVerdict{Status: report.Skip, Summary: "no SASL mechanism offered (no authentication without an account to judge)"}
	})
}

func evalChannelBinding(in Input) Verdict {
	return authStreamsEval(in, "SASL channel binding", func(e xmpp.EndpointStreams) epVerdict {
		f, v := authFeatures(e)
		if v != nil {
			return *v
		}
		if f == e.PreTLS {
			return epVerdict{Status: report.Fail, Summary: "no TLS, so nothing to bind to"}
		}
		ms := mechanisms(f)
		plus := hasMech(ms, func(m string) bool { return strings.HasSuffix(m, "-PLUS") })
		if len(hasMech(ms, func(m string) bool { return !passwordless[m] })) == 0 {
			return epVerdict{Status: report.Skip, Summary: "no password authentication offered: " + strings.Join(ms, ", ")}
		}
		tls13 := e.TLSVersion == "TLS 1.3" || e.TLSVersion == "TLSv1.3"
		cb := strings.Join(f.ChannelBindings, ", ")
		usable := false
		for _, t := range f.ChannelBindings {
			if t == "tls-exporter" || t == "tls-server-end-point" || (t == "tls-unique" && !tls13) {
				usable = true
			}
		}
		switch {
		case len(plus) == 0:
			return epVerdict{Status: report.Warn, Summary: "no -PLUS mechanism: authentication is not bound to the TLS channel (offered: " + strings.Join(ms, ", ") + ")"}
		case len(f.ChannelBindings) == 0 && tls13:
			return epVerdict{Status: report.Warn, Summary: strings.Join(plus, ", ") + " offered over " + e.TLSVersion + " without XEP-0440: clients must guess the binding type, and tls-unique does not exist in TLS 1.3"}
		case len(f.ChannelBindings) == 0:
			return epVerdict{Status: report.Pass, Summary: strings.Join(plus, ", ") + " offered over " + e.TLSVersion + " (tls-unique; no XEP-0440 list)"}
		case !usable:
			return epVerdict{Status: report.Fail, Summary: fmt.Sprintf("%s offered, but the advertised binding types (%s) do not work over %s", strings.Join(plus, ", "), cb, e.TLSVersion)}
		}
		return epVerdict{Status: report.Pass, Summary: strings.Join(plus, ", ") + " with XEP-0440 channel-binding types " + cb}
	})
}

func evalRegistrationOpen(in Input) Verdict {
	return streamsEval(in, xmpp.IDC2SStreams, xmpp.C2STLSIDs.Endpoints, "In-band registration", func(e xmpp.EndpointStreams) epVerdict {
		v := registrationVerdict(e)
		v.Evidence = append(xmpp.StreamEvidence(e), xmpp.RegistrationEvidence(e)...)
		return v
	})
}

// registrationVerdict judges one endpoint from the stream feature and the
// answer to the registration-form request (never from a submission).
func registrationVerdict(e xmpp.EndpointStreams) epVerdict {
	switch {
	case e.PreTLS == nil:
		return notOpened(e)
	case e.PreTLS.Register && e.PreTLS.StartTLS:
		return epVerdict{Status: report.Fail, Summary: "in-band registration (XEP-0077) is offered before TLS: new passwords can travel in cleartext"}
	case e.PostTLS == nil && e.PreTLS.StartTLS:
		return epVerdict{Status: report.Error, Summary: "features after STARTTLS not seen: " + e.Reason}
	}
	f := e.PostTLS
	if f == nil {
		f = e.PreTLS
	}
	adv := "advertised"
	if !f.Register {
		adv = "not advertised"
	}
	r := e.Registration
	switch {
	case r == nil || r.Type == "":
		why := "no answer to the registration form request"
		if r != nil && r.Error != "" {
			why += " (" + r.Error + ")"
		}
		if f.Register {
			return epVerdict{Status: report.Warn, Summary: "in-band registration (XEP-0077) is advertised; " + why}
		}
		// ejabberd serves the form without advertising the feature: only
		// the answer tells, and there was none.
		return epVerdict{Status: report.Error, Summary: "in-band registration is not advertised, but it could not be checked: " + why}
	case r.Type == "error":
		cond := r.Condition
		if cond == "" {
			cond = "an error"
		} else {
			cond = "<" + cond + "/>"
		}
		return epVerdict{Status: report.Pass, Summary: "in-band registration closed: the registration form request was answered with " + cond + " (stream feature " + adv + ")"}
	case r.Open() && !f.Register:
		return epVerdict{Status: report.Pass, Summary: "in-band registration is not advertised (the server still sends a username/password form on request, as ejabberd does with 'access: none', and refuses at submission; imscore does not submit)"}
	case r.Open() && r.CAPTCHA:
		return epVerdict{Status: report.Warn, Summary: "in-band registration is open behind a CAPTCHA (XEP-0158): the server sends a registration form with a challenge"}
	case r.Open():
		return epVerdict{Status: report.Warn, Summary: "in-band registration looks open: the server advertises it and sends a username/password form to anyone (a server may still refuse at submission, e.g. ejabberd with an 'access' rule; imscore never submits)"}
	case r.RedirectURL != "":
		return epVerdict{Status: report.Pass, Summary: "in-band registration redirects to " + r.RedirectURL + " (registration happens out of band; stream feature " + adv + ")"}
	case f.Register:
		return epVerdict{Status: report.Warn, Summary: "in-band registration (XEP-0077) is advertised; the form asks for " + strings.Join(append(append([]string(nil), r.Fields...), r.FormFields...), ", ")}
	}
	return epVerdict{Status: report.Pass, Summary: "in-band registration is not advertised, and the form request got no username/password form"}
}
