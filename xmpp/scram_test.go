package xmpp

import (
	"strings"
	"testing"
)

// RFC 7677 §3 and RFC 5802 §5 test vectors.
func TestSCRAMVectors(t *testing.T) {
	for _, tc := range []struct {
		mech, cnonce, serverFirst, clientFinal, serverFinal string
	}{
		{"SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL",
			"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
			"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
			"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
		{"SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO",
			"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
			"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
			"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
	} {
		s, err := newSCRAM(tc.mech, "user", "pencil", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		s.cnonce = tc.cnonce
		if got := string(s.first()); got != "n,,n=user,r="+tc.cnonce {
			t.Errorf("%s first = %q", tc.mech, got)
		}
		got, err := s.final([]byte(tc.serverFirst))
		if err != nil || string(got) != tc.clientFinal {
			t.Errorf("%s final = %q, %v", tc.mech, got, err)
		}
		if err := s.verify([]byte(tc.serverFinal)); err != nil {
			t.Errorf("%s verify: %v", tc.mech, err)
		}
		if err := s.verify([]byte("v=AAAA")); err == nil {
			t.Errorf("%s: a wrong server signature verified", tc.mech)
		}
	}
}

func TestSCRAMRefusesHostileServerFirst(t *testing.T) {
	for _, sf := range []string{
		"r=someoneelse,s=QSXCR+Q6sek8bf92,i=4096",                         // nonce not ours
		"r=NONCE,s=QSXCR+Q6sek8bf92,i=4096",                               // nonce not extended
		"r=NONCEx,s=!!,i=4096",                                            // bad salt
		"r=NONCEx,s=QSXCR+Q6sek8bf92,i=0",                                 // bad count
		"r=NONCEx,s=QSXCR+Q6sek8bf92,i=2000000000",                        // PBKDF2 bomb
		"e=other-error",                                                   // server error
		"r=NONCEx,s=QSXCR+Q6sek8bf92,i=4096," + strings.Repeat("x", 5000), // too long
	} {
		s, _ := newSCRAM("SCRAM-SHA-256", "u", "p", "", nil)
		s.cnonce = "NONCE"
		s.first()
		if _, err := s.final([]byte(sf)); err == nil {
			t.Errorf("accepted %q", sf)
		}
	}
}

func TestSCRAMRefusesShortcuts(t *testing.T) {
	s, _ := newSCRAM("SCRAM-SHA-256", "u", "p", "", nil)
	s.first()
	// A server-final (or <success/>) before the exchange proves nothing.
	if err := s.verify([]byte("v=AAAA")); err == nil {
		t.Error("verified a server signature before the exchange")
	}
	// An unknown mandatory extension is refused (RFC 5802 §5.1).
	s.cnonce = "NONCE"
	if _, err := s.final([]byte("m=ext,r=NONCEx,s=QSXCR+Q6sek8bf92,i=4096")); err == nil {
		t.Error("accepted a mandatory extension")
	}
}

func TestSASLPassword(t *testing.T) {
	// SASLprep (RFC 4013): full-width letters and the Roman numeral Ⅸ
	// (NFKC), a no-break space (mapped to space), a soft hyphen (mapped to
	// nothing); ASCII is unchanged. These are RFC 4013 §3's examples and
	// relatives.
	for in, want := range map[string]string{"pencil": "pencil", "ｐｅｎｃｉｌ": "pencil", "a\u00a0b": "a b", "I\u00adX": "IX", "\u2168": "IX"} {
		if got := saslPassword(in); got != want {
			t.Errorf("saslPassword(%q) = %q, want %q", in, got, want)
		}
	}
}
