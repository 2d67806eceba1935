package catalogue

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

// Dataset is another open comparison of messengers, cross-checked against
// the catalogue (crosscheck/*.yaml): what it says, mapped onto our criteria
// where it covers the same messenger and question. Its rows are not
// claims: the check compares them with our claims, and every claim a row
// agrees with must cite the dataset as a second source, every claim it
// contradicts must record it as a dissent (disputed). Neither side is
// silently picked.
type Dataset struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// URL is the dataset's public page; Source is the URL claims cite for
	// it (a pinned copy where one exists, else the page).
	URL         string `yaml:"url" json:"url"`
	Source      string `yaml:"source" json:"source"`
	Licence     string `yaml:"licence" json:"licence"`
	Attribution string `yaml:"attribution" json:"attribution"`
	// Version says which state of the dataset was read (its own "last
	// updated" date, a commit, or what is known of an undated copy).
	Version string `yaml:"version" json:"version"`
	Checked string `yaml:"checked" json:"checked"`
	// Adopt allows cmd/catimport to fill a claim we leave unknown with
	// this dataset's answer (citing it as the only source, so the row
	// counts as adopted, not as agreement). Only for datasets kept up to
	// date.
	Adopt bool `yaml:"adopt" json:"adopt"`
	// Notes say what was left out and why (rows whose meaning does not
	// match a criterion, messengers it covers that we lack).
	Notes string       `yaml:"notes,omitempty" json:"notes,omitempty"`
	Rows  []DatasetRow `yaml:"rows" json:"rows"`
}

// DatasetRow is the dataset's answer for one messenger and criterion.
type DatasetRow struct {
	Messenger string `yaml:"messenger" json:"messenger"`
	Criterion string `yaml:"criterion" json:"criterion"`
	Value     Value  `yaml:"value" json:"value"`
	// Says is what the dataset itself says (its row and cell), so the
	// mapping onto Value can be checked by a reader.
	Says string `yaml:"says" json:"says"`
}

// Agreement is how one dataset compares with the catalogue.
type Agreement struct {
	Dataset string `json:"dataset"`
	Title   string `json:"title"`
	Rows    int    `json:"rows"`
	// Agree and Disagree count the rows compared: both sides have a value.
	Agree    int `json:"agree"`
	Disagree int `json:"disagree"`
	// Adopted are rows whose claim rests on this dataset alone (no other
	// source): they agree by construction and are left out of the rate.
	Adopted int `json:"adopted"`
	// Open are rows for claims we leave unknown.
	Open int `json:"open"`
}

// Rate is the share of compared rows that agree, in percent (0 when none
// was compared).
func (a Agreement) Rate() float64 {
	if a.Agree+a.Disagree == 0 {
		return 0
	}
	return 100 * float64(a.Agree) / float64(a.Agree+a.Disagree)
}

// loadDatasets reads crosscheck/*.yaml (none is fine) and checks each file
// on its own.
func loadDatasets(fsys fs.FS) ([]Dataset, []error) {
	files, err := fs.Glob(fsys, "crosscheck/*.yaml")
	if err != nil {
		return nil, []error{err}
	}
	sort.Strings(files)
	var out []Dataset
	var errs []error
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var d Dataset
		if err := decodeStrict(b, &d); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s", f, oneLine(err.Error())))
			continue
		}
		if want := strings.TrimSuffix(path.Base(f), ".yaml"); d.ID != want {
			errs = append(errs, fmt.Errorf("%s: id %q does not match the file name", f, d.ID))
		}
		for _, e := range d.problems() {
			errs = append(errs, fmt.Errorf("%s: %w", f, e))
		}
		out = append(out, d)
	}
	return out, errs
}

func (d *Dataset) problems() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if d.Title == "" || d.Licence == "" || d.Attribution == "" || d.Version == "" {
		bad("title, licence, attribution and version are required")
	}
	for _, u := range []string{d.URL, d.Source} {
		if err := CheckURL(u); err != nil {
			bad("%v", err)
		}
	}
	if err := CheckDate(d.Checked); err != nil {
		bad("checked: %v", err)
	}
	seen := map[string]bool{}
	for i, r := range d.Rows {
		k := r.Messenger + " " + r.Criterion
		if seen[k] {
			bad("rows[%d]: %s given twice", i, k)
		}
		seen[k] = true
		if !validValue(r.Value) || r.Value == Unknown {
			bad("rows[%d] %s: bad value %q (a row says yes, partial, no or n-a)", i, k, r.Value)
		}
		if strings.TrimSpace(r.Says) == "" {
			bad("rows[%d] %s: says is required (the dataset's own words)", i, k)
		}
	}
	return errs
}

// CrossCheck compares every dataset with the catalogue's claims. It returns
// the agreement per dataset and a problem for every row that names no
// messenger or criterion of the catalogue, every agreeing claim that does
// not cite the dataset, and every contradicted claim that does not record
// the dataset's answer as a dissent.
func (c *Catalogue) CrossCheck() ([]Agreement, []error) {
	var out []Agreement
	var errs []error
	for _, d := range c.Datasets {
		a := Agreement{Dataset: d.ID, Title: d.Title, Rows: len(d.Rows)}
		f := "crosscheck/" + d.ID + ".yaml"
		for _, r := range d.Rows {
			m, ok := c.byID(r.Messenger)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: %s: no such messenger", f, r.Messenger))
				continue
			}
			cl, ok := m.Claim(r.Criterion)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: %s %s: no such criterion", f, r.Messenger, r.Criterion))
				continue
			}
			where := fmt.Sprintf("data/%s.yaml: %s %s", m.ID, m.ID, r.Criterion)
			switch {
			case cl.Value == Unknown:
				a.Open++
			case cl.Value == r.Value:
				if !slices.Contains(cl.Sources, d.Source) {
					errs = append(errs, fmt.Errorf("%s: agrees with %s (%s) but does not cite it as a second source (%s)", where, d.ID, r.Value, d.Source))
				}
				if onlySource(cl.Sources, c.datasetSources()) {
					a.Adopted++
				} else {
					a.Agree++
				}
			default:
				a.Disagree++
				if !hasDissent(cl, r.Value, d.Source) {
					errs = append(errs, fmt.Errorf("%s: is %s but %s says %s: record it under disputed with source %s", where, cl.Value, d.ID, r.Value, d.Source))
				}
			}
		}
		out = append(out, a)
	}
	return out, errs
}

// onlySource reports whether every source of a claim is a dataset's.
func onlySource(sources []string, datasets map[string]bool) bool {
	for _, s := range sources {
		if !datasets[s] {
			return false
		}
	}
	return len(sources) > 0
}

func hasDissent(cl Claim, v Value, source string) bool {
	for _, d := range cl.Disputed {
		if d.Value == v && slices.Contains(d.Sources, source) {
			return true
		}
	}
	return false
}

func (c *Catalogue) datasetSources() map[string]bool {
	m := map[string]bool{}
	for _, d := range c.Datasets {
		m[d.Source] = true
	}
	return m
}

func (c *Catalogue) byID(id string) (*Messenger, bool) {
	for i := range c.Messengers {
		if c.Messengers[i].ID == id {
			return &c.Messengers[i], true
		}
	}
	return nil, false
}

// LoadDatasets reads and checks the datasets in fsys (crosscheck/*.yaml)
// on their own, without the catalogue they are compared with: for
// cmd/catimport, which applies them while it writes that catalogue.
func LoadDatasets(fsys fs.FS) ([]Dataset, error) {
	ds, errs := loadDatasets(fsys)
	return ds, errors.Join(errs...)
}
