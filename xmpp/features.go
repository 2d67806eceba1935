package xmpp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Namespaces of the stream features imscore understands.
const (
	NSStreams    = "http://etherx.jabber.org/streams"
	NSClient     = "jabber:client"
	NSServer     = "jabber:server"
	NSDialbackDB = "jabber:server:dialback"
	NSTLS        = "urn:ietf:params:xml:ns:xmpp-tls"
	NSSASL       = "urn:ietf:params:xml:ns:xmpp-sasl"
	NSBind       = "urn:ietf:params:xml:ns:xmpp-bind"
	NSSession    = "urn:ietf:params:xml:ns:xmpp-session"
	NSRegister   = "http://jabber.org/features/iq-register" // XEP-0077 §4 (stream feature)
	NSSM3        = "urn:xmpp:sm:3"                          // XEP-0198
	NSSM2        = "urn:xmpp:sm:2"
	NSCSI        = "urn:xmpp:csi:0"                      // XEP-0352
	NSRosterVer  = "urn:xmpp:features:rosterver"         // XEP-0237
	NSCaps       = "http://jabber.org/protocol/caps"     // XEP-0115
	NSDialback   = "urn:xmpp:features:dialback"          // XEP-0220 §2.1
	NSSASLCB     = "urn:xmpp:sasl-cb:0"                  // XEP-0440
	NSSASL2      = "urn:xmpp:sasl:2"                     // XEP-0388
	NSBind2      = "urn:xmpp:bind:0"                     // XEP-0386
	NSFAST       = "urn:xmpp:fast:0"                     // XEP-0484
	NSCompress   = "http://jabber.org/features/compress" // XEP-0138
)

// Limits on what a peer may send, so that a hostile server cannot exhaust
// memory: the whole connection is also bounded in bytes (see Session).
const (
	maxDepth    = 16
	maxNodes    = 2000
	maxText     = 64 << 10 // a XEP-0158 CAPTCHA image (XEP-0231 data) fits
	maxEvidence = 16 << 10
)

// Node is a parsed XML element (restricted XML, RFC 6120 §11.1: no DTD,
// no processing instructions, no entity beyond the predefined ones).
type Node struct {
	Name     xml.Name
	Attr     []xml.Attr
	Children []*Node
	Text     string
}

// Attr returns the value of the attribute with the given local name (any
// namespace).
func (n *Node) AttrValue(local string) string {
	for _, a := range n.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// Child returns the first child element with namespace ns and local name.
func (n *Node) Child(ns, local string) *Node {
	for _, c := range n.Children {
		if c.Name.Local == local && (ns == "" || c.Name.Space == ns) {
			return c
		}
	}
	return nil
}

// String serialises the node compactly, declaring a namespace where it
// differs from the parent's (bounded by maxEvidence characters).
func (n *Node) String() string {
	var b strings.Builder
	n.write(&b, NSStreams)
	s := b.String()
	if len(s) > maxEvidence {
		s = s[:maxEvidence] + "…"
	}
	return s
}

func (n *Node) write(b *strings.Builder, parentNS string) {
	if b.Len() > maxEvidence {
		return
	}
	name := n.Name.Local
	if n.Name.Space == NSStreams {
		name = "stream:" + name
	}
	b.WriteString("<" + name)
	if n.Name.Space != parentNS && n.Name.Space != NSStreams {
		fmt.Fprintf(b, " xmlns='%s'", escape(n.Name.Space))
	}
	for _, a := range n.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		fmt.Fprintf(b, " %s='%s'", a.Name.Local, escape(a.Value))
	}
	text := strings.TrimSpace(n.Text)
	if len(n.Children) == 0 && text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteString(">")
	b.WriteString(escape(text))
	ns := n.Name.Space
	if ns == NSStreams {
		ns = parentNS
	}
	for _, c := range n.Children {
		c.write(b, ns)
	}
	b.WriteString("</" + name + ">")
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), "'", "&apos;")
}

// ErrRestrictedXML is returned for XML that RFC 6120 §11.1 forbids on a
// stream (DTDs, processing instructions, comments are tolerated).
var ErrRestrictedXML = errors.New("restricted-xml: DTD or processing instruction on an XMPP stream")

