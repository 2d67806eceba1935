package matrix

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func TestParseServerName(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		host string
		port int
		ip   bool
	}{
		{"example.org", true, "example.org", 0, false},
		{"Example.ORG:8448", true, "Example.ORG", 8448, false},
		{"matrix-1.example.org:443", true, "matrix-1.example.org", 443, false},
		{"localhost", true, "localhost", 0, false},
		{"1.2.3.4", true, "1.2.3.4", 0, true},
		{"1.2.3.4:1234", true, "1.2.3.4", 1234, true},
		{"[1234:5678::abcd]", true, "1234:5678::abcd", 0, true},
		{"[1234:5678::abcd]:5678", true, "1234:5678::abcd", 5678, true},
		{"[::ffff:1.2.3.4]", true, "::ffff:1.2.3.4", 0, true},
		{"1.2.3", true, "1.2.3", 0, false}, // a dns-name by the grammar
		{"", false, "", 0, false},
		{"example.org:", false, "", 0, false},
		{"example.org:0", false, "", 0, false},
		{"example.org:65536", false, "", 0, false},
		{"example.org:123456", false, "", 0, false},
		{"example.org:+80", false, "", 0, false},
		{"example.org:8x", false, "", 0, false},
		{"exa_mple.org", false, "", 0, false},
		{"exämple.org", false, "", 0, false},
		{"https://example.org", false, "", 0, false},
		{"@alice:example.org", false, "", 0, false},
		{"1234:5678::abcd", false, "", 0, false},
		{"[1234:5678::abcd", false, "", 0, false},
		{"[1234:5678::abcd]x", false, "", 0, false},
		{"[1234:5678::abcd]:", false, "", 0, false},
		{"[1.2.3.4]", false, "", 0, false},
		{"[fe80::1%eth0]", false, "", 0, false},
		{"999.1.1.1", false, "", 0, false},
		{"example.org:80:80", false, "", 0, false},
		{strings.Repeat("a", 256), false, "", 0, false},
	}
	for _, c := range cases {
		sn, err := ParseServerName(c.in)
		if (err == nil) != c.ok {
			t.Errorf("%q: err %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if c.ok && (sn.Host != c.host || sn.Port != c.port || sn.IP != c.ip) {
			t.Errorf("%q: got %+v", c.in, sn)
		}
		if c.ok && sn.String() != c.in {
			t.Errorf("%q: String() = %q", c.in, sn.String())
		}
	}
}

