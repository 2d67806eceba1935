package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/imscore/imscore/probes"
)

// DeviceName is the display name of the device a logged-in scan creates
// (and deletes at once with /logout).
const DeviceName = "imscore scan (logged out at the end of the scan)"

// Options are what a scan adds to the anonymous probes.
type Options struct {
	// Account logs in for the checks that need an access token.
	Account *probes.Credentials
	// Active allows the rate-limit test (many failing logins): only against
	// one's own server.
	Active bool
}

// ParseUserID splits @localpart:server_name.
func ParseUserID(s string) (localpart string, server ServerName, err error) {
	rest, ok := strings.CutPrefix(s, "@")
	if !ok {
		return "", ServerName{}, fmt.Errorf("user ID %q does not start with @", s)
	}
	lp, sn, ok := strings.Cut(rest, ":")
	if !ok || lp == "" {
		return "", ServerName{}, fmt.Errorf("user ID %q is not @localpart:server_name", s)
	}
	if len(s) > 255 {
		return "", ServerName{}, fmt.Errorf("user ID longer than 255 bytes")
	}
	for _, c := range lp {
		if c <= ' ' || c == ':' || c > '~' {
			return "", ServerName{}, fmt.Errorf("user ID %q: bad character %q in the localpart", s, c)
		}
	}
	p, err := ParseServerName(sn)
	if err != nil {
		return "", ServerName{}, fmt.Errorf("user ID %q: %v", s, err)
	}
	return lp, p, nil
}

// RoomVersions is the m.room_versions capability.
type RoomVersions struct {
	Default   string            `json:"default"`
	Available map[string]string `json:"available"`
}

// AccountEndpoint is the logged-in session on one client address.
type AccountEndpoint struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	// Refused says why the password was not sent here.
	Refused string `json:"refused,omitempty"`
	// Login is POST /login (m.login.password); the password never appears
	// in the evidence and the access token is redacted.
	Login    *Attempt `json:"login,omitempty"`
	UserID   string   `json:"user_id,omitempty"`
	DeviceID string   `json:"device_id,omitempty"`
	// Capabilities is GET /capabilities; RoomVersions its m.room_versions
	// (nil when absent); CapabilitiesError what was wrong with the answer.
	Capabilities      *Attempt      `json:"capabilities,omitempty"`
	RoomVersions      *RoomVersions `json:"room_versions,omitempty"`
	CapabilitiesError string        `json:"capabilities_error,omitempty"`
	// Logout is POST /logout, sent whenever the login gave a token, also
	// when a request in between failed. LoggedOut: it answered 200.
	Logout    *Attempt `json:"logout,omitempty"`
	LoggedOut bool     `json:"logged_out"`
}

// AccountData is the data of matrix.client.account.
type AccountData struct {
	Account   string            `json:"account"`
	Base      ClientBase        `json:"base"`
	Endpoints []AccountEndpoint `json:"endpoints"`
}

// Account is the observation of the logged-in probe (--account): it logs in
// (m.login.password), reads /capabilities and logs out again, on every
// client address.
var Account = probes.Key[*AccountData]{ID: "matrix.client.account"}

// AccountProbes are the probes that --account and --active add, and the
// login-flow probe every scan runs.
func AccountProbes(opt Options) []probes.Probe {
	ps := []probes.Probe{
		probes.Func{Name: LoginFlows.ID, Needs: []probes.ID{Discovery.ID, Client.ID}, Wants: []probes.ID{Keys.ID}, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return loginFlowsProbe(ctx, env, in)
		}},
	}
	if opt.Account != nil {
		cred := *opt.Account
		ps = append(ps, probes.Func{Name: Account.ID, Needs: []probes.ID{Discovery.ID, Client.ID, LoginFlows.ID}, Wants: []probes.ID{Keys.ID}, Limit: 45 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return accountProbe(ctx, env, in, &cred)
		}})
	}
	if opt.Active {
		// Last of all: a server that rate-limits by address would refuse
		// the other client requests for a while.
		ps = append(ps, probes.Func{Name: RateLimit.ID, Needs: []probes.ID{Discovery.ID, Client.ID, LoginFlows.ID},
			Wants: []probes.ID{Keys.ID, Access.ID, Account.ID}, Limit: RateLimitTime + 15*time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
				return rateLimitProbe(ctx, env, in)
			}})
	}
	return ps
}

