package criteria

import (
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// xmppRegistrationCriteria binds the criteria of xmpp_registration.yaml.
var xmppRegistrationCriteria = []binding{
	{"xmpp.registration.open", evalRegistrationOpen},
}

// notProven is the reason an anonymous scan gives for a form it was sent.
const notProven = "not proven: a server may still refuse at submission (ejabberd with an access rule that denies sends the form anyway); imscore submits nothing without --active, which proves it on your own server"

func evalRegistrationOpen(in Input) Verdict {
	var unproven []epVerdict
	v := streamsEval(in, xmpp.C2SStreams, xmpp.C2STLS.Endpoints.ID, "In-band registration", func(e xmpp.EndpointStreams) epVerdict {
		v := registrationVerdict(e)
		v.Evidence = append(xmpp.StreamEvidence(e), xmpp.RegistrationEvidence(e)...)
		if v.Status == report.Info {
			v.Endpoint = e.Endpoint.Addr
			unproven = append(unproven, v)
		}
		return v
	})
	if v.Status == report.Pass && len(unproven) > 0 {
		// An endpoint that hands out the form outweighs one that refuses
		// it: open or not is unproven (combine ranks info above pass).
		v = combine(unproven)
	}
	p, o := xmpp.ActiveRegistration.Of(in.Results)
	if o == nil || v.Status == report.Fail {
		// Without --active the anonymous verdict stands; an offer before
		// TLS fails whatever a submission would show.
		return v
	}
	return proofVerdict(p, o, v)
}

// closedConditions are the stanza errors that say registration is not
// allowed (RFC 6120 §8.3.3, XEP-0077 §3.1); others (not-acceptable,
// conflict, resource-constraint for a rate limit, …) refuse this one
// submission without proving registration closed.
var closedConditions = map[string]bool{"not-allowed": true, "forbidden": true, "service-unavailable": true,
	"feature-not-implemented": true, "registration-required": true, "not-authorized": true}

// proofVerdict judges the --active registration test; the anonymous
// verdict v stands where the test could not decide.
func proofVerdict(p *xmpp.RegistrationProof, o *probes.Observation, v Verdict) Verdict {
	ev := append(append([]probes.Evidence(nil), o.Evidence...), v.Evidence...)
	note := func(why string) Verdict {
		v.Summary += " (--active: " + why + ")"
		v.Evidence = ev
		return v
	}
	switch {
	case p == nil:
		return note("the registration test did not run: " + orDefault(o.Reason, string(o.Status)))
	case p.Outcome == xmpp.RegAccepted && p.LeftBehind != "":
		return Verdict{Status: report.Fail, Evidence: ev, Summary: "in-band registration is open: imscore registered " + p.Account +
			", but the account could NOT be removed (" + p.LeftBehind + "): delete it by hand (prosodyctl deluser, ejabberdctl unregister)"}
	case p.Outcome == xmpp.RegAccepted:
		return Verdict{Status: report.Fail, Evidence: ev, Summary: "in-band registration is open to anyone: imscore registered " + p.Account +
			" with a random password (--active), then removed it and checked it is gone (a login as it is refused)"}
	case p.Outcome == xmpp.RegUnknown && p.Gone:
		return Verdict{Status: report.Error, Evidence: ev, Summary: "the registration submission got no answer; no account was created (a login as " + p.Account + " is refused)"}
	case p.Outcome == xmpp.RegUnknown:
		return Verdict{Status: report.Error, Evidence: ev, Summary: "the registration submission got no answer, and whether " + p.Account + " exists could not be checked: " + p.LeftBehind}
	case p.Outcome == xmpp.RegRefused && p.NotSubmitted != "":
		return Verdict{Status: report.Pass, Evidence: ev, Summary: "in-band registration is closed: " + p.NotSubmitted + " (--active)"}
	case p.Outcome == xmpp.RegRefused && closedConditions[p.Condition]:
		return Verdict{Status: report.Pass, Evidence: ev, Summary: "in-band registration is closed: imscore submitted one registration (--active) and the server refused it with <" + p.Condition + "/>"}
	case p.Outcome == xmpp.RegRefused:
		return Verdict{Status: report.Info, Evidence: ev, Summary: "imscore's registration (--active) was refused with <" + orDefault(p.Condition, "an error") +
			"/>, which refuses this submission (e.g. a rate limit or a field imscore did not fill) without proving registration closed"}
	}
	return note("not submitted: " + p.NotSubmitted)
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
			return epVerdict{Status: report.Info, Summary: "in-band registration (XEP-0077) is advertised; " + why + "; open or not is not proven"}
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
		return epVerdict{Status: report.Info, Summary: "registration form with a CAPTCHA (XEP-0158) offered, " + notProven}
	case r.Open():
		return epVerdict{Status: report.Info, Summary: "in-band registration is advertised and a username/password form is offered, " + notProven}
	case r.RedirectURL != "":
		return epVerdict{Status: report.Pass, Summary: "in-band registration redirects to " + r.RedirectURL + " (registration happens out of band; stream feature " + adv + ")"}
	case f.Register:
		return epVerdict{Status: report.Info, Summary: "in-band registration (XEP-0077) is advertised; the form asks for " +
			strings.Join(append(append([]string(nil), r.Fields...), r.FormFields...), ", ") + "; " + notProven}
	}
	return epVerdict{Status: report.Pass, Summary: "in-band registration is not advertised, and the form request got no username/password form"}
}
