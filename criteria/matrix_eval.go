package criteria

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
)

func init() {
	TLSSets["matrix"] = []struct{ Label, Prefix string }{{"federation", "matrix.federation.tls."}}
	register("matrix.discovery.server", evalMatrixDiscoveryServer)
	register("matrix.discovery.client", evalMatrixDiscoveryClient)
	register("matrix.federation.keys", evalMatrixKeys)
	register("matrix.federation.tls", evalMatrixFederationTLS)
	register("matrix.metadata.version-disclosed", evalMatrixVersionDisclosed)
}

func discoveryOf(in Input) (*matrix.DiscoveryData, *probes.Observation) {
	o := in.Results.Get(matrix.IDDiscovery)
	if o == nil {
		return nil, nil
	}
	d, _ := o.Data.(*matrix.DiscoveryData)
	return d, o
}

func discoverySummary(d *matrix.DiscoveryData) string {
	var how string
	switch d.Step {
	case matrix.StepIPLiteral:
		how = "the server name is an IP literal"
	case matrix.StepExplicitPort:
		how = "the server name has an explicit port (no delegation)"
	case matrix.StepWellKnownIP, matrix.StepWellKnownPort:
		how = ".well-known delegates to " + d.Delegated.String()
	case matrix.StepWellKnownSRV, matrix.StepWellKnownLegacy:
		how = ".well-known delegates to " + d.Delegated.String() + ", then SRV " + d.SRV[len(d.SRV)-1].Name
	case matrix.StepWellKnown8448:
		how = ".well-known delegates to " + d.Delegated.String() + " (no SRV record: port 8448)"
	case matrix.StepSRV, matrix.StepLegacySRV:
		how = "SRV " + d.SRV[len(d.SRV)-1].Name
	case matrix.StepFallback:
		how = "no delegation and no SRV record: " + d.CertName + ":8448"
	}
	var addrs []string
	for _, e := range d.Endpoints {
		addrs = append(addrs, e.Addr)
	}
	return fmt.Sprintf("%s -> %s (certificate name %s)", how, strings.Join(addrs, ", "), d.CertName)
}

func evalMatrixDiscoveryServer(in Input) Verdict {
	d, o := discoveryOf(in)
	if d == nil {
		return notMeasured(in, matrix.IDDiscovery, "Federation discovery")
	}
	ev := o.Evidence
	if o.Status == probes.StatusNotApplicable {
		return Verdict{Status: report.Info, Summary: o.Reason, Evidence: ev}
	}
	if o.Status != probes.StatusOK {
		resolverFailed := false
		for _, l := range d.SRV {
			resolverFailed = resolverFailed || l.Error != ""
		}
		if resolverFailed || o.Status == probes.StatusError || o.Status == probes.StatusTimeout {
			return Verdict{Status: report.Error, Summary: "federation discovery could not be completed: " + o.Reason, Evidence: ev}
		}
		return Verdict{Status: report.Fail, Summary: "no federation address found: " + o.Reason, Evidence: ev}
	}
	// Reachability of every address, from the key request.
	var unreachable []string
	measured := false
	if kd, ok := probes.Data[*matrix.KeysData](in.Results, matrix.IDKeys); ok {
		measured = true
		for _, e := range kd.Endpoints {
			if e.Exchange.Status == 0 {
				unreachable = append(unreachable, e.Endpoint.Addr+" ("+e.Reason+")")
				ev = append(ev, e.Exchange.Evidence())
			}
		}
	} else if ko := in.Results.Get(matrix.IDKeys); ko != nil {
		if kd, ok := ko.Data.(*matrix.KeysData); ok {
			measured = true
			for _, e := range kd.Endpoints {
				unreachable = append(unreachable, e.Endpoint.Addr+" ("+e.Reason+")")
				ev = append(ev, e.Exchange.Evidence())
			}
		}
	}
	summary := discoverySummary(d)
	if len(unreachable) > 0 {
		return Verdict{Status: report.Fail, Summary: summary + "; no HTTPS answer from " + strings.Join(unreachable, ", "), Evidence: ev}
	}
	var warns []string
	if d.WellKnown != nil && d.Delegated == nil {
		switch {
		case d.WellKnownError != "":
			warns = append(warns, "/.well-known/matrix/server answered 200 but is unusable ("+d.WellKnownError+"): servers ignore it")
		case d.WellKnown.Result == matrix.WKTooLarge:
			warns = append(warns, "/.well-known/matrix/server is larger than the 64 KiB servers read: they ignore it")
		}
	}
	for _, n := range d.Notes {
		if strings.Contains(n, "deprecated") || strings.Contains(n, "CNAME") || strings.Contains(n, "has no address") {
			warns = append(warns, n)
		}
	}
	if len(warns) > 0 {
		return Verdict{Status: report.Warn, Summary: summary + "; " + strings.Join(warns, "; "), Evidence: ev}
	}
	if !measured {
		return Verdict{Status: report.Error, Summary: summary + "; whether the addresses answer was not measured", Evidence: ev}
	}
	if d.WellKnown != nil && d.WellKnown.Redirects > 0 {
		summary += fmt.Sprintf(" (well-known reached after %d redirect(s))", d.WellKnown.Redirects)
	}
	return Verdict{Status: report.Pass, Summary: summary, Evidence: ev}
}

