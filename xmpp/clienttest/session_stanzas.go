package clienttest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/imscore/imscore/xmpp"
)

// Namespaces of the after-login part.
const (
	nsVersion   = "jabber:iq:version"
	nsRoster    = "jabber:iq:roster"
	nsDiscoInfo = "http://jabber.org/protocol/disco#info"
	nsDiscoItem = "http://jabber.org/protocol/disco#items"
	nsPing      = "urn:xmpp:ping"
	nsCarbons   = "urn:xmpp:carbons:2"
	nsForward   = "urn:xmpp:forward:0"
	nsMAM       = "urn:xmpp:mam:2"
	nsReceipts  = "urn:xmpp:receipts"
	nsMarkers   = "urn:xmpp:chat-markers:0"
	nsDelay     = "urn:xmpp:delay"
)

// IDs and JIDs of the forged stanzas, so that a reaction can be traced.
const (
	forgedCarbonID = "imscore-forged-carbon"
	forgedMAMID    = "imscore-forged-mam"
	versionQueryID = "imscore-version"
	foreignJID     = "mallory@evil.imscore.invalid"
)

// bossJID is the contact the forged messages claim to come from.
func (s *session) bossJID() string { return "boss@" + s.srv.domain }

func (s *session) stanzaNote(str string) {
	if len(s.out.Stanzas) < maxStanzaSummary {
		s.out.Stanzas = append(s.out.Stanzas, str)
	}
}

func (s *session) reaction(n *xmpp.Node) {
	if len(s.out.Reactions) < maxStanzaSummary {
		s.out.Reactions = append(s.out.Reactions, n.String())
	}
	s.event("client reacted to the forged message: %s", describe(n))
}

// refersToForgery reports whether a stanza the client sent refers to a
// forged message: it is addressed to the forged sender or carries the
// forged message's id (a receipt, a chat marker, a correction, a reply).
func (s *session) refersToForgery(n *xmpp.Node) bool {
	if s.injected.IsZero() {
		return false
	}
	to := strings.ToLower(n.AttrValue("to"))
	if strings.HasPrefix(to, s.bossJID()) || strings.HasPrefix(to, foreignJID) {
		return true
	}
	var walk func(*xmpp.Node, int) bool
	walk = func(x *xmpp.Node, depth int) bool {
		if depth > 4 {
			return false
		}
		for _, a := range x.Attr {
			if a.Value == forgedCarbonID || a.Value == forgedMAMID {
				return true
			}
		}
		for _, c := range x.Children {
			if walk(c, depth+1) {
				return true
			}
		}
		return false
	}
	return walk(n, 0)
}

// stanza handles an iq, presence or message from the client.
func (s *session) stanza(n *xmpp.Node) error {
	kind, typ := n.Name.Local, n.AttrValue("type")
	first := ""
	if len(n.Children) > 0 {
		first = n.Children[0].Name.Space
	}
	summary := strings.TrimSpace(fmt.Sprintf("%s %s %s", kind, typ, first))
	if to := n.AttrValue("to"); to != "" && kind != "iq" {
		summary += " to " + clip(to, 80)
	}
	s.stanzaNote(summary)
	if s.refersToForgery(n) {
		s.reaction(n)
	}
	if !s.authed && kind != "iq" {
		s.event("client sent <%s/> before authenticating", kind)
		return nil
	}
	switch kind {
	case "presence":
		if c := n.Child(xmpp.NSCaps, "c"); c != nil && s.out.Caps == "" {
			s.out.Caps = clip(c.AttrValue("node")+"#"+c.AttrValue("ver"), 200)
		}
		return nil
	case "message":
		s.event("client sent a message (%s) to %q", typ, clip(n.AttrValue("to"), 80))
		return nil
	}
	return s.iq(n, typ)
}