// readElement reads the element that start opened, with its children,
// bounded in depth, node count and text size. count is shared across calls.
func readElement(dec *xml.Decoder, start xml.StartElement, count *int) (*Node, error) {
	root := &Node{Name: start.Name, Attr: start.Attr}
	stack := []*Node{root}
	*count++
	for len(stack) > 0 {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			*count++
			if *count > maxNodes {
				return nil, fmt.Errorf("more than %d elements", maxNodes)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("elements nested deeper than %d", maxDepth)
			}
			n := &Node{Name: t.Name, Attr: t.Attr}
			top.Children = append(top.Children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(top.Text)+len(t) > maxText {
				return nil, fmt.Errorf("text of <%s> longer than %d bytes", top.Name.Local, maxText)
			}
			top.Text += string(t)
		case xml.Directive, xml.ProcInst:
			return nil, ErrRestrictedXML
		}
	}
	return root, nil
}

// Features is what a <stream:features/> element advertises (RFC 6120 §4.3.2).
type Features struct {
	// XML is the element as received (re-serialised compactly, bounded).
	XML string `json:"xml"`
	// StartTLS: <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> offered;
	// StartTLSRequired: with <required/> inside.
	StartTLS         bool `json:"starttls"`
	StartTLSRequired bool `json:"starttls_required"`
	// Mechanisms are the SASL mechanisms (RFC 6120 §6.4.1), as sent.
	Mechanisms []string `json:"mechanisms,omitempty"`
	// ChannelBindings are the XEP-0440 channel-binding types.
	ChannelBindings []string `json:"channel_bindings,omitempty"`
	// SASL2: XEP-0388 <authentication xmlns='urn:xmpp:sasl:2'/> with its
	// mechanisms; Bind2 (XEP-0386) and FAST (XEP-0484) inline.
	SASL2           bool     `json:"sasl2,omitempty"`
	SASL2Mechanisms []string `json:"sasl2_mechanisms,omitempty"`
	Bind2           bool     `json:"bind2,omitempty"`
	FAST            bool     `json:"fast,omitempty"`
	// FASTMechanisms are the token mechanisms inside <fast/> (XEP-0484
	// §3.1: HT-SHA-256-NONE, HT-SHA-256-ENDP, …).
	FASTMechanisms []string `json:"fast_mechanisms,omitempty"`
	// FAST0RTT: the 'tls-0rtt' attribute says authentication data may come
	// in TLS 0-RTT early data (XEP-0484 §3.1).
	FAST0RTT bool `json:"fast_0rtt,omitempty"`
	// Register: XEP-0077 in-band registration stream feature.
	Register bool `json:"register,omitempty"`
	// Bind and Session (RFC 6120 §7, RFC 3921 session).
	Bind    bool `json:"bind,omitempty"`
	Session bool `json:"session,omitempty"`
	// SM: XEP-0198 stream management (versions seen, "3" or "2").
	SM []string `json:"sm,omitempty"`
	// CSI: XEP-0352; RosterVer: XEP-0237; Dialback: XEP-0220.
	CSI       bool `json:"csi,omitempty"`
	RosterVer bool `json:"rosterver,omitempty"`
	Dialback  bool `json:"dialback,omitempty"`
	// Compression: XEP-0138 methods offered.
	Compression []string `json:"compression,omitempty"`
	// Caps is the XEP-0115 entity-capabilities element, if any.
	Caps *Caps `json:"caps,omitempty"`
	// Other lists unrecognised features as "{namespace}local".
	Other []string `json:"other,omitempty"`
	// Count is the number of feature elements.
	Count int `json:"count"`
}

// Caps is a XEP-0115 <c/> element.
type Caps struct {
	Node string `json:"node"`
	Ver  string `json:"ver"`
	Hash string `json:"hash"`
}

// HasMechanism reports whether mech was offered (case-insensitive).
func (f *Features) HasMechanism(mech string) bool {
	for _, m := range f.Mechanisms {
		if strings.EqualFold(m, mech) {
			return true
		}
	}
	return false
}

