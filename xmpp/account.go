package xmpp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls"
)

// IDAccount is the logged-in probe (--account).
const IDAccount probes.ID = "xmpp.account"

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

// Identity is a XEP-0030 identity.
type Identity struct {
	Category string `json:"category"`
	Type     string `json:"type"`
	Name     string `json:"name,omitempty"`
}

// Form is a XEP-0128 extended-info data form: FORM_TYPE and its fields.
type Form struct {
	Type   string              `json:"type"`
	Fields map[string][]string `json:"fields,omitempty"`
}

// DiscoInfo is the disco#info answer of one JID (XEP-0030 §3).
type DiscoInfo struct {
	JID        string     `json:"jid"`
	Status     string     `json:"status"` // "result" or the error condition
	Identities []Identity `json:"identities,omitempty"`
	Features   []string   `json:"features,omitempty"`
	Forms      []Form     `json:"forms,omitempty"`
	Exchange   Exchange   `json:"exchange"`
}

// Has reports whether feature var is advertised.
func (d *DiscoInfo) Has(feature string) bool {
	if d == nil {
		return false
	}
	for _, f := range d.Features {
		if f == feature {
			return true
		}
	}
	return false
}

// HasIdentity reports whether an identity category/type is advertised.
func (d *DiscoInfo) HasIdentity(category, typ string) bool {
	if d == nil {
		return false
	}
	for _, i := range d.Identities {
		if i.Category == category && (typ == "" || i.Type == typ) {
			return true
		}
	}
	return false
}

// Form returns the form with FORM_TYPE t, or nil.
func (d *DiscoInfo) Form(t string) *Form {
	if d == nil {
		return nil
	}
	for i := range d.Forms {
		if d.Forms[i].Type == t {
			return &d.Forms[i]
		}
	}
	return nil
}

// VersionInfo is the XEP-0092 answer of the server.
type VersionInfo struct {
	Status   string   `json:"status"`
	Name     string   `json:"name,omitempty"`
	Version  string   `json:"version,omitempty"`
	OS       string   `json:"os,omitempty"`
	Exchange Exchange `json:"exchange"`
}

// ExtService is one XEP-0215 service (credentials are never recorded).
type ExtService struct {
	Type           string `json:"type"`
	Host           string `json:"host"`
	Port           int    `json:"port,omitempty"`
	Transport      string `json:"transport,omitempty"`
	Restricted     bool   `json:"restricted,omitempty"`
	HasCredentials bool   `json:"has_credentials,omitempty"`
}

