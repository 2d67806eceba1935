package matrix

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imscore/imscore/probes"
)

// Probe IDs of the login flows, the logged-in requests and the rate-limit
// test.
const (
	// IDLoginFlows asks every client address for its login flows and its
	// OAuth 2.0 authorisation server metadata (no account needed).
	IDLoginFlows probes.ID = "matrix.client.login"
	// IDAccount logs in with --account (m.login.password), reads
	// /capabilities and logs out again, on every client address.
	IDAccount probes.ID = "matrix.client.account"
	// IDRateLimit sends failing logins until the server rate-limits them
	// (only with --active).
	IDRateLimit probes.ID = "matrix.client.ratelimit"
)

// Bounds of the logged-in and active requests.
const (
	// MaxRateLimitRequests is the whole budget of the rate-limit test (split
	// over the client addresses); RateLimitWorkers how many are in flight at
	// once; RateLimitTime bounds the test per address.
	MaxRateLimitRequests = 30
	RateLimitWorkers     = 10
	RateLimitTime        = 15 * time.Second
	// DeviceName is the display name of the device a logged-in scan creates
	// (and deletes at once with /logout).
	DeviceName = "imscore scan (logged out at the end of the scan)"
)

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

// LoginFlow is one flow of GET /login.
type LoginFlow struct {
	Type string `json:"type"`
	// IdentityProviders names the SSO providers (m.login.sso).
	IdentityProviders []string `json:"identity_providers,omitempty"`
}

// LoginEndpoint is the login discovery of one client address.
type LoginEndpoint struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	// Login is GET /_matrix/client/v3/login; Flows what it lists.
	Login Attempt     `json:"login"`
	Flows []LoginFlow `json:"flows,omitempty"`
	// AuthMetadata is GET /_matrix/client/v1/auth_metadata (Matrix 1.15,
	// OAuth 2.0 API); AuthMetadataUnstable the MSC2965 path, asked when the
	// stable one gives no metadata.
	AuthMetadata         Attempt  `json:"auth_metadata"`
	AuthMetadataUnstable *Attempt `json:"auth_metadata_unstable,omitempty"`
	// Issuer is the OAuth 2.0 issuer of the metadata ("" when none).
	Issuer string `json:"issuer,omitempty"`
}

// HasFlow reports whether the flows list typ.
func (e *LoginEndpoint) HasFlow(typ string) bool {
	for _, f := range e.Flows {
		if f.Type == typ {
			return true
		}
	}
	return false
}

