package batch

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan"
)

// fakeScans stands in for scan.Run: it records every scan (start, end,
// how many ran at once) and makes a small report, or fails the targets
// listed in down.
type fakeScans struct {
	mu      sync.Mutex
	running int
	peak    int
	spans   map[string][][2]time.Time // target name -> its scans
	calls   []string
	hold    time.Duration
	ended   int
	down    map[string]bool
	onEnd   func(n int) // called after the n-th scan ended
}

func newFake(hold time.Duration) *fakeScans {
	return &fakeScans{spans: map[string][][2]time.Time{}, hold: hold, down: map[string]bool{}}
}

func (f *fakeScans) scan(ctx context.Context, spec probes.Spec, o scan.Options) (*report.Report, error) {
	start := time.Now()
	f.mu.Lock()
	f.running++
	f.peak = max(f.peak, f.running)
	f.calls = append(f.calls, spec.Target.Name)
	f.mu.Unlock()
	select {
	case <-time.After(f.hold):
	case <-ctx.Done():
	}
	f.mu.Lock()
	f.running--
	f.spans[spec.Target.Name] = append(f.spans[spec.Target.Name], [2]time.Time{start, time.Now()})
	f.ended++
	n := f.ended
	down := f.down[spec.Target.Name]
	f.mu.Unlock()
	defer func() {
		if f.onEnd != nil {
			f.onEnd(n)
		}
	}()
	if ctx.Err() != nil {
		return nil, &scan.CannotScanError{Target: spec.Target.Name, Reason: "interrupted"}
	}
	if down {
		return nil, &scan.CannotScanError{Target: spec.Target.Name, Reason: "DNS: unknown host " + spec.Target.Name + " (NXDOMAIN)"}
	}
	return &report.Report{SchemaVersion: report.SchemaVersion, Tool: o.Tool, Target: spec.Target, StartedAt: start.UTC(), Grade: "A", Score: 90,
		Areas:    []report.Area{{ID: "tls", Score: 90, Grade: "A"}},
		Findings: []report.Finding{{Criterion: "tls.protocol.tls13", Area: "tls", Status: report.Pass, Severity: "low", Weight: 2, Summary: "yes"}}}, nil
}

func targetsOf(t *testing.T, lines ...string) []Target {
	t.Helper()
	l, err := ParseList(strings.NewReader(strings.Join(lines, "\n")), "list.txt")
	if err != nil {
		t.Fatal(err)
	}
	return l.Targets
}

func config(t *testing.T, dir string, ts []Target, f *fakeScans) (Config, *Store) {
	t.Helper()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return Config{Targets: ts, Store: st, Concurrency: 3, Timeout: 10 * time.Second, MaxAge: time.Hour, Scan: f.scan,
		Tool: report.Tool{Name: "imscore", Version: "test"}}, st
}

