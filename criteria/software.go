package criteria

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/imscore/imscore/criteria/advisories"
	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// softwareCriteria binds the criteria of software.yaml.
var softwareCriteria = []binding{
	{"software.advisories", evalSoftwareAdvisories},
}

// disclosure is one software name and version a server disclosed.
type disclosure struct {
	Name, Version string
	// Via says where ("XEP-0092", "/_matrix/federation/v1/version", "the
	// HTTP Server header").
	Via      string
	Evidence probes.Evidence
}

// serverHeaderRe reads a product token with a version from an HTTP Server
// header (RFC 9110 §10.2.4): "Synapse/1.98.0", "nginx/1.22.1".
var serverHeaderRe = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9._-]*)/(\S+)`)

// disclosures gathers what the observations say about the server software:
// XEP-0092 (logged in), the Matrix federation version endpoint and the
// Server headers of the Matrix federation and client requests.
func disclosures(in Input) []disclosure {
	var out []disclosure
	seen := map[string]bool{}
	add := func(d disclosure) {
		k := strings.ToLower(d.Name + " " + d.Version)
		if d.Name == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, d)
	}
	header := func(h, addr, what string, ev probes.Evidence) {
		if m := serverHeaderRe.FindStringSubmatch(strings.TrimSpace(h)); m != nil {
			add(disclosure{Name: m[1], Version: m[2], Via: "the HTTP Server header of " + what + " on " + addr, Evidence: ev})
		}
	}
	if d, ok := xmpp.Account.OK(in.Results); ok && d.Version != nil && d.Version.Status.OK() {
		v := d.Version
		add(disclosure{Name: v.Name, Version: v.Version, Via: "XEP-0092 (jabber:iq:version of " + d.Server.JID + ")",
			Evidence: exEvidence(d, v.Exchange, "jabber:iq:version")})
	}
	if vd, ok := matrix.Version.OK(in.Results); ok {
		for _, e := range vd.Endpoints {
			ev := e.Exchange.Evidence()
			if e.Name != "" {
				add(disclosure{Name: e.Name, Version: e.Version, Via: "/_matrix/federation/v1/version on " + e.Endpoint.Addr, Evidence: ev})
			}
			header(e.ServerHeader, e.Endpoint.Addr, "/_matrix/federation/v1/version", ev)
		}
	}
	if cd, ok := matrix.Client.OK(in.Results); ok {
		for _, e := range cd.Endpoints {
			header(e.Exchange.Header["Server"], e.Endpoint.Addr, "/_matrix/client/versions", e.Exchange.Evidence())
		}
	}
	return out
}

// softwareKey maps a disclosed name to a key of advisories.Software.
func softwareKey(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	if _, ok := advisories.Software[n]; ok {
		return n
	}
	return ""
}

// evalSoftwareAdvisories judges the disclosed versions against the
// embedded advisory table. A match is a warning, never a failure:
// distribution packages report the upstream version while carrying
// backported fixes (Debian's Prosody 0.12.3-1+deb12u1 says 0.12.3 and has
// the fixes for CVE-2026-43506/43507, upstream's 0.12.6), so a version string alone cannot prove a server
// vulnerable.
func evalSoftwareAdvisories(in Input) Verdict {
	tb, err := advisories.Load()
	if err != nil {
		return Verdict{Status: report.Error, Summary: "the advisory table could not be loaded: " + err.Error()}
	}
	asOf := fmt.Sprintf("advisory table reviewed %s, %d advisories, newest published %s", tb.Reviewed, len(tb.Advisories), tb.Newest())
	ds := disclosures(in)
	if len(ds) == 0 {
		why := "no software version was disclosed"
		switch in.Kind {
		case "xmpp":
			if in.Results.Get(xmpp.Account.ID) == nil {
				why += " (XEP-0092 is asked only with --account)"
			}
		case "tls":
			why += " (a TLS scan speaks no application protocol)"
		}
		return Verdict{Status: report.Skip, Summary: why + "; " + asOf}
	}
	var affected, clean, unknown []string
	var ev []probes.Evidence
	for _, d := range ds {
		ev = append(ev, d.Evidence)
		label := strings.TrimSpace(d.Name + " " + d.Version)
		key := softwareKey(d.Name)
		v, ok := advisories.ParseVersion(d.Version)
		switch {
		case key == "":
			unknown = append(unknown, label+" ("+d.Via+"): not software the table covers")
			continue
		case d.Version == "":
			unknown = append(unknown, d.Name+" ("+d.Via+"): no version disclosed")
			continue
		case !ok:
			unknown = append(unknown, label+" ("+d.Via+"): not a release number imscore can compare")
			continue
		}
		ms := tb.Affecting(key, v)
		if len(ms) == 0 {
			clean = append(clean, fmt.Sprintf("%s (%s): none of the %d %s advisories in the table affects it", label, d.Via, tb.Count(key), advisories.Software[key]))
			continue
		}
		var ids []string
		for _, m := range ms {
			a := m.Advisory
			ids = append(ids, fmt.Sprintf("%s (%s, fixed in %s)", a.ID, a.Severity, m.Range.Fixed))
			detail := fmt.Sprintf("%s (%s, published %s): %s; affected %s, fixed in %s", a.ID, a.Severity, a.Published, a.Title, m.Range.Range, m.Range.Fixed)
			if a.Note != "" {
				detail += "; " + a.Note
			}
			ev = append(ev, probes.Evidence{Kind: "note", Detail: detail + "; source: " + a.Source})
		}
		build := "distribution builds may carry the fix — check your package's changelog"
		if v.Distro {
			build = "the version string names a distribution build, which may carry the fix — check its changelog"
		}
		affected = append(affected, fmt.Sprintf("%s (%s) is affected upstream by %s; %s", label, d.Via, strings.Join(ids, ", "), build))
	}
	switch {
	case len(affected) > 0:
		return Verdict{Status: report.Warn, Summary: strings.Join(affected, "; ") + " (" + asOf + ")", Evidence: ev}
	case len(clean) > 0:
		s := strings.Join(clean, "; ")
		if len(unknown) > 0 {
			s += "; " + strings.Join(unknown, "; ")
		}
		return Verdict{Status: report.Pass, Summary: s + " (" + asOf + ")", Evidence: ev}
	}
	return Verdict{Status: report.Info, Summary: strings.Join(unknown, "; ") + " (" + asOf + ")", Evidence: ev}
}
