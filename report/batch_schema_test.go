package report

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The batch summary and every index line validate against
// schema/batch.v1.json; what breaks the contract does not.
func TestBatchSchema(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(BatchSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://github.com/imscore/imscore/report/schema/batch.v1.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	summary, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := c.Compile(url + "#/$defs/entry")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sampleBatch()
	var b bytes.Buffer
	if err := WriteBatchJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := summary.Validate(inst); err != nil {
		t.Errorf("the summary does not validate: %v", err)
	}
	// An interrupted run's summary names the targets left without a result.
	cut := &BatchSummary{Rows: append([]BatchRow(nil), s.Rows...)}
	cut.Rows = append(cut.Rows, BatchRow{BatchEntry: NewBatchRecord("xmpp", "later.example", BatchUnfinished,
		"not scanned: the batch was interrupted first; run it again to go on", time.Time{}, 0)})
	var tally BatchTally
	for i := range cut.Rows {
		tally.Add(&cut.Rows[i])
	}
	cut.Stats = tally.Stats()
	b.Reset()
	if err := WriteBatchJSON(&b, cut); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte(`"unfinished": 1`)) {
		t.Errorf("the interrupted summary does not count its unfinished target:\n%s", b.Bytes())
	}
	inst, _ = jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
	if err := summary.Validate(inst); err != nil {
		t.Errorf("an interrupted run's summary does not validate: %v", err)
	}
	for _, r := range s.Rows {
		line, err := json.Marshal(r.BatchEntry)
		if err != nil {
			t.Fatal(err)
		}
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(line))
		if err := entry.Validate(inst); err != nil {
			t.Errorf("index line of %s does not validate: %v\n%s", r.Key(), err, line)
		}
	}
	for _, bad := range []string{
		`{"schema_version":1,"kind":"xmpp","name":"a","file":"x","written_at":"2026-01-01T00:00:00Z","outcome":"done","started_at":"2026-01-01T00:00:00Z","duration_ms":1,"score":0}`,
		`{"schema_version":2,"kind":"xmpp","name":"a","file":"x","written_at":"2026-01-01T00:00:00Z","outcome":"scanned","started_at":"2026-01-01T00:00:00Z","duration_ms":1,"score":0}`,
		`{"schema_version":1,"kind":"irc","name":"a","file":"x","written_at":"2026-01-01T00:00:00Z","outcome":"scanned","started_at":"2026-01-01T00:00:00Z","duration_ms":1,"score":0}`,
		`{"schema_version":1,"kind":"xmpp","name":"a","file":"x","written_at":"yesterday","outcome":"scanned","started_at":"2026-01-01T00:00:00Z","duration_ms":1,"score":0}`,
	} {
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		if entry.Validate(inst) == nil {
			t.Errorf("validates: %s", bad)
		}
	}
}
