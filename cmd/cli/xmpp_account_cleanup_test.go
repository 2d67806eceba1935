package cli

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// slowComponent is an XEP-0114 external component acting as a MUC
// service that lets a room be created and then never answers the room's
// disco#info: the scan's session times out with a room and a PEP node
// created, and the cleanup must log in afresh to remove them.
type slowComponent struct {
	mu        sync.Mutex
	joinedBy  string   // full JID that created the room
	destroyBy []string // full JIDs that destroyed it
	destroyed bool
	// lateDestroys: how many destroys are carried out without an answer
	// (a server that finishes the destroy after the client gave up).
	lateDestroys int
}

func (sc *slowComponent) run(t *testing.T, addr, name, secret string) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Errorf("component: %v", err)
		return
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='%s'>", name)
	dec := xml.NewDecoder(conn)
	var id string
	for id == "" {
		tok, err := dec.Token()
		if err != nil {
			t.Errorf("component: %v", err)
			return
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "stream" {
			for _, a := range se.Attr {
				if a.Name.Local == "id" {
					id = a.Value
				}
			}
		}
	}
	h := sha1.Sum([]byte(id + secret))
	fmt.Fprintf(conn, "<handshake>%s</handshake>", hex.EncodeToString(h[:]))
	type stanza struct {
		XMLName xml.Name
		From    string `xml:"from,attr"`
		To      string `xml:"to,attr"`
		ID      string `xml:"id,attr"`
		Type    string `xml:"type,attr"`
		Inner   string `xml:",innerxml"`
	}
	go func() {
		for {
			tok, err := dec.Token()
			if err != nil {
				return
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			var st stanza
			if err := dec.DecodeElement(&st, &se); err != nil {
				return
			}
			reply := func(s string) { conn.Write([]byte(s)) }
			switch {
			case st.XMLName.Local == "presence" && st.Type == "":
				sc.mu.Lock()
				sc.joinedBy = st.From
				sc.mu.Unlock()
				reply(fmt.Sprintf("<presence from='%s' to='%s'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/><status code='110'/><status code='201'/></x></presence>", st.To, st.From))
			case st.XMLName.Local == "iq" && st.To == name && strings.Contains(st.Inner, "disco#info"):
				reply(fmt.Sprintf("<iq type='result' id='%s' from='%s' to='%s'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='slow'/><feature var='http://jabber.org/protocol/muc'/></query></iq>", st.ID, st.To, st.From))
			case st.XMLName.Local == "iq" && strings.Contains(st.Inner, "<destroy"):
				sc.mu.Lock()
				sc.destroyBy = append(sc.destroyBy, st.From)
				sc.destroyed = true
				late := sc.lateDestroys > 0
				sc.lateDestroys--
				sc.mu.Unlock()
				if !late {
					reply(fmt.Sprintf("<iq type='result' id='%s' from='%s' to='%s'/>", st.ID, st.To, st.From))
				}
			case st.XMLName.Local == "iq" && strings.Contains(st.Inner, "disco#info"):
				sc.mu.Lock()
				gone := sc.destroyed
				sc.mu.Unlock()
				if gone {
					reply(fmt.Sprintf("<iq type='error' id='%s' from='%s' to='%s'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", st.ID, st.To, st.From))
				}
				// Before the destroy: never answer (the room's disco#info).
			case st.XMLName.Local == "iq" && st.Type == "set":
				reply(fmt.Sprintf("<iq type='result' id='%s' from='%s' to='%s'/>", st.ID, st.To, st.From))
			}
		}
	}()
}

// TestRealProsodyAccountCleanupAfterTimeout: the session breaks (a
// component never answers) after a PEP node and a room were created; the
// cleanup logs in again and removes both. The component then carries out
// the destroy without answering it, which breaks the cleanup's session too:
// the cleanup logs in once more and finds the room gone.
func TestRealProsodyAccountCleanupAfterTimeout(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	cport := testenv.FreePortOn(t, "127.0.0.1")
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true,
		Modules:     []string{"roster", "pep"},
		ExtraGlobal: fmt.Sprintf("component_ports = { %d }\ncomponent_interfaces = { \"127.0.0.1\" }", cport),
		ExtraHost:   "\nComponent \"slow.example.test\"\n\tcomponent_secret = \"s3cret\"\n"})
	prosodyAccount(t, x, "alice", testPassword)
	sc := &slowComponent{lateDestroys: 1}
	sc.run(t, fmt.Sprintf("127.0.0.1:%d", cport), "slow.example.test", "s3cret")
	dns := testenv.StartDNS(t, xmppZone(x), false)
	begin := time.Now()
	code, r, stderr := scanXMPP(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile,
		"--account", "alice@example.test", "--password-file", passwordFile(t, testPassword))
	t.Logf("scan took %v", time.Since(begin).Round(time.Millisecond))
	if r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var d *xmpp.AccountData
	for _, o := range r.Observations {
		if o.Probe == xmpp.Account.ID {
			d = accountDataOf(t, o)
		}
	}
	if d == nil || len(d.MUC) != 1 || d.MUC[0].Room == nil || !d.MUC[0].Room.Created {
		t.Fatalf("no room created on the slow component: %+v", d)
	}
	if d.PEP == nil || !d.PEP.Published {
		t.Fatalf("no PEP node published: %+v", d.PEP)
	}
	room := d.MUC[0].Room
	if len(d.NotRemoved) > 0 || !d.PEP.Deleted || !room.Gone {
		t.Errorf("left behind: %v (pep deleted %v, room gone %v)", d.NotRemoved, d.PEP.Deleted, room.Gone)
	}
	// The destroy got no answer: not called accepted, but the room was
	// found gone on a third session.
	if room.Destroyed {
		t.Errorf("an unanswered destroy counted as accepted: %+v", room.Steps)
	}
	if d.ClosedCleanly {
		t.Error("closed_cleanly after the session broke")
	}
	sc.mu.Lock()
	joined, by := sc.joinedBy, sc.destroyBy
	sc.mu.Unlock()
	if len(by) != 1 || by[0] == joined {
		t.Errorf("the room was destroyed by %v, want once by a fresh session (created by %s)", by, joined)
	}
	var checks []string
	for _, s := range room.Steps {
		checks = append(checks, fmt.Sprintf("%s: ok=%v %s", s.What, s.OK, s.Detail))
	}
	if n := len(room.Steps); n < 2 || !room.Steps[n-1].OK || !strings.Contains(room.Steps[n-2].Detail, "no answer") {
		t.Errorf("room steps: %q", checks)
	}
	// The queries after the timeout were not judged: the IM level is not
	// measured, never a guessed fail or pass.
	if st := statuses(r)["xmpp.compliance.im"]; st != report.Error && st != report.Fail {
		t.Errorf("xmpp.compliance.im = %s (%s)", st, summaryOf(r, "xmpp.compliance.im"))
	}
	noSecrets(t, r, stderr)
	noLeftovers(t, x, dns.Addr, pki.CAFile, r)
}
