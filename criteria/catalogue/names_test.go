package catalogue

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestFindAliases(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"element": "matrix", "Riot": "matrix", "riot.im": "matrix", "Element X": "matrix",
		"textsecure": "textsecure", "TextSecure": "textsecure", "redphone": "redphone",
		"messenger": "facebook-messenger", "hangouts": "google-hangouts", "allo": "google-allo",
		"rcs": "google-messages", "kakao talk": "kakaotalk", "line": "line", "viber": "viber",
		"silent circle": "silent-phone", "ring": "jami", "delta chat": "delta-chat",
	} {
		m, ok := c.Find(q)
		if !ok || m.ID != want {
			t.Errorf("Find(%q) = %v, want %s", q, m, want)
		}
	}
	for _, q := range []string{"", "xmpp", "nope", "-"} {
		if m, ok := c.Find(q); ok {
			t.Errorf("Find(%q) = %s, want nothing (a protocol name selects by protocol)", q, m.ID)
		}
	}
	ts, _ := c.Find("textsecure")
	if got := c.StatusText(ts); got != "discontinued 2015-11-02, renamed Signal" {
		t.Errorf("textsecure status: %q", got)
	}
	h, _ := c.Find("hangouts")
	if got := c.StatusText(h); got != "discontinued 2022-11-01, replaced by Google Chat" {
		t.Errorf("hangouts status: %q", got)
	}
}

// twoMessengers loads demo plus a second messenger "other" whose file is
// other (with id other).
func twoMessengers(t *testing.T, demo, other string) error {
	t.Helper()
	_, err := LoadFS(fstest.MapFS{
		"taxonomy.yaml":   {Data: []byte(testTaxonomy)},
		"data/demo.yaml":  {Data: []byte(demo)},
		"data/other.yaml": {Data: []byte(other)},
	})
	return err
}

func TestFateAndAliasValidation(t *testing.T) {
	other := strings.Replace(strings.Replace(messengerYAML(goodClaims), "id: demo", "id: other", 1), "name: Demo", "name: Other", 1)
	disc := "status: discontinued\nended: \"2015-11-02\"\nstatus_sources: [https://example.org/end]"
	if err := twoMessengers(t, strings.Replace(messengerYAML(goodClaims), "status: current", disc+"\nfate: merged\nsuccessor: other", 1), other); err != nil {
		t.Fatalf("good fate refused: %v", err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"fate of a current messenger", "status: current", "status: current\nfate: renamed\nsuccessor_name: X", "only for a discontinued"},
		{"bad fate", "status: current", disc + "\nfate: vanished\nsuccessor_name: X", "bad fate"},
		{"fate without successor", "status: current", disc + "\nfate: merged", "exactly one of successor"},
		{"successor without fate", "status: current", disc + "\nsuccessor: other", "needs a fate"},
		{"unknown successor", "status: current", disc + "\nfate: renamed\nsuccessor: nope", "not in the catalogue"},
		{"alias of another", "status: current", "status: current\naliases: [Other]", "already names other"},
		{"alias twice", "status: current", "status: current\naliases: [x, X]", "given twice"},
		{"alias is own name", "status: current", "status: current\naliases: [demo]", "already its ID or name"},
		{"empty alias", "status: current", "status: current\naliases: [\"--\"]", "bad alias"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := twoMessengers(t, strings.Replace(messengerYAML(goodClaims), tc.from, tc.to, 1), other)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// An alias may not shadow a protocol name: it selects every messenger
	// of that protocol.
	proto := strings.Replace(other, "kind: service", "kind: client\nprotocol: xmpp", 1)
	if err := twoMessengers(t, strings.Replace(messengerYAML(goodClaims), "status: current", "status: current\naliases: [XMPP]", 1), proto); err == nil ||
		!strings.Contains(err.Error(), "protocol name") {
		t.Errorf("alias xmpp: %v", err)
	}
}
