package wire

// groupTable is every key-exchange group we test, in probing order.
// Bits is the classical size: the ECC field size (x25519 is counted as 256,
// its size class: 128-bit security like secp256r1), the DH modulus size, and
// for a hybrid the size of its classical half; pure ML-KEM groups have 0.
var groupTable = []Group{
	{0x11ec, "X25519MLKEM768", "hybrid-pq", 256},
	{0x11eb, "SecP256r1MLKEM768", "hybrid-pq", 256},
	{0x11ed, "SecP384r1MLKEM1024", "hybrid-pq", 384},
	{0x6399, "X25519Kyber768Draft00", "hybrid-pq", 256},
	{0x0200, "MLKEM512", "pq", 0},
	{0x0201, "MLKEM768", "pq", 0},
	{0x0202, "MLKEM1024", "pq", 0},
	{0x001d, "x25519", "ecdhe", 256},
	{0x001e, "x448", "ecdhe", 448},
	{0x0017, "secp256r1", "ecdhe", 256},
	{0x0018, "secp384r1", "ecdhe", 384},
	{0x0019, "secp521r1", "ecdhe", 521},
	{0x001f, "brainpoolP256r1tls13", "ecdhe", 256},
	{0x0020, "brainpoolP384r1tls13", "ecdhe", 384},
	{0x0021, "brainpoolP512r1tls13", "ecdhe", 512},
	{0x001a, "brainpoolP256r1", "ecdhe", 256},
	{0x001b, "brainpoolP384r1", "ecdhe", 384},
	{0x001c, "brainpoolP512r1", "ecdhe", 512},
	{0x0016, "secp256k1", "ecdhe", 256},
	{0x0015, "secp224r1", "ecdhe", 224},
	{0x0013, "secp192r1", "ecdhe", 192},
	{0x0100, "ffdhe2048", "ffdhe", 2048},
	{0x0101, "ffdhe3072", "ffdhe", 3072},
	{0x0102, "ffdhe4096", "ffdhe", 4096},
	{0x0103, "ffdhe6144", "ffdhe", 6144},
	{0x0104, "ffdhe8192", "ffdhe", 8192},
}

// Groups returns every key-exchange group we know, in probing order.
func Groups() []Group {
	return append([]Group(nil), groupTable...)
}

func groupByID(id uint16) (Group, bool) {
	for _, g := range groupTable {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

func groupName(id uint16) string {
	if g, ok := groupByID(id); ok {
		return g.Name
	}
	return hex16(id)
}

// groupValidTLS13 reports whether a group may be negotiated in TLS 1.3
// (RFC 8446 §4.2.7 deprecates the TLS 1.2 brainpool codepoints and the small
// curves; RFC 8734 adds the tls13 brainpool ones).
func groupValidTLS13(g Group) bool {
	switch g.ID {
	case 0x001a, 0x001b, 0x001c, 0x0016, 0x0015, 0x0013:
		return false
	}
	return true
}

// groupValidTLS12 reports whether a group is an elliptic curve usable with
// ECDHE suites in TLS <= 1.2 (RFC 8422).
func groupValidTLS12(g Group) bool {
	if g.Kind != "ecdhe" {
		return false
	}
	switch g.ID {
	case 0x001f, 0x0020, 0x0021:
		return false
	}
	return true
}

// groupsTLS12 is the supported_groups list of TLS <= 1.2 ClientHellos:
// every elliptic curve, and deliberately no FFDHE group, so that a server
// implementing RFC 7919 keeps using its own DH parameters for DHE suites
// (the ones a legacy client gets).
func groupsTLS12() []uint16 {
	var out []uint16
	for _, g := range groupTable {
		if groupValidTLS12(g) {
			out = append(out, g.ID)
		}
	}
	return out
}

// groupsTLS13 is the supported_groups list of TLS 1.3 ClientHellos.
func groupsTLS13() []uint16 {
	var out []uint16
	for _, g := range groupTable {
		if groupValidTLS13(g) {
			out = append(out, g.ID)
		}
	}
	return out
}

// ffdheGroups lists the RFC 7919 groups.
func ffdheGroups() []uint16 {
	var out []uint16
	for _, g := range groupTable {
		if g.Kind == "ffdhe" {
			out = append(out, g.ID)
		}
	}
	return out
}
