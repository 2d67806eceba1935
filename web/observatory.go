package web

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/a-h/templ"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/report"
)

// The observatory (`imscore batch --format html`): a site over a batch's
// targets.
//
//	index.html          every target: grade, score, area scores, software, date
//	sort-KEY.html       the same ordered by grade, score, an area or software (no script)
//	stats.html          the grade histogram and, per criterion, the share of targets that pass
//	claims.html         the lists' claims against the measurements
//	runs.html           the observatory across runs: grades and scores per run
//	targets/…           each scanned target's pages (every scan kept, history, badge)
//	criteria/…          one page per criterion, with its results over the targets
//
// The index pages are drawn from the batch's entries; each target's pages
// from its reports, read one target at a time (Observatory.Reports), so a
// site of thousands of targets never holds their reports together.

// Observatory is what RenderObservatory draws.
type Observatory struct {
	Summary *report.BatchSummary
	// Runs are the directory's runs, oldest first (runs.jsonl).
	Runs []report.BatchRun
	// Reports reads a scanned target's reports, oldest first.
	Reports func(report.BatchEntry) ([]*report.Report, error)
}

// RenderObservatory writes the observatory into dir (created if missing),
// each file as soon as it is made.
func RenderObservatory(dir string, o Observatory, opts Options) error {
	return buildObservatory(o, opts, func(name string, data []byte) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("web: %v", err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("web: %v", err)
		}
		return nil
	})
}

// BuildObservatory returns the observatory's files by slash-separated path.
func BuildObservatory(o Observatory, opts Options) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := buildObservatory(o, opts, func(name string, data []byte) error {
		files[name] = data
		return nil
	})
	return files, err
}

