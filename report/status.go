package report

import "strings"

// statusText is how each status is spelled where it is shown, always in
// words (never colour alone): the label of the table's fixed-width status
// column, the mark (symbol and word) of the comparison's live results, and
// the word of the HTML site.
var statusText = map[Status]struct{ label, mark, word string }{
	Pass:  {"PASS", "✓ pass", "Pass"},
	Warn:  {"WARN", "◐ warn", "Warning"},
	Fail:  {"FAIL", "✗ fail", "Fail"},
	Info:  {"INFO", "i info", "Info"},
	Skip:  {"SKIP", "– skip", "Skipped"},
	Error: {"ERR", "? not measured", "Not measured"},
}

// statusLabel is the fixed-width text of a status in the table.
func statusLabel(s Status) string {
	if t, ok := statusText[s]; ok {
		return t.label
	}
	// A status from a newer writer: spelled out, cut to the column.
	head, _ := cut(strings.ToUpper(oneLine(string(s))), 5)
	return head
}

// statusMark is a status as a symbol and a word ("✓ pass").
func statusMark(s Status) string {
	if t, ok := statusText[s]; ok {
		return t.mark
	}
	return fold(Visible(string(s)))
}

// StatusWord is a status as the site words it ("Warning", "Not measured");
// a status from a newer writer is returned as it is, for the caller to
// make safe.
func StatusWord(s Status) string {
	if t, ok := statusText[s]; ok {
		return t.word
	}
	return string(s)
}