// iqReply answers the client's iq like a server: from the entity it was
// addressed to (RFC 6120 §8.1.2.1), to the client's full JID.
func (s *session) iqReply(id, inner string) error {
	return s.st.write(fmt.Sprintf("<iq type='result' id='%s'%s>%s</iq>", xmpp.Escape(id), s.addressing(), inner))
}

func (s *session) iqError(id, errType, cond string) error {
	return s.st.write(fmt.Sprintf("<iq type='error' id='%s'%s><error type='%s'><%s xmlns='%s'/></error></iq>",
		xmpp.Escape(id), s.addressing(), errType, cond, xmpp.NSStanzas))
}

// addressing is the from and to of a reply to the iq being handled.
func (s *session) addressing() string {
	a := ""
	if s.replyFrom != "" {
		a += " from='" + xmpp.Escape(s.replyFrom) + "'"
	}
	if s.out.Bound != "" {
		a += " to='" + xmpp.Escape(s.out.Bound) + "'"
	}
	return a
}

func (s *session) iq(n *xmpp.Node, typ string) error {
	id := n.AttrValue("id")
	s.replyFrom = clip(n.AttrValue("to"), 300)
	if typ == "result" || typ == "error" {
		if id == versionQueryID {
			s.version(n)
		}
		return nil
	}
	if len(n.Children) == 0 {
		return nil
	}
	c := n.Children[0]
	switch c.Name.Space + " " + c.Name.Local {
	case xmpp.NSBind + " bind":
		return s.bind(id, c)
	case xmpp.NSSession + " session", nsPing + " ping", nsCarbons + " enable", nsCarbons + " disable":
		return s.iqReply(id, "")
	case nsRoster + " query":
		if typ == "get" {
			return s.iqReply(id, "<query xmlns='"+nsRoster+"'/>")
		}
		return s.iqReply(id, "")
	case nsDiscoInfo + " query":
		var f strings.Builder
		f.WriteString("<query xmlns='" + nsDiscoInfo + "'><identity category='server' type='im' name='imscore test-client'/>")
		for _, ns := range []string{nsDiscoInfo, nsDiscoItem, nsPing, nsCarbons, nsMAM, nsVersion} {
			f.WriteString("<feature var='" + ns + "'/>")
		}
		f.WriteString("</query>")
		return s.iqReply(id, f.String())
	case nsDiscoItem + " query":
		return s.iqReply(id, "<query xmlns='"+nsDiscoItem+"'/>")
	case nsMAM + " query":
		if q := c.AttrValue("queryid"); q != "" && s.mamQuery == "" {
			s.mamQuery = clip(q, 100)
		}
		return s.iqReply(id, "<fin xmlns='"+nsMAM+"' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><count>0</count></set></fin>")
	}
	if !s.authed {
		return s.iqError(id, "auth", "not-authorized")
	}
	return s.iqError(id, "cancel", "service-unavailable")
}

// bind binds the resource the client asked for (or one of ours) and starts
// the after-login part: the version query and the scenario's injections.
func (s *session) bind(id string, c *xmpp.Node) error {
	if !s.authed {
		return s.iqError(id, "auth", "not-authorized")
	}
	res := ""
	if r := c.Child("", "resource"); r != nil {
		res = strings.TrimSpace(r.Text)
	}
	if res == "" || len(res) > 200 || strings.ContainsAny(res, "<>&'\"/") {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		res = "imscore-" + hex.EncodeToString(b)
	}
	full := Username + "@" + s.srv.domain + "/" + res
	if s.bound {
		return s.iqReply(id, "<bind xmlns='"+xmpp.NSBind+"'><jid>"+xmpp.Escape(full)+"</jid></bind>")
	}
	s.bound = true
	s.out.Bound = full
	s.event("client bound the resource %q (logged in)", clip(res, 80))
	query := fmt.Sprintf("<iq type='get' id='%s' from='%s' to='%s'><query xmlns='%s'/></iq>",
		versionQueryID, xmpp.Escape(s.srv.domain), xmpp.Escape(full), nsVersion)
	if err := s.iqReply(id, "<bind xmlns='"+xmpp.NSBind+"'><jid>"+xmpp.Escape(full)+"</jid></bind>"); err != nil {
		return err
	}
	if err := s.st.write(query); err != nil {
		return err
	}
	s.event("tester asked the client for its software version (XEP-0092)")
	at := time.Now().Add(injectAfter)
	for _, a := range s.p.after {
		s.timers = append(s.timers, timer{at: at, act: a})
		at = at.Add(300 * time.Millisecond)
	}
	s.timers = append(s.timers, timer{at: at.Add(observeWindow), act: "end"})
	return nil
}

