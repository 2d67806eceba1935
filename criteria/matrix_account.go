package criteria

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// matrixAccountCriteria binds the criteria of matrix_account.yaml.
var matrixAccountCriteria = []binding{
	{"matrix.room-versions.default", evalMatrixRoomVersions},
	{"matrix.login.flows", evalMatrixLoginFlows},
	{"matrix.ratelimit.login", evalMatrixRateLimitLogin},
}

// NewestStableRoomVersion is the newest stable room version of the Matrix
// specification (room version 12, Matrix 1.16): a server that lacks it
// cannot create or join the rooms that fix the state-resolution and
// room-creator weaknesses of earlier versions.
const NewestStableRoomVersion = 12

// Room versions below minSaneRoomVersion as the default fail; below
// currentRoomVersion they warn.
const (
	minSaneRoomVersion = 6  // 1–5: no strict canonical JSON (6), no key validity (5)
	currentRoomVersion = 11 // v11: redaction and creator clean-ups
)

func accountEvidence(e matrix.AccountEndpoint) []probes.Evidence {
	var ev []probes.Evidence
	for _, a := range []*matrix.Attempt{e.Login, e.Capabilities, e.Logout} {
		if a != nil && a.Exchange.Method != "" {
			ev = append(ev, a.Exchange.Evidence())
		}
	}
	return ev
}

func evalMatrixRoomVersions(in Input) Verdict {
	ad, o := matrix.Account.Of(in.Results)
	if o == nil {
		return Verdict{Status: report.Skip, Summary: "needs --account: GET /_matrix/client/v3/capabilities (m.room_versions) requires an access token"}
	}
	if ad == nil || len(ad.Endpoints) == 0 {
		return notMeasured(in, matrix.Account.ID, "Room versions")
	}
	var vs []epVerdict
	for _, e := range ad.Endpoints {
		v := roomVersionsVerdict(e)
		v.Endpoint = e.Endpoint.Addr
		v.Evidence = accountEvidence(e)
		if e.Login != nil && e.Login.Exchange.Status == 200 {
			switch {
			case e.LoggedOut:
				v.Summary += "; logged out again"
			case e.Logout != nil:
				v.Summary += "; the logout failed (" + httpSummary(*e.Logout) + "): delete the device " + e.DeviceID + " \"" + matrix.DeviceName + "\" by hand"
			}
		}
		vs = append(vs, v)
	}
	return combine(vs)
}

func roomVersionsVerdict(e matrix.AccountEndpoint) epVerdict {
	switch {
	case e.Refused != "":
		return epVerdict{Status: report.Error, Summary: "not logged in: " + e.Refused}
	case e.Login == nil:
		return epVerdict{Status: report.Error, Summary: "not logged in"}
	case e.Login.Exchange.Status != 200:
		return epVerdict{Status: report.Error, Summary: "the login with --account " + loginFailed(*e.Login)}
	case e.Capabilities == nil || e.Capabilities.Exchange.Status != 200:
		s := "no capabilities"
		if e.Capabilities != nil {
			s = "GET /capabilities: " + httpSummary(*e.Capabilities)
		}
		return epVerdict{Status: report.Error, Summary: s}
	case e.CapabilitiesError != "":
		return epVerdict{Status: report.Error, Summary: "unusable /capabilities answer: " + e.CapabilitiesError}
	case e.RoomVersions == nil:
		return epVerdict{Status: report.Fail, Seen: true, Summary: "/capabilities has no m.room_versions: clients must then assume the server supports room version 1 only"}
	}
	return judgeRoomVersions(e.RoomVersions)
}

func loginFailed(a matrix.Attempt) string {
	if a.Exchange.Status == 0 {
		return "got no answer: " + a.Exchange.Error
	}
	s := "failed: " + httpSummary(a)
	if a.Exchange.Status == 403 && a.ErrCode == "M_FORBIDDEN" {
		s += " (wrong user or password?)"
	}
	return s
}

