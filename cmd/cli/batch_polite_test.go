package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/imscore/imscore/fixtures/testenv"
)

// TestBatchPolitenessAtTheServer: twelve domains of one real Prosody are
// reached through a counting proxy (its c2s and s2s ports both on one
// address), and the batch scans them six at a time. The proxy counts, at
// the server's side, the connections open at once to that address: never
// more than --per-address 2, across all targets. The same batch with
// --per-address 6, counted by a second proxy, opens more at once — so the
// count would see a broken cap.
func TestBatchPolitenessAtTheServer(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	ds := domains("p", 12)
	lab := &batchLab{pki: pki}
	cert, key := lab.xmppCert(t, "polite", ds, testenv.LeafOptions{})
	x := testenv.StartProsody(t, testenv.ProsodyOptions{IP: "127.0.0.2", Domain: ds[0], ExtraDomains: ds[1:], Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true})

	scanAll := func(proxyIP, perAddress string) (peak, total int) {
		t.Helper()
		proxy := testenv.StartCountingProxy(t, proxyIP, x.Addr)
		s2s := proxy.Also(t, x.S2SAddr)
		l := &batchLab{pki: pki, dns: testenv.StartDNS(t, "lab.test. 60 IN A 127.0.0.1\n", true)}
		l.xmppDomains(t, ds, proxyIP, proxy.Addr, s2s)
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := run(t, append([]string{"batch", l.writeList(t), "--out", out, "--allow-private", "--concurrency", "6",
			"--per-address", perAddress, "--domain-gap", "0", "-q"}, l.args()...)...)
		if code != ExitOK {
			t.Fatalf("--per-address %s: exit %d: %s", perAddress, code, stderr)
		}
		raw, _ := os.ReadFile(filepath.Join(out, "index.jsonl"))
		if n := bytes.Count(raw, []byte(`"outcome":"scanned"`)); n != 12 {
			t.Fatalf("--per-address %s: %d of 12 scanned", perAddress, n)
		}
		return proxy.Peak()
	}
	peak, total := scanAll("127.0.0.6", "2")
	t.Logf("--per-address 2: at most %d connections at once to 127.0.0.6 (%d in all)", peak, total)
	if peak > 2 || total < 24 {
		t.Errorf("--per-address 2: the server saw %d connections at once (of %d)", peak, total)
	}
	loose, total := scanAll("127.0.0.7", "6")
	t.Logf("--per-address 6: at most %d connections at once to 127.0.0.7 (%d in all)", loose, total)
	if loose <= 2 {
		t.Errorf("--per-address 6: only %d connections at once: the count proves nothing", loose)
	}
}
