// Package web renders imscore reports as a self-contained static site: an
// index of every scanned target, one page per target and scan (grade, area
// bars, every finding with its evidence, fix and references), one page per
// criterion, a history page for a target scanned several times, and an SVG
// badge per target.
//
// The site needs no JavaScript, loads nothing from elsewhere (the style
// sheet is written next to the pages, charts are server-side SVG) and uses
// relative links only, so it works from file:// and from any static host.
// Output is deterministic: the same reports always give the same bytes (no
// current time, everything sorted), so it can be compared with golden files.
//
// Templates are templ files (*.templ); the generated *_templ.go files are
// committed and a test checks they match `templ generate`.
package web

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/report"
)

//go:embed style.css
var styleCSS []byte

// Options control Render and Build.
type Options struct {
	// Title names the site in the header and the page titles; "" means
	// "imscore".
	Title string
}

// Render writes the site for reports into dir (created if missing). Files
// already in dir that the site does not use are left alone. Reports of the
// same target (kind and name) with different started_at form that
// target's history.
func Render(dir string, reports []*report.Report, opts Options) error {
	files, err := Build(reports, opts)
	if err != nil {
		return err
	}
	return writeFiles(dir, files)
}

// writeFiles writes files (by slash-separated path) under dir.
func writeFiles(dir string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("web: %v", err)
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return fmt.Errorf("web: %v", err)
		}
	}
	return nil
}

