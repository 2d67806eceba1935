package xmpp

import (
	stdtls "crypto/tls"
	"encoding/base64"
	"fmt"
	"hash"
	"sort"
	"strings"
)

// DowngradeCheck is what the server's SCRAM server-first message said
// about downgrade protection, and whether it matched what imscore saw on
// its side of the connection:
//
//   - XEP-0474 (SSDP) §6.1: the optional attribute "h" carries the base64
//     hash (with the SCRAM mechanism's hash function) of the advertised SASL
//     mechanisms, sorted and joined by %x1E, then — when XEP-0440 was used —
//     %x1F and the sorted channel-binding types joined by %x1E. Revisions
//     0.3.x (implemented by ejabberd 24.x) called it "d" and joined with ","
//     and "|". §6.2: a client whose own hash differs MUST fail the
//     authentication.
//   - XEP-0515 (TDP) §4.1: the optional attribute "t" carries the TLS
//     version of the server's side of the connection as four lowercase hex
//     digits (TLS 1.3 = "0304"); §4.2: a client whose own TLS version
//     differs MUST fail the authentication.
//
// Both attributes are covered by the SCRAM signatures, so a man in the
// middle who does not know the password cannot forge them.
type DowngradeCheck struct {
	// Mechanism is the SCRAM mechanism whose server-first message this is.
	Mechanism string `json:"mechanism"`
	// SSDPAttr is "h" (XEP-0474 0.4+), "d" (0.3.x) or "" (not sent);
	// SSDP its value and SSDPWant the hash of what imscore saw.
	SSDPAttr  string `json:"ssdp_attr,omitempty"`
	SSDP      string `json:"ssdp,omitempty"`
	SSDPWant  string `json:"ssdp_want,omitempty"`
	SSDPMatch bool   `json:"ssdp_match,omitempty"`
	// Hashed is the string imscore hashed (delimiters shown as \x1e, \x1f).
	Hashed string `json:"hashed,omitempty"`
	// TDP is the XEP-0515 "t" value ("" when not sent), TDPWant the TLS
	// version imscore negotiated.
	TDP      string `json:"tdp,omitempty"`
	TDPWant  string `json:"tdp_want,omitempty"`
	TDPMatch bool   `json:"tdp_match,omitempty"`
}

// Mismatch says which protection failed, or "".
func (d *DowngradeCheck) Mismatch() string {
	var out []string
	if d.SSDPAttr != "" && !d.SSDPMatch {
		out = append(out, fmt.Sprintf("XEP-0474 %q=%s but the mechanisms and channel-binding types imscore saw hash to %s", d.SSDPAttr, d.SSDP, d.SSDPWant))
	}
	if d.TDP != "" && !d.TDPMatch {
		out = append(out, fmt.Sprintf("XEP-0515 t=%s but imscore negotiated TLS %s", d.TDP, d.TDPWant))
	}
	return strings.Join(out, "; ")
}

// DowngradeError is returned by Login when the server-first message
// shows that what imscore saw was altered on the way (or that the server
// computes the protection wrongly): imscore aborts the authentication, as
// XEP-0474 §6.2 and XEP-0515 §4.2 require, before sending any proof.
type DowngradeError struct {
	Check DowngradeCheck
	Info  LoginInfo
}

func (e *DowngradeError) Error() string {
	return "SCRAM downgrade protection does not match, authentication aborted: " + e.Check.Mismatch()
}

// ssdpHash computes the XEP-0474 hash of the advertised mechanisms and,
// when XEP-0440 was used, channel-binding types; legacy selects the 0.3.x
// delimiters. It returns the base64 hash and the hashed string.
func ssdpHash(h func() hash.Hash, mechs, cbTypes []string, legacy bool) (string, string) {
	sep, cbSep := "\x1e", "\x1f"
	if legacy {
		sep, cbSep = ",", "|"
	}
	m := append([]string(nil), mechs...)
	sort.Strings(m) // i;octet (RFC 4790 §9.3): byte order
	s := strings.Join(m, sep)
	if len(cbTypes) > 0 {
		c := append([]string(nil), cbTypes...)
		sort.Strings(c)
		s += cbSep + strings.Join(c, sep)
	}
	hh := h()
	hh.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(hh.Sum(nil)), s
}

// SSDPHash is the XEP-0474 hash (current delimiters) of the mechanisms and
// channel-binding types a server advertised, for the SCRAM mechanism mech,
// base64-encoded; "" when mech is not SCRAM. The client tester sends it as
// a server would.
func SSDPHash(mech string, mechs, cbTypes []string) string {
	h := SCRAMHash(mech)
	if h == nil {
		return ""
	}
	sum, _ := ssdpHash(h, mechs, cbTypes, false)
	return sum
}

// tlsVersionHex is the XEP-0515 encoding of a TLS version.
func tlsVersionHex(v uint16) string { return fmt.Sprintf("%04x", v) }

// checkDowngrade compares the server-first attributes of sc with the
// features the client saw (SASL1 mechanisms, XEP-0440 types) and the
// negotiated TLS version.
func checkDowngrade(sc *scram, mech string, f *Features, cs stdtls.ConnectionState) DowngradeCheck {
	d := DowngradeCheck{Mechanism: mech}
	if v, ok := sc.ext['h']; ok {
		d.SSDPAttr, d.SSDP = "h", v
		d.SSDPWant, d.Hashed = ssdpHash(sc.h, f.Mechanisms, f.ChannelBindings, false)
	} else if v, ok := sc.ext['d']; ok {
		d.SSDPAttr, d.SSDP = "d", v
		d.SSDPWant, d.Hashed = ssdpHash(sc.h, f.Mechanisms, f.ChannelBindings, true)
	}
	d.SSDPMatch = d.SSDPAttr != "" && d.SSDP == d.SSDPWant
	d.Hashed = strings.NewReplacer("\x1e", `\x1e`, "\x1f", `\x1f`).Replace(d.Hashed)
	if v, ok := sc.ext['t']; ok {
		d.TDP, d.TDPWant = v, tlsVersionHex(cs.Version)
		d.TDPMatch = strings.EqualFold(v, d.TDPWant) && len(v) == 4
	}
	return d
}
