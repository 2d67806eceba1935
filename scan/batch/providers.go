package batch

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// The XMPP Providers project (providers.xmpp.net) publishes its data as
// providers.json (API v2): either an array of providers, each an object
// with "jid" and its properties, or an object with a provider per JID.
// A property is a plain value (the filtered lists for apps,
// providers-A.json …) or {"content": VALUE, "source": URL, "comment": …}
// (the full data). The properties read here:
//
//	serverTesting                           consent to tests of the server: false → not scanned
//	inBandRegistration                      claim "registration" (xmpp.registration.open)
//	inBandRegistrationCaptchaRequired       claim "captcha"
//	inBandRegistrationEmailAddressRequired  claim "email"
//	maximumHttpFileUploadFileSize           claim "upload-size" in MB (0: no limit, -1: unknown)
//	ratingImObservatoryClientToServer       claim "tls-c2s" (the IM Observatory's grade)
//	ratingImObservatoryServerToServer       claim "tls-s2s"
//
// Everything else is ignored.

// ParseXMPPProviders reads the XMPP Providers data: every provider becomes
// an xmpp target with its claims; a provider whose serverTesting is false
// is kept with Skip set (it is listed in the summary as skipped, never
// contacted).
func ParseXMPPProviders(r io.Reader, file string) (*List, error) {
	j, err := readJSONList(r, file)
	if err != nil {
		return nil, err
	}
	l := newLister(file)
	d, err := j.delim()
	if err != nil {
		return nil, err
	}
	for j.dec.More() {
		jid := ""
		if d == '{' {
			if jid, _, err = j.key(); err != nil {
				return nil, err
			}
		}
		raw, off, err := j.value()
		if err != nil {
			return nil, err
		}
		m, err := j.object(raw, off)
		if err != nil {
			return nil, err
		}
		if d == '[' {
			p := prop(m, "jid")
			s, ok := p.str()
			if !ok {
				return nil, j.fail(off, `provider without a "jid"`)
			}
			jid = s
		}
		t, err := NewTarget(KindXMPP, jid)
		if err != nil {
			return nil, j.fail(off, "provider %v", err)
		}
		t.Claims, t.Skip = providerClaims(m, file)
		if err := l.add(t, j.lineAt(off)); err != nil {
			return nil, err
		}
	}
	if err := j.end(); err != nil {
		return nil, err
	}
	return &l.list, nil
}

// providerClaims reads a provider's claims and its consent.
func providerClaims(m map[string]json.RawMessage, file string) (claims []Claim, skip string) {
	if p := prop(m, "serverTesting"); p.ok {
		if ok, isBool := p.bool(); isBool && !ok {
			skip = "the provider does not allow tests of its server (serverTesting is false in " + file + ")"
			if p.source == "" {
				skip = "the provider has not allowed tests of its server (serverTesting is false in " + file + ": no provider file grants it)"
			}
		}
	}
	boolClaim := func(field, key string) {
		p := prop(m, field)
		if b, ok := p.bool(); ok {
			claims = append(claims, Claim{Key: key, Value: b, Source: p.source})
		}
	}
	boolClaim("inBandRegistration", "registration")
	boolClaim("inBandRegistrationCaptchaRequired", "captcha")
	boolClaim("inBandRegistrationEmailAddressRequired", "email")
	if p := prop(m, "maximumHttpFileUploadFileSize"); p.ok {
		if n, ok := p.int(); ok && n >= 0 {
			claims = append(claims, Claim{Key: "upload-size", Value: n, Source: p.source})
		}
	}
	for field, key := range map[string]string{"ratingImObservatoryClientToServer": "tls-c2s", "ratingImObservatoryServerToServer": "tls-s2s"} {
		p := prop(m, field)
		if s, ok := p.str(); ok && validGrade(s) {
			claims = append(claims, Claim{Key: key, Value: strings.ToUpper(s), Source: p.source})
		}
	}
	sortClaims(claims)
	return claims, skip
}

// validGrade accepts the IM Observatory's grades (A to F, T, with + or -).
func validGrade(s string) bool {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" || len(s) > 2 || !strings.Contains("ABCDEFT", s[:1]) {
		return false
	}
	return len(s) == 1 || s[1] == '+' || s[1] == '-'
}

// claimOrder is the order claims are listed in.
var claimOrder = []string{"registration", "captcha", "email", "software", "upload-size", "tls-c2s", "tls-s2s"}

func sortClaims(cs []Claim) {
	rank := func(k string) int {
		for i, o := range claimOrder {
			if o == k {
				return i
			}
		}
		return len(claimOrder)
	}
	for i := 1; i < len(cs); i++ {
		for k := i; k > 0 && rank(cs[k].Key) < rank(cs[k-1].Key); k-- {
			cs[k], cs[k-1] = cs[k-1], cs[k]
		}
	}
}

// describe is a claim's value as text.
func (c Claim) describe() string {
	switch v := c.Value.(type) {
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case int:
		if c.Key == "upload-size" && v == 0 {
			return "no limit"
		}
		if c.Key == "upload-size" {
			return fmt.Sprintf("%d MB", v)
		}
		return fmt.Sprint(v)
	case string:
		return v
	}
	return fmt.Sprint(c.Value)
}
