package catalogue

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestUnpublishable(t *testing.T) {
	status := "current"
	load := func(claims string) *Catalogue {
		doc := strings.Replace(messengerYAML(claims), "status: current", "status: "+status, 1)
		c, err := LoadFS(fstest.MapFS{
			"taxonomy.yaml":  {Data: []byte(testTaxonomy)},
			"data/demo.yaml": {Data: []byte(doc)},
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// goodClaims: one of two cells unknown, 50 %.
	c := load(goodClaims)
	if cv := c.Coverage(); cv.Cells != 2 || cv.Unknown != 1 || cv.ByCriterion["enc.fs"] != 1 || cv.ByMessenger["demo"] != 1 {
		t.Errorf("coverage: %+v", cv)
	}
	if r := c.Unpublishable(); len(r) != 1 || !strings.Contains(r[0], "1 of 2 cells unknown (50.0%, at most 15% allowed)") {
		t.Errorf("unpublishable: %q", r)
	}
	full := strings.Replace(goodClaims, "value: unknown\n    explanation: Not researched.", "value: \"no\"\n    explanation: None.\n    sources: [https://example.org/fs]\n    checked: \"2025-01-01\"", 1)
	if r := load(full).Unpublishable(); len(r) != 0 {
		t.Errorf("fully known catalogue: %q", r)
	}
	status = "unknown"
	if r := load(full).Unpublishable(); len(r) != 1 || !strings.Contains(r[0], "demo: status unknown") {
		t.Errorf("messenger of unknown status: %q", r)
	}
}

// unknownCeiling is the number of unknown cells the shipped catalogue has
// now. It may only go down: a change that loses a sourced claim, or adds
// a messenger or criterion without researching it, fails here. Lower it
// when research fills cells, until Unpublishable (at most 15 % unknown, at
// most 4 unknown criteria per current messenger, every status sourced) is
// empty; then this test asserts that instead.
const unknownCeiling = 126

// listed are the messengers the comparison must keep (issues 6 and 15).
var listed = []string{"signal", "molly", "wire", "matrix", "conversations", "gajim", "dino", "monal",
	"siskin", "chatsecure", "coyim", "kontalk", "pidgin", "jami", "tox", "briar", "simplex", "threema",
	"telegram", "delta-chat", "keybase", "wickr", "session", "bitmessage", "retroshare", "cryptocat",
	"whatsapp", "imessage", "skype", "bridgefy", "jitsi", "textsecure", "redphone", "silent-phone",
	"facebook-messenger", "google-hangouts", "google-allo", "google-messages", "viber", "line", "kakaotalk"}

func TestCoverageEmbedded(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range listed {
		if _, ok := c.byID(id); !ok {
			t.Errorf("listed messenger %s disappeared", id)
		}
	}
	cv := c.Coverage()
	if cv.Unknown*100 > MaxUnknownShare*cv.Cells {
		t.Errorf("%d of %d cells unknown (%.1f%%): more than the %d%% a publishable comparison may leave open", cv.Unknown, cv.Cells, cv.UnknownShare(), MaxUnknownShare)
	}
	r := c.Unpublishable()
	if len(r) == 0 {
		return // the issue-15 bar is met
	}
	if cv.Unknown > unknownCeiling {
		t.Errorf("%d unknown cells, more than the %d of the last research (the bar is %d%%): %s",
			cv.Unknown, unknownCeiling, MaxUnknownShare, strings.Join(r, "; "))
	}
	t.Logf("not yet publishable: %s", strings.Join(r, "; "))
}
