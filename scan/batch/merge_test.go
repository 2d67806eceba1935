package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Shards scanned apart and merged hold every target once; where two
// directories hold a target, the newer scan wins and the older one is kept
// as history.
func TestMerge(t *testing.T) {
	var lines []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf("xmpp:m%02d.example", i))
	}
	ts := targetsOf(t, lines...)
	root := t.TempDir()
	var dirs []string
	for i := 1; i <= 3; i++ {
		sh := Shard{I: i, N: 3}
		dir := filepath.Join(root, fmt.Sprintf("shard-%d", i))
		cfg, st := config(t, dir, sh.Select(ts), newFake(time.Millisecond))
		cfg.Shard = sh.String()
		if _, err := Run(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		st.Close()
		dirs = append(dirs, dir)
	}
	// A later rescan of one target, in a fourth directory.
	later := filepath.Join(root, "later")
	cfg, st := config(t, later, ts[:1], newFake(time.Millisecond))
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := filepath.Join(root, "all")
	keys, err := Merge(out, append(dirs, later), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 20 {
		t.Fatalf("%d merged targets, want 20", len(keys))
	}
	lines2 := indexLines(t, out)
	if len(lines2) != 20 {
		t.Errorf("%d index lines", len(lines2))
	}
	for _, e := range lines2 {
		if _, err := os.Stat(filepath.Join(out, e.File)); err != nil {
			t.Error(err)
		}
	}
	e0, _ := readStore(out)
	first, _ := e0.Meta(ts[0].Key())
	laterStore, _ := readStore(later)
	latest, _ := laterStore.Meta(ts[0].Key())
	e0.index.Close()
	laterStore.index.Close()
	if first.StartedAt.IsZero() || !first.StartedAt.Equal(latest.StartedAt) {
		t.Errorf("the newer scan of %s did not win", ts[0])
	}
	hist, _ := filepath.Glob(filepath.Join(out, "history", "xmpp", "m00.example", "*.json"))
	if len(hist) != 1 {
		t.Errorf("history of the replaced scan: %v", hist)
	}
	runs, _ := ReadRuns(out)
	if len(runs) != 1 || runs[0].What != "merge" || runs[0].Stats.Targets != 20 {
		t.Errorf("runs %+v", runs)
	}
	if _, err := Merge(out, []string{out}, nil); err == nil || !strings.Contains(err.Error(), "output directory itself") {
		t.Errorf("merging into a source: %v", err)
	}
	if _, err := Merge(filepath.Join(root, "x"), []string{filepath.Join(root, "nope")}, nil); err == nil || !strings.Contains(err.Error(), "not a batch output directory") {
		t.Errorf("a missing source: %v", err)
	}
}
