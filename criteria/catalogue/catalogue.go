// Package catalogue is imscore's messenger catalogue: a criteria taxonomy
// (taxonomy.yaml) and one file of sourced claims per messenger (data/*.yaml),
// both embedded.
//
// Every claim states a value (yes, partial, no, unknown, n-a) for one
// criterion of the taxonomy, a short explanation in our own words, the
// source URLs it rests on and the date it was checked. A claim other than
// "unknown" without a source is refused by Load. Most claims are derived
// from the SecuChart data set (CC BY-SA 3.0) by cmd/catimport; the licence
// and attribution travel with the data (data/LICENSE, data/NOTICE and each
// file's licence and attribution fields).
package catalogue

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed taxonomy.yaml personas.yaml data/*.yaml crosscheck/*.yaml
var embedded embed.FS

// Value is a claim's answer. Criteria are phrased so that Yes is the answer
// a privacy-minded user wants.
type Value string

// Claim values.
const (
	Yes     Value = "yes"
	Partial Value = "partial"
	No      Value = "no"
	Unknown Value = "unknown"
	NA      Value = "n-a"
)

// Values lists every claim value, best first.
var Values = []Value{Yes, Partial, No, Unknown, NA}

// Symbol is the value's mark, shown next to its word so that no rendering
// relies on colour alone: ✓ yes, ◐ partial, ✗ no, ? unknown, – n/a.
func (v Value) Symbol() string {
	switch v {
	case Yes:
		return "✓"
	case Partial:
		return "◐"
	case No:
		return "✗"
	case NA:
		return "–"
	}
	return "?"
}

// Word is the value as shown: n-a is written "n/a"; a value outside the
// set is returned as is (callers make it safe for their output).
func (v Value) Word() string {
	if v == NA {
		return "n/a"
	}
	return string(v)
}

// Messenger kinds.
const (
	KindService  = "service"  // one vendor's app and network (Signal, Threema)
	KindClient   = "client"   // an app for an open or shared network (Conversations, Molly)
	KindProtocol = "protocol" // a protocol or network as such (XMPP)
)

// Messenger statuses.
const (
	StatusCurrent      = "current"
	StatusDiscontinued = "discontinued"
	StatusUnknown      = "unknown" // no source says whether it is still maintained
)

// Fates of a discontinued messenger (Messenger.Fate).
const (
	FateRenamed  = "renamed"  // the same product goes on under another name
	FateMerged   = "merged"   // folded into another product with another
	FateReplaced = "replaced" // shut down; the vendor moved its users to another product
)

// DateLayout is the layout of every date in the catalogue.
const DateLayout = "2006-01-02"

// DefaultMaxAge is the age after which a claim is shown as stale.
const DefaultMaxAge = 365 * 24 * time.Hour

// Reference is a titled link.
type Reference struct {
	Title string `yaml:"title" json:"title"`
	URL   string `yaml:"url" json:"url"`
}

// Group is a group of criteria.
type Group struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
}

// Criterion is one row of the comparison.
type Criterion struct {
	ID          string      `yaml:"id" json:"id"`
	Group       string      `yaml:"group" json:"group"`
	Title       string      `yaml:"title" json:"title"`
	Explanation string      `yaml:"explanation" json:"explanation"`
	Origins     []string    `yaml:"origins" json:"origins"`
	References  []Reference `yaml:"references" json:"references"`
}

// Taxonomy is the set of criteria, in display order.
type Taxonomy struct {
	Groups   []Group     `yaml:"groups" json:"groups"`
	Criteria []Criterion `yaml:"criteria" json:"criteria"`
}

// Claim is one messenger's answer to one criterion.
type Claim struct {
	Criterion   string   `yaml:"criterion" json:"criterion"`
	Value       Value    `yaml:"value" json:"value"`
	Explanation string   `yaml:"explanation" json:"explanation"`
	Sources     []string `yaml:"sources,omitempty" json:"sources"`
	// Checked is the date (YYYY-MM-DD) the sources were last checked; for
	// imported claims, the date of the imported data set.
	Checked string `yaml:"checked,omitempty" json:"checked,omitempty"`
	// Via names where the claim comes from when it was derived, e.g.
	// "secuchart: Perfect forward secrecy".
	Via string `yaml:"via,omitempty" json:"via,omitempty"`
	// Disputed keeps what other sources say when they disagree with this
	// claim: the cell shows the claim's value and says it is disputed,
	// with both sides' sources.
	Disputed []Dissent `yaml:"disputed,omitempty" json:"disputed,omitempty"`
}

// Dissent is another source's different answer to the same question.
type Dissent struct {
	Value       Value    `yaml:"value" json:"value"`
	Explanation string   `yaml:"explanation" json:"explanation"`
	Sources     []string `yaml:"sources" json:"sources"`
	Checked     string   `yaml:"checked" json:"checked"`
}

// Messenger is one catalogue entry.
type Messenger struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	Kind string `yaml:"kind" json:"kind"`
	// Protocol names the protocol or network of a client (xmpp, matrix,
	// signal, telegram).
	Protocol string `yaml:"protocol,omitempty" json:"protocol,omitempty"`
	Status   string `yaml:"status" json:"status"`
	// Ended is when a discontinued messenger ended (YYYY-MM-DD), if a
	// source says so; StatusSources cites it.
	Ended         string   `yaml:"ended,omitempty" json:"ended,omitempty"`
	StatusSources []string `yaml:"status_sources,omitempty" json:"status_sources,omitempty"`
	// Fate says what became of a discontinued messenger, when a source
	// says so: renamed, merged (into another product) or replaced (its
	// users moved to another product); Successor is that product's
	// catalogue ID and SuccessorName its name when it has no row here.
	Fate          string `yaml:"fate,omitempty" json:"fate,omitempty"`
	Successor     string `yaml:"successor,omitempty" json:"successor,omitempty"`
	SuccessorName string `yaml:"successor_name,omitempty" json:"successor_name,omitempty"`
	// Aliases are other names people type for this messenger (former
	// names, app names of a protocol's main client): "riot", "element".
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	Website string   `yaml:"website,omitempty" json:"website,omitempty"`
	// Licence of this entry's data (an SPDX identifier) and its
	// attribution; entries derived from SecuChart are CC-BY-SA-3.0.
	Licence     string  `yaml:"licence" json:"licence"`
	Attribution string  `yaml:"attribution" json:"attribution"`
	Claims      []Claim `yaml:"claims" json:"claims"`
}

// Rank orders m's value for criterion best first (yes, partial, no,
// unknown, n-a; no claim last), for sorting messengers by a criterion.
func (m *Messenger) Rank(criterion string) int {
	c, ok := m.Claim(criterion)
	if !ok {
		return len(Values)
	}
	for i, v := range Values {
		if v == c.Value {
			return i
		}
	}
	return len(Values)
}

// Claim returns m's claim for criterion id.
func (m *Messenger) Claim(id string) (Claim, bool) {
	for _, c := range m.Claims {
		if c.Criterion == id {
			return c, true
		}
	}
	return Claim{}, false
}

// Catalogue is the taxonomy and every messenger, sorted by ID, with the
// threat-model personas (personas.yaml) and the datasets it is
// cross-checked against (crosscheck/*.yaml).
type Catalogue struct {
	Taxonomy   Taxonomy
	Messengers []Messenger
	Personas   []Persona
	Datasets   []Dataset
}

var (
	once   sync.Once
	loaded *Catalogue
	errL   error
)

// Load returns the embedded catalogue, validated. It is parsed once.
func Load() (*Catalogue, error) {
	once.Do(func() { loaded, errL = LoadFS(embedded) })
	return loaded, errL
}

// LoadFS reads taxonomy.yaml and data/*.yaml from fsys and validates them;
// the error lists every problem found.
func LoadFS(fsys fs.FS) (*Catalogue, error) {
	c, errs := load(fsys)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// LoadDir loads the catalogue in dir (taxonomy.yaml and data/*.yaml), for
// checking a working copy rather than the embedded data.
func LoadDir(dir string) (*Catalogue, error) { return LoadFS(os.DirFS(dir)) }

// load parses and validates fsys. It returns the catalogue read so far
// (nil when the taxonomy is unusable) and every problem, one error each.
func load(fsys fs.FS) (*Catalogue, []error) {
	b, err := fs.ReadFile(fsys, "taxonomy.yaml")
	if err != nil {
		return nil, []error{err}
	}
	tax, err := ParseTaxonomy(b)
	if err != nil {
		return nil, []error{fmt.Errorf("taxonomy.yaml: %w", err)}
	}
	files, err := fs.Glob(fsys, "data/*.yaml")
	if err != nil {
		return nil, []error{err}
	}
	if len(files) == 0 {
		return nil, []error{errors.New("data: no messenger files (data/*.yaml)")}
	}
	sort.Strings(files)
	c := &Catalogue{Taxonomy: *tax}
	var errs []error
	seen := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		m, err := ParseMessenger(b)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s", f, oneLine(err.Error())))
			continue
		}
		if want := strings.TrimSuffix(path.Base(f), ".yaml"); m.ID != want {
			errs = append(errs, fmt.Errorf("%s: id %q does not match the file name", f, m.ID))
		}
		if prev, ok := seen[m.ID]; ok {
			errs = append(errs, fmt.Errorf("%s: messenger %q already defined in %s", f, m.ID, prev))
		}
		seen[m.ID] = f
		for _, e := range tax.problems(m) {
			errs = append(errs, fmt.Errorf("%s: %w", f, e))
		}
		c.Messengers = append(c.Messengers, *m)
	}
	sort.Slice(c.Messengers, func(i, j int) bool { return c.Messengers[i].ID < c.Messengers[j].ID })
	errs = append(errs, c.nameProblems()...)
	var more []error
	c.Personas, more = loadPersonas(fsys, tax)
	errs = append(errs, more...)
	c.Datasets, more = loadDatasets(fsys)
	errs = append(errs, more...)
	if len(more) == 0 {
		_, more = c.CrossCheck()
		errs = append(errs, more...)
	}
	return c, errs
}

func errorsIsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func decodeStrict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}

var idRE = regexp.MustCompile(`^[a-z0-9]+([.-][a-z0-9]+)*$`)

// ParseTaxonomy parses and checks a taxonomy file.
func ParseTaxonomy(b []byte) (*Taxonomy, error) {
	var t Taxonomy
	if err := decodeStrict(b, &t); err != nil {
		return nil, err
	}
	groups := map[string]bool{}
	for _, g := range t.Groups {
		if !idRE.MatchString(g.ID) || g.Title == "" || groups[g.ID] {
			return nil, fmt.Errorf("bad or duplicate group %q", g.ID)
		}
		groups[g.ID] = true
	}
	seen := map[string]bool{}
	for i := range t.Criteria {
		cr := &t.Criteria[i]
		cr.Explanation = strings.TrimSpace(cr.Explanation)
		switch {
		case !idRE.MatchString(cr.ID):
			return nil, fmt.Errorf("criterion %q: malformed id", cr.ID)
		case seen[cr.ID]:
			return nil, fmt.Errorf("criterion %s defined twice", cr.ID)
		case !groups[cr.Group]:
			return nil, fmt.Errorf("criterion %s: unknown group %q", cr.ID, cr.Group)
		case cr.Title == "" || cr.Explanation == "":
			return nil, fmt.Errorf("criterion %s: title and explanation are required", cr.ID)
		case len(cr.References) == 0:
			return nil, fmt.Errorf("criterion %s: at least one reference is required", cr.ID)
		}
		for _, r := range cr.References {
			if r.Title == "" || CheckURL(r.URL) != nil {
				return nil, fmt.Errorf("criterion %s: bad reference %q %q", cr.ID, r.Title, r.URL)
			}
		}
		seen[cr.ID] = true
	}
	return &t, nil
}

// ParseMessenger parses a messenger file (unknown fields are errors); it
// does not check the claims against a taxonomy (Taxonomy.Validate does).
func ParseMessenger(b []byte) (*Messenger, error) {
	var m Messenger
	if err := decodeStrict(b, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Criterion returns the criterion id.
func (t *Taxonomy) Criterion(id string) (Criterion, bool) {
	for _, c := range t.Criteria {
		if c.ID == id {
			return c, true
		}
	}
	return Criterion{}, false
}

// Group returns the group id.
func (t *Taxonomy) Group(id string) (Group, bool) {
	for _, g := range t.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

// CheckURL reports whether s is a well-formed absolute http(s) URL.
func CheckURL(s string) error {
	if s == "" || strings.ContainsAny(s, " \t\r\n\"<>") {
		return fmt.Errorf("malformed URL %q", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("malformed URL %q: %v", s, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.HasPrefix(u.Host, ".") || !strings.Contains(u.Hostname(), ".") {
		return fmt.Errorf("malformed URL %q: want an absolute http(s) URL", s)
	}
	return nil
}

// CheckDate reports whether s is a YYYY-MM-DD date.
func CheckDate(s string) error {
	if _, err := time.Parse(DateLayout, s); err != nil {
		return fmt.Errorf("bad date %q (want YYYY-MM-DD)", s)
	}
	return nil
}

func validValue(v Value) bool {
	for _, x := range Values {
		if v == x {
			return true
		}
	}
	return false
}

// Validate checks m against t: identity fields, licence, and every claim
// (known criterion, no duplicates, a valid value, a source for every value
// but unknown, well-formed URLs, a checked date), and that every criterion
// has a claim. The error lists every problem.
func (t *Taxonomy) Validate(m *Messenger) error {
	return errors.Join(t.problems(m)...)
}

func (t *Taxonomy) problems(m *Messenger) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !idRE.MatchString(m.ID) {
		bad("malformed messenger id %q", m.ID)
	}
	if m.Name == "" {
		bad("%s: name is required", m.ID)
	}
	switch m.Kind {
	case KindService, KindClient, KindProtocol:
	default:
		bad("%s: bad kind %q (want service, client or protocol)", m.ID, m.Kind)
	}
	switch m.Status {
	case StatusCurrent, StatusUnknown:
		if m.Ended != "" {
			bad("%s: ended is only for a discontinued messenger", m.ID)
		}
	case StatusDiscontinued:
		if len(m.StatusSources) == 0 {
			bad("%s: discontinued needs status_sources", m.ID)
		}
	default:
		bad("%s: bad status %q (want current, discontinued or unknown)", m.ID, m.Status)
	}
	errs = append(errs, fateProblems(m)...)
	if m.Ended != "" {
		if err := CheckDate(m.Ended); err != nil {
			bad("%s: ended: %v", m.ID, err)
		}
	}
	for _, s := range m.StatusSources {
		if err := CheckURL(s); err != nil {
			bad("%s: status_sources: %v", m.ID, err)
		}
	}
	if m.Website != "" {
		if err := CheckURL(m.Website); err != nil {
			bad("%s: website: %v", m.ID, err)
		}
	}
	if m.Licence == "" || m.Attribution == "" {
		bad("%s: licence and attribution are required", m.ID)
	}
	seen := map[string]bool{}
	for _, c := range m.Claims {
		where := m.ID + " " + c.Criterion
		if _, ok := t.Criterion(c.Criterion); !ok {
			bad("%s: unknown criterion %q", m.ID, c.Criterion)
			continue
		}
		if seen[c.Criterion] {
			bad("%s: claimed twice", where)
		}
		seen[c.Criterion] = true
		if !validValue(c.Value) {
			bad("%s: bad value %q (want yes, partial, no, unknown or n-a)", where, c.Value)
		}
		if strings.TrimSpace(c.Explanation) == "" {
			bad("%s: explanation is required", where)
		}
		if c.Value != Unknown && len(c.Sources) == 0 {
			bad("%s: value %q has no source", where, c.Value)
		}
		for _, s := range c.Sources {
			if err := CheckURL(s); err != nil {
				bad("%s: %v", where, err)
			}
		}
		if c.Checked == "" && len(c.Sources) > 0 {
			bad("%s: a sourced claim needs its checked date", where)
		}
		if c.Checked != "" {
			if err := CheckDate(c.Checked); err != nil {
				bad("%s: checked: %v", where, err)
			}
		}
		for i, d := range c.Disputed {
			dw := fmt.Sprintf("%s: disputed[%d]", where, i)
			switch {
			case !validValue(d.Value) || d.Value == Unknown:
				bad("%s: bad value %q (a dissent must say yes, partial, no or n-a)", dw, d.Value)
			case d.Value == c.Value:
				bad("%s: same value as the claim (%s): not a disagreement", dw, d.Value)
			}
			if strings.TrimSpace(d.Explanation) == "" {
				bad("%s: explanation is required", dw)
			}
			if len(d.Sources) == 0 {
				bad("%s: a dissent needs a source", dw)
			}
			for _, u := range d.Sources {
				if err := CheckURL(u); err != nil {
					bad("%s: %v", dw, err)
				}
			}
			if err := CheckDate(d.Checked); err != nil {
				bad("%s: checked: %v", dw, err)
			}
		}
	}
	for _, cr := range t.Criteria {
		if !seen[cr.ID] {
			bad("%s: no claim for criterion %s", m.ID, cr.ID)
		}
	}
	return errs
}

// ClaimRef names one claim of one messenger.
type ClaimRef struct {
	Messenger string `json:"messenger"`
	Criterion string `json:"criterion"`
	Checked   string `json:"checked"`
}

// IsStale reports whether c was checked more than maxAge before now.
// Claims without a date (unsourced unknowns) are never stale.
// Today is t's date (UTC, midnight): claims are dated by day.
func Today(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func IsStale(c Claim, now time.Time, maxAge time.Duration) bool {
	if c.Checked == "" {
		return false
	}
	d, err := time.Parse(DateLayout, c.Checked)
	if err != nil {
		return false
	}
	return now.Sub(d) > maxAge
}

// Stale lists the claims checked more than maxAge before now, by messenger
// and then taxonomy order.
func (c *Catalogue) Stale(now time.Time, maxAge time.Duration) []ClaimRef {
	var out []ClaimRef
	for _, m := range c.Messengers {
		for _, cr := range c.Taxonomy.Criteria {
			cl, ok := m.Claim(cr.ID)
			if ok && IsStale(cl, now, maxAge) {
				out = append(out, ClaimRef{Messenger: m.ID, Criterion: cr.ID, Checked: cl.Checked})
			}
		}
	}
	return out
}
