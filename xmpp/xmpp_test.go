package xmpp

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls"
)

const sf = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"

func TestParseFeatures(t *testing.T) {
	cases := []struct {
		name string
		xml  string
		want Features
	}{
		{"starttls required", sf + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>",
			Features{StartTLS: true, StartTLSRequired: true, Count: 1}},
		{"starttls optional, PLAIN and SCRAM, register", sf + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism> PLAIN </mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms><register xmlns='http://jabber.org/features/iq-register'/></stream:features>",
			Features{StartTLS: true, Mechanisms: []string{"PLAIN", "SCRAM-SHA-1"}, Register: true, Count: 3}},
		{"post-TLS rich", sf + "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism><mechanism>EXTERNAL</mechanism></mechanisms>" +
			"<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/><channel-binding type='tls-server-end-point'/></sasl-channel-binding>" +
			"<authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256-PLUS</mechanism><inline><bind xmlns='urn:xmpp:bind:0'/><fast xmlns='urn:xmpp:fast:0'/></inline></authentication>" +
			"<sm xmlns='urn:xmpp:sm:3'/><sm xmlns='urn:xmpp:sm:2'/><csi xmlns='urn:xmpp:csi:0'/><ver xmlns='urn:xmpp:features:rosterver'/><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/>" +
			"<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session><compression xmlns='http://jabber.org/features/compress'><method>zlib</method></compression><foo xmlns='urn:x'/></stream:features>",
			Features{Mechanisms: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "EXTERNAL"}, ChannelBindings: []string{"tls-exporter", "tls-server-end-point"},
				SASL2: true, SASL2Mechanisms: []string{"SCRAM-SHA-256-PLUS"}, Bind2: true, FAST: true, SM: []string{"3", "2"}, CSI: true, RosterVer: true,
				Caps: &Caps{Node: "n", Ver: "v", Hash: "sha-1"}, Bind: true, Session: true, Compression: []string{"zlib"}, Other: []string{"{urn:x}foo"}, Count: 12}},
		{"s2s", sf + "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL</mechanism></mechanisms></stream:features>",
			Features{Dialback: true, Mechanisms: []string{"EXTERNAL"}, Count: 2}},
		{"wrong namespace is not starttls", sf + "<starttls xmlns='urn:evil'><required/></starttls></stream:features>",
			Features{Other: []string{"{urn:evil}starttls"}, Count: 1}},
		{"empty", sf + "</stream:features>", Features{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseFeatures([]byte(c.xml))
			if err != nil {
				t.Fatal(err)
			}
			if f.XML == "" || !strings.HasPrefix(f.XML, "<stream:features") {
				t.Errorf("evidence XML %q", f.XML)
			}
			f.XML = ""
			if !reflect.DeepEqual(*f, c.want) {
				t.Errorf("got  %+v\nwant %+v", *f, c.want)
			}
		})
	}
}

func TestParseFeaturesRefuses(t *testing.T) {
	deep := sf + strings.Repeat("<a xmlns='urn:x'>", 40) + strings.Repeat("</a>", 40) + "</stream:features>"
	many := sf + strings.Repeat("<a xmlns='urn:x'/>", maxNodes+5) + "</stream:features>"
	long := sf + "<a xmlns='urn:x'>" + strings.Repeat("x", maxText+1) + "</a></stream:features>"
	cases := map[string]string{
		"DTD":             "<!DOCTYPE x [<!ENTITY a 'b'>]>" + sf + "</stream:features>",
		"unknown entity":  sf + "&lol;</stream:features>",
		"too deep":        deep,
		"too many":        many,
		"text too long":   long,
		"not features":    "<iq xmlns='jabber:client'/>",
		"unterminated":    sf + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>",
		"other encoding":  "<?xml version='1.0' encoding='ISO-8859-1'?>" + sf + "</stream:features>",
		"processing inst": sf + "<?foo bar?></stream:features>",
	}
	for name, x := range cases {
		t.Run(name, func(t *testing.T) {
			if f, err := ParseFeatures([]byte(x)); err == nil {
				t.Fatalf("accepted: %+v", f)
			}
		})
	}
}

func FuzzParseFeatures(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "fixtures", "transcripts", "xmpp", "*.xml"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			if i := strings.Index(string(b), "<stream:features"); i >= 0 {
				f.Add([]byte(sf + strings.TrimPrefix(string(b[i:]), "<stream:features>")))
			}
		}
	}
	f.Add([]byte(sf + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		feat, err := ParseFeatures(b)
		if err != nil {
			return
		}
		if len(feat.XML) > maxEvidence+8 {
			t.Fatalf("evidence not bounded: %d", len(feat.XML))
		}
		if feat.StartTLSRequired && !feat.StartTLS {
			t.Fatal("required without starttls")
		}
		// The evidence must parse back to the same features.
		again, err := ParseFeatures([]byte(strings.Replace(feat.XML, "<stream:features", sf[:len(sf)-1], 1)))
		if err == nil && len(feat.XML) < maxEvidence {
			again.XML, feat.XML = "", ""
			if !reflect.DeepEqual(again, feat) {
				t.Fatalf("round trip changed features:\n%+v\n%+v", feat, again)
			}
		}
	})
}

// fakePeer serves each connection with serve after draining what the client
// sends in the background.
func fakePeer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				go io.Copy(io.Discard, c)
				serve(c)
			}()
		}
	}()
	return l.Addr().String()
}

