package xmpp

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/imscore/imscore/probes"
)

// ActiveRegistration is the observation of the active registration probe
// (scan xmpp --active): it proves whether in-band registration is open by
// registering.
var ActiveRegistration = probes.Key[*RegistrationProof]{ID: "xmpp.registration.proof"}

// Outcomes of a registration submission.
const (
	RegRefused  = "refused"  // an error answer: no account
	RegAccepted = "accepted" // a result: an account was created
	RegUnknown  = "unknown"  // no answer (timeout, connection lost)
)

// RegistrationProof is what the active registration test did: one XEP-0077
// submission (§3.1) with a random username and a strong random password,
// and, when an account came into being, its removal (§3.2, logged in as
// it) and a login attempt that must fail. The password never appears here.
type RegistrationProof struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	// Account is the bare JID that was tried.
	Account string `json:"account,omitempty"`
	// NotSubmitted says why nothing was submitted (no form, CAPTCHA,
	// registration redirected to a web page); Outcome is then "".
	NotSubmitted string `json:"not_submitted,omitempty"`
	// Outcome is refused, accepted or unknown; Condition the stanza error
	// condition of a refusal.
	Outcome   string `json:"outcome,omitempty"`
	Condition string `json:"condition,omitempty"`
	// Steps are the exchanges, in order, for evidence (password redacted).
	Steps []Step `json:"steps,omitempty"`
	// Existed: the account could be logged into (after an accepted or an
	// unanswered submission). Removed: the server accepted <remove/>.
	// Gone: a login with the credentials failed afterwards, so nothing
	// is left behind.
	Existed bool `json:"existed,omitempty"`
	Removed bool `json:"removed,omitempty"`
	Gone    bool `json:"gone,omitempty"`
	// LeftBehind says why the account may still exist ("" otherwise).
	LeftBehind string `json:"left_behind,omitempty"`
}

// Time budgets of the registration proof: the whole probe, and the
// reserve for removing the account, on a context of its own.
const (
	registrationLimit  = 60 * time.Second
	registrationRemove = 25 * time.Second
)

// submitBudget is how long asking and submitting may take: until the
// probe's deadline minus the removal reserve (at least a few seconds).
func submitBudget(ctx context.Context) time.Duration {
	d := registrationLimit - registrationRemove
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - registrationRemove; left < d {
			d = max(left, 3*time.Second)
		}
	}
	return d
}

// RegistrationProbe is the active registration test. It runs on the first
// c2s endpoint that showed features after TLS (else direct TLS), only over
// TLS with a certificate it verifies, like a login.
func RegistrationProbe(domain string) probes.Probe {
	return probes.Func{Name: ActiveRegistration.ID, Wants: []probes.ID{C2SStreams.ID, DirectTLS.ID}, Limit: registrationLimit,
		Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return registrationProbe(ctx, env, in, domain)
		}}
}

func registrationProbe(ctx context.Context, env *probes.Env, in probes.Results, domain string) probes.Observation {
	ep, direct := loginEndpoint(in)
	if ep == nil {
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "no endpoint offers TLS: imscore never sends a password without TLS"}
	}
	p := &RegistrationProof{Endpoint: *ep}
	err := proveRegistration(ctx, env, p, domain, direct)
	obs := probes.Observation{Status: probes.StatusOK, Data: p, Evidence: p.Evidence()}
	if err != nil {
		obs.Status, obs.Reason = probes.StatusError, err.Error()
		if st := probes.StatusOf(err); st != probes.StatusOK && st != "" {
			obs.Status = st
		}
	}
	return obs
}

// loginEndpoint is where a logged-in probe connects: the first c2s
// endpoint that showed features after STARTTLS, else the first direct-TLS
// one.
func loginEndpoint(in probes.Results) (*probes.Endpoint, bool) {
	if streams, ok := C2SStreams.OK(in); ok {
		for _, e := range streams.Endpoints {
			if e.PostTLS != nil {
				return &e.Endpoint, false
			}
		}
	}
	if d, ok := DirectTLS.OK(in); ok {
		for _, e := range d.Endpoints {
			if e.Features != nil {
				return &e.Endpoint, true
			}
		}
	}
	return nil, false
}

