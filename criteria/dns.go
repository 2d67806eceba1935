package criteria

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// dnsCriteria binds the DNS criteria of dns.yaml.
var dnsCriteria = []binding{
	{"dns.dnssec", evalDNSSEC},
}

// dnssecAnswers collects the DNSSEC state of every answer that decides where
// clients connect and what they trust: the XMPP SRV records, the Matrix
// _matrix-fed (or legacy) SRV record, and the TLSA records of every TLS
// service. Each name and type once, sorted.
func dnssecAnswers(in Input) []*probes.DNSSEC {
	var out []*probes.DNSSEC
	add := func(d *probes.DNSSEC) {
		if d != nil {
			out = append(out, d)
		}
	}
	switch in.Kind {
	case "xmpp":
		if d, _ := xmpp.DNS.Of(in.Results); d != nil {
			for _, s := range d.Services {
				add(s.DNSSEC)
			}
		}
	case "matrix":
		if d, _ := matrix.Discovery.Of(in.Results); d != nil {
			for _, l := range d.SRV {
				add(l.DNSSEC)
			}
		}
	}
	for _, set := range tlsSets(in) {
		if d, _ := set.Keys.DANE.Of(in.Results); d != nil {
			add(d.DNSSEC)
			for _, t := range d.Targets {
				add(t.DNSSEC)
			}
		}
	}
	seen := map[string]bool{}
	var keep []*probes.DNSSEC
	for _, d := range out {
		k := d.Name + " " + d.Type
		if !seen[k] {
			seen[k] = true
			keep = append(keep, d)
		}
	}
	sort.Slice(keep, func(i, j int) bool {
		if keep[i].Type != keep[j].Type {
			return keep[i].Type < keep[j].Type
		}
		return keep[i].Name < keep[j].Name
	})
	return keep
}

func evalDNSSEC(in Input) Verdict {
	answers := dnssecAnswers(in)
	if len(answers) == 0 {
		return Verdict{Status: report.Skip, Summary: "no SRV or TLSA question was asked (an IP address target, or discovery did not get that far)"}
	}
	by := map[string][]string{}
	var resolvers []string
	var ev []probes.Evidence
	for _, a := range answers {
		what := strings.TrimSuffix(a.Name, ".") + " " + a.Type
		if a.Detail != "" && a.State != probes.DNSSECSecure {
			what += " (" + a.Detail + ")"
		}
		by[a.State] = append(by[a.State], what)
		if a.Resolver != "" {
			resolvers = append(resolvers, a.Resolver)
		}
		e := probes.Evidence{Kind: "dns", Sent: fmt.Sprintf("%s %s @%s", a.Name, a.Type, orDefault(a.Resolver, "?")), Received: a.State}
		if a.Detail != "" {
			e.Received += ": " + a.Detail
		}
		ev = append(ev, e)
	}
	resolvers = uniq(resolvers)
	trusted := "the resolver " + strings.Join(resolvers, ", ") + " was trusted to validate (its AD bit)"
	if len(resolvers) == 0 {
		trusted = "no resolver answered"
	}
	switch {
	case len(by[probes.DNSSECBogus]) > 0:
		return Verdict{Status: report.Fail, Summary: "DNSSEC signatures do not validate (bogus): " + list(by[probes.DNSSECBogus], 3) +
			"; validating resolvers refuse these records, so their users cannot reach or verify the server; " + trusted, Evidence: ev}
	case len(by[probes.DNSSECFailed]) > 0:
		return Verdict{Status: report.Error, Summary: "could not be asked: " + list(by[probes.DNSSECFailed], 3) + "; " + trusted, Evidence: ev}
	case len(by[probes.DNSSECUnvalidated]) > 0:
		return Verdict{Status: report.Error, Summary: "the resolver does not validate DNSSEC: " + list(by[probes.DNSSECUnvalidated], 3) +
			" came with signatures but without the AD bit; ask a validating resolver with --resolver (" + strings.Join(resolvers, ", ") + " was asked)", Evidence: ev}
	case len(by[probes.DNSSECInsecure]) == 0:
		return Verdict{Status: report.Pass, Summary: fmt.Sprintf("%d answers DNSSEC-authenticated (%s); %s", len(answers), list(by[probes.DNSSECSecure], 4), trusted), Evidence: ev}
	case len(by[probes.DNSSECSecure]) == 0:
		return Verdict{Status: report.Warn, Summary: "not DNSSEC-signed: " + list(by[probes.DNSSECInsecure], 4) +
			"; anyone who can spoof DNS can redirect clients, and DANE is not usable; " + trusted, Evidence: ev}
	}
	return Verdict{Status: report.Warn, Summary: "partly DNSSEC-signed: " + list(by[probes.DNSSECInsecure], 4) + " not authenticated (" +
		list(by[probes.DNSSECSecure], 2) + " are); " + trusted, Evidence: ev}
}
