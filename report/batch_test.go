package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"
)

// sampleBatch is a batch of five targets: the sample TLS report (scanned,
// below the policy), a hostile-named XMPP server with claims, a target
// that could not be scanned, one skipped for want of consent, and a
// Matrix server with a grade this build does not know.
func sampleBatch() (*BatchSummary, map[string]*Report) {
	at := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	tlsRep := sampleReport()
	tlsE := NewBatchEntry(tlsRep)
	tlsE.Source, tlsE.File = "targets.txt:1", "tls/test.example_443-0a1b2c3d.json"

	x := &Report{SchemaVersion: SchemaVersion, Tool: Tool{Name: "imscore", Version: "0.1.0"}, Target: Target{Kind: "xmpp", Name: "evil\x1b[2J.example"},
		StartedAt: at, DurationMS: 812, Grade: "A", Score: 91,
		Areas: []Area{{ID: "tls", Score: 97, Grade: "A+"}, {ID: "federation", Score: 80, Grade: "B"}},
		Findings: []Finding{
			{Criterion: "xmpp.c2s.starttls-required", Area: "tls", Status: Pass, Severity: "high", Weight: 10, Title: "STARTTLS required", Summary: "required"},
			{Criterion: "xmpp.s2s.starttls-required", Area: "federation", Status: Fail, Severity: "high", Weight: 8, Title: "S2S STARTTLS required", Summary: "offered, not required \u202eevil"},
			{Criterion: "xmpp.registration.open", Area: "metadata", Status: Info, Severity: "medium", Weight: 5, Title: "Registration", Summary: "form offered"},
			{Criterion: "tls.protocol.tls13", Area: "tls", Status: Warn, Severity: "low", Weight: 3, Title: "TLS 1.3", Summary: "not on s2s"},
			{Criterion: "tls.dane", Area: "tls", Status: Error, Severity: "low", Weight: 2, Title: "DANE", Summary: "no answer"},
		}}
	xE := NewBatchEntry(x)
	xE.Source, xE.File, xE.Software = "providers.json:12", "xmpp/evil__2j.example-12345678.json", "Prosody 0.12.3"
	xE.Claims = []BatchClaim{
		{Claim: "registration", Listed: "yes", Measured: "form offered, not submitted", Agreement: ClaimUnclear, Criterion: "xmpp.registration.open", Source: "https://example.org/provider.json"},
		{Claim: "upload-size", Listed: "100 MB", Measured: "not measured (needs an account)", Agreement: ClaimNotMeasured},
		{Claim: "tls-c2s", Listed: "A", Measured: "TLS area A+ (all endpoints)", Agreement: ClaimAgrees},
		{Claim: "tls-s2s", Listed: "A", Measured: "TLS area C (all endpoints)", Agreement: ClaimContradicts},
	}
	down := NewBatchRecord("xmpp", "down.example", BatchCannotScan, "DNS: unknown host down.example (NXDOMAIN)", at, 23*time.Millisecond)
	down.Source, down.File = "targets.txt:2", "xmpp/down.example.json"
	skip := NewBatchRecord("xmpp", "private.example", BatchSkipped, "the provider does not allow tests of its server (serverTesting is false in providers.json)", at, 0)
	skip.Source, skip.File = "providers.json:30", "xmpp/private.example.json"
	m := &Report{SchemaVersion: SchemaVersion, Target: Target{Kind: "matrix", Name: "matrix.example"}, StartedAt: at.Add(time.Minute), DurationMS: 2300,
		Grade: "Z", Score: 40, Findings: []Finding{{Criterion: "matrix.registration.open", Area: "metadata", Status: Fail, Severity: "critical", Weight: 10, Summary: "open"}}}
	mE := NewBatchEntry(m)
	mE.File = "matrix/matrix.example.json"

	rows := []BatchRow{
		{BatchEntry: tlsE, Policy: "grade B is below --fail-under A"},
		{BatchEntry: xE},
		{BatchEntry: down},
		{BatchEntry: skip},
		{BatchEntry: mE},
	}
	return NewBatchSummary(rows), map[string]*Report{tlsE.Key(): tlsRep, xE.Key(): x, mE.Key(): m}
}

