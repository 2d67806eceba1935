package criteria

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// matrixFederationCriteria binds the criteria of matrix_federation.yaml.
var matrixFederationCriteria = []binding{
	{"matrix.discovery.server", evalMatrixDiscoveryServer},
	{"matrix.federation.keys", evalMatrixKeys},
	{"matrix.federation.tls", evalMatrixFederationTLS},
	{"matrix.federation.ok", evalMatrixFederationOK},
	{"matrix.metadata.version-disclosed", evalMatrixVersionDisclosed},
}

func discoveryOf(in Input) (*matrix.DiscoveryData, *probes.Observation) {
	return matrix.Discovery.Of(in.Results)
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
		return notMeasured(in, matrix.Discovery.ID, "Federation discovery")
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
	if kd, ok := matrix.Keys.OK(in.Results); ok {
		measured = true
		for _, e := range kd.Endpoints {
			if e.Exchange.Status == 0 {
				unreachable = append(unreachable, e.Endpoint.Addr+" ("+e.Reason+")")
				ev = append(ev, e.Exchange.Evidence())
			}
		}
	} else if kd, _ := matrix.Keys.Of(in.Results); kd != nil {
		measured = true
		for _, e := range kd.Endpoints {
			unreachable = append(unreachable, e.Endpoint.Addr+" ("+e.Reason+")")
			ev = append(ev, e.Exchange.Evidence())
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
		case redirectFailed(d.WellKnown):
			warns = append(warns, "/.well-known/matrix/server never answered ("+d.WellKnown.Reason+"): servers ignore it")
		}
	}
	for _, n := range d.Notes {
		if n.Problem() {
			warns = append(warns, n.Text)
		}
	}
	if len(warns) > 0 {
		return Verdict{Status: report.Warn, Summary: summary + "; " + strings.Join(warns, "; "), Evidence: ev}
	}
	if !measured {
		return Verdict{Status: report.Error, Summary: summary + "; whether the addresses answer was not measured", Evidence: ev}
	}
	if d.WellKnown != nil && d.WellKnown.Redirects > 0 && !redirectFailed(d.WellKnown) {
		summary += fmt.Sprintf(" (well-known reached after %d redirect(s))", d.WellKnown.Redirects)
	}
	return Verdict{Status: report.Pass, Summary: summary, Evidence: ev}
}

// redirectFailed: the well-known request's redirects led nowhere (a loop,
// too many hops, or a redirect that is not followed).
func redirectFailed(w *matrix.WellKnown) bool {
	return w.Result == matrix.WKRedirectLoop || w.Result == matrix.WKTooManyHops || w.Result == matrix.WKBadRedirect
}

func evalMatrixKeys(in Input) Verdict {
	kd, _ := matrix.Keys.Of(in.Results)
	if kd == nil {
		return notMeasured(in, matrix.Keys.ID, "Server signing keys")
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
		slices.Sort(groups)
		vs = append(vs, epVerdict{Endpoint: "all", Status: report.Warn, Summary: "addresses serve different signing keys (split brain): " + strings.Join(groups, "; ")})
	}
	return combine(vs)
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
	warns = append(warns, k.Notes...)
	switch {
	case len(fails) > 0:
		return epVerdict{Status: report.Fail, Summary: strings.Join(fails, "; ")}
	case len(warns) > 0:
		return epVerdict{Status: report.Warn, Summary: strings.Join(warns, "; ")}
	}
	return epVerdict{Status: report.Pass, Summary: fmt.Sprintf("%s self-signed for %s, valid until %s", strings.Join(good, ", "), expected, until.Format(time.RFC3339))}
}

func evalMatrixFederationTLS(in Input) Verdict {
	ids := matrix.FederationTLS
	hs, ok := ids.Handshake.OK(in.Results)
	if !ok {
		if d, o := discoveryOf(in); d != nil && o.Status != probes.StatusOK {
			return Verdict{Status: report.Error, Summary: "no federation address to check (discovery: " + o.Reason + ")"}
		}
		return notMeasured(in, ids.Handshake.ID, "Federation certificate")
	}
	names := strings.Join(hs.Names, ", ")
	var obsEv []probes.Evidence
	if o := in.Results.Get(ids.Handshake.ID); o != nil {
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
	vd, ok := matrix.Version.OK(in.Results)
	if !ok || vd == nil {
		return notMeasured(in, matrix.Version.ID, "Software version disclosure")
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
