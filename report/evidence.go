package report

import (
	"strings"

	"github.com/imscore/imscore/probes"
)

// Evidence as plain text, shared by the terminal table and the one-block
// renderers (JUnit, SARIF): "[endpoint] kind: sent → received (detail)"
// when every part is one line, else the prefix and each part on its own.

// evidencePrefix is "[endpoint] kind:".
func evidencePrefix(e probes.Evidence) string {
	prefix := oneLine(e.Kind) + ":"
	if e.Endpoint != "" {
		prefix = "[" + oneLine(e.Endpoint) + "] " + prefix
	}
	return prefix
}

// evidenceLine is e on one line, "[endpoint] kind: sent → received
// (detail)" (the detail takes the place of what was received when nothing
// was), or false when a part has several lines.
func evidenceLine(e probes.Evidence) (string, bool) {
	sent, recv, detail := clean(e.Sent), clean(e.Received), clean(e.Detail)
	if strings.Contains(sent+recv+detail, "\n") {
		return "", false
	}
	right, extra := recv, detail
	if right == "" {
		right, extra = detail, ""
	}
	var parts []string
	for _, s := range []string{sent, right} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	line := strings.TrimRight(evidencePrefix(e)+" "+strings.Join(parts, " → "), " ")
	if extra != "" {
		line += " (" + extra + ")"
	}
	return line, true
}

// evidencePart is one named part of an evidence item, as sent.
type evidencePart struct{ name, value string }

// evidenceParts are e's parts that have text (after clean), in the order
// sent, received, detail.
func evidenceParts(e probes.Evidence) []evidencePart {
	var out []evidencePart
	for _, p := range []evidencePart{{"sent", e.Sent}, {"received", e.Received}, {"detail", e.Detail}} {
		if clean(p.value) != "" {
			out = append(out, p)
		}
	}
	return out
}
