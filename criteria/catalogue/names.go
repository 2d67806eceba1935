package catalogue

import (
	"fmt"
	"strings"
)

// Find returns the messenger whose ID, name or one of whose aliases
// matches q (case-insensitive; spaces, dots, dashes, underscores and
// slashes ignored), so "delta chat", "Delta.Chat" and "delta-chat" all find
// delta-chat, and "element" or "riot" find matrix. IDs and names are
// matched before aliases.
func (c *Catalogue) Find(q string) (*Messenger, bool) {
	k := fold(q)
	if k == "" {
		return nil, false
	}
	for i := range c.Messengers {
		m := &c.Messengers[i]
		if fold(m.ID) == k || fold(m.Name) == k {
			return m, true
		}
	}
	for i := range c.Messengers {
		m := &c.Messengers[i]
		for _, a := range m.Aliases {
			if fold(a) == k {
				return m, true
			}
		}
	}
	return nil, false
}

func fold(s string) string {
	s = strings.ToLower(s)
	return strings.NewReplacer(" ", "", "-", "", ".", "", "_", "", "/", "").Replace(s)
}

// StatusText says in a few words what became of m: "current",
// "discontinued 2015-11-02, merged into Signal", "status unknown".
func (c *Catalogue) StatusText(m *Messenger) string {
	switch m.Status {
	case StatusCurrent:
		return "current"
	case StatusUnknown:
		return "status unknown"
	}
	s := "discontinued"
	if m.Ended != "" {
		s += " " + m.Ended
	}
	if m.Fate == "" {
		return s
	}
	into := m.SuccessorName
	if m.Successor != "" {
		into = m.Successor
		if o, ok := c.Find(m.Successor); ok {
			into = o.Name
		}
	}
	switch m.Fate {
	case FateRenamed:
		return s + ", renamed " + into
	case FateMerged:
		return s + ", merged into " + into
	}
	return s + ", replaced by " + into
}

// fateProblems checks one messenger's fate and aliases on their own; the
// catalogue-wide checks (successor exists, aliases unique) are in
// nameProblems.
func fateProblems(m *Messenger) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch m.Fate {
	case "":
		if m.Successor != "" || m.SuccessorName != "" {
			bad("%s: a successor needs a fate (renamed, merged or replaced)", m.ID)
		}
	case FateRenamed, FateMerged, FateReplaced:
		if m.Status != StatusDiscontinued {
			bad("%s: fate %s is only for a discontinued messenger", m.ID, m.Fate)
		}
		if (m.Successor == "") == (m.SuccessorName == "") {
			bad("%s: fate %s needs exactly one of successor (a catalogue ID) and successor_name", m.ID, m.Fate)
		}
		if m.Successor == m.ID {
			bad("%s: successor is itself", m.ID)
		}
	default:
		bad("%s: bad fate %q (want renamed, merged or replaced)", m.ID, m.Fate)
	}
	for _, a := range m.Aliases {
		if fold(a) == "" || strings.TrimSpace(a) != a || strings.ContainsAny(a, "\t\r\n") {
			bad("%s: bad alias %q", m.ID, a)
		}
	}
	return errs
}

// nameProblems checks what only the whole catalogue can tell: every
// successor is a messenger of the catalogue, and no name people type (ID,
// name, alias) finds two messengers or shadows a protocol name (which
// selects every messenger of that protocol).
func (c *Catalogue) nameProblems() []error {
	var errs []error
	ids := map[string]bool{}
	protocols := map[string]bool{}
	owner := map[string]string{} // folded ID or name → messenger ID
	for _, m := range c.Messengers {
		ids[m.ID] = true
		if m.Protocol != "" {
			protocols[fold(m.Protocol)] = true
		}
		for _, n := range []string{m.ID, m.Name} {
			if o, ok := owner[fold(n)]; ok && o != m.ID {
				errs = append(errs, fmt.Errorf("data/%s.yaml: name %q also names %s", m.ID, n, o))
			}
			owner[fold(n)] = m.ID
		}
	}
	for _, m := range c.Messengers {
		f := "data/" + m.ID + ".yaml"
		if m.Successor != "" && !ids[m.Successor] {
			errs = append(errs, fmt.Errorf("%s: successor %q is not in the catalogue (use successor_name)", f, m.Successor))
		}
		seen := map[string]bool{}
		for _, a := range m.Aliases {
			k := fold(a)
			switch {
			case seen[k]:
				errs = append(errs, fmt.Errorf("%s: alias %q given twice", f, a))
			case owner[k] != "" && owner[k] != m.ID:
				errs = append(errs, fmt.Errorf("%s: alias %q already names %s", f, a, owner[k]))
			case owner[k] == m.ID:
				errs = append(errs, fmt.Errorf("%s: alias %q is already its ID or name", f, a))
			case protocols[k]:
				errs = append(errs, fmt.Errorf("%s: alias %q is a protocol name (it selects every messenger of that protocol)", f, a))
			}
			seen[k] = true
			if owner[k] == "" {
				owner[k] = m.ID + " (alias)"
			}
		}
	}
	return errs
}
