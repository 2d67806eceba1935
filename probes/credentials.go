package probes

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
)

// Credentials are the account a logged-in scan uses (--account with the
// password from $IMSCORE_PASSWORD or --password-file). The password never
// leaves this value: it is not printed by String or %v, not marshalled to
// JSON, and probes must run Redact over every evidence sample that could
// carry it.
type Credentials struct {
	Account  string `json:"account"`
	Password string `json:"-"`
}

// String shows the account only.
func (c Credentials) String() string { return c.Account + " (password redacted)" }

// GoString keeps %#v from printing the password.
func (c Credentials) GoString() string { return c.String() }

// Format keeps every verb (%v, %+v, %s, %q…) from printing the password.
func (c Credentials) Format(f fmt.State, verb rune) { fmt.Fprint(f, c.String()) }

// Redact replaces every occurrence of the password in s. Probes call it on
// evidence samples that include what was sent or echoed back.
func (c *Credentials) Redact(s string) string {
	if c == nil || c.Password == "" {
		return s
	}
	// The password as sent and as a server may echo it: XML/HTML-escaped
	// (both apostrophe forms), JSON-escaped, URL-encoded.
	forms := []string{c.Password, html.EscapeString(c.Password),
		strings.ReplaceAll(html.EscapeString(c.Password), "&#39;", "&apos;"),
		url.QueryEscape(c.Password), url.PathEscape(c.Password)}
	if b, err := json.Marshal(c.Password); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	for _, f := range forms {
		if f != "" {
			s = strings.ReplaceAll(s, f, "[redacted]")
		}
	}
	return s
}
