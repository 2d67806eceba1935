package wire

// Fuzz targets for the parsers of server answers. Run one with e.g.
//
//	go test ./tls -run '^$' -fuzz FuzzReadReply -fuzztime 1m
//
// As plain tests they run their seed corpora.

import (
	"bytes"
	"testing"
)

// engSeedFlights returns realistic server answers: TLS 1.2 and SSLv3
// flights, TLS 1.3 ServerHello and HelloRetryRequest, alerts, SSLv2.
func engSeedFlights() [][]byte {
	cert := []byte{0x30, 0x82, 0x01, 0x00, 1, 2, 3, 4, 5, 6, 7, 8}
	var dhSKE builder
	dhSKE.vec(2, func(w *builder) { w.raw(append([]byte{0x80}, make([]byte, 127)...)) })
	dhSKE.vec(2, func(w *builder) { w.u8(2) })
	dhSKE.vec(2, func(w *builder) { w.raw(make([]byte, 128)) })
	dhSKE.raw([]byte{4, 1, 0, 2, 0xaa, 0xbb})
	ecSKE := []byte{3, 0, 0x17, 65}
	ecSKE = append(ecSKE, make([]byte, 65)...)

	tls12 := func(suite uint16, ske []byte) []byte {
		var f []byte
		f = append(f, engHandshake(hsServerHello, engServerHelloBody(0x0303, nil, suite,
			extension{extRenegotiationInfo, []byte{0}}, extension{extECPointFormats, []byte{1, 0}}))...)
		f = append(f, engHandshake(hsCertificate, engCertificateBody(cert, cert))...)
		if ske != nil {
			f = append(f, engHandshake(hsServerKeyExchange, ske)...)
		}
		f = append(f, engHandshake(hsServerHelloDone, nil)...)
		return engRecord(recordHandshake, 0x0303, f)
	}
	var ks builder
	ks.u16(0x001d)
	ks.vec(2, func(w *builder) { w.raw(make([]byte, 32)) })
	sh13 := engRecord(recordHandshake, 0x0303, engHandshake(hsServerHello, engServerHelloBody(0x0303, nil, 0x1301,
		extension{extSupportedVersions, []byte{3, 4}}, extension{extKeyShare, ks.b})))
	sh13 = append(sh13, engRecord(recordChangeCipherSpec, 0x0303, []byte{1})...)
	hrr := engRecord(recordHandshake, 0x0303, engHandshake(hsServerHello, engServerHelloBody(0x0303, hrrRandom, 0x1302,
		extension{extSupportedVersions, []byte{3, 4}}, extension{extKeyShare, []byte{0x11, 0xec}})))
	ssl3 := engRecord(recordHandshake, 0x0300, append(engHandshake(hsServerHello, engServerHelloBody(0x0300, nil, 0x000A)),
		engHandshake(hsCertificate, engCertificateBody(cert))...))
	return [][]byte{
		tls12(0xC02F, ecSKE),
		tls12(0x009E, dhSKE.b),
		tls12(0x002F, nil),
		sh13, hrr, ssl3,
		engAlert(alertHandshakeFailure),
		engRecord(recordAlert, 0x0301, []byte{1, 0}),
		engSSL2ServerHello(cert, []uint32{0x010080}),
		{0x80, 0x03, 0x00, 0x00, 0x01}, // SSLv2 ERROR
		[]byte("HTTP/1.0 400 Bad Request\r\n\r\n"),
		{},
	}
}

func FuzzReadReply(f *testing.F) {
	for _, s := range engSeedFlights() {
		for opts := byte(0); opts < 8; opts++ {
			f.Add(s, opts)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, opts byte) {
		o := readOpts{ssl2: opts&1 != 0, certs: opts&2 != 0, ske: opts&4 != 0, limit: 4096}
		r := readReply(bytes.NewReader(data), o)
		switch r.kind {
		case replyServerHello:
			if r.hello == nil {
				t.Fatal("ServerHello reply without hello")
			}
		case replySSL2:
			if r.ssl2 == nil {
				t.Fatal("SSLv2 reply without hello")
			}
		case replyError:
			if r.err == nil {
				t.Fatal("error reply without error")
			}
		}
		if len(r.certs) > maxChainCerts {
			t.Fatalf("%d certs", len(r.certs))
		}
		_ = r.describe()
	})
}

func FuzzParseServerHello(f *testing.F) {
	for _, s := range engSeedFlights() {
		// The ServerHello body starts after the 5-byte record and 4-byte
		// handshake headers.
		if len(s) > 9 && s[0] == recordHandshake && s[5] == hsServerHello {
			f.Add(s[9:])
		}
	}
	f.Add([]byte{3, 3})
	f.Fuzz(func(t *testing.T, body []byte) {
		sh, err := parseServerHello(body)
		if err == nil {
			if sh == nil || len(sh.random) != 32 {
				t.Fatal("bad ServerHello accepted")
			}
			_ = sh.describe()
		}
	})
}

func FuzzParseSSL2ServerHello(f *testing.F) {
	f.Add(engSSL2ServerHello([]byte{1, 2, 3}, []uint32{0x010080, 0x0700c0})[2:])
	f.Add([]byte{0, 0, 1})
	f.Add([]byte{4, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0})
	f.Fuzz(func(t *testing.T, msg []byte) {
		h, err := parseSSL2ServerHello(msg)
		if err == nil {
			for _, c := range h.ciphers {
				_ = ssl2Suite(c)
			}
		}
	})
}

func FuzzParseCertificateMsg(f *testing.F) {
	f.Add(engCertificateBody([]byte{1, 2, 3}, []byte{4}))
	f.Add(engCertificateBody())
	f.Add([]byte{0, 0, 4, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		certs, err := parseCertificateMsg(body)
		if err == nil && len(certs) > maxChainCerts {
			t.Fatalf("%d certs", len(certs))
		}
	})
}

func FuzzParseServerKeyExchange(f *testing.F) {
	kexes := []string{"DHE", "ECDHE", "DHE_PSK", "ECDHE_PSK", "RSA"}
	f.Add([]byte{0, 1, 0x17, 0, 1, 2, 0, 1, 5}, byte(0))
	f.Add([]byte{3, 0, 0x1d, 32}, byte(1))
	f.Add([]byte{0, 0, 3, 0, 0x17, 1, 4}, byte(3))
	f.Fuzz(func(t *testing.T, body []byte, k byte) {
		p, err := parseServerKeyExchange(body, kexes[int(k)%len(kexes)])
		if err == nil && (p.dhBits < 0 || p.dhBits > 8*len(body)) {
			t.Fatalf("dhBits %d from %d bytes", p.dhBits, len(body))
		}
	})
}
