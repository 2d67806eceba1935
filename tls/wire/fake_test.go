package wire

// Scripted fake servers for what no real server here answers (SSLv2,
// SSLv3, hostile replies), and checks of the ClientHellos we send.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// engCH is a ClientHello as a test server sees it.
type engCH struct {
	ssl2          bool
	recordVersion uint16
	clientVersion uint16
	sessionID     []byte
	suites        []uint16
	ssl2Specs     []uint32
	extOrder      []uint16
	exts          map[uint16][]byte
	hsLen         int // handshake message length including its header
}

func (h *engCH) has(suite uint16) bool { return indexOf(h.suites, suite) >= 0 }

// engParseClientHello parses one ClientHello record (TLS or SSLv2).
func engParseClientHello(rec []byte) (*engCH, error) {
	bad := errors.New("malformed ClientHello")
	if len(rec) < 2 {
		return nil, bad
	}
	if rec[0]&0x80 != 0 {
		n := int(rec[0]&0x7f)<<8 | int(rec[1])
		p := parser{rec[2:]}
		if len(p.b) != n {
			return nil, bad
		}
		typ, _ := p.u8()
		v, _ := p.u16()
		specLen, _ := p.u16()
		sidLen, _ := p.u16()
		chLen, ok := p.u16()
		specs, ok2 := p.bytes(int(specLen))
		_, ok3 := p.bytes(int(sidLen))
		_, ok4 := p.bytes(int(chLen))
		if typ != 1 || !ok || !ok2 || !ok3 || !ok4 || !p.empty() || specLen%3 != 0 {
			return nil, bad
		}
		h := &engCH{ssl2: true, clientVersion: v}
		for i := 0; i < len(specs); i += 3 {
			h.ssl2Specs = append(h.ssl2Specs, uint32(specs[i])<<16|uint32(specs[i+1])<<8|uint32(specs[i+2]))
		}
		return h, nil
	}
	p := parser{rec}
	typ, _ := p.u8()
	rv, _ := p.u16()
	payload, ok := p.vec(2)
	if typ != recordHandshake || !ok || !p.empty() {
		return nil, bad
	}
	h := &engCH{recordVersion: rv, exts: map[uint16][]byte{}, hsLen: len(payload)}
	p = parser{payload}
	mt, _ := p.u8()
	body, ok := p.vec(3)
	if mt != hsClientHello || !ok || !p.empty() {
		return nil, bad
	}
	p = parser{body}
	h.clientVersion, _ = p.u16()
	if _, ok := p.bytes(32); !ok {
		return nil, bad
	}
	h.sessionID, ok = p.vec(1)
	suites, ok2 := p.vec(2)
	comp, ok3 := p.vec(1)
	if !ok || !ok2 || !ok3 || len(suites)%2 != 0 || !bytes.Equal(comp, []byte{0}) {
		return nil, bad
	}
	for i := 0; i < len(suites); i += 2 {
		h.suites = append(h.suites, uint16(suites[i])<<8|uint16(suites[i+1]))
	}
	if p.empty() {
		return h, nil
	}
	exts, ok := p.vec(2)
	if !ok || !p.empty() {
		return nil, bad
	}
	ep := parser{exts}
	for !ep.empty() {
		typ, ok1 := ep.u16()
		data, ok2 := ep.vec(2)
		if !ok1 || !ok2 {
			return nil, bad
		}
		if _, dup := h.exts[typ]; dup {
			return nil, errors.New("duplicate extension")
		}
		h.exts[typ] = data
		h.extOrder = append(h.extOrder, typ)
	}
	return h, nil
}

// engReadClientHello reads one ClientHello record from c.
func engReadClientHello(c net.Conn) (*engCH, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:2]); err != nil {
		return nil, err
	}
	if hdr[0]&0x80 != 0 {
		n := int(hdr[0]&0x7f)<<8 | int(hdr[1])
		rec := make([]byte, 2+n)
		copy(rec, hdr[:2])
		if _, err := io.ReadFull(c, rec[2:]); err != nil {
			return nil, err
		}
		return engParseClientHello(rec)
	}
	if _, err := io.ReadFull(c, hdr[2:]); err != nil {
		return nil, err
	}
	n := int(hdr[3])<<8 | int(hdr[4])
	rec := make([]byte, 5+n)
	copy(rec, hdr[:])
	if _, err := io.ReadFull(c, rec[5:]); err != nil {
		return nil, err
	}
	return engParseClientHello(rec)
}

