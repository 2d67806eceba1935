package matrix

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"maunium.net/go/mautrix/crypto/canonicaljson"
)

// MaxKeyValidity is how far in the future valid_until_ts may lie before we
// call it absurd. Room versions 5 and later make servers use at most 7 days
// anyway (server-server API, "Validating hashes and signatures on received
// events"); a year means the operator never meant to rotate.
const MaxKeyValidity = 365 * 24 * time.Hour

// MaxKeysJudged bounds the verify keys whose self-signature is checked
// and the old keys that are judged, so a hostile document of thousands of
// keys costs no more CPU than a few: a real server has one or two. The
// finding says when keys were left unjudged (ServerKeys.Notes).
const MaxKeysJudged = 16

// maxIDShown bounds a key ID or key as kept in the data (the whole of it is
// used for matching and the fingerprint).
const maxIDShown = 80

// VerifyKey is one key of verify_keys.
type VerifyKey struct {
	ID        string `json:"id"`
	Algorithm string `json:"algorithm"`
	Key       string `json:"key"`
	// KeyOK: the key is unpadded base64 of 32 bytes (an ed25519 key).
	KeyOK bool `json:"key_ok"`
	// Signed: the response carries a signature by server_name with this
	// key; SignatureOK: it verifies over the canonical JSON.
	Signed      bool   `json:"signed"`
	SignatureOK bool   `json:"signature_ok"`
	Error       string `json:"error,omitempty"`
}

// OldVerifyKey is one key of old_verify_keys.
type OldVerifyKey struct {
	ID        string `json:"id"`
	ExpiredTS int64  `json:"expired_ts"`
	KeyOK     bool   `json:"key_ok"`
	Error     string `json:"error,omitempty"`
}

// ServerKeys is a parsed and checked /_matrix/key/v2/server answer.
type ServerKeys struct {
	ServerName   string `json:"server_name"`
	ValidUntilTS int64  `json:"valid_until_ts"`
	// VerifyKeys are the judged verify keys (at most MaxKeysJudged, by key
	// ID); VerifyKeyCount is how many the document has.
	VerifyKeys     []VerifyKey    `json:"verify_keys"`
	VerifyKeyCount int            `json:"verify_key_count"`
	OldKeys        []OldVerifyKey `json:"old_verify_keys,omitempty"`
	// SignedBy lists the servers that signed the response (at most
	// MaxKeysJudged).
	SignedBy []string `json:"signed_by,omitempty"`
	// Problems lists what is wrong with the document itself (not judged
	// against the expected server name or the clock: the criterion does
	// that with CheckedAt).
	Problems []string `json:"problems,omitempty"`
	// Notes say what was not judged (keys beyond MaxKeysJudged).
	Notes []string `json:"notes,omitempty"`
	// Fingerprint identifies the key set (sorted id=key pairs, the ones
	// beyond MaxKeysJudged by a hash), to tell addresses that serve
	// different keys apart.
	Fingerprint string `json:"fingerprint"`
}

type rawKeys struct {
	ServerName    *string                    `json:"server_name"`
	ValidUntilTS  *json.Number               `json:"valid_until_ts"`
	VerifyKeys    map[string]json.RawMessage `json:"verify_keys"`
	OldVerifyKeys map[string]json.RawMessage `json:"old_verify_keys"`
	Signatures    map[string]json.RawMessage `json:"signatures"`
}