// randomCredentials returns a username no one has (imscore- and 12 hex
// digits) and a strong password (24 random bytes, base64url).
func randomCredentials(domain string) *probes.Credentials {
	u := make([]byte, 6)
	pw := make([]byte, 24)
	_, _ = rand.Read(u)
	_, _ = rand.Read(pw)
	return &probes.Credentials{Account: "imscore-" + hex.EncodeToString(u) + "@" + domain, Password: base64.RawURLEncoding.EncodeToString(pw)}
}

// proveRegistration asks for the form over verified TLS, submits it once
// and, when an account may exist, removes it and checks it is gone — on a
// context of its own, so a scan that fails or is cancelled half-way still
// cleans up.
func proveRegistration(ctx context.Context, env *probes.Env, p *RegistrationProof, domain string, direct bool) error {
	// The submission leaves the removal its reserve inside the probe's
	// time: the runner stops waiting for a probe at its deadline.
	cleanupCtx := ctx
	ctx, cancel := context.WithTimeout(ctx, submitBudget(ctx))
	defer cancel()
	s, _, _, err := secureStream(ctx, env, p.Endpoint, domain, direct)
	if err != nil {
		return err
	}
	defer s.conn.Close()
	stop := context.AfterFunc(ctx, func() { s.conn.Close() }) // a cancelled scan does not wait for the server
	defer stop()
	form := s.askRegistration(ctx)
	p.Steps = append(p.Steps, Step{What: "registration form request (XEP-0077 §3.1)", OK: form.Type == "result",
		Detail: orDefault(form.Condition, form.Error), Exchange: Exchange{Sent: form.Sent, Received: form.Received, Error: form.Error}})
	switch {
	case form.Type == "" && form.Error != "":
		return fmt.Errorf("no answer to the registration form request: %s", form.Error)
	case form.Type == "error":
		p.NotSubmitted = "the form request was refused with <" + orDefault(form.Condition, "error") + "/>: there is nothing to submit"
		p.Outcome, p.Condition = RegRefused, form.Condition
		return nil
	case form.CAPTCHA:
		p.NotSubmitted = "the form carries a CAPTCHA (XEP-0158), which imscore does not solve"
		return nil
	case !form.Open():
		p.NotSubmitted = "the server sends no username/password form"
		if form.RedirectURL != "" {
			p.NotSubmitted += " (registration happens at " + form.RedirectURL + ")"
		}
		return nil
	}
	creds := randomCredentials(domain)
	p.Account = creds.Account
	j, _ := ParseAccount(creds.Account, domain)
	payload := "<query xmlns='" + NSRegisterIQ + "'><username>" + escape(j.Localpart()) + "</username><password>" + escape(creds.Password) + "</password></query>"
	if !slices.Contains(form.Fields, "username") || !slices.Contains(form.Fields, "password") {
		payload = "<query xmlns='" + NSRegisterIQ + "'><x xmlns='" + NSDataForms + "' type='submit'>" +
			"<field var='FORM_TYPE'><value>" + NSRegisterIQ + "</value></field>" +
			"<field var='username'><value>" + escape(j.Localpart()) + "</value></field>" +
			"<field var='password'><value>" + escape(creds.Password) + "</value></field></x></query>"
	}
	c := &Client{s: s, creds: creds, domain: domain, prefix: "imscore-reg", Info: LoginInfo{Endpoint: p.Endpoint, DirectTLS: direct}}
	res, err := c.IQ(ctx, "set", "", payload)
	if n := len(s.sent); n > 0 {
		s.sent[n-1] = creds.Redact(s.sent[n-1]) // kept as evidence: never the password
	}
	st := Step{What: "registration submission with a random name and password (XEP-0077 §3.1)", Exchange: Exchange{Sent: s.sent[len(s.sent)-1]}}
	switch {
	case err != nil:
		p.Outcome, st.NoAnswer, st.Exchange.Error = RegUnknown, true, creds.Redact(err.Error())
		st.Detail = "no answer: whether an account was created is checked by logging in"
	case res.Type == "result":
		p.Outcome, st.OK, st.Exchange.Received = RegAccepted, true, res.XML
		st.Detail = "accepted: the account " + creds.Account + " was created"
	default:
		p.Outcome, p.Condition, st.Exchange.Received = RegRefused, res.Condition, res.XML
		st.Detail = "refused with <" + res.Condition + "/>"
	}
	p.Steps = append(p.Steps, st)
	s.conn.Close()
	if p.Outcome == RegRefused {
		return nil
	}
	// An account may exist: remove it, whatever happened to the scan.
	cctx, ccancel := context.WithTimeout(context.WithoutCancel(cleanupCtx), registrationRemove)
	defer ccancel()
	removeRegistration(cctx, env, p, domain, direct, creds)
	return nil
}

