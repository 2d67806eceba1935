package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// Text helpers for the terminal renderer. Everything a server sent us (and
// so everything in a report) is untrusted: clean escapes what a terminal
// would interpret, so a hostile peer's stanza cannot clear the screen,
// rewrite the title bar or reorder text with bidi controls.

// Visible returns s with control characters (except newline and tab),
// DEL, C1 controls (U+009B CSI among them), bidi controls (U+202E RLO…),
// the Unicode line and paragraph separators, invisible zero-width
// characters and invalid UTF-8 escaped in Go syntax (\x1b, \u202e, \xff);
// CRLF becomes LF. It is the one sanitizer of imscore's output: every
// renderer passes text that came from a server through it, and Line builds
// on it for error messages and log lines, so a hostile peer can neither
// drive a terminal nor reorder, hide or forge lines of text.
func Visible(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// CRLF: the LF that follows does the work.
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// clean is Visible for the terminal: a tab becomes four spaces and
// trailing white space is removed.
func clean(s string) string {
	return strings.TrimRight(strings.ReplaceAll(Visible(s), "\t", "    "), " \n")
}

// isPlain reports whether s is printable ASCII plus newline and tab, the
// common case, which Visible returns as it is.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// isBidi reports whether r is a bidirectional formatting character.
func isBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// unsafeRune reports whether r, a non-ASCII rune, is one Visible escapes:
// a C1 control, a bidi control, a line or paragraph separator (a new line
// to some viewers), or an invisible zero-width character.
func unsafeRune(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || isBidi(r) || r == 0x2028 || r == 0x2029 ||
		r == 0x200b || r == 0x2060 || r == 0xfeff
}

// MaxLine bounds a line made by Line: an error message or a log line.
const MaxLine = 512

// Line makes s safe for one line of a terminal, a log or an error
// message: Visible, then every run of white space (line breaks included)
// folded into one space, then at most max bytes (MaxLine when max <= 0),
// cut at a character boundary and ending in "… (N bytes in all)". Only the
// first few times max bytes of s are looked at, so a huge s costs no more
// than a small one.
func Line(s string, max int) string {
	if max <= 0 {
		max = MaxLine
	}
	total := len(s)
	if limit := 4 * max; len(s) > limit {
		s = s[:limit]
	}
	s = strings.Join(strings.Fields(Visible(s)), " ")
	if len(s) <= max && total <= 4*max {
		return s
	}
	more := fmt.Sprintf("… (%d bytes in all)", total)
	cut := max - len(more)
	if cut < 0 {
		cut = 0
	}
	if cut > len(s) {
		cut = len(s)
	}
	for cut > 0 && cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRight(s[:cut], " ") + more
}

// oneLine is clean with newlines folded into spaces, for cells and titles.
func oneLine(s string) string {
	s = clean(s)
	if !strings.Contains(s, "\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// width is the display width of s in terminal columns, ANSI codes excluded.
// It follows the same East Asian width setting as tablewriter, so our
// wrapping and its column sizing agree.
func width(s string) int { return twwidth.Width(s) }

// wrap breaks s into lines of at most w display columns. Each logical line
// (split at \n) is wrapped at spaces; a word longer than w is broken. A
// wrapped line continues at the indentation of its logical line, unless
// that indentation would leave less than half the width. Lines carry no
// trailing spaces. An empty s gives no lines.
func wrap(s string, w int) []string { return wrap2(s, w, w) }

// wrap2 is wrap with the first output line limited to first columns and the
// others to rest (for text that follows a label on its first line).
func wrap2(s string, first, rest int) []string {
	if s == "" {
		return nil
	}
	var out []string
	for i, line := range strings.Split(s, "\n") {
		fw := rest
		if i == 0 {
			fw = first
		}
		out = append(out, wrapLine(line, max(fw, 1), max(rest, 1), true)...)
	}
	return out
}

// fold joins the words of s (split at any white space) with single spaces.
func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

// wrapWords folds s to one line and wraps it at spaces into lines of at
// most w columns; a word wider than w is cut at w (not at a separator, as
// wrap prefers). An empty s is one empty line. The comparison table wraps
// names, titles and notes with it.
func wrapWords(s string, w int) []string { return wrapLine(fold(s), max(w, 1), max(w, 1), false) }

// wrapPara is wrapWords as text, each line ending in a newline.
func wrapPara(s string, w int) string { return strings.Join(wrapWords(s, w), "\n") + "\n" }

// wrapLine wraps one logical line (see wrap2); atSep lets a long word be
// cut after a list separator (see cut).
func wrapLine(line string, first, rest int, atSep bool) []string {
	if width(line) <= first {
		return []string{strings.TrimRight(line, " ")}
	}
	body := strings.TrimLeft(line, " ")
	indent := line[:len(line)-len(body)]
	if width(indent) > min(first, rest)/2 {
		indent = ""
	}
	iw := width(indent)

	var out []string
	w := first
	cur, cw := indent, iw
	fresh := true // nothing but indentation on cur yet
	flush := func() {
		out = append(out, strings.TrimRight(cur, " "))
		cur, cw, fresh, w = indent, iw, true, rest
	}
	for _, word := range strings.Split(body, " ") {
		ww := width(word)
		if !fresh {
			if cw+1+ww <= w {
				cur += " " + word
				cw += 1 + ww
				continue
			}
			flush()
		}
		for cw+ww > w {
			head, tail := cutAt(word, w-cw, atSep)
			cur += head
			flush()
			word, ww = tail, width(tail)
		}
		cur += word
		cw += ww
		fresh = false
	}
	if !fresh || len(out) == 0 {
		out = append(out, strings.TrimRight(cur, " "))
	}
	return out
}

// cut splits s after at most w display columns; the head has at least one
// rune so that a caller looping on cut always makes progress.
//
// A break right after a list separator (":" or ",", as in cipher strings)
// in the second half of the line is preferred to one inside a name.
func cut(s string, w int) (head, rest string) { return cutAt(s, w, true) }

// cutAt is cut; without atSep it cuts at w columns whatever the runes.
func cutAt(s string, w int, atSep bool) (head, rest string) {
	used, lastSep := 0, -1
	for i, r := range s {
		rw := width(string(r))
		if used+rw > w && i > 0 {
			if atSep && lastSep > 0 && used-lastSepCol(s[:lastSep]) <= w/2 {
				return s[:lastSep], s[lastSep:]
			}
			return s[:i], s[i:]
		}
		used += rw
		if r == ':' || r == ',' {
			lastSep = i + 1
		}
	}
	return s, ""
}

func lastSepCol(s string) int { return width(s) }

// wrapLimit wraps s to w columns and keeps at most max lines; if lines were
// dropped, the last kept line is replaced by a "…" line saying how much is
// missing. Only the first max*w*4 bytes of s are looked at, so a huge value
// costs no more than a small one.
func wrapLimit(s string, w, max int) []string {
	total := len(s)
	capped := false
	if limit := max * w * 4; len(s) > limit {
		s = s[:limit]
		capped = true
	}
	lines := wrap(clean(s), w)
	if !capped && len(lines) <= max {
		return lines
	}
	keep := max - 1
	more := fmt.Sprintf("… %d more lines", len(lines)-keep)
	if capped {
		more = fmt.Sprintf("… truncated (%d bytes in all)", total)
	}
	if width(more) > w {
		more = "…"
	}
	return append(lines[:keep:keep], more)
}
