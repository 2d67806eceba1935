package clienttest

import (
	"encoding/base64"
	"strings"

	"github.com/imscore/imscore/report"
)

// Redacted replaces the password wherever it appears.
const Redacted = "<redacted>"

// secretForms are the forms the password can take in what a client
// sends or prints: as it is, and in the base64 forms a SASL PLAIN message
// would carry.
func secretForms(password string) []string {
	if password == "" {
		return nil
	}
	forms := []string{password}
	for _, user := range []string{Username, ""} {
		for _, authz := range []string{"", Username} {
			forms = append(forms, base64.StdEncoding.EncodeToString([]byte(authz+"\x00"+user+"\x00"+password)))
		}
	}
	return forms
}

// redactSecret removes the password from s: as it is, and in the base64
// forms a SASL PLAIN message would carry (for a client that sends PLAIN in
// a way the tester did not parse).
func redactSecret(s, password string) string {
	forms := secretForms(password)
	for i, f := range forms {
		if i == 0 {
			s = strings.ReplaceAll(s, f, Redacted)
		} else {
			s = strings.ReplaceAll(s, f, "[PLAIN credentials "+Redacted+"]")
		}
	}
	return s
}

// trimCutSecret removes what a cut may have left of a secret in s, before
// redaction (which only finds whole secrets): with atEnd (s is the head of
// a longer text) the longest end of s that begins one of forms; otherwise
// (s is a tail) the longest start of s that ends one of them.
func trimCutSecret(s string, forms []string, atEnd bool) string {
	cut := 0
	for _, f := range forms {
		for n := min(len(f)-1, len(s)); n > cut; n-- {
			if atEnd && strings.HasSuffix(s, f[:n]) || !atEnd && strings.HasPrefix(s, f[len(f)-n:]) {
				cut = n
				break
			}
		}
	}
	if atEnd {
		return s[:len(s)-cut]
	}
	return s[cut:]
}

// redact applies the session's SASL redactions and removes the password.
func (s *session) redact(str string) string {
	for _, r := range s.redactions {
		if r[0] != "" {
			str = strings.ReplaceAll(str, r[0], r[1])
		}
	}
	// Made visible-safe as every peer text in a report (report.Visible).
	return report.Visible(redactSecret(str, s.srv.password))
}
