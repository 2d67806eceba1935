package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/imscore/imscore/criteria/catalogue"
	"gopkg.in/yaml.v3"
)

// Research is imscore's own research for the cells SecuChart leaves empty:
// claims and statuses by messenger ID.
type Research struct {
	// Status says, per messenger, what SecuChart does not: what became
	// of a discontinued one.
	Status map[string]StatusInfo
	Claims map[string][]catalogue.Claim
}

// researchFile is one messenger's research, research/ID.yaml.
type researchFile struct {
	Status *StatusInfo       `yaml:"status"`
	Claims []catalogue.Claim `yaml:"claims"`
}

// StatusInfo is what research adds to a messenger's status.
type StatusInfo struct {
	Fate          string   `yaml:"fate"`
	Successor     string   `yaml:"successor"`
	SuccessorName string   `yaml:"successor_name"`
	Sources       []string `yaml:"sources"`
}

func applyStatus(m *catalogue.Messenger, st StatusInfo) {
	m.Fate, m.Successor, m.SuccessorName = st.Fate, st.Successor, st.SuccessorName
	for _, u := range st.Sources {
		if !slices.Contains(m.StatusSources, u) {
			m.StatusSources = append(m.StatusSources, u)
		}
	}
}

// ReadResearch reads the research directory: one file per messenger,
// ID.yaml, strictly (unknown fields are errors). One file per messenger
// lets several people research in parallel without touching one file.
func ReadResearch(dir string) (*Research, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no research files (ID.yaml)", dir)
	}
	r := &Research{Status: map[string]StatusInfo{}, Claims: map[string][]catalogue.Claim{}}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var f researchFile
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		id := strings.TrimSuffix(filepath.Base(path), ".yaml")
		r.Claims[id] = f.Claims
		if f.Status != nil {
			r.Status[id] = *f.Status
		}
	}
	return r, nil
}
