package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imscore/imscore/report"
)

// The output directory of a batch:
//
//	index.jsonl                 one report.BatchEntry a line, one line per target
//	KIND/NAME.json              each target's report, or the Record of why it was not scanned
//	history/KIND/NAME/TIME.json earlier reports of a target that was scanned again
//	runs.jsonl                  one line per run: when, and the statistics then
//
// Every file is written to a temporary file and renamed into place, so a
// batch killed at any moment leaves whole files. During a run index.jsonl
// only grows (a line appended as each target ends); at the end it is
// rewritten with one line per target. A target file whose index line was
// lost (killed between the two) is read again when the store is opened.

// Store is an output directory, locked for one batch at a time.
type Store struct {
	Dir string

	mu sync.Mutex
	// entries locate each target's latest line in index.jsonl and keep
	// what deciding on it needs; the whole entry (statuses, claims) stays
	// on disk, so memory does not grow with what each target's entry
	// holds.
	entries map[string]*Meta
	index   *os.File // index.jsonl, read with ReadAt, appended to
	size    int64    // of index.jsonl
	unlock  func()
	// Notes are what opening the store found worth saying (a torn last
	// index line).
	Notes []string
}

// Record is the JSON file of a target that was not scanned.
type Record struct {
	// Record is always RecordMarker: it tells a record from a report.
	Record string `json:"record"`
	report.BatchEntry
	Tool report.Tool `json:"tool"`
}

// Meta is what the store keeps in memory of a target's entry.
type Meta struct {
	Outcome   string
	File      string
	StartedAt time.Time
	WrittenAt time.Time
	off       int64 // the entry's line in index.jsonl
	n         int
}

func metaOf(e report.BatchEntry, off int64, n int) *Meta {
	return &Meta{Outcome: e.Outcome, File: FileName(e.Kind, e.Name), StartedAt: e.StartedAt, WrittenAt: e.WrittenAt, off: off, n: n}
}

// RecordMarker marks a Record file.
const RecordMarker = "imscore batch: not scanned"

// OpenStore opens (creating it when missing) and locks the output
// directory dir, and reads its index.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{Dir: dir, entries: map[string]*Meta{}, unlock: unlock}
	s.index, err = os.OpenFile(filepath.Join(dir, "index.jsonl"), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		unlock()
		return nil, err
	}
	if err := s.readIndex(true); err != nil {
		s.index.Close()
		unlock()
		return nil, err
	}
	return s, nil
}

// Close closes the index and unlocks the directory.
func (s *Store) Close() error {
	err := s.index.Close()
	s.unlock()
	return err
}

// readIndex loads index.jsonl: the last line of a target wins; a line that
// does not parse (a run killed while appending it) is left out. With
// repair a torn last line is ended, so that appends start a line.
func (s *Store) readIndex(repair bool) error {
	br := bufio.NewReaderSize(io.NewSectionReader(s.index, 0, 1<<62), 64<<10)
	var off int64
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			e, perr := report.ReadBatchEntry(line)
			if perr == nil {
				perr = checkEntry(e)
			}
			if perr != nil {
				s.Notes = append(s.Notes, fmt.Sprintf("%s:%d: left out (%v); the target's file is read again", filepath.Join(s.Dir, "index.jsonl"), n, perr))
			} else {
				s.entries[e.Key()] = metaOf(e, off, len(line))
			}
		}
		off += int64(len(line))
		if errors.Is(err, io.EOF) {
			s.size = off
			if repair && len(line) > 0 && line[len(line)-1] != '\n' {
				// A torn last line: later lines start on a line of their own.
				if _, err := s.index.Write([]byte("\n")); err != nil {
					return err
				}
				s.size++
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// checkEntry refuses an index entry whose kind or name a list could not
// hold (an index is input: a shard's directory may come from anywhere, and
// kind and name become paths).
func checkEntry(e report.BatchEntry) error {
	t, err := NewTarget(e.Kind, e.Name)
	if err != nil {
		return fmt.Errorf("index entry %s: %v", report.Line(e.Kind+":"+e.Name, 80), err)
	}
	if t.Kind != e.Kind || t.Name != e.Name {
		return fmt.Errorf("index entry %s: not a normalised target (want %s)", report.Line(e.Kind+":"+e.Name, 80), t.Key())
	}
	return nil
}

// FileName is the target's file in the directory: KIND/NAME.json, the
// name reduced to [a-z0-9._-] and, when that lost something, followed by a
// hash of the whole key so that no two targets share a file. A kind other
// than xmpp, matrix or tls (which no checked entry has) is reduced to
// [a-z0-9] too, so no kind or name leaves the directory.
func FileName(kind, name string) string {
	kind = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(kind))
	if kind == "" {
		kind = "_"
	}
	var b strings.Builder
	lossy := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
			lossy = true
		}
	}
	base := strings.Trim(b.String(), ".")
	if base != b.String() || base == "" || len(base) > 120 || lossy {
		if len(base) > 120 {
			base = base[:120]
		}
		h := fnv.New32a()
		io.WriteString(h, kind+":"+name)
		base = fmt.Sprintf("%s-%08x", base, h.Sum32())
	}
	return kind + "/" + base + ".json"
}