// Server-side message builders.

func engRecord(typ byte, ver uint16, payload []byte) []byte {
	var w builder
	w.u8(typ)
	w.u16(ver)
	w.vec(2, func(w *builder) { w.raw(payload) })
	return w.b
}

func engHandshake(typ byte, body []byte) []byte {
	var w builder
	w.u8(typ)
	w.vec(3, func(w *builder) { w.raw(body) })
	return w.b
}

func engServerHelloBody(ver uint16, random []byte, suite uint16, exts ...extension) []byte {
	var w builder
	w.u16(ver)
	if random == nil {
		random = make([]byte, 32)
	}
	w.raw(random)
	w.vec(1, func(w *builder) {})
	w.u16(suite)
	w.u8(0)
	if len(exts) > 0 {
		w.vec(2, func(w *builder) {
			for _, e := range exts {
				w.u16(e.typ)
				w.vec(2, func(w *builder) { w.raw(e.data) })
			}
		})
	}
	return w.b
}

func engCertificateBody(certs ...[]byte) []byte {
	var w builder
	w.vec(3, func(w *builder) {
		for _, c := range certs {
			w.vec(3, func(w *builder) { w.raw(c) })
		}
	})
	return w.b
}

func engSSL2ServerHello(cert []byte, specs []uint32) []byte {
	var w builder
	w.u8(4)
	w.u8(0)
	w.u8(1) // X.509
	w.u16(2)
	w.u16(uint16(len(cert)))
	w.u16(uint16(3 * len(specs)))
	w.u16(16)
	w.raw(cert)
	for _, s := range specs {
		w.u8(byte(s >> 16))
		w.u8(byte(s >> 8))
		w.u8(byte(s))
	}
	w.raw(make([]byte, 16))
	n := len(w.b)
	return append([]byte{0x80 | byte(n>>8), byte(n)}, w.b...)
}

func engAlert(desc byte) []byte { return engRecord(recordAlert, 0x0301, []byte{2, desc}) }

// engFake serves handle on a loopback listener; it returns the address.
func engFake(t testing.TB, handle func(c net.Conn, ch *engCH)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				ch, err := engReadClientHello(c)
				if err != nil {
					t.Errorf("fake server: %v", err)
					return
				}
				handle(c, ch)
			}()
		}
	}()
	return l.Addr().String()
}

// engSSL3Server speaks SSLv3 only and enforces its order (3DES, then RC4).
func engSSL3Server(t *testing.T, cert []byte) string {
	pref := []uint16{0x000A, 0x0005}
	return engFake(t, func(c net.Conn, ch *engCH) {
		if ch.ssl2 {
			return // close
		}
		if ch.clientVersion == 0x0300 {
			if len(ch.exts) != 0 || !ch.has(scsvRenegotiation) || ch.recordVersion != 0x0300 {
				t.Errorf("SSLv3 ClientHello: extensions %v, SCSV %v, record version %#x",
					ch.extOrder, ch.has(scsvRenegotiation), ch.recordVersion)
			}
		}
		chosen := uint16(0)
		for _, s := range pref {
			if ch.has(s) {
				chosen = s
				break
			}
		}
		if chosen == 0 {
			_, _ = c.Write(engAlert(alertHandshakeFailure))
			return
		}
		// All three messages in one record.
		var flight []byte
		flight = append(flight, engHandshake(hsServerHello, engServerHelloBody(0x0300, nil, chosen))...)
		flight = append(flight, engHandshake(hsCertificate, engCertificateBody(cert))...)
		flight = append(flight, engHandshake(hsServerHelloDone, nil)...)
		_, _ = c.Write(engRecord(recordHandshake, 0x0300, flight))
		_, _ = io.Copy(io.Discard, c)
	})
}

