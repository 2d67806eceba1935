package wire

import (
	"sort"
	"strings"
)

// What the engine offers: the order of the TLS <= 1.2 suites (strong and
// common first, so the first ClientHello chunk holds every suite a real
// server is likely to be configured with), the suites each version and each
// scan offers, and their split into ClientHello-sized chunks.

// sortOffer sorts suite ids into offer order: by offerClass, then key
// exchange, strength, cipher family and MAC, then id.
func sortOffer(ids []uint16) {
	sort.SliceStable(ids, func(i, j int) bool {
		a, b := suiteIndex[ids[i]], suiteIndex[ids[j]]
		if ca, cb := offerClass(a), offerClass(b); ca != cb {
			return ca < cb
		}
		if ka, kb := kexRank(a.Kex), kexRank(b.Kex); ka != kb {
			return ka < kb
		}
		if a.Bits != b.Bits {
			return a.Bits > b.Bits
		}
		if fa, fb := cipherFamilyRank(a.Cipher), cipherFamilyRank(b.Cipher); fa != fb {
			return fa < fb
		}
		if ma, mb := macRank(a.MAC), macRank(b.MAC); ma != mb {
			return ma < mb
		}
		return a.ID < b.ID
	})
}

// offerClass sorts suites into the order we offer them. The first 127 of
// that order form the first ClientHello chunk, which is what the version
// scan offers: every suite a real server is likely to be configured with,
// including the legacy and export ones a scorecard has to catch.
func offerClass(s Suite) int {
	has := func(w string) bool {
		for _, x := range s.Weak {
			if x == w {
				return true
			}
		}
		return false
	}
	std := s.Kex == "RSA" || s.Kex == "DHE" || s.Kex == "ECDHE"
	switch {
	case s.Auth == "PSK" || s.Kex == "RSA_PSK" || s.Kex == "SRP" || s.Kex == "KRB5":
		return 9
	case has(weakAnon):
		return 8
	case has(weakNull):
		return 7
	case s.Kex == "DH" || s.Kex == "ECDH":
		return 6
	case strings.HasPrefix(s.Cipher, "ARIA") && !s.AEAD:
		return 6 // ARIA-CBC: registered, essentially never deployed
	case has(weakExport) || has(weakDES) || has(weakRC4):
		return 5
	case has(weak3DES):
		return 4
	case std && s.FS && s.AEAD:
		return 0
	case std && s.FS:
		return 1
	case std && s.AEAD:
		return 2
	case std:
		return 3
	}
	return 9
}

func kexRank(k string) int {
	switch k {
	case "ECDHE":
		return 0
	case "DHE":
		return 1
	case "RSA":
		return 2
	}
	return 3
}

func cipherFamilyRank(c string) int {
	switch {
	case strings.HasPrefix(c, "AES"), strings.HasPrefix(c, "CHACHA20"):
		return 0
	case strings.HasPrefix(c, "CAMELLIA"), strings.HasPrefix(c, "ARIA"):
		return 1
	}
	return 2
}

func macRank(m string) int {
	switch m {
	case "AEAD":
		return 0
	case "SHA384":
		return 1
	case "SHA256":
		return 2
	case "SHA1":
		return 3
	}
	return 4
}

// chunks splits the suites offered for v into ClientHello-sized pieces.
// SSLv3 ClientHellos have no extensions to pad with (see
// buildClientHello), so their chunks stay under 256 bytes instead.
func chunks(v Version, ids []uint16) [][]uint16 {
	size := maxSuitesPerHello
	if v == VersionSSL3 {
		size = 100
	}
	var out [][]uint16
	for len(ids) > 0 {
		n := min(len(ids), size)
		out = append(out, ids[:n:n])
		ids = ids[n:]
	}
	return out
}

// suitesFor returns the suites we offer for version v, in offer order.
// Every TLS <= 1.2 suite is offered for every TLS version up to 1.2: a
// server that picks a suite its version does not allow is a finding, not
// noise. SSLv3 gets only the suites it can express (SHA-1 or MD5 MAC, no
// AEAD), which keeps its extension-less ClientHellos small.
func suitesFor(v Version) []uint16 {
	switch v {
	case VersionTLS13:
		return tls13IDs
	case VersionSSL3:
		return ssl3Filter(offerOrder)
	}
	return offerOrder
}

func ssl3Filter(ids []uint16) []uint16 {
	var out []uint16
	for _, id := range ids {
		if s := suiteIndex[id]; !s.AEAD && (s.MAC == "SHA1" || s.MAC == "MD5") {
			out = append(out, id)
		}
	}
	return out
}

// ecdheSuites lists the ECDHE suites (RSA or ECDSA authenticated) we
// offer with v, in offer order, as one ClientHello's worth.
func ecdheSuites(v Version) []uint16 {
	return firstChunk(v, func(s Suite) bool { return s.Kex == "ECDHE" && s.Auth != "anon" })
}

// dheSuites lists the finite-field DHE suites (including anonymous DH,
// which also sends ServerDHParams) we offer with v, as one ClientHello's
// worth.
func dheSuites(v Version) []uint16 {
	return firstChunk(v, func(s Suite) bool { return s.Kex == "DHE" })
}

func firstChunk(v Version, keep func(Suite) bool) []uint16 {
	var ids []uint16
	for _, id := range suitesFor(v) {
		if keep(suiteIndex[id]) {
			ids = append(ids, id)
		}
	}
	if c := chunks(v, ids); len(c) > 0 {
		return c[0]
	}
	return nil
}

// certSuites lists the suites whose handshake carries a server Certificate
// (everything but anonymous, pure-PSK, SRP-without-certificate and
// Kerberos suites), in offer order.
func certSuites() []uint16 {
	var out []uint16
	for _, id := range offerOrder {
		s := suiteIndex[id]
		switch s.Auth {
		case "RSA", "DSS", "ECDSA":
			out = append(out, id)
		}
	}
	return out
}