// Entry is the index entry of key, if any, read from index.jsonl.
func (s *Store) Entry(key string) (report.BatchEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.entries[key]
	if !ok {
		return report.BatchEntry{}, false
	}
	e, err := s.read(m)
	return e, err == nil
}

// Meta is what the store keeps in memory of key's entry, if any.
func (s *Store) Meta(key string) (Meta, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.entries[key]
	if !ok {
		return Meta{}, false
	}
	return *m, true
}

func (s *Store) read(m *Meta) (report.BatchEntry, error) {
	line := make([]byte, m.n)
	if _, err := s.index.ReadAt(line, m.off); err != nil {
		return report.BatchEntry{}, err
	}
	e, err := report.ReadBatchEntry(line)
	if err == nil {
		err = checkEntry(e)
	}
	// The file is where the target's file is, whatever the line says.
	e.File = FileName(e.Kind, e.Name)
	return e, err
}

// appendLine appends e to index.jsonl and remembers where (s.mu held).
func (s *Store) appendLine(e report.BatchEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if _, err := s.index.Write(line); err != nil {
		return fmt.Errorf("index.jsonl: %v", err)
	}
	s.entries[e.Key()] = metaOf(e, s.size, len(line))
	s.size += int64(len(line))
	return nil
}

// Keys are the targets the index knows, sorted.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.entries))
	for k := range s.entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Stat is the target file of kind and name, if it exists.
func (s *Store) Stat(kind, name string) (fs.FileInfo, error) {
	return os.Stat(filepath.Join(s.Dir, filepath.FromSlash(FileName(kind, name))))
}

// Put writes a target's file (data, the report's or the record's JSON)
// atomically and appends its entry to the index. A report that anything
// replaces (a newer report, or the record of a rescan that failed) is kept
// under history/ first.
func (s *Store) Put(e report.BatchEntry, data []byte) (report.BatchEntry, error) {
	e.File = FileName(e.Kind, e.Name)
	path := filepath.Join(s.Dir, filepath.FromSlash(e.File))
	if old, ok := s.Meta(e.Key()); ok && old.Outcome == report.BatchScanned && !old.StartedAt.Equal(e.StartedAt) {
		if err := s.keepHistory(e.Kind, e.Name, old.StartedAt, path); err != nil {
			return e, err
		}
	}
	if err := WriteFileAtomic(path, data); err != nil {
		return e, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return e, err
	}
	e.WrittenAt = fi.ModTime().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	return e, s.appendLine(e)
}

// Reindex appends e, the entry of a target file written at mtime whose
// index line was lost, to the index.
func (s *Store) Reindex(e report.BatchEntry, mtime time.Time) error {
	e.File = FileName(e.Kind, e.Name)
	e.WrittenAt = mtime.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLine(e)
}

// HistoryDir is where the earlier reports of a target are kept.
func HistoryDir(kind, name string) string {
	return "history/" + strings.TrimSuffix(FileName(kind, name), ".json")
}

