package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/imscore/imscore/report"
)

// Everything in a report that a server sent (and so everything in a
// report) is untrusted. templ escapes it for HTML; txt and line also make
// invisible characters visible, so a hostile peer cannot reorder text with
// bidi controls or hide it with control characters.

// txt returns s with invisible and control characters made visible
// (report.Visible).
func txt(s string) string { return report.Visible(s) }

// line is txt folded to one line (runs of white space become one space).
func line(s string) string {
	s = txt(s)
	if strings.ContainsAny(s, "\n\t") || strings.Contains(s, "  ") {
		return strings.Join(strings.Fields(s), " ")
	}
	return strings.TrimSpace(s)
}

// block is txt with trailing white space removed, for <pre>.
func block(s string) string { return strings.TrimRight(txt(s), " \t\n") }

func itoa(n int) string { return strconv.Itoa(n) }

// statusLabel is the word shown with a status (never colour alone), from
// the report's status vocabulary.
func statusLabel(s report.Status) string { return line(report.StatusWord(s)) }

// statusClass is the CSS class of a status.
func statusClass(s report.Status) string {
	switch s {
	case report.Pass, report.Warn, report.Fail, report.Info, report.Skip, report.Error:
		return "st-" + string(s)
	}
	return "st-other"
}

// gradeClass is the CSS class of a grade.
func gradeClass(g string) string {
	switch g {
	case "A+":
		return "g-aplus"
	case "A", "B", "C", "D", "E", "F", "T":
		return "g-" + strings.ToLower(g)
	}
	return "g-unknown"
}

// gradeColor is the badge colour of a grade (white text on it has a
// contrast of at least 4.5:1).
func gradeColor(g string) string {
	switch g {
	case "A+":
		return "#116329"
	case "A":
		return "#1a7f37"
	case "B":
		return "#4d7a0f"
	case "C":
		return "#7d6200"
	case "D":
		return "#a34a00"
	case "E":
		return "#b42318"
	case "F", "T":
		return "#a40e26"
	}
	return "#57606a"
}

// gradeNote explains the grades that are not letters of a scale.
func gradeNote(g string) string {
	switch g {
	case "T":
		return "certificate not trusted"
	case "?":
		return "too much could not be measured"
	}
	return ""
}

// displayGrade is the grade as shown ("?" stays "?", empty is "–").
func displayGrade(g string) string {
	if g == "" {
		return "–"
	}
	return line(g)
}

// kindLabel names a target kind.
func kindLabel(k string) string {
	switch k {
	case "xmpp":
		return "XMPP"
	case "matrix":
		return "Matrix"
	case "tls":
		return "TLS"
	case "xmpp-client":
		return "XMPP client"
	}
	return line(k)
}

var softwareNames = map[string]string{
	"general": "General", "nginx": "nginx", "prosody": "Prosody",
	"ejabberd": "ejabberd", "synapse": "Synapse", "dendrite": "Dendrite",
	"go-sendxmpp": "go-sendxmpp", "go-xmpp": "go-xmpp (library)", "profanity": "Profanity",
	"libstrophe": "libstrophe (library)", "mcabber": "mcabber", "loudmouth": "Loudmouth (library)",
	"poezio": "Poezio", "slixmpp": "slixmpp (library)",
}

func softwareName(k string) string {
	if n, ok := softwareNames[k]; ok {
		return n
	}
	return line(k)
}

// fixKeys lists m's keys in the order every renderer shows fixes in.
func fixKeys(m map[string]string) []string { return report.FixKeys(m) }

// refURL returns u if it is an absolute http or https URL, else "" (the
// reference is then shown as text only).
func refURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

// statusesDoc lists a criterion's documented statuses in display order.
func statusesDoc(m map[string]string) []report.Status {
	var out []report.Status
	for _, st := range []report.Status{report.Pass, report.Warn, report.Fail, report.Info, report.Skip, report.Error} {
		if strings.TrimSpace(m[string(st)]) != "" {
			out = append(out, st)
		}
	}
	return out
}

// changeLabel words a report.Change.
func changeLabel(c report.Change) string {
	switch c {
	case report.Better:
		return "better"
	case report.Worse:
		return "worse"
	case report.Same:
		return "same"
	}
	return "changed"
}

func signed(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// evidenceTitle is the one-line heading of an evidence item.
func evidenceTitle(e evidence) string {
	s := line(e.Kind)
	if e.Endpoint != "" {
		s = line(e.Endpoint) + " · " + s
	}
	return s
}

// paras splits prose into paragraphs at blank lines, each folded to one
// line.
func paras(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(txt(s), "\r", ""), "\n\n") {
		if p = line(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// joinKinds lists target kinds for people: "TLS, XMPP and Matrix".
func joinKinds(ks []string) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = kindLabel(k)
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// chartDesc is the text alternative of a history chart.
func chartDesc(scans []*scan) string {
	parts := make([]string, len(scans))
	for i, sc := range scans {
		parts[i] = fmt.Sprintf("%s: grade %s, score %d", fmtDate(sc.R.StartedAt), displayGrade(sc.R.Grade), sc.R.Score)
	}
	return strings.Join(parts, "; ") + "."
}

// gradeSuffix is ", note" for grades that need one, else "".
func gradeSuffix(g string) string {
	if n := gradeNote(g); n != "" {
		return " (" + n + ")"
	}
	return ""
}
