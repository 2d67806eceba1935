// Package criteria holds imscore's criteria catalogue and scoring.
//
// Each criterion's metadata (title, why it matters, how it is measured,
// references, remediation per server software, weight, severity, grade caps)
// lives in an embedded YAML file per area under data/. Evaluators are pure Go
// functions of the probes' observations, bound to the metadata by ID; a test
// fails when either side is missing. `imscore criteria` and `imscore explain`
// read the same data.
package criteria

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/imscore/imscore/report"
)

//go:embed data/*.yaml
var dataFS embed.FS

// CapRule caps the overall grade when a criterion ends with status On.
type CapRule struct {
	On     report.Status `yaml:"on" json:"on"`
	Grade  string        `yaml:"grade" json:"grade"`
	Reason string        `yaml:"reason" json:"reason"`
}

// Meta is a criterion's metadata.
type Meta struct {
	ID    string `yaml:"id" json:"id"`
	Area  string `yaml:"-" json:"area"`
	Title string `yaml:"title" json:"title"`
	// Severity of a failure: critical, high, medium, low, info.
	Severity string `yaml:"severity" json:"severity"`
	// Weight in the area score (points for a pass).
	Weight int `yaml:"weight" json:"weight"`
	// Targets: the scan kinds the criterion applies to (tls, xmpp, matrix).
	Targets []string `yaml:"targets" json:"targets"`
	Why     string   `yaml:"why" json:"why"`
	How     string   `yaml:"how" json:"how"`
	// Statuses documents what each status means for this criterion.
	Statuses    map[string]string  `yaml:"statuses" json:"statuses"`
	References  []report.Reference `yaml:"references" json:"references"`
	Remediation map[string]string  `yaml:"remediation" json:"remediation"`
	Caps        []CapRule          `yaml:"caps" json:"caps,omitempty"`
}

type areaFile struct {
	Area     string `yaml:"area"`
	Title    string `yaml:"title"`
	Criteria []Meta `yaml:"criteria"`
}

// AreaInfo names an area.
type AreaInfo struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

var (
	loadOnce sync.Once
	loaded   []Meta
	areas    []AreaInfo
	loadErr  error
)

// Severities in order.
var Severities = []string{"critical", "high", "medium", "low", "info"}

// RemediationKeys are the software names a remediation may be given for.
var RemediationKeys = []string{"general", "nginx", "prosody", "ejabberd", "synapse", "dendrite"}

func load() {
	files, err := fs.Glob(dataFS, "data/*.yaml")
	if err != nil {
		loadErr = err
		return
	}
	sort.Strings(files)
	seen := map[string]bool{}
	for _, f := range files {
		b, err := dataFS.ReadFile(f)
		if err != nil {
			loadErr = err
			return
		}
		var af areaFile
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&af); err != nil {
			loadErr = fmt.Errorf("%s: %v", f, err)
			return
		}
		// Several files may add criteria to one area (tls.yaml and
		// xmpp-tls.yaml): list each area once, with its first title.
		known := false
		for _, a := range areas {
			known = known || a.ID == af.Area
		}
		if !known {
			areas = append(areas, AreaInfo{ID: af.Area, Title: af.Title})
		}
		for _, m := range af.Criteria {
			m.Area = af.Area
			if err := validate(m); err != nil {
				loadErr = fmt.Errorf("%s: %v", f, err)
				return
			}
			if seen[m.ID] {
				loadErr = fmt.Errorf("%s: criterion %s defined twice", f, m.ID)
				return
			}
			seen[m.ID] = true
			for k, v := range m.Remediation {
				m.Remediation[k] = strings.TrimSpace(v)
			}
			m.Why = strings.TrimSpace(m.Why)
			m.How = strings.TrimSpace(m.How)
			loaded = append(loaded, m)
		}
	}
	sort.Slice(loaded, func(i, j int) bool { return loaded[i].ID < loaded[j].ID })
	sort.SliceStable(areas, func(i, j int) bool { return areaRank(areas[i].ID) < areaRank(areas[j].ID) })
}

// AreaOrder is the order areas appear in reports (DESIGN.md); areas not
// listed follow, in file order.
var AreaOrder = []string{"tls", "e2ee", "forward-secrecy", "metadata", "federation", "compliance"}

func areaRank(id string) int {
	for i, a := range AreaOrder {
		if a == id {
			return i
		}
	}
	return len(AreaOrder)
}

func validate(m Meta) error {
	if m.ID == "" || m.Title == "" || strings.TrimSpace(m.Why) == "" || strings.TrimSpace(m.How) == "" {
		return fmt.Errorf("criterion %q: id, title, why and how are required", m.ID)
	}
	if len(m.References) == 0 {
		return fmt.Errorf("criterion %s: at least one reference is required", m.ID)
	}
	if m.Remediation["general"] == "" {
		return fmt.Errorf("criterion %s: remediation.general is required", m.ID)
	}
	for k := range m.Remediation {
		if !contains(RemediationKeys, k) {
			return fmt.Errorf("criterion %s: unknown remediation key %q", m.ID, k)
		}
	}
	if !contains(Severities, m.Severity) {
		return fmt.Errorf("criterion %s: bad severity %q", m.ID, m.Severity)
	}
	if m.Weight < 0 || m.Weight > 100 {
		return fmt.Errorf("criterion %s: weight %d out of range", m.ID, m.Weight)
	}
	if len(m.Targets) == 0 {
		return fmt.Errorf("criterion %s: targets required", m.ID)
	}
	for _, c := range m.Caps {
		if report.GradeRank(c.Grade) < 0 || c.Reason == "" {
			return fmt.Errorf("criterion %s: bad cap %+v", m.ID, c)
		}
		switch c.On {
		case report.Fail, report.Warn:
		default:
			return fmt.Errorf("criterion %s: cap on %q (only fail or warn)", m.ID, c.On)
		}
	}
	return nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// All returns every criterion's metadata, sorted by ID.
func All() ([]Meta, error) {
	loadOnce.Do(load)
	return loaded, loadErr
}

// Areas returns the areas in file order.
func Areas() []AreaInfo {
	loadOnce.Do(load)
	return areas
}

// Lookup returns the metadata of id.
func Lookup(id string) (Meta, bool) {
	all, _ := All()
	i := sort.Search(len(all), func(i int) bool { return all[i].ID >= id })
	if i < len(all) && all[i].ID == id {
		return all[i], true
	}
	return Meta{}, false
}
