package report

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// WriteBatchJUnit writes a batch as JUnit XML, one <testsuite> per target
// (named "KIND NAME"), so a CI job that owns several servers gets one
// report with a suite per server:
//
//   - a scanned target: one <testcase> per criterion, as WriteJUnit
//     writes them (classname "imscore.AREA"), with the target's grade,
//     score and file as properties, and a test case "policy" that fails
//     when the target is below the run's policy;
//   - a target that could not be scanned: one test case "scan" with an
//     <error> carrying the reason;
//   - a skipped target: one test case "scan", <skipped> with the reason.
//
// load reads a scanned target's report (the summary holds entries only);
// each report is read twice — once to count the totals of <testsuites>,
// once to write its suite — and dropped before the next is read. Suites
// are written as they are made.
func WriteBatchJUnit(w io.Writer, s *BatchSummary, load func(BatchEntry) (*Report, error)) error {
	var tests, failures, errs int
	var ms int64
	// First pass: the totals of <testsuites>, counted as the suites count
	// theirs (a scanned target's from its report, read here and again
	// when its suite is written), so that they are the suites' sums.
	for _, r := range s.Rows {
		ms += r.DurationMS
		switch r.Outcome {
		case BatchScanned:
			rep, err := load(r.BatchEntry)
			if err != nil {
				return fmt.Errorf("report: batch JUnit: %s %s: %v", r.Kind, r.Name, err)
			}
			c := countCases(rep.Findings, r.Policy)
			tests += c.tests
			failures += c.failures
			errs += c.errs
		case BatchSkipped, BatchUnfinished:
			tests++
		default:
			tests++
			errs++
		}
	}
	head := &xmlWriter{}
	head.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	head.open(0, "testsuites", false, "name", "imscore batch", "tests", strconv.Itoa(tests),
		"failures", strconv.Itoa(failures), "errors", strconv.Itoa(errs), "time", junitTime(ms))
	if _, err := w.Write(head.buf.Bytes()); err != nil {
		return err
	}
	for _, r := range s.Rows {
		x := &xmlWriter{}
		if err := writeBatchSuite(x, r, load); err != nil {
			return err
		}
		if _, err := w.Write(x.buf.Bytes()); err != nil {
			return err
		}
	}
	tail := &xmlWriter{}
	tail.close(0, "testsuites")
	_, err := w.Write(tail.buf.Bytes())
	return err
}

func writeBatchSuite(x *xmlWriter, r BatchRow, load func(BatchEntry) (*Report, error)) error {
	name := r.Kind + " " + r.Name
	attrs := func(tests, failures, errs, skipped int) []string {
		a := []string{"name", name, "tests", strconv.Itoa(tests), "failures", strconv.Itoa(failures),
			"errors", strconv.Itoa(errs), "skipped", strconv.Itoa(skipped), "time", junitTime(r.DurationMS)}
		if !r.StartedAt.IsZero() {
			a = append(a, "timestamp", r.StartedAt.UTC().Format(time.RFC3339))
		}
		return a
	}
	props := func(extra ...[2]string) {
		x.open(2, "properties", false)
		x.open(3, "property", true, "name", "target", "value", name)
		x.open(3, "property", true, "name", "outcome", "value", r.Outcome)
		for _, p := range extra {
			x.open(3, "property", true, "name", p[0], "value", p[1])
		}
		if r.File != "" {
			x.open(3, "property", true, "name", "file", "value", r.File)
		}
		x.close(2, "properties")
	}
	switch r.Outcome {
	case BatchScanned:
	case BatchSkipped, BatchUnfinished:
		x.open(1, "testsuite", false, attrs(1, 0, 0, 1)...)
		props()
		x.open(2, "testcase", false, "name", "scan", "classname", "imscore.batch")
		x.open(3, "skipped", true, "message", r.Reason)
		x.close(2, "testcase")
		x.close(1, "testsuite")
		return nil
	default:
		x.open(1, "testsuite", false, attrs(1, 0, 1, 0)...)
		props()
		x.open(2, "testcase", false, "name", "scan", "classname", "imscore.batch")
		x.element(3, "error", "", "message", r.Reason, "type", "cannot-scan")
		x.close(2, "testcase")
		x.close(1, "testsuite")
		return nil
	}
	rep, err := load(r.BatchEntry)
	if err != nil {
		return fmt.Errorf("report: batch JUnit: %s: %v", name, err)
	}
	findings := sortedFindings(rep.Findings)
	c := countCases(findings, r.Policy)
	x.open(1, "testsuite", false, attrs(c.tests, c.failures, c.errs, c.skipped)...)
	props([2]string{"grade", rep.Grade}, [2]string{"score", strconv.Itoa(rep.Score)})
	for _, f := range findings {
		writeJUnitCase(x, f, "imscore."+f.Area)
	}
	if r.Policy == "" {
		x.open(2, "testcase", true, "name", "policy", "classname", "imscore.batch")
	} else {
		x.open(2, "testcase", false, "name", "policy", "classname", "imscore.batch")
		x.element(3, "failure", "", "message", r.Policy, "type", "policy")
		x.close(2, "testcase")
	}
	x.close(1, "testsuite")
	return nil
}

// caseCounts are the counts of a scanned target's suite.
type caseCounts struct{ tests, failures, errs, skipped int }

// countCases counts a scanned target's test cases: one per finding and
// "policy" (a failure when policy is set).
func countCases(findings []Finding, policy string) caseCounts {
	c := caseCounts{tests: len(findings) + 1}
	for _, f := range findings {
		switch junitKind(f.Status) {
		case "failure":
			c.failures++
		case "error":
			c.errs++
		case "skipped":
			c.skipped++
		}
	}
	if policy != "" {
		c.failures++
	}
	return c
}
