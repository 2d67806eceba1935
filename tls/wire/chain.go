package wire

import (
	"context"
	"errors"
	"fmt"
)

// FetchChain completes a raw TLS <= 1.2 handshake up to the server's
// Certificate message and returns the certificates (DER, leaf first as
// sent). It is the fallback for servers crypto/tls cannot talk to (RSA-512
// keys, RC4- or export-only suites, SSLv3). v is the version offered
// (SSLv2 reads the certificate from the SSLv2 SERVER-HELLO); the server may
// answer with a lower version. TLS 1.3 encrypts the Certificate, so v =
// TLSv1.3 is an error; v = 0 offers TLS 1.2.
func FetchChain(ctx context.Context, dial Connector, sni string, v Version) ([][]byte, error) {
	p := &prober{dial: dial, sni: sni}
	switch {
	case v == 0:
		v = VersionTLS12
	case v == VersionSSL2:
		r := p.exchange(ctx, buildSSL2ClientHello(), readOpts{ssl2: true, limit: chainReadLimit})
		if r.kind != replySSL2 {
			return nil, fmt.Errorf("no SSLv2 ServerHello: %s", r.describe())
		}
		if len(r.ssl2.cert) == 0 {
			return nil, errors.New("SSLv2 ServerHello without a certificate")
		}
		return [][]byte{append([]byte(nil), r.ssl2.cert...)}, nil
	case v == VersionTLS13:
		return nil, errors.New("FetchChain needs TLS 1.2 or older: TLS 1.3 encrypts the Certificate message")
	case v < VersionSSL3 || v > VersionTLS13:
		return nil, fmt.Errorf("unknown version %v", v)
	}
	var last reply
	suites := certSuites()
	if v == VersionSSL3 {
		suites = ssl3Filter(suites)
	}
	for _, chunk := range chunks(v, suites) {
		hello, err := buildClientHello(helloSpec{version: v, suites: chunk, groups: groupsTLS12(), sni: p.sni})
		if err != nil {
			return nil, err
		}
		r := p.exchange(ctx, hello, readOpts{certs: true, limit: chainReadLimit})
		last = r
		switch {
		case r.kind == replyServerHello && len(r.certs) > 0:
			return r.certs, nil
		case r.kind == replyServerHello && r.hello.version >= VersionTLS13:
			return nil, errors.New("server answered with TLS 1.3")
		case r.kind == replyAlert && r.hello == nil && r.alert.desc != alertProtocolVersion:
			continue // maybe no common suite in this chunk
		}
		break
	}
	if last.kind == replyDialError {
		return nil, fmt.Errorf("endpoint unreachable: %w", last.err)
	}
	return nil, fmt.Errorf("no certificate: %s", last.describe())
}