// removeRegistration logs in as the new account, cancels the registration
// (XEP-0077 §3.2) and checks with another login that it is gone; a second
// removal is tried once when the first did not take.
func removeRegistration(ctx context.Context, env *probes.Env, p *RegistrationProof, domain string, direct bool, creds *probes.Credentials) {
	for attempt := 1; attempt <= 2; attempt++ {
		c, err := Login(ctx, env, p.Endpoint, domain, direct, creds)
		var af *AuthFailure
		switch {
		case err != nil && errors.As(err, &af):
			p.Steps = append(p.Steps, Step{What: "log in as " + creds.Account, Detail: "refused (" + af.Condition + "): no such account"})
			p.Gone = true
			if p.Outcome == RegAccepted && attempt == 1 {
				p.Steps[len(p.Steps)-1].Detail += " — the server accepted the registration but the account cannot log in"
			}
			return
		case err != nil:
			p.Steps = append(p.Steps, Step{What: "log in as " + creds.Account, NoAnswer: true, Detail: creds.Redact(err.Error())})
			p.LeftBehind = "could not log in as " + creds.Account + " to remove it: " + creds.Redact(err.Error())
			return
		}
		p.Existed = true
		if p.Outcome == RegUnknown {
			p.Outcome = RegAccepted
		}
		s := c.step(ctx, "cancel the registration logged in as the account (XEP-0077 §3.2)", "set", "", "<query xmlns='"+NSRegisterIQ+"'><remove/></query>")
		// A server may close the stream right after the result.
		p.Removed = p.Removed || s.OK
		p.Steps = append(p.Steps, s)
		c.Close(ctx)
		after, err := Login(ctx, env, p.Endpoint, domain, direct, creds)
		switch {
		case err != nil && errors.As(err, &af):
			p.Gone, p.LeftBehind = true, ""
			p.Steps = append(p.Steps, Step{What: "check the account is gone: log in again", OK: true, Detail: "refused (" + af.Condition + ")"})
			return
		case err != nil:
			p.LeftBehind = "the check that " + creds.Account + " is gone failed: " + creds.Redact(err.Error())
			p.Steps = append(p.Steps, Step{What: "check the account is gone: log in again", NoAnswer: true, Detail: creds.Redact(err.Error())})
			return
		}
		after.Close(ctx)
		p.LeftBehind = creds.Account + " still accepts a login after <remove/>"
		p.Steps = append(p.Steps, Step{What: "check the account is gone: log in again", Detail: "the login succeeded: the account still exists"})
	}
}

// Evidence renders the steps.
func (p *RegistrationProof) Evidence() []probes.Evidence {
	var ev []probes.Evidence
	for _, s := range p.Steps {
		d := s.What
		if s.Detail != "" {
			d += ": " + s.Detail
		}
		ev = append(ev, probes.Evidence{Endpoint: p.Endpoint.Addr, Kind: "stream", Sent: s.Exchange.Sent, Received: s.Exchange.Received, Detail: d})
	}
	if p.NotSubmitted != "" {
		ev = append(ev, probes.Evidence{Endpoint: p.Endpoint.Addr, Kind: "stream", Detail: "not submitted: " + p.NotSubmitted})
	}
	return ev
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
