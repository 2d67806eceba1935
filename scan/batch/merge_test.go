package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/report"
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
	keys, err := Merge(out, append(dirs, later), nil, nil)
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
	if _, err := Merge(out, []string{out}, nil, nil); err == nil || !strings.Contains(err.Error(), "output directory itself") {
		t.Errorf("merging into a source: %v", err)
	}
	if _, err := Merge(filepath.Join(root, "x"), []string{filepath.Join(root, "nope")}, nil, nil); err == nil || !strings.Contains(err.Error(), "not a batch output directory") {
		t.Errorf("a missing source: %v", err)
	}
}

// A hostile shard index cannot make --merge (or a resumed run) read or
// write outside the directories: a kind or name no list could hold is left
// out with a note, and the file an entry names is never read.
func TestMergeHostileIndex(t *testing.T) {
	root := t.TempDir()
	evil := filepath.Join(root, "evil")
	secret := filepath.Join(root, "secret.txt")
	if err := os.WriteFile(secret, []byte("SECRET-CONTENT"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(evil, 0o755); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(evil, secret)
	lines := []string{
		`{"schema_version":1,"kind":"../../pwned","name":"x.invalid","file":"` + rel + `","outcome":"cannot-scan","started_at":"2026-01-01T00:00:00Z"}`,
		`{"schema_version":1,"kind":"xmpp","name":"../../x","file":"` + rel + `","outcome":"cannot-scan","started_at":"2026-01-01T00:00:00Z"}`,
		`{"schema_version":1,"kind":"xmpp","name":"X.Example","file":"` + rel + `","outcome":"cannot-scan","started_at":"2026-01-01T00:00:00Z"}`,
		// A well-formed target whose line names another file: only
		// xmpp/ok.example.json is ever read, and it is missing.
		`{"schema_version":1,"kind":"xmpp","name":"ok.example","file":"` + rel + `","outcome":"cannot-scan","started_at":"2026-01-01T00:00:00Z"}`,
	}
	if err := os.WriteFile(filepath.Join(evil, "index.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "all", "sub")
	_, err := Merge(out, []string{evil}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "ok.example.json") {
		t.Errorf("merge of an entry whose file is missing: %v", err)
	}
	// Nothing outside out, and nothing anywhere holds the secret.
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == secret {
			return nil
		}
		if !strings.HasPrefix(p, out+string(filepath.Separator)) && !strings.HasPrefix(p, evil+string(filepath.Separator)) {
			t.Errorf("written outside --out: %s", p)
		}
		if data, _ := os.ReadFile(p); strings.Contains(string(data), "SECRET-CONTENT") {
			t.Errorf("%s holds the secret", p)
		}
		return nil
	})
	// Reading the index (as a resumed run does) leaves the bad lines out.
	st, err := OpenStore(evil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if keys := st.Keys(); len(keys) != 1 || keys[0] != "xmpp:ok.example" {
		t.Errorf("keys %v", keys)
	}
	if len(st.Notes) != 3 {
		t.Errorf("notes %q", st.Notes)
	}
	if e, ok := st.Entry("xmpp:ok.example"); !ok || e.File != "xmpp/ok.example.json" {
		t.Errorf("entry %+v", e)
	}
	if _, err := TargetReports(evil, report.BatchEntry{Kind: "../../pwned", Name: "x.invalid", File: rel}); err == nil {
		t.Error("TargetReports read a hostile entry")
	}
	for _, k := range []string{"../../pwned", "", "A/B"} {
		if f := FileName(k, "x"); strings.Contains(f, "..") || strings.Count(f, "/") != 1 {
			t.Errorf("FileName(%q) = %s", k, f)
		}
	}
}

// A shard killed between writing a target's file and its index line (or
// while appending the line) loses nothing in the merge: the files are read
// again, as a resumed run reads them, and the merge says so.
func TestMergeRecoversLostLines(t *testing.T) {
	ts := targetsOf(t, "xmpp:a.example", "xmpp:b.example", "xmpp:c.example")
	root := t.TempDir()
	shard := filepath.Join(root, "shard")
	f := newFake(time.Millisecond)
	f.down["c.example"] = true
	cfg, st := config(t, shard, ts, f)
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Keep the first line and a torn half of the second; the third is lost.
	raw, _ := os.ReadFile(filepath.Join(shard, "index.jsonl"))
	ls := strings.SplitAfter(string(raw), "\n")
	if err := os.WriteFile(filepath.Join(shard, "index.jsonl"), []byte(ls[0]+ls[1][:len(ls[1])/2]), 0o644); err != nil {
		t.Fatal(err)
	}
	var notes []string
	out := filepath.Join(root, "all")
	keys, err := Merge(out, []string{shard}, nil, func(n string) { notes = append(notes, n) })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, " ") != "xmpp:a.example xmpp:b.example xmpp:c.example" {
		t.Errorf("merged %v", keys)
	}
	got := indexLines(t, out)
	if len(got) != 3 || got[1].Grade != "A" || got[2].Outcome != report.BatchCannotScan || !strings.Contains(got[2].Reason, "NXDOMAIN") {
		t.Errorf("merged index %+v", got)
	}
	all := strings.Join(notes, "\n")
	if !strings.Contains(all, "index.jsonl:2: left out") || !strings.Contains(all, "xmpp:b.example recovered") || !strings.Contains(all, "xmpp:c.example recovered") || strings.Contains(all, "xmpp:a.example") {
		t.Errorf("notes:\n%s", all)
	}
}
