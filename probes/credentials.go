package probes

import (
	"fmt"
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
	return strings.ReplaceAll(s, c.Password, "[redacted]")
}