func indexLines(t *testing.T, dir string) []report.BatchEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "index.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []report.BatchEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		e, err := report.ReadBatchEntry(sc.Bytes())
		if err != nil {
			t.Fatalf("index line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// At most Concurrency scans at once; never two scans of one domain at
// once, and at least DomainGap between them.
func TestRunSchedules(t *testing.T) {
	ts := targetsOf(t, "xmpp:a.example", "matrix:a.example", "tls:xmpp.a.example:5223", "xmpp:b.example", "matrix:b.example",
		"xmpp:c.example", "xmpp:d.example", "xmpp:e.example", "tls:mail.b.example:443", "xmpp:f.example")
	f := newFake(30 * time.Millisecond)
	dir := t.TempDir()
	cfg, _ := config(t, dir, ts, f)
	cfg.DomainGap = 60 * time.Millisecond
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Scanned != 10 || res.Unfinished != 0 || res.Interrupted || f.peak > 3 || f.peak < 2 {
		t.Errorf("result %+v, %d scans at once", res, f.peak)
	}
	byDomain := map[string][][2]time.Time{}
	for _, tg := range ts {
		sp := f.spans[tg.Name]
		if tg.Kind == KindMatrix {
			sp = f.spans[tg.Name] // the same name as xmpp: both recorded under it
		}
		byDomain[tg.Domain()] = append(byDomain[tg.Domain()], sp...)
	}
	for d, spans := range byDomain {
		for i := range spans {
			for j := range spans {
				a, b := spans[i], spans[j]
				if i == j || !a[1].Before(b[1]) {
					continue
				}
				if gap := b[0].Sub(a[1]); a[1].After(b[0]) || gap < cfg.DomainGap-5*time.Millisecond {
					t.Errorf("%s: a scan began %s after the previous one ended, want at least %s", d, gap, cfg.DomainGap)
				}
			}
		}
	}
	lines := indexLines(t, dir)
	if len(lines) != 10 || lines[0].Key() != "xmpp:a.example" || lines[9].Key() != "xmpp:f.example" {
		t.Errorf("index of %d lines, not in the list's order", len(lines))
	}
	for _, e := range lines {
		if e.Outcome != report.BatchScanned || e.Grade != "A" || e.Source == "" {
			t.Errorf("entry %+v", e)
		}
		if _, err := os.Stat(filepath.Join(dir, e.File)); err != nil {
			t.Error(err)
		}
	}
	runs, err := ReadRuns(dir)
	if err != nil || len(runs) != 1 || runs[0].Scanned != 10 || runs[0].Stats.Scanned != 10 {
		t.Errorf("runs %+v %v", runs, err)
	}
}

// --rate spaces the starts.
func TestRunRate(t *testing.T) {
	ts := targetsOf(t, "xmpp:a.example", "xmpp:b.example", "xmpp:c.example", "xmpp:d.example", "xmpp:e.example")
	f := newFake(time.Millisecond)
	cfg, _ := config(t, t.TempDir(), ts, f)
	cfg.Rate = 25 // one start each 40 ms
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	var starts []time.Time
	for _, tg := range ts {
		starts = append(starts, f.spans[tg.Name][0][0])
	}
	for i := 1; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-1]); d < 35*time.Millisecond {
			t.Errorf("start %d came %s after the previous one, want about 40ms", i, d)
		}
	}
}