// judgeRoomVersions grades m.room_versions (see the statuses of
// matrix.room-versions.default).
func judgeRoomVersions(rv *matrix.RoomVersions) epVerdict {
	var stable, unstable []string
	newest := 0
	for v, st := range rv.Available {
		if st == "stable" {
			stable = append(stable, v)
			if n, err := strconv.Atoi(v); err == nil && n > newest {
				newest = n
			}
		} else {
			unstable = append(unstable, v)
		}
	}
	matrix.SortRoomVersions(stable)
	sort.Strings(unstable)
	list := "stable " + strings.Join(stable, ", ")
	if len(stable) == 0 {
		list = "no stable version"
	}
	if len(unstable) > 0 {
		list += "; unstable " + strings.Join(unstable, ", ")
	}
	def := rv.Default
	n, numErr := strconv.Atoi(def)
	head := fmt.Sprintf("default room version %s (%s)", def, list)
	st, listed := rv.Available[def]
	switch {
	case !listed:
		return epVerdict{Status: report.Fail, Seen: true, Summary: head + ": the default is not among the versions the server lists"}
	case st != "stable":
		return epVerdict{Status: report.Fail, Seen: true, Summary: head + ": new rooms are created in an unstable room version, which may change or be dropped"}
	case numErr != nil:
		return epVerdict{Status: report.Fail, Seen: true, Summary: head + ": the default is marked stable but is not a room version of the specification"}
	case n < minSaneRoomVersion:
		return epVerdict{Status: report.Fail, Seen: true, Summary: head + fmt.Sprintf(": new rooms use a version older than %d, without strict canonical JSON and signing-key validity checks", minSaneRoomVersion)}
	}
	var warns []string
	if n < currentRoomVersion {
		warns = append(warns, fmt.Sprintf("the default is older than room version %d", currentRoomVersion))
	}
	if newest < NewestStableRoomVersion {
		warns = append(warns, fmt.Sprintf("no room version %d: the server can neither create nor join rooms of the current stable version, which fixes state-resolution and room-creator weaknesses of earlier versions", NewestStableRoomVersion))
	}
	if len(warns) > 0 {
		return epVerdict{Status: report.Warn, Seen: true, Summary: head + ": " + strings.Join(warns, "; ")}
	}
	return epVerdict{Status: report.Pass, Summary: head}
}

func evalMatrixLoginFlows(in Input) Verdict {
	ld, ok := matrix.LoginFlows.OK(in.Results)
	if !ok || ld == nil {
		return notMeasured(in, matrix.LoginFlows.ID, "Login flows")
	}
	var vs []epVerdict
	for _, e := range ld.Endpoints {
		v := loginFlowsVerdict(e)
		v.Endpoint = e.Endpoint.Addr
		v.Evidence = evOf(&e.Login, &e.AuthMetadata, e.AuthMetadataUnstable)
		vs = append(vs, v)
	}
	return combine(vs)
}

func loginFlowsVerdict(e matrix.LoginEndpoint) epVerdict {
	if !e.Login.Answered() {
		return epVerdict{Status: report.Error, Summary: "GET /login: " + httpSummary(e.Login)}
	}
	var parts []string
	switch {
	case e.Login.Exchange.Status == 200 && len(e.Flows) > 0:
		var fs []string
		for _, f := range e.Flows {
			s := f.Type
			if len(f.IdentityProviders) > 0 {
				s += " (" + strings.Join(f.IdentityProviders, ", ") + ")"
			}
			fs = append(fs, s)
		}
		parts = append(parts, "login flows: "+strings.Join(fs, ", "))
	case notServed(e.Login) || e.Login.Exchange.Status == 404:
		parts = append(parts, "no /login ("+httpSummary(e.Login)+")")
	default:
		if e.Issuer == "" {
			return epVerdict{Status: report.Error, Summary: "GET /login gave no flows: " + httpSummary(e.Login)}
		}
		parts = append(parts, "GET /login gave no flows ("+httpSummary(e.Login)+")")
	}
	if e.Issuer != "" {
		where := "/_matrix/client/v1/auth_metadata"
		if e.AuthMetadataUnstable != nil {
			where = "the unstable MSC2965 auth_metadata"
		}
		parts = append(parts, "OAuth 2.0 API (MSC3861) with issuer "+e.Issuer+" ("+where+")")
	} else {
		parts = append(parts, "no OAuth 2.0 server metadata ("+httpSummary(e.AuthMetadata)+")")
	}
	if e.HasFlow("m.login.password") && e.Issuer == "" {
		parts = append(parts, "passwords are sent to the homeserver itself")
	}
	return epVerdict{Status: report.Info, Summary: strings.Join(parts, "; ")}
}

