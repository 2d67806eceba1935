// Package advisories is imscore's table of security advisories for the
// server software it can recognise from a version disclosure — Prosody,
// ejabberd, Synapse and Dendrite — and the version logic to match a
// disclosed version against it. The table is data (advisories.yaml,
// embedded), loaded strictly: unknown keys, missing fields, unknown
// software, malformed ranges or dates, non-https sources and duplicate IDs
// are errors. Every advisory names its source and its publication date, and
// the table its review date, which reports show: imscore never looks
// advisories up at run time, so an advisory published after that date is
// unknown to it.
package advisories

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed advisories.yaml
var data []byte

// Software names the table knows, with the names servers disclose them by.
var Software = map[string]string{"prosody": "Prosody", "ejabberd": "ejabberd", "synapse": "Synapse", "dendrite": "Dendrite"}

// Severities, worst first; "unrated" when the source gives none.
var Severities = []string{"critical", "high", "medium", "low", "unrated"}

// Range is one affected version range and the release that fixed it.
type Range struct {
	// Range is a space-separated conjunction of comparisons: "<0.12.6",
	// ">=13.0.0 <13.0.5".
	Range string `yaml:"range" json:"range"`
	Fixed string `yaml:"fixed" json:"fixed"`
}

// Advisory is one entry of the table.
type Advisory struct {
	ID        string  `yaml:"id" json:"id"`
	Software  string  `yaml:"software" json:"software"`
	Affected  []Range `yaml:"affected" json:"affected"`
	Severity  string  `yaml:"severity" json:"severity"`
	Title     string  `yaml:"title" json:"title"`
	Source    string  `yaml:"source" json:"source"`
	Published string  `yaml:"published" json:"published"`
	// Note qualifies the entry (a configuration that must be enabled, a
	// range the source does not state).
	Note string `yaml:"note" json:"note,omitempty"`
}

// Table is the whole file.
type Table struct {
	// Reviewed is the date the table was last checked against its sources.
	Reviewed   string     `yaml:"reviewed" json:"reviewed"`
	Advisories []Advisory `yaml:"advisories" json:"advisories"`
}

var (
	once   sync.Once
	loaded *Table
	err    error
)

// Load returns the embedded table (parsed once).
func Load() (*Table, error) {
	once.Do(func() { loaded, err = Parse(data) })
	return loaded, err
}

// Parse reads and validates a table.
func Parse(b []byte) (*Table, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var t Table
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("advisories.yaml: %v", err)
	}
	if _, err := time.Parse(time.DateOnly, t.Reviewed); err != nil {
		return nil, fmt.Errorf("advisories.yaml: reviewed %q is not a date (YYYY-MM-DD)", t.Reviewed)
	}
	seen := map[string]bool{}
	for i, a := range t.Advisories {
		if err := a.validate(t.Reviewed); err != nil {
			return nil, fmt.Errorf("advisories.yaml: advisory %d (%s): %v", i+1, a.ID, err)
		}
		key := a.Software + " " + a.ID
		if seen[key] {
			return nil, fmt.Errorf("advisories.yaml: %s listed twice for %s", a.ID, a.Software)
		}
		seen[key] = true
	}
	return &t, nil
}

func (a Advisory) validate(reviewed string) error {
	switch {
	case a.ID == "" || a.Title == "":
		return fmt.Errorf("id and title are required")
	case Software[a.Software] == "":
		return fmt.Errorf("unknown software %q", a.Software)
	case !slices.Contains(Severities, a.Severity):
		return fmt.Errorf("severity %q (want one of %s)", a.Severity, strings.Join(Severities, ", "))
	case len(a.Affected) == 0:
		return fmt.Errorf("no affected range")
	}
	u, err := url.Parse(a.Source)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("source %q is not an https URL", a.Source)
	}
	p, err := time.Parse(time.DateOnly, a.Published)
	if err != nil {
		return fmt.Errorf("published %q is not a date (YYYY-MM-DD)", a.Published)
	}
	if r, _ := time.Parse(time.DateOnly, reviewed); p.After(r) {
		return fmt.Errorf("published %s after the table was reviewed (%s)", a.Published, reviewed)
	}
	for _, r := range a.Affected {
		cs, err := parseRange(r.Range)
		if err != nil {
			return err
		}
		f, ok := ParseVersion(r.Fixed)
		if !ok {
			return fmt.Errorf("fixed version %q is not a version", r.Fixed)
		}
		if matches(cs, f) {
			return fmt.Errorf("the fixed version %s lies inside its own range %q", r.Fixed, r.Range)
		}
	}
	return nil
}

// Match is an advisory that affects a version, with the range it fell in.
type Match struct {
	Advisory Advisory
	Range    Range
}

// Affecting returns the advisories for software (a key of Software) whose
// ranges contain v, worst severity first, then by ID.
func (t *Table) Affecting(software string, v Version) []Match {
	var out []Match
	for _, a := range t.Advisories {
		if a.Software != software {
			continue
		}
		for _, r := range a.Affected {
			cs, _ := parseRange(r.Range)
			if matches(cs, v) {
				out = append(out, Match{Advisory: a, Range: r})
				break
			}
		}
	}
	slices.SortStableFunc(out, func(x, y Match) int {
		if d := slices.Index(Severities, x.Advisory.Severity) - slices.Index(Severities, y.Advisory.Severity); d != 0 {
			return d
		}
		return strings.Compare(x.Advisory.ID, y.Advisory.ID)
	})
	return out
}

// Count is the number of advisories for software.
func (t *Table) Count(software string) int {
	n := 0
	for _, a := range t.Advisories {
		if a.Software == software {
			n++
		}
	}
	return n
}

// Newest is the latest publication date in the table.
func (t *Table) Newest() string {
	n := ""
	for _, a := range t.Advisories {
		if a.Published > n {
			n = a.Published
		}
	}
	return n
}
