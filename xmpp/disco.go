package xmpp

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

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

// Reply is how the server replied to one request of the logged-in probe:
// ReplyResult, the stanza error condition it answered with (e.g.
// "service-unavailable"), or no answer at all ("no answer: " and why).
type Reply string

// ReplyResult is a type='result' answer.
const ReplyResult Reply = "result"

const noReplyPrefix = "no answer: "

func noReply(why string) Reply { return Reply(noReplyPrefix + why) }

// OK reports a result.
func (r Reply) OK() bool { return r == ReplyResult }

// Unanswered reports that the request got no answer (timeout, broken
// session): unlike an error answer, it says nothing about the server.
func (r Reply) Unanswered() bool { return strings.HasPrefix(string(r), noReplyPrefix) }

// DiscoInfo is the disco#info answer of one JID (XEP-0030 §3).
type DiscoInfo struct {
	JID        string     `json:"jid"`
	Status     Reply      `json:"status"`
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
	Status   Reply    `json:"status"`
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
	Status   Reply        `json:"status"`
	Services []ExtService `json:"services,omitempty"`
	Exchange Exchange     `json:"exchange"`
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
		di.Status = noReply(ex.Error)
		return di
	case res.Type != "result":
		di.Status = Reply(res.Condition)
		return di
	}
	di.Status = ReplyResult
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
		v.Status = noReply(ex.Error)
	case res.Type != "result":
		v.Status = Reply(res.Condition)
	default:
		v.Status = ReplyResult
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
		e.Status = noReply(ex.Error)
		return e
	case res.Type != "result":
		e.Status = Reply(res.Condition)
		e.Exchange.Received = res.XML
		return e
	}
	e.Status = ReplyResult
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