// FeaturesFromNode interprets a parsed <stream:features/> element.
func FeaturesFromNode(n *Node) *Features {
	f := &Features{XML: n.String(), Count: len(n.Children)}
	for _, c := range n.Children {
		switch c.Name.Space + " " + c.Name.Local {
		case NSTLS + " starttls":
			f.StartTLS = true
			f.StartTLSRequired = c.Child(NSTLS, "required") != nil
		case NSSASL + " mechanisms":
			f.Mechanisms = texts(c, "mechanism")
		case NSSASLCB + " sasl-channel-binding":
			for _, b := range c.Children {
				if b.Name.Local == "channel-binding" {
					if t := strings.TrimSpace(b.AttrValue("type")); t != "" {
						f.ChannelBindings = append(f.ChannelBindings, t)
					}
				}
			}
		case NSSASL2 + " authentication":
			f.SASL2 = true
			f.SASL2Mechanisms = texts(c, "mechanism")
			if in := c.Child(NSSASL2, "inline"); in != nil {
				f.Bind2 = in.Child(NSBind2, "bind") != nil
				if fast := in.Child(NSFAST, "fast"); fast != nil {
					f.FAST = true
					f.FASTMechanisms = texts(fast, "mechanism")
					z := strings.TrimSpace(fast.AttrValue("tls-0rtt"))
					f.FAST0RTT = z == "1" || z == "true"
				}
			}
		case NSRegister + " register":
			f.Register = true
		case NSBind + " bind":
			f.Bind = true
		case NSSession + " session":
			f.Session = true
		case NSSM3 + " sm":
			f.SM = append(f.SM, "3")
		case NSSM2 + " sm":
			f.SM = append(f.SM, "2")
		case NSCSI + " csi":
			f.CSI = true
		case NSRosterVer + " ver":
			f.RosterVer = true
		case NSDialback + " dialback":
			f.Dialback = true
		case NSCompress + " compression":
			f.Compression = texts(c, "method")
		case NSCaps + " c":
			f.Caps = &Caps{Node: c.AttrValue("node"), Ver: c.AttrValue("ver"), Hash: c.AttrValue("hash")}
		default:
			f.Other = append(f.Other, "{"+c.Name.Space+"}"+c.Name.Local)
		}
	}
	sort.Strings(f.Other)
	return f
}

func texts(n *Node, local string) []string {
	var out []string
	for _, c := range n.Children {
		if c.Name.Local == local {
			if s := strings.TrimSpace(c.Text); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// ParseFeatures parses a standalone <stream:features/> element (the
// stream prefix must be declared in it or be the default for the element,
// as in the transcripts under fixtures/transcripts/xmpp). It applies the
// same limits as a live stream. It is the entry point of FuzzParseFeatures.
func ParseFeatures(b []byte) (*Features, error) {
	if len(b) > 1<<20 {
		return nil, errors.New("features larger than 1 MiB")
	}
	dec := newDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("no element")
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Directive, xml.ProcInst:
			if pi, ok := t.(xml.ProcInst); ok && pi.Target == "xml" {
				continue
			}
			return nil, ErrRestrictedXML
		case xml.StartElement:
			if t.Name.Local != "features" || t.Name.Space != NSStreams {
				return nil, fmt.Errorf("expected <stream:features>, got <%s xmlns='%s'>", t.Name.Local, t.Name.Space)
			}
			count := 0
			n, err := readElement(dec, t, &count)
			if err != nil {
				return nil, err
			}
			return FeaturesFromNode(n), nil
		}
	}
}

// newDecoder returns a strict decoder that knows only the predefined XML
// entities (encoding/xml never fetches external entities or reads a DTD's
// internal subset; DTDs are refused as restricted XML by the callers).
func newDecoder(r io.Reader) *xml.Decoder {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	dec.Entity = map[string]string{}
	dec.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("encoding %q not allowed (XMPP is UTF-8)", label)
	}
	return dec
}

// NewDecoder returns imscore's restricted XML decoder: strict, UTF-8 only,
// no entities beyond the predefined ones (DTDs and processing instructions
// reach the caller as tokens, to be refused with ErrRestrictedXML). For
// packages that read XMPP streams from peers, such as xmpp/clienttest.
func NewDecoder(r io.Reader) *xml.Decoder { return newDecoder(r) }

// ReadElement reads the element that start opened, with its children,
// bounded in depth (16), element count (2000, shared through count across
// calls) and text size (64 KiB per element). It returns ErrRestrictedXML for
// a DTD or processing instruction inside the element.
func ReadElement(dec *xml.Decoder, start xml.StartElement, count *int) (*Node, error) {
	return readElement(dec, start, count)
}

// Escape escapes s for an XML attribute value in single quotes or for text.
func Escape(s string) string { return escape(s) }
