package criteria

import (
	"fmt"
	"slices"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// xmppAuthCriteria binds the criteria of xmpp_auth.yaml.
var xmppAuthCriteria = []binding{
	{"xmpp.c2s.sasl2", evalSASL2},
	{"xmpp.c2s.fast", evalFAST},
	{"xmpp.c2s.channel-binding-types", evalChannelBindingTypes},
	{"xmpp.c2s.scram-downgrade-protection", evalSCRAMDowngrade},
}

// tls13 reports whether a stream's TLS version (as the probes name it)
// is TLS 1.3.
func tls13(v string) bool { return v == "TLS 1.3" || v == "TLSv1.3" }

func evalSASL2(in Input) Verdict {
	return authStreamsEval(in, "SASL2", func(e xmpp.EndpointStreams) epVerdict {
		if e.PreTLS != nil && e.PreTLS.StartTLS && e.PreTLS.SASL2 {
			return epVerdict{Status: report.Fail, Summary: "SASL2 (XEP-0388) is offered before TLS, which XEP-0388 §3 forbids"}
		}
		f, v := authFeatures(e)
		if v != nil {
			return *v
		}
		if f == e.PreTLS && e.PreTLS.SASL2 {
			return epVerdict{Status: report.Fail, Summary: "SASL2 (XEP-0388) is offered on a stream without TLS, which XEP-0388 §3 forbids"}
		}
		switch {
		case !f.SASL2:
			return epVerdict{Status: report.Warn, Summary: "SASL2 (XEP-0388) is not offered: only the RFC 6120 SASL profile, so no Bind2 and no FAST tokens"}
		case !f.Bind2:
			return epVerdict{Status: report.Warn, Summary: "SASL2 (XEP-0388) is offered (" + strings.Join(f.SASL2Mechanisms, ", ") + ") but without Bind2 (XEP-0386) inline"}
		}
		return epVerdict{Status: report.Pass, Summary: "SASL2 (XEP-0388) with Bind2 (XEP-0386) inline offered after TLS: " + strings.Join(f.SASL2Mechanisms, ", ")}
	})
}

// fastChannelBinding reports whether a XEP-0484 mechanism binds to the
// channel: the HT-* family names its binding last (HT-SHA-256-ENDP, -UNIQ,
// -EXPR; -NONE has none).
func fastChannelBinding(m string) bool {
	u := strings.ToUpper(m)
	return strings.HasPrefix(u, "HT-") && !strings.HasSuffix(u, "-NONE")
}

func evalFAST(in Input) Verdict {
	return authStreamsEval(in, "FAST", func(e xmpp.EndpointStreams) epVerdict {
		f, v := authFeatures(e)
		if v != nil {
			return *v
		}
		ms := strings.Join(f.FASTMechanisms, ", ")
		switch {
		case !f.SASL2:
			return epVerdict{Status: report.Warn, Summary: "FAST (XEP-0484) is not offered: no SASL2 (XEP-0388), so clients must keep and resend the password"}
		case !f.FAST:
			return epVerdict{Status: report.Warn, Summary: "FAST (XEP-0484) is not offered inside SASL2: clients must keep and resend the password"}
		case len(f.FASTMechanisms) == 0:
			return epVerdict{Status: report.Fail, Summary: "the FAST (XEP-0484) element lists no mechanism, which §3.1 requires: clients cannot use it"}
		case f.FAST0RTT:
			return epVerdict{Status: report.Warn, Summary: "FAST (XEP-0484) accepts authentication in TLS 0-RTT data (tls-0rtt): replayable, mitigated only by the token counter (§6); mechanisms " + ms}
		case !slices.ContainsFunc(f.FASTMechanisms, fastChannelBinding):
			return epVerdict{Status: report.Warn, Summary: "FAST (XEP-0484) without a channel-binding mechanism (" + ms + "): a token read off the stream can be replayed (§6)"}
		}
		return epVerdict{Status: report.Pass, Summary: "FAST (XEP-0484) offered with " + ms}
	})
}

func evalChannelBindingTypes(in Input) Verdict {
	return authStreamsEval(in, "XEP-0440 channel-binding types", func(e xmpp.EndpointStreams) epVerdict {
		f, v := authFeatures(e)
		if v != nil {
			return *v
		}
		if f == e.PreTLS {
			return epVerdict{Status: report.Skip, Summary: "no TLS, so no channel to bind to (xmpp.c2s.channel-binding judges it)"}
		}
		plus := hasMech(mechanisms(f), func(m string) bool { return strings.HasSuffix(m, "-PLUS") })
		plus2 := hasMech(f.SASL2Mechanisms, func(m string) bool { return strings.HasSuffix(m, "-PLUS") })
		cb := f.ChannelBindings
		has := func(t string) bool {
			return slices.ContainsFunc(cb, func(c string) bool { return strings.EqualFold(c, t) })
		}
		on := " over " + orDefault(e.TLSVersion, "TLS")
		list := "(" + strings.Join(cb, ", ") + ")"
		switch {
		case len(plus) == 0 && len(cb) == 0:
			return epVerdict{Status: report.Skip, Summary: "neither -PLUS mechanisms nor XEP-0440 channel-binding types are offered (xmpp.c2s.channel-binding judges the absence)"}
		case len(plus) == 0:
			return epVerdict{Status: report.Fail, Summary: "XEP-0440 channel-binding types " + list + " are advertised but no -PLUS mechanism: XEP-0440 §3 tells clients to abort"}
		case len(cb) == 0 && len(plus2) > 0:
			return epVerdict{Status: report.Fail, Summary: "SASL2 offers " + strings.Join(plus2, ", ") + " without a XEP-0440 type list: XEP-0440 §3 tells SASL2 clients to abort"}
		case len(cb) == 0:
			why := ""
			if tls13(e.TLSVersion) {
				why = ", and tls-unique (RFC 5929's default) does not exist in TLS 1.3"
			}
			return epVerdict{Status: report.Warn, Summary: strings.Join(plus, ", ") + " offered" + on + " without a XEP-0440 type list: clients must guess the binding type" + why}
		case tls13(e.TLSVersion) && has("tls-unique"):
			return epVerdict{Status: report.Fail, Summary: "tls-unique is advertised" + on + ", where it is not defined (RFC 9266): types " + list}
		case !has("tls-server-end-point"):
			return epVerdict{Status: report.Warn, Summary: "the XEP-0440 list " + list + " lacks tls-server-end-point, which XEP-0440 §3 requires servers to advertise"}
		case tls13(e.TLSVersion) && !has("tls-exporter"):
			return epVerdict{Status: report.Warn, Summary: "over TLS 1.3 only " + list + " is advertised: tls-exporter (RFC 9266), the binding of TLS 1.3, is missing, and tls-server-end-point does not detect a stolen server key"}
		}
		return epVerdict{Status: report.Pass, Summary: fmt.Sprintf("%s with XEP-0440 types %s%s", strings.Join(plus, ", "), list, on)}
	})
}

// evalSCRAMDowngrade judges the XEP-0474 / XEP-0515 attributes of the
// server-first message of the --account login. A login aborted for a
// mismatch leaves the probe in error with the check as its data.
func evalSCRAMDowngrade(in Input) Verdict {
	const what = "SCRAM downgrade protection"
	d, o := xmpp.Account.Of(in.Results)
	if o == nil {
		return Verdict{Status: report.Skip, Summary: what + ": needs --account (a logged-in scan)"}
	}
	if d == nil {
		return notMeasured(in, xmpp.Account.ID, what)
	}
	l := d.Login
	c := l.Downgrade
	if c == nil {
		return Verdict{Status: report.Skip, Summary: what + ": the login used " + orDefault(l.Mechanism, "no SCRAM mechanism") + ", no SCRAM exchange to protect",
			Evidence: []probes.Evidence{downgradeEvidence(l)}}
	}
	ev := []probes.Evidence{downgradeEvidence(l)}
	tdp := " XEP-0515: no TLS version ('t') sent."
	if c.TDP != "" {
		tdp = " XEP-0515: t=" + c.TDP + " matches the negotiated TLS version."
	}
	switch {
	case c.Mismatch() != "":
		return Verdict{Status: report.Fail, Summary: "the SCRAM downgrade protection does not match what imscore saw, so it aborted the login: " + c.Mismatch() + " (a man in the middle altered the features or the TLS version, or the server computes them wrongly)", Evidence: ev}
	case c.SSDPAttr == "":
		return Verdict{Status: report.Warn, Summary: "the " + c.Mechanism + " server-first message carries no XEP-0474 hash: a stripped -PLUS mechanism or channel-binding list goes unnoticed." + tdp, Evidence: ev}
	case c.SSDPAttr == "d":
		return Verdict{Status: report.Pass, Summary: "XEP-0474 hash (revision 0.3 attribute 'd') in the " + c.Mechanism + " server-first message matches the advertised mechanisms and channel-binding types (0.4 and later call it 'h')." + tdp, Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: "XEP-0474 hash 'h' in the " + c.Mechanism + " server-first message matches the advertised mechanisms and channel-binding types." + tdp, Evidence: ev}
}

func downgradeEvidence(l xmpp.LoginInfo) probes.Evidence {
	ev := probes.Evidence{Endpoint: l.Endpoint.Addr, Kind: "stream",
		Sent: "SCRAM client-first message (" + orDefault(l.Mechanism, "login") + ", " + orDefault(l.TLSVersion, "TLS") + "; contents redacted)"}
	c := l.Downgrade
	if c == nil {
		ev.Detail = "no SCRAM exchange"
		return ev
	}
	ev.Sent = "SCRAM client-first message (" + c.Mechanism + ", " + orDefault(l.TLSVersion, "TLS") + "; contents redacted)"
	var got []string
	if c.SSDPAttr != "" {
		got = append(got, c.SSDPAttr+"="+c.SSDP)
	}
	if c.TDP != "" {
		got = append(got, "t="+c.TDP)
	}
	ev.Received = "server-first message attributes: " + orDefault(strings.Join(got, ", "), "none of h, d, t")
	if c.SSDPAttr != "" {
		ev.Detail = fmt.Sprintf("imscore hashed %q to %s", c.Hashed, c.SSDPWant)
	}
	if c.TDP != "" {
		ev.Detail = strings.TrimSpace(ev.Detail + "; negotiated TLS version " + c.TDPWant)
	}
	return ev
}
