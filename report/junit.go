package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/imscore/imscore/probes"
)

// WriteJUnit writes r as JUnit XML (the Ant/Jenkins dialect described by
// report/schema/junit-10.xsd), which CI systems (Jenkins, GitLab, GitHub
// Actions test reporters, Azure Pipelines) show natively:
//
//   - <testsuites> for the scan (name "imscore KIND NAME", totals, and the
//     scan's duration as time);
//   - one <testsuite> per area, in the report's area order (areas that only
//     findings name follow, sorted), with the area's score and grade and the
//     overall grade as <properties>, and started_at as timestamp;
//   - one <testcase> per finding, sorted by criterion ID: name is the
//     criterion ID, classname "imscore.AREA".
//
// Statuses map as follows:
//
//	fail   <failure message=SUMMARY type=SEVERITY>: evidence, fix, references
//	error  <error message=SUMMARY type="error">: evidence (could not be measured)
//	skip   <skipped message=SUMMARY/> (not applicable)
//	warn   a passing test case with <system-out> "WARN: SUMMARY", evidence, fix
//	info   a passing test case with <system-out> "INFO: SUMMARY"
//	pass   a passing test case
//
// A warning passes on purpose: a warn earns half the points and does not
// by itself fail a pipeline (that is what --fail-under and --require are
// for); JUnit has no "passed with a warning" state, and a failure would turn
// every build red for advice. The WARN: prefix keeps it findable. A status
// this build does not know (from a newer writer) becomes an <error>.
//
// Output is deterministic: the only times are the report's started_at and
// duration. Text from the report is cleaned like the table's (control
// characters shown escaped) and then XML-escaped.
func WriteJUnit(w io.Writer, r *Report) error {
	if r == nil {
		return errors.New("report: WriteJUnit of a nil report")
	}
	findings := sortedFindings(r.Findings)
	byArea := map[string][]Finding{}
	for _, f := range findings {
		byArea[f.Area] = append(byArea[f.Area], f)
	}
	var order []string
	seen := map[string]bool{}
	areaOf := map[string]Area{}
	for _, a := range r.Areas {
		if !seen[a.ID] {
			seen[a.ID] = true
			order = append(order, a.ID)
			areaOf[a.ID] = a
		}
	}
	var extra []string
	for id := range byArea {
		if !seen[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	order = append(order, extra...)

	var tests, failures, errs int
	for _, f := range findings {
		tests++
		switch junitKind(f.Status) {
		case "failure":
			failures++
		case "error":
			errs++
		}
	}

	x := &xmlWriter{}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.open(0, "testsuites", false,
		"name", "imscore "+r.Target.Kind+" "+r.Target.Name,
		"tests", strconv.Itoa(tests),
		"failures", strconv.Itoa(failures),
		"errors", strconv.Itoa(errs),
		"time", junitTime(r.DurationMS))
	for _, id := range order {
		writeJUnitSuite(x, r, id, areaOf[id], byArea[id])
	}
	x.close(0, "testsuites")
	_, err := w.Write(x.buf.Bytes())
	return err
}

func writeJUnitSuite(x *xmlWriter, r *Report, id string, a Area, fs []Finding) {
	var failures, errs, skipped int
	for _, f := range fs {
		switch junitKind(f.Status) {
		case "failure":
			failures++
		case "error":
			errs++
		case "skipped":
			skipped++
		}
	}
	attrs := []string{
		"name", id,
		"tests", strconv.Itoa(len(fs)),
		"failures", strconv.Itoa(failures),
		"errors", strconv.Itoa(errs),
		"skipped", strconv.Itoa(skipped),
	}
	if !r.StartedAt.IsZero() {
		attrs = append(attrs, "timestamp", r.StartedAt.UTC().Format(time.RFC3339))
	}
	x.open(1, "testsuite", false, attrs...)

	x.open(2, "properties", false)
	props := [][2]string{
		{"target", r.Target.Kind + " " + r.Target.Name},
		{"grade", r.Grade},
		{"score", strconv.Itoa(r.Score)},
	}
	if a.ID != "" {
		props = append(props,
			[2]string{"area.grade", a.Grade},
			[2]string{"area.score", strconv.Itoa(a.Score)},
			[2]string{"area.points", fmt.Sprintf("%d/%d", a.Earned, a.Possible)})
	}
	if r.Tool.Name != "" {
		props = append(props, [2]string{"tool", strings.TrimSpace(r.Tool.Name + " " + r.Tool.Version)})
	}
	for _, p := range props {
		x.open(3, "property", true, "name", p[0], "value", p[1])
	}
	x.close(2, "properties")

	for _, f := range fs {
		writeJUnitCase(x, f, "imscore."+f.Area)
	}
	x.close(1, "testsuite")
}

// writeJUnitCase writes the test case of one finding (at depth 2).
func writeJUnitCase(x *xmlWriter, f Finding, class string) {
	caseAttrs := []string{"name", f.Criterion, "classname", class}
	kind := junitKind(f.Status)
	if kind == "" {
		x.open(2, "testcase", true, caseAttrs...)
		return
	}
	x.open(2, "testcase", false, caseAttrs...)
	switch kind {
	case "failure":
		x.element(3, "failure", findingBody(f, false), "message", f.Summary, "type", f.Severity)
	case "error":
		msg := f.Summary
		if f.Status != Error {
			msg = "unknown status " + string(f.Status) + ": " + msg
		}
		x.element(3, "error", findingBody(f, false), "message", msg, "type", "error")
	case "skipped":
		x.open(3, "skipped", true, "message", f.Summary)
	case "warn":
		x.element(3, "system-out", "WARN: "+clean(f.Summary)+"\n\n"+findingBody(f, false))
	case "info":
		x.element(3, "system-out", "INFO: "+clean(f.Summary))
	}
	x.close(2, "testcase")
}

// junitKind is what a status becomes in JUnit: "failure", "error",
// "skipped", "warn" and "info" (passing with system-out), or "" (passing).
func junitKind(s Status) string {
	switch s {
	case Pass:
		return ""
	case Fail:
		return "failure"
	case Skip:
		return "skipped"
	case Warn:
		return "warn"
	case Info:
		return "info"
	}
	return "error"
}

// junitTime is a duration in seconds with millisecond precision, as the
// schema's SUREFIRE_TIME wants it ("4.321").
func junitTime(ms int64) string {
	if ms < 0 {
		ms = 0
	}
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

// findingBody is the plain-text detail of a finding for renderers that
// show one block of text (JUnit, SARIF): evidence, then (unless
// noFix) the fix per server software and the references. Text is cleaned.
func findingBody(f Finding, noFix bool) string {
	var b strings.Builder
	if len(f.Evidence) > 0 {
		b.WriteString("Evidence:\n")
		for _, e := range f.Evidence {
			writeEvidenceText(&b, e)
		}
	}
	if !noFix {
		if keys := FixKeys(f.Remediation); len(keys) > 0 {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString("Fix (imscore explain " + oneLine(f.Criterion) + "):\n")
			for _, k := range keys {
				writeLabelled(&b, "  ", oneLine(k), clean(f.Remediation[k]))
			}
		}
		if len(f.References) > 0 {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString("References:\n")
			for _, ref := range f.References {
				b.WriteString("  " + referenceText(ref) + "\n")
			}
		}
	}
	return b.String()
}

// writeEvidenceText writes "  [endpoint] kind: sent → received (detail)"
// when every part is one line, and an indented block otherwise.
func writeEvidenceText(b *strings.Builder, e probes.Evidence) {
	if line, ok := evidenceLine(e); ok {
		b.WriteString("  " + line + "\n")
		return
	}
	b.WriteString("  " + evidencePrefix(e) + "\n")
	for _, p := range evidenceParts(e) {
		writeLabelled(b, "    ", p.name, clean(p.value))
	}
}

// writeLabelled writes "label: text" on one line, or the label and then
// the text indented below it when the text has several lines.
func writeLabelled(b *strings.Builder, indent, label, text string) {
	if !strings.Contains(text, "\n") {
		b.WriteString(indent + label + ": " + text + "\n")
		return
	}
	b.WriteString(indent + label + ":\n")
	for _, l := range strings.Split(text, "\n") {
		b.WriteString(strings.TrimRight(indent+"  "+l, " ") + "\n")
	}
}

func referenceText(ref Reference) string {
	t := oneLine(ref.Title)
	if ref.URL != "" {
		t += " <" + oneLine(ref.URL) + ">"
	}
	return t
}

// xmlWriter writes indented XML by hand, so that text content keeps its
// newlines (encoding/xml writes them as &#xA;) and the layout is fixed.
type xmlWriter struct {
	buf bytes.Buffer
}

func (x *xmlWriter) raw(s string) { x.buf.WriteString(s) }

func (x *xmlWriter) indent(n int) { x.buf.WriteString(strings.Repeat("  ", n)) }

// open writes <name a="v" ...> (or <name .../> when empty) on its own line.
func (x *xmlWriter) open(depth int, name string, empty bool, attrs ...string) {
	x.indent(depth)
	x.buf.WriteString("<" + name)
	x.attrs(attrs)
	if empty {
		x.buf.WriteString("/>\n")
	} else {
		x.buf.WriteString(">\n")
	}
}

func (x *xmlWriter) attrs(attrs []string) {
	for i := 0; i+1 < len(attrs); i += 2 {
		x.buf.WriteString(" " + attrs[i] + `="` + xmlEscape(oneLine(attrs[i+1]), true) + `"`)
	}
}

func (x *xmlWriter) close(depth int, name string) {
	x.indent(depth)
	x.buf.WriteString("</" + name + ">\n")
}

// element writes <name attrs>text</name>. The text is not indented:
// white space in it is content.
func (x *xmlWriter) element(depth int, name, text string, attrs ...string) {
	x.indent(depth)
	x.buf.WriteString("<" + name)
	x.attrs(attrs)
	text = strings.TrimRight(text, "\n")
	if text == "" {
		x.buf.WriteString("/>\n")
		return
	}
	x.buf.WriteString(">")
	x.buf.WriteString(xmlEscape(text, false))
	x.buf.WriteString("</" + name + ">\n")
}

// xmlEscape escapes s for XML 1.0 text (attr false) or a double-quoted
// attribute value (attr true). Characters XML 1.0 cannot carry at all
// (what clean left: U+FFFE, U+FFFF) are written as \u escapes.
func xmlEscape(s string, attr bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case r == '\n' && attr:
			b.WriteString("&#xA;")
		case r == '\t' && attr:
			b.WriteString("&#x9;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !xmlChar(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// xmlChar reports whether r is allowed in XML 1.0 (the Char production).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}
