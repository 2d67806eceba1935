package matrix

import (
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

// ProbeOrigin is the Origin header of our client requests, to see the CORS
// headers a web client would get (a name that cannot exist, RFC 6761).
const ProbeOrigin = "https://imscore.invalid"

// ClientEndpoint is GET base_url/_matrix/client/versions on one address.
type ClientEndpoint struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	Status   probes.Status   `json:"status"`
	Reason   string          `json:"reason,omitempty"`
	Exchange Exchange        `json:"exchange"`
	// Versions are the spec versions advertised; Unstable the unstable
	// features switched on.
	Versions []string `json:"versions,omitempty"`
	Unstable []string `json:"unstable_features,omitempty"`
	// CORS is Access-Control-Allow-Origin (empty: none).
	CORS string `json:"cors,omitempty"`
}

// ClientData is the data of matrix.client.
type ClientData struct {
	Host string `json:"host"`
	// WellKnown is the /.well-known/matrix/client request.
	WellKnown *WellKnown `json:"well_known"`
	// Parsed is the parsed file (nil when absent or not a JSON object);
	// ParseError says what was wrong with it.
	Parsed     *ClientWellKnown `json:"parsed,omitempty"`
	ParseError string           `json:"parse_error,omitempty"`
	// BaseURL is m.homeserver.base_url without a trailing slash.
	BaseURL   string           `json:"base_url,omitempty"`
	Endpoints []ClientEndpoint `json:"endpoints,omitempty"`
	// Error says why the base URL could not be reached at all.
	Error string `json:"error,omitempty"`
}

// Client is the observation of client discovery.
var Client = probes.Key[*ClientData]{ID: "matrix.client"}

// Reachable reports whether some address answered /versions with 200.
func (c *ClientData) Reachable() bool {
	for _, e := range c.Endpoints {
		if e.Status == probes.StatusOK {
			return true
		}
	}
	return false
}

func clientProbe(ctx context.Context, env *probes.Env, serverName string) probes.Observation {
	sn, err := ParseServerName(serverName)
	if err != nil {
		return probes.Observation{Status: probes.StatusError, Reason: err.Error()}
	}
	cd := &ClientData{Host: sn.Host}
	if sn.IP {
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "the server name is an IP address: clients have no .well-known to ask", Data: cd}
	}
	w := fetchWellKnown(ctx, env, sn.Host, wellKnownClient, map[string]string{"Origin": ProbeOrigin})
	cd.WellKnown = w
	ev := append([]probes.Evidence(nil), w.Evidence...)
	for _, x := range w.Exchanges {
		ev = append(ev, x.Evidence())
	}
	if !w.Valid() {
		return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: cd}
	}
	p, err := ParseWellKnownClient(w.Body)
	cd.Parsed = p
	if err != nil {
		cd.ParseError = err.Error()
		return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: cd}
	}
	cd.BaseURL = trimBase(p.BaseURL)
	u, _ := url.Parse(cd.BaseURL)
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if ps := u.Port(); ps != "" {
		port, _ = strconv.Atoi(ps)
	}
	eps, ev2, st, err := env.ResolveEndpoints(ctx, u.Hostname(), port)
	ev = append(ev, ev2...)
	if err != nil {
		cd.Error = err.Error()
		// A base URL that sends clients of a public server into an
		// internal network is not followed (the scan's guard refused it):
		// the server's answer is wrong, not the network.
		var refused *probes.RefusedError
		if errors.As(err, &refused) {
			st = probes.StatusProtocolError
		}
		return probes.Observation{Status: st, Reason: "base_url " + cd.BaseURL + ": " + err.Error(), Evidence: ev, Data: cd}
	}
	cd.Endpoints = probes.ForEndpoints(ctx, eps, func(ctx context.Context, ep probes.Endpoint) ClientEndpoint {
		ex := do(ctx, env, request{URL: cd.BaseURL + "/_matrix/client/versions", Addr: ep.Addr, VerifyName: u.Hostname(), Strict: true,
			Max: MaxSmall, Header: map[string]string{"Origin": ProbeOrigin}})
		r := ClientEndpoint{Endpoint: ep, Exchange: ex, Status: probes.StatusOK, CORS: ex.Header["Access-Control-Allow-Origin"]}
		switch {
		case ex.Status == 0:
			r.Status, r.Reason = ex.ErrStatus, ex.Error
		case ex.Status != 200 || ex.Truncated:
			r.Status, r.Reason = probes.StatusProtocolError, fmt.Sprintf("HTTP %d", ex.Status)
		default:
			vs, un, err := ParseClientVersions(ex.Body)
			if err != nil {
				r.Status, r.Reason = probes.StatusProtocolError, "not a /versions answer: "+err.Error()
			}
			r.Versions, r.Unstable = vs, un
		}
		return r
	})
	for _, e := range cd.Endpoints {
		ev = append(ev, e.Exchange.Evidence())
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: cd}
}

// ParseClientVersions reads {"versions":[…],"unstable_features":{…}}:
// the versions and the unstable features that are true.
func ParseClientVersions(body []byte) (versions, unstable []string, err error) {
	var v struct {
		Versions json.RawMessage            `json:"versions"`
		Unstable map[string]json.RawMessage `json:"unstable_features"`
	}
	if err := strictObject(body, &v); err != nil {
		return nil, nil, err
	}
	versions = jsonStrings(v.Versions)
	if len(versions) == 0 {
		return nil, nil, fmt.Errorf("no \"versions\"")
	}
	for k, raw := range v.Unstable {
		if strings.TrimSpace(string(raw)) == "true" {
			unstable = append(unstable, k)
		}
	}
	slices.Sort(unstable)
	return versions, unstable, nil
}
