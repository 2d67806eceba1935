package batch

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/imscore/imscore/report"
)

// Bounds of a list: lists are untrusted input.
const (
	// MaxListBytes bounds the size of a list file.
	MaxListBytes = 32 << 20
	// MaxTargets bounds the number of targets of one list.
	MaxTargets = 200_000
	// maxLine bounds one line of a text list.
	maxLine = 4096
)

// List is the targets of a list, in its order, each once.
type List struct {
	Targets []Target
	// Notes are what the reader wants the user to know (a target listed
	// twice, an entry left out), one line each with its position.
	Notes []string
}

// ListError is a list that cannot be read: the position and what is
// wrong, in one line.
type ListError struct {
	File string
	Line int // 0: the file as a whole
	Msg  string
}

// Error is one visible-safe line, whatever the list held (a JSON
// decoder's message can quote the file's bytes).
func (e *ListError) Error() string {
	if e.Line > 0 {
		return report.Line(fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg), 0)
	}
	return report.Line(e.File+": "+e.Msg, 0)
}

// lister collects targets, dropping repeats.
type lister struct {
	file string
	list List
	seen map[string]string // key -> source
}

func newLister(file string) *lister { return &lister{file: file, seen: map[string]string{}} }

func (l *lister) add(t Target, line int) error {
	t.Source = fmt.Sprintf("%s:%d", l.file, line)
	if first, ok := l.seen[t.Key()]; ok {
		l.list.Notes = append(l.list.Notes, fmt.Sprintf("%s: %s is listed again (first at %s); scanned once", t.Source, t.Key(), first))
		return nil
	}
	if len(l.list.Targets) == MaxTargets {
		return &ListError{l.file, line, fmt.Sprintf("more than %d targets", MaxTargets)}
	}
	l.seen[t.Key()] = t.Source
	l.list.Targets = append(l.list.Targets, t)
	return nil
}

// ParseList reads a text list: one target a line as KIND:NAME —
// xmpp:DOMAIN, matrix:SERVER_NAME or tls:HOST:PORT. Blank lines and
// everything after a # are ignored. file names the list in errors.
func ParseList(r io.Reader, file string) (*List, error) {
	l := newLister(file)
	br := bufio.NewReaderSize(io.LimitReader(r, MaxListBytes+1), 64<<10)
	read := 0
	for n := 1; ; n++ {
		raw, used, err := readLine(br, maxLine)
		read += used
		if read > MaxListBytes {
			return nil, &ListError{file, n, fmt.Sprintf("the list is larger than %d MiB", MaxListBytes>>20)}
		}
		if errors.Is(err, errLongLine) {
			return nil, &ListError{file, n, fmt.Sprintf("line longer than %d bytes", maxLine)}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, &ListError{file, n, err.Error()}
		}
		line := string(raw)
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // a UTF-8 byte order mark
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line != "" {
			kind, name, ok := strings.Cut(line, ":")
			if !ok {
				return nil, &ListError{file, n, fmt.Sprintf("%q: want KIND:NAME (xmpp:example.org, matrix:example.org, tls:host:443)", clip(line))}
			}
			t, terr := NewTarget(kind, name)
			if terr != nil {
				return nil, &ListError{file, n, terr.Error()}
			}
			if aerr := l.add(t, n); aerr != nil {
				return nil, aerr
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	return &l.list, nil
}

var errLongLine = errors.New("line too long")

// readLine reads one line (without its end) of at most max bytes; used is
// how many bytes it took from br, the line's end included.
func readLine(br *bufio.Reader, max int) (line []byte, used int, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		used += len(chunk)
		if len(line) > max+2 {
			return line, used, errLongLine
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), used, err
	}
}

// clip keeps an excerpt of list text short for an error message (%q makes
// it visible-safe).
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
