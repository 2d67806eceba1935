package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// SARIF constants.
const (
	SARIFVersion = "2.1.0"
	// SARIFSchemaURI is the $schema WriteSARIF writes: the OASIS SARIF
	// 2.1.0 (errata 01) schema, vendored as schema/sarif-schema-2.1.0.json.
	SARIFSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// InformationURI is imscore's home, written as the tool's informationUri.
	InformationURI = "https://github.com/imscore/imscore"
)

//go:embed schema/sarif-schema-2.1.0.json
var sarifSchema []byte

// SARIFSchema returns the vendored OASIS SARIF 2.1.0 JSON schema (draft-04)
// that WriteSARIF's output conforms to. The caller gets its own copy.
func SARIFSchema() []byte { return bytes.Clone(sarifSchema) }

// WriteSARIF writes r as a SARIF 2.1.0 log (for code-scanning dashboards):
// one run whose tool.driver is imscore (name, version, informationUri)
// with one rule per criterion in the report, sorted by ID (id, name,
// shortDescription = title, fullDescription, help = the fix per server
// software and the references, helpUri = the first reference), and one
// result per finding that needs attention:
//
//	fail   kind "fail", level "error"
//	warn   kind "fail", level "warning"
//	error  kind "open", level "none": "could not be measured"
//
// SARIF 2.1.0 §3.27.9 defines kind "open" as a result for which the tool
// could not determine whether the problem exists, which is exactly imscore's
// error; §3.27.10 then requires level "none" (level is only meaningful for
// kind "fail"). pass, info and skip findings produce no result; their rules
// are still listed, so a dashboard knows they were checked.
//
// A scan has no files, so each result's location is logical: the target
// (kind "resource", fullyQualifiedName KIND:NAME) and every endpoint its
// evidence names. The grade, score, areas and caps are in the run's
// properties; started_at and the duration are the invocation's start and
// end times, the only times in the output.
func WriteSARIF(w io.Writer, r *Report) error {
	if r == nil {
		return errors.New("report: WriteSARIF of a nil report")
	}
	findings := sortedFindings(r.Findings)

	driver := sarifComponent{
		Name:           nonEmpty(r.Tool.Name, "imscore"),
		Version:        r.Tool.Version,
		InformationURI: InformationURI,
		Rules:          []sarifRule{},
	}
	if r.Tool.Commit != "" {
		driver.FullName = strings.TrimSpace(driver.Name+" "+r.Tool.Version) + " (" + r.Tool.Commit + ")"
	}
	ruleIndex := map[string]int{}
	for _, f := range findings {
		if _, ok := ruleIndex[f.Criterion]; ok {
			continue
		}
		ruleIndex[f.Criterion] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRuleOf(f))
	}

	target := sarifLogical{
		Name:               r.Target.Name,
		FullyQualifiedName: r.Target.Kind + ":" + r.Target.Name,
		Kind:               "resource",
	}
	results := []sarifResult{}
	for _, f := range findings {
		res := sarifResult{RuleID: f.Criterion, RuleIndex: ruleIndex[f.Criterion]}
		msg := oneLine(f.Summary)
		switch f.Status {
		case Fail:
			res.Kind, res.Level = "fail", "error"
		case Warn:
			res.Kind, res.Level = "fail", "warning"
		case Error:
			res.Kind, res.Level = "open", "none"
			if !strings.Contains(strings.ToLower(msg), "could not be measured") {
				msg = "Could not be measured: " + msg
			}
		default:
			continue
		}
		if body := findingBody(f, true); body != "" {
			msg += "\n\n" + strings.TrimRight(body, "\n")
		}
		res.Message = sarifMessage{Text: msg}
		loc := sarifLocation{LogicalLocations: []sarifLogical{target}}
		seen := map[string]bool{}
		for _, e := range f.Evidence {
			if e.Endpoint == "" || seen[e.Endpoint] {
				continue
			}
			seen[e.Endpoint] = true
			loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{
				Name:               oneLine(e.Endpoint),
				FullyQualifiedName: target.FullyQualifiedName + "/" + oneLine(e.Endpoint),
				Kind:               "resource",
			})
		}
		res.Locations = []sarifLocation{loc}
		res.PartialFingerprints = map[string]string{
			"imscoreTargetCriterion/v1": target.FullyQualifiedName + "|" + f.Criterion,
		}
		res.Properties = map[string]any{
			"area":     f.Area,
			"severity": f.Severity,
			"status":   string(f.Status),
		}
		results = append(results, res)
	}

	inv := sarifInvocation{ExecutionSuccessful: true}
	if !r.StartedAt.IsZero() {
		start := r.StartedAt.UTC()
		inv.StartTimeUTC = start.Format(sarifTime)
		inv.EndTimeUTC = start.Add(time.Duration(r.DurationMS) * time.Millisecond).Format(sarifTime)
	}

	run := sarifRun{
		Tool:              sarifTool{Driver: driver},
		Invocations:       []sarifInvocation{inv},
		AutomationDetails: &sarifAutomation{ID: "imscore/" + r.Target.Kind + "/" + r.Target.Name + "/"},
		Results:           results,
		Properties: map[string]any{
			"target":   targetNonNil(r.Target),
			"grade":    r.Grade,
			"score":    r.Score,
			"areas":    nonNil(r.Areas),
			"caps":     nonNil(r.Caps),
			"duration": r.DurationMS,
		},
	}
	log := sarifLog{Schema: SARIFSchemaURI, Version: SARIFVersion, Runs: []sarifRun{run}}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("report: encoding SARIF: %w", err)
	}
	_, err := w.Write(escapeUnsafe(buf.Bytes()))
	return err
}