func TestBatchEntry(t *testing.T) {
	s, _ := sampleBatch()
	e := s.Rows[1].BatchEntry
	if e.Outcome != BatchScanned || e.Grade != "A" || e.Score != 91 || e.FailCount != 1 || len(e.Failures) != 1 ||
		e.Failures[0].Criterion != "xmpp.s2s.starttls-required" || len(e.Statuses) != 5 || e.Statuses["tls.dane"] != Error {
		t.Errorf("entry %+v", e)
	}
	if strings.ContainsAny(e.Failures[0].Summary, "\u202e") {
		t.Errorf("summary not made safe: %q", e.Failures[0].Summary)
	}
	line, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadBatchEntry(line)
	if err != nil || back.Key() != e.Key() || back.Statuses["tls.dane"] != Error {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	for _, bad := range []string{`{"schema_version":2,"kind":"xmpp","name":"a","outcome":"scanned"}`, `{"schema_version":1}`, `{"schema_vers`} {
		if _, err := ReadBatchEntry([]byte(bad)); err == nil {
			t.Errorf("%s read without error", bad)
		}
	}
	// The worst failures: severity, then weight, then ID; at most three.
	r := &Report{Target: Target{Kind: "tls", Name: "x:443"}}
	for _, f := range []Finding{{"c", "", Fail, "low", 9, "", "", nil, nil, nil}, {"b", "", Fail, "critical", 1, "", "", nil, nil, nil},
		{"a", "", Fail, "low", 9, "", "", nil, nil, nil}, {"d", "", Fail, "high", 5, "", "", nil, nil, nil}} {
		r.Findings = append(r.Findings, f)
	}
	e = NewBatchEntry(r)
	var got []string
	for _, f := range e.Failures {
		got = append(got, f.Criterion)
	}
	if strings.Join(got, ",") != "b,d,a" || e.FailCount != 4 {
		t.Errorf("worst failures %v of %d", got, e.FailCount)
	}
}

func TestBatchStats(t *testing.T) {
	s, _ := sampleBatch()
	st := s.Stats
	if st.Targets != 5 || st.Scanned != 3 || st.CannotScan != 1 || st.Skipped != 1 || st.BelowPolicy != 1 {
		t.Errorf("totals %+v", st)
	}
	counts := map[string]int{}
	for _, g := range st.Grades {
		counts[g.Grade] = g.Count
	}
	if counts["B"] != 1 || counts["A"] != 1 || counts["Z"] != 1 || len(st.Grades) != len(GradeOrder)+1 || st.Grades[len(st.Grades)-1].Grade != "Z" {
		t.Errorf("grades %+v", st.Grades)
	}
	for _, c := range st.Criteria {
		if c.Criterion == "xmpp.s2s.starttls-required" && (c.Fail != 1 || c.Judged() != 1 || c.Percent(c.Pass) != 0) {
			t.Errorf("%+v", c)
		}
	}
	c := CriterionStat{Pass: 2, Warn: 1}
	if c.Percent(c.Pass) != 67 || (CriterionStat{}).Percent(0) != 0 {
		t.Errorf("percent %d", c.Percent(c.Pass))
	}
	if bad := s.CannotScan(); len(bad) != 1 || bad[0].Name != "down.example" {
		t.Errorf("cannot scan %+v", bad)
	}
}

func TestBatchGolden(t *testing.T) {
	s, reps := sampleBatch()
	var b bytes.Buffer
	if err := WriteBatchTable(&b, s, TableOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(b.String(), "\n") {
		if width(l) > 100 {
			t.Errorf("line %d is %d columns wide: %q", i+1, width(l), l)
		}
		if strings.ContainsAny(l, "\x1b\u202e") {
			t.Errorf("line %d carries a control character: %q", i+1, l)
		}
	}
	golden(t, "batch.txt", b.Bytes())
	b.Reset()
	if err := WriteBatchTable(&b, s, TableOptions{Width: 60}); err != nil {
		t.Fatal(err)
	}
	golden(t, "batch-narrow.txt", b.Bytes())

	b.Reset()
	if err := WriteBatchJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int        `json:"schema_version"`
		Stats         BatchStats `json:"stats"`
		Targets       []BatchRow `json:"targets"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || doc.SchemaVersion != 1 || len(doc.Targets) != 5 || doc.Targets[0].Policy == "" || doc.Stats.Scanned != 3 {
		t.Errorf("JSON does not read back: %v %+v", err, doc.Stats)
	}
	golden(t, "batch.json", b.Bytes())

	b.Reset()
	load := func(e BatchEntry) (*Report, error) {
		if r := reps[e.Key()]; r != nil {
			return r, nil
		}
		return nil, errors.New("no report")
	}
	if err := WriteBatchJUnit(&b, s, load); err != nil {
		t.Fatal(err)
	}
	golden(t, "batch.junit.xml", b.Bytes())
	if msg := xmllint(t, b.Bytes()); msg != "" {
		t.Errorf("batch JUnit does not validate against junit-10.xsd: %s", msg)
	}
	out := b.String()
	for _, want := range []string{`<testsuite name="tls test.example:443"`, `<testcase name="policy" classname="imscore.batch">`,
		`<failure message="grade B is below --fail-under A" type="policy"/>`, `<error message="DNS: unknown host down.example (NXDOMAIN)" type="cannot-scan"`,
		`<skipped message="the provider does not allow`, `name="xmpp evil\x1b[2J.example"`} {
		if !strings.Contains(out, want) {
			t.Errorf("JUnit lacks %s", want)
		}
	}
	// The empty batch renders too.
	empty := NewBatchSummary(nil)
	for _, f := range []func() error{
		func() error { return WriteBatchTable(&b, empty, TableOptions{}) },
		func() error { return WriteBatchJSON(&b, empty) },
		func() error { return WriteBatchJUnit(&b, empty, load) },
	} {
		if err := f(); err != nil {
			t.Error(err)
		}
	}
	// A report that cannot be loaded is an error, not a silent gap.
	if err := WriteBatchJUnit(&b, s, func(BatchEntry) (*Report, error) { return nil, errors.New("gone") }); err == nil || !strings.Contains(err.Error(), "gone") {
		t.Errorf("unloadable report: %v", err)
	}
}

// The totals of <testsuites> are the sums of its suites', also when the
// summary's rows do not carry each criterion's status (the CLI drops them
// for every format but html).
func TestBatchJUnitTotals(t *testing.T) {
	s, reps := sampleBatch()
	for i := range s.Rows {
		s.Rows[i].Statuses = nil
	}
	load := func(e BatchEntry) (*Report, error) {
		if r := reps[e.Key()]; r != nil {
			return r, nil
		}
		return nil, errors.New("no report")
	}
	var b bytes.Buffer
	if err := WriteBatchJUnit(&b, s, load); err != nil {
		t.Fatal(err)
	}
	type counts struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
	}
	var doc struct {
		counts
		Suites []counts `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var sum counts
	for _, c := range doc.Suites {
		sum.Tests += c.Tests
		sum.Failures += c.Failures
		sum.Errors += c.Errors
	}
	if len(doc.Suites) != len(s.Rows) || doc.counts != sum || sum.Tests <= len(s.Rows) {
		t.Errorf("<testsuites> %+v, the suites sum to %+v (%d suites)", doc.counts, sum, len(doc.Suites))
	}
}
