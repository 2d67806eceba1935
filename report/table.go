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

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/imscore/imscore/probes"
)

// TableOptions control WriteTable.
type TableOptions struct {
	// Color adds ANSI colours to grades and statuses. The caller decides
	// (from isatty, NO_COLOR, --color); statuses are always spelled out too.
	Color bool
	// Width is the terminal width in columns; 0 means DefaultWidth. Widths
	// below MinWidth are treated as MinWidth.
	Width int
}

// Terminal widths for WriteTable.
const (
	DefaultWidth = 100
	MinWidth     = 40
)

// Evidence values longer than this many lines (after wrapping) are cut.
const maxEvidenceLines = 6

// RemediationOrder is the order in which WriteTable lists fixes; keys not
// listed follow in alphabetical order.
var RemediationOrder = []string{"general", "nginx", "prosody", "ejabberd", "synapse", "dendrite",
	"go-sendxmpp", "go-xmpp", "profanity", "libstrophe", "mcabber", "loudmouth", "poezio", "slixmpp"}

// WriteTable writes r for a human at a terminal: a header (target,
// endpoints, grade, score, caps, duration), a table of areas, a table of
// findings, and details (evidence, fix, references) of every warn, fail and
// error finding. No line is wider than o.Width display columns. Text from
// the report is sanitised: control characters are shown escaped, never
// sent to the terminal.
func WriteTable(w io.Writer, r *Report, o TableOptions) error {
	if r == nil {
		return errors.New("report: WriteTable of a nil report")
	}
	if o.Width <= 0 {
		o.Width = DefaultWidth
	}
	if o.Width < MinWidth {
		o.Width = MinWidth
	}
	p := &printer{w: o.Width, color: o.Color}
	findings := sortedFindings(r.Findings)

	p.header(r)
	p.blank()
	if err := p.areas(r.Areas); err != nil {
		return err
	}
	p.blank()
	if err := p.findings(findings); err != nil {
		return err
	}
	p.details(findings)
	_, err := w.Write(p.buf.Bytes())
	return err
}

type printer struct {
	buf   bytes.Buffer
	w     int
	color bool
}

func (p *printer) blank() { p.buf.WriteByte('\n') }

// emit writes text wrapped to the terminal width: the first line after
// first, the others after rest.
func (p *printer) emit(first, rest, text string) {
	lines := wrap2(text, p.w-width(first), p.w-width(rest))
	if len(lines) == 0 {
		lines = []string{""}
	}
	p.lines(first, rest, lines)
}

// lines writes pre-wrapped lines, the first after first, the others after
// rest.
func (p *printer) lines(first, rest string, lines []string) {
	for i, l := range lines {
		prefix := rest
		if i == 0 {
			prefix = first
		}
		p.buf.WriteString(strings.TrimRight(prefix+l, " "))
		p.buf.WriteByte('\n')
	}
}

// ANSI SGR sequences.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
)

