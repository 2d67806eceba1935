package matrix

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
)

// ScanSpec is the scan of the Matrix server name arg (`imscore scan matrix
// SERVER_NAME`, `imscore compare --server matrix:SERVER_NAME`): federation
// discovery, keys, version and TLS, client discovery, what an anonymous
// stranger can do, and what opts adds (an account, the rate-limit test).
func ScanSpec(arg string, opts Options) (probes.Spec, error) {
	name := strings.TrimSpace(arg)
	sn, err := ParseServerName(name)
	if err != nil {
		return probes.Spec{}, fmt.Errorf("%v (want a Matrix server name: example.org, example.org:8448, 192.0.2.1 or [2001:db8::1]; no https://, no @user:)", err)
	}
	return probes.Spec{
		Target:    probes.Target{Kind: "matrix", Name: name, Host: sn.Host, Port: sn.Port},
		Probes:    Probes(name, opts),
		Scannable: scannable,
		Endpoints: endpoints,
	}, nil
}

// scannable: the scan reached the server when a federation address gave
// an HTTP answer or the client base URL answered /versions.
func scannable(res probes.Results) error {
	if cd, ok := Client.OK(res); ok && cd.Reachable() {
		return nil
	}
	d := res.Get(Discovery.ID)
	if d == nil || d.Status != probes.StatusOK {
		return fmt.Errorf("federation discovery: %s", probes.ReasonOf(d))
	}
	if k := res.Get(Keys.ID); k != nil && k.Status == probes.StatusOK {
		return nil
	}
	return fmt.Errorf("no federation address answered: %s", probes.ReasonOf(res.Get(Keys.ID)))
}

// endpoints lists the federation addresses.
func endpoints(res probes.Results) []probes.Endpoint {
	if d, ok := Discovery.OK(res); ok {
		return d.Endpoints
	}
	return nil
}