// An interrupted run keeps what finished; the next run scans only what is
// left, and leaves the finished files alone.
func TestRunInterruptAndResume(t *testing.T) {
	var lines []string
	for i := range 12 {
		lines = append(lines, fmt.Sprintf("xmpp:d%02d.example", i))
	}
	ts := targetsOf(t, lines...)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	f := newFake(20 * time.Millisecond)
	f.onEnd = func(n int) {
		if n == 5 {
			cancel()
		}
	}
	cfg, st := config(t, dir, ts, f)
	cfg.Concurrency = 2
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Scanned+res.Unfinished != 12 || res.Scanned < 3 || res.Unfinished < 5 {
		t.Fatalf("first run %+v", res)
	}
	st.Close()
	done := map[string]time.Time{}
	for _, e := range indexLines(t, dir) {
		fi, err := os.Stat(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		done[e.Name] = fi.ModTime()
	}
	if len(done) != res.Scanned {
		t.Fatalf("%d index lines for %d scanned", len(done), res.Scanned)
	}

	f2 := newFake(5 * time.Millisecond)
	cfg2, _ := config(t, dir, ts, f2)
	res2, err := Run(context.Background(), cfg2)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Fresh != len(done) || res2.Scanned != 12-len(done) || res2.Unfinished != 0 {
		t.Errorf("second run %+v", res2)
	}
	for _, name := range f2.calls {
		if _, ok := done[name]; ok {
			t.Errorf("%s was scanned twice", name)
		}
	}
	all := indexLines(t, dir)
	if len(all) != 12 {
		t.Errorf("%d index lines, want 12", len(all))
	}
	for _, e := range all {
		fi, err := os.Stat(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := done[e.Name]; ok && !fi.ModTime().Equal(m) {
			t.Errorf("%s was rewritten", e.File)
		}
	}
}

// A file written just before a run was killed, whose index line never
// made it, is taken back into the index and not scanned again.
func TestRunReindexesLostLines(t *testing.T) {
	ts := targetsOf(t, "xmpp:a.example", "xmpp:b.example", "xmpp:c.example")
	dir := t.TempDir()
	f := newFake(time.Millisecond)
	cfg, st := config(t, dir, ts, f)
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Keep the first line, and a torn half of the second.
	raw, _ := os.ReadFile(filepath.Join(dir, "index.jsonl"))
	ls := strings.SplitAfter(string(raw), "\n")
	if err := os.WriteFile(filepath.Join(dir, "index.jsonl"), []byte(ls[0]+ls[1][:len(ls[1])/2]), 0o644); err != nil {
		t.Fatal(err)
	}
	f2 := newFake(time.Millisecond)
	cfg2, st2 := config(t, dir, ts, f2)
	if len(st2.Notes) != 1 || !strings.Contains(st2.Notes[0], "index.jsonl:2: left out") {
		t.Errorf("notes %q", st2.Notes)
	}
	res, err := Run(context.Background(), cfg2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fresh != 3 || len(f2.calls) != 0 {
		t.Errorf("second run %+v, scanned %v", res, f2.calls)
	}
	if got := indexLines(t, dir); len(got) != 3 || got[1].Grade != "A" || got[1].Source != "list.txt:2" {
		t.Errorf("index %+v", got)
	}
}

// Targets that could not be scanned get a record; a provider without
// consent is never scanned; --retry-failed tries failures again.
func TestRunRecords(t *testing.T) {
	ts := targetsOf(t, "xmpp:up.example", "xmpp:down.example")
	ts = append(ts, Target{Kind: KindXMPP, Name: "private.example", Source: "p.json:3", Skip: "the provider does not allow tests"})
	dir := t.TempDir()
	f := newFake(time.Millisecond)
	f.down["down.example"] = true
	cfg, st := config(t, dir, ts, f)
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Scanned != 3 || strings.Join(f.calls, " ") == "" || strings.Contains(strings.Join(f.calls, " "), "private") {
		t.Errorf("result %+v, calls %v", res, f.calls)
	}
	e, _ := st.Entry("xmpp:down.example")
	if e.Outcome != report.BatchCannotScan || !strings.Contains(e.Reason, "NXDOMAIN") {
		t.Errorf("down: %+v", e)
	}
	rep, rec, err := st.ReadTarget(e.File)
	if err != nil || rep != nil || rec == nil || rec.Record != RecordMarker || rec.Reason != e.Reason || rec.Tool.Version != "test" {
		t.Errorf("record %+v %v", rec, err)
	}
	if e, _ := st.Entry("xmpp:private.example"); e.Outcome != report.BatchSkipped || e.Source != "p.json:3" {
		t.Errorf("skipped: %+v", e)
	}
	st.Close()

	// A second run keeps both; --retry-failed scans the failure again.
	f2 := newFake(time.Millisecond)
	cfg2, st2 := config(t, dir, ts, f2)
	if _, err := Run(context.Background(), cfg2); err != nil {
		t.Fatal(err)
	}
	if len(f2.calls) != 0 {
		t.Errorf("scanned again: %v", f2.calls)
	}
	st2.Close()
	f3 := newFake(time.Millisecond)
	cfg3, st3 := config(t, dir, ts, f3)
	cfg3.RetryFailed = true
	if _, err := Run(context.Background(), cfg3); err != nil {
		t.Fatal(err)
	}
	if strings.Join(f3.calls, " ") != "down.example" {
		t.Errorf("--retry-failed scanned %v", f3.calls)
	}
	if e, _ := st3.Entry("xmpp:down.example"); e.Outcome != report.BatchScanned {
		t.Errorf("after the retry: %+v", e)
	}
	st3.Close()

	// --max-age 0 scans everything again and keeps the earlier report.
	f4 := newFake(time.Millisecond)
	cfg4, _ := config(t, dir, ts, f4)
	cfg4.MaxAge = 0
	if _, err := Run(context.Background(), cfg4); err != nil {
		t.Fatal(err)
	}
	if len(f4.calls) != 2 {
		t.Errorf("--max-age 0 scanned %v", f4.calls)
	}
	hist, _ := filepath.Glob(filepath.Join(dir, "history", "xmpp", "up.example", "*.json"))
	if len(hist) != 1 {
		t.Errorf("history of up.example: %v", hist)
	}
	reps, err := TargetReports(dir, indexLines(t, dir)[0])
	if err != nil || len(reps) != 2 || !reps[0].StartedAt.Before(reps[1].StartedAt) {
		t.Errorf("reports of up.example: %d, %v", len(reps), err)
	}
}

// Two batches cannot write one directory at once.
func TestStoreLock(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(dir); err == nil || !strings.Contains(err.Error(), "in use by another imscore batch") {
		t.Errorf("second open: %v", err)
	}
	st.Close()
	st, err = OpenStore(dir)
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	st.Close()
}

func TestFileName(t *testing.T) {
	seen := map[string]string{}
	for _, c := range [][2]string{{"xmpp", "example.org"}, {"tls", "example.org:443"}, {"tls", "[2001:db8::1]:443"},
		{"matrix", "example.org:8448"}, {"matrix", "example.org_8448"}, {"xmpp", "..example"}, {"xmpp", strings.Repeat("a", 250)}} {
		f := FileName(c[0], c[1])
		if prev, dup := seen[f]; dup {
			t.Errorf("%v and %s share %s", c, prev, f)
		}
		seen[f] = c[0] + ":" + c[1]
		base := strings.TrimPrefix(f, c[0]+"/")
		if strings.ContainsAny(base, "/\\:[]") || strings.HasPrefix(base, ".") || len(base) > 140 || !strings.HasSuffix(base, ".json") {
			t.Errorf("%v: file %s", c, f)
		}
	}
	if f := FileName("xmpp", "example.org"); f != "xmpp/example.org.json" {
		t.Errorf("a plain name: %s", f)
	}
}

// A rescan that fails does not destroy the last good report: it goes to
// history/ before the record replaces it, and TargetReports still finds it.
func TestRescanFailureKeepsReport(t *testing.T) {
	dir := t.TempDir()
	ts := targetsOf(t, "xmpp:up.example")
	cfg, st := config(t, dir, ts, newFake(time.Millisecond))
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	st.Close()
	f := newFake(time.Millisecond)
	f.down["up.example"] = true
	cfg2, st2 := config(t, dir, ts, f)
	cfg2.MaxAge = 0
	if _, err := Run(context.Background(), cfg2); err != nil {
		t.Fatal(err)
	}
	e, ok := st2.Entry("xmpp:up.example")
	if !ok || e.Outcome != report.BatchCannotScan {
		t.Fatalf("after the failed rescan: %+v", e)
	}
	// The record on disk says when it was written.
	if _, rec, err := st2.ReadTarget(e.File); err != nil || rec == nil || rec.WrittenAt.IsZero() || rec.WrittenAt.Before(rec.StartedAt) {
		t.Errorf("record %+v, %v", rec, err)
	}
	hist, _ := filepath.Glob(filepath.Join(dir, "history", "xmpp", "up.example", "*.json"))
	if len(hist) != 1 {
		t.Fatalf("history of up.example: %v", hist)
	}
	reps, err := TargetReports(dir, e)
	if err != nil || len(reps) != 1 || reps[0].Grade != "A" {
		t.Errorf("reports of a target whose rescan failed: %d, %v", len(reps), err)
	}
	// A second failure keeps that history and adds nothing.
	st2.Close()
	cfg3, _ := config(t, dir, ts, f)
	cfg3.MaxAge = 0
	if _, err := Run(context.Background(), cfg3); err != nil {
		t.Fatal(err)
	}
	if hist, _ := filepath.Glob(filepath.Join(dir, "history", "xmpp", "up.example", "*.json")); len(hist) != 1 {
		t.Errorf("history after a second failure: %v", hist)
	}
}
