package clienttest

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Redacted replaces the password wherever it appears.
const Redacted = "<redacted>"

// redactSecret removes the password from s: as it is, and in the base64
// forms a SASL PLAIN message would carry (for a client that sends PLAIN in
// a way the tester did not parse).
func redactSecret(s, password string) string {
	if password == "" {
		return s
	}
	s = strings.ReplaceAll(s, password, Redacted)
	for _, user := range []string{Username, ""} {
		for _, authz := range []string{"", Username} {
			b := base64.StdEncoding.EncodeToString([]byte(authz + "\x00" + user + "\x00" + password))
			s = strings.ReplaceAll(s, b, "[PLAIN credentials "+Redacted+"]")
		}
	}
	return s
}

// redact applies the session's SASL redactions and removes the password.
func (s *session) redact(str string) string {
	for _, r := range s.redactions {
		if r[0] != "" {
			str = strings.ReplaceAll(str, r[0], r[1])
		}
	}
	return printableBlock(redactSecret(str, s.srv.password))
}

// printableBlock makes text safe to show: invalid UTF-8 and control
// characters other than newline and tab become \xNN (a client that sent
// binary, e.g. TLS where XML was expected, shows as escapes).
func printableBlock(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}
