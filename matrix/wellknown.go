package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/imscore/imscore/probes"
)

// Well-known outcomes (WellKnown.Result).
const (
	WKValid          = "valid"
	WKNotFound       = "not-found"     // 404
	WKHTTPError      = "http-error"    // another non-200 status
	WKTooLarge       = "too-large"     // body over MaxWellKnown
	WKInvalidJSON    = "invalid-json"  // not a JSON object
	WKMissing        = "missing-field" // no m.server / m.homeserver.base_url
	WKInvalidValue   = "invalid-value" // the field does not parse
	WKRedirectLoop   = "redirect-loop"
	WKTooManyHops    = "too-many-redirects"
	WKBadRedirect    = "bad-redirect" // not https, or unparsable Location
	WKUnreachable    = "unreachable"  // no HTTP answer (DNS, refused, TLS, timeout)
	WKNotApplicable  = "not-applicable"
	wellKnownServer  = "/.well-known/matrix/server"
	wellKnownClient  = "/.well-known/matrix/client"
	wellKnownSupport = "/.well-known/matrix/support"
)

// WellKnown is one .well-known request, with every redirect hop.
type WellKnown struct {
	URL string `json:"url"`
	// Exchanges are the requests made, in order (one per hop, plus any
	// address that gave no HTTP answer before one did).
	Exchanges []Exchange `json:"exchanges"`
	Redirects int        `json:"redirects,omitempty"`
	Result    string     `json:"result"`
	Reason    string     `json:"reason,omitempty"`
	// Status is the final HTTP status (0 when none).
	Status int `json:"status,omitempty"`
	// CacheControl and Expires of the final answer (the spec asks servers
	// to honour them, default 24 h, at most 48 h).
	CacheControl string `json:"cache_control,omitempty"`
	Expires      string `json:"expires,omitempty"`
	// CORS is the Access-Control-Allow-Origin of the final answer.
	CORS string `json:"cors,omitempty"`
	// Body is the final answer's body (at most MaxWellKnown).
	Body []byte `json:"-"`
	// Evidence of the address lookups.
	Evidence []probes.Evidence `json:"-"`
}

// Valid reports whether the final answer was a 200 with a usable body.
func (w *WellKnown) Valid() bool { return w != nil && w.Result == WKValid }

// fetchWellKnown GETs https://host/path (port 443, whatever the server
// name's port), follows 30x redirects to https URLs as the spec says
// ("30x redirects should be followed, however redirection loops should be
// avoided"), at most MaxRedirects hops, and classifies the final answer's
// HTTP status and size. The caller judges the JSON.
func fetchWellKnown(ctx context.Context, env *probes.Env, host, path string, hdr map[string]string) *WellKnown {
	u := "https://" + HostPort(host, 0) + path
	w := &WellKnown{URL: u}
	seen := map[string]bool{}
	for hop := 0; ; hop++ {
		if seen[u] {
			w.Result, w.Reason = WKRedirectLoop, "redirect loop: "+u+" was already requested"
			return w
		}
		seen[u] = true
		pu, err := url.Parse(u)
		if err != nil || pu.Scheme != "https" || pu.Hostname() == "" {
			w.Result, w.Reason = WKBadRedirect, fmt.Sprintf("redirect to %q: only https URLs are followed", u)
			return w
		}
		port := 443
		if p := pu.Port(); p != "" {
			port, _ = strconv.Atoi(p)
		}
		eps, ev, _, err := env.ResolveEndpoints(ctx, pu.Hostname(), port)
		w.Evidence = append(w.Evidence, ev...)
		var refused *probes.RefusedError
		switch {
		case err != nil && hop > 0 && errors.As(err, &refused):
			// A redirect into an internal network (the scan's guard
			// refused it) is a bad redirect, not an unreachable server.
			w.Result, w.Reason = WKBadRedirect, "redirect to "+u+": "+err.Error()
			return w
		case err != nil:
			w.Result, w.Reason = WKUnreachable, err.Error()
			return w
		}
		var ex Exchange
		for i, ep := range eps {
			ex = do(ctx, env, request{URL: u, Addr: ep.Addr, VerifyName: pu.Hostname(), Strict: true, Max: MaxWellKnown, Header: hdr})
			w.Exchanges = append(w.Exchanges, ex)
			if ex.Status != 0 || i == len(eps)-1 || ctx.Err() != nil {
				break
			}
		}
		w.Status = ex.Status
		if ex.Status == 0 {
			w.Result, w.Reason = WKUnreachable, ex.Error
			return w
		}
		if ex.Status >= 300 && ex.Status < 400 && ex.Status != 304 {
			loc := ex.Header["Location"]
			next, err := pu.Parse(loc)
			if loc == "" || err != nil {
				w.Result, w.Reason = WKBadRedirect, fmt.Sprintf("HTTP %d without a usable Location (%q)", ex.Status, loc)
				return w
			}
			if hop == MaxRedirects {
				w.Result, w.Reason = WKTooManyHops, fmt.Sprintf("more than %d redirects", MaxRedirects)
				return w
			}
			w.Redirects++
			u = next.String()
			continue
		}
		w.CacheControl, w.Expires, w.CORS = ex.Header["Cache-Control"], ex.Header["Expires"], ex.Header["Access-Control-Allow-Origin"]
		switch {
		case ex.Status == 404:
			w.Result, w.Reason = WKNotFound, "HTTP 404"
		case ex.Status != 200:
			w.Result, w.Reason = WKHTTPError, fmt.Sprintf("HTTP %d", ex.Status)
		case ex.Truncated:
			w.Result, w.Reason = WKTooLarge, fmt.Sprintf("body larger than %d bytes", MaxWellKnown)
		case ex.Error != "":
			w.Result, w.Reason = WKUnreachable, ex.Error
		default:
			w.Result, w.Body = WKValid, ex.Body
		}
		return w
	}
}

