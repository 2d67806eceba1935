package clienttest

import (
	"encoding/base64"
	"strings"

	"github.com/imscore/imscore/report"
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
	// Made visible-safe as every peer text in a report (report.Visible).
	return report.Visible(redactSecret(str, s.srv.password))
}
