package xmpp

import (
	"context"
	"fmt"
	"time"
)

// cleanupSession hands the cleanup a usable session: the scan's own, or,
// once that broke (a timeout leaves it unusable), a new login, at most
// maxCleanupLogins times.
type cleanupSession struct {
	c      *Client
	login  func(context.Context) (*Client, error)
	logins int
	err    error
}

const maxCleanupLogins = 2

func (s *cleanupSession) get(ctx context.Context) (*Client, error) {
	if s.c.Broken() == nil {
		return s.c, nil
	}
	if s.err != nil {
		return nil, s.err
	}
	if s.logins == maxCleanupLogins {
		s.err = fmt.Errorf("the session broke again after %d new logins for the cleanup (%v)", s.logins, s.c.Broken())
		return nil, s.err
	}
	s.c.Close(ctx)
	s.logins++
	nc, err := s.login(ctx)
	if err != nil {
		s.err = fmt.Errorf("the session broke and a new login for the cleanup failed: %s", s.c.creds.Redact(err.Error()))
		return nil, s.err
	}
	s.c = nc
	return nc, nil
}

const destroyPayload = "<query xmlns='" + NSMUCOwner + "'><destroy><reason>imscore scan finished</reason></destroy></query>"

// cleanup removes what the scan created: rooms are destroyed (and checked
// gone), PEP nodes deleted. When the session breaks half-way (a server too
// slow to answer within the I/O timeout), it goes on with a new login.
func cleanup(ctx context.Context, sess *cleanupSession, d *AccountData) {
	if t := d.PEP; t != nil {
		c, err := sess.get(ctx)
		if err != nil {
			d.NotRemoved = append(d.NotRemoved, "PEP node "+t.Node+": "+err.Error())
		} else {
			s := c.step(ctx, "delete the test node", "set", "", "<pubsub xmlns='"+NSPubSubOwner+"'><delete node='"+t.Node+"'/></pubsub>")
			// item-not-found: the publish never created it.
			t.Deleted = s.OK || (!t.Published && s.Detail == "item-not-found")
			t.Steps = append(t.Steps, s)
			if !t.Deleted {
				d.NotRemoved = append(d.NotRemoved, "PEP node "+t.Node+": "+s.Detail)
			}
		}
	}
	for _, m := range d.MUC {
		if t := m.Room; t != nil {
			if why := destroyRoom(ctx, sess, t); why != "" {
				d.NotRemoved = append(d.NotRemoved, "MUC room "+t.Room+": "+why)
			}
		}
	}
}

// destroyRoom destroys the test room and checks it is gone; it returns why
// the room may still be there, or "". A destroy that got no answer may
// still be carried out late: the room is asked after on a new session and,
// if still there, destroyed again once.
func destroyRoom(ctx context.Context, sess *cleanupSession, t *RoomTest) string {
	for attempt := 1; attempt <= 2; attempt++ {
		c, err := sess.get(ctx)
		if err != nil {
			return err.Error()
		}
		s := c.step(ctx, "destroy the room", "set", t.Room, destroyPayload)
		if attempt > 1 {
			s.What = "destroy the room again (the first destroy got no answer)"
		}
		t.Destroyed = t.Destroyed || s.OK
		t.Steps = append(t.Steps, s)
		after, detail := awaitGone(ctx, sess, t.Room, s.OK || s.NoAnswer)
		t.Gone = after.Status == "item-not-found"
		t.Steps = append(t.Steps, Step{What: "check the room is gone (disco#info)", OK: t.Gone, Detail: detail, Exchange: after.Exchange})
		if t.Gone {
			return ""
		}
		if !s.NoAnswer || ctx.Err() != nil {
			if after.Status.OK() {
				return "still answers disco#info after the destroy (" + detail + ")"
			}
			return detail
		}
	}
	return "still there after two destroys"
}

// awaitGone asks the room's disco#info until it is item-not-found. Some
// servers (ejabberd) end the room process asynchronously: when the destroy
// was accepted or got no answer, it asks again a few times, bounded (about
// 1.5 s in all), before calling the room left behind.
func awaitGone(ctx context.Context, sess *cleanupSession, room string, retry bool) (*DiscoInfo, string) {
	var after *DiscoInfo
	tries := 0
	for wait := 50 * time.Millisecond; ; wait *= 2 {
		tries++
		c, err := sess.get(ctx)
		if err != nil {
			after = &DiscoInfo{JID: room, Status: Reply(err.Error())}
			break
		}
		after = c.discoInfo(ctx, room)
		if after.Status == "item-not-found" || !retry || tries == 5 {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		if ctx.Err() != nil {
			break
		}
	}
	if tries > 1 {
		return after, fmt.Sprintf("%s (asked %d times)", after.Status, tries)
	}
	return after, string(after.Status)
}