func TestEngFakeSSL3(t *testing.T) {
	cert := engCertDER(t)
	dial := engDialer(engSSL3Server(t, cert))
	ctx := engCtx(t)
	vs, err := ScanVersions(ctx, dial, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	engCheckVersions(t, vs, VersionSSL3)
	for _, v := range vs.Versions {
		if v.Version >= VersionTLS10 && v.Version <= VersionTLS12 && !strings.HasPrefix(v.Answer, "ServerHello SSLv3 ") {
			t.Errorf("%v answer %q, want the SSLv3 downgrade", v.Version, v.Answer)
		}
	}
	engCheckCiphers(t, engScanCiphers(t, dial, VersionSSL3), []uint16{0x000A, 0x0005}, "server")
	if cs := engScanCiphers(t, dial, VersionTLS12); len(cs.Suites) != 0 {
		t.Errorf("TLS 1.2 suites on an SSLv3-only server: %v", engIDs(cs.Suites))
	}
	chain, err := FetchChain(ctx, dial, "localhost", VersionSSL3)
	if err != nil || len(chain) != 1 || !bytes.Equal(chain[0], cert) {
		t.Errorf("FetchChain(SSLv3): %d certs, %v", len(chain), err)
	}
	// SSLv3 ClientHellos cannot carry supported_groups: no curve is
	// tested, only DHE (refused here).
	gs, err := ScanGroups(ctx, dial, "localhost", []Version{VersionSSL3})
	if err != nil || gs.Version != VersionSSL3 || len(gs.Supported)+len(gs.Rejected) != 0 || gs.Handshakes != 2 {
		t.Errorf("ScanGroups(SSLv3): %v %+v", err, gs)
	}
}

func TestEngFakeSSL2(t *testing.T) {
	cert := engCertDER(t)
	addr := engFake(t, func(c net.Conn, ch *engCH) {
		if !ch.ssl2 {
			_, _ = c.Write(engAlert(alertProtocolVersion))
			return
		}
		if ch.clientVersion != 2 || len(ch.ssl2Specs) != len(ssl2Ciphers) {
			t.Errorf("SSLv2 CLIENT-HELLO version %d, %d specs", ch.clientVersion, len(ch.ssl2Specs))
		}
		_, _ = c.Write(engSSL2ServerHello(cert, []uint32{0x010080, 0x0700c0}))
	})
	dial := engDialer(addr)
	ctx := engCtx(t)
	vs, err := ScanVersions(ctx, dial, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	engCheckVersions(t, vs, VersionSSL2)
	cs := engScanCiphers(t, dial, VersionSSL2)
	var names []string
	for _, s := range cs.Suites {
		names = append(names, s.Name+"/"+strings.Join(s.Weak, "+"))
	}
	if got := strings.Join(names, " "); got != "SSL_CK_RC4_128_WITH_MD5/rc4+static-rsa+md5 SSL_CK_DES_192_EDE3_CBC_WITH_MD5/3des+cbc+static-rsa+md5" {
		t.Errorf("SSLv2 suites: %s", got)
	}
	chain, err := FetchChain(ctx, dial, "localhost", VersionSSL2)
	if err != nil || len(chain) != 1 || !bytes.Equal(chain[0], cert) {
		t.Errorf("FetchChain(SSLv2): %d certs, %v", len(chain), err)
	}
}

// TestEngFakeFragmented checks handshake reassembly: a HelloRequest, a
// ServerHello split over two records, a Certificate over three.
func TestEngFakeFragmented(t *testing.T) {
	cert := engCertDER(t)
	addr := engFake(t, func(c net.Conn, ch *engCH) {
		var flight []byte
		flight = append(flight, engHandshake(hsHelloRequest, nil)...)
		flight = append(flight, engHandshake(hsServerHello, engServerHelloBody(0x0303, nil, 0xC02F,
			extension{extRenegotiationInfo, []byte{0}}))...)
		flight = append(flight, engHandshake(hsCertificate, engCertificateBody(cert, cert[:100]))...)
		flight = append(flight, engHandshake(hsServerHelloDone, nil)...)
		cuts := []int{0, 20, 80, 300, 700, len(flight)}
		for i := 1; i < len(cuts); i++ {
			_, _ = c.Write(engRecord(recordHandshake, 0x0303, flight[cuts[i-1]:cuts[i]]))
		}
	})
	chain, err := FetchChain(engCtx(t), engDialer(addr), "localhost", VersionTLS12)
	if err != nil || len(chain) != 2 || !bytes.Equal(chain[0], cert) || !bytes.Equal(chain[1], cert[:100]) {
		t.Errorf("FetchChain: %d certs, %v", len(chain), err)
	}
}

// TestEngFakeHostile checks that hostile or broken answers are recorded as
// errors, never as a measured answer, and never hang or panic.
func TestEngFakeHostile(t *testing.T) {
	old := handshakeTimeout
	handshakeTimeout = 300 * time.Millisecond
	t.Cleanup(func() { handshakeTimeout = old })
	cases := []struct {
		name   string
		handle func(c net.Conn, ch *engCH)
		answer string // VersionSupport.Answer for TLS 1.2 ("" when Error)
		err    string // substring of VersionSupport.Error
	}{
		{"garbage", func(c net.Conn, ch *engCH) {
			_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		}, "", `not TLS: reply starts "HTTP/"`},
		{"xmpp", func(c net.Conn, ch *engCH) {
			_, _ = c.Write([]byte("<?xml version='1.0'?><stream:stream>"))
		}, "", "not TLS"},
		{"silent", func(c net.Conn, ch *engCH) { _, _ = io.Copy(io.Discard, c) }, "", "timeout"},
		{"reset", func(c net.Conn, ch *engCH) {
			_ = c.(*net.TCPConn).SetLinger(0)
		}, "reset", ""}, // a reset answering the ClientHello is a refusal
		{"close", func(c net.Conn, ch *engCH) {}, "closed", ""},
		{"huge-record", func(c net.Conn, ch *engCH) {
			_, _ = c.Write([]byte{0x16, 3, 3, 0xff, 0xff})
		}, "", "record length 65535"},
		{"endless", func(c net.Conn, ch *engCH) {
			for i := 0; i < 8; i++ {
				if _, err := c.Write(engRecord(recordChangeCipherSpec, 0x0303, make([]byte, 16000))); err != nil {
					return
				}
			}
		}, "", "exceeds read limit"},
		{"huge-message", func(c net.Conn, ch *engCH) {
			_, _ = c.Write(engRecord(recordHandshake, 0x0303, []byte{2, 0xff, 0xff, 0xff}))
		}, "", "handshake message of"},
		{"short-alert", func(c net.Conn, ch *engCH) {
			_, _ = c.Write(engRecord(recordAlert, 0x0303, []byte{2}))
		}, "", "alert record too short"},
		{"truncated", func(c net.Conn, ch *engCH) {
			_, _ = c.Write(engRecord(recordHandshake, 0x0303, make([]byte, 100))[:50])
		}, "", "truncated"},
		{"bad-hello", func(c net.Conn, ch *engCH) {
			_, _ = c.Write(engRecord(recordHandshake, 0x0303, engHandshake(hsServerHello, []byte{3, 3, 1})))
		}, "", "ServerHello truncated"},
		{"appdata", func(c net.Conn, ch *engCH) {
			_, _ = c.Write(engRecord(recordApplicationData, 0x0303, []byte("hi")))
		}, "", "application data"},
		{"warning-alert", func(c net.Conn, ch *engCH) {
			_, _ = c.Write(engRecord(recordAlert, 0x0303, []byte{1, 112}))
		}, "alert warning unrecognized_name", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dial := engDialer(engFake(t, tc.handle))
			start := time.Now()
			vs, err := ScanVersions(engCtx(t), dial, "localhost")
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("scan took %v", d)
			}
			for _, v := range vs.Versions {
				if v.Supported {
					t.Errorf("%v supported", v.Version)
				}
			}
			v12 := vs.Versions[4]
			if v12.Answer != tc.answer || (tc.err == "") != (v12.Error == "") || !strings.Contains(v12.Error, tc.err) {
				t.Errorf("TLS 1.2: answer %q error %q, want answer %q error ~%q", v12.Answer, v12.Error, tc.answer, tc.err)
			}
			cs, err := ScanCiphers(engCtx(t), dial, "localhost", VersionTLS12)
			if err != nil || len(cs.Suites) != 0 || (tc.err != "") != (cs.Error != "") {
				t.Errorf("ScanCiphers: %v, %d suites, error %q", err, len(cs.Suites), cs.Error)
			}
			if _, err := FetchChain(engCtx(t), dial, "localhost", VersionTLS12); err == nil {
				t.Error("FetchChain succeeded")
			}
		})
	}
}

