package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func renderSARIF(t *testing.T, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteSARIF(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGoldenSARIF(t *testing.T) {
	golden(t, "report.sarif.json", renderSARIF(t, sampleReport()))
}

func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SARIFSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.DefaultDraft(jsonschema.Draft4)
	if err := c.AddResource(SARIFSchemaURI, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SARIFSchemaURI)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateSARIF(t *testing.T, s *jsonschema.Schema, doc []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	s := compileSARIFSchema(t)
	for name, r := range map[string]*Report{
		"sample": sampleReport(),
		"stress": stressReport(),
		"empty":  {Tool: Tool{Name: "imscore", Version: "dev"}, Target: Target{Kind: "xmpp", Name: "example.org"}, Grade: "?"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := validateSARIF(t, s, renderSARIF(t, r)); err != nil {
				t.Errorf("WriteSARIF output does not match the SARIF 2.1.0 schema: %v", err)
			}
		})
	}
}

func TestSARIFSchemaRejectsInvalid(t *testing.T) {
	s := compileSARIFSchema(t)
	for name, mutate := range map[string]func(m map[string]any){
		"wrong version":   func(m map[string]any) { m["version"] = "2.0.0" },
		"no tool":         func(m map[string]any) { delete(run0(m), "tool") },
		"bad level":       func(m map[string]any) { result0(m)["level"] = "critical" },
		"bad kind":        func(m map[string]any) { result0(m)["kind"] = "broken" },
		"no message":      func(m map[string]any) { delete(result0(m), "message") },
		"unknown field":   func(m map[string]any) { result0(m)["severity"] = "high" },
		"helpUri not URI": func(m map[string]any) { rule0(m)["helpUri"] = "not a uri" },
		"rule without id": func(m map[string]any) { delete(rule0(m), "id") },
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(renderSARIF(t, sampleReport()), &m); err != nil {
				t.Fatal(err)
			}
			mutate(m)
			doc, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateSARIF(t, s, doc); err == nil {
				t.Error("the SARIF schema accepted an invalid log")
			}
		})
	}
}

func run0(m map[string]any) map[string]any { return m["runs"].([]any)[0].(map[string]any) }

func result0(m map[string]any) map[string]any {
	return run0(m)["results"].([]any)[0].(map[string]any)
}

func rule0(m map[string]any) map[string]any {
	return run0(m)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)[0].(map[string]any)
}

// sarifDoc mirrors the parts of the output the tests look at.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           string `json:"name"`
				Version        string `json:"version"`
				InformationURI string `json:"informationUri"`
				Rules          []struct {
					ID               string       `json:"id"`
					Name             string       `json:"name"`
					ShortDescription sarifMessage `json:"shortDescription"`
					FullDescription  sarifMessage `json:"fullDescription"`
					Help             sarifMessage `json:"help"`
					HelpURI          string       `json:"helpUri"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []struct {
			RuleID    string          `json:"ruleId"`
			RuleIndex int             `json:"ruleIndex"`
			Kind      string          `json:"kind"`
			Level     string          `json:"level"`
			Message   sarifMessage    `json:"message"`
			Locations []sarifLocation `json:"locations"`
		} `json:"results"`
		Properties struct {
			Grade string `json:"grade"`
			Score int    `json:"score"`
		} `json:"properties"`
	} `json:"runs"`
}

func TestSARIFMapping(t *testing.T) {
	var d sarifDoc
	if err := json.Unmarshal(renderSARIF(t, sampleReport()), &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != "2.1.0" || d.Schema != SARIFSchemaURI || len(d.Runs) != 1 {
		t.Fatalf("log: version %q schema %q runs %d", d.Version, d.Schema, len(d.Runs))
	}
	run := d.Runs[0]
	drv := run.Tool.Driver
	if drv.Name != "imscore" || drv.Version != "0.1.0" || drv.InformationURI != InformationURI {
		t.Errorf("driver: %+v", drv)
	}
	// One rule per criterion in the report, pass/info/skip included.
	var ids []string
	for _, r := range drv.Rules {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, " "); got != "tls.cert.trusted tls.cipher.forward-secrecy tls.cipher.no-weak tls.dane tls.ocsp-stapling tls.protocol.no-tls10-11 tls.protocol.tls13" {
		t.Errorf("rules: %s", got)
	}
	rule := drv.Rules[5]
	if rule.Name != "TlsProtocolNoTls1011" || rule.ShortDescription.Text != "TLS 1.0 and TLS 1.1 are disabled" ||
		rule.HelpURI != "https://www.rfc-editor.org/rfc/rfc8996" || !strings.Contains(rule.Help.Text, "general: Turn off TLS 1.0") ||
		!strings.Contains(rule.Help.Text, "RFC 9325") || !strings.Contains(rule.FullDescription.Text, "imscore explain tls.protocol.no-tls10-11") {
		t.Errorf("rule: %+v", rule)
	}

	// Results for fail, warn and error only.
	got := map[string]string{}
	for _, res := range run.Results {
		got[res.RuleID] = res.Kind + "/" + res.Level
		if drv.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s: ruleIndex %d points at %s", res.RuleID, res.RuleIndex, drv.Rules[res.RuleIndex].ID)
		}
		if len(res.Locations) != 1 || res.Locations[0].LogicalLocations[0].FullyQualifiedName != "tls:test.example:443" {
			t.Errorf("%s: locations %+v", res.RuleID, res.Locations)
		}
	}
	want := map[string]string{
		"tls.protocol.no-tls10-11": "fail/error",
		"tls.protocol.tls13":       "fail/warning",
		"tls.cipher.no-weak":       "open/none",
	}
	if len(got) != len(want) {
		t.Errorf("results: %v", got)
	}
	for id, kl := range want {
		if got[id] != kl {
			t.Errorf("%s: kind/level %q, want %q", id, got[id], kl)
		}
	}
	if run.Properties.Grade != "B" || run.Properties.Score != 78 {
		t.Errorf("run properties: %+v", run.Properties)
	}
	if inv := run.Invocations[0]; inv.StartTimeUTC != "2026-03-14T09:26:53.589Z" || inv.EndTimeUTC != "2026-03-14T09:26:57.910Z" {
		t.Errorf("invocation times: %+v", inv)
	}
}

func TestSARIFErrorSaysUnmeasured(t *testing.T) {
	r := sampleReport()
	for i := range r.Findings {
		if r.Findings[i].Status == Error {
			r.Findings[i].Summary = "cipher enumeration timed out"
		}
	}
	out := renderSARIF(t, r)
	if !bytes.Contains(out, []byte(`"text": "Could not be measured: cipher enumeration timed out`)) {
		t.Errorf("error result must say it could not be measured:\n%s", out)
	}
}

func TestRuleName(t *testing.T) {
	for id, want := range map[string]string{
		"tls.protocol.no-tls10-11": "TlsProtocolNoTls1011",
		"xmpp.feature.mam":         "XmppFeatureMam",
		"matrix.e2ee.default":      "MatrixE2eeDefault",
	} {
		if got := ruleName(id); got != want {
			t.Errorf("ruleName(%s) = %s, want %s", id, got, want)
		}
	}
}
