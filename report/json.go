package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"

	"github.com/imscore/imscore/probes"
)

// MaxReportSize bounds the JSON report ReadJSON accepts, so a hostile or
// corrupt file cannot exhaust memory.
const MaxReportSize = 64 << 20

// ErrSchemaVersion is wrapped by the error ReadJSON returns for a report
// whose schema_version this build does not read.
var ErrSchemaVersion = errors.New("unsupported report schema_version")

// WriteJSON writes r as indented JSON (two spaces, trailing newline).
//
// The output is stable: findings are sorted by criterion ID and observations
// by probe ID (stable sorts, so ties keep their order); areas keep the order
// the caller gave. Empty lists are written as [] rather than null. A zero
// SchemaVersion is written as SchemaVersion; any other version than
// SchemaVersion is an error. r itself is not modified.
func WriteJSON(w io.Writer, r *Report) error {
	if r == nil {
		return errors.New("report: WriteJSON of a nil report")
	}
	n, err := normalize(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// Evidence is full of XML stanzas; keep <, > and & readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(n); err != nil {
		return fmt.Errorf("report: encoding JSON: %w", err)
	}
	_, err = w.Write(escapeUnsafe(buf.Bytes()))
	return err
}

// escapeUnsafe rewrites, in encoded JSON, DEL and every non-ASCII rune
// that Visible escapes (C1 controls, bidi controls, line separators,
// zero-width characters) as a \uXXXX escape. The JSON means the same, but
// `imscore scan --format json` on a terminal, or `cat report.json`, shows
// a hostile peer's U+009B or U+202E as text instead of obeying it. Outside
// strings JSON has no such bytes, so the rewrite cannot break the syntax.
func escapeUnsafe(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r == 0x7f || (r >= 0x80 && unsafeRune(r)) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// normalize returns a copy of r in canonical form: findings sorted by
// criterion, observations sorted by probe, nil lists replaced by empty ones.
// Slices that get sorted or patched are copied; r is left untouched.
func normalize(r *Report) (*Report, error) {
	n := *r
	switch n.SchemaVersion {
	case 0:
		n.SchemaVersion = SchemaVersion
	case SchemaVersion:
	default:
		return nil, fmt.Errorf("report: cannot write schema_version %d (this build writes %d)", n.SchemaVersion, SchemaVersion)
	}
	n.Caps = nonNil(n.Caps)
	n.Areas = nonNil(n.Areas)
	n.Target.Endpoints = nonNil(n.Target.Endpoints)

	n.Findings = sortedFindings(r.Findings)
	for i := range n.Findings {
		f := &n.Findings[i]
		f.Evidence = nonNil(f.Evidence)
		f.References = nonNil(f.References)
	}

	n.Observations = append([]probes.Observation{}, r.Observations...)
	sort.SliceStable(n.Observations, func(i, j int) bool {
		return n.Observations[i].Probe < n.Observations[j].Probe
	})
	return &n, nil
}

// sortedFindings returns a copy of fs sorted by criterion ID.
func sortedFindings(fs []Finding) []Finding {
	out := append([]Finding{}, fs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Criterion < out[j].Criterion })
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ReadJSON reads a report written by WriteJSON. It reads at most
// MaxReportSize bytes, and rejects a missing schema_version or one it does
// not read (the error wraps ErrSchemaVersion). Unknown fields are ignored:
// newer writers may add fields without changing the schema version.
//
// Each observation's Data is returned as a json.RawMessage holding the data
// exactly as written (a reader has no Go type for it); it re-marshals to the
// same JSON, so ReadJSON followed by WriteJSON reproduces the input.
func ReadJSON(rd io.Reader) (*Report, error) {
	b, err := io.ReadAll(io.LimitReader(rd, MaxReportSize+1))
	if err != nil {
		return nil, fmt.Errorf("report: reading JSON: %w", err)
	}
	if len(b) > MaxReportSize {
		return nil, fmt.Errorf("report: JSON report larger than %d MiB", MaxReportSize>>20)
	}

	var head struct {
		SchemaVersion json.RawMessage `json:"schema_version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("report: not a JSON report: %w", err)
	}
	if head.SchemaVersion == nil {
		return nil, fmt.Errorf("report: no schema_version: not an imscore JSON report")
	}
	var v int
	if err := json.Unmarshal(head.SchemaVersion, &v); err != nil {
		return nil, fmt.Errorf("%w %s: not an integer", ErrSchemaVersion, head.SchemaVersion)
	}
	if v != SchemaVersion {
		return nil, fmt.Errorf("%w %d: this imscore reads schema_version %d", ErrSchemaVersion, v, SchemaVersion)
	}

	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("report: decoding JSON report: %w", err)
	}

	// Keep observation data verbatim rather than as map[string]any, which
	// would reorder keys and turn integers into float64.
	var raw struct {
		Observations []struct {
			Data json.RawMessage `json:"data"`
		} `json:"observations"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("report: decoding JSON report: %w", err)
	}
	for i := range r.Observations {
		if i < len(raw.Observations) && raw.Observations[i].Data != nil && !bytes.Equal(raw.Observations[i].Data, []byte("null")) {
			r.Observations[i].Data = raw.Observations[i].Data
		}
	}
	return &r, nil
}