// TestEngFakeUnofferedSuite: a server that picks a suite we did not offer
// is an error, not an accepted suite, and does not loop.
func TestEngFakeUnofferedSuite(t *testing.T) {
	dial := engDialer(engFake(t, func(c net.Conn, ch *engCH) {
		_, _ = c.Write(engRecord(recordHandshake, 0x0303,
			engHandshake(hsServerHello, engServerHelloBody(ch.clientVersion, nil, 0x1234))))
	}))
	cs, err := ScanCiphers(engCtx(t), dial, "localhost", VersionTLS12)
	if err != nil || len(cs.Suites) != 0 || !strings.Contains(cs.Error, "not offered: 0x1234") {
		t.Errorf("ScanCiphers: %v, %v, %q", err, engIDs(cs.Suites), cs.Error)
	}
	if cs.Handshakes != 3 {
		t.Errorf("%d handshakes, want one per chunk", cs.Handshakes)
	}
}

func TestEngUnreachable(t *testing.T) {
	addr := net.JoinHostPort("127.0.0.1", "1") // nothing listens on port 1 here
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Skip("something listens on 127.0.0.1:1")
	}
	dial := engDialer(addr)
	ctx := engCtx(t)
	if vs, err := ScanVersions(ctx, dial, "x"); err == nil || vs.Handshakes != 0 {
		t.Errorf("ScanVersions: %v, %d handshakes", err, vs.Handshakes)
	}
	if _, err := ScanCiphers(ctx, dial, "x", VersionTLS12); err == nil {
		t.Error("ScanCiphers: no error")
	}
	if _, err := ScanGroups(ctx, dial, "x", []Version{VersionTLS13}); err == nil {
		t.Error("ScanGroups: no error")
	}
	if _, err := FetchChain(ctx, dial, "x", VersionTLS12); err == nil {
		t.Error("FetchChain: no error")
	}
}