func buildObservatory(o Observatory, opts Options, emit func(string, []byte) error) error {
	if o.Summary == nil || len(o.Summary.Rows) == 0 {
		return errors.New("web: no targets to render")
	}
	metas, err := criteria.All()
	if err != nil {
		return fmt.Errorf("web: criteria metadata: %v", err)
	}
	v := newObsView(o, metas, opts)
	ctx := context.Background()
	add := func(name string, c templ.Component) error {
		var b bytes.Buffer
		if err := c.Render(ctx, &b); err != nil {
			return fmt.Errorf("web: rendering %s: %w", name, err)
		}
		return emit(name, b.Bytes())
	}
	// Each target's pages, one target's reports at a time: a scanned
	// target's, and those a target that could not be scanned this time
	// keeps from earlier scans (its index row links them).
	pages := func(r *obsRow) error {
		if o.Reports == nil {
			return nil
		}
		reps, err := o.Reports(r.BatchEntry)
		if err != nil {
			return fmt.Errorf("web: %s: %v", r.Key(), err)
		}
		if len(reps) == 0 {
			return nil
		}
		r.Pages = true
		s := newSite(reps, metas, opts)
		s.Observatory = true
		for _, t := range s.Targets {
			t.Slug = r.Slug
			if err := s.targetFiles(t, add); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range v.Scanned {
		if err := pages(&v.Scanned[i]); err != nil {
			return err
		}
	}
	for i := range v.Others {
		if v.Others[i].Outcome != report.BatchCannotScan {
			continue
		}
		if err := pages(&v.Others[i]); err != nil {
			return err
		}
	}
	if err := emit("style.css", styleCSS); err != nil {
		return err
	}
	for _, k := range v.Sorts {
		if err := add(k.File, observatoryPage(v.page(0, v.heading(k), ""), v, k)); err != nil {
			return err
		}
	}
	if err := add("stats.html", statsPage(v.page(0, "Statistics", "stats"), v)); err != nil {
		return err
	}
	if err := add("claims.html", claimsPage(v.page(0, "Claims against measurements", "claims"), v)); err != nil {
		return err
	}
	if err := add("runs.html", runsPage(v.page(0, "Across runs", "runs"), v)); err != nil {
		return err
	}
	s := v.site
	if err := add("criteria/index.html", criteriaIndexPage(s.page(1, "Criteria", "criteria"), s)); err != nil {
		return err
	}
	for _, m := range s.Metas {
		if !safeID(m.ID) {
			continue
		}
		if err := add("criteria/"+m.ID+".html", criterionPage(s.page(1, m.ID, "criteria"), v.criterionView(m))); err != nil {
			return err
		}
	}
	return nil
}

// obsView is everything the observatory's pages need.
type obsView struct {
	site    *site
	Summary *report.BatchSummary
	Runs    []report.BatchRun
	// Scanned are the scanned targets, Others those that were not, both
	// in the list's order.
	Scanned []obsRow
	Others  []obsRow
	// Areas are the areas any scanned target has a score in.
	Areas []string
	Sorts []obsSort
	stats map[string]*report.CriterionStat
	// Claims counts the claims by agreement.
	Claims map[string]int
}

// obsRow is one target.
type obsRow struct {
	report.BatchRow
	// Slug names the target's directory under targets/.
	Slug string
	// Pages says the target has pages under targets/ (a target not
	// scanned this time has them when earlier scans of it are kept).
	Pages bool
}

// obsSort is one ordering of the index: its file and what it orders by.
type obsSort struct {
	Key, Label, File string
}

func newObsView(o Observatory, metas []criteria.Meta, opts Options) *obsView {
	s := &site{Title: opts.Title, Metas: metas, metaIDs: map[string]bool{}, Areas: criteria.Areas(), Observatory: true}
	if s.Title == "" {
		s.Title = "imscore observatory"
	}
	for _, m := range metas {
		s.metaIDs[m.ID] = true
	}
	v := &obsView{site: s, Summary: o.Summary, Runs: o.Runs, stats: map[string]*report.CriterionStat{}, Claims: map[string]int{}}
	// Slugs as newSite gives them, over every target: sorted by name,
	// then kind; a repeat gets a hash.
	idx := make([]int, len(o.Summary.Rows))
	for i := range idx {
		idx[i] = i
	}
	rows := o.Summary.Rows
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Or(strings.Compare(rows[a].Name, rows[b].Name), strings.Compare(rows[a].Kind, rows[b].Kind))
	})
	slugs := make([]string, len(rows))
	used := map[string]bool{}
	for _, i := range idx {
		sl := slug(rows[i].Kind + "-" + rows[i].Name)
		if used[sl] {
			h := fnv.New32a()
			io.WriteString(h, rows[i].Kind+"\x00"+rows[i].Name)
			sl = fmt.Sprintf("%s-%08x", sl, h.Sum32())
		}
		used[sl] = true
		slugs[i] = sl
	}
	seen := map[string]bool{}
	var areas []string
	for i, r := range rows {
		or := obsRow{BatchRow: r, Slug: slugs[i]}
		if r.Outcome != report.BatchScanned {
			v.Others = append(v.Others, or)
			continue
		}
		v.Scanned = append(v.Scanned, or)
		for _, a := range r.Areas {
			if !seen[a.ID] {
				seen[a.ID] = true
				areas = append(areas, a.ID)
			}
		}
		for _, c := range r.Claims {
			v.Claims[c.Agreement]++
		}
	}
	v.Areas = s.orderAreas(areas)
	for i := range o.Summary.Stats.Criteria {
		c := &o.Summary.Stats.Criteria[i]
		v.stats[c.Criterion] = c
	}
	v.Sorts = []obsSort{{"name", "target", "index.html"}, {"grade", "grade", "sort-grade.html"}, {"score", "score", "sort-score.html"}}
	for _, a := range v.Areas {
		if safeID(a) {
			v.Sorts = append(v.Sorts, obsSort{"area:" + a, s.AreaTitle(a), "sort-area-" + a + ".html"})
		}
	}
	v.Sorts = append(v.Sorts, obsSort{"software", "software", "sort-software.html"})
	return v
}

func (v *obsView) page(depth int, title, section string) page {
	return v.site.page(depth, title, section)
}

func (v *obsView) heading(k obsSort) string {
	if k.Key == "name" {
		return "Observatory"
	}
	return "Observatory, by " + k.Label
}

