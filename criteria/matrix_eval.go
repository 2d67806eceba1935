package criteria

import (
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
	o := in.Results.Get(matrix.IDVersion)
	var vd *matrix.VersionData
	if o != nil {
		vd, _ = o.Data.(*matrix.VersionData)
	}
	if vd == nil || o.Status != probes.StatusOK {
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
		default:
			v.Status, v.Summary = report.Pass, "no software version disclosed ("+orDefault(e.Reason, "empty answer")+")"
		}
		vs = append(vs, v)
	}
	return combine(vs)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func evalMatrixDiscoveryClient(in Input) Verdict {
	o := in.Results.Get(matrix.IDClient)
	var cd *matrix.ClientData
	if o != nil {
		cd, _ = o.Data.(*matrix.ClientData)
	}
	if o != nil && o.Status == probes.StatusNotApplicable {
		return Verdict{Status: report.Skip, Summary: o.Reason}
	}
	if cd == nil || cd.WellKnown == nil {
		return notMeasured(in, matrix.IDClient, "Client discovery")
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