// TestEngContextDeadline: a scan of a server that never answers ends with
// the caller's deadline, not after handshakeTimeout per attempt.
func TestEngContextDeadline(t *testing.T) {
	dial := engDialer(engFake(t, func(c net.Conn, ch *engCH) { _, _ = io.Copy(io.Discard, c) }))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ScanCiphers(ctx, dial, "localhost", VersionTLS12)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's", err)
	}
}

// TestEngSNI: server_name carries DNS names only.
func TestEngSNI(t *testing.T) {
	got := make(chan string, 8)
	dial := engDialer(engFake(t, func(c net.Conn, ch *engCH) {
		got <- string(ch.exts[extServerName])
		_, _ = c.Write(engAlert(alertHandshakeFailure))
	}))
	for sni, want := range map[string]string{
		"XMPP.Example.org.": "\x00\x13\x00\x00\x10xmpp.example.org",
		"127.0.0.1":         "",
		"::1":               "",
		"":                  "",
		"bad name":          "",
	} {
		if _, err := FetchChain(engCtx(t), dial, sni, VersionTLS12); err == nil {
			t.Fatal("FetchChain succeeded")
		}
		if g := <-got; g != want {
			t.Errorf("sni %q: server_name %q, want %q", sni, g, want)
		}
		// FetchChain tries its further chunks after handshake_failure.
		for i := 1; i < len(chunks(VersionTLS12, certSuites())); i++ {
			<-got
		}
	}
}

