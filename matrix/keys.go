package matrix

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"maunium.net/go/mautrix/federation/signutil"
	"maunium.net/go/mautrix/id"
)

// MaxKeyValidity is how far in the future valid_until_ts may lie before we
// call it absurd. Room versions 5 and later make servers use at most 7 days
// anyway (server-server API, "Validating hashes and signatures on received
// events"); a year means the operator never meant to rotate.
const MaxKeyValidity = 365 * 24 * time.Hour

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
	ServerName   string         `json:"server_name"`
	ValidUntilTS int64          `json:"valid_until_ts"`
	VerifyKeys   []VerifyKey    `json:"verify_keys"`
	OldKeys      []OldVerifyKey `json:"old_verify_keys,omitempty"`
	// SignedBy lists the servers that signed the response.
	SignedBy []string `json:"signed_by,omitempty"`
	// Problems lists what is wrong with the document itself (not judged
	// against the expected server name or the clock: the criterion does
	// that with CheckedAt).
	Problems []string `json:"problems,omitempty"`
	// Fingerprint identifies the key set (sorted id=key pairs), to tell
	// addresses that serve different keys apart.
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
func ParseServerKeys(body []byte) (*ServerKeys, error) {
	var r rawKeys
	if err := strictObject(body, &r); err != nil {
		return nil, err
	}
	k := &ServerKeys{}
	if r.ServerName == nil || *r.ServerName == "" {
		k.Problems = append(k.Problems, "no server_name")
	} else {
		k.ServerName = *r.ServerName
	}
	if r.ValidUntilTS == nil {
		k.Problems = append(k.Problems, "no valid_until_ts")
	} else if n, err := r.ValidUntilTS.Int64(); err != nil || n < 0 {
		k.Problems = append(k.Problems, fmt.Sprintf("valid_until_ts %s is not a non-negative integer", r.ValidUntilTS.String()))
	} else {
		k.ValidUntilTS = n
	}
	for s := range r.Signatures {
		k.SignedBy = append(k.SignedBy, s)
	}
	sort.Strings(k.SignedBy)
	ids := make([]string, 0, len(r.VerifyKeys))
	for kid := range r.VerifyKeys {
		ids = append(ids, kid)
	}
	sort.Strings(ids)
	var fp []string
	for _, kid := range ids {
		vk := VerifyKey{ID: kid}
		vk.Algorithm, _, _ = strings.Cut(kid, ":")
		var v struct {
			Key *string `json:"key"`
		}
		if err := json.Unmarshal(r.VerifyKeys[kid], &v); err != nil || v.Key == nil {
			vk.Error = "no string \"key\""
			k.VerifyKeys = append(k.VerifyKeys, vk)
			continue
		}
		vk.Key = *v.Key
		fp = append(fp, kid+"="+vk.Key)
		if b, err := base64.RawStdEncoding.DecodeString(vk.Key); err == nil && len(b) == ed25519.PublicKeySize {
			vk.KeyOK = vk.Algorithm == "ed25519"
		}
		if !vk.KeyOK {
			vk.Error = "not an ed25519 public key (unpadded base64 of 32 bytes)"
		}
		// Only a 32-byte key reaches signutil: mautrix v0.26.0's
		// VerifyJSONRaw hands any decoded key to ed25519.Verify, which
		// panics on a wrong length (found by FuzzParseServerKeys).
		if !vk.KeyOK {
			if _, signed := signatureOf(r.Signatures, k.ServerName, kid); signed {
				vk.Signed = true
			}
		} else if k.ServerName != "" {
			err := signutil.VerifyJSON(k.ServerName, id.KeyID(kid), id.SigningKey(vk.Key), json.RawMessage(body))
			switch {
			case err == signutil.ErrSignatureNotFound:
				vk.Error = joinErr(vk.Error, "no signature by "+k.ServerName+" with this key")
			case err != nil:
				vk.Signed = true
				vk.Error = joinErr(vk.Error, "signature does not verify: "+err.Error())
			default:
				vk.Signed, vk.SignatureOK = true, vk.KeyOK
			}
		}
		k.VerifyKeys = append(k.VerifyKeys, vk)
	}
	if len(r.VerifyKeys) == 0 {
		k.Problems = append(k.Problems, "no verify_keys")
	}
	oids := make([]string, 0, len(r.OldVerifyKeys))
	for kid := range r.OldVerifyKeys {
		oids = append(oids, kid)
	}
	sort.Strings(oids)
	for _, kid := range oids {
		ok := OldVerifyKey{ID: kid}
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
	k.Fingerprint = strings.Join(fp, ",")
	return k, nil
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// signatureOf returns signatures[server][keyID] if it is a string.
func signatureOf(sigs map[string]json.RawMessage, server, keyID string) (string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(sigs[server], &m) != nil {
		return "", false
	}
	var s string
	if json.Unmarshal(m[keyID], &s) != nil {
		return "", false
	}
	return s, true
}
