package probes

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miekg/dns"
)

func TestAnswerEvidenceIsBounded(t *testing.T) {
	a := &Answer{Name: "big.example.", Type: dns.TypeA, Server: "s"}
	for i := 0; i < 4000; i++ {
		ip := netip.AddrFrom4([4]byte{192, 0, byte(i >> 8), byte(i)})
		a.Records = append(a.Records, &dns.A{Hdr: dns.RR_Header{Name: "big.example.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: ip.AsSlice()})
	}
	a.Records = append(a.Records, &dns.TXT{Hdr: dns.RR_Header{Name: "big.example.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{strings.Repeat("x", 60000)}})
	ev := a.Evidence()
	lines := strings.Split(ev.Received, "\n")
	if len(lines) != 1+MaxListed+1 || lines[len(lines)-1] != "… and 3,981 more" {
		t.Errorf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
	if len(ev.Received) > 4<<10 {
		t.Errorf("evidence of %d bytes", len(ev.Received))
	}
	few := &Answer{Name: "a.", Type: dns.TypeTXT, Records: a.Records[4000:]}
	if r := few.Evidence().Received; len(r) > 600 || !strings.Contains(r, "bytes in all)") {
		t.Errorf("one huge record: %d bytes %q", len(r), r[:min(len(r), 100)])
	}
}

func TestBoundEvidence(t *testing.T) {
	var ev []Evidence
	for i := 0; i < 1000; i++ {
		ev = append(ev, Evidence{Kind: "dns", Sent: fmt.Sprint(i), Received: strings.Repeat("é", 20000)})
	}
	got := BoundEvidence(ev, 10)
	if len(got) != 10 || got[9].Detail != "… and 991 more evidence items (not kept)" {
		t.Fatalf("%d items, last %+v", len(got), got[len(got)-1])
	}
	for _, e := range got[:9] {
		if len(e.Received) > MaxEvidenceText || !utf8.ValidString(e.Received) || !strings.HasSuffix(e.Received, "(40,000 bytes in all)") {
			t.Fatalf("item of %d bytes: %q", len(e.Received), e.Received[len(e.Received)-40:])
		}
	}
	if ev[0].Received != strings.Repeat("é", 20000) {
		t.Error("BoundEvidence changed its input")
	}
	small := []Evidence{{Kind: "note", Detail: "x"}}
	if got := BoundEvidence(small, 10); &got[0] != &small[0] {
		t.Error("a small list is copied")
	}
	if got := Listed([]string{"a", "b", "c"}, 2); strings.Join(got, "|") != "a|b|… and 1 more" {
		t.Errorf("Listed: %q", got)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 3994: "3,994", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q", n, got)
		}
	}
}