// sarifTime is SARIF's date-time form (§3.9): UTC, "Z", milliseconds.
const sarifTime = "2006-01-02T15:04:05.000Z"

func targetNonNil(t Target) Target {
	t.Endpoints = nonNil(t.Endpoints)
	return t
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// securitySeverity maps imscore severities to the 0.0–10.0 scale that
// GitHub code scanning reads from a rule's "security-severity" property
// (CVSS bands: critical ≥ 9, high 7–8.9, medium 4–6.9, low 0.1–3.9).
var securitySeverity = map[string]string{
	"critical": "9.5",
	"high":     "8.0",
	"medium":   "5.5",
	"low":      "3.0",
	"info":     "0.0",
}

func sarifRuleOf(f Finding) sarifRule {
	title := oneLine(f.Title)
	if title == "" {
		title = oneLine(f.Criterion)
	}
	full := title + "."
	if strings.HasSuffix(title, ".") {
		full = title
	}
	full += fmt.Sprintf(" Area %s, severity %s, weight %d. Run 'imscore explain %s' for why it matters and how it is measured.",
		oneLine(f.Area), oneLine(f.Severity), f.Weight, oneLine(f.Criterion))

	var help strings.Builder
	if keys := FixKeys(f.Remediation); len(keys) > 0 {
		help.WriteString("Fix:\n")
		for _, k := range keys {
			writeLabelled(&help, "  ", oneLine(k), clean(f.Remediation[k]))
		}
	} else {
		help.WriteString("Fix: see 'imscore explain " + oneLine(f.Criterion) + "'.\n")
	}
	if len(f.References) > 0 {
		help.WriteString("\nReferences:\n")
		for _, ref := range f.References {
			help.WriteString("  " + referenceText(ref) + "\n")
		}
	}

	rule := sarifRule{
		ID:               f.Criterion,
		Name:             ruleName(f.Criterion),
		ShortDescription: sarifMessage{Text: title},
		FullDescription:  sarifMessage{Text: full},
		Help:             sarifMessage{Text: strings.TrimRight(help.String(), "\n")},
		Properties: map[string]any{
			"tags":     []string{"security", "imscore", f.Area},
			"severity": f.Severity,
			"weight":   f.Weight,
		},
	}
	if s, ok := securitySeverity[f.Severity]; ok {
		rule.Properties["security-severity"] = s
	}
	for _, ref := range f.References {
		if strings.HasPrefix(ref.URL, "https://") || strings.HasPrefix(ref.URL, "http://") {
			rule.HelpURI = ref.URL
			break
		}
	}
	return rule
}

// ruleName turns a criterion ID into the PascalCase identifier SARIF
// suggests for reportingDescriptor.name: tls.protocol.no-tls10-11 becomes
// TlsProtocolNoTls1011.
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		switch {
		case r == '.' || r == '-' || r == '_' || r == '<' || r == '>' || r == '|':
			up = true
		case up && r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
			up = false
		default:
			b.WriteRune(r)
			up = false
		}
	}
	return b.String()
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool         `json:"tool"`
	Invocations       []sarifInvocation `json:"invocations"`
	AutomationDetails *sarifAutomation  `json:"automationDetails,omitempty"`
	Results           []sarifResult     `json:"results"`
	Properties        map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifComponent `json:"driver"`
}

type sarifComponent struct {
	Name           string      `json:"name"`
	FullName       string      `json:"fullName,omitempty"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	ShortDescription sarifMessage   `json:"shortDescription"`
	FullDescription  sarifMessage   `json:"fullDescription"`
	Help             sarifMessage   `json:"help"`
	HelpURI          string         `json:"helpUri,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool   `json:"executionSuccessful"`
	StartTimeUTC        string `json:"startTimeUtc,omitempty"`
	EndTimeUTC          string `json:"endTimeUtc,omitempty"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Kind                string            `json:"kind"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	LogicalLocations []sarifLogical `json:"logicalLocations"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}
