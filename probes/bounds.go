package probes

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bounds of what a peer can make a scan keep. A hostile DNS server answers
// 64 KB of records, a hostile XMPP or HTTP server sends as much text as it
// likes: the report keeps the first of it and says how much more there
// was, so a report stays readable and its size does not grow with what a
// peer sends.
const (
	// MaxListed bounds the lines of one list in evidence (DNS records,
	// addresses): the first MaxListed, then "… and N more".
	MaxListed = 20
	// MaxEvidence bounds the evidence items of one observation (and of
	// one finding): the first MaxEvidence-1, then a note of how many more.
	MaxEvidence = 64
	// MaxEvidenceText bounds each text of an evidence item (Sent,
	// Received, Detail) and an observation's Reason.
	MaxEvidenceText = 16 << 10
	// maxListedLine bounds one line of a list (a DNS TXT record may be
	// 64 KB on its own).
	maxListedLine = 512
)

// Listed returns at most max lines of lines (MaxListed when max <= 0),
// each cut at a readable length, and when some were left out a last line
// "… and N more" saying how many.
func Listed(lines []string, max int) []string {
	if max <= 0 {
		max = MaxListed
	}
	return listed(lines[:min(len(lines), max)], len(lines))
}

// listed is Listed for the first lines of a list of total (the caller
// rendered only those).
func listed(first []string, total int) []string {
	out := make([]string, 0, len(first)+1)
	for _, l := range first {
		out = append(out, Cut(l, maxListedLine))
	}
	if more := total - len(first); more > 0 {
		out = append(out, fmt.Sprintf("… and %s more", thousands(more)))
	}
	return out
}

// BoundEvidence returns ev with at most max items (MaxEvidence when max <=
// 0), the last a note of how many more there were, and every text cut at
// MaxEvidenceText bytes. ev itself is not modified.
func BoundEvidence(ev []Evidence, max int) []Evidence {
	if max <= 0 {
		max = MaxEvidence
	}
	if len(ev) <= max && !anyLong(ev) {
		return ev
	}
	n := len(ev)
	if n > max {
		n = max - 1
	}
	out := make([]Evidence, 0, n+1)
	for _, e := range ev[:n] {
		e.Sent, e.Received, e.Detail = Cut(e.Sent, MaxEvidenceText), Cut(e.Received, MaxEvidenceText), Cut(e.Detail, MaxEvidenceText)
		out = append(out, e)
	}
	if more := len(ev) - n; more > 0 {
		out = append(out, Evidence{Kind: "note", Detail: fmt.Sprintf("… and %s more evidence items (not kept)", thousands(more))})
	}
	return out
}

func anyLong(ev []Evidence) bool {
	for _, e := range ev {
		if len(e.Sent) > MaxEvidenceText || len(e.Received) > MaxEvidenceText || len(e.Detail) > MaxEvidenceText {
			return true
		}
	}
	return false
}

// Cut returns s cut at max bytes (at a character boundary), ending in
// "… (N bytes in all)" when it was longer.
func Cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	more := fmt.Sprintf("… (%s bytes in all)", thousands(len(s)))
	n := max - len(more)
	if n < 0 {
		n = 0
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + more
}

// thousands writes n with thousands separators (3,994).
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
