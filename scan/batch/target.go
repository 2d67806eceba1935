package batch

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/publicsuffix"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/xmpp"
)

// Kinds of target.
const (
	KindXMPP   = "xmpp"
	KindMatrix = "matrix"
	KindTLS    = "tls"
)

// Target is one entry of a list.
type Target struct {
	// Kind is xmpp, matrix or tls; Name the XMPP domain, the Matrix server
	// name or HOST:PORT, normalised (lower case, no trailing dot).
	Kind, Name string
	// Source is where the entry is: "FILE:LINE".
	Source string
	// Claims are what the list states about the server that imscore
	// measures.
	Claims []Claim
	// Skip, when set, is why the target is not scanned (the provider does
	// not consent to testing).
	Skip string
}

// Key identifies the target: "kind:name".
func (t Target) Key() string { return t.Kind + ":" + t.Name }

// String is the key.
func (t Target) String() string { return t.Key() }

// Host is the host name or IP address the target's name starts from.
func (t Target) Host() string {
	switch t.Kind {
	case KindTLS:
		h, _, _ := tls.ParseHostPort(t.Name, 443)
		return h
	case KindMatrix:
		if sn, err := matrix.ParseServerName(t.Name); err == nil {
			return sn.Host
		}
	}
	return strings.Trim(t.Name, "[]")
}

// Domain is what the minimum gap between scans is counted by: the
// registrable domain of the host (example.org for xmpp.example.org, by the
// public suffix list), or the host itself (an IP address, a name under a
// suffix the list does not know).
func (t Target) Domain() string {
	h := t.Host()
	if _, err := netip.ParseAddr(h); err == nil {
		return h
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
		return d
	}
	return h
}

// Claim is one statement of a list about a server, to compare with the
// measurement (see Compare).
type Claim struct {
	// Key: registration, software, upload-size, captcha, email, tls-c2s,
	// tls-s2s.
	Key string
	// Value: a bool (registration, captcha, email), a string (software;
	// a grade for tls-c2s/tls-s2s) or an int (upload-size in MB, 0 for no
	// limit).
	Value any
	// Source is where the list says the statement comes from, if it says.
	Source string
}

// NewTarget checks name for kind and normalises it. The error is one
// line, without the list's position (the caller adds it).
func NewTarget(kind, name string) (Target, error) {
	name = strings.TrimSpace(name)
	if err := plainName(name); err != nil {
		return Target{}, err
	}
	switch strings.ToLower(kind) {
	case KindXMPP:
		d, err := xmpp.ParseDomain(name)
		if err != nil {
			return Target{}, err
		}
		return Target{Kind: KindXMPP, Name: d}, nil
	case KindMatrix:
		n := strings.ToLower(strings.TrimSuffix(name, "."))
		if _, err := matrix.ParseServerName(n); err != nil {
			return Target{}, err
		}
		return Target{Kind: KindMatrix, Name: n}, nil
	case KindTLS:
		h, p, err := tls.ParseHostPort(name, 443)
		if err != nil {
			return Target{}, err
		}
		if !strings.Contains(name, ":") || (strings.HasPrefix(name, "[") && strings.HasSuffix(name, "]")) {
			return Target{}, fmt.Errorf("%q: want HOST:PORT", name)
		}
		if a, err := netip.ParseAddr(h); err == nil {
			h = a.String()
		}
		return Target{Kind: KindTLS, Name: net.JoinHostPort(strings.ToLower(h), strconv.Itoa(p))}, nil
	}
	return Target{}, fmt.Errorf("unknown kind %q (want xmpp, matrix or tls)", kind)
}

// maxName bounds a target's name (a DNS name has at most 253 characters;
// HOST:PORT and [IPv6]:PORT a few more).
const maxName = 262

// plainName refuses names a terminal or a file system could misread:
// control, space, format (bidi) and other invisible characters, and
// anything too long for a host name.
func plainName(s string) error {
	if s == "" {
		return fmt.Errorf("empty name")
	}
	if len(s) > maxName {
		return fmt.Errorf("name of %d bytes: too long for a host name", len(s))
	}
	for _, r := range s {
		if r == unicode.ReplacementChar || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) ||
			!unicode.IsPrint(r) || strings.ContainsRune(`/\@"'<>`, r) {
			return fmt.Errorf("name %q has a character no host name has (%U)", s, r)
		}
	}
	return nil
}
