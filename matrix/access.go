package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/imscore/imscore/probes"
)

// Caps of the anonymous requests.
const (
	// MaxDirectory caps a publicRooms answer (we ask for at most
	// DirectoryLimit rooms).
	MaxDirectory   = 256 << 10
	DirectoryLimit = 20
	// MaxMediaSample is what we read of a media download: the status and
	// the first bytes are the evidence, the file itself is not wanted.
	MaxMediaSample = 4 << 10
	// MaxKnownUsers and MaxMediaTried bound the follow-up requests.
	MaxKnownUsers = 2
	MaxMediaTried = 2
	// ProbeLocalpart is the made-up user of the profile and
	// register/available requests (never registered: imscore never
	// registers a user account).
	ProbeLocalpart = "imscore-probe-no-such-user-7f3a"
	// ProbeMediaID is the made-up media ID of the media requests.
	ProbeMediaID = "imscoreNoSuchMedia7f3a9c"
)

// ClientBase is where the anonymous client requests go.
type ClientBase struct {
	BaseURL    string `json:"base_url"`
	VerifyName string `json:"verify_name"`
	// Via: "well-known" (m.homeserver.base_url), or "federation" (no usable
	// client well-known: the federation addresses, which often serve the
	// client API too).
	Via       string            `json:"via"`
	Endpoints []probes.Endpoint `json:"endpoints"`
}

// Attempt is one anonymous request and what it told.
type Attempt struct {
	Exchange Exchange `json:"exchange"`
	// ErrCode is the Matrix errcode of the answer ("" when none).
	ErrCode string `json:"errcode,omitempty"`
}

// Answered reports whether an HTTP answer came back.
func (a *Attempt) Answered() bool { return a != nil && a.Exchange.Status != 0 }

// RegisterFlow is one user-interactive authentication flow.
type RegisterFlow struct {
	Stages []string `json:"stages"`
}

// MediaTry is a download of one media ID without authentication.
type MediaTry struct {
	// MXC is the content URI; Source where we found it ("made-up",
	// "room directory", "profile of @u:s").
	MXC    string  `json:"mxc"`
	Source string  `json:"source"`
	Legacy Attempt `json:"legacy"`
	// LegacyR0 is the r0 path (asked for the made-up ID only).
	LegacyR0 *Attempt `json:"legacy_r0,omitempty"`
	// Authenticated is the Matrix 1.11 path without a token (asked for the
	// made-up ID only).
	Authenticated *Attempt `json:"authenticated,omitempty"`
}

// AccessEndpoint is the anonymous requests on one client address.
type AccessEndpoint struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	// Register: POST /register {} (no account is created: without "auth"
	// the server only lists its flows).
	Register      Attempt        `json:"register"`
	RegisterFlows []RegisterFlow `json:"register_flows,omitempty"`
	// Available: GET /register/available for the made-up name, and for
	// the known users (KnownAvailable, same order as AccessData.KnownUsers).
	Available      Attempt   `json:"available"`
	KnownAvailable []Attempt `json:"known_available,omitempty"`
	// Guest: POST /register?kind=guest {}. When it succeeds a guest
	// account exists; GuestLogout is the POST /logout that deletes its
	// device and access token at once.
	Guest       Attempt  `json:"guest"`
	GuestLogout *Attempt `json:"guest_logout,omitempty"`
	// Directory: GET /publicRooms without a token.
	Directory      Attempt `json:"directory"`
	DirectoryRooms int     `json:"directory_rooms"`
	DirectoryTotal int     `json:"directory_total,omitempty"`
	// Profile: GET /profile/@made-up:server; KnownProfiles those of the
	// known users.
	Profile       Attempt   `json:"profile"`
	KnownProfiles []Attempt `json:"known_profiles,omitempty"`
	// Media: the made-up media ID first, then real ones found anonymously.
	Media []MediaTry `json:"media"`
}

// AccessData is the data of matrix.client.access.
type AccessData struct {
	ServerName string `json:"server_name"`
	// LocalName is the name the server calls itself (server_name of its
	// keys; the scanned name when unknown). User and media IDs we ask about
	// are on this name, so that no request makes the server federate out.
	LocalName string     `json:"local_name"`
	Base      ClientBase `json:"base"`
	// Support is the /.well-known/matrix/support request (MSC1929), the
	// one anonymous source of real user IDs; KnownUsers its matrix_id
	// contacts on this server.
	Support    *WellKnown       `json:"support,omitempty"`
	KnownUsers []string         `json:"known_users,omitempty"`
	Endpoints  []AccessEndpoint `json:"endpoints"`
}

// Access is the observation of the anonymous client-API requests
// (registration, guests, room directory, profiles, media) on every client
// address.
var Access = probes.Key[*AccessData]{ID: "matrix.client.access"}

