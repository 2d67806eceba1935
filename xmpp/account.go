package xmpp

import (
	"context"
	"errors"
	"time"

	"github.com/imscore/imscore/probes"
)

// Namespaces the logged-in probe asks about.
const (
	NSDiscoInfo   = "http://jabber.org/protocol/disco#info"
	NSDiscoItems  = "http://jabber.org/protocol/disco#items"
	NSVersion     = "jabber:iq:version"
	NSRoster      = "jabber:iq:roster"
	NSPrivate     = "jabber:iq:private"
	NSPubSub      = "http://jabber.org/protocol/pubsub"
	NSPubSubOwner = "http://jabber.org/protocol/pubsub#owner"
	NSMUC         = "http://jabber.org/protocol/muc"
	NSMUCOwner    = "http://jabber.org/protocol/muc#owner"
	NSMUCUser     = "http://jabber.org/protocol/muc#user"
	NSUpload      = "urn:xmpp:http:upload:0"
	NSExtDisco    = "urn:xmpp:extdisco:2"
	NSServerInfo  = "http://jabber.org/network/serverinfo"
)

// Exchange is one request and its answer, for evidence (secrets redacted).
type Exchange struct {
	Sent     string `json:"sent"`
	Received string `json:"received,omitempty"`
	Error    string `json:"error,omitempty"`
}

// Step is one step of a live test, for evidence.
type Step struct {
	What string `json:"what"`
	OK   bool   `json:"ok"`
	// NoAnswer: the request got no answer at all (timeout, broken
	// session), as opposed to an error answer.
	NoAnswer bool     `json:"no_answer,omitempty"`
	Detail   string   `json:"detail,omitempty"`
	Exchange Exchange `json:"exchange"`
}

// AccountData is the data of xmpp.account.
type AccountData struct {
	Login    LoginInfo       `json:"login"`
	Server   *DiscoInfo      `json:"server"`
	Account  *DiscoInfo      `json:"account"`
	Items    []*DiscoInfo    `json:"items,omitempty"`
	ItemsEx  Exchange        `json:"items_exchange"`
	Version  *VersionInfo    `json:"version,omitempty"`
	Roster   Step            `json:"roster"`
	Private  Step            `json:"private"`
	ExtDisco *ExtDiscoInfo   `json:"extdisco,omitempty"`
	PEP      *PEPTest        `json:"pep,omitempty"`
	MUC      []MUCService    `json:"muc,omitempty"`
	Upload   []UploadService `json:"upload,omitempty"`
	// Created lists what the scan created, and Removed whether each was
	// removed again (the probe always tries, also after a failure).
	Created       []string `json:"created,omitempty"`
	NotRemoved    []string `json:"not_removed,omitempty"`
	ClosedCleanly bool     `json:"closed_cleanly"`
}

// Account is the observation of the logged-in probe (--account).
var Account = probes.Key[*AccountData]{ID: "xmpp.account"}

// Unanswered lists the components whose disco#info got no usable answer
// (their kind is unknown), and says whether disco#items itself failed.
func (d *AccountData) Unanswered() (items []string, listFailed bool) {
	for _, it := range d.Items {
		if !it.Status.OK() {
			items = append(items, it.JID+" ("+string(it.Status)+")")
		}
	}
	return items, d.ItemsEx.Error != ""
}

// Component returns the discovered items that have the identity.
func (d *AccountData) Component(category, typ string) []*DiscoInfo {
	var out []*DiscoInfo
	for _, it := range d.Items {
		if it.HasIdentity(category, typ) {
			out = append(out, it)
		}
	}
	return out
}

// Time budgets of the logged-in probe: the whole probe, and the reserve
// kept for removing what it created.
const (
	accountLimit  = 60 * time.Second
	cleanupBudget = 12 * time.Second
)

// queryBudget is how long the queries may run: until the probe's deadline
// minus the cleanup reserve (at least a few seconds).
func queryBudget(ctx context.Context) time.Duration {
	d := accountLimit - cleanupBudget
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - cleanupBudget; left < d {
			d = max(left, 3*time.Second)
		}
	}
	return d
}

// AccountProbe is the logged-in probe: it logs in on the first c2s
// endpoint that answered (STARTTLS, else direct TLS) and asks what a client
// would, and runs the live tests (PEP publish-options, a temporary MUC
// room, an upload slot). Everything it creates is removed before it
// returns, also when it fails half-way.
func AccountProbe(domain string, creds *probes.Credentials) probes.Probe {
	// The c2s streams and the direct-TLS streams are optional inputs: a
	// domain may offer only one of them.
	return probes.Func{Name: Account.ID, Wants: []probes.ID{C2SStreams.ID, DirectTLS.ID}, Limit: accountLimit, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
		return accountProbe(ctx, env, in, domain, creds)
	}}
}

