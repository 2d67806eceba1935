package criteria

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

func TestMatrixE2EEDefaultEvaluator(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want report.Status
	}{{"", report.Pass}, {`{"default":true}`, report.Pass}, {`{"default":false}`, report.Warn}, {`{"force_disable":true}`, report.Fail}, {`"yes"`, report.Warn}} {
		cd := &matrix.ClientData{WellKnown: &matrix.WellKnown{Result: matrix.WKValid}, Parsed: &matrix.ClientWellKnown{E2EE: []byte(c.raw)}}
		res := probes.Results{matrix.Client.ID: {Probe: matrix.Client.ID, Status: probes.StatusOK, Data: cd}}
		if v := evalMatrixE2EEDefault(Input{Kind: "matrix", Results: res}); v.Status != c.want {
			t.Errorf("%q: %s (%s), want %s", c.raw, v.Status, v.Summary, c.want)
		}
	}
	if v := evalMatrixRoomVersions(Input{Kind: "matrix"}); v.Status != report.Skip || !strings.Contains(v.Summary, "needs --account") {
		t.Errorf("room versions: %s %s", v.Status, v.Summary)
	}
}

func matrixClientCases(t *testing.T) []evalCase {
	client := func(cd *matrix.ClientData) probes.Results {
		return probes.Results{matrix.Client.ID: {Probe: matrix.Client.ID, Status: probes.StatusOK, Data: cd}}
	}
	wk := func(result, cors string) *matrix.WellKnown {
		return &matrix.WellKnown{URL: "https://example.org/.well-known/matrix/client", Result: result, CORS: cors, Status: 200,
			Exchanges: []matrix.Exchange{{Method: "GET", URL: "https://example.org/.well-known/matrix/client", Status: 200}}}
	}
	versions := []matrix.ClientEndpoint{{Endpoint: probes.Endpoint{Addr: "192.0.2.1:443"}, Status: probes.StatusOK, CORS: "*", Versions: []string{"v1.11"},
		Exchange: matrix.Exchange{Method: "GET", URL: "https://matrix.example.org/_matrix/client/versions", Status: 200}}}
	e2ee := func(raw string) probes.Results {
		return client(&matrix.ClientData{WellKnown: wk(matrix.WKValid, "*"), Parsed: &matrix.ClientWellKnown{E2EE: []byte(raw)}})
	}
	return []evalCase{
		{ID: "matrix.discovery.client", Name: "working", Res: client(&matrix.ClientData{WellKnown: wk(matrix.WKValid, "*"), BaseURL: "https://matrix.example.org", Endpoints: versions}), Want: report.Pass, Has: "v1.11"},
		{ID: "matrix.discovery.client", Name: "plain http", Res: client(&matrix.ClientData{WellKnown: wk(matrix.WKValid, "*"), BaseURL: "http://matrix.example.org"}), Want: report.Fail, Has: "cleartext"},
		{ID: "matrix.discovery.client", Name: "404", Res: client(&matrix.ClientData{WellKnown: wk(matrix.WKNotFound, "")}), Want: report.Warn},
		{ID: "matrix.e2ee.default", Name: "unset", Res: e2ee(""), Want: report.Pass},
		{ID: "matrix.e2ee.default", Name: "off by default", Res: e2ee(`{"default":false}`), Want: report.Warn},
		{ID: "matrix.e2ee.default", Name: "force disabled", Res: e2ee(`{"force_disable":true}`), Want: report.Fail},
	}
}