// LoginData is the data of matrix.client.login.
type LoginData struct {
	Base      ClientBase      `json:"base"`
	Endpoints []LoginEndpoint `json:"endpoints"`
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

// Rate-limit test phases (RateLimitPhase.Mode).
const (
	// PhaseOneConnection: sequential failing logins over one kept-alive
	// connection, as a careless client would send them.
	PhaseOneConnection = "one-connection"
	// PhaseNewConnections: RateLimitWorkers at a time, each over a new
	// connection (a new source port), as an attacker would send them.
	PhaseNewConnections = "new-connections"
)

// RateLimitPhase is one burst of failing logins.
type RateLimitPhase struct {
	Mode string `json:"mode"`
	// Budget is how many requests were allowed; Sent how many went out.
	Budget int `json:"budget"`
	Sent   int `json:"sent"`
	// Statuses counts the answers by HTTP status (0: no answer).
	Statuses map[int]int `json:"statuses"`
	// LimitedAfter is how many requests had been answered normally when the
	// first limiting answer came; LimitStatus that status (429, or 503 after
	// normal answers: a proxy's limit; 0: none came); RetryAfterMS the
	// server's retry_after_ms.
	LimitedAfter int   `json:"limited_after,omitempty"`
	LimitStatus  int   `json:"limit_status,omitempty"`
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
	DurationMS   int64 `json:"duration_ms"`
	// Samples are the first answer, the first limiting one and the last
	// (every request is counted in Statuses).
	Samples []Attempt `json:"samples"`
}

// Complete reports whether the phase measured something: a limit came, or
// every request of the budget was answered without a server error.
func (p *RateLimitPhase) Complete() bool {
	if p.LimitStatus != 0 {
		return true
	}
	for st, n := range p.Statuses {
		if n > 0 && (st == 0 || st >= 500) {
			return false
		}
	}
	return p.Sent >= p.Budget
}

// RateLimitEndpoint is the rate-limit test on one client address: first
// over one connection, then over new connections.
type RateLimitEndpoint struct {
	Endpoint      probes.Endpoint `json:"endpoint"`
	OneConnection RateLimitPhase  `json:"one_connection"`
	NewConns      RateLimitPhase  `json:"new_connections"`
}

// RateLimitData is the data of matrix.client.ratelimit.
type RateLimitData struct {
	Base ClientBase `json:"base"`
	// User is the made-up account the failing logins name.
	User      string              `json:"user"`
	Endpoints []RateLimitEndpoint `json:"endpoints"`
}

// AccountProbes are the probes that --account and --active add, and the
// login-flow probe every scan runs.
func AccountProbes(opt Options) []probes.Probe {
	ps := []probes.Probe{
		probes.Func{Name: IDLoginFlows, Needs: []probes.ID{IDDiscovery, IDClient}, Wants: []probes.ID{IDKeys}, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return loginFlowsProbe(ctx, env, in)
		}},
	}
	if opt.Account != nil {
		cred := *opt.Account
		ps = append(ps, probes.Func{Name: IDAccount, Needs: []probes.ID{IDDiscovery, IDClient, IDLoginFlows}, Wants: []probes.ID{IDKeys}, Limit: 45 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return accountProbe(ctx, env, in, &cred)
		}})
	}
	if opt.Active {
		// Last of all: a server that rate-limits by address would refuse
		// the other client requests for a while.
		ps = append(ps, probes.Func{Name: IDRateLimit, Needs: []probes.ID{IDDiscovery, IDClient, IDLoginFlows},
			Wants: []probes.ID{IDKeys, IDAccess, IDAccount}, Limit: RateLimitTime + 15*time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
				return rateLimitProbe(ctx, env, in)
			}})
	}
	return ps
}

// localName is the name the server calls itself (its keys' server_name),
// else the scanned name.
func localName(in probes.Results, d *DiscoveryData) string {
	if kd, ok := probes.Data[*KeysData](in, IDKeys); ok {
		for _, e := range kd.Endpoints {
			if e.Keys != nil && e.Keys.ServerName != "" {
				if _, err := ParseServerName(e.Keys.ServerName); err == nil {
					return e.Keys.ServerName
				}
			}
		}
	}
	return d.ServerName
}

func clientGet(ctx context.Context, env *probes.Env, b ClientBase, ep probes.Endpoint, path string, hdr map[string]string) Attempt {
	return attempt(do(ctx, env, request{URL: b.BaseURL + path, Addr: ep.Addr, VerifyName: b.VerifyName, Strict: b.Via == "well-known", Max: MaxSmall, Header: hdr}))
}

