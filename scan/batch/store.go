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

	mu      sync.Mutex
	entries map[string]report.BatchEntry
	index   *os.File
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
	s := &Store{Dir: dir, entries: map[string]report.BatchEntry{}, unlock: unlock}
	if err := s.readIndex(); err != nil {
		unlock()
		return nil, err
	}
	s.index, err = os.OpenFile(filepath.Join(dir, "index.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
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
// does not parse (a run killed while appending it) is left out.
func (s *Store) readIndex() error {
	f, err := os.Open(filepath.Join(s.Dir, "index.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			e, perr := report.ReadBatchEntry(line)
			if perr != nil {
				s.Notes = append(s.Notes, fmt.Sprintf("%s:%d: left out (%v); the target's file is read again", filepath.Join(s.Dir, "index.jsonl"), n, perr))
			} else {
				s.entries[e.Key()] = e
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// FileName is the target's file in the directory: KIND/NAME.json, the
// name reduced to [a-z0-9._-] and, when that lost something, followed by a
// hash of the whole key so that no two targets share a file.
func FileName(kind, name string) string {
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

// Entry is the index entry of key, if any.
func (s *Store) Entry(key string) (report.BatchEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	return e, ok
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
// atomically and appends its entry to the index. A report that replaces an
// earlier report is kept under history/ first.
func (s *Store) Put(e report.BatchEntry, data []byte) (report.BatchEntry, error) {
	e.File = FileName(e.Kind, e.Name)
	path := filepath.Join(s.Dir, filepath.FromSlash(e.File))
	if old, ok := s.Entry(e.Key()); ok && old.Outcome == report.BatchScanned && e.Outcome == report.BatchScanned && !old.StartedAt.Equal(e.StartedAt) {
		if err := s.keepHistory(old, path); err != nil {
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
	line, err := json.Marshal(e)
	if err != nil {
		return e, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[e.Key()] = e
	if _, err := s.index.Write(append(line, '\n')); err != nil {
		return e, fmt.Errorf("index.jsonl: %v", err)
	}
	return e, nil
}

// Reindex appends e, the entry of a target file written at mtime whose
// index line was lost, to the index.
func (s *Store) Reindex(e report.BatchEntry, mtime time.Time) error {
	e.File = FileName(e.Kind, e.Name)
	e.WrittenAt = mtime.UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[e.Key()] = e
	_, err = s.index.Write(append(line, '\n'))
	return err
}

// HistoryDir is where the earlier reports of a target are kept.
func HistoryDir(kind, name string) string {
	return "history/" + strings.TrimSuffix(FileName(kind, name), ".json")
}

func (s *Store) keepHistory(old report.BatchEntry, path string) error {
	dir := filepath.Join(s.Dir, filepath.FromSlash(HistoryDir(old.Kind, old.Name)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dst := filepath.Join(dir, old.StartedAt.UTC().Format("20060102T150405.000Z")+".json")
	if err := os.Rename(path, dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Compact rewrites index.jsonl with one line per target: first the keys
// of order (the run's list), then every other target the directory holds,
// sorted.
func (s *Store) Compact(order []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b bytes.Buffer
	done := map[string]bool{}
	write := func(k string) error {
		e, ok := s.entries[k]
		if !ok || done[k] {
			return nil
		}
		done[k] = true
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteByte('\n')
		return nil
	}
	for _, k := range order {
		if err := write(k); err != nil {
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
			return err
		}
	}
	path := filepath.Join(s.Dir, "index.jsonl")
	if err := WriteFileAtomic(path, b.Bytes()); err != nil {
		return err
	}
	// Appends go to the new file from now on.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	s.index.Close()
	s.index = f
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

// TargetReports reads a scanned target's reports: those kept under
// history/, oldest first, then its current one.
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
	rep, _, err := ReadTargetFile(filepath.Join(dir, filepath.FromSlash(e.File)))
	if err != nil {
		return nil, err
	}
	if rep == nil {
		return nil, fmt.Errorf("%s is not a report", e.File)
	}
	return append(out, rep), nil
}
