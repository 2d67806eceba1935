package xmpp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/imscore/imscore/probes"
)

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

// NotFetched reports that the preflight was not sent because the PUT URL
// leads into an internal network (the scan's guard refused it).
func (c *CORSInfo) NotFetched() bool { return strings.HasPrefix(c.Status, notFetched) }

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