func loginFlowsProbe(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
	d := dataOf(in)
	cd, _ := probes.Data[*ClientData](in, IDClient)
	b, ok := clientBase(d, cd)
	if !ok {
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "no client API address (no usable base_url, no federation address)"}
	}
	ld := &LoginData{Base: b}
	ld.Endpoints = probes.ForEndpoints(ctx, b.Endpoints, func(ctx context.Context, ep probes.Endpoint) LoginEndpoint {
		r := LoginEndpoint{Endpoint: ep}
		r.Login = clientGet(ctx, env, b, ep, "/_matrix/client/v3/login", nil)
		if r.Login.Exchange.Status == 0 {
			return r
		}
		if r.Login.Exchange.Status == 200 && !r.Login.Exchange.Truncated {
			r.Flows = ParseLoginFlows(r.Login.Exchange.Body)
		}
		r.AuthMetadata = clientGet(ctx, env, b, ep, "/_matrix/client/v1/auth_metadata", nil)
		r.Issuer = authIssuer(r.AuthMetadata)
		if r.Issuer == "" {
			u := clientGet(ctx, env, b, ep, "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata", nil)
			r.AuthMetadataUnstable = &u
			r.Issuer = authIssuer(u)
		}
		return r
	})
	var ev []probes.Evidence
	answered := false
	for _, e := range ld.Endpoints {
		for _, a := range []*Attempt{&e.Login, &e.AuthMetadata, e.AuthMetadataUnstable} {
			if a != nil && a.Exchange.Method != "" {
				ev = append(ev, a.Exchange.Evidence())
			}
		}
		answered = answered || e.Login.Answered()
	}
	if !answered {
		e := ld.Endpoints[0].Login.Exchange
		return probes.Observation{Status: e.ErrStatus, Reason: "the client API at " + b.BaseURL + " did not answer: " + e.Error, Evidence: ev, Data: ld}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: ld}
}