// Build returns the site for reports as file contents by slash-separated
// path relative to the site root ("index.html", "style.css",
// "targets/…/index.html", "criteria/….html").
func Build(reports []*report.Report, opts Options) (map[string][]byte, error) {
	if len(reports) == 0 {
		return nil, errors.New("web: no reports to render")
	}
	for i, r := range reports {
		if r == nil {
			return nil, fmt.Errorf("web: report %d is nil", i)
		}
	}
	metas, err := criteria.All()
	if err != nil {
		return nil, fmt.Errorf("web: criteria metadata: %v", err)
	}
	s := newSite(reports, metas, opts)
	files := map[string][]byte{"style.css": styleCSS}
	ctx := context.Background()
	add := func(name string, c templ.Component) error {
		var b bytes.Buffer
		if err := c.Render(ctx, &b); err != nil {
			return fmt.Errorf("web: rendering %s: %w", name, err)
		}
		files[name] = b.Bytes()
		return nil
	}

	if err := add("index.html", indexPage(s.page(0, "Targets", ""), s)); err != nil {
		return nil, err
	}
	for _, t := range s.Targets {
		if err := s.targetFiles(t, add); err != nil {
			return nil, err
		}
	}
	if err := add("criteria/index.html", criteriaIndexPage(s.page(1, "Criteria", "criteria"), s)); err != nil {
		return nil, err
	}
	for _, m := range s.Metas {
		if !safeID(m.ID) {
			continue
		}
		if err := add("criteria/"+m.ID+".html", criterionPage(s.page(1, m.ID, "criteria"), s.criterionView(m))); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// targetFiles renders t's pages through add: one per scan, the history
// when there are several, and the badge.
func (s *site) targetFiles(t *target, add func(string, templ.Component) error) error {
	dir := "targets/" + t.Slug + "/"
	for i, sc := range t.Scans {
		v := s.scanView(t, i)
		title := t.Label()
		if !sc.Latest() {
			title += " — " + fmtDate(sc.R.StartedAt)
		}
		if err := add(dir+sc.File, targetPage(s.page(2, title, "targets"), v)); err != nil {
			return err
		}
	}
	if len(t.Scans) > 1 {
		if err := add(dir+"history.html", historyPage(s.page(2, t.Label()+" — history", "targets"), s.historyView(t))); err != nil {
			return err
		}
	}
	return add(dir+"badge.svg", badge(badgeFor(t)))
}

// site is everything the templates need.
type site struct {
	Title   string
	Targets []*target
	Metas   []criteria.Meta
	metaIDs map[string]bool
	Areas   []criteria.AreaInfo
	// IndexAreas are the areas with a score in any target's latest scan.
	IndexAreas []string
	// Observatory: the pages belong to a batch's observatory (its
	// navigation, and criterion results from the whole batch).
	Observatory bool
}

// target is one scanned target with its scans, oldest first.
type target struct {
	Kind, Name string
	Slug       string
	Scans      []*scan
}

// scan is one report and the file it is rendered to.
type scan struct {
	R    *report.Report
	File string
	t    *target
}

// Latest reports whether sc is its target's newest scan.
func (sc *scan) Latest() bool { return sc.t.Scans[len(sc.t.Scans)-1] == sc }

// Latest returns t's newest scan.
func (t *target) Latest() *scan { return t.Scans[len(t.Scans)-1] }

// Label is "kind name" as shown in headings.
func (t *target) Label() string { return line(t.Name) }

// page is what the layout needs.
type page struct {
	Site  string
	Title string
	// Root is the relative path from the page to the site root ("",
	// "../", "../../").
	Root string
	// Section is the navigation entry to mark current ("targets",
	// "criteria" or "" for the index; "compare" or "compare-criteria" on
	// comparison pages).
	Section string
	// Compare marks a messenger comparison page: its own navigation and
	// the catalogue's licence note in the footer.
	Compare bool
	// Observatory marks a page of a batch's observatory: its navigation.
	Observatory bool
}

func (s *site) page(depth int, title, section string) page {
	return page{Site: s.Title, Title: title, Root: strings.Repeat("../", depth), Section: section, Observatory: s.Observatory}
}

func newSite(reports []*report.Report, metas []criteria.Meta, opts Options) *site {
	s := &site{Title: opts.Title, Metas: metas, metaIDs: map[string]bool{}, Areas: criteria.Areas()}
	if s.Title == "" {
		s.Title = "imscore"
	}
	for _, m := range metas {
		s.metaIDs[m.ID] = true
	}

	byKey := map[string]*target{}
	for _, r := range reports {
		// Targets by what they are to people: a TLS scan of one address
		// with two --sni names is two targets.
		key := r.Target.Kind + "\x00" + r.Target.Label()
		t := byKey[key]
		if t == nil {
			t = &target{Kind: r.Target.Kind, Name: r.Target.Label()}
			byKey[key] = t
			s.Targets = append(s.Targets, t)
		}
		t.Scans = append(t.Scans, &scan{R: r, t: t})
	}
	sort.Slice(s.Targets, func(i, j int) bool {
		a, b := s.Targets[i], s.Targets[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Kind < b.Kind
	})
	used := map[string]bool{}
	for _, t := range s.Targets {
		// Oldest first; ties (same started_at) in a fixed order.
		sort.SliceStable(t.Scans, func(i, j int) bool {
			a, b := t.Scans[i].R, t.Scans[j].R
			if !a.StartedAt.Equal(b.StartedAt) {
				return a.StartedAt.Before(b.StartedAt)
			}
			if a.Score != b.Score {
				return a.Score < b.Score
			}
			return a.Grade < b.Grade
		})
		t.Slug = slug(t.Kind + "-" + t.Name)
		if used[t.Slug] {
			h := fnv.New32a()
			io.WriteString(h, t.Kind+"\x00"+t.Name)
			t.Slug = fmt.Sprintf("%s-%08x", t.Slug, h.Sum32())
		}
		used[t.Slug] = true
		files := map[string]bool{}
		for i, sc := range t.Scans {
			if i == len(t.Scans)-1 {
				sc.File = "index.html"
				continue
			}
			base := "scan-" + sc.R.StartedAt.UTC().Format("20060102T150405Z")
			name := base + ".html"
			for n := 2; files[name]; n++ {
				name = fmt.Sprintf("%s-%d.html", base, n)
			}
			files[name] = true
			sc.File = name
		}
	}

	seen := map[string]bool{}
	var ids []string
	for _, t := range s.Targets {
		for _, a := range t.Latest().R.Areas {
			if !seen[a.ID] {
				seen[a.ID] = true
				ids = append(ids, a.ID)
			}
		}
	}
	s.IndexAreas = s.orderAreas(ids)
	return s
}

// orderAreas sorts area IDs in the criteria data's order, unknown ones
// after them alphabetically.
func (s *site) orderAreas(ids []string) []string {
	rank := map[string]int{}
	for i, a := range s.Areas {
		rank[a.ID] = i
	}
	out := append([]string{}, ids...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, oki := rank[out[i]]
		rj, okj := rank[out[j]]
		switch {
		case oki && okj:
			return ri < rj
		case oki != okj:
			return oki
		}
		return out[i] < out[j]
	})
	return out
}

// AreaTitle is the human title of an area ID.
func (s *site) AreaTitle(id string) string {
	for _, a := range s.Areas {
		if a.ID == id {
			return a.Title
		}
	}
	return line(id)
}

// CriterionHref links to a criterion's page from a page at root, or ""
// when the site has no page for it.
func (s *site) CriterionHref(root, id string) string {
	if !s.metaIDs[id] || !safeID(id) {
		return ""
	}
	return root + "criteria/" + id + ".html"
}

// areaScore finds an area's score in r.
func areaScore(r *report.Report, id string) (report.Area, bool) {
	for _, a := range r.Areas {
		if a.ID == id {
			return a, true
		}
	}
	return report.Area{}, false
}

// scanView is a target page.
type scanView struct {
	S      *site
	T      *target
	Sc     *scan
	R      *report.Report
	Areas  []areaView
	Counts []statusCount
}

type areaView struct {
	ID, Title string
	Scored    bool
	A         report.Area
	Findings  []report.Finding
}

type statusCount struct {
	Status report.Status
	N      int
}

// Statuses in the order pages list them: worst first.
var statusOrder = []report.Status{report.Fail, report.Warn, report.Error, report.Pass, report.Info, report.Skip}

func (s *site) scanView(t *target, i int) scanView {
	sc := t.Scans[i]
	r := sc.R
	v := scanView{S: s, T: t, Sc: sc, R: r}
	var ids []string
	byArea := map[string][]report.Finding{}
	for _, a := range r.Areas {
		if _, ok := byArea[a.ID]; !ok {
			ids = append(ids, a.ID)
			byArea[a.ID] = nil
		}
	}
	var extra []string
	findings := append([]report.Finding{}, r.Findings...)
	// Worst first, then by criterion ID.
	rank := map[report.Status]int{}
	for i, st := range statusOrder {
		rank[st] = i + 1
	}
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] < rank[b.Status]
		}
		return a.Criterion < b.Criterion
	})
	for _, f := range findings {
		if _, ok := byArea[f.Area]; !ok {
			extra = append(extra, f.Area)
			byArea[f.Area] = nil
		}
		byArea[f.Area] = append(byArea[f.Area], f)
	}
	ids = append(ids, s.orderAreas(extra)...)
	for _, id := range ids {
		a, ok := areaScore(r, id)
		v.Areas = append(v.Areas, areaView{ID: id, Title: s.AreaTitle(id), Scored: ok, A: a, Findings: byArea[id]})
	}
	counts := map[report.Status]int{}
	for _, f := range r.Findings {
		counts[f.Status]++
	}
	for _, st := range statusOrder {
		if counts[st] > 0 {
			v.Counts = append(v.Counts, statusCount{st, counts[st]})
		}
	}
	return v
}

