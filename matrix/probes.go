package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls"
)

// FederationTLS are the TLS probes of the federation endpoints.
var FederationTLS = tls.PrefixKeys("matrix.federation.tls.")

// Probes returns the probes of `scan matrix SERVER_NAME`: discovery, the
// key and version requests and the TLS grade of every federation endpoint,
// client discovery, the anonymous requests and login flows, and what opt
// adds (a logged-in session with --account, the rate-limit test with
// --active).
func Probes(serverName string, opt Options) []probes.Probe {
	ps := []probes.Probe{
		probes.Func{Name: Discovery.ID, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, _ probes.Results) probes.Observation {
			return discoveryProbe(ctx, env, serverName)
		}},
		probes.Func{Name: Keys.ID, Needs: []probes.ID{Discovery.ID}, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return keysProbe(ctx, env, in)
		}},
		probes.Func{Name: Version.ID, Needs: []probes.ID{Discovery.ID}, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return versionProbe(ctx, env, in)
		}},
		probes.Func{Name: Client.ID, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, _ probes.Results) probes.Observation {
			return clientProbe(ctx, env, serverName)
		}},
	}
	ps = append(ps, AccessProbes(serverName)...)
	ps = append(ps, AccountProbes(opt)...)
	return append(ps, federationTLSProbes()...)
}

// federationTLSProbes are the spine's TLS probes for the federation
// endpoints. The name the certificate must match is known only after
// discovery (the delegated host, or the server name), so each probe is
// wrapped: it needs matrix.discovery too and builds its tls.Target when it
// runs, then runs the spine's probe of the same ID.
func federationTLSProbes() []probes.Probe {
	var out []probes.Probe
	ids := FederationTLS
	for _, p := range tls.Probes(tls.Target{Host: "placeholder.invalid", Port: DefaultFederationPort}, ids) {
		id, needs, limit := p.ID(), append([]probes.ID{Discovery.ID}, p.Requires()...), p.Timeout()
		out = append(out, probes.Func{Name: id, Needs: needs, Limit: limit, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			d, _ := Discovery.OK(in)
			if d == nil {
				return probes.Observation{Status: probes.StatusError, Reason: "no discovery data (bug)"}
			}
			t := federationTarget(d)
			if id == ids.DANE.ID && len(d.Ports()) != 1 {
				return probes.Observation{Status: probes.StatusNotApplicable, Reason: "several federation ports: DANE per target is not implemented yet"}
			}
			for _, q := range tls.Probes(t, ids) {
				if q.ID() == id {
					o := q.Run(ctx, env, in)
					if dd, ok := o.Data.(*tls.DANEData); ok && id == ids.DANE.ID {
						dd.SRV = d.srvDNSSEC()
					}
					return o
				}
			}
			return probes.Observation{Status: probes.StatusError, Reason: "tls.Probes has no probe " + string(id) + " (bug)"}
		}})
	}
	return out
}

// federationTarget is the TLS target of the federation endpoints: SNI and
// name checks against CertName; DANE asks TLSA at the host dialled.
func federationTarget(d *DiscoveryData) tls.Target {
	host := d.CertName
	port := DefaultFederationPort
	if ps := d.Ports(); len(ps) > 0 {
		port = ps[0]
	}
	if len(d.Endpoints) > 0 && d.Endpoints[0].Via != "literal" {
		host = d.Endpoints[0].Name
	}
	return tls.Target{Host: host, Port: port, SNI: d.CertName, Endpoints: &tls.EndpointSource{
		Needs: []probes.ID{Discovery.ID},
		Find: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return probes.Observation{Status: probes.StatusOK, Data: &tls.EndpointsData{Host: d.CertName, Port: port, Endpoints: d.Endpoints}}
		},
	}}
}

// federationURL is the URL of path on the federation endpoints: the host
// part is the Host header the spec requires.
func federationURL(d *DiscoveryData, path string) string {
	return "https://" + d.HostHeader + path
}

// EndpointKeys is one endpoint's /_matrix/key/v2/server.
type EndpointKeys struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	Status   probes.Status   `json:"status"`
	Reason   string          `json:"reason,omitempty"`
	Exchange Exchange        `json:"exchange"`
	Keys     *ServerKeys     `json:"keys,omitempty"`
}

// KeysData is the data of matrix.federation.keys.
type KeysData struct {
	// Expected is the server name the keys must be for.
	Expected string `json:"expected_server_name"`
	// CheckedAtMS is the probe's clock (Unix ms), against which the
	// criterion judges valid_until_ts.
	CheckedAtMS int64          `json:"checked_at_ms"`
	Endpoints   []EndpointKeys `json:"endpoints"`
}

// Keys is the observation of the federation key request.
var Keys = probes.Key[*KeysData]{ID: "matrix.federation.keys"}

func dataOf(in probes.Results) *DiscoveryData {
	d, _ := Discovery.OK(in)
	return d
}

