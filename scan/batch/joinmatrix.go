package batch

import (
	"encoding/json"
	"io"
	"strings"
)

// joinmatrix.org lists public Matrix homeservers in servers.json: an array
// of servers, or (servers.joinmatrix.org) an object whose "public_servers"
// is that array. Each server has "name" (the server name) and, among
// others, what is read here:
//
//	open                 claim "registration" (matrix.registration.open)
//	software, version    claim "software" (matrix.metadata.version-disclosed)
//	captcha / recaptcha  claim "captcha" (a CAPTCHA stage in the registration flows)
//	email                claim "email" (an e-mail stage in the registration flows)
//
// Everything else is ignored.

// ParseMatrixServers reads joinmatrix's servers list: every server becomes
// a matrix target with its claims.
func ParseMatrixServers(r io.Reader, file string) (*List, error) {
	j, err := readJSONList(r, file)
	if err != nil {
		return nil, err
	}
	l := newLister(file)
	d, err := j.delim()
	if err != nil {
		return nil, err
	}
	if d == '{' {
		found := false
		for j.dec.More() {
			k, off, err := j.key()
			if err != nil {
				return nil, err
			}
			if k != "public_servers" {
				if _, _, err := j.value(); err != nil {
					return nil, err
				}
				continue
			}
			if found {
				return nil, j.fail(off, `"public_servers" twice`)
			}
			found = true
			if d2, err := j.delim(); err != nil || d2 != '[' {
				return nil, j.fail(off, `"public_servers" is not an array`)
			}
			if err := matrixServers(j, l); err != nil {
				return nil, err
			}
			// The array's closing bracket.
			off = j.dec.InputOffset()
			if _, err := j.dec.Token(); err != nil {
				return nil, j.jsonErr(off, err)
			}
		}
		if !found {
			return nil, j.fail(0, `neither an array of servers nor an object with "public_servers"`)
		}
	} else if err := matrixServers(j, l); err != nil {
		return nil, err
	}
	if err := j.end(); err != nil {
		return nil, err
	}
	return &l.list, nil
}

// matrixServers reads the servers of an array, up to its closing bracket.
func matrixServers(j *jsonList, l *lister) error {
	for j.dec.More() {
		raw, off, err := j.value()
		if err != nil {
			return err
		}
		m, err := j.object(raw, off)
		if err != nil {
			return err
		}
		name, ok := prop(m, "name").str()
		if !ok {
			return j.fail(off, `server without a "name"`)
		}
		t, err := NewTarget(KindMatrix, name)
		if err != nil {
			return j.fail(off, "server %v", err)
		}
		t.Claims = serverClaims(m)
		if err := l.add(t, j.lineAt(off)); err != nil {
			return err
		}
	}
	return nil
}

func serverClaims(m map[string]json.RawMessage) []Claim {
	var cs []Claim
	if b, ok := prop(m, "open").bool(); ok {
		cs = append(cs, Claim{Key: "registration", Value: b})
	}
	if sw, ok := prop(m, "software").str(); ok && strings.TrimSpace(sw) != "" {
		if v, ok := prop(m, "version").str(); ok && strings.TrimSpace(v) != "" {
			sw += " " + v
		}
		cs = append(cs, Claim{Key: "software", Value: clip(strings.TrimSpace(sw))})
	}
	for _, f := range []string{"captcha", "recaptcha"} {
		if b, ok := prop(m, f).bool(); ok {
			cs = append(cs, Claim{Key: "captcha", Value: b})
			break
		}
	}
	if b, ok := prop(m, "email").bool(); ok {
		cs = append(cs, Claim{Key: "email", Value: b})
	}
	sortClaims(cs)
	return cs
}
