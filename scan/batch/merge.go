package batch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/imscore/imscore/report"
)

// Merge joins the output directories of shards (srcs) into dst (`imscore
// batch --merge`): every target's file and history, the newer scan of a
// target winning when two directories hold it, and one index. It returns
// the keys of the merged targets, source by source (each sorted). The
// sources are only read.
//
// A target file whose index line a killed shard lost (or tore) is read
// again, as a resumed run does; note (when set) is told of each.
func Merge(dst string, srcs []string, now func() time.Time, note func(string)) ([]string, error) {
	if now == nil {
		now = time.Now
	}
	if note == nil {
		note = func(string) {}
	}
	start := now()
	out, err := OpenStore(dst)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	var order []string
	seen := map[string]bool{}
	merged := 0
	for _, src := range srcs {
		if same, _ := sameDir(src, dst); same {
			return nil, fmt.Errorf("--merge: %s is the output directory itself", src)
		}
		in, err := readStore(src)
		if err != nil {
			return nil, err
		}
		defer in.index.Close()
		for _, n := range in.Notes {
			note(n)
		}
		lost, err := recoverLost(in, note)
		if err != nil {
			return nil, err
		}
		keys := in.Keys()
		for k := range lost {
			if _, ok := in.Meta(k); !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			e, ok := lost[k]
			if !ok {
				e, ok = in.Entry(k)
			}
			if !ok {
				continue
			}
			if !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
			if old, ok := out.Meta(k); ok && !e.StartedAt.After(old.StartedAt) {
				continue
			}
			// Only the target's own file, whatever the index line says.
			data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(FileName(e.Kind, e.Name))))
			if err != nil {
				return nil, fmt.Errorf("--merge: %s: %v", src, err)
			}
			if _, err := out.Put(e, data); err != nil {
				return nil, err
			}
			merged++
			if err := copyTree(filepath.Join(src, filepath.FromSlash(HistoryDir(e.Kind, e.Name))), filepath.Join(dst, filepath.FromSlash(HistoryDir(e.Kind, e.Name)))); err != nil {
				return nil, err
			}
		}
	}
	if err := out.Compact(order); err != nil {
		return nil, err
	}
	var tally report.BatchTally
	for _, k := range order {
		if e, ok := out.Entry(k); ok {
			tally.Add(&report.BatchRow{BatchEntry: e})
		}
	}
	rec := report.BatchRun{At: start.UTC(), Finished: now().UTC(), What: "merge", Scanned: merged, Stats: tally.Stats()}
	return order, out.AppendRun(rec)
}

// readStore reads a shard's index without locking or writing it.
func readStore(dir string) (*Store, error) {
	f, err := os.Open(filepath.Join(dir, "index.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("--merge: %s holds no index.jsonl (not a batch output directory)", dir)
	}
	s := &Store{Dir: dir, entries: map[string]*Meta{}, index: f, unlock: func() {}}
	if err := s.readIndex(false); err != nil {
		f.Close()
		return nil, fmt.Errorf("--merge: %v", err)
	}
	return s, nil
}

// recoverLost reads the target files of a shard whose index line is
// missing, torn, or older than the file (a shard killed between writing a
// target's file and appending its line): their entries, by key, made from
// the files as a resumed run makes them.
func recoverLost(in *Store, note func(string)) (map[string]report.BatchEntry, error) {
	out := map[string]report.BatchEntry{}
	// The files the index vouches for (by file, the time of its line): a
	// file of that time is not read here.
	indexed := map[string]time.Time{}
	for _, k := range in.Keys() {
		if m, ok := in.Meta(k); ok {
			indexed[m.File] = m.WrittenAt
		}
	}
	for _, kind := range []string{KindXMPP, KindMatrix, KindTLS} {
		des, err := os.ReadDir(filepath.Join(in.Dir, kind))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("--merge: %v", err)
		}
		for _, de := range des {
			name := de.Name()
			if !de.Type().IsRegular() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
				continue // a directory, a link, a temporary file
			}
			rel := kind + "/" + name
			path := filepath.Join(in.Dir, kind, name)
			fi, err := de.Info()
			if err != nil {
				continue
			}
			mtime := fi.ModTime().UTC()
			if w, ok := indexed[rel]; ok && w.Equal(mtime) {
				continue // its index line is the file's
			}
			rep, rec, err := ReadTargetFile(path)
			if err != nil {
				note(fmt.Sprintf("%s: left out: %v", path, err))
				continue
			}
			var e report.BatchEntry
			if rec != nil {
				e = rec.BatchEntry
			} else {
				e = report.NewBatchEntry(rep)
				e.Software = Software(rep)
			}
			if err := checkEntry(e); err != nil || FileName(e.Kind, e.Name) != rel {
				note(fmt.Sprintf("%s: left out: not the file of the target it holds", path))
				continue
			}
			if m, ok := in.Meta(e.Key()); ok {
				if old, err := in.read(&m); err == nil {
					e.Source = old.Source
				}
			}
			e.File = rel
			e.WrittenAt = mtime
			out[e.Key()] = e
			note(fmt.Sprintf("%s: %s recovered from its file (the shard's index has no line for this scan of it)", in.Dir, report.Line(e.Key(), 0)))
		}
	}
	return out, nil
}

// copyTree copies the files under src (if any) into dst, keeping those dst
// has.
func copyTree(src, dst string) error {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if _, err := os.Stat(to); err == nil {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return WriteFileAtomic(to, data)
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func sameDir(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
