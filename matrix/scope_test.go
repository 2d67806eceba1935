package matrix

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
)

// mapDialer sends connections for a made-up public address to a local
// server, so a "public" server name can be tested on loopback only.
type mapDialer struct{ to map[string]string }

func (m mapDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if a, ok := m.to[addr]; ok {
		addr = a
	} else if h, _, _ := net.SplitHostPort(addr); !strings.HasPrefix(h, "127.") {
		return nil, fmt.Errorf("test dialer: %s is not mapped (no traffic leaves loopback)", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// A public server name whose client well-known points into an internal
// network is not followed.
func TestClientBaseURLIntoInternalNetworkRefused(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256"})
	wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: cert, Key: key, Files: map[string]testenv.WellKnownFile{
		testenv.WellKnownMatrixClient: {Body: testenv.MatrixClientJSON("https://hs.example.test:8448", nil)},
	}})
	// example.test looks public (TEST-NET-1, never dialled: the dialer
	// maps it to the local server); hs.example.test is loopback.
	dns := testenv.StartDNS(t, "example.test. 60 IN A 192.0.2.10\nhs.example.test. 60 IN A 127.0.0.1\n", false)
	env := (&probes.Env{Resolver: probes.NewDNSResolver(dns.Addr), Roots: pki.Pool(), IOTimeout: 2 * time.Second,
		Dialer: mapDialer{to: map[string]string{"192.0.2.10:443": wk.Addr}}}).Filled()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o := clientProbe(ctx, env, "example.test")
	cd, _ := o.Data.(*ClientData)
	if o.Status != probes.StatusProtocolError || cd == nil || !strings.Contains(cd.Error, "internal address") {
		t.Fatalf("observation %s %q, data %+v", o.Status, o.Reason, cd)
	}
	if len(cd.Endpoints) != 0 {
		t.Errorf("the internal base URL was requested: %+v", cd.Endpoints)
	}
}
