package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonList walks a JSON list file (the XMPP Providers data, joinmatrix's
// servers list) element by element, keeping byte offsets so that every
// error names its line.
type jsonList struct {
	file string
	data []byte
	dec  *json.Decoder
	// lineOff and line are the last offset lineAt counted to and its
	// line: offsets mostly only grow, so each count goes on from there.
	lineOff int64
	line    int
}

// readJSONList reads r whole, at most MaxListBytes.
func readJSONList(r io.Reader, file string) (*jsonList, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxListBytes+1))
	if err != nil {
		return nil, &ListError{File: file, Msg: err.Error()}
	}
	if len(data) > MaxListBytes {
		return nil, &ListError{File: file, Line: bytes.Count(data, []byte("\n")) + 1, Msg: fmt.Sprintf("the file is larger than %d MiB", MaxListBytes>>20)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &jsonList{file: file, data: data, dec: dec, line: 1}, nil
}

// lineAt is the line of byte offset off, skipping the white space and
// separators before the value that starts there.
func (j *jsonList) lineAt(off int64) int {
	if off > int64(len(j.data)) {
		off = int64(len(j.data))
	}
	for off < int64(len(j.data)) && bytes.IndexByte([]byte(" \t\r\n,:"), j.data[off]) >= 0 {
		off++
	}
	if off < j.lineOff {
		j.lineOff, j.line = 0, 1
	}
	j.line += bytes.Count(j.data[j.lineOff:off], []byte("\n"))
	j.lineOff = off
	return j.line
}

// fail is an error at offset off.
func (j *jsonList) fail(off int64, format string, a ...any) error {
	return &ListError{File: j.file, Line: j.lineAt(off), Msg: fmt.Sprintf(format, a...)}
}

// jsonErr turns a decoding error into a ListError at its own offset (or
// at off when it has none).
func (j *jsonList) jsonErr(off int64, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &ListError{File: j.file, Line: j.lineAt(se.Offset), Msg: "not valid JSON: " + se.Error()}
	case errors.As(err, &te):
		return &ListError{File: j.file, Line: j.lineAt(te.Offset), Msg: "unexpected JSON: " + te.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &ListError{File: j.file, Line: bytes.Count(j.data, []byte("\n")) + 1, Msg: "the JSON ends too early"}
	}
	return j.fail(off, "%v", err)
}

// delim reads the next token, which must be an opening delimiter.
func (j *jsonList) delim() (json.Delim, error) {
	off := j.dec.InputOffset()
	tok, err := j.dec.Token()
	if err != nil {
		return 0, j.jsonErr(off, err)
	}
	d, ok := tok.(json.Delim)
	if !ok || (d != '[' && d != '{') {
		return 0, j.fail(off, "want a JSON array or object, got %v", tok)
	}
	return d, nil
}

// key reads an object key.
func (j *jsonList) key() (string, int64, error) {
	off := j.dec.InputOffset()
	tok, err := j.dec.Token()
	if err != nil {
		return "", off, j.jsonErr(off, err)
	}
	k, ok := tok.(string)
	if !ok {
		return "", off, j.fail(off, "want an object key, got %v", tok)
	}
	return k, off, nil
}

// value reads the next value whole.
func (j *jsonList) value() (json.RawMessage, int64, error) {
	off := j.dec.InputOffset()
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		return nil, off, j.jsonErr(off, err)
	}
	return raw, off, nil
}

// end reads the closing delimiter and checks nothing follows.
func (j *jsonList) end() error {
	off := j.dec.InputOffset()
	if _, err := j.dec.Token(); err != nil {
		return j.jsonErr(off, err)
	}
	off = j.dec.InputOffset()
	if tok, err := j.dec.Token(); !errors.Is(err, io.EOF) {
		return j.fail(off, "unexpected %v after the end of the list", tok)
	}
	return nil
}

// object decodes raw as a JSON object (field name to raw value).
func (j *jsonList) object(raw json.RawMessage, off int64) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, j.fail(off, "want an object for each entry")
	}
	return m, nil
}

// property is one field of an entry: its value and, in the XMPP
// Providers' form {"content": V, "source": URL, "comment": …}, the source.
type property struct {
	value  any
	source string
	ok     bool
}

// prop reads field name of m. A value in the {"content": …} form is
// unwrapped; null counts as absent.
func prop(m map[string]json.RawMessage, name string) property {
	raw, ok := m[name]
	if !ok {
		return property{}
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil || v == nil {
		return property{}
	}
	if obj, isObj := v.(map[string]any); isObj {
		if c, has := obj["content"]; has {
			p := property{value: c, ok: c != nil}
			if s, isStr := obj["source"].(string); isStr {
				p.source = s
			}
			return p
		}
	}
	return property{value: v, ok: true}
}

func (p property) bool() (bool, bool) {
	b, ok := p.value.(bool)
	return b, p.ok && ok
}

func (p property) str() (string, bool) {
	s, ok := p.value.(string)
	return s, p.ok && ok
}

func (p property) int() (int, bool) {
	n, ok := p.value.(json.Number)
	if !p.ok || !ok {
		return 0, false
	}
	i, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil {
			return 0, false
		}
		i = int64(f)
	}
	return int(i), true
}