// plainHTTPRefused says why the password must not go to this base URL and
// address: plain http is allowed only when the address dialled is a
// loopback address.
func plainHTTPRefused(baseURL string, ep probes.Endpoint) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "unparsable base URL"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		host, _, err := net.SplitHostPort(ep.Addr)
		if err != nil {
			host = ep.Addr
		}
		if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil && ip.IsLoopback() {
			return ""
		}
		return "the base URL is plain http and " + ep.Addr + " is not a loopback address: the password is never sent without TLS"
	}
	return "base URL scheme " + u.Scheme + " is neither https nor http"
}

func accountProbe(ctx context.Context, env *probes.Env, in probes.Results, cred *probes.Credentials) probes.Observation {
	d := dataOf(in)
	ld, _ := LoginFlows.OK(in)
	ad := &AccountData{Account: cred.Account}
	if ld == nil {
		return probes.Observation{Status: probes.StatusError, Reason: "no login-flow data (bug)", Data: ad}
	}
	ad.Base = ld.Base
	_, home, err := ParseUserID(cred.Account)
	if err != nil {
		return probes.Observation{Status: probes.StatusError, Reason: "--account: " + err.Error(), Data: ad}
	}
	// Only the scanned name counts: the server_name in the keys document
	// is whatever the server claims, and a hostile server could claim to
	// be the account's home to collect its password.
	if home.String() != d.ServerName {
		return probes.Observation{Status: probes.StatusError, Reason: fmt.Sprintf("--account %s is not an account of %s: the password is only sent to the account's own server (scan %s)",
			cred.Account, d.ServerName, home.String()), Data: ad}
	}
	ad.Endpoints = make([]AccountEndpoint, len(ld.Endpoints))
	probes.Parallel(len(ld.Endpoints), probes.EndpointConcurrency, func(i int) {
		ad.Endpoints[i] = accountEndpoint(ctx, env, ld.Base, ld.Endpoints[i], cred)
	})
	var ev []probes.Evidence
	var reasons []string
	ok := false
	for _, e := range ad.Endpoints {
		for _, a := range []*Attempt{e.Login, e.Capabilities, e.Logout} {
			if a != nil {
				ev = append(ev, a.Exchange.Evidence())
			}
		}
		switch {
		case e.Refused != "":
			reasons = append(reasons, e.Endpoint.Addr+": "+e.Refused)
		case e.Capabilities != nil && e.Capabilities.Answered():
			ok = true
		case e.Login != nil && e.Login.Exchange.Status != 200:
			reasons = append(reasons, e.Endpoint.Addr+": login "+loginFailure(*e.Login))
		default:
			reasons = append(reasons, e.Endpoint.Addr+": no answer to /capabilities")
		}
	}
	if !ok {
		return probes.Observation{Status: probes.StatusError, Reason: strings.Join(reasons, "; "), Evidence: ev, Data: ad}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: ad}
}

func loginFailure(a Attempt) string {
	if a.Exchange.Status == 0 {
		return "got no answer (" + a.Exchange.Error + ")"
	}
	s := fmt.Sprintf("failed: HTTP %d", a.Exchange.Status)
	if a.ErrCode != "" {
		s += " " + a.ErrCode
	}
	return s
}

// secretAttempt is attempt with the password redacted from the sample too.
func secretAttempt(ex Exchange, cred *probes.Credentials) *Attempt {
	a := attempt(ex)
	a.Exchange.Sample = cred.Redact(a.Exchange.Sample)
	a.Exchange.Error = cred.Redact(a.Exchange.Error)
	return &a
}