func accountProbe(ctx context.Context, env *probes.Env, in probes.Results, domain string, creds *probes.Credentials) probes.Observation {
	ep, direct := loginEndpoint(in)
	if ep == nil {
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "no endpoint offers TLS: imscore never logs in without TLS"}
	}
	c, err := Login(ctx, env, *ep, domain, direct, creds)
	if err != nil {
		st := probes.StatusOf(err)
		if st == probes.StatusOK || st == "" {
			st = probes.StatusError
		}
		obs := probes.Observation{Status: st, Reason: creds.Redact(err.Error()),
			Evidence: []probes.Evidence{{Endpoint: ep.Addr, Kind: "stream", Detail: "login as " + creds.Account + ": " + creds.Redact(err.Error())}}}
		var de *DowngradeError
		if errors.As(err, &de) {
			// What the server-first message said is the finding: keep it.
			info := de.Info
			info.Downgrade = &de.Check
			obs.Status, obs.Data = probes.StatusProtocolError, &AccountData{Login: info}
		}
		return obs
	}
	d := &AccountData{Login: c.Info}
	// The queries get the probe's time minus a reserve for the cleanup,
	// which runs on a context of its own (the scan's may be spent or
	// cancelled) and, when the session broke (a timeout leaves it
	// unusable), on a fresh login.
	qctx, cancel := context.WithTimeout(ctx, queryBudget(ctx))
	defer cancel()
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupBudget)
		defer cancel()
		sess := &cleanupSession{c: c, login: func(ctx context.Context) (*Client, error) {
			return Login(ctx, env, *ep, domain, direct, creds)
		}}
		if len(d.Created) > 0 {
			cleanup(cctx, sess, d)
		}
		d.ClosedCleanly = sess.c.Close(cctx) && sess.logins == 0
	}()
	runAccountQueries(qctx, env, c, d)
	obs := probes.Observation{Status: probes.StatusOK, Data: d,
		Evidence: []probes.Evidence{{Endpoint: ep.Addr, Kind: "stream",
			Sent:     "login as " + creds.Account + " (" + d.Login.Mechanism + bindingNote(d.Login) + ", " + d.Login.TLSVersion + ")",
			Received: "bound " + d.Login.JID, Detail: postAuthXML(d.Login)}}}
	return obs
}

func bindingNote(l LoginInfo) string {
	if l.ChannelBinding != "" {
		return " with " + l.ChannelBinding
	}
	return ""
}

func postAuthXML(l LoginInfo) string {
	if l.PostAuth == nil {
		return ""
	}
	return "features after login: " + l.PostAuth.XML
}

func runAccountQueries(ctx context.Context, env *probes.Env, c *Client, d *AccountData) {
	bare := c.BareJID()
	d.Server = c.discoInfo(ctx, c.domain)
	d.Account = c.discoInfo(ctx, bare)
	// Components: disco#items of the domain, disco#info of each (bounded).
	ex, res := c.exchange(ctx, "get", c.domain, "<query xmlns='"+NSDiscoItems+"'/>")
	d.ItemsEx = ex
	if res != nil && res.Type == "result" && res.Payload != nil {
		n := 0
		for _, it := range res.Payload.Children {
			j := it.AttrValue("jid")
			if it.Name.Local != "item" || j == "" || it.AttrValue("node") != "" {
				continue
			}
			if n++; n > 32 {
				break
			}
			d.Items = append(d.Items, c.discoInfo(ctx, j))
		}
	}
	d.Version = c.version(ctx)
	d.Roster = c.step(ctx, "roster get (RFC 6121 §2.1.3)", "get", "", "<query xmlns='"+NSRoster+"'/>")
	d.Private = c.step(ctx, "private XML storage get (XEP-0049)", "get", "", "<query xmlns='"+NSPrivate+"'><storage xmlns='storage:bookmarks'/></query>")
	if d.Server.Has(NSExtDisco) {
		d.ExtDisco = c.extDisco(ctx)
	}
	if d.Account.HasIdentity("pubsub", "pep") || d.Account.Has(NSPubSub+"#publish") {
		d.PEP = c.pepTest(ctx, d)
	}
	for _, it := range d.Items {
		if it.HasIdentity("conference", "text") && it.Has(NSMUC) {
			m := MUCService{Info: it}
			if len(d.MUC) < 4 {
				m.Room = c.roomTest(ctx, it.JID, d)
			}
			d.MUC = append(d.MUC, m)
		}
		if it.Has(NSUpload) {
			d.Upload = append(d.Upload, c.uploadTest(ctx, env, it))
		}
	}
}
