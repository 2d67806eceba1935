package probes

import (
	"fmt"
	"sort"
	"strings"
)

// Registry is the set of probes of one scan. It is a value: build one per
// scan; there is no global registry.
type Registry struct {
	byID  map[ID]Probe
	order []ID
}

// NewRegistry returns a registry holding ps. It fails on duplicate IDs.
func NewRegistry(ps ...Probe) (*Registry, error) {
	r := &Registry{byID: map[ID]Probe{}}
	for _, p := range ps {
		if err := r.Add(p); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Add registers p.
func (r *Registry) Add(p Probe) error {
	if r.byID == nil {
		r.byID = map[ID]Probe{}
	}
	id := p.ID()
	if id == "" {
		return fmt.Errorf("probe with empty ID")
	}
	if _, dup := r.byID[id]; dup {
		return fmt.Errorf("probe %q registered twice", id)
	}
	r.byID[id] = p
	r.order = append(r.order, id)
	return nil
}

// Len is the number of probes.
func (r *Registry) Len() int { return len(r.order) }

// Probe returns the probe with the given ID.
func (r *Registry) Probe(id ID) (Probe, bool) {
	p, ok := r.byID[id]
	return p, ok
}

// inputs lists the probes id runs after: the required ones and the
// optional ones (see optional), without duplicates.
func (r *Registry) inputs(id ID) []ID {
	p := r.byID[id]
	out := append([]ID(nil), p.Requires()...)
	seen := map[ID]bool{}
	for _, d := range out {
		seen[d] = true
	}
	for _, d := range r.optional(id) {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// optional lists the registered optional inputs of id (see Optional): for
// a Final probe, every probe that is not Final.
func (r *Registry) optional(id ID) []ID {
	p := r.byID[id]
	var out []ID
	if IsFinal(p) {
		for _, d := range r.order {
			if !IsFinal(r.byID[d]) {
				out = append(out, d)
			}
		}
		return out
	}
	for _, d := range WantedBy(p) {
		if _, ok := r.byID[d]; ok {
			out = append(out, d)
		}
	}
	return out
}

// Order returns the probe IDs in a dependency order (every probe after the
// probes it requires; ties by ID), or an error naming a missing dependency
// or a cycle.
func (r *Registry) Order() ([]ID, error) {
	for _, id := range r.order {
		for _, d := range r.byID[id].Requires() {
			if _, ok := r.byID[d]; !ok {
				return nil, fmt.Errorf("probe %q requires unknown probe %q", id, d)
			}
		}
	}
	indeg := map[ID]int{}
	users := map[ID][]ID{}
	for _, id := range r.order {
		indeg[id] += 0
		for _, d := range r.inputs(id) {
			indeg[id]++
			users[d] = append(users[d], id)
		}
	}
	var ready []ID
	for id, n := range indeg {
		if n == 0 {
			ready = append(ready, id)
		}
	}
	var out []ID
	for len(ready) > 0 {
		sort.Slice(ready, func(i, j int) bool { return ready[i] < ready[j] })
		id := ready[0]
		ready = ready[1:]
		out = append(out, id)
		for _, u := range users[id] {
			indeg[u]--
			if indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(out) != len(r.order) {
		var stuck []string
		for id, n := range indeg {
			if n > 0 {
				stuck = append(stuck, string(id))
			}
		}
		sort.Strings(stuck)
		return nil, fmt.Errorf("probe dependency cycle among: %s", strings.Join(stuck, ", "))
	}
	return out, nil
}
