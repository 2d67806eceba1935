package matrix

import (
	"context"
	"encoding/json"

	"github.com/imscore/imscore/probes"
)

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

// LoginFlows is the observation of the login-flow probe: every client
// address's login flows and OAuth 2.0 authorisation server metadata (no
// account needed).
var LoginFlows = probes.Key[*LoginData]{ID: "matrix.client.login"}

// localName is the name the server calls itself (its keys' server_name),
// else the scanned name.
func localName(in probes.Results, d *DiscoveryData) string {
	if kd, ok := Keys.OK(in); ok {
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
	cd, _ := Client.OK(in)
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
