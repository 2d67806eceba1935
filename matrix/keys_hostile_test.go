package matrix

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// hostileKeyDoc is a key document with n verify keys, every one of them
// validly self-signed, padded to just under size bytes when size > 0: a
// peer that makes each signature check re-canonicalise the whole document
// (quadratic work) would cost seconds of CPU per request.
func hostileKeyDoc(t testing.TB, n, size int) []byte {
	t.Helper()
	priv := newKey(t)
	pub := base64.RawStdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
	keys := map[string]any{}
	for i := 0; i < n; i++ {
		keys[fmt.Sprintf("ed25519:k%d", i)] = map[string]any{"key": pub}
	}
	doc := map[string]any{"server_name": "hostile.example.net", "valid_until_ts": 1900000000000, "verify_keys": keys}
	if size > 0 {
		doc["pad"] = ""
		base := len(canonical(t, doc)) + 105*n + 40
		if pad := size - base; pad > 0 {
			doc["pad"] = strings.Repeat("p", pad)
		}
	}
	sig := base64.RawStdEncoding.EncodeToString(ed25519.Sign(priv, canonical(t, doc)))
	sigs := map[string]any{}
	for k := range keys {
		sigs[k] = sig
	}
	doc["signatures"] = map[string]any{"hostile.example.net": sigs}
	b := canonical(t, doc)
	if size > 0 && len(b) > size {
		t.Fatalf("hostile key document of %d bytes, over %d", len(b), size)
	}
	return b
}

// BenchmarkParseServerKeysHostile measures the CPU a 255 KB document of
// 1,500 self-signed keys costs: before the signature checks shared one
// canonical form it was quadratic (~2 s per document).
func BenchmarkParseServerKeysHostile(b *testing.B) {
	doc := hostileKeyDoc(b, 1500, MaxKeys-1024)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParseServerKeys(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseServerKeysOne is a normal document (one key).
func BenchmarkParseServerKeysOne(b *testing.B) {
	doc := signedKeys(b, "example.org", "ed25519:abc", newKey(b), 1900000000000, nil)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseServerKeys(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHostileKeyDocument: 1,500 self-signed keys in 255 KB are parsed with
// at most MaxKeysJudged signature checks over one canonical form, the
// document says what was left unjudged, and the fingerprint stays short.
func TestHostileKeyDocument(t *testing.T) {
	doc := hostileKeyDoc(t, 1500, MaxKeys-1024)
	k, err := ParseServerKeys(doc)
	if err != nil {
		t.Fatal(err)
	}
	if k.VerifyKeyCount != 1500 || len(k.VerifyKeys) != MaxKeysJudged {
		t.Fatalf("%d keys counted, %d judged; want 1500 and %d", k.VerifyKeyCount, len(k.VerifyKeys), MaxKeysJudged)
	}
	for _, vk := range k.VerifyKeys {
		if !vk.SignatureOK {
			t.Errorf("%s: %s", vk.ID, vk.Error)
		}
	}
	if len(k.Notes) != 1 || k.Notes[0] != "1500 verify keys: only the first 16 (by key ID) were checked" {
		t.Errorf("notes %q", k.Notes)
	}
	if len(k.Fingerprint) > 2000 || !strings.Contains(k.Fingerprint, "and 1484 more (sha256 ") {
		t.Errorf("fingerprint of %d bytes: %.200s", len(k.Fingerprint), k.Fingerprint)
	}
	// Two key sets that differ only past the judged keys differ.
	other := hostileKeyDoc(t, 1501, 0)
	k2, err := ParseServerKeys(other)
	if err != nil || k2.Fingerprint == k.Fingerprint {
		t.Errorf("different key sets, same fingerprint (%v)", err)
	}

	// Linear work: ten times the keys, about ten times the allocations
	// (the quadratic parser made a hundred times as many).
	small := hostileKeyDoc(t, 150, 0)
	big := hostileKeyDoc(t, 1500, 0)
	as := testing.AllocsPerRun(3, func() { _, _ = ParseServerKeys(small) })
	ab := testing.AllocsPerRun(3, func() { _, _ = ParseServerKeys(big) })
	t.Logf("allocations: %.0f for 150 keys, %.0f for 1500", as, ab)
	if ab > 20*as {
		t.Errorf("allocations grow faster than the document: %.0f for 150 keys, %.0f for 1500", as, ab)
	}
}

func TestKeyDocumentLongIDsAreShortened(t *testing.T) {
	long := strings.Repeat("x", 100000)
	k, err := ParseServerKeys([]byte(`{"server_name":"a.example","valid_until_ts":1,"verify_keys":{"ed25519:` + long + `":{"key":"` + long + `"}},"signatures":{"` + long + `":{}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(k); len(b) > 2000 {
		t.Errorf("a 200 KB key ID and key kept as %d bytes of data", len(b))
	}
}