// Rows are the scanned targets in k's order (best first; the list's order
// among equals; targets without the value last).
func (v *obsView) Rows(k obsSort) []obsRow {
	out := slices.Clone(v.Scanned)
	areaScore := func(r obsRow, id string) (int, bool) {
		for _, a := range r.Areas {
			if a.ID == id {
				return a.Score, true
			}
		}
		return 0, false
	}
	slices.SortStableFunc(out, func(a, b obsRow) int {
		switch {
		case k.Key == "name":
			return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Kind, b.Kind))
		case k.Key == "grade":
			return cmp.Or(cmp.Compare(gradeRank(a.Grade), gradeRank(b.Grade)), cmp.Compare(b.Score, a.Score))
		case k.Key == "score":
			return cmp.Compare(b.Score, a.Score)
		case k.Key == "software":
			if (a.Software == "") != (b.Software == "") {
				return boolOrder(a.Software == "")
			}
			return strings.Compare(strings.ToLower(a.Software), strings.ToLower(b.Software))
		case strings.HasPrefix(k.Key, "area:"):
			id := strings.TrimPrefix(k.Key, "area:")
			sa, oka := areaScore(a, id)
			sb, okb := areaScore(b, id)
			if oka != okb {
				return boolOrder(!oka) // scored first
			}
			return cmp.Compare(sb, sa)
		}
		return 0
	})
	return out
}

// ariaSort is the aria-sort of the column key on the page ordered by cur:
// names ascend, everything else is best first.
func ariaSort(cur obsSort, key string) string {
	switch {
	case cur.Key != key:
		return ""
	case key == "name":
		return "ascending"
	}
	return "descending"
}

// boolOrder orders the one of two that has the property last.
func boolOrder(last bool) int {
	if last {
		return 1
	}
	return -1
}

func gradeRank(g string) int {
	if r := report.GradeRank(g); r >= 0 {
		return r
	}
	return len(report.GradeOrder)
}

// AreaOf is the row's score in area id.
func (r obsRow) AreaOf(id string) (report.BatchArea, bool) {
	for _, a := range r.Areas {
		if a.ID == id {
			return a, true
		}
	}
	return report.BatchArea{}, false
}

// Href links to the target's page from a page at root.
func (r obsRow) Href(root string) string { return root + "targets/" + r.Slug + "/index.html" }

// Label is the target's name, safe.
func (r obsRow) Label() string { return line(r.Name) }

// StatRows are the criteria with a verdict on some target, in the
// criteria data's order (by area), each with its metadata.
func (v *obsView) StatRows() []statRow {
	var out []statRow
	for _, a := range v.site.Areas {
		for _, m := range v.site.Metas {
			if m.Area != a.ID {
				continue
			}
			if c := v.stats[m.ID]; c != nil && (c.Judged() > 0 || c.Error > 0) {
				out = append(out, statRow{M: m, C: *c, Area: a.Title})
			}
		}
	}
	return out
}

// statRow is one criterion's statistics.
type statRow struct {
	M    criteria.Meta
	C    report.CriterionStat
	Area string
}

// statLine says a criterion's statistics in words.
func statLine(c report.CriterionStat) string {
	s := fmt.Sprintf("%d %% of the %s judged pass (%d pass, %d warn, %d fail)", c.Percent(c.Pass), plural(c.Judged(), "target", "targets"), c.Pass, c.Warn, c.Fail)
	if c.Error > 0 {
		s += fmt.Sprintf("; not measured on %d", c.Error)
	}
	if c.Skip > 0 {
		s += fmt.Sprintf("; not applicable to %d", c.Skip)
	}
	return s + "."
}

// Histogram is the geometry of the grade histogram.
func (v *obsView) Histogram() histogram {
	gs := v.Summary.Stats.Grades
	h := histogram{W: 40 + 56*len(gs), H: 220, Base: 180}
	top := 0
	for _, g := range gs {
		top = max(top, g.Count)
	}
	for i, g := range gs {
		bh := 0
		if top > 0 {
			bh = g.Count * 150 / top
		}
		if g.Count > 0 && bh < 2 {
			bh = 2
		}
		h.Bars = append(h.Bars, histBar{X: 30 + 56*i, Y: h.Base - bh, H: bh, Grade: g.Grade, Count: g.Count})
	}
	return h
}

