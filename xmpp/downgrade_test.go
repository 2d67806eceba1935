package xmpp

import (
	"crypto/sha1"
	"crypto/sha256"
	stdtls "crypto/tls"
	"strings"
	"testing"
)

// The example of XEP-0474 §6.3: SHA-1 over
// 'SCRAM-SHA-1\x1eSCRAM-SHA-1-PLUS\x1ftls-exporter\x1etls-server-end-point'.
func TestSSDPHashVector(t *testing.T) {
	got, s := ssdpHash(sha1.New, []string{"SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"}, []string{"tls-server-end-point", "tls-exporter"}, false)
	if got != "G6k/rBLDqgOhRRaCuuatSDFkJ08=" {
		t.Errorf("hash %s of %q, want the XEP's G6k/rBLDqgOhRRaCuuatSDFkJ08=", got, s)
	}
	// Without XEP-0440 there is no %x1F part; 0.3.x joined with "," and "|".
	if _, s := ssdpHash(sha1.New, []string{"PLAIN", "SCRAM-SHA-1"}, nil, false); s != "PLAIN\x1eSCRAM-SHA-1" {
		t.Errorf("hashed %q", s)
	}
	if _, s := ssdpHash(sha1.New, []string{"SCRAM-SHA-1"}, []string{"tls-unique"}, true); s != "SCRAM-SHA-1|tls-unique" {
		t.Errorf("legacy hashed %q", s)
	}
}

func TestCheckDowngrade(t *testing.T) {
	f := &Features{Mechanisms: []string{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}, ChannelBindings: []string{"tls-exporter", "tls-server-end-point"}}
	good, _ := ssdpHash(sha256.New, f.Mechanisms, f.ChannelBindings, false)
	legacy, _ := ssdpHash(sha256.New, f.Mechanisms, f.ChannelBindings, true)
	// What a man in the middle that stripped the -PLUS mechanism and the
	// channel-binding list would have left: the server hashed the real list.
	stripped := &Features{Mechanisms: []string{"SCRAM-SHA-256"}}
	tls13 := stdtls.ConnectionState{Version: stdtls.VersionTLS13}
	cases := []struct {
		name     string
		ext      map[byte]string
		f        *Features
		mismatch string
		attr     string
	}{
		{"none", map[byte]string{}, f, "", ""},
		{"h and t match", map[byte]string{'h': good, 't': "0304"}, f, "", "h"},
		{"0.3 d matches", map[byte]string{'d': legacy}, f, "", "d"},
		{"list stripped", map[byte]string{'h': good}, stripped, "XEP-0474", "h"},
		{"TLS downgraded", map[byte]string{'h': good, 't': "0303"}, f, "XEP-0515 t=0303", "h"},
	}
	for _, c := range cases {
		sc := &scram{h: sha256.New, ext: c.ext}
		d := checkDowngrade(sc, "SCRAM-SHA-256", c.f, tls13)
		if d.SSDPAttr != c.attr {
			t.Errorf("%s: attr %q, want %q", c.name, d.SSDPAttr, c.attr)
		}
		m := d.Mismatch()
		if (c.mismatch == "") != (m == "") || !strings.Contains(m, c.mismatch) {
			t.Errorf("%s: mismatch %q, want %q", c.name, m, c.mismatch)
		}
	}
}
