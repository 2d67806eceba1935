package cli

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan/batch"
)

// After Ctrl-C, the targets the run never got to are unfinished, not
// targets that could not be scanned: counted apart in the summary, not
// named in the exit message as failures.
func TestBatchSummaryUnfinished(t *testing.T) {
	dir := t.TempDir()
	st, err := batch.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Now().UTC()
	down := report.NewBatchRecord("xmpp", "down.example", report.BatchCannotScan, "DNS: unknown host down.example (NXDOMAIN)", at, 0)
	if _, err := st.Put(down, []byte(`{"record":"`+batch.RecordMarker+`"}`)); err != nil {
		t.Fatal(err)
	}
	ts := []batch.Target{{Kind: "xmpp", Name: "down.example"}, {Kind: "xmpp", Name: "a.example"}, {Kind: "xmpp", Name: "b.example"}}
	for _, format := range []string{"json", "table", "junit"} {
		o := &batchOptions{outDir: dir}
		o.scan.format = format
		o.scan.out = filepath.Join(t.TempDir(), "summary")
		res := &batch.Result{Total: 3, Scanned: 1, Unfinished: 2, Interrupted: true, Start: at}
		var stdout, stderr strings.Builder
		err := batchSummary(o, ts, st, res, &stdout, &stderr)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != ExitCannotScan || !strings.Contains(ee.msg, "interrupted: 1 of 3 targets have a result") || !strings.Contains(ee.msg, "(1 target could not be scanned") {
			t.Errorf("%s: %v", format, err)
		}
		if format != "json" {
			continue
		}
		var sum struct {
			Stats report.BatchStats `json:"stats"`
		}
		if err := json.Unmarshal(mustRead(t, o.scan.out), &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Stats.CannotScan != 1 || sum.Stats.Unfinished != 2 || sum.Stats.Targets != 3 {
			t.Errorf("stats %+v", sum.Stats)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