func evalMatrixKeys(in Input) Verdict {
	o := in.Results.Get(matrix.IDKeys)
	var kd *matrix.KeysData
	if o != nil {
		kd, _ = o.Data.(*matrix.KeysData)
	}
	if kd == nil {
		return notMeasured(in, matrix.IDKeys, "Server signing keys")
	}
	now := time.UnixMilli(kd.CheckedAtMS)
	var vs []epVerdict
	prints := map[string][]string{}
	for _, e := range kd.Endpoints {
		v := keysVerdict(kd.Expected, now, e)
		v.Endpoint = e.Endpoint.Addr
		v.Evidence = []probes.Evidence{e.Exchange.Evidence()}
		vs = append(vs, v)
		if e.Keys != nil && v.Status != report.Fail && v.Status != report.Error {
			prints[e.Keys.Fingerprint] = append(prints[e.Keys.Fingerprint], e.Endpoint.Addr)
		}
	}
	if len(prints) > 1 {
		var groups []string
		for fp, addrs := range prints {
			groups = append(groups, strings.Join(addrs, ", ")+": "+fp)
		}
		sortStrings(groups)
		vs = append(vs, epVerdict{Endpoint: "all", Status: report.Warn, Summary: "addresses serve different signing keys (split brain): " + strings.Join(groups, "; ")})
	}
	return combine(vs)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func keysVerdict(expected string, now time.Time, e matrix.EndpointKeys) epVerdict {
	ex := e.Exchange
	switch {
	case ex.Status == 0:
		return epVerdict{Status: report.Error, Summary: "no answer: " + e.Reason}
	case ex.Status != 200:
		return epVerdict{Status: report.Fail, Summary: fmt.Sprintf("GET /_matrix/key/v2/server answered HTTP %d: the server publishes no signing key here", ex.Status)}
	case e.Keys == nil:
		return epVerdict{Status: report.Fail, Summary: "no key document: " + e.Reason}
	}
	k := e.Keys
	var fails, warns []string
	fails = append(fails, k.Problems...)
	if k.ServerName != "" && k.ServerName != expected {
		fails = append(fails, fmt.Sprintf("server_name is %q, not %q", k.ServerName, expected))
	}
	var good []string
	ed := false
	for _, vk := range k.VerifyKeys {
		if vk.Algorithm == "ed25519" && vk.KeyOK {
			ed = true
		}
		switch {
		case vk.SignatureOK:
			good = append(good, vk.ID)
		case !vk.Signed:
			fails = append(fails, vk.ID+": "+vk.Error)
		default:
			fails = append(fails, vk.ID+": "+vk.Error)
		}
	}
	if !ed && len(k.VerifyKeys) > 0 {
		fails = append(fails, "no ed25519 verify key")
	}
	until := time.UnixMilli(k.ValidUntilTS).UTC()
	if k.ValidUntilTS > 0 {
		switch {
		case !until.After(now):
			fails = append(fails, "keys expired: valid_until_ts "+until.Format(time.RFC3339)+" is before the scan")
		case until.Sub(now) > matrix.MaxKeyValidity:
			warns = append(warns, fmt.Sprintf("valid_until_ts %s is %d days ahead: keys meant never to rotate", until.Format("2006-01-02"), int(until.Sub(now).Hours()/24)))
		}
	}
	for _, ok := range k.OldKeys {
		if ok.Error != "" {
			warns = append(warns, "old_verify_keys "+ok.ID+": "+ok.Error)
		}
	}
	switch {
	case len(fails) > 0:
		return epVerdict{Status: report.Fail, Summary: strings.Join(fails, "; ")}
	case len(warns) > 0:
		return epVerdict{Status: report.Warn, Summary: strings.Join(warns, "; ")}
	}
	return epVerdict{Status: report.Pass, Summary: fmt.Sprintf("%s self-signed for %s, valid until %s", strings.Join(good, ", "), expected, until.Format(time.RFC3339))}
}

func evalMatrixFederationTLS(in Input) Verdict {
	ids := matrix.FederationTLSIDs
	hs, ok := probes.Data[*tls.HandshakeData](in.Results, ids.Handshake)
	if !ok {
		if d, o := discoveryOf(in); d != nil && o.Status != probes.StatusOK {
			return Verdict{Status: report.Error, Summary: "no federation address to check (discovery: " + o.Reason + ")"}
		}
		return notMeasured(in, ids.Handshake, "Federation certificate")
	}
	names := strings.Join(hs.Names, ", ")
	var obsEv []probes.Evidence
	if o := in.Results.Get(ids.Handshake); o != nil {
		obsEv = o.Evidence
	}
	var vs []epVerdict
	for _, h := range hs.Endpoints {
		v := epVerdict{Endpoint: h.Endpoint.Addr}
		for _, e := range obsEv {
			if e.Endpoint == h.Endpoint.Addr {
				v.Evidence = append(v.Evidence, e)
			}
		}
		switch {
		case h.Status != probes.StatusOK:
			v.Status, v.Summary = report.Error, "no TLS handshake: "+h.Reason
		case !h.Trusted:
			v.Status, v.Summary = report.Fail, "certificate chain not trusted: "+h.TrustError+"; other homeservers refuse to federate"
		case !h.ValidNow:
			v.Status, v.Summary = report.Fail, "certificate not valid now: "+h.ValidityError
		case !h.NameMatch:
			v.Status, v.Summary = report.Fail, "certificate not valid for "+names+" (the name federation checks)"
		default:
			v.Status, v.Summary = report.Pass, fmt.Sprintf("trusted certificate valid for %s (%s), %d days left", h.MatchedName, h.MatchedBy, h.DaysLeft)
		}
		vs = append(vs, v)
	}
	return combine(vs)
}

func evalMatrixVersionDisclosed(in Input) Verdict {
	vd, ok := probes.Data[*matrix.VersionData](in.Results, matrix.IDVersion)
	if !ok || vd == nil {
		return notMeasured(in, matrix.IDVersion, "Software version disclosure")
	}
	var vs []epVerdict
	for _, e := range vd.Endpoints {
		v := epVerdict{Endpoint: e.Endpoint.Addr, Evidence: []probes.Evidence{e.Exchange.Evidence()}}
		hdrVer := strings.ContainsAny(e.ServerHeader, "0123456789")
		switch {
		case e.Status != probes.StatusOK:
			v.Status, v.Summary = report.Error, "no answer: "+e.Reason
		case e.Version != "":
			v.Status, v.Summary = report.Warn, fmt.Sprintf("/_matrix/federation/v1/version discloses %s %s", e.Name, e.Version)
		case hdrVer:
			v.Status, v.Summary = report.Warn, "the Server header discloses "+e.ServerHeader
		case e.Name != "":
			v.Status, v.Summary = report.Pass, "only the software name is disclosed ("+e.Name+")"
		case e.Exchange.Status == 403 || e.Exchange.Status == 404 || (e.Exchange.Status == 200 && e.Reason == ""):
			v.Status, v.Summary = report.Pass, "no software version disclosed ("+orDefault(e.Reason, httpSummaryEx(e))+")"
		default:
			// A truncated, unparsable or 5xx/429 answer proves nothing.
			v.Status, v.Summary = report.Error, "the version answer could not be judged: "+orDefault(e.Reason, "empty answer")
		}
		vs = append(vs, v)
	}
	return combine(vs)
}

func httpSummaryEx(e matrix.EndpointVersion) string {
	return fmt.Sprintf("HTTP %d", e.Exchange.Status)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// clientWellKnown returns the client probe's data when it read a client
// well-known document, else the verdict to give: skip when the probe did
// not apply, not measured otherwise.
func clientWellKnown(in Input, what string) (*matrix.ClientData, Verdict) {
	o := in.Results.Get(matrix.IDClient)
	var cd *matrix.ClientData
	if o != nil {
		cd, _ = o.Data.(*matrix.ClientData)
	}
	if o != nil && o.Status == probes.StatusNotApplicable {
		return nil, Verdict{Status: report.Skip, Summary: o.Reason}
	}
	if cd == nil || cd.WellKnown == nil {
		return nil, notMeasured(in, matrix.IDClient, what)
	}
	return cd, Verdict{}
}

func evalMatrixDiscoveryClient(in Input) Verdict {
	cd, v := clientWellKnown(in, "Client discovery")
	if cd == nil {
		return v
	}
	w := cd.WellKnown
	var ev []probes.Evidence
	for _, x := range w.Exchanges {
		ev = append(ev, x.Evidence())
	}
	last := matrix.Exchange{}
	if len(w.Exchanges) > 0 {
		last = w.Exchanges[len(w.Exchanges)-1]
	}
	switch w.Result {
	case matrix.WKValid:
	case matrix.WKNotFound:
		return Verdict{Status: report.Warn, Summary: w.URL + " answered 404: clients cannot find the homeserver from a user ID (users must type its URL)", Evidence: ev}
	case matrix.WKUnreachable:
		switch {
		case last.ErrStatus == probes.StatusTLSError:
			return Verdict{Status: report.Fail, Summary: w.URL + ": " + w.Reason, Evidence: ev}
		case last.ErrStatus == probes.StatusTimeout:
			return Verdict{Status: report.Error, Summary: w.URL + ": " + w.Reason, Evidence: ev}
		}
		return Verdict{Status: report.Warn, Summary: w.URL + " not reachable (" + w.Reason + "): no client discovery for this domain", Evidence: ev}
	default:
		return Verdict{Status: report.Fail, Summary: w.URL + " is unusable (" + w.Result + ": " + w.Reason + "): clients stop the login (FAIL_PROMPT)", Evidence: ev}
	}
	if cd.ParseError != "" {
		return Verdict{Status: report.Fail, Summary: w.URL + ": " + cd.ParseError + " (clients stop with FAIL_PROMPT/FAIL_ERROR)", Evidence: ev}
	}
	if strings.HasPrefix(cd.BaseURL, "http://") {
		return Verdict{Status: report.Fail, Summary: "base_url " + cd.BaseURL + " is plain http: passwords and access tokens travel in cleartext", Evidence: ev}
	}
	if cd.Error != "" {
		return Verdict{Status: report.Fail, Summary: "base_url " + cd.BaseURL + ": " + cd.Error, Evidence: ev}
	}
	var bad, noCORS, versions []string
	for _, e := range cd.Endpoints {
		ev = append(ev, e.Exchange.Evidence())
		switch {
		case e.Status != probes.StatusOK:
			bad = append(bad, e.Endpoint.Addr+" ("+e.Reason+")")
		case e.CORS == "":
			noCORS = append(noCORS, "/versions on "+e.Endpoint.Addr)
		}
		if len(versions) == 0 {
			versions = e.Versions
		}
	}
	if w.CORS == "" {
		noCORS = append([]string{"the well-known file"}, noCORS...)
	}
	switch {
	case len(bad) > 0:
		return Verdict{Status: report.Fail, Summary: "base_url " + cd.BaseURL + " does not answer /_matrix/client/versions on " + strings.Join(bad, ", "), Evidence: ev}
	case len(noCORS) > 0:
		return Verdict{Status: report.Warn, Summary: "no Access-Control-Allow-Origin on " + strings.Join(noCORS, ", ") + ": web clients cannot use it", Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: fmt.Sprintf("base_url %s answers /versions (%s) with CORS", cd.BaseURL, strings.Join(versions, ", ")), Evidence: ev}
}

// --- What an anonymous stranger can do and learn (matrix.client.access,
// matrix.federation.directory) ------------------------------------------

func init() {
	register("matrix.registration.open", evalMatrixRegistrationOpen)
	register("matrix.registration.guest", evalMatrixRegistrationGuest)
	register("matrix.directory.public-unauthenticated", evalMatrixDirectoryClient)
	register("matrix.directory.federation-exposed", evalMatrixDirectoryFederation)
	register("matrix.profile.unauthenticated", evalMatrixProfile)
	register("matrix.metadata.user-enumeration", evalMatrixUserEnumeration)
	register("matrix.media.unauthenticated", evalMatrixMedia)
	register("matrix.e2ee.default", evalMatrixE2EEDefault)
}

// accessVerdicts runs fn on every client address that answered and
// combines the verdicts (worst address).
func accessVerdicts(in Input, what string, fn func(ad *matrix.AccessData, e matrix.AccessEndpoint) epVerdict) Verdict {
	ad, ok := probes.Data[*matrix.AccessData](in.Results, matrix.IDAccess)
	if !ok || ad == nil {
		return notMeasured(in, matrix.IDAccess, what)
	}
	var vs []epVerdict
	for _, e := range ad.Endpoints {
		if !e.Register.Answered() {
			vs = append(vs, epVerdict{Endpoint: e.Endpoint.Addr, Status: report.Error, Summary: "no answer from " + ad.Base.BaseURL + ": " + e.Register.Exchange.Error,
				Evidence: []probes.Evidence{e.Register.Exchange.Evidence()}})
			continue
		}
		v := fn(ad, e)
		v.Endpoint = e.Endpoint.Addr
		vs = append(vs, v)
	}
	return combine(vs)
}

func evOf(as ...*matrix.Attempt) []probes.Evidence {
	var out []probes.Evidence
	for _, a := range as {
		if a != nil && a.Exchange.Method != "" {
			out = append(out, a.Exchange.Evidence())
		}
	}
	return out
}

// httpSummary is "HTTP 403 M_FORBIDDEN".
func httpSummary(a matrix.Attempt) string {
	if a.Exchange.Status == 0 {
		return "no answer (" + a.Exchange.Error + ")"
	}
	s := fmt.Sprintf("HTTP %d", a.Exchange.Status)
	if a.ErrCode != "" {
		s += " " + a.ErrCode
	}
	return s
}

// notServed: the route is absent (404/405 without M_NOT_FOUND: nginx's 404,
// M_UNRECOGNIZED) or gone (410).
func notServed(a matrix.Attempt) bool {
	st := a.Exchange.Status
	return (st == 404 && a.ErrCode != "M_NOT_FOUND") || st == 405 || st == 410
}

// clearNo: the request was answered with a refusal or "not served" — a
// measured "no oracle here", unlike a timeout, a 5xx or a rate limit.
func clearNo(a matrix.Attempt) bool {
	st := a.Exchange.Status
	return refused(a) || notServed(a) || st == 400
}

func refused(a matrix.Attempt) bool {
	st := a.Exchange.Status
	return st == 401 || st == 403
}

// Registration stages that verify something about the registrant.
var tokenStages = map[string]bool{"m.login.registration_token": true, "org.matrix.msc3231.login.registration_token": true}
var noVerification = map[string]bool{"m.login.dummy": true, "m.login.terms": true}

func flowString(f matrix.RegisterFlow) string {
	if len(f.Stages) == 0 {
		return "[]"
	}
	return "[" + strings.Join(f.Stages, ", ") + "]"
}

func evalMatrixRegistrationOpen(in Input) Verdict {
	return accessVerdicts(in, "Open registration", func(_ *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		a := e.Register
		v := epVerdict{Evidence: evOf(&a), Seen: true}
		st := a.Exchange.Status
		switch {
		case st == 403:
			v.Status, v.Summary = report.Pass, "registration is disabled (POST /register answered "+httpSummary(a)+")"
		case notServed(a):
			v.Status, v.Summary = report.Pass, "no registration endpoint ("+httpSummary(a)+"; accounts are made elsewhere, e.g. an OIDC provider)"
		case st == 200:
			v.Status, v.Summary = report.Fail, "POST /register with an empty body answered 200: an account is created without any check"
		case st == 401 && len(e.RegisterFlows) == 0:
			v.Status, v.Summary = report.Error, "POST /register answered 401 without flows"
		case st == 401:
			var open, gated []string
			allToken := true
			for _, f := range e.RegisterFlows {
				verifies, token := false, false
				for _, s := range f.Stages {
					verifies = verifies || !noVerification[s]
					token = token || tokenStages[s]
				}
				allToken = allToken && token
				if verifies {
					gated = append(gated, flowString(f))
				} else {
					open = append(open, flowString(f))
				}
			}
			switch {
			case len(open) > 0:
				v.Status, v.Summary = report.Fail, "registration is open to anyone without verification: flow "+strings.Join(open, ", ")+" needs no captcha, e-mail, phone or token"
			case allToken:
				v.Status, v.Summary = report.Pass, "registration needs an invitation token in every flow: "+strings.Join(gated, ", ")
			default:
				v.Status, v.Summary = report.Warn, "registration is open behind verification: "+strings.Join(gated, ", ")
			}
		default:
			v.Status, v.Summary, v.Seen = report.Error, "POST /register answered "+httpSummary(a), false
		}
		return v
	})
}

func evalMatrixRegistrationGuest(in Input) Verdict {
	return accessVerdicts(in, "Guest access", func(_ *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		a := e.Guest
		v := epVerdict{Evidence: evOf(&a, e.GuestLogout)}
		st := a.Exchange.Status
		switch {
		case st == 200:
			s := "POST /register?kind=guest created a guest account: anyone gets an access token and can read world-readable rooms and join rooms that admit guests"
			switch {
			case e.GuestLogout != nil && e.GuestLogout.Exchange.Status == 200:
				s += " (imscore logged it out at once)"
			case e.GuestLogout != nil:
				s += " (imscore's logout was refused, " + httpSummary(*e.GuestLogout) + ": the unused guest token stays valid on the server)"
			}
			v.Status, v.Summary = report.Warn, s
		case st == 403 || st == 401 || notServed(a) || (st == 400 && a.ErrCode != "M_LIMIT_EXCEEDED"):
			v.Status, v.Summary = report.Pass, "guest registration refused ("+httpSummary(a)+")"
		default:
			v.Status, v.Summary = report.Error, "POST /register?kind=guest answered "+httpSummary(a)
		}
		return v
	})
}

func evalMatrixDirectoryClient(in Input) Verdict {
	return accessVerdicts(in, "Room directory without a token", func(_ *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		a := e.Directory
		v := epVerdict{Evidence: evOf(&a)}
		switch st := a.Exchange.Status; {
		case refused(a):
			v.Status, v.Summary = report.Pass, "the room directory needs an access token ("+httpSummary(a)+")"
		case notServed(a):
			v.Status, v.Summary = report.Pass, "no room directory served ("+httpSummary(a)+")"
		case st == 200:
			n := fmt.Sprintf("%d room(s) in the first page", e.DirectoryRooms)
			if e.DirectoryTotal > 0 {
				n += fmt.Sprintf(", about %d in all", e.DirectoryTotal)
			}
			v.Status, v.Summary = report.Warn, "GET /_matrix/client/v3/publicRooms answers without an access token ("+n+"): anyone can list and scrape the published rooms"
		default:
			v.Status, v.Summary = report.Error, "GET /publicRooms answered "+httpSummary(a)
		}
		return v
	})
}

func evalMatrixDirectoryFederation(in Input) Verdict {
	fd, ok := probes.Data[*matrix.FederationDirectoryData](in.Results, matrix.IDFederationDirectory)
	if !ok || fd == nil {
		return notMeasured(in, matrix.IDFederationDirectory, "Room directory over unsigned federation")
	}
	var vs []epVerdict
	for _, e := range fd.Endpoints {
		a := e.Attempt
		v := epVerdict{Endpoint: e.Endpoint.Addr, Evidence: evOf(&a)}
		switch st := a.Exchange.Status; {
		case st == 0:
			v.Status, v.Summary = report.Error, "no answer: "+a.Exchange.Error
		case st == 200:
			v.Status, v.Summary = report.Fail, fmt.Sprintf("GET /_matrix/federation/v1/publicRooms answered 200 without an X-Matrix signature (%d room(s) listed): the federation API does not authenticate the requesting server", e.Rooms)
		case st == 400 || refused(a):
			v.Status, v.Summary = report.Pass, "unsigned request refused ("+httpSummary(a)+")"
		case notServed(a):
			v.Status, v.Summary = report.Pass, "federation room directory not served ("+httpSummary(a)+")"
		default:
			v.Status, v.Summary = report.Error, "GET /_matrix/federation/v1/publicRooms answered "+httpSummary(a)
		}
		vs = append(vs, v)
	}
	return combine(vs)
}

func evalMatrixProfile(in Input) Verdict {
	return accessVerdicts(in, "Profile lookup without a token", func(ad *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		a := e.Profile
		v := epVerdict{Evidence: evOf(&a)}
		for i := range e.KnownProfiles {
			v.Evidence = append(v.Evidence, evOf(&e.KnownProfiles[i])...)
		}
		var shown []string
		for i, p := range e.KnownProfiles {
			if p.Exchange.Status == 200 && i < len(ad.KnownUsers) {
				shown = append(shown, ad.KnownUsers[i])
			}
		}
		switch st := a.Exchange.Status; {
		case refused(a):
			v.Status, v.Summary = report.Pass, "profile lookups need an access token ("+httpSummary(a)+")"
		case st == 200 || st == 404:
			s := "GET /_matrix/client/v3/profile/{userId} answers without an access token (" + httpSummary(a) + " for a made-up user)"
			if len(shown) > 0 {
				s += "; the display name and avatar of " + strings.Join(shown, ", ") + " are readable by anyone"
			}
			v.Status, v.Summary = report.Warn, s
		default:
			v.Status, v.Summary = report.Error, "GET /profile answered "+httpSummary(a)
		}
		return v
	})
}

func evalMatrixUserEnumeration(in Input) Verdict {
	return accessVerdicts(in, "User enumeration", func(ad *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		v := epVerdict{Evidence: evOf(&e.Available, &e.Profile)}
		for i := range e.KnownAvailable {
			v.Evidence = append(v.Evidence, evOf(&e.KnownAvailable[i])...)
		}
		for i := range e.KnownProfiles {
			v.Evidence = append(v.Evidence, evOf(&e.KnownProfiles[i])...)
		}
		regOpen := e.Register.Exchange.Status == 401
		var oracles, proofs []string
		availLive := e.Available.Exchange.Status == 200 || e.Available.ErrCode == "M_USER_IN_USE"
		if availLive {
			oracles = append(oracles, "GET /register/available answers ("+httpSummary(e.Available)+" for a made-up name; a taken name gets M_USER_IN_USE)")
		}
		for i, k := range e.KnownAvailable {
			if k.ErrCode == "M_USER_IN_USE" && i < len(ad.KnownUsers) {
				proofs = append(proofs, "register/available says "+ad.KnownUsers[i]+" exists")
			}
		}
		profileLive := e.Profile.Exchange.Status == 404
		if profileLive {
			oracles = append(oracles, "GET /profile answers 404 for a made-up user without a token (an existing user gets 200)")
		}
		for i, k := range e.KnownProfiles {
			if profileLive && k.Exchange.Status == 200 && i < len(ad.KnownUsers) {
				proofs = append(proofs, "profile answers 200 for "+ad.KnownUsers[i]+" and 404 for a made-up user")
			}
		}
		suffix := ""
		if len(proofs) > 0 {
			suffix = "; shown with a real user: " + strings.Join(proofs, "; ")
		}
		switch {
		case profileLive || (availLive && !regOpen):
			why := ""
			if availLive && !regOpen {
				why = " (registration is closed, so register/available serves no one but askers of existing names)"
			}
			v.Status, v.Summary = report.Warn, "anyone can test whether a user name exists: "+strings.Join(oracles, "; ")+why+suffix
		case availLive:
			v.Status, v.Summary = report.Info, "register/available tells taken names apart, which open registration needs"+suffix
		case !clearNo(e.Available) || !clearNo(e.Profile):
			v.Status, v.Summary = report.Error, "no clear answer to judge by: register/available answered "+httpSummary(e.Available)+", profile "+httpSummary(e.Profile)
		default:
			v.Status, v.Summary = report.Pass, "no anonymous existence oracle: register/available answered "+httpSummary(e.Available)+", profile "+httpSummary(e.Profile)
		}
		return v
	})
}

func evalMatrixMedia(in Input) Verdict {
	return accessVerdicts(in, "Unauthenticated media", func(_ *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		v := epVerdict{}
		var made *matrix.MediaTry
		var real []matrix.MediaTry
		for i := range e.Media {
			m := &e.Media[i]
			v.Evidence = append(v.Evidence, evOf(&m.Legacy, m.LegacyR0, m.Authenticated)...)
			if m.Source == "made-up" {
				made = m
			} else {
				real = append(real, *m)
			}
		}
		for _, m := range real {
			if m.Legacy.Exchange.Status == 200 {
				v.Status, v.Seen = report.Fail, true
				v.Summary = "real media " + m.MXC + " (found in the " + m.Source + ") downloads without authentication from /_matrix/media/v3/download: anyone who learns a media ID gets the file"
				return v
			}
		}
		if made == nil {
			v.Status, v.Summary = report.Error, "no media request was made"
			return v
		}
		var served []string
		for _, x := range []struct {
			path string
			a    *matrix.Attempt
		}{{"v3", &made.Legacy}, {"r0", made.LegacyR0}} {
			if x.a != nil && x.a.Exchange.Status == 404 && x.a.ErrCode == "M_NOT_FOUND" {
				served = append(served, "/_matrix/media/"+x.path+"/download")
			}
		}
		au := made.Authenticated
		authOK := au != nil && (refused(*au) || au.ErrCode == "M_MISSING_TOKEN")
		authAbsent := au != nil && notServed(*au)
		legacyGone := true
		for _, a := range []*matrix.Attempt{&made.Legacy, made.LegacyR0} {
			legacyGone = legacyGone && a != nil && (refused(*a) || notServed(*a))
		}
		// Frozen: real media was found and the legacy route clearly refused
		// every item (a timeout or a 5xx proves nothing).
		frozen := len(real) > 0
		for _, r := range real {
			// Synapse's frozen media answers 404 M_NOT_FOUND for media
			// that exists; a timeout or a 5xx proves nothing.
			frozen = frozen && (refused(r.Legacy) || r.Legacy.Exchange.Status == 404)
		}
		switch {
		case legacyGone:
			v.Status, v.Summary = report.Pass, "the legacy unauthenticated download routes are not served ("+httpSummary(made.Legacy)+")"
		case len(served) > 0 && authAbsent:
			v.Status, v.Summary = report.Fail, "media is served only without authentication: "+strings.Join(served, " and ")+" look up media IDs (404 M_NOT_FOUND for a made-up one) and the authenticated route (Matrix 1.11, MSC3916) is missing ("+httpSummary(*au)+")"
		case len(served) > 0 && frozen:
			v.Status, v.Summary = report.Pass, "the legacy routes are served but refused the real media found ("+real[0].MXC+": "+httpSummary(real[0].Legacy)+"): media is frozen behind authentication"
		case len(served) > 0 && authOK:
			v.Status, v.Summary = report.Warn, "the legacy unauthenticated routes "+strings.Join(served, " and ")+" still look up media IDs (404 M_NOT_FOUND for a made-up one) next to authenticated media ("+httpSummary(*au)+"); with no real media ID found anonymously, whether they still hand out files cannot be told"
		case len(served) > 0:
			v.Status, v.Summary = report.Warn, "the legacy unauthenticated routes "+strings.Join(served, " and ")+" look up media IDs (404 M_NOT_FOUND for a made-up one)"
		default:
			v.Status, v.Summary = report.Error, "the media routes answered "+httpSummary(made.Legacy)+" (legacy) and "+httpSummary(*au)+" (authenticated)"
		}
		return v
	})
}

// E2EESettings is io.element.e2ee of the client well-known.
type e2eeSettings struct {
	Default         *bool    `json:"default"`
	ForceDisable    bool     `json:"force_disable"`
	BackupRequired  bool     `json:"secure_backup_required"`
	BackupMethods   []string `json:"secure_backup_setup_methods"`
	malformedReason string
}

func parseE2EE(raw []byte) e2eeSettings {
	var s e2eeSettings
	if err := json.Unmarshal(raw, &s); err != nil {
		s = e2eeSettings{malformedReason: "io.element.e2ee is not an object of the expected types"}
	}
	return s
}

func evalMatrixE2EEDefault(in Input) Verdict {
	cd, v := clientWellKnown(in, "E2EE default")
	if cd == nil {
		return v
	}
	var ev []probes.Evidence
	for _, x := range cd.WellKnown.Exchanges {
		ev = append(ev, x.Evidence())
	}
	last := matrix.Exchange{}
	if n := len(cd.WellKnown.Exchanges); n > 0 {
		last = cd.WellKnown.Exchanges[n-1]
	}
	if cd.Parsed == nil {
		if cd.WellKnown.Result == matrix.WKUnreachable && (last.ErrStatus == probes.StatusTimeout || last.ErrStatus == probes.StatusError) {
			return Verdict{Status: report.Error, Summary: "the client well-known could not be read: " + cd.WellKnown.Reason, Evidence: ev}
		}
		return Verdict{Status: report.Pass, Summary: "no usable client well-known (" + cd.WellKnown.Result + "): clients keep their default, end-to-end encryption on in private rooms", Evidence: ev}
	}
	if len(cd.Parsed.E2EE) == 0 {
		return Verdict{Status: report.Pass, Summary: "no io.element.e2ee in the client well-known: clients keep their default, end-to-end encryption on in private rooms", Evidence: ev}
	}
	s := parseE2EE(cd.Parsed.E2EE)
	if s.malformedReason != "" {
		return Verdict{Status: report.Warn, Summary: s.malformedReason + ": Element's behaviour is undefined; remove or fix it", Evidence: ev}
	}
	var notes []string
	if s.BackupRequired {
		notes = append(notes, "secure backup required")
	}
	if len(s.BackupMethods) > 0 {
		notes = append(notes, "backup set-up methods "+strings.Join(s.BackupMethods, ", "))
	}
	note := ""
	if len(notes) > 0 {
		note = " (" + strings.Join(notes, "; ") + ")"
	}
	switch {
	case s.ForceDisable:
		return Verdict{Status: report.Fail, Summary: "io.element.e2ee.force_disable is true: Element turns end-to-end encryption off for every user of this server" + note, Evidence: ev}
	case s.Default != nil && !*s.Default:
		return Verdict{Status: report.Warn, Summary: "io.element.e2ee.default is false: new private rooms and direct messages start unencrypted in Element" + note, Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: "io.element.e2ee keeps end-to-end encryption on by default" + note, Evidence: ev}
}

func init() { register("matrix.federation.ok", evalMatrixFederationOK) }

// evalMatrixFederationOK is the Matrix Federation Tester's FederationOK:
// delegation resolves, and every address serves a valid certificate for
// the server name and valid, self-signed ed25519 keys. It reads the three
// criteria it is made of (pure functions of the same observations), so it
// can never disagree with them.
func evalMatrixFederationOK(in Input) Verdict {
	parts := []struct {
		id string
		ev Evaluator
	}{
		{"matrix.discovery.server", evalMatrixDiscoveryServer},
		{"matrix.federation.tls", evalMatrixFederationTLS},
		{"matrix.federation.keys", evalMatrixKeys},
	}
	var failed, unmeasured, ok []string
	var ev []probes.Evidence
	for _, p := range parts {
		v := p.ev(in)
		line := p.id + " " + string(v.Status) + ": " + v.Summary
		switch v.Status {
		case report.Pass, report.Warn, report.Info:
			ok = append(ok, line)
		case report.Fail:
			failed = append(failed, line)
		default:
			unmeasured = append(unmeasured, line)
		}
	}
	ev = append(ev, probes.Evidence{Kind: "note", Detail: "FederationOK is made of:\n  " + strings.Join(append(append(append([]string{}, failed...), unmeasured...), ok...), "\n  ")})
	switch {
	case len(failed) > 0:
		// A failed link means other servers cannot federate, even if a
		// later link could not be measured because of it.
		return Verdict{Status: report.Fail, Summary: "federation broken: " + strings.Join(failed, "; "), Evidence: ev}
	case len(unmeasured) > 0:
		return Verdict{Status: report.Error, Summary: "federation could not be judged: " + strings.Join(unmeasured, "; "), Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: "federation OK: delegation resolves, every address has a valid certificate and valid self-signed keys", Evidence: ev}
}
