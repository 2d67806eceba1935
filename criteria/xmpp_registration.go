package criteria

import (
	"strings"

	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// xmppRegistrationCriteria binds the criteria of xmpp_registration.yaml.
var xmppRegistrationCriteria = []binding{
	{"xmpp.registration.open", evalRegistrationOpen},
}

func evalRegistrationOpen(in Input) Verdict {
	return streamsEval(in, xmpp.C2SStreams, xmpp.C2STLSIDs.Endpoints, "In-band registration", func(e xmpp.EndpointStreams) epVerdict {
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