// ExtDiscoInfo is the XEP-0215 services query.
type ExtDiscoInfo struct {
	Status   string       `json:"status"`
	Services []ExtService `json:"services,omitempty"`
	Exchange Exchange     `json:"exchange"`
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

// PEPTest publishes a test item to a fresh PEP node with publish-options
// access_model=open (what OMEMO clients do, XEP-0384 §5.3.2), reads the
// node configuration back and deletes the node.
type PEPTest struct {
	Node        string `json:"node"`
	Published   bool   `json:"published"`
	AccessModel string `json:"access_model,omitempty"`
	Deleted     bool   `json:"deleted"`
	Steps       []Step `json:"steps"`
}

// RoomTest creates a temporary room on a MUC service to see what a room
// offers (MUC MAM, XEP-0313; self-ping, XEP-0410) and destroys it.
type RoomTest struct {
	Room      string     `json:"room"`
	Created   bool       `json:"created"`
	Info      *DiscoInfo `json:"info,omitempty"`
	Destroyed bool       `json:"destroyed"`
	// Gone: after destruction the room no longer answers disco#info.
	Gone  bool   `json:"gone"`
	Steps []Step `json:"steps"`
}

// MUCService is one XEP-0045 service and its room test.
type MUCService struct {
	Info *DiscoInfo `json:"info"`
	Room *RoomTest  `json:"room,omitempty"`
}

// UploadService is one XEP-0363 service with its slot test.
type UploadService struct {
	Info        *DiscoInfo `json:"info"`
	MaxFileSize int64      `json:"max_file_size,omitempty"`
	Slot        Step       `json:"slot"`
	// PutURL is the slot's PUT URL reduced to scheme and host (path and
	// query may hold the slot's secret); CORS what an OPTIONS preflight to
	// it showed.
	PutURL string    `json:"put_url,omitempty"`
	CORS   *CORSInfo `json:"cors,omitempty"`
}

// CORSInfo is the answer to a CORS preflight.
type CORSInfo struct {
	Status       string `json:"status"` // HTTP status or the error
	AllowOrigin  string `json:"allow_origin,omitempty"`
	AllowMethods string `json:"allow_methods,omitempty"`
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

// Unanswered lists the components whose disco#info got no usable answer
// (their kind is unknown), and says whether disco#items itself failed.
func (d *AccountData) Unanswered() (items []string, listFailed bool) {
	for _, it := range d.Items {
		if it.Status != "result" {
			items = append(items, it.JID+" ("+it.Status+")")
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
	return probes.Func{Name: IDAccount, Wants: []probes.ID{IDC2SStreams, IDDirectTLS}, Limit: accountLimit, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
		return accountProbe(ctx, env, in, domain, creds)
	}}
}

func accountProbe(ctx context.Context, env *probes.Env, in probes.Results, domain string, creds *probes.Credentials) probes.Observation {
	var ep *probes.Endpoint
	if streams, ok := probes.Data[*StreamsData](in, IDC2SStreams); ok {
		for _, e := range streams.Endpoints {
			if e.PostTLS != nil {
				ep = &e.Endpoint
				break
			}
		}
	}
	direct := false
	if ep == nil {
		if d, ok := probes.Data[*DirectTLSData](in, IDDirectTLS); ok {
			for _, e := range d.Endpoints {
				if e.Features != nil {
					ep, direct = &e.Endpoint, true
					break
				}
			}
		}
	}
	if ep == nil {
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "no endpoint offers TLS: imscore never logs in without TLS"}
	}
	c, err := Login(ctx, env, *ep, domain, direct, creds)
	if err != nil {
		st := tls.StatusOf(err)
		if st == probes.StatusOK || st == "" {
			st = probes.StatusError
		}
		return probes.Observation{Status: st, Reason: creds.Redact(err.Error()),
			Evidence: []probes.Evidence{{Endpoint: ep.Addr, Kind: "stream", Detail: "login as " + creds.Account + ": " + creds.Redact(err.Error())}}}
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

func (c *Client) exchange(ctx context.Context, typ, to, payload string) (Exchange, *IQResult) {
	ex := Exchange{Sent: "<iq type='" + typ + "'" + toAttr(to) + ">" + payload + "</iq>"}
	res, err := c.IQ(ctx, typ, to, payload)
	if err != nil {
		ex.Error = c.creds.Redact(err.Error())
		return ex, nil
	}
	ex.Received = res.XML
	return ex, res
}

func (c *Client) step(ctx context.Context, what, typ, to, payload string) Step {
	ex, res := c.exchange(ctx, typ, to, payload)
	s := Step{What: what, Exchange: ex}
	switch {
	case res == nil:
		s.Detail, s.NoAnswer = ex.Error, true
	case res.Type == "result":
		s.OK = true
	default:
		s.Detail = res.Condition
	}
	return s
}

func (c *Client) discoInfo(ctx context.Context, jid string) *DiscoInfo {
	ex, res := c.exchange(ctx, "get", jid, "<query xmlns='"+NSDiscoInfo+"'/>")
	di := &DiscoInfo{JID: jid, Exchange: ex}
	switch {
	case res == nil:
		di.Status = "no answer: " + ex.Error
		return di
	case res.Type != "result":
		di.Status = res.Condition
		return di
	}
	di.Status = "result"
	if res.Payload == nil {
		return di
	}
	for _, ch := range res.Payload.Children {
		switch ch.Name.Local {
		case "identity":
			di.Identities = append(di.Identities, Identity{Category: ch.AttrValue("category"), Type: ch.AttrValue("type"), Name: ch.AttrValue("name")})
		case "feature":
			if v := ch.AttrValue("var"); v != "" {
				di.Features = append(di.Features, v)
			}
		case "x":
			if ch.Name.Space == NSDataForms {
				di.Forms = append(di.Forms, parseForm(ch))
			}
		}
	}
	sort.Strings(di.Features)
	return di
}

func parseForm(x *Node) Form {
	f := Form{Fields: map[string][]string{}}
	for _, fl := range x.Children {
		if fl.Name.Local != "field" {
			continue
		}
		v := fl.AttrValue("var")
		var vals []string
		for _, val := range fl.Children {
			if val.Name.Local == "value" {
				vals = append(vals, strings.TrimSpace(val.Text))
			}
		}
		if v == "FORM_TYPE" {
			if len(vals) > 0 {
				f.Type = vals[0]
			}
			continue
		}
		f.Fields[v] = vals
	}
	return f
}

func (c *Client) version(ctx context.Context) *VersionInfo {
	ex, res := c.exchange(ctx, "get", c.domain, "<query xmlns='"+NSVersion+"'/>")
	v := &VersionInfo{Exchange: ex}
	switch {
	case res == nil:
		v.Status = "no answer: " + ex.Error
	case res.Type != "result":
		v.Status = res.Condition
	default:
		v.Status = "result"
		if q := res.Payload; q != nil {
			for _, ch := range q.Children {
				switch ch.Name.Local {
				case "name":
					v.Name = truncate(strings.TrimSpace(ch.Text), 200)
				case "version":
					v.Version = truncate(strings.TrimSpace(ch.Text), 200)
				case "os":
					v.OS = truncate(strings.TrimSpace(ch.Text), 200)
				}
			}
		}
	}
	return v
}

func (c *Client) extDisco(ctx context.Context) *ExtDiscoInfo {
	ex, res := c.exchange(ctx, "get", c.domain, "<services xmlns='"+NSExtDisco+"'/>")
	e := &ExtDiscoInfo{}
	// TURN credentials must not reach the report: keep the request only
	// and describe the answer.
	e.Exchange = Exchange{Sent: ex.Sent, Error: ex.Error}
	switch {
	case res == nil:
		e.Status = "no answer: " + ex.Error
		return e
	case res.Type != "result":
		e.Status = res.Condition
		e.Exchange.Received = res.XML
		return e
	}
	e.Status = "result"
	if res.Payload != nil {
		for _, s := range res.Payload.Children {
			if s.Name.Local != "service" {
				continue
			}
			p, _ := strconv.Atoi(s.AttrValue("port"))
			e.Services = append(e.Services, ExtService{Type: s.AttrValue("type"), Host: s.AttrValue("host"), Port: p,
				Transport: s.AttrValue("transport"), Restricted: s.AttrValue("restricted") == "1" || s.AttrValue("restricted") == "true",
				HasCredentials: s.AttrValue("username") != "" && s.AttrValue("password") != ""})
		}
	}
	var parts []string
	for _, s := range e.Services {
		cred := ""
		if s.HasCredentials {
			cred = " (credentials given, not shown)"
		}
		parts = append(parts, fmt.Sprintf("%s %s:%d/%s%s", s.Type, s.Host, s.Port, s.Transport, cred))
	}
	e.Exchange.Received = "services: " + strings.Join(parts, "; ")
	if len(parts) == 0 {
		e.Exchange.Received = "no services"
	}
	return e
}

// pepTest publishes, reads the configuration, deletes.
func (c *Client) pepTest(ctx context.Context, d *AccountData) *PEPTest {
	node := "urn:imscore:probe:" + c.prefix
	t := &PEPTest{Node: node}
	pub := "<pubsub xmlns='" + NSPubSub + "'><publish node='" + node + "'><item id='current'><probe xmlns='urn:imscore:probe'/></item></publish>" +
		"<publish-options><x xmlns='" + NSDataForms + "' type='submit'>" +
		"<field var='FORM_TYPE' type='hidden'><value>" + NSPubSub + "#publish-options</value></field>" +
		"<field var='pubsub#access_model'><value>open</value></field></x></publish-options></pubsub>"
	s := c.step(ctx, "publish to a new PEP node with publish-options access_model=open", "set", "", pub)
	t.Steps = append(t.Steps, s)
	// The node may exist even when publishing failed half-way: always try
	// to delete it.
	d.Created = append(d.Created, "PEP node "+node)
	if !s.OK {
		return t
	}
	t.Published = true
	ex, res := c.exchange(ctx, "get", "", "<pubsub xmlns='"+NSPubSubOwner+"'><configure node='"+node+"'/></pubsub>")
	cs := Step{What: "read the node configuration back", Exchange: ex}
	if res != nil && res.Type == "result" && res.Payload != nil {
		if cfg := res.Payload.Child(NSPubSubOwner, "configure"); cfg != nil {
			if x := cfg.Child(NSDataForms, "x"); x != nil {
				if v := parseForm(x).Fields["pubsub#access_model"]; len(v) > 0 {
					t.AccessModel = v[0]
				}
			}
		}
		cs.OK = t.AccessModel != ""
		cs.Detail = "access_model=" + t.AccessModel
	} else if res != nil {
		cs.Detail = res.Condition
	} else {
		cs.Detail = ex.Error
	}
	t.Steps = append(t.Steps, cs)
	return t
}

// roomTest creates a temporary room, asks its disco#info, destroys it.
func (c *Client) roomTest(ctx context.Context, service string, d *AccountData) *RoomTest {
	room := c.prefix + "@" + service
	t := &RoomTest{Room: room}
	d.Created = append(d.Created, "MUC room "+room)
	join := "<presence to='" + escape(room) + "/imscore'><x xmlns='" + NSMUC + "'><history maxstanzas='0'/></x></presence>"
	st := Step{What: "join a new room (creates it, XEP-0045 §10.1)", Exchange: Exchange{Sent: join}}
	if err := c.Send(ctx, join); err != nil {
		st.Detail = err.Error()
		t.Steps = append(t.Steps, st)
		return t
	}
	p, err := c.AwaitPresence(ctx, room+"/")
	if err != nil {
		st.Detail = err.Error()
		t.Steps = append(t.Steps, st)
		return t
	}
	st.Exchange.Received = truncate(p.String(), maxEvidence)
	if p.AttrValue("type") == "error" {
		st.Detail = "join refused"
		t.Steps = append(t.Steps, st)
		return t
	}
	t.Created = strings.Contains(st.Exchange.Received, "code='201'") || strings.Contains(st.Exchange.Received, `code="201"`)
	st.OK = true
	if !t.Created {
		st.Detail = "joined, but the server did not say it created the room (status 201)"
	}
	t.Steps = append(t.Steps, st)
	// Accept the default configuration (instant room, §10.1.2) so the room
	// is unlocked and answers disco#info as a real room would.
	t.Steps = append(t.Steps, c.step(ctx, "accept the default configuration (instant room)", "set", room,
		"<query xmlns='"+NSMUCOwner+"'><x xmlns='"+NSDataForms+"' type='submit'/></query>"))
	t.Info = c.discoInfo(ctx, room)
	return t
}

func (c *Client) uploadTest(ctx context.Context, env *probes.Env, it *DiscoInfo) UploadService {
	u := UploadService{Info: it}
	if f := it.Form(NSUpload); f != nil {
		if v := f.Fields["max-file-size"]; len(v) > 0 {
			u.MaxFileSize, _ = strconv.ParseInt(v[0], 10, 64)
		}
	}
	ex, res := c.exchange(ctx, "get", it.JID, "<request xmlns='"+NSUpload+"' filename='imscore-probe.txt' size='16' content-type='text/plain'/>")
	// Slot URLs can carry tokens: keep only scheme, host and path.
	ex.Received = ""
	u.Slot = Step{What: "request an upload slot for a 16-byte file (nothing is uploaded)", Exchange: ex}
	switch {
	case res == nil:
		u.Slot.Detail = ex.Error
		return u
	case res.Type != "result" || res.Payload == nil:
		u.Slot.Detail = res.Condition
		u.Slot.Exchange.Received = res.XML
		return u
	}
	var put string
	if p := res.Payload.Child(NSUpload, "put"); p != nil {
		put = p.AttrValue("url")
	}
	pu, err := url.Parse(put)
	if err != nil || put == "" || (pu.Scheme != "https" && pu.Scheme != "http") {
		u.Slot.Detail = "slot without a usable PUT URL"
		return u
	}
	u.Slot.OK = true
	// The path holds the slot's secret with several servers (whoever knows
	// the URL can upload or download): keep scheme and host only.
	u.PutURL = pu.Scheme + "://" + pu.Host + "/…"
	u.Slot.Exchange.Received = "slot: PUT " + u.PutURL + " (path, query and headers not shown: they carry the slot's secret)"
	if why := scopeRefusal(ctx, env, c.domain, put); why != "" {
		u.CORS = &CORSInfo{Status: why}
		return u
	}
	u.CORS = corsPreflight(ctx, env, put)
	return u
}

// corsPreflight asks the upload URL whether a web client may PUT to it.
func corsPreflight(ctx context.Context, env *probes.Env, put string) *CORSInfo {
	rctx, cancel := context.WithTimeout(ctx, env.IOTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodOptions, put, nil)
	if err != nil {
		return &CORSInfo{Status: err.Error()}
	}
	req.Header.Set("Origin", "https://imscore.invalid")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := env.HTTP.Do(req)
	if err != nil {
		return &CORSInfo{Status: httpErr(err)}
	}
	defer resp.Body.Close()
	return &CORSInfo{Status: resp.Status, AllowOrigin: resp.Header.Get("Access-Control-Allow-Origin"), AllowMethods: resp.Header.Get("Access-Control-Allow-Methods")}
}

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
			if after.Status == "result" {
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
			after = &DiscoInfo{JID: room, Status: err.Error()}
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
	return after, after.Status
}