// version reads a XEP-0092 answer.
func (s *session) version(n *xmpp.Node) {
	v := &SoftwareVersion{Answered: n.AttrValue("type") == "result", Raw: clip(n.String(), 600)}
	if q := n.Child(nsVersion, "query"); q != nil {
		for _, c := range q.Children {
			t := clip(strings.TrimSpace(c.Text), 120)
			switch c.Name.Local {
			case "name":
				v.Name = t
			case "version":
				v.Version = t
			case "os":
				v.OS = t
			}
		}
	}
	s.out.Version = v
	if !v.Answered {
		s.event("client declined the version query (an error)")
		return
	}
	s.event("client answered the version query: name %q version %q os %q", v.Name, v.Version, v.OS)
}

// act runs an after-login timer.
func (s *session) act(what string) error {
	full := s.out.Bound
	now := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05Z")
	inner := func(id, body string) string {
		return fmt.Sprintf("<message xmlns='%s' from='%s/desk' to='%s' type='chat' id='%s'><body>%s</body><request xmlns='%s'/><markable xmlns='%s'/></message>",
			xmpp.NSClient, xmpp.Escape(s.bossJID()), xmpp.Escape(Username+"@"+s.srv.domain), id, xmpp.Escape(body), nsReceipts, nsMarkers)
	}
	switch what {
	case actCarbon:
		s.markInjected("a XEP-0280 carbon copy (<received/>) from " + foreignJID + " wrapping a chat message from " + s.bossJID())
		return s.st.write(fmt.Sprintf("<message from='%s' to='%s' type='chat'><received xmlns='%s'><forwarded xmlns='%s'>%s</forwarded></received></message>",
			foreignJID, xmpp.Escape(full), nsCarbons, nsForward,
			inner(forgedCarbonID, "imscore forged carbon: if this shows as a message from "+s.bossJID()+", the client accepts carbon copies from any sender (CVE-2017-5589)")))
	case actMAM:
		q := s.mamQuery
		if q == "" {
			q = "imscore-unsolicited"
		}
		s.markInjected("a XEP-0313 archive result (queryid " + q + ") from " + foreignJID + " wrapping a chat message from " + s.bossJID())
		return s.st.write(fmt.Sprintf("<message from='%s' to='%s'><result xmlns='%s' queryid='%s' id='imscore-mam-1'><forwarded xmlns='%s'><delay xmlns='%s' stamp='%s'/>%s</forwarded></result></message>",
			foreignJID, xmpp.Escape(full), nsMAM, xmpp.Escape(q), nsForward, nsDelay, now,
			inner(forgedMAMID, "imscore forged archive result: if this shows as a message from "+s.bossJID()+", the client accepts archive results from any sender")))
	case "end":
		s.event("tester closes the stream (scenario done)")
		s.out.EndBy, s.out.End = EndTesterDone, "the scenario was over: the tester closed the stream"
		_ = s.st.write("</stream:stream>")
		return errDone
	}
	return nil
}

func (s *session) markInjected(what string) {
	if s.injected.IsZero() {
		s.injected = time.Now()
	}
	s.out.Injected = append(s.out.Injected, what)
	s.event("tester injected %s", what)
}