func TestEngClientHellos(t *testing.T) {
	for _, v := range []Version{VersionSSL3, VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13} {
		for _, chunk := range chunks(v, suitesFor(v)) {
			p := &prober{sni: "example.org"}
			rec, err := p.helloFor(v, chunk)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := engParseClientHello(rec)
			if err != nil {
				t.Fatalf("%v: %v", v, err)
			}
			if ch.hsLen > 0xff && ch.hsLen < 0x200 {
				t.Errorf("%v: ClientHello of %d bytes (RFC 7685 padding missing)", v, ch.hsLen)
			}
			if len(ch.suites) > 128 || len(rec) > 4096 {
				t.Errorf("%v: %d suites, %d bytes", v, len(ch.suites), len(rec))
			}
			_, hasSV := ch.exts[extSupportedVersions]
			_, hasSigs := ch.exts[extSignatureAlgorithms]
			switch v {
			case VersionTLS13:
				if ch.clientVersion != 0x0303 || !bytes.Equal(ch.exts[extSupportedVersions], []byte{2, 3, 4}) {
					t.Errorf("TLS 1.3: client_version %#x, supported_versions %x", ch.clientVersion, ch.exts[extSupportedVersions])
				}
				ks := ch.exts[extKeyShare]
				if len(ks) != 2+4+32 || ks[2] != 0 || ks[3] != 0x1d {
					t.Errorf("TLS 1.3 key_share %x", ks)
				}
				if len(ch.sessionID) != 32 || !hasSigs {
					t.Error("TLS 1.3: no compatibility session id or no signature_algorithms")
				}
			case VersionSSL3:
				if len(ch.exts) != 0 || !ch.has(scsvRenegotiation) || ch.recordVersion != 0x0300 {
					t.Errorf("SSLv3: extensions %v", ch.extOrder)
				}
			default:
				if ch.clientVersion != uint16(v) || hasSV || ch.recordVersion != 0x0301 {
					t.Errorf("%v: client_version %#x, supported_versions %v, record %#x", v, ch.clientVersion, hasSV, ch.recordVersion)
				}
				if hasSigs != (v == VersionTLS12) {
					t.Errorf("%v: signature_algorithms present=%v", v, hasSigs)
				}
				if !bytes.Equal(ch.exts[extRenegotiationInfo], []byte{0}) || ch.has(scsvRenegotiation) {
					t.Errorf("%v: renegotiation_info %x", v, ch.exts[extRenegotiationInfo])
				}
				if ch.exts[extServerName] == nil || ch.exts[extSupportedGroups] == nil || ch.exts[extECPointFormats] == nil {
					t.Errorf("%v: extensions %v", v, ch.extOrder)
				}
			}
		}
	}
	// Every key share we can make has the size its group defines.
	sizes := map[uint16]int{0x001d: 32, 0x0017: 65, 0x0018: 97, 0x0019: 133,
		0x11ec: 1184 + 32, 0x11eb: 65 + 1184, 0x11ed: 97 + 1568, 0x0201: 1184, 0x0202: 1568}
	for g, n := range sizes {
		if !canShare(g) {
			t.Errorf("cannot share %s", groupName(g))
		}
		b, err := keyShareData(g)
		if err != nil || len(b) != n {
			t.Errorf("%s share: %d bytes, %v", groupName(g), len(b), err)
		}
	}
	rec := buildSSL2ClientHello()
	if ch, err := engParseClientHello(rec); err != nil || !ch.ssl2 || ch.clientVersion != 2 {
		t.Errorf("SSLv2 CLIENT-HELLO: %v", err)
	}
}

// TestEngSlowConnect: a connect that waits longer than handshakeTimeout
// (a batch's --per-address slot: the wait ignores the dial's deadline, the
// dial then gets its own time) still leaves the handshake its full time.
func TestEngSlowConnect(t *testing.T) {
	old := handshakeTimeout
	handshakeTimeout = 200 * time.Millisecond
	t.Cleanup(func() { handshakeTimeout = old })
	addr := engFake(t, func(c net.Conn, ch *engCH) {
		_, _ = c.Write(engRecord(recordAlert, 0x0303, []byte{1, 112}))
	})
	dial := func(ctx context.Context) (net.Conn, error) {
		budget := time.Until(func() time.Time { d, _ := ctx.Deadline(); return d }())
		time.Sleep(2 * handshakeTimeout) // waiting for a slot
		dctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		var d net.Dialer
		return d.DialContext(dctx, "tcp", addr)
	}
	vs, err := ScanVersions(engCtx(t), dial, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	if v12 := vs.Versions[4]; v12.Error != "" || v12.Answer != "alert warning unrecognized_name" {
		t.Errorf("TLS 1.2 after a slow connect: answer %q error %q", v12.Answer, v12.Error)
	}
}
