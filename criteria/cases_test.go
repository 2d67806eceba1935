package criteria

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/tls/wire"
)

func ep(addr string) probes.Endpoint {
	return probes.Endpoint{Name: "test.example", Addr: addr, Via: "dns"}
}

func okHead(addr string) tls.EndpointResult {
	return tls.EndpointResult{Endpoint: ep(addr), Status: probes.StatusOK}
}

func versions(addr string, on ...wire.Version) tls.EndpointVersions {
	e := tls.EndpointVersions{EndpointResult: okHead(addr)}
	for _, v := range wire.AllVersions {
		s := wire.VersionSupport{Version: v, Answer: "alert handshake_failure"}
		for _, o := range on {
			if o == v {
				s.Supported, s.Answer = true, "ServerHello "+v.String()
			}
		}
		e.Versions = append(e.Versions, s)
	}
	return e
}

func suite(t *testing.T, id uint16) wire.Suite {
	s, ok := wire.SuiteByID(id)
	if !ok {
		t.Fatalf("suite %04x unknown", id)
	}
	return s
}

func results(obs ...*probes.Observation) probes.Results {
	r := probes.Results{}
	for _, o := range obs {
		r[o.Probe] = o
	}
	return r
}

func okObs(id probes.ID, data any) *probes.Observation {
	return &probes.Observation{Probe: id, Status: probes.StatusOK, Data: data}
}

func eval(t *testing.T, id string, res probes.Results) Verdict {
	t.Helper()
	v := safeEval(mustEval(id), Input{Kind: "tls", Results: res})
	if v.Status == "" {
		t.Fatalf("%s: no status", id)
	}
	return v
}

func mustEval(id string) Evaluator {
	e, ok := evaluatorFor(id)
	if !ok {
		panic("criteria: no evaluator bound to " + id)
	}
	return e
}

// evalCase is one row of a concern's table test: the observations an
// evaluator sees and what it must conclude. Every criterion has at least
// one (TestEveryCriterionHasACase).
type evalCase struct {
	ID   string // the criterion
	Name string
	// Kind is the target kind; default: the ID's first label.
	Kind string
	Res  probes.Results
	Want report.Status
	// Has is a text the summary must contain ("" for any).
	Has string
	// Cap is the grade cap the verdict must carry ("" for none).
	Cap string
}

// caseTables are the table tests of every concern (NAME_test.go), by the
// concern's name in table.go.
var caseTables = map[string]func(t *testing.T) []evalCase{
	"tls":                  tlsCases,
	"tls_cert":             tlsCertCases,
	"xmpp_dns":             xmppDNSCases,
	"xmpp_streams":         xmppStreamCases,
	"xmpp_registration":    xmppRegistrationCases,
	"xmpp_auth":            xmppAuthCases,
	"xmpp_features":        xmppFeatureCases,
	"xmpp_account":         xmppAccountCases,
	"xmpp_compliance":      xmppComplianceCases,
	"matrix_federation":    matrixFederationCases,
	"matrix_client":        matrixClientCases,
	"matrix_access":        matrixAccessCases,
	"matrix_account":       matrixAccountCases,
	"net":                  netCases,
	"dns":                  dnsCases,
	"software":             softwareCases,
	"xmpp_client_starttls": clientCasesOf(clientStartTLSTable),
	"xmpp_client_tls":      clientCasesOf(clientTLSTable),
	"xmpp_client_auth":     clientCasesOf(clientAuthTable),
	"xmpp_client_hostile":  clientCasesOf(clientHostileTable),
}

func TestCases(t *testing.T) {
	for _, c := range concerns {
		t.Run(c.Name, func(t *testing.T) {
			table, ok := caseTables[c.Name]
			if !ok {
				t.Fatalf("concern %s has no case table in caseTables (%s_test.go)", c.Name, c.Name)
			}
			runCases(t, table(t))
		})
	}
}

// TestEveryCriterionHasACase: a criterion without a table case has an
// evaluator nobody has seen decide.
func TestEveryCriterionHasACase(t *testing.T) {
	for _, c := range concerns {
		table, ok := caseTables[c.Name]
		if !ok {
			continue // reported by TestCases
		}
		covered := map[string]bool{}
		for _, tc := range table(t) {
			covered[tc.ID] = true
		}
		for _, b := range c.Criteria {
			if !covered[b.ID] {
				t.Errorf("%s has no case in %s_test.go", b.ID, c.Name)
			}
		}
	}
}

func runCases(t *testing.T, cases []evalCase) {
	for _, c := range cases {
		t.Run(c.ID+"/"+c.Name, func(t *testing.T) {
			kind := c.Kind
			if kind == "" {
				kind, _, _ = strings.Cut(c.ID, ".")
			}
			ev, ok := evaluatorFor(c.ID)
			if !ok {
				t.Fatalf("no evaluator for %s", c.ID)
			}
			v := safeEval(ev, Input{Kind: kind, Results: c.Res})
			if v.Status != c.Want {
				t.Errorf("status %s (%s), want %s", v.Status, v.Summary, c.Want)
			}
			if c.Has != "" && !strings.Contains(v.Summary, c.Has) {
				t.Errorf("summary %q lacks %q", v.Summary, c.Has)
			}
			if v.Cap != c.Cap {
				t.Errorf("cap %q, want %q", v.Cap, c.Cap)
			}
			if (v.Status == report.Fail || v.Status == report.Warn) && len(v.Evidence) == 0 {
				t.Errorf("%s without evidence: %s", v.Status, v.Summary)
			}
		})
	}
}
