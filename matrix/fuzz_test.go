package matrix

import (
	"strings"
	"testing"
)

// FuzzClientDocuments feeds the parsers of what a homeserver answers an
// anonymous or logged-in client — register flows, the room directory,
// support contacts, login flows, capabilities, /versions, user and media
// IDs — with arbitrary bytes: no panic, and every list bounded.
func FuzzClientDocuments(f *testing.F) {
	for _, s := range []string{
		`{"flows":[{"stages":["m.login.dummy"]}],"session":"x"}`,
		`{"chunk":[{"avatar_url":"mxc://example.org/abc"},{}],"total_room_count_estimate":7}`,
		`{"contacts":[{"matrix_id":"@a:example.org","role":"m.role.admin"}],"support_page":"https://x"}`,
		`{"flows":[{"type":"m.login.sso","identity_providers":[{"id":"g","name":"G"}]},{"type":"m.login.password"}]}`,
		`{"capabilities":{"m.room_versions":{"default":"10","available":{"1":"stable","10":"stable"}}}}`,
		`{"versions":["v1.1","r0.6.1"],"unstable_features":{"org.matrix.msc3916":true}}`,
		`@user:example.org`, `mxc://example.org/abc_D-1`, `{"server":{"name":"Synapse","version":"1.99"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if fl := ParseFlows(b); len(fl) > 32 {
			t.Fatalf("%d register flows", len(fl))
		}
		_, _, _ = ParsePublicRooms(b)
		if us := SupportUsers(b, "example.org", 3); len(us) > 3 {
			t.Fatalf("%d support users", len(us))
		}
		lf := ParseLoginFlows(b)
		if len(lf) > 32 {
			t.Fatalf("%d login flows", len(lf))
		}
		for _, l := range lf {
			if len(l.IdentityProviders) > 16 {
				t.Fatalf("%d identity providers", len(l.IdentityProviders))
			}
		}
		if rv, err := ParseRoomVersions(b); err == nil && rv != nil && len(rv.Available) > 64 {
			t.Fatalf("%d room versions", len(rv.Available))
		}
		_, _, _ = ParseClientVersions(b)
		if name, ver, err := ParseFederationVersion(b); err == nil && (len(name) > 200 || len(ver) > 200) {
			t.Fatalf("version of %d+%d bytes", len(name), len(ver))
		}
		s := string(b)
		if origin, id, ok := ParseMXC(s); ok && "mxc://"+origin+"/"+id != s {
			t.Fatalf("ParseMXC(%q) = %q %q", s, origin, id)
		}
		if lp, sn, err := ParseUserID(s); err == nil && !strings.HasPrefix(s, "@"+lp+":") {
			t.Fatalf("ParseUserID(%q) = %q %v", s, lp, sn)
		}
	})
}
