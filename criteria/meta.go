// Package criteria judges observations: every criterion is a pure function
// of the probes' results (an Evaluator, no I/O, no clock) plus its metadata
// (title, why it matters, how it is measured, what each status means,
// references, the fix per server software — or per client and library for
// the xmpp-client criteria — weight, severity, grade caps),
// and the package turns the verdicts into a scored, graded report.
//
// Criteria are kept by concern in three files side by side, as OpenSSF
// Scorecard keeps def.yml, impl.go and impl_test.go: NAME.yaml (metadata,
// embedded), NAME.go (the evaluators and the []binding that ties each ID to
// its evaluator) and NAME_test.go (the table-test cases). table.go lists
// every concern once; the loader refuses metadata without an evaluator, an
// evaluator without metadata, an unknown area or key (areas.yaml names the
// areas), and a test refuses a criterion without a table case.
// `imscore criteria` and `imscore explain` read the same metadata.
//
// Evaluate runs the criteria that apply to a target kind; combine.go takes
// the worst endpoint of a multi-endpoint target and cites its evidence;
// score.go computes area scores, caps and the grade with integer
// arithmetic; Assemble builds the report.
package criteria

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/imscore/imscore/report"
)

//go:embed *.yaml
var dataFS embed.FS

// CapRule caps the overall grade when a criterion ends with status On.
type CapRule struct {
	On     report.Status `yaml:"on" json:"on"`
	Grade  string        `yaml:"grade" json:"grade"`
	Reason string        `yaml:"reason" json:"reason"`
}

// Meta is a criterion's metadata.
type Meta struct {
	ID string `yaml:"id" json:"id"`
	// Area is one of the areas of areas.yaml.
	Area  string `yaml:"area" json:"area"`
	Title string `yaml:"title" json:"title"`
	// Severity of a failure: critical, high, medium, low, info.
	Severity string `yaml:"severity" json:"severity"`
	// Weight in the area score (points for a pass).
	Weight int `yaml:"weight" json:"weight"`
	// Targets: the kinds of target the criterion applies to (tls, xmpp,
	// matrix; xmpp-client for a client test).
	Targets []string `yaml:"targets" json:"targets"`
	Why     string   `yaml:"why" json:"why"`
	How     string   `yaml:"how" json:"how"`
	// Statuses documents what each status means for this criterion.
	Statuses    map[string]string  `yaml:"statuses" json:"statuses"`
	References  []report.Reference `yaml:"references" json:"references"`
	Remediation map[string]string  `yaml:"remediation" json:"remediation"`
	Caps        []CapRule          `yaml:"caps" json:"caps,omitempty"`
}

// metaFile is one criteria file (NAME.yaml beside NAME.go).
type metaFile struct {
	Criteria []Meta `yaml:"criteria"`
}

// AreaInfo names an area.
type AreaInfo struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
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

// ClientRemediationKeys are the names a client criterion's remediation may
// be given for: the clients imscore is tested on and the XMPP libraries
// they use, where the fix belongs in the library.
var ClientRemediationKeys = []string{"general", "go-sendxmpp", "go-xmpp", "profanity", "libstrophe", "mcabber", "loudmouth", "poezio", "slixmpp"}

// AllRemediationKeys lists every remediation key once, servers first, in
// the order they are shown.
func AllRemediationKeys() []string {
	out := slices.Clone(RemediationKeys)
	for _, k := range ClientRemediationKeys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// ClientKind is the target kind of a client test (imscore test-client xmpp).
const ClientKind = "xmpp-client"

// remediationKeysFor are the keys allowed for a criterion with targets.
func remediationKeysFor(targets []string) []string {
	if slices.Contains(targets, ClientKind) {
		return ClientRemediationKeys
	}
	return RemediationKeys
}

func load() {
	loaded, areas, loadErr = loadFS(dataFS, concerns)
}

// loadFS reads areas.yaml and, for every concern, NAME.yaml, strictly
// (unknown keys are errors), and checks that each file defines exactly the
// criteria its Go file binds, each once, in a known area.
func loadFS(fsys fs.FS, cs []concern) ([]Meta, []AreaInfo, error) {
	var af struct {
		Areas []AreaInfo `yaml:"areas"`
	}
	if err := decodeFile(fsys, "areas.yaml", &af); err != nil {
		return nil, nil, err
	}
	known := map[string]bool{}
	for _, a := range af.Areas {
		if a.ID == "" || a.Title == "" || known[a.ID] {
			return nil, nil, fmt.Errorf("areas.yaml: area %q: id and title required, once each", a.ID)
		}
		known[a.ID] = true
	}
	var all []Meta
	seen := map[string]string{}
	for _, c := range cs {
		file := c.Name + ".yaml"
		var mf metaFile
		if err := decodeFile(fsys, file, &mf); err != nil {
			return nil, nil, err
		}
		bound := map[string]bool{}
		for _, b := range c.Criteria {
			bound[b.ID] = true
		}
		for _, m := range mf.Criteria {
			if err := validate(m); err != nil {
				return nil, nil, fmt.Errorf("%s: %v", file, err)
			}
			if !known[m.Area] {
				return nil, nil, fmt.Errorf("%s: criterion %s: unknown area %q (see areas.yaml)", file, m.ID, m.Area)
			}
			if prev, dup := seen[m.ID]; dup {
				return nil, nil, fmt.Errorf("%s: criterion %s defined twice (also in %s)", file, m.ID, prev)
			}
			seen[m.ID] = file
			if !bound[m.ID] {
				return nil, nil, fmt.Errorf("%s: criterion %s has no evaluator in %s.go", file, m.ID, c.Name)
			}
			delete(bound, m.ID)
			for k, v := range m.Remediation {
				m.Remediation[k] = strings.TrimSpace(v)
			}
			m.Why = strings.TrimSpace(m.Why)
			m.How = strings.TrimSpace(m.How)
			all = append(all, m)
		}
		for _, b := range c.Criteria {
			if bound[b.ID] {
				return nil, nil, fmt.Errorf("%s.go: evaluator %s has no metadata in %s", c.Name, b.ID, file)
			}
		}
	}
	slices.SortFunc(all, func(a, b Meta) int { return strings.Compare(a.ID, b.ID) })
	return all, af.Areas, nil
}

func decodeFile(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
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
		if !slices.Contains(remediationKeysFor(m.Targets), k) {
			return fmt.Errorf("criterion %s: unknown remediation key %q", m.ID, k)
		}
	}
	if !slices.Contains(Severities, m.Severity) {
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

// All returns every criterion's metadata, sorted by ID.
func All() ([]Meta, error) {
	loadOnce.Do(load)
	return loaded, loadErr
}

// Areas returns the areas in the order of areas.yaml.
func Areas() []AreaInfo {
	loadOnce.Do(load)
	return areas
}

// Lookup returns the metadata of id.
func Lookup(id string) (Meta, bool) {
	all, _ := All()
	if i, ok := slices.BinarySearchFunc(all, id, func(m Meta, id string) int { return strings.Compare(m.ID, id) }); ok {
		return all[i], true
	}
	return Meta{}, false
}
