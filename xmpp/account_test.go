package xmpp

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
)

var iqID = regexp.MustCompile(`id='([^']+)'`)

// scriptedClient is a logged-in client on a pipe whose server answers each
// IQ with answer(what was sent); "" leaves it unanswered.
func scriptedClient(t *testing.T, prefix string, answer func(sent string) string) *Client {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	go func() {
		if _, err := b.Write([]byte("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")); err != nil {
			return
		}
		buf := make([]byte, 64<<10)
		for {
			n, err := b.Read(buf)
			if err != nil {
				return
			}
			sent := string(buf[:n])
			m := iqID.FindStringSubmatch(sent)
			if m == nil {
				continue
			}
			if r := answer(sent); r != "" {
				if _, err := b.Write([]byte(strings.ReplaceAll(r, "ID", m[1]))); err != nil {
					return
				}
			}
		}
	}()
	s := newSession(a, NSClient, "example.test", "", 300*time.Millisecond)
	s.budget.N, s.limit = maxClientBytes, maxClientBytes
	s.dec = newDecoder(s.budget)
	c := &Client{s: s, creds: &probes.Credentials{Account: "a@example.test", Password: secret}, domain: "example.test", prefix: prefix}
	if _, err := c.s.dec.Token(); err != nil { // the stream header
		t.Fatal(err)
	}
	return c
}

const (
	iqResult   = "<iq type='result' id='ID'/>"
	iqNotFound = "<iq type='error' id='ID'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
	iqRoomInfo = "<iq type='result' id='ID'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text'/></query></iq>"
	iqRefused  = "<iq type='error' id='ID'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
)

func TestDestroyRoom(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const room = "p@conference.example.test"

	t.Run("refused destroy: the room is reported left behind, asked once", func(t *testing.T) {
		asked := 0
		c := scriptedClient(t, "p", func(sent string) string {
			if strings.Contains(sent, "<destroy") {
				return iqRefused
			}
			asked++
			return iqRoomInfo
		})
		rt := &RoomTest{Room: room}
		why := destroyRoom(ctx, &cleanupSession{c: c}, rt)
		if rt.Destroyed || rt.Gone || !strings.Contains(why, "still answers disco#info after the destroy") || asked != 1 {
			t.Errorf("destroyed %v gone %v asked %d: %q", rt.Destroyed, rt.Gone, asked, why)
		}
	})

	t.Run("unanswered destroy carried out late: found gone on a new login", func(t *testing.T) {
		first := scriptedClient(t, "p", func(sent string) string { return "" }) // never answers
		logins := 0
		sess := &cleanupSession{c: first, login: func(context.Context) (*Client, error) {
			logins++
			return scriptedClient(t, "q", func(sent string) string { return iqNotFound }), nil
		}}
		rt := &RoomTest{Room: room}
		if why := destroyRoom(ctx, sess, rt); why != "" || !rt.Gone || rt.Destroyed || logins != 1 {
			t.Errorf("why %q gone %v destroyed %v logins %d", why, rt.Gone, rt.Destroyed, logins)
		}
	})

	t.Run("unanswered destroy, room still there: destroyed again on the new login", func(t *testing.T) {
		first := scriptedClient(t, "p", func(sent string) string { return "" })
		destroyed := false
		sess := &cleanupSession{c: first, login: func(context.Context) (*Client, error) {
			return scriptedClient(t, "q", func(sent string) string {
				switch {
				case strings.Contains(sent, "<destroy"):
					destroyed = true
					return iqResult
				case destroyed:
					return iqNotFound
				}
				return iqRoomInfo
			}), nil
		}}
		rt := &RoomTest{Room: room}
		why := destroyRoom(ctx, sess, rt)
		if why != "" || !rt.Gone || !rt.Destroyed || sess.logins != 1 {
			t.Errorf("why %q gone %v destroyed %v logins %d", why, rt.Gone, rt.Destroyed, sess.logins)
		}
		var whats []string
		for _, s := range rt.Steps {
			whats = append(whats, s.What)
		}
		if len(whats) != 4 || !strings.Contains(whats[2], "again") {
			t.Errorf("steps: %q", whats)
		}
	})

	t.Run("every session breaks: bounded logins, the password redacted", func(t *testing.T) {
		logins := 0
		sess := &cleanupSession{c: scriptedClient(t, "p", func(string) string { return "" }), login: func(context.Context) (*Client, error) {
			logins++
			return scriptedClient(t, "q", func(string) string { return "" }), nil
		}}
		rt := &RoomTest{Room: room}
		why := destroyRoom(ctx, sess, rt)
		if rt.Gone || !strings.Contains(why, "after 2 new logins") || logins != maxCleanupLogins {
			t.Errorf("why %q gone %v logins %d", why, rt.Gone, logins)
		}
		failing := &cleanupSession{c: scriptedClient(t, "p", func(string) string { return "" }), login: func(context.Context) (*Client, error) {
			return nil, errors.New("auth failed for " + secret)
		}}
		why = destroyRoom(ctx, failing, &RoomTest{Room: room})
		if !strings.Contains(why, "new login for the cleanup failed") || strings.Contains(why, secret) {
			t.Errorf("failed login: %q", why)
		}
	})
}