// FederationDirectoryEndpoint is GET /_matrix/federation/v1/publicRooms
// without X-Matrix on one federation address.
type FederationDirectoryEndpoint struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	Attempt  Attempt         `json:"attempt"`
	Rooms    int             `json:"rooms"`
}

// FederationDirectoryData is the data of matrix.federation.directory.
type FederationDirectoryData struct {
	Endpoints []FederationDirectoryEndpoint `json:"endpoints"`
}

// FederationDirectory is the observation of the room-directory request to
// every federation address without X-Matrix authentication.
var FederationDirectory = probes.Key[*FederationDirectoryData]{ID: "matrix.federation.directory"}

// AccessProbes are the probes of the anonymous requests.
func AccessProbes(serverName string) []probes.Probe {
	return []probes.Probe{
		// The keys only name the server (LocalName): a federation side that
		// does not answer must not keep the client side from being judged.
		probes.Func{Name: Access.ID, Needs: []probes.ID{Discovery.ID, Client.ID}, Wants: []probes.ID{Keys.ID}, Limit: 45 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return accessProbe(ctx, env, in)
		}},
		probes.Func{Name: FederationDirectory.ID, Needs: []probes.ID{Discovery.ID}, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return federationDirectoryProbe(ctx, env, in)
		}},
	}
}

// clientBase picks the client API base: the well-known base URL and its
// addresses that answered /versions, else the federation addresses.
func clientBase(d *DiscoveryData, cd *ClientData) (ClientBase, bool) {
	if cd != nil && cd.BaseURL != "" {
		b := ClientBase{BaseURL: cd.BaseURL, Via: "well-known"}
		if u, err := url.Parse(cd.BaseURL); err == nil {
			b.VerifyName = u.Hostname()
		}
		for _, e := range cd.Endpoints {
			if e.Status == probes.StatusOK {
				b.Endpoints = append(b.Endpoints, e.Endpoint)
			}
		}
		if len(b.Endpoints) > 0 {
			return b, true
		}
	}
	if d != nil && len(d.Endpoints) > 0 {
		return ClientBase{BaseURL: "https://" + d.HostHeader, VerifyName: d.CertName, Via: "federation", Endpoints: d.Endpoints}, true
	}
	return ClientBase{}, false
}

// The closing quote may be missing: Sample is cut at a fixed length, and a
// token that straddles the cut must not leak its prefix.
var tokenRE = regexp.MustCompile(`("(?:access_token|refresh_token)"\s*:\s*")[^"]*("|$)`)

// redactTokens hides access and refresh tokens in an evidence sample.
func redactTokens(s string) string { return tokenRE.ReplaceAllString(s, `${1}[redacted]${2}`) }

func attempt(ex Exchange) Attempt {
	a := Attempt{Exchange: ex}
	if ex.Status != 0 && !ex.Truncated {
		var e struct {
			ErrCode string `json:"errcode"`
		}
		if json.Unmarshal(ex.Body, &e) == nil && len(e.ErrCode) <= 64 {
			a.ErrCode = e.ErrCode
		}
	}
	a.Exchange.Sample = redactTokens(a.Exchange.Sample)
	return a
}

func accessProbe(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
	d := dataOf(in)
	cd, _ := Client.OK(in)
	ad := &AccessData{ServerName: d.ServerName, LocalName: d.ServerName}
	if kd, ok := Keys.OK(in); ok {
		for _, e := range kd.Endpoints {
			if e.Keys != nil && e.Keys.ServerName != "" {
				if _, err := ParseServerName(e.Keys.ServerName); err == nil {
					ad.LocalName = e.Keys.ServerName
				}
				break
			}
		}
	}
	b, ok := clientBase(d, cd)
	if !ok {
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "no client API address (no usable base_url, no federation address)", Data: ad}
	}
	ad.Base = b
	var ev []probes.Evidence
	if !d.Parsed.IP {
		w := fetchWellKnown(ctx, env, d.Parsed.Host, wellKnownSupport, nil)
		ad.Support = w
		for _, x := range w.Exchanges {
			ev = append(ev, x.Evidence())
		}
		if w.Valid() {
			ad.KnownUsers = SupportUsers(w.Body, ad.LocalName, MaxKnownUsers)
		}
	}
	ad.Endpoints = probes.ForEndpoints(ctx, b.Endpoints, func(ctx context.Context, ep probes.Endpoint) AccessEndpoint {
		return accessEndpoint(ctx, env, b, ep, ad.LocalName, ad.KnownUsers)
	})
	answered := false
	for _, e := range ad.Endpoints {
		for _, a := range e.attempts() {
			if a.Exchange.Method == "" {
				continue // not asked
			}
			ev = append(ev, a.Exchange.Evidence())
			answered = answered || a.Answered()
		}
	}
	if !answered {
		e := ad.Endpoints[0].Register.Exchange
		return probes.Observation{Status: e.ErrStatus, Reason: "the client API at " + b.BaseURL + " did not answer: " + e.Error, Evidence: ev, Data: ad}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: ad}
}