// ParseLoginFlows reads {"flows":[{"type":…,"identity_providers":[…]}]}
// (at most 32 flows, 16 providers each).
func ParseLoginFlows(body []byte) []LoginFlow {
	var v struct {
		Flows []struct {
			Type string `json:"type"`
			IdPs []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"identity_providers"`
		} `json:"flows"`
	}
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []LoginFlow
	for i, f := range v.Flows {
		if i >= 32 || len(f.Type) > 128 {
			break
		}
		lf := LoginFlow{Type: f.Type}
		for j, p := range f.IdPs {
			if j >= 16 {
				break
			}
			n := p.Name
			if n == "" {
				n = p.ID
			}
			if len(n) > 64 {
				n = n[:64]
			}
			lf.IdentityProviders = append(lf.IdentityProviders, n)
		}
		out = append(out, lf)
	}
	return out
}

// authIssuer is the issuer of an OAuth 2.0 authorisation server metadata
// answer ("" unless a 200 JSON object with an issuer and an
// authorization_endpoint).
func authIssuer(a Attempt) string {
	if a.Exchange.Status != 200 || a.Exchange.Truncated {
		return ""
	}
	var v struct {
		Issuer string `json:"issuer"`
		Auth   string `json:"authorization_endpoint"`
	}
	if strictObject(a.Exchange.Body, &v) != nil || v.Issuer == "" || v.Auth == "" || len(v.Issuer) > 512 {
		return ""
	}
	return v.Issuer
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
	ld, _ := probes.Data[*LoginData](in, IDLoginFlows)
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

// randomPassword is the wrong password of the rate-limit test.
func randomPassword() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "imscore-wrong-" + hex.EncodeToString(b[:])
}

func rateLimitProbe(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
	d := dataOf(in)
	ld, _ := probes.Data[*LoginData](in, IDLoginFlows)
	if ld == nil {
		return probes.Observation{Status: probes.StatusError, Reason: "no login-flow data (bug)"}
	}
	rd := &RateLimitData{Base: ld.Base, User: "@" + ProbeLocalpart + ":" + localName(in, d)}
	var eps []probes.Endpoint
	for _, e := range ld.Endpoints {
		if e.Login.Answered() {
			eps = append(eps, e.Endpoint)
		}
	}
	if len(eps) == 0 {
		return probes.Observation{Status: probes.StatusError, Reason: "no client address answered GET /login", Data: rd}
	}
	if len(eps) > MaxRateLimitRequests/2 {
		// At least two requests per address, and never more than the
		// documented total.
		eps = eps[:MaxRateLimitRequests/2]
	}
	budget := max(2, MaxRateLimitRequests/len(eps))
	rd.Endpoints = probes.ForEndpoints(ctx, eps, func(ctx context.Context, ep probes.Endpoint) RateLimitEndpoint {
		ctx, cancel := context.WithTimeout(ctx, RateLimitTime)
		defer cancel()
		body, _ := json.Marshal(map[string]any{
			"type":       "m.login.password",
			"identifier": map[string]string{"type": "m.id.user", "user": rd.User},
			"password":   randomPassword(),
		})
		one := budget * 2 / 5
		r := RateLimitEndpoint{Endpoint: ep}
		r.OneConnection = rateLimitPhase(ctx, env, ld.Base, ep, body, PhaseOneConnection, one)
		r.NewConns = rateLimitPhase(ctx, env, ld.Base, ep, body, PhaseNewConnections, budget-one)
		return r
	})
	var ev []probes.Evidence
	for _, e := range rd.Endpoints {
		for _, p := range []*RateLimitPhase{&e.OneConnection, &e.NewConns} {
			for _, a := range p.Samples {
				ev = append(ev, a.Exchange.Evidence())
			}
		}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: rd}
}

// rateLimitPhase sends up to budget failing logins and stops at the first
// 429 (or a 503 after normal answers: a proxy's limit). One connection:
// sequentially over one kept-alive connection; new connections:
// RateLimitWorkers at a time, a new connection each.
func rateLimitPhase(ctx context.Context, env *probes.Env, b ClientBase, ep probes.Endpoint, body []byte, mode string, budget int) RateLimitPhase {
	r := RateLimitPhase{Mode: mode, Budget: budget, Statuses: map[int]int{}}
	req := request{Method: http.MethodPost, URL: b.BaseURL + "/_matrix/client/v3/login", Addr: ep.Addr, VerifyName: b.VerifyName,
		Strict: b.Via == "well-known", Max: MaxSmall, Header: map[string]string{"Content-Type": "application/json"}, Body: body}
	workers := RateLimitWorkers
	var tls Exchange
	if mode == PhaseOneConnection {
		workers = 1
		req.Conn = keepAlive(env, req, &tls)
		defer req.Conn.CloseIdleConnections()
	}
	start := env.Clock.Now()
	var (
		mu                 sync.Mutex
		next               atomic.Int64
		stop               atomic.Bool
		answered           int
		first, limit, last *Attempt
	)
	probes.Parallel(workers, workers, func(int) {
		for !stop.Load() && ctx.Err() == nil {
			if next.Add(1) > int64(budget) {
				return
			}
			a := attempt(do(ctx, env, req))
			a.Exchange.Body = nil
			if a.Exchange.TLSVersion == "" && tls.TLSVersion != "" {
				a.Exchange.TLSVersion, a.Exchange.CertVerified, a.Exchange.CertError, a.Exchange.SNI = tls.TLSVersion, tls.CertVerified, tls.CertError, tls.SNI
			}
			st := a.Exchange.Status
			mu.Lock()
			r.Sent++
			r.Statuses[st]++
			isLimit := st == 429 || (st == 503 && answered > 0)
			switch {
			case isLimit && limit == nil:
				limit = &a
				r.LimitedAfter, r.LimitStatus = answered, st
				r.RetryAfterMS = retryAfter(a)
				stop.Store(true)
			case st != 0 && !isLimit:
				answered++
				if first == nil {
					first = &a
				}
			}
			last = &a
			mu.Unlock()
		}
	})
	r.DurationMS = env.Clock.Now().Sub(start).Milliseconds()
	var kept []*Attempt
	for _, a := range []*Attempt{first, limit, last} {
		if a != nil && (len(kept) == 0 || kept[len(kept)-1] != a) && (len(kept) < 2 || kept[0] != a) {
			kept = append(kept, a)
			r.Samples = append(r.Samples, *a)
		}
	}
	return r
}

// retryAfter reads retry_after_ms of a 429 answer (the sample: the body is
// dropped).
func retryAfter(a Attempt) int64 {
	var v struct {
		Retry int64 `json:"retry_after_ms"`
	}
	_ = json.Unmarshal([]byte(a.Exchange.Sample), &v)
	return v.Retry
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