// canonical is an independent canonical JSON encoder (sorted keys, no
// whitespace, no HTML escaping) for values from encoding/json.
func canonical(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// signedKeys builds a key response for server signed by priv under keyID,
// with an extra (unknown) property so that verification must use the raw
// document, and applies mutate to the object after signing.
func signedKeys(t testing.TB, server, keyID string, priv ed25519.PrivateKey, validUntil int64, mutate func(map[string]any)) []byte {
	t.Helper()
	pub := base64.RawStdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
	doc := map[string]any{
		"server_name":     server,
		"valid_until_ts":  validUntil,
		"verify_keys":     map[string]any{keyID: map[string]any{"key": pub}},
		"old_verify_keys": map[string]any{},
		"x.unknown":       "<é & ü>",
	}
	sig := ed25519.Sign(priv, canonical(t, doc))
	doc["signatures"] = map[string]any{server: map[string]any{keyID: base64.RawStdEncoding.EncodeToString(sig)}}
	doc["unsigned"] = map[string]any{"note": "not signed"}
	if mutate != nil {
		mutate(doc)
	}
	b, err := json.MarshalIndent(doc, "", "   ") // non-canonical on purpose
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newKey(t testing.TB) ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func TestParseServerKeysSignature(t *testing.T) {
	priv := newKey(t)
	const until = 1900000000000
	good := signedKeys(t, "example.org", "ed25519:abc", priv, until, nil)
	k, err := ParseServerKeys(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.VerifyKeys) != 1 || !k.VerifyKeys[0].SignatureOK || !k.VerifyKeys[0].KeyOK || k.ServerName != "example.org" || k.ValidUntilTS != until || len(k.Problems) != 0 {
		t.Fatalf("good document: %+v", k)
	}

	other := newKey(t)
	cases := map[string]struct {
		body  []byte
		check func(*ServerKeys) bool
	}{
		"tampered after signing": {signedKeys(t, "example.org", "ed25519:abc", priv, until, func(m map[string]any) { m["valid_until_ts"] = until + 1 }),
			func(k *ServerKeys) bool { return k.VerifyKeys[0].Signed && !k.VerifyKeys[0].SignatureOK }},
		"signed by another key": {signedKeys(t, "example.org", "ed25519:abc", priv, until, func(m map[string]any) {
			m["verify_keys"] = map[string]any{"ed25519:abc": map[string]any{"key": base64.RawStdEncoding.EncodeToString(other.Public().(ed25519.PublicKey))}}
		}), func(k *ServerKeys) bool { return !k.VerifyKeys[0].SignatureOK }},
		"signature under another server": {signedKeys(t, "example.org", "ed25519:abc", priv, until, func(m map[string]any) {
			m["signatures"] = map[string]any{"evil.example": m["signatures"].(map[string]any)["example.org"]}
		}), func(k *ServerKeys) bool { return !k.VerifyKeys[0].Signed && !k.VerifyKeys[0].SignatureOK }},
		"no signatures": {signedKeys(t, "example.org", "ed25519:abc", priv, until, func(m map[string]any) { delete(m, "signatures") }),
			func(k *ServerKeys) bool { return !k.VerifyKeys[0].SignatureOK }},
		"unsigned is not covered": {signedKeys(t, "example.org", "ed25519:abc", priv, until, func(m map[string]any) { m["unsigned"] = "changed" }),
			func(k *ServerKeys) bool { return k.VerifyKeys[0].SignatureOK }},
		"padded key": {signedKeys(t, "example.org", "ed25519:abc", priv, until, func(m map[string]any) {
			m["verify_keys"] = map[string]any{"ed25519:abc": map[string]any{"key": base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))}}
		}), func(k *ServerKeys) bool { return !k.VerifyKeys[0].KeyOK && !k.VerifyKeys[0].SignatureOK }},
		"no server_name": {signedKeys(t, "example.org", "ed25519:abc", priv, until, func(m map[string]any) { delete(m, "server_name") }),
			func(k *ServerKeys) bool { return len(k.Problems) > 0 && !k.VerifyKeys[0].SignatureOK }},
		"float valid_until_ts": {signedKeys(t, "example.org", "ed25519:abc", priv, until, func(m map[string]any) { m["valid_until_ts"] = 1.5 }),
			func(k *ServerKeys) bool { return len(k.Problems) > 0 }},
		"bad old key": {signedKeys(t, "example.org", "ed25519:abc", priv, until, func(m map[string]any) {
			m["old_verify_keys"] = map[string]any{"ed25519:old": map[string]any{"key": "!!"}}
		}), func(k *ServerKeys) bool { return len(k.OldKeys) == 1 && k.OldKeys[0].Error != "" }},
	}
	for name, c := range cases {
		k, err := ParseServerKeys(c.body)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !c.check(k) {
			t.Errorf("%s: unexpected %+v", name, k)
		}
	}
	for _, bad := range []string{"", "[]", "null", `{"server_name":`, `{"a":1} {"b":2}`, `"x"`} {
		if _, err := ParseServerKeys([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseWellKnown(t *testing.T) {
	for body, want := range map[string]string{
		`{"m.server":"matrix.example.org:443"}`: "matrix.example.org:443",
		`{"m.server":"[::1]"}`:                  "[::1]",
		` {"m.server":"a.example", "x": [1]} `:  "a.example",
	} {
		sn, _, err := ParseWellKnownServer([]byte(body))
		if err != nil || sn.String() != want {
			t.Errorf("%s: %v %v", body, sn, err)
		}
	}
	for _, body := range []string{``, `[]`, `{}`, `{"m.server":1}`, `{"m.server":"https://x.example"}`, `{"m.server":"x.example:0"}`, `{"m.server":"a"`, `{"m.server":"a"}x`} {
		if _, _, err := ParseWellKnownServer([]byte(body)); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
	c, err := ParseWellKnownClient([]byte(`{"m.homeserver":{"base_url":"https://matrix.example.org/"},"io.element.e2ee":{"default":false}}`))
	if err != nil || c.BaseURL != "https://matrix.example.org/" || string(c.E2EE) != `{"default":false}` || len(c.Keys) != 2 {
		t.Fatalf("client: %+v %v", c, err)
	}
	for _, body := range []string{`{}`, `{"m.homeserver":{}}`, `{"m.homeserver":{"base_url":"ftp://x"}}`, `{"m.homeserver":{"base_url":"https://u@x"}}`, `{"m.homeserver":"x"}`} {
		if _, err := ParseWellKnownClient([]byte(body)); err == nil {
			t.Errorf("client %s: accepted", body)
		}
	}
}

func FuzzParseWellKnown(f *testing.F) {
	for _, s := range []string{`{"m.server":"matrix.example.org:443"}`, `{"m.homeserver":{"base_url":"https://x"}}`, `{"m.server":"[::1]:1"}`, `[]`, `{"a":{"b":[1,2,{"c":null}]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if sn, _, err := ParseWellKnownServer(b); err == nil {
			again, err := ParseServerName(sn.String())
			if err != nil || again != sn {
				t.Fatalf("server name %+v does not round-trip: %+v %v", sn, again, err)
			}
		}
		_, _ = ParseWellKnownClient(b)
		_, _, _ = ParseFederationVersion(b)
		_, _, _ = ParseClientVersions(b)
	})
}

func FuzzParseServerKeys(f *testing.F) {
	priv := newKey(f)
	f.Add(signedKeys(f, "example.org", "ed25519:abc", priv, 1900000000000, nil))
	f.Add([]byte(`{"server_name":"a","verify_keys":{"ed25519:x":{"key":"AAAA"}},"signatures":{"a":{"ed25519:x":"AAAA"}},"valid_until_ts":1}`))
	f.Add([]byte(`{"server_name":"a.b","signatures":{"a.b":{"ed25519:x":"\u00e9"}},"verify_keys":{"ed25519:x":{"key":"` + strings.Repeat("A", 43) + `"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseServerKeys(b)
		if err == nil && k == nil {
			t.Fatal("nil keys without error")
		}
		if err == nil {
			for _, vk := range k.VerifyKeys {
				if vk.SignatureOK && !vk.KeyOK {
					t.Fatalf("signature accepted with a bad key: %+v", vk)
				}
			}
		}
	})
}

func TestAccessParsers(t *testing.T) {
	if got := redactTokens(`{"user_id":"@1:x","access_token":"abc.def","refresh_token":"r"}`); got != `{"user_id":"@1:x","access_token":"[redacted]","refresh_token":"[redacted]"}` {
		t.Errorf("redact: %s", got)
	}
	for s, ok := range map[string]bool{"mxc://example.org/abc_D-1": true, "mxc://example.org/a/b": false, "https://x/y": false, "mxc://bad name/a": false, "mxc://example.org/": false} {
		if _, _, got := ParseMXC(s); got != ok {
			t.Errorf("ParseMXC(%q) = %v", s, got)
		}
	}
	us := SupportUsers([]byte(`{"contacts":[{"matrix_id":"@a:example.org"},{"matrix_id":"@b:other.org"},{"matrix_id":"@a:example.org"},{"matrix_id":"@c:example.org"},{"matrix_id":"@d:example.org"}]}`), "example.org", 2)
	if strings.Join(us, ",") != "@a:example.org,@c:example.org" {
		t.Errorf("SupportUsers: %v", us)
	}
	rooms, total, av := ParsePublicRooms([]byte(`{"chunk":[{"avatar_url":"mxc://e/a"},{}],"total_room_count_estimate":7}`))
	if rooms != 2 || total != 7 || len(av) != 1 {
		t.Errorf("ParsePublicRooms: %d %d %v", rooms, total, av)
	}
}

func TestRedactTokensCutSample(t *testing.T) {
	for _, in := range []string{
		`{"user_id":"@a:b","access_token":"syt_secret_abcdef","device_id":"X"}`,
		`{"user_id":"@a:b","access_token":"syt_secret_abc`,
		`{"refresh_token": "syr_secret"}`,
	} {
		if out := redactTokens(in); strings.Contains(out, "secret") {
			t.Errorf("token leaked: %s", out)
		}
	}
}