func (p *printer) paint(code, s string) string {
	if !p.color || code == "" || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (p *printer) grade(g string) string {
	var c string
	switch g {
	case "A+", "A":
		c = ansiBold + ansiGreen
	case "B":
		c = ansiGreen
	case "C", "D":
		c = ansiYellow
	case "E", "F", "T":
		c = ansiBold + ansiRed
	case "?":
		c = ansiMagenta
	}
	return p.paint(c, oneLine(g))
}

func (p *printer) status(s Status) string {
	var c string
	switch s {
	case Pass:
		c = ansiGreen
	case Warn:
		c = ansiYellow
	case Fail:
		c = ansiBold + ansiRed
	case Info:
		c = ansiCyan
	case Skip:
		c = ansiDim
	case Error:
		c = ansiMagenta
	}
	return p.paint(c, statusLabel(s))
}

const labelWidth = 11

func label(s string) string { return s + strings.Repeat(" ", labelWidth-len(s)) }

var noLabel = strings.Repeat(" ", labelWidth)

func (p *printer) header(r *Report) {
	t := r.Target
	p.emit(label("Target"), noLabel, oneLine(t.Kind)+" "+oneLine(t.Label()))
	var attrs []string
	if t.Host != "" || t.Port != 0 {
		hp := oneLine(t.Host)
		if t.Port != 0 {
			hp += ":" + strconv.Itoa(t.Port)
		}
		if hp != oneLine(t.Name) {
			attrs = append(attrs, "host "+hp)
		}
	}
	if t.StartTLS != "" {
		attrs = append(attrs, "STARTTLS "+oneLine(t.StartTLS))
	}
	if t.SNI != "" {
		attrs = append(attrs, "SNI "+oneLine(t.SNI))
	}
	if t.XMPPDomain != "" {
		attrs = append(attrs, "XMPP domain "+oneLine(t.XMPPDomain))
	}
	if len(attrs) > 0 {
		p.emit(noLabel, noLabel, strings.Join(attrs, ", "))
	}

	if len(t.Endpoints) == 0 {
		p.emit(label("Endpoints"), noLabel, "none")
	}
	for i, e := range t.Endpoints {
		first := noLabel
		if i == 0 {
			first = label("Endpoints")
		}
		var about []string
		if e.Name != "" {
			about = append(about, oneLine(e.Name))
		}
		if e.Via != "" {
			about = append(about, "via "+oneLine(e.Via))
		}
		text := oneLine(e.Addr)
		if len(about) > 0 {
			text += " (" + strings.Join(about, ", ") + ")"
		}
		p.emit(first, noLabel+"  ", text)
	}
	for i, u := range t.Unreached {
		first := noLabel
		if i == 0 {
			first = label("Not tested")
		}
		text := oneLine(u.Endpoint.Addr)
		if u.Endpoint.Name != "" {
			text += " (" + oneLine(u.Endpoint.Name) + ")"
		}
		p.emit(first, noLabel+"  ", text+": "+oneLine(u.Reason))
	}

	g := fmt.Sprintf("%s  score %d/100", p.grade(r.Grade), r.Score)
	switch r.Grade {
	case "T":
		g += ", certificate not trusted"
	case "?":
		g += ", too much could not be measured"
	}
	if r.UncappedGrade != "" {
		g += "; " + r.UncappedGrade + " without the caps below"
	}
	p.emit(label("Grade"), noLabel, g)

	if len(r.Caps) == 0 {
		p.emit(label("Caps"), noLabel, "none")
	}
	for i, c := range r.Caps {
		first := noLabel
		if i == 0 {
			first = label("Caps")
		}
		text := fmt.Sprintf("%s by %s: %s", p.grade(c.Grade), oneLine(c.Criterion), oneLine(c.Reason))
		p.emit(first, noLabel+"  ", text)
	}

	if !r.StartedAt.IsZero() {
		p.emit(label("Started"), noLabel, r.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	p.emit(label("Duration"), noLabel, (time.Duration(r.DurationMS) * time.Millisecond).String())
	if r.Tool.Name != "" {
		tool := oneLine(r.Tool.Name + " " + r.Tool.Version)
		if r.Tool.Commit != "" {
			tool += " (" + oneLine(r.Tool.Commit) + ")"
		}
		p.emit(label("Tool"), noLabel, tool)
	}
}

// newTable returns a tablewriter table writing into p.buf that leaves our
// pre-wrapped cells alone.
func (p *printer) newTable(align []tw.Align) *tablewriter.Table {
	return tablewriter.NewTable(&p.buf,
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithTrimSpace(tw.Off),
	)
}

func (p *printer) areas(areas []Area) error {
	if len(areas) == 0 {
		p.emit("", "", "No areas were scored.")
		return nil
	}
	t := p.newTable([]tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignLeft, tw.AlignLeft})
	t.Header("Area", "Score", "Grade", "Points")
	// Border and padding take 13 columns; area IDs and grades are short,
	// but an unmeasured note may need wrapping on a narrow terminal.
	avail := p.w - 13
	idW := width("AREA")
	for _, a := range areas {
		idW = max(idW, width(oneLine(a.ID)))
	}
	// SCORE and GRADE take 5 columns each; POINTS at least 7 (100/100).
	idW = min(idW, avail-5-5-7)
	pw := avail - idW - 5 - 5
	for _, a := range areas {
		id := oneLine(a.ID)
		points := fmt.Sprintf("%d/%d", a.Earned, a.Possible)
		if a.ErrorWeight > 0 {
			points += fmt.Sprintf(" (%d not measured)", a.ErrorWeight)
		}
		err := t.Append(
			strings.Join(wrap(id, idW), "\n"),
			strconv.Itoa(a.Score),
			p.grade(a.Grade),
			strings.Join(wrap(points, pw), "\n"),
		)
		if err != nil {
			return fmt.Errorf("report: areas table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("report: areas table: %w", err)
	}
	return nil
}

func (p *printer) findings(fs []Finding) error {
	if len(fs) == 0 {
		p.emit("", "", "No findings.")
		return nil
	}
	// "│ STATUS │ CRITERION │ SUMMARY │": borders and padding take 10
	// columns; STATUS takes 6.
	const statusW = 6
	avail := p.w - 10 - statusW
	critW := width("CRITERION")
	for _, f := range fs {
		critW = max(critW, width(oneLine(f.Criterion)))
	}
	critW = min(critW, avail/2)
	sumW := avail - critW

	t := p.newTable(nil)
	t.Header("Status", "Criterion", "Summary")
	for _, f := range fs {
		err := t.Append(
			p.status(f.Status),
			strings.Join(wrapID(oneLine(f.Criterion), critW), "\n"),
			strings.Join(wrap(oneLine(f.Summary), sumW), "\n"),
		)
		if err != nil {
			return fmt.Errorf("report: findings table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("report: findings table: %w", err)
	}
	return nil
}

// wrapID wraps a dotted identifier after its dots, breaking a part only if
// it alone is wider than w.
func wrapID(id string, w int) []string {
	if width(id) <= w {
		return []string{id}
	}
	var out []string
	cur := ""
	for _, part := range strings.SplitAfter(id, ".") {
		if cur != "" && width(cur)+width(part) > w {
			out = append(out, cur)
			cur = ""
		}
		cur += part
		for width(cur) > w {
			head, rest := cut(cur, w)
			out = append(out, head)
			cur = rest
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// needsDetail reports whether a finding gets a Details entry.
func needsDetail(f Finding) bool {
	return f.Status == Warn || f.Status == Fail || f.Status == Error
}

func (p *printer) details(fs []Finding) {
	first := true
	for _, f := range fs {
		if !needsDetail(f) {
			continue
		}
		if first {
			p.blank()
			p.emit("", "", "Details")
			first = false
		}
		p.blank()
		p.detail(f)
	}
}

func (p *printer) detail(f Finding) {
	// "FAIL  criterion.id (severity: high)", the ID broken after dots if
	// it does not fit.
	const hang = "      "
	head := wrapID(oneLine(f.Criterion), p.w-len(hang))
	if f.Severity != "" {
		sev := "(severity: " + oneLine(f.Severity) + ")"
		if last := len(head) - 1; width(head[last])+1+width(sev) <= p.w-len(hang) {
			head[last] += " " + sev
		} else {
			head = append(head, sev)
		}
	}
	pad := strings.Repeat(" ", max(len(hang)-width(statusLabel(f.Status)), 1))
	p.lines(p.status(f.Status)+pad, hang, head)
	if f.Title != "" {
		p.emit("  ", "  ", oneLine(f.Title))
	}
	if f.Summary != "" {
		p.emit("  Found: ", "         ", oneLine(f.Summary))
	}

	if len(f.Evidence) > 0 {
		p.emit("  ", "  ", "Evidence:")
		for _, e := range f.Evidence {
			p.evidence(e)
		}
	}

	if keys := FixKeys(f.Remediation); len(keys) > 0 {
		p.emit("  ", "  ", "Fix (copy-ready, unwrapped: imscore explain "+clean(f.Criterion)+"):")
		lw := 0
		for _, k := range keys {
			lw = max(lw, width(oneLine(k))+1)
		}
		for _, k := range keys {
			p.fix(oneLine(k)+":", lw, clean(f.Remediation[k]))
		}
	}

	if len(f.References) > 0 {
		p.emit("  ", "  ", "References:")
		for _, ref := range f.References {
			p.reference(ref)
		}
	}
}

// evidence writes one item as "[endpoint] kind: sent → received" (or the
// detail where nothing was received) when every part is one line, and as a
// block with each part indented and cut to a few lines otherwise.
func (p *printer) evidence(e probes.Evidence) {
	const in = "    "
	if text, ok := evidenceLine(e); ok {
		if lines := wrap2(text, p.w-len(in), p.w-len(in)-2); len(lines) <= maxEvidenceLines {
			p.lines(in, in+"  ", lines)
			return
		}
	}
	p.emit(in, in+"  ", evidencePrefix(e))
	for _, part := range evidenceParts(e) {
		p.emit(in+"  ", in+"  ", part.name+":")
		p.lines(in+"    ", in+"    ", wrapLimit(part.value, p.w-len(in)-4, maxEvidenceLines))
	}
}

// fix writes one remediation: "key: text" with text aligned after the
// widest key when it is a single paragraph, or the key on its own line and
// the text indented below it when it has several lines (a config snippet).
func (p *printer) fix(key string, lw int, text string) {
	const in = "    "
	if !strings.Contains(text, "\n") {
		pad := key + strings.Repeat(" ", lw+1-width(key))
		if pw := width(pad); p.w-len(in)-pw >= 20 {
			p.emit(in+pad, in+strings.Repeat(" ", pw), text)
			return
		}
	}
	p.emit(in, in, key)
	p.lines(in+"  ", in+"  ", wrap(text, p.w-len(in)-2))
}

// reference writes "title <url>", the URL on its own line when both do not
// fit on one.
func (p *printer) reference(ref Reference) {
	const in = "    "
	title, url := oneLine(ref.Title), oneLine(ref.URL)
	if url == "" {
		p.emit(in, in+"  ", title)
		return
	}
	if one := title + " <" + url + ">"; width(one) <= p.w-len(in) {
		p.emit(in, in, one)
		return
	}
	p.emit(in, in+"  ", title)
	p.emit(in+"  ", in+"  ", "<"+url+">")
}

// FixKeys lists m's keys with a non-empty value: RemediationOrder first,
// then the rest sorted — the order every renderer shows fixes in.
func FixKeys(m map[string]string) []string {
	var keys, rest []string
	known := map[string]bool{}
	for _, k := range RemediationOrder {
		known[k] = true
		if strings.TrimSpace(m[k]) != "" {
			keys = append(keys, k)
		}
	}
	for k, v := range m {
		if !known[k] && strings.TrimSpace(v) != "" {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}