func evalMatrixRateLimitLogin(in Input) Verdict {
	rd, o := matrix.RateLimit.Of(in.Results)
	if o == nil {
		return Verdict{Status: report.Skip, Summary: "needs --active: the test sends up to 30 failing logins (only against your own server)"}
	}
	if rd == nil || o.Status != probes.StatusOK {
		return notMeasured(in, matrix.RateLimit.ID, "Login rate limiting")
	}
	var vs []epVerdict
	for _, e := range rd.Endpoints {
		v := rateLimitVerdict(e)
		v.Endpoint = e.Endpoint.Addr
		for _, p := range []matrix.RateLimitPhase{e.OneConnection, e.NewConns} {
			for _, a := range p.Samples {
				v.Evidence = append(v.Evidence, a.Exchange.Evidence())
			}
		}
		vs = append(vs, v)
	}
	return combine(vs)
}

func statusCounts(m map[int]int) string {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	var parts []string
	for _, k := range ks {
		name := fmt.Sprintf("HTTP %d", k)
		if k == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%d× %s", m[k], name))
	}
	return strings.Join(parts, ", ")
}

func phaseSummary(what string, p matrix.RateLimitPhase) string {
	s := fmt.Sprintf("%s: %d failing logins in %d ms (%s)", what, p.Sent, p.DurationMS, statusCounts(p.Statuses))
	if p.LimitStatus != 0 {
		s += fmt.Sprintf(", limited with HTTP %d after %d", p.LimitStatus, p.LimitedAfter)
		if p.RetryAfterMS > 0 {
			s += fmt.Sprintf(" (retry_after_ms %d)", p.RetryAfterMS)
		}
	}
	return s
}

// rateLimitVerdict: the new-connection phase is what an attacker sees;
// the one-connection phase tells a per-connection limit apart from none.
func rateLimitVerdict(e matrix.RateLimitEndpoint) epVerdict {
	one, fresh := e.OneConnection, e.NewConns
	counts := phaseSummary("over one connection", one) + "; " + phaseSummary("over new connections", fresh)
	switch {
	case fresh.LimitStatus == 429:
		return epVerdict{Status: report.Pass, Summary: "failing logins are rate-limited by address (HTTP 429 also over new connections); " + counts}
	case fresh.LimitStatus == 503 || (one.LimitStatus == 503 && fresh.Complete()):
		return epVerdict{Status: report.Warn, Seen: true, Summary: "limited with HTTP 503, likely a proxy's rate limit (nginx limit_req answers 503 by default): clients cannot tell it from an outage, answer 429; " + counts}
	case one.LimitStatus == 429 && fresh.Complete():
		return epVerdict{Status: report.Fail, Seen: true, Summary: fmt.Sprintf("the rate limit applies per connection, not per address: every one of %d failing logins over new connections was answered (a limit keyed on address and port, as in Dendrite 0.13.8); anyone can guess passwords at full speed; ", fresh.Sent) + counts}
	case !one.Complete() || !fresh.Complete():
		return epVerdict{Status: report.Error, Summary: "the test could not be completed (no answer, server errors, or out of time): " + counts}
	}
	return epVerdict{Status: report.Warn, Seen: true, Summary: fmt.Sprintf("no rate limit within %d failing logins (or one above this test's budget): passwords can be guessed this fast; ", one.Sent+fresh.Sent) + counts}
}