func (e *AccessEndpoint) attempts() []*Attempt {
	out := []*Attempt{&e.Register, &e.Available}
	for i := range e.KnownAvailable {
		out = append(out, &e.KnownAvailable[i])
	}
	out = append(out, &e.Guest)
	if e.GuestLogout != nil {
		out = append(out, e.GuestLogout)
	}
	out = append(out, &e.Directory, &e.Profile)
	for i := range e.KnownProfiles {
		out = append(out, &e.KnownProfiles[i])
	}
	for i := range e.Media {
		m := &e.Media[i]
		out = append(out, &m.Legacy)
		if m.LegacyR0 != nil {
			out = append(out, m.LegacyR0)
		}
		if m.Authenticated != nil {
			out = append(out, m.Authenticated)
		}
	}
	return out
}

func accessEndpoint(ctx context.Context, env *probes.Env, b ClientBase, ep probes.Endpoint, serverName string, known []string) AccessEndpoint {
	r := AccessEndpoint{Endpoint: ep}
	get := func(path string, max int64) Attempt {
		return attempt(do(ctx, env, request{URL: b.BaseURL + path, Addr: ep.Addr, VerifyName: b.VerifyName, Strict: b.Via == "well-known", Max: max}))
	}
	post := func(path string, body string, hdr map[string]string) Attempt {
		h := map[string]string{"Content-Type": "application/json"}
		for k, v := range hdr {
			h[k] = v
		}
		return attempt(do(ctx, env, request{Method: http.MethodPost, URL: b.BaseURL + path, Addr: ep.Addr, VerifyName: b.VerifyName,
			Strict: b.Via == "well-known", Max: MaxSmall, Header: h, Body: []byte(body)}))
	}
	// Registration: {} without "auth" never creates an account; the
	// server answers 403 (disabled) or 401 with its flows.
	r.Register = post("/_matrix/client/v3/register", "{}", nil)
	if r.Register.Exchange.Status == 0 {
		return r // the address does not answer: nothing else to ask
	}
	if r.Register.Exchange.Status == 401 {
		r.RegisterFlows = ParseFlows(r.Register.Exchange.Body)
	}
	r.Available = get("/_matrix/client/v3/register/available?username="+url.QueryEscape(ProbeLocalpart), MaxSmall)
	for _, u := range known {
		r.KnownAvailable = append(r.KnownAvailable, get("/_matrix/client/v3/register/available?username="+url.QueryEscape(localpart(u)), MaxSmall))
	}
	// Guests: the only way to know is to ask; a server that allows guests
	// creates one. Its device and token are deleted at once.
	r.Guest = post("/_matrix/client/v3/register?kind=guest", "{}", nil)
	if tok := accessToken(r.Guest.Exchange); r.Guest.Exchange.Status == 200 && tok != "" {
		lo := post("/_matrix/client/v3/logout", "{}", map[string]string{"Authorization": "Bearer " + tok})
		r.GuestLogout = &lo
	}
	r.Directory = get(fmt.Sprintf("/_matrix/client/v3/publicRooms?limit=%d", DirectoryLimit), MaxDirectory)
	var mxcs []MediaTry
	if r.Directory.Exchange.Status == 200 && !r.Directory.Exchange.Truncated {
		rooms, total, avatars := ParsePublicRooms(r.Directory.Exchange.Body)
		r.DirectoryRooms, r.DirectoryTotal = rooms, total
		for _, a := range avatars {
			mxcs = append(mxcs, MediaTry{MXC: a, Source: "room directory"})
		}
	}
	r.Profile = get("/_matrix/client/v3/profile/"+url.PathEscape("@"+ProbeLocalpart+":"+serverName), MaxSmall)
	for _, u := range known {
		p := get("/_matrix/client/v3/profile/"+url.PathEscape(u), MaxSmall)
		r.KnownProfiles = append(r.KnownProfiles, p)
		if p.Exchange.Status == 200 {
			var v struct {
				Avatar string `json:"avatar_url"`
			}
			if json.Unmarshal(p.Exchange.Body, &v) == nil && v.Avatar != "" {
				mxcs = append(mxcs, MediaTry{MXC: v.Avatar, Source: "profile of " + u})
			}
		}
	}
	// Media: a made-up ID on the legacy routes and the authenticated one,
	// then real media of this server found above, legacy route only.
	made := MediaTry{MXC: "mxc://" + serverName + "/" + ProbeMediaID, Source: "made-up"}
	mpath := url.PathEscape(serverName) + "/" + ProbeMediaID
	made.Legacy = get("/_matrix/media/v3/download/"+mpath+"?allow_remote=false", MaxMediaSample)
	r0 := get("/_matrix/media/r0/download/"+mpath+"?allow_remote=false", MaxMediaSample)
	au := get("/_matrix/client/v1/media/download/"+mpath+"?allow_remote=false", MaxMediaSample)
	made.LegacyR0, made.Authenticated = &r0, &au
	r.Media = append(r.Media, made)
	seen := map[string]bool{}
	for _, m := range mxcs {
		origin, id, ok := ParseMXC(m.MXC)
		if !ok || origin != serverName || seen[id] || len(seen) >= MaxMediaTried {
			continue
		}
		seen[id] = true
		m.Legacy = get("/_matrix/media/v3/download/"+url.PathEscape(origin)+"/"+url.PathEscape(id)+"?allow_remote=false", MaxMediaSample)
		r.Media = append(r.Media, m)
	}
	return r
}

