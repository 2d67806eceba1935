package xmpp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/imscore/imscore/probes"
)

// XEP-0156 link relations.
const (
	RelWebSocket = "urn:xmpp:alt-connections:websocket"
	RelBOSH      = "urn:xmpp:alt-connections:xbosh"
)

// maxHostMeta bounds a host-meta document.
const maxHostMeta = 64 << 10

// HostMetaDoc is one fetched host-meta document.
type HostMetaDoc struct {
	URL    string `json:"url"`
	Status string `json:"status"` // HTTP status, or the error
	OK     bool   `json:"ok"`     // 200 and parsed
	// CORS is the Access-Control-Allow-Origin header (XEP-0156 §3.2:
	// web clients on other origins must be able to read it).
	CORS   string `json:"cors,omitempty"`
	Error  string `json:"error,omitempty"`
	Sample string `json:"sample,omitempty"`
}

// HostMetaLink is one connection method found and what it answered.
type HostMetaLink struct {
	Rel    string `json:"rel"`
	Href   string `json:"href"`
	Source string `json:"source"` // host-meta or host-meta.json
	// Answered: the endpoint spoke the protocol (WebSocket: 101 with the
	// xmpp subprotocol; BOSH: an HTTP answer that is not an error).
	Answered bool   `json:"answered"`
	Status   string `json:"status"`
	// Refused: not fetched (the scan's guard refused its address: it
	// leads into an internal network); Status says why.
	Refused bool `json:"refused,omitempty"`
}

// HostMetaData is the data of xmpp.host-meta.
type HostMetaData struct {
	XRD   HostMetaDoc    `json:"xrd"`
	JSON  HostMetaDoc    `json:"json"`
	Links []HostMetaLink `json:"links,omitempty"`
}

// HostMeta is the observation of the XEP-0156 host-meta probe (no account
// needed).
var HostMeta = probes.Key[*HostMetaData]{ID: "xmpp.host-meta"}

// Served reports whether either document was served.
func (d *HostMetaData) Served() bool { return d.XRD.OK || d.JSON.OK }

// HostMetaProbe fetches https://DOMAIN/.well-known/host-meta and
// host-meta.json and tries each WebSocket and BOSH endpoint they list.
func HostMetaProbe(domain string) probes.Probe {
	return probes.Func{Name: HostMeta.ID, Limit: 20 * time.Second, Fn: func(ctx context.Context, env *probes.Env, _ probes.Results) probes.Observation {
		return hostMetaProbe(ctx, env, domain)
	}}
}

func hostMetaProbe(ctx context.Context, env *probes.Env, domain string) probes.Observation {
	d := &HostMetaData{}
	base := "https://" + domain + "/.well-known/"
	var xrdLinks, jsonLinks []HostMetaLink
	probes.Parallel(2, 2, func(i int) {
		if i == 0 {
			d.XRD, xrdLinks = fetchHostMeta(ctx, env, base+"host-meta", "host-meta", parseXRD)
		} else {
			d.JSON, jsonLinks = fetchHostMeta(ctx, env, base+"host-meta.json", "host-meta.json", parseHostMetaJSON)
		}
	})
	seen := map[string]bool{}
	for _, l := range append(xrdLinks, jsonLinks...) {
		if (l.Rel != RelWebSocket && l.Rel != RelBOSH) || seen[l.Rel+" "+l.Href] {
			continue
		}
		seen[l.Rel+" "+l.Href] = true
		if len(d.Links) < 8 {
			d.Links = append(d.Links, l)
		}
	}
	probes.Parallel(len(d.Links), 4, func(i int) { tryLink(ctx, env, &d.Links[i]) })
	var ev []probes.Evidence
	for _, doc := range []HostMetaDoc{d.XRD, d.JSON} {
		ev = append(ev, probes.Evidence{Kind: "http", Sent: "GET " + doc.URL, Received: strings.TrimSpace(doc.Status + " " + corsNote(doc.CORS) + "\n" + doc.Sample), Detail: doc.Error})
	}
	for _, l := range d.Links {
		ev = append(ev, probes.Evidence{Kind: "http", Sent: linkRequest(l), Received: l.Status})
	}
	return probes.Observation{Status: probes.StatusOK, Data: d, Evidence: ev}
}

func corsNote(c string) string {
	if c == "" {
		return "(no Access-Control-Allow-Origin)"
	}
	return "(Access-Control-Allow-Origin: " + c + ")"
}

func linkRequest(l HostMetaLink) string {
	if l.Rel == RelWebSocket {
		return "GET " + l.Href + " (WebSocket upgrade, subprotocol xmpp)"
	}
	return "GET " + l.Href + " (BOSH)"
}

