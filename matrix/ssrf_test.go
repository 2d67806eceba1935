package matrix_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// internalAddrs are one address of every range a public server name must
// not lead imscore into (as in the xmpp package's test).
var internalAddrs = []string{
	"127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
	"224.0.0.1", "0.0.0.0", "::1", "fd00::1", "fd00:ec2::254", "fe80::1", "ff02::1", "::",
	"::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:a9fe:a9fe::1",
}

// ssrfCase is a hostile server name: its zone (beside its own address),
// its two well-known files, and texts the report must contain.
type ssrfCase struct {
	name           string
	zone           string
	server, client testenv.WellKnownFile
	want           []string
}

// TestHostileServerNameCannotAimAtInternalNetworks scans a public-looking
// Matrix server name (its own address is TEST-NET-1, served by a local
// HTTPS server) whose well-known files, redirects and SRV records point
// into internal ranges, in a network namespace with only loopback. Not one
// connection to an internal address may be attempted, and the report must
// say what was not contacted.
func TestHostileServerNameCannotAimAtInternalNetworks(t *testing.T) {
	if !testenv.Isolated(t, testenv.IsolatedOptions{}) {
		return
	}
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"hostile.example.net"}, KeyType: "ecdsa256"})
	const base = "hostile.example.net. 60 IN A 192.0.2.10\n"
	srvInto := func(owner string) string {
		var b strings.Builder
		for i, a := range []string{"127.0.0.1", "10.0.0.1", "169.254.169.254", "100.64.0.1", "::1", "fd00::1", "::ffff:192.168.0.1", "2002:a00:1::1"} {
			rr := "A"
			if strings.Contains(a, ":") {
				rr = "AAAA"
			}
			fmt.Fprintf(&b, "_matrix-fed._tcp.%s. 60 IN SRV 10 5 8448 s%d.%s.\ns%d.%s. 60 IN %s %s\n", owner, i, owner, i, owner, rr, a)
		}
		return b.String()
	}
	server := func(m string) testenv.WellKnownFile { return testenv.WellKnownFile{Body: testenv.MatrixServerJSON(m)} }
	client := func(u string) testenv.WellKnownFile {
		return testenv.WellKnownFile{Body: testenv.MatrixClientJSON(u, nil)}
	}
	cases := []ssrfCase{
		{"m.server an internal IPv4 literal", "", server("10.0.0.1:8448"), testenv.WellKnownFile{},
			[]string{"10.0.0.1: internal address, not contacted"}},
		{"m.server an internal IPv6 literal", "", server("[fd00::1]"), testenv.WellKnownFile{},
			[]string{"fd00::1: internal address, not contacted"}},
		{"m.server a name resolving to the metadata service", "internal.hostile.example.net. 60 IN A 169.254.169.254\n",
			server("internal.hostile.example.net:8448"), testenv.WellKnownFile{},
			[]string{"internal.hostile.example.net → 169.254.169.254: internal address, not contacted"}},
		{"m.server delegating to SRV targets in every range", srvInto("deleg.hostile.example.net"), server("deleg.hostile.example.net"), testenv.WellKnownFile{},
			[]string{"s1.deleg.hostile.example.net → 10.0.0.1: internal address, not contacted", "s7.deleg.hostile.example.net → 2002:a00:1::1: internal address, not contacted"}},
		{"_matrix-fed SRV targets in every range", srvInto("hostile.example.net"), testenv.WellKnownFile{Status: 404}, testenv.WellKnownFile{},
			[]string{"s0.hostile.example.net → 127.0.0.1: internal address, not contacted", "s6.hostile.example.net → ::ffff:192.168.0.1: internal address, not contacted"}},
		{"well-known redirected to the metadata service", "", testenv.WellKnownFile{Redirect: "https://169.254.169.254/latest/meta-data/"},
			testenv.WellKnownFile{Redirect: "https://[64:ff9b::a9fe:a9fe]/"},
			[]string{"169.254.169.254: internal address, not contacted", "64:ff9b::a9fe:a9fe: internal address, not contacted"}},
		{"well-known redirected to a name resolving to CGNAT", "meta.hostile.example.net. 60 IN A 100.100.100.200\n",
			testenv.WellKnownFile{Redirect: "https://meta.hostile.example.net/x"}, testenv.WellKnownFile{},
			[]string{"meta.hostile.example.net → 100.100.100.200: internal address, not contacted"}},
		{"client base_url internal", "hs.hostile.example.net. 60 IN AAAA fe80::1\n", testenv.WellKnownFile{Status: 404},
			client("https://hs.hostile.example.net:8448"),
			[]string{"hs.hostile.example.net → fe80::1: internal address, not contacted"}},
		{"client base_url an IPv4-mapped literal", "", testenv.WellKnownFile{Status: 404}, client("http://[::ffff:10.0.0.1]:8008"),
			[]string{"::ffff:10.0.0.1: internal address, not contacted"}},
	}
	// Every internal range, as an m.server IP literal and as the literal
	// host of a redirect.
	for _, a := range internalAddrs {
		host := a
		if strings.Contains(a, ":") {
			host = "[" + a + "]"
		}
		want := []string{a + ": internal address, not contacted"}
		cases = append(cases,
			ssrfCase{"m.server " + a, "", server(host + ":8448"), testenv.WellKnownFile{}, want},
			ssrfCase{"redirect to " + a, "", testenv.WellKnownFile{Redirect: "https://" + host + "/.well-known/matrix/server"},
				testenv.WellKnownFile{Redirect: "https://" + host + "/.well-known/matrix/client"}, want})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]testenv.WellKnownFile{}
			for p, f := range map[string]testenv.WellKnownFile{testenv.WellKnownMatrixServer: c.server, testenv.WellKnownMatrixClient: c.client} {
				if f.Body != "" || f.Redirect != "" || f.Status != 0 {
					files[p] = f
				}
			}
			wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: cert, Key: key, Files: files})
			dns := testenv.StartDNS(t, base+c.zone, false)
			rd := &testenv.RecordingDialer{Map: map[string]string{"192.0.2.10:443": wk.Addr}}
			env := &probes.Env{Resolver: probes.NewDNSResolver(dns.Addr), Dialer: rd, Roots: pki.Pool(), IOTimeout: time.Second,
				Scope: probes.Scope{Targets: []string{"hostile.example.net"}}}
			rep := scanMatrix(t, env, "hostile.example.net")
			attempts := rd.Attempts()
			internal := rd.Count(probes.InternalAddr)
			t.Logf("dial attempts: %d in all, %d to internal addresses", len(attempts), internal)
			if internal != 0 {
				t.Errorf("%d connection attempts to internal addresses: %v", internal, attempts)
			}
			text := reportText(rep)
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("the report does not say %q", w)
				}
			}
			if f := findingOf(rep, "matrix.discovery.server"); f != nil && testing.Verbose() {
				t.Logf("matrix.discovery.server %s: %s", f.Status, f.Summary)
			}
			if f := findingOf(rep, "matrix.discovery.client"); f != nil && testing.Verbose() {
				t.Logf("matrix.discovery.client %s: %s", f.Status, f.Summary)
			}
		})
	}
}

