package report

import (
	"encoding/json"
	"io"
)

// WriteBatchJSON writes a batch's summary as JSON:
//
//	{"schema_version": 1, "stats": {targets, scanned, cannot_scan, skipped,
//	 below_policy, grades: [{grade, count}], criteria: [{criterion, pass,
//	 warn, fail, info, skip, error}]}, "targets": [entry + policy, …]}
//
// Each target is its index.jsonl entry (BatchEntry) without the statuses
// of every criterion (those are counted in stats.criteria, and kept in
// index.jsonl and the reports), with "policy", why it fails the run's
// policy. Text from lists and servers is kept as it is
// (JSON escapes control characters); the rows are written one at a time.
// The schema is schema/batch.v1.json (BatchSchema).
func WriteBatchJSON(w io.Writer, s *BatchSummary) error {
	stats, err := json.MarshalIndent(s.Stats, "  ", "  ")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "{\n  \"schema_version\": 1,\n  \"stats\": "+string(stats)+",\n  \"targets\": ["); err != nil {
		return err
	}
	for i, r := range s.Rows {
		r.Statuses = nil // per criterion: the statistics, and index.jsonl
		b, err := json.MarshalIndent(r, "    ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n    "
		if i == 0 {
			sep = "\n    "
		}
		if _, err := io.WriteString(w, sep+string(b)); err != nil {
			return err
		}
	}
	end := "]\n}\n"
	if len(s.Rows) > 0 {
		end = "\n  ]\n}\n"
	}
	_, err = io.WriteString(w, end)
	return err
}