func (s *Store) keepHistory(kind, name string, started time.Time, path string) error {
	dir := filepath.Join(s.Dir, filepath.FromSlash(HistoryDir(kind, name)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dst := filepath.Join(dir, started.UTC().Format("20060102T150405.000Z")+".json")
	if err := os.Rename(path, dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Compact rewrites index.jsonl with one line per target: first the keys
// of order (the run's list), then every other target the directory holds,
// sorted. The lines are copied one at a time.
func (s *Store) Compact(order []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := filepath.Join(s.Dir, "index.jsonl")
	f, err := os.CreateTemp(s.Dir, ".index.jsonl.tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	w := bufio.NewWriterSize(f, 64<<10)
	done := make(map[string]bool, len(s.entries))
	fresh := make(map[string]*Meta, len(s.entries))
	var off int64
	write := func(k string) error {
		m, ok := s.entries[k]
		if !ok || done[k] {
			return nil
		}
		done[k] = true
		line := make([]byte, m.n)
		if _, err := s.index.ReadAt(line, m.off); err != nil {
			return err
		}
		if line[len(line)-1] != '\n' {
			line = append(line, '\n')
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
		nm := *m
		nm.off, nm.n = off, len(line)
		fresh[k] = &nm
		off += int64(len(line))
		return nil
	}
	for _, k := range order {
		if err := write(k); err != nil {
			f.Close()
			return err
		}
	}
	rest := make([]string, 0, len(s.entries))
	for k := range s.entries {
		if !done[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		if err := write(k); err != nil {
			f.Close()
			return err
		}
	}
	err = w.Flush()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return err
	}
	// Reads and appends go to the new file from now on.
	nf, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	s.index.Close()
	s.index, s.entries, s.size = nf, fresh, off
	return nil
}

// AppendRun adds a line to runs.jsonl.
func (s *Store) AppendRun(r report.BatchRun) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "runs.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFileAtomic writes data to a temporary file beside path, syncs it
// and renames it into place (creating the directory when missing).
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// ReadTarget reads a target's file: its report, or its Record.
func (s *Store) ReadTarget(file string) (*report.Report, *Record, error) {
	return ReadTargetFile(filepath.Join(s.Dir, filepath.FromSlash(file)))
}

// ReadTargetFile reads a target file: a report, or a Record.
func ReadTargetFile(path string) (*report.Report, *Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var probe struct {
		Record string `json:"record"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	if probe.Record == RecordMarker {
		var r Record
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", path, err)
		}
		return nil, &r, nil
	}
	rep, err := report.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	return rep, nil, nil
}

// writeJSON writes v indented, with a final newline.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadRuns reads runs.jsonl of dir (none when it is missing); lines that
// do not parse are left out.
func ReadRuns(dir string) ([]report.BatchRun, error) {
	data, err := os.ReadFile(filepath.Join(dir, "runs.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []report.BatchRun
	for _, line := range bytes.Split(data, []byte("\n")) {
		var r report.BatchRun
		if len(bytes.TrimSpace(line)) > 0 && json.Unmarshal(line, &r) == nil && !r.At.IsZero() {
			out = append(out, r)
		}
	}
	return out, nil
}

// TargetReports reads a target's reports: those kept under history/,
// oldest first, then its current one (none when the target could not be
// scanned this time).
func TargetReports(dir string, e report.BatchEntry) ([]*report.Report, error) {
	var out []*report.Report
	hist := filepath.Join(dir, filepath.FromSlash(HistoryDir(e.Kind, e.Name)))
	names, err := filepath.Glob(filepath.Join(hist, "*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	for _, n := range names {
		rep, _, err := ReadTargetFile(n)
		if err != nil || rep == nil {
			continue // a damaged old report does not hide the current one
		}
		out = append(out, rep)
	}
	if err := checkEntry(e); err != nil {
		return nil, err
	}
	file := FileName(e.Kind, e.Name)
	rep, rec, err := ReadTargetFile(filepath.Join(dir, filepath.FromSlash(file)))
	if errors.Is(err, fs.ErrNotExist) && e.Outcome != report.BatchScanned {
		return out, nil // no result at all this time
	}
	if err != nil {
		return nil, err
	}
	if rep == nil {
		if rec != nil && e.Outcome != report.BatchScanned {
			return out, nil // not scanned this time: the earlier reports only
		}
		return nil, fmt.Errorf("%s is not a report", file)
	}
	return append(out, rep), nil
}