func localpart(userID string) string {
	s := strings.TrimPrefix(userID, "@")
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return s
}

func accessToken(ex Exchange) string {
	var v struct {
		Token string `json:"access_token"`
	}
	if json.Unmarshal(ex.Body, &v) != nil || len(v.Token) > 4096 {
		return ""
	}
	return v.Token
}

// ParseFlows reads the "flows" of a 401 user-interactive answer.
func ParseFlows(body []byte) []RegisterFlow {
	var v struct {
		Flows []RegisterFlow `json:"flows"`
	}
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	if len(v.Flows) > 32 {
		v.Flows = v.Flows[:32]
	}
	return v.Flows
}

// ParsePublicRooms reads a publicRooms answer: the rooms in this chunk,
// total_room_count_estimate, and the rooms' mxc:// avatars.
func ParsePublicRooms(body []byte) (rooms, total int, avatars []string) {
	var v struct {
		Chunk []struct {
			Avatar string `json:"avatar_url"`
		} `json:"chunk"`
		Total int `json:"total_room_count_estimate"`
	}
	if json.Unmarshal(body, &v) != nil {
		return 0, 0, nil
	}
	for _, c := range v.Chunk {
		if strings.HasPrefix(c.Avatar, "mxc://") {
			avatars = append(avatars, c.Avatar)
		}
	}
	return len(v.Chunk), v.Total, avatars
}

// ParseMXC splits mxc://origin/id (origin a server name, id
// [A-Za-z0-9_-]+).
func ParseMXC(s string) (origin, id string, ok bool) {
	rest, ok := strings.CutPrefix(s, "mxc://")
	if !ok {
		return "", "", false
	}
	origin, id, ok = strings.Cut(rest, "/")
	if !ok || origin == "" || id == "" || len(id) > 255 {
		return "", "", false
	}
	if _, err := ParseServerName(origin); err != nil {
		return "", "", false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "", "", false
		}
	}
	return origin, id, true
}

// SupportUsers returns the matrix_id contacts of a
// /.well-known/matrix/support body that live on serverName (at most max).
func SupportUsers(body []byte, serverName string, max int) []string {
	var v struct {
		Contacts []struct {
			MatrixID string `json:"matrix_id"`
		} `json:"contacts"`
	}
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range v.Contacts {
		id := c.MatrixID
		if len(out) >= max || seen[id] || len(id) > 255 || !strings.HasPrefix(id, "@") || !strings.HasSuffix(id, ":"+serverName) {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

func federationDirectoryProbe(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
	d := dataOf(in)
	fd := &FederationDirectoryData{}
	fd.Endpoints = probes.ForEndpoints(ctx, d.Endpoints, func(ctx context.Context, ep probes.Endpoint) FederationDirectoryEndpoint {
		a := attempt(do(ctx, env, request{URL: federationURL(d, fmt.Sprintf("/_matrix/federation/v1/publicRooms?limit=%d", DirectoryLimit)),
			Addr: ep.Addr, VerifyName: d.CertName, Max: MaxDirectory}))
		r := FederationDirectoryEndpoint{Endpoint: ep, Attempt: a}
		if a.Exchange.Status == 200 && !a.Exchange.Truncated {
			r.Rooms, _, _ = ParsePublicRooms(a.Exchange.Body)
		}
		return r
	})
	var ev []probes.Evidence
	answered := false
	for _, e := range fd.Endpoints {
		ev = append(ev, e.Attempt.Exchange.Evidence())
		answered = answered || e.Attempt.Answered()
	}
	if !answered {
		e := fd.Endpoints[0].Attempt.Exchange
		return probes.Observation{Status: e.ErrStatus, Reason: e.Error, Evidence: ev, Data: fd}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: fd}
}
