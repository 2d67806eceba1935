package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// xmppStreamCriteria binds the XMPP stream criteria of xmpp_streams.yaml.
var xmppStreamCriteria = []binding{
	{"xmpp.c2s.starttls-required", evalC2SStartTLS},
	{"xmpp.c2s.no-auth-before-tls", evalNoAuthBeforeTLS},
	{"xmpp.c2s.sasl-scram", evalSASLSCRAM},
	{"xmpp.c2s.channel-binding", evalChannelBinding},
	{"xmpp.s2s.starttls-required", evalS2SStartTLS},
	{"xmpp.s2s.authentication", evalS2SAuthentication},
}

// streamsEval applies fn to every endpoint of a streams probe; the worst
// endpoint decides. An endpoint whose stream could not be opened is an
// error (not measured) for it.
func streamsEval(in Input, k probes.Key[*xmpp.StreamsData], epsID probes.ID, what string, fn func(e xmpp.EndpointStreams) epVerdict) Verdict {
	if o := in.Results.Get(epsID); o != nil && o.Status == probes.StatusNotApplicable {
		return Verdict{Status: report.Skip, Summary: what + ": not applicable (" + o.Reason + ")", Evidence: o.Evidence}
	}
	d, _ := k.Of(in.Results)
	if d == nil {
		return notMeasured(in, k.ID, what)
	}
	var vs []epVerdict
	for _, e := range d.Endpoints {
		var v epVerdict
		if e.Status != probes.StatusOK && deadInService(in, epsID, e.Endpoint.Addr) {
			// Published but silent while the other family answers:
			// net.dual-stack fails for it; nothing to judge here.
			v = epVerdict{Status: report.Skip, Summary: "not measured: " + e.Endpoint.Addr + " does not answer (see net.dual-stack)"}
		} else {
			v = fn(e)
		}
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
	o := in.Results.Get(xmpp.C2STLS.Endpoints.ID)
	dt, ok := xmpp.DirectTLS.OK(in.Results)
	if o == nil || o.Status != probes.StatusNotApplicable || !ok || len(dt.Endpoints) == 0 {
		return streamsEval(in, xmpp.C2SStreams, xmpp.C2STLS.Endpoints.ID, what, fn)
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
	return streamsEval(in, xmpp.C2SStreams, xmpp.C2STLS.Endpoints.ID, "c2s STARTTLS", func(e xmpp.EndpointStreams) epVerdict {
		return startTLSVerdict(e, "client")
	})
}

func evalS2SStartTLS(in Input) Verdict {
	return streamsEval(in, xmpp.S2SStreams, xmpp.S2STLS.Endpoints.ID, "s2s STARTTLS", func(e xmpp.EndpointStreams) epVerdict {
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
	return streamsEval(in, xmpp.S2SStreams, xmpp.S2STLS.Endpoints.ID, "s2s authentication", func(e xmpp.EndpointStreams) epVerdict {
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
	return streamsEval(in, xmpp.C2SStreams, xmpp.C2STLS.Endpoints.ID, "Authentication before TLS", func(e xmpp.EndpointStreams) epVerdict {
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