func scanMatrix(t *testing.T, env *probes.Env, name string) *report.Report {
	t.Helper()
	reg, err := probes.NewRegistry(matrix.Probes(name, matrix.Options{})...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := probes.Run(ctx, env, reg, probes.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := criteria.Assemble("matrix", report.Target{Kind: "matrix", Name: name, Host: name}, res, report.Tool{Name: "imscore"}, time.Unix(0, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func findingOf(r *report.Report, id string) *report.Finding {
	for i := range r.Findings {
		if r.Findings[i].Criterion == id {
			return &r.Findings[i]
		}
	}
	return nil
}

// reportText is the report's findings, evidence and data as text.
func reportText(r *report.Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s %s: %s\n", f.Criterion, f.Status, f.Summary)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "%s\n%s\n%s\n", e.Sent, e.Received, e.Detail)
		}
	}
	for _, o := range r.Observations {
		fmt.Fprintf(&b, "%s %s %s\n", o.Probe, o.Status, o.Reason)
		for _, e := range o.Evidence {
			fmt.Fprintf(&b, "%s\n%s\n%s\n", e.Sent, e.Received, e.Detail)
		}
		raw, _ := json.Marshal(o.Data)
		fmt.Fprintf(&b, "%s\n", raw)
	}
	return b.String()
}