func keysProbe(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
	d := dataOf(in)
	kd := &KeysData{Expected: d.ServerName, CheckedAtMS: env.Clock.Now().UnixMilli()}
	kd.Endpoints = probes.ForEndpoints(ctx, d.Endpoints, func(ctx context.Context, ep probes.Endpoint) EndpointKeys {
		ex := do(ctx, env, request{URL: federationURL(d, "/_matrix/key/v2/server"), Addr: ep.Addr, VerifyName: d.CertName, Max: MaxKeys})
		r := EndpointKeys{Endpoint: ep, Exchange: ex, Status: probes.StatusOK}
		switch {
		case ex.Status == 0:
			r.Status, r.Reason = ex.ErrStatus, ex.Error
		case ex.Status != 200:
			r.Status, r.Reason = probes.StatusProtocolError, fmt.Sprintf("HTTP %d", ex.Status)
		case ex.Truncated:
			r.Status, r.Reason = probes.StatusProtocolError, fmt.Sprintf("answer larger than %d bytes", MaxKeys)
		case ex.Error != "":
			r.Status, r.Reason = ex.ErrStatus, ex.Error
		default:
			k, err := ParseServerKeys(ex.Body)
			if err != nil {
				r.Status, r.Reason = probes.StatusProtocolError, "not a key document: "+err.Error()
			}
			r.Keys = k
		}
		return r
	})
	var ev []probes.Evidence
	ok := false
	var reasons []string
	for _, e := range kd.Endpoints {
		ev = append(ev, e.Exchange.Evidence())
		if e.Status == probes.StatusOK || e.Exchange.Status != 0 {
			ok = true
		} else {
			reasons = append(reasons, e.Endpoint.Addr+": "+e.Reason)
		}
	}
	if !ok {
		return probes.Observation{Status: kd.Endpoints[0].Status, Reason: strings.Join(reasons, "; "), Evidence: ev, Data: kd}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: kd}
}

// EndpointVersion is one endpoint's /_matrix/federation/v1/version.
type EndpointVersion struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	Status   probes.Status   `json:"status"`
	Reason   string          `json:"reason,omitempty"`
	Exchange Exchange        `json:"exchange"`
	// Name and Version of server (absent when not disclosed).
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	// ServerHeader is the HTTP Server header.
	ServerHeader string `json:"server_header,omitempty"`
}

// VersionData is the data of matrix.federation.version.
type VersionData struct {
	Endpoints []EndpointVersion `json:"endpoints"`
}

// Version is the observation of the federation version request.
var Version = probes.Key[*VersionData]{ID: "matrix.federation.version"}

func versionProbe(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
	d := dataOf(in)
	vd := &VersionData{}
	vd.Endpoints = probes.ForEndpoints(ctx, d.Endpoints, func(ctx context.Context, ep probes.Endpoint) EndpointVersion {
		ex := do(ctx, env, request{URL: federationURL(d, "/_matrix/federation/v1/version"), Addr: ep.Addr, VerifyName: d.CertName, Max: MaxSmall})
		r := EndpointVersion{Endpoint: ep, Exchange: ex, Status: probes.StatusOK, ServerHeader: ex.Header["Server"]}
		switch {
		case ex.Status == 0:
			r.Status, r.Reason = ex.ErrStatus, ex.Error
		case ex.Status == 200 && !ex.Truncated:
			name, ver, err := ParseFederationVersion(ex.Body)
			if err != nil {
				r.Reason = "unparsable answer: " + err.Error()
			}
			r.Name, r.Version = name, ver
		default:
			r.Reason = fmt.Sprintf("HTTP %d", ex.Status)
		}
		return r
	})
	var ev []probes.Evidence
	ok := false
	for _, e := range vd.Endpoints {
		ev = append(ev, e.Exchange.Evidence())
		ok = ok || e.Status == probes.StatusOK
	}
	if !ok {
		return probes.Observation{Status: vd.Endpoints[0].Status, Reason: vd.Endpoints[0].Reason, Evidence: ev, Data: vd}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: vd}
}

// ParseFederationVersion reads {"server":{"name":…,"version":…}}.
func ParseFederationVersion(body []byte) (name, version string, err error) {
	var v struct {
		Server *struct {
			Name    any `json:"name"`
			Version any `json:"version"`
		} `json:"server"`
	}
	if err := strictObject(body, &v); err != nil {
		return "", "", err
	}
	if v.Server == nil {
		return "", "", fmt.Errorf("no \"server\" object")
	}
	str := func(x any) string {
		s, _ := x.(string)
		if len(s) > 200 {
			s = s[:200]
		}
		return s
	}
	return str(v.Server.Name), str(v.Server.Version), nil
}

// jsonStrings decodes a JSON array of strings, ignoring non-strings.
func jsonStrings(raw json.RawMessage) []string {
	var xs []any
	_ = json.Unmarshal(raw, &xs)
	var out []string
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
