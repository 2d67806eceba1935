package clienttest

import (
	"strings"

	"github.com/imscore/imscore/probes"
)

// ClientName names the client from what it sent, for the report's target:
// its XEP-0092 answer ("Profanity 0.13.1"), else its caps node, else its
// resource (up to the first dot). It returns "" when the client
// said nothing that names it. Scenario login is asked first.
func ClientName(res probes.Results) string {
	var sessions []*Session
	ids := append([]string{"login"}, IDs()...)
	for _, id := range ids {
		if r, ok := Key(id).OK(res); ok {
			sessions = append(sessions, r.Sessions...)
		}
	}
	for _, s := range sessions {
		if v := s.Version; v != nil && v.Answered && v.Name != "" {
			return safeName(strings.TrimSpace(v.Name + " " + v.Version))
		}
	}
	for _, s := range sessions {
		if s.Caps != "" {
			node, _, _ := strings.Cut(s.Caps, "#")
			node = strings.TrimPrefix(strings.TrimPrefix(node, "https://"), "http://")
			if node != "" {
				return safeName(strings.TrimSuffix(node, "/"))
			}
		}
	}
	for _, s := range sessions {
		if i := strings.LastIndex(s.Bound, "/"); i >= 0 {
			r := s.Bound[i+1:]
			if j := strings.IndexByte(r, '.'); j > 0 {
				r = r[:j]
			}
			if r != "" && !strings.HasPrefix(r, "imscore") {
				return safeName(r)
			}
		}
	}
	return ""
}

// safeName keeps a client-chosen name printable and short.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '/' || r == '\\' {
			continue
		}
		b.WriteRune(r)
	}
	return clip(strings.TrimSpace(b.String()), 64)
}