func accountEndpoint(ctx context.Context, env *probes.Env, b ClientBase, le LoginEndpoint, cred *probes.Credentials) (r AccountEndpoint) {
	ep := le.Endpoint
	r.Endpoint = ep
	if why := plainHTTPRefused(b.BaseURL, ep); why != "" {
		r.Refused = why
		return r
	}
	if !le.Login.Answered() {
		r.Refused = "GET /login was not answered here"
		return r
	}
	if le.Login.Exchange.Status != 200 {
		r.Refused = fmt.Sprintf("GET /login answered HTTP %d here: no password is sent without a listed m.login.password flow", le.Login.Exchange.Status)
		return r
	}
	if !le.HasFlow("m.login.password") {
		r.Refused = "the server offers no m.login.password flow (password login is not possible)"
		return r
	}
	body, _ := json.Marshal(map[string]any{
		"type":                        "m.login.password",
		"identifier":                  map[string]string{"type": "m.id.user", "user": cred.Account},
		"password":                    cred.Password,
		"initial_device_display_name": DeviceName,
	})
	// Strict: the password goes only to a server whose certificate is
	// valid for the base URL's host.
	login := secretAttempt(do(ctx, env, request{Method: http.MethodPost, URL: b.BaseURL + "/_matrix/client/v3/login", Addr: ep.Addr, VerifyName: b.VerifyName,
		Strict: true, Max: MaxSmall, Header: map[string]string{"Content-Type": "application/json"}, Body: body}), cred)
	for i := range body {
		body[i] = 0
	}
	r.Login = login
	var v struct {
		UserID   string `json:"user_id"`
		DeviceID string `json:"device_id"`
	}
	tok := accessToken(login.Exchange)
	// The token itself, whatever its key was spelt like, and a prefix of
	// it cut off at the end of the sample.
	login.Exchange.Sample = redactValue(login.Exchange.Sample, tok)
	if login.Exchange.Status != 200 || tok == "" {
		return r
	}
	_ = json.Unmarshal(login.Exchange.Body, &v)
	r.UserID, r.DeviceID = v.UserID, v.DeviceID
	login.Exchange.Body = nil // holds the token
	auth := map[string]string{"Authorization": "Bearer " + tok}
	// Whatever happens below, the session is closed: also when the probe's
	// deadline passed or the scan was cancelled (bounded by IOTimeout).
	defer func() {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), env.IOTimeout)
		defer cancel()
		lo := secretAttempt(do(lctx, env, request{Method: http.MethodPost, URL: b.BaseURL + "/_matrix/client/v3/logout", Addr: ep.Addr, VerifyName: b.VerifyName,
			Strict: true, Max: MaxSmall, Header: map[string]string{"Content-Type": "application/json", "Authorization": auth["Authorization"]}, Body: []byte("{}")}), cred)
		r.Logout = lo
		r.LoggedOut = lo.Exchange.Status == 200
	}()
	caps := secretAttempt(do(ctx, env, request{URL: b.BaseURL + "/_matrix/client/v3/capabilities", Addr: ep.Addr, VerifyName: b.VerifyName,
		Strict: true, Max: MaxSmall, Header: auth}), cred)
	r.Capabilities = caps
	if caps.Exchange.Status == 200 && caps.Exchange.Truncated {
		r.CapabilitiesError = fmt.Sprintf("the /capabilities answer is larger than %d bytes: not read", MaxSmall)
	}
	if caps.Exchange.Status == 200 && !caps.Exchange.Truncated {
		rv, err := ParseRoomVersions(caps.Exchange.Body)
		if err != nil {
			r.CapabilitiesError = err.Error()
		}
		r.RoomVersions = rv
	}
	return r
}

// ParseRoomVersions reads m.room_versions of a /capabilities answer (nil,
// nil when the capability is absent).
func ParseRoomVersions(body []byte) (*RoomVersions, error) {
	var v struct {
		Capabilities map[string]json.RawMessage `json:"capabilities"`
	}
	if err := strictObject(body, &v); err != nil {
		return nil, err
	}
	if v.Capabilities == nil {
		return nil, fmt.Errorf("no \"capabilities\" object")
	}
	raw, ok := v.Capabilities["m.room_versions"]
	if !ok {
		return nil, nil
	}
	var rv struct {
		Default   any            `json:"default"`
		Available map[string]any `json:"available"`
	}
	if err := json.Unmarshal(raw, &rv); err != nil {
		return nil, fmt.Errorf("m.room_versions is not an object: %v", err)
	}
	out := &RoomVersions{Available: map[string]string{}}
	out.Default, _ = rv.Default.(string)
	n := 0
	for k, s := range rv.Available {
		if n++; n > 64 || len(k) > 64 {
			continue
		}
		st, _ := s.(string)
		out.Available[k] = st
	}
	if out.Default == "" {
		return out, fmt.Errorf("m.room_versions has no default")
	}
	return out, nil
}

// SortRoomVersions orders room versions numerically, then the others by
// name.
func SortRoomVersions(vs []string) {
	sort.Slice(vs, func(i, j int) bool {
		a, ea := strconv.Atoi(vs[i])
		b, eb := strconv.Atoi(vs[j])
		switch {
		case ea == nil && eb == nil:
			return a < b
		case ea == nil:
			return true
		case eb == nil:
			return false
		}
		return vs[i] < vs[j]
	})
}

// redactValue hides every occurrence of the secret v in s, and a prefix of
// v (4 bytes or more) that s ends with, as when a sample is cut inside it.
func redactValue(s, v string) string {
	if v == "" {
		return s
	}
	s = strings.ReplaceAll(s, v, "[redacted]")
	for n := len(v) - 1; n >= 4; n-- {
		if strings.HasSuffix(s, v[:n]) {
			return s[:len(s)-n] + "[redacted]"
		}
	}
	return s
}
