package batch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const secret = "s3cr3t-Pa55word!"

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadCredentials(t *testing.T) {
	pwFile := writeFile(t, "pw", secret+"\nsecond line\n")
	path := writeFile(t, "creds.yaml", fmt.Sprintf(`
- target: xmpp:Example.org
  account: scanner@example.org
  password_file: %s
  active: true
- target: matrix:example.org
  account: "@scanner:example.org"
  password_env: MATRIX_PW
- target: xmpp:other.example
  active: true
- target: matrix:inline.example
  account: "@me:inline.example"
  password: inline-pw
`, pwFile))
	env := func(k string) string {
		if k == "MATRIX_PW" {
			return secret
		}
		return ""
	}
	got, err := LoadCredentials(path, env)
	if err != nil {
		t.Fatal(err)
	}
	x := got["xmpp:example.org"]
	if x.Creds == nil || x.Creds.Account != "scanner@example.org" || x.Creds.Password != secret || !x.Active {
		t.Errorf("xmpp: %+v", x)
	}
	if m := got["matrix:example.org"]; m.Creds == nil || m.Creds.Password != secret || m.Active {
		t.Errorf("matrix: %+v", m)
	}
	if o := got["xmpp:other.example"]; o.Creds != nil || !o.Active {
		t.Errorf("active only: %+v", o)
	}
	if i := got["matrix:inline.example"]; i.Creds == nil || i.Creds.Password != "inline-pw" {
		t.Errorf("inline: %+v", i)
	}
	// Printing the map never shows a password.
	if s := fmt.Sprintf("%v %+v %#v", got, got, got); strings.Contains(s, secret) || strings.Contains(s, "inline-pw") {
		t.Errorf("a password is printed: %s", s)
	}
}

// No error message quotes a password, wherever the file puts it.
func TestLoadCredentialsErrors(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"- target: xmpp:example.org\n  account: a@example.org\n  password: " + secret + "\n  password_env: X\n", "needs exactly one of"},
		{"- target: xmpp:example.org\n  account: a@example.org\n  active: " + secret + "\n", "active: want true or false"},
		{"- target: xmpp:example.org\n  passwd: " + secret + "\n", `unknown key "passwd"`},
		{"- target: xmpp:example.org\n  account: a@other.example\n  password: " + secret + "\n", "is not an account of example.org"},
		{"- target: matrix:example.org\n  account: a@example.org\n  password: " + secret + "\n", "want a Matrix user ID"},
		{"- target: matrix:example.org\n  account: \"@a:other.example\"\n  password: " + secret + "\n", "is not an account of example.org"},
		{"- target: tls:example.org:443\n  account: a\n  password: " + secret + "\n", "tls targets do not log in"},
		{"- target: example.org\n  password: " + secret + "\n", "want KIND:NAME"},
		{"- target: xmpp:example.org\n  password: " + secret + "\n", "a password without an account"},
		{"- target: xmpp:example.org\n", "neither an account nor active: true"},
		{"- target: xmpp:example.org\n  account: a@example.org\n  password_env: UNSET_VAR\n", "password_env UNSET_VAR is not set"},
		{"- target: xmpp:example.org\n  active: true\n- target: xmpp:example.org\n  active: true\n", "xmpp:example.org has a second entry"},
		{"- target: xmpp:example.org\n  account: a@example.org\n  password: [" + secret + "]\n", "password: want a single value"},
		{"target: xmpp:example.org\n", "want a list of entries"},
		{"- target: xmpp:example.org\n  account: a@example.org\n  password: \"" + secret + "\n", "yaml: "},
	}
	for _, c := range cases {
		path := writeFile(t, "c.yaml", c.yaml)
		_, err := LoadCredentials(path, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.yaml, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error quotes the password: %v", err)
		}
		if !strings.HasPrefix(err.Error(), path+":") {
			t.Errorf("the error does not name the file: %v", err)
		}
	}
	big := writeFile(t, "big.yaml", strings.Repeat("#", MaxCredentialsBytes+1))
	if _, err := LoadCredentials(big, nil); err == nil || !strings.Contains(err.Error(), "not a credentials file") {
		t.Errorf("big file: %v", err)
	}
	if got, err := LoadCredentials(writeFile(t, "empty.yaml", ""), nil); err != nil || len(got) != 0 {
		t.Errorf("empty file: %v %v", got, err)
	}
}
