package cli

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls"
)

// handshakes counts the TLS handshakes a scan made (enumeration plus the
// full crypto/tls handshake per endpoint).
func handshakes(res probes.Results) int {
	n := 0
	if d, ok := tls.DefaultKeys.Versions.OK(res); ok {
		for _, e := range d.Endpoints {
			n += e.Handshakes
		}
	}
	if d, ok := tls.DefaultKeys.Ciphers.OK(res); ok {
		for _, e := range d.Endpoints {
			n += e.Handshakes
		}
	}
	if d, ok := tls.DefaultKeys.Groups.OK(res); ok {
		for _, e := range d.Endpoints {
			n += e.Handshakes
		}
	}
	if d, ok := tls.DefaultKeys.Handshake.OK(res); ok {
		n += len(d.Endpoints)
	}
	return n
}

// BenchmarkFullTLSScan scans a local nginx (TLS 1.2 + 1.3, Mozilla
// intermediate) end to end: every probe, criteria and the JSON report.
func BenchmarkFullTLSScan(b *testing.B) {
	testenv.Need(b, "nginx")
	pki := testenv.NewPKI(b)
	cert, key := pki.Leaf(b, "bench", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256", Intermediate: true})
	srv := testenv.StartNginx(b, testenv.NginxOptions{Cert: cert, Key: key, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
	_, port, _ := net.SplitHostPort(srv.Addr)
	o := &scanOptions{format: "json", caFile: pki.CAFile, concurrency: 8}
	hs := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		env, err := o.env()
		if err != nil {
			b.Fatal(err)
		}
		env.Connect = map[string]string{"test.example:" + port: srv.Addr}
		t := tls.Target{Host: "test.example", Port: atoi(port)}
		spec := tls.ScanSpec("bench", t)
		reg, _ := probes.NewRegistry(spec.Probes...)
		res, err := probes.Run(context.Background(), env, reg, probes.RunOptions{Concurrency: 8})
		if err != nil {
			b.Fatal(err)
		}
		if err := spec.Scannable(res); err != nil {
			b.Fatal(err)
		}
		hs += handshakes(res)
		rep, err := assembleForBench(res)
		if err != nil {
			b.Fatal(err)
		}
		if err := render(io.Discard, rep, "json", false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(hs)/float64(b.N), "handshakes/op")
}