// ParseServerKeys parses a key response and verifies its self-signatures:
// every verify key must have signed the response under signatures.<server_name>,
// over the canonical JSON of the object without "signatures" and "unsigned"
// (appendices, "Signing JSON"). It never panics on hostile input; what is
// wrong ends up in Problems (and an error when it is not a key document at all).
//
// The work is linear in the size of the document: it is decoded once, its
// canonical form is computed once and shared by every signature check, and
// at most MaxKeysJudged keys are checked (a 255 KB document of 1,500 keys
// used to cost seconds of CPU, each check canonicalising it again).
func ParseServerKeys(body []byte) (*ServerKeys, error) {
	var r rawKeys
	if err := strictObject(body, &r); err != nil {
		return nil, err
	}
	k := &ServerKeys{VerifyKeyCount: len(r.VerifyKeys)}
	if r.ServerName == nil || *r.ServerName == "" {
		k.Problems = append(k.Problems, "no server_name")
	} else {
		k.ServerName = *r.ServerName
	}
	if r.ValidUntilTS == nil {
		k.Problems = append(k.Problems, "no valid_until_ts")
	} else if n, err := r.ValidUntilTS.Int64(); err != nil || n < 0 {
		k.Problems = append(k.Problems, fmt.Sprintf("valid_until_ts %s is not a non-negative integer", shorten(r.ValidUntilTS.String())))
	} else {
		k.ValidUntilTS = n
	}
	for _, s := range sortedKeys(r.Signatures) {
		if len(k.SignedBy) == MaxKeysJudged {
			k.SignedBy = append(k.SignedBy, fmt.Sprintf("… and %d more", len(r.Signatures)-MaxKeysJudged))
			break
		}
		k.SignedBy = append(k.SignedBy, shorten(s))
	}
	// The server's own signatures, decoded once.
	var own map[string]json.RawMessage
	if k.ServerName != "" {
		_ = json.Unmarshal(r.Signatures[k.ServerName], &own)
	}
	var canonical []byte
	canonicalErr := error(nil)
	signed := func() ([]byte, error) {
		if canonical == nil && canonicalErr == nil {
			canonical, canonicalErr = signedBytes(body)
		}
		return canonical, canonicalErr
	}
	ids := sortedKeys(r.VerifyKeys)
	fp := make([]string, 0, len(ids))
	for i, kid := range ids {
		var v struct {
			Key *string `json:"key"`
		}
		keyOK := json.Unmarshal(r.VerifyKeys[kid], &v) == nil && v.Key != nil
		if keyOK {
			fp = append(fp, kid+"="+*v.Key)
		}
		if i >= MaxKeysJudged {
			continue
		}
		vk := VerifyKey{ID: shorten(kid)}
		alg, _, _ := strings.Cut(kid, ":")
		vk.Algorithm = shorten(alg)
		if !keyOK {
			vk.Error = "no string \"key\""
			k.VerifyKeys = append(k.VerifyKeys, vk)
			continue
		}
		vk.Key = shorten(*v.Key)
		pub, err := base64.RawStdEncoding.DecodeString(*v.Key)
		vk.KeyOK = err == nil && len(pub) == ed25519.PublicKeySize && alg == "ed25519"
		if !vk.KeyOK {
			vk.Error = "not an ed25519 public key (unpadded base64 of 32 bytes)"
		}
		var sig string
		hasSig := json.Unmarshal(own[kid], &sig) == nil && own[kid] != nil
		switch {
		case !vk.KeyOK:
			vk.Signed = hasSig
		case k.ServerName == "":
		case !hasSig:
			vk.Error = joinErr(vk.Error, "no signature by "+shorten(k.ServerName)+" with this key")
		default:
			vk.Signed = true
			msg, err := signed()
			sb, serr := base64.RawStdEncoding.DecodeString(sig)
			switch {
			case err != nil:
				vk.Error = joinErr(vk.Error, "signature does not verify: "+err.Error())
			case serr != nil:
				vk.Error = joinErr(vk.Error, "signature does not verify: the signature is not unpadded base64")
			case !ed25519.Verify(ed25519.PublicKey(pub), msg, sb):
				vk.Error = joinErr(vk.Error, "signature does not verify: invalid signature")
			default:
				vk.SignatureOK = true
			}
		}
		k.VerifyKeys = append(k.VerifyKeys, vk)
	}
	if n := len(ids); n > MaxKeysJudged {
		k.Notes = append(k.Notes, fmt.Sprintf("%d verify keys: only the first %d (by key ID) were checked", n, MaxKeysJudged))
	}
	if len(r.VerifyKeys) == 0 {
		k.Problems = append(k.Problems, "no verify_keys")
	}
	oids := sortedKeys(r.OldVerifyKeys)
	for i, kid := range oids {
		if i == MaxKeysJudged {
			k.Notes = append(k.Notes, fmt.Sprintf("%d old_verify_keys: only the first %d (by key ID) were judged", len(oids), MaxKeysJudged))
			break
		}
		ok := OldVerifyKey{ID: shorten(kid)}
		var v struct {
			Key       *string      `json:"key"`
			ExpiredTS *json.Number `json:"expired_ts"`
		}
		if err := json.Unmarshal(r.OldVerifyKeys[kid], &v); err != nil || v.Key == nil || v.ExpiredTS == nil {
			ok.Error = "needs a string \"key\" and a number \"expired_ts\""
		} else {
			if n, err := v.ExpiredTS.Int64(); err == nil && n >= 0 {
				ok.ExpiredTS = n
			} else {
				ok.Error = "expired_ts is not a non-negative integer"
			}
			if b, err := base64.RawStdEncoding.DecodeString(*v.Key); err == nil && len(b) == ed25519.PublicKeySize {
				ok.KeyOK = true
			} else {
				ok.Error = joinErr(ok.Error, "not an ed25519 public key")
			}
			if _, dup := r.VerifyKeys[kid]; dup {
				ok.Error = joinErr(ok.Error, "also listed in verify_keys")
			}
		}
		k.OldKeys = append(k.OldKeys, ok)
	}
	k.Fingerprint = fingerprint(fp)
	return k, nil
}

// signedBytes is the canonical JSON of the document without "signatures"
// and "unsigned": what a self-signature signs.
func signedBytes(body []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, err
	}
	delete(top, "signatures")
	delete(top, "unsigned")
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(top); err != nil {
		return nil, err
	}
	return canonicaljson.CanonicalJSONAssumeValid(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// fingerprint joins the sorted id=key pairs. Past MaxKeysJudged pairs, or
// when a pair is longer than a real one, it shows the first pairs
// shortened, the count of the rest and a hash of all, so it stays one
// short line yet two different key sets never get the same fingerprint.
func fingerprint(pairs []string) string {
	long := len(pairs) > MaxKeysJudged
	for _, p := range pairs {
		long = long || len(p) > maxIDShown
	}
	if !long {
		return strings.Join(pairs, ",")
	}
	h := sha256.New()
	for _, p := range pairs {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	shown := make([]string, 0, MaxKeysJudged)
	for _, p := range pairs[:min(len(pairs), MaxKeysJudged)] {
		shown = append(shown, shorten(p))
	}
	more := ""
	if n := len(pairs) - len(shown); n > 0 {
		more = fmt.Sprintf(",… and %d more", n)
	}
	return fmt.Sprintf("%s%s (sha256 %x)", strings.Join(shown, ","), more, h.Sum(nil)[:8])
}

// shorten cuts a peer string kept in the data at maxIDShown bytes.
func shorten(s string) string {
	if len(s) <= maxIDShown {
		return s
	}
	return strings.ToValidUTF8(s[:maxIDShown], "") + "…"
}

func sortedKeys(m map[string]json.RawMessage) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
