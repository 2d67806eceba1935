package batch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/imscore/imscore/report"
)

// Merge joins the output directories of shards (srcs) into dst (`imscore
// batch --merge`): every target's file and history, the newer scan of a
// target winning when two directories hold it, and one index. It returns
// the keys of the merged targets, source by source (each sorted). The
// sources are only read.
func Merge(dst string, srcs []string, now func() time.Time) ([]string, error) {
	if now == nil {
		now = time.Now
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
		for _, k := range in.Keys() {
			e, ok := in.Entry(k)
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
