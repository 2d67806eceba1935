package clienttest

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/imscore/imscore/xmpp"
)

// The SCRAM server against the examples of RFC 5802 §5 (SHA-1) and RFC 7677
// §3 (SHA-256): user "user", password "pencil".
func TestSCRAMServerRFCExamples(t *testing.T) {
	cases := []struct {
		mech, cfirst, snonce, salt, cfinal, v string
	}{
		{"SCRAM-SHA-1", "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j", "QSXCR+Q6sek8bf92",
			"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "rmF9pqV8S7suAoZWja4dJRkFsKQ="},
		{"SCRAM-SHA-256", "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "W22ZaJ0SNY7soEsUEjb6gQ==",
			"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
	}
	for _, c := range cases {
		t.Run(c.mech, func(t *testing.T) {
			s, err := newSCRAMServer(c.mech, "pencil", 4096, "")
			if err != nil {
				t.Fatal(err)
			}
			s.nonce = c.snonce
			s.salt, _ = base64.StdEncoding.DecodeString(c.salt)
			cf, err := parseClientFirst([]byte(c.cfirst))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.serverFirst(cf); !strings.HasPrefix(got, "r="+cf.nonce+c.snonce+",s="+c.salt+",i=4096") {
				t.Fatalf("server-first %q", got)
			}
			fin, err := parseClientFinal([]byte(c.cfinal))
			if err != nil {
				t.Fatal(err)
			}
			sig, proofOK, cbOK, err := s.verify(fin, nil)
			if err != nil || !proofOK || !cbOK {
				t.Fatalf("verify: proof %v cb %v err %v", proofOK, cbOK, err)
			}
			if got := base64.StdEncoding.EncodeToString(sig); got != c.v {
				t.Fatalf("server signature %s, want %s", got, c.v)
			}
			// A wrong password must not verify.
			s.password = "pencil2"
			if _, ok, _, _ := s.verify(fin, nil); ok {
				t.Fatal("a wrong password verified")
			}
		})
	}
}

// The XEP-0474 example: SHA-1 over 'SCRAM-SHA-1\x1eSCRAM-SHA-1-PLUS\x1ftls-exporter\x1etls-server-end-point'.
func TestSSDPHashXEPExample(t *testing.T) {
	got := xmpp.SSDPHash("SCRAM-SHA-1-PLUS", []string{"SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"}, []string{"tls-server-end-point", "tls-exporter"})
	if got != "G6k/rBLDqgOhRRaCuuatSDFkJ08=" {
		t.Fatalf("hash %s", got)
	}
	if xmpp.SSDPHash("PLAIN", nil, nil) != "" {
		t.Fatal("PLAIN has no SSDP hash")
	}
}

func TestParseClientFirst(t *testing.T) {
	good := []struct {
		in, flag, cb, authz, user, nonce string
	}{
		{"n,,n=tester,r=abc", "n", "", "", "tester", "abc"},
		{"y,,n=tester,r=abc", "y", "", "", "tester", "abc"},
		{"p=tls-exporter,,n=tester,r=abc", "p", "tls-exporter", "", "tester", "abc"},
		{"n,a=tester@test.example,n=a=3Db=2Cc,r=abc,x=ext", "n", "", "tester@test.example", "a=b,c", "abc"},
	}
	for _, g := range good {
		cf, err := parseClientFirst([]byte(g.in))
		if err != nil {
			t.Errorf("%q: %v", g.in, err)
			continue
		}
		if cf.flag != g.flag || cf.cbType != g.cb || cf.authzid != g.authz || cf.user != g.user || cf.nonce != g.nonce {
			t.Errorf("%q: %+v", g.in, cf)
		}
	}
	for _, bad := range []string{"", "n", "n,", "x,,n=a,r=b", "p=,,n=a,r=b", "n,b=x,n=a,r=b", "n,,r=b", "n,,n=a", "n,,m=ext,n=a,r=b", "n,,n=a,r=\x01", strings.Repeat("a", 5000)} {
		if _, err := parseClientFirst([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseClientFinal(t *testing.T) {
	fin, err := parseClientFinal([]byte("c=biws,r=abcdef,p=dGVzdA=="))
	if err != nil || string(fin.cbind) != "n,," || fin.nonce != "abcdef" || string(fin.proof) != "test" || fin.withoutProof != "c=biws,r=abcdef" {
		t.Fatalf("%+v %v", fin, err)
	}
	for _, bad := range []string{"", "c=biws,r=a", "c=biws,r=a,p=!!", "r=a,c=biws,p=dGVzdA==", "c=!!,r=a,p=dGVzdA==", strings.Repeat("a", 5000)} {
		if _, err := parseClientFinal([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParsePLAIN(t *testing.T) {
	c, err := parsePLAIN([]byte("\x00tester\x00secret"))
	if err != nil || c.authzid != "" || c.authcid != "tester" || c.password != "secret" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"", "tester", "a\x00b", "a\x00b\x00c\x00d"} {
		if _, err := parsePLAIN([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestShellQuoteAndFill(t *testing.T) {
	vars := map[string]string{"password": `a'b"$(touch /tmp/x)` + "`id`", "jid": "tester@test.example"}
	got := fill("client -u {jid} -p {password} {unknown}", vars)
	want := `client -u 'tester@test.example' -p 'a'\''b"$(touch /tmp/x)` + "`id`" + `' {unknown}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if err := CheckCommand("x {jid} {pasword}"); err == nil || !strings.Contains(err.Error(), "{pasword}") {
		t.Fatalf("unknown placeholder not reported: %v", err)
	}
	if err := CheckCommand("x {jid} {password} {host} {port} {domain} {ca} {scenario}"); err != nil {
		t.Fatal(err)
	}
}

func TestSelectScenarios(t *testing.T) {
	all, err := Select(nil)
	if err != nil || len(all) != len(Scenarios) {
		t.Fatalf("%d %v", len(all), err)
	}
	got, err := Select([]string{"xmpp.client.cert-untrusted", "scram-iterations"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, ",") != "login,cert-unknown-ca,cert-self-signed,scram-iterations" {
		t.Fatalf("selected %v", ids)
	}
	if got, err := Select([]string{"xmpp.client.tls-alpn"}); err != nil || len(got) != 1 || got[0].ID != "login" {
		t.Fatalf("a criterion judged from the ClientHello selects login: %v %v", got, err)
	}
	if _, err := Select([]string{"nope"}); err == nil || !strings.Contains(err.Error(), "unknown scenario") {
		t.Fatalf("%v", err)
	}
	seen := map[string]bool{}
	for _, s := range Scenarios {
		if seen[s.ID] || s.Criterion == "" || s.Does == "" || s.Safe == "" {
			t.Errorf("scenario %+v", s)
		}
		seen[s.ID] = true
	}
}

// A password straddling the cut of the client's output tail or of the
// transcript leaves no part of itself behind.
func TestRedactionAtTheCut(t *testing.T) {
	const pw = "s3cretPassw0rdXYZ"
	forms := secretForms(pw)
	for cut := 1; cut < len(pw); cut++ {
		// The output tail: the cut falls inside the password.
		tb := &tailBuffer{}
		_, _ = tb.Write([]byte(strings.Repeat("x", maxOutput) + pw + strings.Repeat("y", maxOutput-(len(pw)-cut))))
		out := redactSecret(tb.text(forms), pw)
		if strings.Contains(out, pw[cut:]+"y") || !strings.HasSuffix(out, "yyyy") {
			t.Fatalf("tail cut %d: %q left", cut, out[:40])
		}
		// The transcript: the cut falls inside the password.
		r := &recorder{}
		r.add([]byte(strings.Repeat("x", maxTranscript-cut) + pw + "more"))
		tr := redactSecret(r.text(forms), pw)
		if strings.Contains(tr, "x"+pw[:cut]) || !strings.Contains(tr, "bytes in all") {
			t.Fatalf("transcript cut %d: %q left", cut, tr[len(tr)-80:])
		}
	}
	// The base64 PLAIN form is trimmed the same way.
	b64 := forms[1]
	r := &recorder{}
	r.add([]byte(strings.Repeat("x", maxTranscript-10) + b64))
	if tr := r.text(forms); strings.Contains(tr, "x"+b64[:10]) {
		t.Errorf("a PLAIN message's start survived the cut")
	}
	// Nothing is dropped when nothing was cut.
	r = &recorder{}
	r.add([]byte("abc" + pw[:3]))
	if tr := r.text(forms); tr != "abc"+pw[:3] {
		t.Errorf("uncut transcript changed: %q", tr)
	}
}