func fetchHostMeta(ctx context.Context, env *probes.Env, u, source string, parse func([]byte) ([]HostMetaLink, error)) (HostMetaDoc, []HostMetaLink) {
	doc := HostMetaDoc{URL: u}
	rctx, cancel := context.WithTimeout(ctx, env.IOTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		doc.Status = err.Error()
		return doc, nil
	}
	req.Header.Set("Origin", "https://imscore.invalid")
	resp, err := env.HTTP.Do(req)
	if err != nil {
		doc.Status = httpErr(err)
		return doc, nil
	}
	defer resp.Body.Close()
	doc.Status = resp.Status
	doc.CORS = resp.Header.Get("Access-Control-Allow-Origin")
	if resp.StatusCode != http.StatusOK {
		if loc := resp.Header.Get("Location"); loc != "" {
			doc.Error = "redirect to " + loc + " (not followed)"
		}
		return doc, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHostMeta+1))
	if err != nil {
		doc.Error = "reading: " + probes.ShortNetError(err)
		return doc, nil
	}
	if len(body) > maxHostMeta {
		doc.Error = fmt.Sprintf("larger than %d KiB", maxHostMeta>>10)
		return doc, nil
	}
	doc.Sample = truncate(string(body), 2000)
	links, err := parse(body)
	if err != nil {
		doc.Error = err.Error()
		return doc, nil
	}
	for i := range links {
		links[i].Source = source
	}
	doc.OK = true
	return doc, links
}

// parseXRD reads the Link elements of an XRD document (RFC 6415), refusing
// DTDs and entities as everywhere else.
func parseXRD(b []byte) ([]HostMetaLink, error) {
	dec := newDecoder(bytes.NewReader(b))
	var links []HostMetaLink
	root := true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if root {
				return nil, errors.New("empty document")
			}
			return links, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, ErrRestrictedXML
		case xml.StartElement:
			if root && t.Name.Local != "XRD" {
				return nil, fmt.Errorf("root element <%s>, want <XRD>", t.Name.Local)
			}
			root = false
			if t.Name.Local == "Link" && len(links) < 64 {
				var l HostMetaLink
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "rel":
						l.Rel = a.Value
					case "href":
						l.Href = a.Value
					}
				}
				links = append(links, l)
			}
		}
	}
}

func parseHostMetaJSON(b []byte) ([]HostMetaLink, error) {
	var doc struct {
		Links []struct {
			Rel  string `json:"rel"`
			Href string `json:"href"`
		} `json:"links"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	var out []HostMetaLink
	for i, l := range doc.Links {
		if i == 64 {
			break
		}
		out = append(out, HostMetaLink{Rel: l.Rel, Href: l.Href})
	}
	return out, nil
}

// tryLink checks that a WebSocket endpoint upgrades with the xmpp
// subprotocol (RFC 7395 §3.3) or that a BOSH endpoint answers HTTP.
func tryLink(ctx context.Context, env *probes.Env, l *HostMetaLink) {
	u, err := url.Parse(l.Href)
	if err != nil || u.Host == "" {
		l.Status = "not a URL"
		return
	}
	switch u.Scheme {
	case "wss":
		u.Scheme = "https"
	case "ws":
		u.Scheme = "http"
	case "https", "http":
	default:
		l.Status = "unsupported scheme " + u.Scheme
		return
	}
	rctx, cancel := context.WithTimeout(ctx, env.IOTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		l.Status = err.Error()
		return
	}
	ws := l.Rel == RelWebSocket
	if ws {
		key := make([]byte, 16)
		_, _ = rand.Read(key)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(key))
		req.Header.Set("Sec-WebSocket-Protocol", "xmpp")
	}
	resp, err := env.HTTP.Do(req)
	if err != nil {
		l.Status, l.Refused = httpErr(err), refusedByGuard(err)
		return
	}
	resp.Body.Close()
	l.Status = resp.Status
	if ws {
		proto := resp.Header.Get("Sec-WebSocket-Protocol")
		l.Answered = resp.StatusCode == http.StatusSwitchingProtocols && strings.EqualFold(proto, "xmpp")
		if resp.StatusCode == http.StatusSwitchingProtocols && !l.Answered {
			l.Status += " (subprotocol " + fmt.Sprintf("%q", proto) + ", want xmpp)"
		}
		return
	}
	l.Answered = resp.StatusCode < 400 || resp.StatusCode == http.StatusMethodNotAllowed
}

// httpErr is a short reason for a failed HTTP request, without the
// "Get \"URL\":" prefix of *url.Error (the URL is in the evidence already).
func httpErr(err error) string {
	var r *probes.RefusedError
	if errors.As(err, &r) {
		return notFetched + r.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return probes.ShortNetError(err)
}

// refusedByGuard reports whether err is the scan's guard refusing an
// internal address (a host-meta link or upload URL that leads from the
// scanned domain into an internal network: not fetched).
func refusedByGuard(err error) bool {
	var r *probes.RefusedError
	return errors.As(err, &r)
}

// notFetched starts the status of a URL the scan's guard did not let us
// fetch.
const notFetched = "not fetched: "