type histogram struct {
	W, H, Base int
	Bars       []histBar
}

type histBar struct {
	X, Y, H int
	Grade   string
	Count   int
}

// histDesc describes the histogram in words (for the SVG's desc).
func (v *obsView) histDesc() string {
	var parts []string
	for _, g := range v.Summary.Stats.Grades {
		if g.Count > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", g.Grade, g.Count))
		}
	}
	if len(parts) == 0 {
		return "No target was graded."
	}
	return "Targets per grade. " + strings.Join(parts, ", ") + "."
}

// stackWidths are the widths (of 100) of pass, warn and fail in a stacked
// bar.
func stackWidths(c report.CriterionStat) (p, w, f int) {
	j := c.Judged()
	if j == 0 {
		return 0, 0, 0
	}
	p = c.Pass * 100 / j
	w = c.Warn * 100 / j
	f = 100 - p - w
	return p, w, f
}

// ClaimRows are the targets with claims, in the list's order.
func (v *obsView) ClaimRows() []obsRow {
	var out []obsRow
	for _, r := range v.Scanned {
		if len(r.Claims) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// agreementLabel spells an agreement out with a symbol.
func agreementLabel(a string) string {
	switch a {
	case report.ClaimAgrees:
		return "✓ agrees"
	case report.ClaimContradicts:
		return "✗ contradicts"
	case report.ClaimUnclear:
		return "? unclear"
	case report.ClaimNotMeasured:
		return "– not measured"
	}
	return line(a)
}

// agreementClass colours an agreement like the statuses.
func agreementClass(a string) string {
	switch a {
	case report.ClaimAgrees:
		return "pill st-pass"
	case report.ClaimContradicts:
		return "pill st-fail"
	case report.ClaimUnclear:
		return "pill st-warn"
	}
	return "pill st-skip"
}

// claimName names a claim for people.
func claimName(k string) string {
	switch k {
	case "registration":
		return "Registration open"
	case "captcha":
		return "CAPTCHA at registration"
	case "email":
		return "E-mail at registration"
	case "software":
		return "Server software"
	case "upload-size":
		return "Upload size limit"
	case "tls-c2s":
		return "TLS grade, client to server (IM Observatory)"
	case "tls-s2s":
		return "TLS grade, server to server (IM Observatory)"
	}
	return line(k)
}

// RunRows are the runs, newest first.
func (v *obsView) RunRows() []report.BatchRun {
	out := slices.Clone(v.Runs)
	slices.Reverse(out)
	return out
}

// gradeSegments are a run's grades as segments of a stacked bar of width
// 300.
func gradeSegments(r report.BatchRun) []segment {
	total := 0
	for _, g := range r.Stats.Grades {
		total += g.Count
	}
	var out []segment
	x := 0
	for _, g := range r.Stats.Grades {
		if g.Count == 0 || total == 0 {
			continue
		}
		w := g.Count * 300 / total
		out = append(out, segment{X: x, W: max(w, 1), Grade: g.Grade, Count: g.Count})
		x += w
	}
	return out
}

type segment struct {
	X, W  int
	Grade string
	Count int
}

// runGrades says a run's grade counts in words.
func runGrades(r report.BatchRun) string {
	var parts []string
	for _, g := range r.Stats.Grades {
		if g.Count > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", g.Grade, g.Count))
		}
	}
	if len(parts) == 0 {
		return "none graded"
	}
	return strings.Join(parts, " · ")
}

// criterionView is a criterion page with its results over the scanned
// targets (status only: the summaries are in each target's page).
func (v *obsView) criterionView(m criteria.Meta) criterionView {
	cv := criterionView{S: v.site, M: m, Stat: v.stats[m.ID]}
	for _, r := range v.Scanned {
		if st, ok := r.Statuses[m.ID]; ok {
			cv.Results = append(cv.Results, criterionResult{T: &target{Kind: r.Kind, Name: r.Name, Slug: r.Slug}, F: report.Finding{Criterion: m.ID, Status: st}})
		}
	}
	return cv
}
