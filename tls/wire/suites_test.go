package wire

import (
	"bufio"
	"bytes"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestEngSuiteTable(t *testing.T) {
	all := Suites()
	if len(all) < 300 {
		t.Errorf("only %d suites", len(all))
	}
	ids, names := map[uint16]bool{}, map[string]bool{}
	tls13 := 0
	for _, s := range all {
		if ids[s.ID] || names[s.Name] {
			t.Errorf("duplicate %04x %s", s.ID, s.Name)
		}
		ids[s.ID], names[s.Name] = true, true
		if s.Kex == "" || s.Auth == "" || s.Cipher == "" || s.MAC == "" {
			t.Errorf("%s: incomplete %+v", s.Name, s)
		}
		if s.Bits == 0 && s.Cipher != "NULL" {
			t.Errorf("%s: 0 bits", s.Name)
		}
		if s.Kex == "TLS13" {
			tls13++
		}
		if got, ok := SuiteByID(s.ID); !ok || got.Name != s.Name {
			t.Errorf("SuiteByID(%04x) = %v, %v", s.ID, got, ok)
		}
	}
	if tls13 != 5 {
		t.Errorf("%d TLS 1.3 suites", tls13)
	}
	// Callers get copies.
	all[0].Weak = append(all[0].Weak, "mutated")
	if s, _ := SuiteByID(all[0].ID); strings.Contains(strings.Join(s.Weak, ","), "mutated") {
		t.Error("Suites shares Weak slices with the table")
	}
	for _, tc := range []struct {
		id                     uint16
		kex, auth, cipher, mac string
		bits                   int
		aead, fs               bool
		weak                   string
	}{
		{0xC02F, "ECDHE", "RSA", "AES_128_GCM", "AEAD", 128, true, true, ""},
		{0xCCA9, "ECDHE", "ECDSA", "CHACHA20_POLY1305", "AEAD", 256, true, true, ""},
		{0x1303, "TLS13", "TLS13", "CHACHA20_POLY1305", "AEAD", 256, true, true, ""},
		{0x1305, "TLS13", "TLS13", "AES_128_CCM_8", "AEAD", 128, true, true, ""},
		{0x002F, "RSA", "RSA", "AES_128_CBC", "SHA1", 128, false, false, "cbc,static-rsa"},
		{0x000A, "RSA", "RSA", "3DES_EDE_CBC", "SHA1", 112, false, false, "3des,cbc,static-rsa"},
		{0x0003, "RSA", "RSA", "RC4_40", "MD5", 40, false, false, "export,rc4,static-rsa,md5"},
		{0x0001, "RSA", "RSA", "NULL", "MD5", 0, false, false, "null,static-rsa,md5"},
		{0x0019, "DHE", "anon", "DES40_CBC", "SHA1", 40, false, true, "export,anon,des,cbc"},
		{0xC018, "ECDHE", "anon", "AES_128_CBC", "SHA1", 128, false, true, "anon,cbc"},
		{0x0030, "DH", "DSS", "AES_128_CBC", "SHA1", 128, false, false, "cbc,static-dh"},
		{0xC032, "ECDH", "RSA", "AES_256_GCM", "AEAD", 256, true, false, "static-dh"},
		{0x0015, "DHE", "RSA", "DES_CBC", "SHA1", 56, false, true, "des,cbc"},
		{0xC0AA, "DHE_PSK", "PSK", "AES_128_CCM_8", "AEAD", 128, true, true, ""},
		{0x00AE, "PSK", "PSK", "AES_128_CBC", "SHA256", 128, false, false, "cbc"},
		{0x0092, "RSA_PSK", "RSA", "RC4_128", "SHA1", 128, false, false, "rc4,static-rsa"},
		{0xC021, "SRP", "RSA", "AES_256_CBC", "SHA1", 256, false, false, "cbc"},
		{0x0006, "RSA", "RSA", "RC2_CBC_40", "MD5", 40, false, false, "export,cbc,static-rsa,md5"},
		{0x0064, "RSA", "RSA", "RC4_56", "SHA1", 56, false, false, "export,rc4,static-rsa"},
		{0x0096, "RSA", "RSA", "SEED_CBC", "SHA1", 128, false, false, "cbc,static-rsa"},
		{0xC05C, "ECDHE", "ECDSA", "ARIA_128_GCM", "AEAD", 128, true, true, ""},
		{0xD005, "ECDHE_PSK", "PSK", "AES_128_CCM", "AEAD", 128, true, true, ""},
	} {
		s, ok := SuiteByID(tc.id)
		if !ok {
			t.Errorf("%04x missing", tc.id)
			continue
		}
		if s.Kex != tc.kex || s.Auth != tc.auth || s.Cipher != tc.cipher || s.MAC != tc.mac || s.Bits != tc.bits ||
			s.AEAD != tc.aead || s.FS != tc.fs || strings.Join(s.Weak, ",") != tc.weak {
			t.Errorf("%s = %+v", s.Name, s)
		}
	}
	if _, ok := SuiteByID(0x00FF); ok {
		t.Error("the renegotiation SCSV is not a suite")
	}
	// The first ClientHello chunk (what the version scan offers) holds
	// every commonly deployed suite.
	first := chunks(VersionTLS12, suitesFor(VersionTLS12))[0]
	for _, id := range []uint16{0xC02F, 0xC030, 0xCCA8, 0xC02B, 0x009E, 0xC013, 0x0033, 0x002F, 0x000A, 0x0005, 0x0004, 0x0003, 0x0009, 0x0041} {
		if indexOf(first, id) < 0 {
			t.Errorf("%s not in the first chunk", suiteName(id))
		}
	}
}

func TestEngGroupTable(t *testing.T) {
	want := map[uint16]string{0x001d: "x25519", 0x001e: "x448", 0x0017: "secp256r1", 0x0018: "secp384r1",
		0x0019: "secp521r1", 0x0100: "ffdhe2048", 0x0104: "ffdhe8192", 0x11ec: "X25519MLKEM768",
		0x11eb: "SecP256r1MLKEM768", 0x11ed: "SecP384r1MLKEM1024"}
	seen := map[uint16]bool{}
	for _, g := range Groups() {
		if seen[g.ID] {
			t.Errorf("duplicate group %04x", g.ID)
		}
		seen[g.ID] = true
		switch g.Kind {
		case "ecdhe", "ffdhe", "hybrid-pq", "pq":
		default:
			t.Errorf("%s: kind %q", g.Name, g.Kind)
		}
		if g.Kind != "pq" && g.Bits == 0 {
			t.Errorf("%s: no bits", g.Name)
		}
	}
	for id, name := range want {
		if g, ok := groupByID(id); !ok || g.Name != name {
			t.Errorf("group %04x = %+v", id, g)
		}
	}
	if g, _ := groupByID(0x0101); g.Bits != 3072 || g.Kind != "ffdhe" {
		t.Errorf("ffdhe3072 = %+v", g)
	}
}

// TestEngSuitesCoverOpenSSL: every suite OpenSSL can negotiate at security
// level 0 is in the table, with the same key size.
func TestEngSuitesCoverOpenSSL(t *testing.T) {
	openssl := engNeed(t, "openssl")
	out, err := exec.Command(openssl, "ciphers", "-V", "ALL:COMPLEMENTOFALL:@SECLEVEL=0").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl ciphers: %v\n%s", err, out)
	}
	re := regexp.MustCompile(`0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+).*Enc=\S+\((\d+)\)`)
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n++
		hi, _ := strconv.ParseUint(m[1], 16, 8)
		lo, _ := strconv.ParseUint(m[2], 16, 8)
		id := uint16(hi)<<8 | uint16(lo)
		s, ok := SuiteByID(id)
		if !ok {
			t.Errorf("OpenSSL suite %s (%04x) missing", m[3], id)
			continue
		}
		bits, _ := strconv.Atoi(m[4])
		if bits == 168 { // OpenSSL prints the 3DES key size; we keep 112
			bits = 112
		}
		if s.Bits != bits {
			t.Errorf("%s: %d bits, OpenSSL says %d", s.Name, s.Bits, bits)
		}
	}
	if n < 100 {
		t.Errorf("parsed only %d OpenSSL suites:\n%s", n, out)
	}
}