// ParseWellKnownServer parses a /.well-known/matrix/server body: a JSON
// object whose "m.server" is a server name (hostname[:port]).
func ParseWellKnownServer(body []byte) (ServerName, string, error) {
	var m map[string]json.RawMessage
	if err := strictObject(body, &m); err != nil {
		return ServerName{}, "", err
	}
	raw, ok := m["m.server"]
	if !ok {
		return ServerName{}, "", fmt.Errorf("no \"m.server\" property")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return ServerName{}, "", fmt.Errorf("\"m.server\" is not a string")
	}
	sn, err := ParseServerName(s)
	if err != nil {
		return ServerName{}, s, err
	}
	return sn, s, nil
}

// ClientWellKnown is the parsed /.well-known/matrix/client.
type ClientWellKnown struct {
	BaseURL string `json:"base_url"`
	// IdentityServer is m.identity_server.base_url, if any.
	IdentityServer string `json:"identity_server,omitempty"`
	// Keys are the top-level properties present (e.g. io.element.e2ee).
	Keys []string `json:"keys"`
	// E2EE is the raw io.element.e2ee object, if present.
	E2EE json.RawMessage `json:"io_element_e2ee,omitempty"`
}

// ParseWellKnownClient parses a /.well-known/matrix/client body: a JSON
// object with m.homeserver.base_url an http(s) URL.
func ParseWellKnownClient(body []byte) (*ClientWellKnown, error) {
	var m map[string]json.RawMessage
	if err := strictObject(body, &m); err != nil {
		return nil, err
	}
	c := &ClientWellKnown{}
	for k := range m {
		c.Keys = append(c.Keys, k)
	}
	slices.Sort(c.Keys)
	c.E2EE = m["io.element.e2ee"]
	hs, ok := m["m.homeserver"]
	if !ok {
		return c, fmt.Errorf("no \"m.homeserver\" property")
	}
	var h struct {
		BaseURL *string `json:"base_url"`
	}
	if err := json.Unmarshal(hs, &h); err != nil || h.BaseURL == nil {
		return c, fmt.Errorf("\"m.homeserver\" has no string \"base_url\"")
	}
	c.BaseURL = *h.BaseURL
	if is, ok := m["m.identity_server"]; ok {
		var i struct {
			BaseURL string `json:"base_url"`
		}
		if json.Unmarshal(is, &i) == nil {
			c.IdentityServer = i.BaseURL
		}
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return c, fmt.Errorf("base_url %q is not an http(s) URL", c.BaseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return c, fmt.Errorf("base_url %q has user info, a query or a fragment", c.BaseURL)
	}
	return c, nil
}

// strictObject decodes a JSON object, rejecting trailing data.
func strictObject(body []byte, v any) error {
	if !json.Valid(body) {
		return fmt.Errorf("not valid JSON")
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	return nil
}

// trimBase removes a trailing slash of a base URL.
func trimBase(u string) string { return strings.TrimRight(u, "/") }