func transcript(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "transcripts", "xmpp", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loopback is the scope of tests that scan a fake server on 127.0.0.1.
var loopback = probes.Scope{Targets: []string{"127.0.0.1"}}

func run(t *testing.T, addr string, ns string) (EndpointStreams, time.Duration) {
	t.Helper()
	env := (&probes.Env{IOTimeout: 500 * time.Millisecond, Scope: loopback}).Filled()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	r := probeStreams(ctx, env, probes.Endpoint{Addr: addr}, "example.test", ns, "")
	return r, time.Since(start)
}

func TestHostilePeers(t *testing.T) {
	send := func(b []byte) func(net.Conn) {
		return func(c net.Conn) { c.Write(b); time.Sleep(2 * time.Second) }
	}
	huge := []byte("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:features>")
	huge = append(huge, []byte(strings.Repeat("<x xmlns='urn:x'>"+strings.Repeat("y", 100)+"</x>", 3000))...)
	cases := []struct {
		name    string
		serve   func(net.Conn)
		status  probes.Status
		errPart string
		check   func(t *testing.T, r EndpointStreams)
	}{
		{"no STARTTLS", send(transcript(t, "no-starttls.xml")), probes.StatusOK, "", func(t *testing.T, r EndpointStreams) {
			if r.PreTLS == nil || r.PreTLS.StartTLS || !r.PreTLS.Register || r.PostTLS != nil {
				t.Fatalf("%+v", r.PreTLS)
			}
		}},
		{"PLAIN before TLS, then no TLS", send(transcript(t, "plain-before-tls.xml")), probes.StatusTimeout, "proceed", func(t *testing.T, r EndpointStreams) {
			if r.PreTLS == nil || !r.PreTLS.HasMechanism("plain") || r.PreTLS.StartTLSRequired || len(r.PreTLS.Other) != 1 {
				t.Fatalf("%+v", r.PreTLS)
			}
		}},
		{"DTD and entities", send(transcript(t, "dtd-entities.xml")), probes.StatusProtocolError, "restricted-xml", nil},
		{"stream error", send(transcript(t, "host-unknown.xml")), probes.StatusProtocolError, "host-unknown", nil},
		{"STARTTLS failure", send(transcript(t, "starttls-failure.xml")), probes.StatusProtocolError, "STARTTLS refused", func(t *testing.T, r EndpointStreams) {
			if r.PreTLS == nil || !r.PreTLS.StartTLSRequired {
				t.Fatalf("pre-TLS features lost: %+v", r.PreTLS)
			}
		}},
		{"not XMPP", send(transcript(t, "not-xmpp.xml")), probes.StatusProtocolError, "not XMPP", nil},
		{"huge features", send(huge), probes.StatusProtocolError, "more than", nil},
		{"silent", func(c net.Conn) { time.Sleep(3 * time.Second) }, probes.StatusTimeout, "timeout", nil},
		{"one byte at a time", func(c net.Conn) {
			for _, b := range transcript(t, "no-starttls.xml") {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}, probes.StatusTimeout, "timeout", nil},
		{"closes at once", func(c net.Conn) {}, probes.StatusProtocolError, "closed", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, took := run(t, fakePeer(t, c.serve), NSClient)
			if r.Status != c.status || !strings.Contains(r.Reason, c.errPart) {
				t.Fatalf("status %s reason %q, want %s with %q", r.Status, r.Reason, c.status, c.errPart)
			}
			if took > 3*time.Second {
				t.Fatalf("took %s", took)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

func TestRefusedEndpoint(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	r, _ := run(t, addr, NSClient)
	if r.Status != probes.StatusRefused {
		t.Fatalf("%+v", r)
	}
}

// TestDirectTLSEndpoints: the direct-TLS TLS set takes every address of the
// _xmpps-client targets, and is not applicable (not an error) without
// records or with ".".
func TestDirectTLSEndpoints(t *testing.T) {
	res := func(s *Service) probes.Results {
		return probes.Results{DNS.ID: &probes.Observation{Status: probes.StatusOK, Data: &DNSData{Domain: "example.test", Services: []*Service{s}}}}
	}
	none := &Service{Service: ServiceClientTLS, Name: "_xmpps-client._tcp.example.test."}
	if o := endpointsProbe(res(none), ServiceClientTLS, 0); o.Status != probes.StatusNotApplicable {
		t.Errorf("no records: %s %s, want not-applicable", o.Status, o.Reason)
	}
	off := &Service{Service: ServiceClientTLS, Name: none.Name, Disabled: true, Records: []SRVTarget{{Target: "."}}}
	if o := endpointsProbe(res(off), ServiceClientTLS, 0); o.Status != probes.StatusNotApplicable {
		t.Errorf("\".\": %s %s, want not-applicable", o.Status, o.Reason)
	}
	two := &Service{Service: ServiceClientTLS, Name: none.Name, Records: []SRVTarget{
		{Port: 5223, Target: "a.example.test.", Endpoints: []probes.Endpoint{{Addr: "127.0.0.1:5223"}, {Addr: "[::1]:5223"}}},
		{Port: 5223, Target: "b.example.test.", Endpoints: []probes.Endpoint{{Addr: "127.0.0.2:5223"}}}}}
	o := endpointsProbe(res(two), ServiceClientTLS, 0)
	d, _ := o.Data.(*tls.EndpointsData)
	if o.Status != probes.StatusOK || d == nil || len(d.Endpoints) != 3 || d.Port != 5223 {
		t.Fatalf("two targets: %s %s %+v", o.Status, o.Reason, d)
	}
	found := map[probes.ID]bool{}
	for _, p := range Probes("example.test") {
		found[p.ID()] = true
	}
	for _, id := range []probes.ID{C2SDirectTLS.Endpoints.ID, C2SDirectTLS.Handshake.ID, C2SDirectTLS.Versions.ID, C2SDirectTLS.Ciphers.ID, C2SDirectTLS.Groups.ID, C2SDirectTLS.DANE.ID} {
		if !found[id] {
			t.Errorf("Probes lacks %s", id)
		}
	}
}