// historyView is a target's history page.
type historyView struct {
	S     *site
	T     *target
	Areas []string
	// Changes between consecutive scans, newest first.
	Changes []change
	Chart   lineChart
}

type change struct {
	Old, New *scan
	D        report.DiffResult
}

func (s *site) historyView(t *target) historyView {
	v := historyView{S: s, T: t}
	seen := map[string]bool{}
	var ids []string
	for _, sc := range t.Scans {
		for _, a := range sc.R.Areas {
			if !seen[a.ID] {
				seen[a.ID] = true
				ids = append(ids, a.ID)
			}
		}
	}
	v.Areas = s.orderAreas(ids)
	for i := len(t.Scans) - 1; i > 0; i-- {
		v.Changes = append(v.Changes, change{Old: t.Scans[i-1], New: t.Scans[i], D: report.Diff(t.Scans[i-1].R, t.Scans[i].R)})
	}
	v.Chart = newLineChart(t.Scans)
	return v
}

// criterionView is a criterion page.
type criterionView struct {
	S       *site
	M       criteria.Meta
	Results []criterionResult
	// Stat is the criterion's statistics over an observatory's targets
	// (nil on a site of reports).
	Stat *report.CriterionStat
}

// ResultsTitle heads the list of results.
func (v criterionView) ResultsTitle() string {
	if v.S.Observatory {
		return "Results in this observatory"
	}
	return "Results in this report"
}

type criterionResult struct {
	T *target
	F report.Finding
}

func (s *site) criterionView(m criteria.Meta) criterionView {
	v := criterionView{S: s, M: m}
	for _, t := range s.Targets {
		for _, f := range t.Latest().R.Findings {
			if f.Criterion == m.ID {
				v.Results = append(v.Results, criterionResult{T: t, F: f})
				break
			}
		}
	}
	return v
}

// safeID reports whether id can be a file name as it is.
func safeID(id string) bool {
	if id == "" || len(id) > 120 || id[0] == '.' {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// slug makes a file name from s: lower-case letters, digits, dots and
// dashes, at most 80 bytes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.'
		if ok {
			b.WriteRune(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	out := strings.Trim(b.String(), "-.")
	if out == "" {
		out = "target"
	}
	return out
}

// fmtDate formats a scan time for people, in UTC.
func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "unknown date"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// isoDate is the machine-readable form for <time datetime>.
func isoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func fmtDuration(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).String()
}

// relFile is the path of scan sc's page relative to another page of the
// same target.
func relFile(sc *scan) string { return path.Base(sc.File) }
