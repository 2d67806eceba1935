package batch

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/xmpp"
)

// Credentials file (`imscore batch --credentials FILE`): the logged-in
// and active checks per target, a YAML list.
//
//	- target: xmpp:example.org
//	  account: scanner@example.org
//	  password_file: /run/secrets/example.org   # or password_env: NAME, or password: …
//	  active: true        # this is our own server: --active for this target only
//	- target: matrix:example.org
//	  active: true
//
// Each entry names one target of the list; account needs exactly one of
// password_file, password_env and password. The password is read once and
// kept in probes.Credentials, which never prints it; no error message
// quotes a value of the file other than target and account.

// Access is what a batch may do at one target beyond the anonymous scan.
type Access struct {
	// Creds logs in (nil: no account).
	Creds *probes.Credentials
	// Active runs the active tests (registration proof, login rate limit):
	// only where the file says so.
	Active bool
}

// MaxCredentialsBytes bounds a credentials file.
const MaxCredentialsBytes = 1 << 20

// LoadCredentials reads a credentials file; getenv reads password_env
// (os.Getenv when nil). The result maps target keys ("xmpp:example.org")
// to their access.
func LoadCredentials(path string, getenv func(string) string) (map[string]Access, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxCredentialsBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(data) > MaxCredentialsBytes {
		return nil, fmt.Errorf("%s: larger than %d KiB, not a credentials file", path, MaxCredentialsBytes>>10)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if err == io.EOF {
			return map[string]Access{}, nil
		}
		// yaml.v3's syntax errors name a line and never quote values.
		return nil, fmt.Errorf("%s: %v", path, firstLine(err.Error()))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: want a list of entries (- target: xmpp:example.org …)", path, root.Line)
	}
	out := map[string]Access{}
	for _, item := range root.Content {
		key, acc, err := credentialEntry(item, getenv)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, item.Line, err)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%s:%d: %s has a second entry", path, item.Line, key)
		}
		out[key] = acc
	}
	return out, nil
}

func credentialEntry(n *yaml.Node, getenv func(string) string) (string, Access, error) {
	if n.Kind != yaml.MappingNode {
		return "", Access{}, fmt.Errorf("want an entry with target, account, password_file|password_env|password, active")
	}
	fields := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "target", "account", "password_file", "password_env", "password", "active":
		default:
			return "", Access{}, fmt.Errorf("unknown key %q (want target, account, password_file, password_env, password, active)", clip(k.Value))
		}
		if v.Kind != yaml.ScalarNode {
			return "", Access{}, fmt.Errorf("%s: want a single value", k.Value)
		}
		if _, dup := fields[k.Value]; dup {
			return "", Access{}, fmt.Errorf("%s given twice", k.Value)
		}
		fields[k.Value] = v.Value
	}
	kind, name, ok := strings.Cut(fields["target"], ":")
	if !ok {
		return "", Access{}, fmt.Errorf("target %q: want KIND:NAME as in the list (xmpp:example.org)", clip(fields["target"]))
	}
	t, err := NewTarget(kind, name)
	if err != nil {
		return "", Access{}, fmt.Errorf("target: %v", err)
	}
	var acc Access
	switch strings.ToLower(fields["active"]) {
	case "", "false", "no":
	case "true", "yes":
		acc.Active = true
	default:
		return "", Access{}, fmt.Errorf("active: want true or false")
	}
	sources := 0
	for _, k := range []string{"password_file", "password_env", "password"} {
		if _, ok := fields[k]; ok {
			sources++
		}
	}
	account := fields["account"]
	if account == "" {
		if sources > 0 {
			return "", Access{}, fmt.Errorf("a password without an account")
		}
		if !acc.Active {
			return "", Access{}, fmt.Errorf("neither an account nor active: true")
		}
		return t.Key(), acc, nil
	}
	if t.Kind == KindTLS {
		return "", Access{}, fmt.Errorf("tls targets do not log in")
	}
	if sources != 1 {
		return "", Access{}, fmt.Errorf("account %s needs exactly one of password_file, password_env and password", clip(account))
	}
	var pw string
	switch {
	case fields["password_file"] != "":
		if pw, err = readPasswordFile(fields["password_file"]); err != nil {
			return "", Access{}, err
		}
	case fields["password_env"] != "":
		if pw = getenv(fields["password_env"]); pw == "" {
			return "", Access{}, fmt.Errorf("password_env %s is not set", clip(fields["password_env"]))
		}
	default:
		pw = fields["password"]
	}
	if pw == "" {
		return "", Access{}, fmt.Errorf("account %s: empty password", clip(account))
	}
	acc.Creds = &probes.Credentials{Account: account, Password: pw}
	switch t.Kind {
	case KindXMPP:
		if _, err := xmpp.ParseAccount(account, t.Name); err != nil {
			return "", Access{}, err
		}
	case KindMatrix:
		if _, server, err := matrix.ParseUserID(account); err != nil {
			return "", Access{}, fmt.Errorf("account: %v (want a Matrix user ID, @user:example.org)", err)
		} else if sn, _ := matrix.ParseServerName(t.Name); !strings.EqualFold(server.Host, sn.Host) {
			return "", Access{}, fmt.Errorf("account %s is not an account of %s", clip(account), t.Name)
		}
	}
	return t.Key(), acc, nil
}

// readPasswordFile reads the first line of a password file (at most 4
// KiB, like --password-file).
func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("password_file: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4097))
	if err != nil {
		return "", fmt.Errorf("password_file: %v", err)
	}
	if len(b) > 4096 {
		return "", fmt.Errorf("password_file %s: larger than 4 KiB, not a password file", path)
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(pw, "\r"), nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
