package criteria

import (
	"testing"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

func att(status int, errcode string) matrix.Attempt {
	return matrix.Attempt{Exchange: matrix.Exchange{Method: "GET", URL: "https://x/", Status: status}, ErrCode: errcode}
}

func accessRes(e matrix.AccessEndpoint) probes.Results {
	e.Endpoint = probes.Endpoint{Addr: "192.0.2.1:443"}
	if e.Register.Exchange.Status == 0 {
		e.Register = att(403, "M_FORBIDDEN")
	}
	return probes.Results{matrix.Access.ID: {Probe: matrix.Access.ID, Status: probes.StatusOK,
		Data: &matrix.AccessData{ServerName: "example.org", LocalName: "example.org", KnownUsers: []string{"@admin:example.org"}, Endpoints: []matrix.AccessEndpoint{e}}}}
}

func TestMatrixAccessEvaluators(t *testing.T) {
	flows := func(fs ...[]string) matrix.AccessEndpoint {
		e := matrix.AccessEndpoint{Register: att(401, "")}
		for _, f := range fs {
			e.RegisterFlows = append(e.RegisterFlows, matrix.RegisterFlow{Stages: f})
		}
		return e
	}
	made := func(v3, r0, auth matrix.Attempt, real ...matrix.MediaTry) matrix.AccessEndpoint {
		return matrix.AccessEndpoint{Media: append([]matrix.MediaTry{{Source: "made-up", Legacy: v3, LegacyR0: &r0, Authenticated: &auth}}, real...)}
	}
	nf, mt := att(404, "M_NOT_FOUND"), att(401, "M_MISSING_TOKEN")
	cases := []struct {
		name string
		eval Evaluator
		e    matrix.AccessEndpoint
		want report.Status
	}{
		{"registration disabled", evalMatrixRegistrationOpen, matrix.AccessEndpoint{}, report.Pass},
		{"dummy only", evalMatrixRegistrationOpen, flows([]string{"m.login.dummy"}), report.Fail},
		{"terms only is no verification", evalMatrixRegistrationOpen, flows([]string{"m.login.recaptcha"}, []string{"m.login.terms"}), report.Fail},
		{"captcha", evalMatrixRegistrationOpen, flows([]string{"m.login.recaptcha", "m.login.terms"}), report.Warn},
		{"token everywhere", evalMatrixRegistrationOpen, flows([]string{"m.login.registration_token"}, []string{"m.login.recaptcha", "m.login.registration_token"}), report.Pass},
		{"401 without flows", evalMatrixRegistrationOpen, flows(), report.Error},
		{"no registration route", evalMatrixRegistrationOpen, matrix.AccessEndpoint{Register: att(404, "M_UNRECOGNIZED")}, report.Pass},
		{"rate limited", evalMatrixRegistrationOpen, matrix.AccessEndpoint{Register: att(429, "M_LIMIT_EXCEEDED")}, report.Error},
		{"guest created", evalMatrixRegistrationGuest, matrix.AccessEndpoint{Guest: att(200, "")}, report.Warn},
		{"guest refused", evalMatrixRegistrationGuest, matrix.AccessEndpoint{Guest: att(403, "M_FORBIDDEN")}, report.Pass},
		{"directory open", evalMatrixDirectoryClient, matrix.AccessEndpoint{Directory: att(200, "")}, report.Warn},
		{"directory needs token", evalMatrixDirectoryClient, matrix.AccessEndpoint{Directory: mt}, report.Pass},
		{"profile open", evalMatrixProfile, matrix.AccessEndpoint{Profile: nf}, report.Warn},
		{"profile needs token", evalMatrixProfile, matrix.AccessEndpoint{Profile: mt}, report.Pass},
		{"enumeration by profile", evalMatrixUserEnumeration, matrix.AccessEndpoint{Profile: nf, Available: att(403, "M_FORBIDDEN")}, report.Warn},
		{"available with open registration", evalMatrixUserEnumeration, matrix.AccessEndpoint{Register: att(401, ""), Profile: mt, Available: att(200, "")}, report.Info},
		{"available while closed", evalMatrixUserEnumeration, matrix.AccessEndpoint{Profile: mt, Available: att(200, "")}, report.Warn},
		{"no oracle", evalMatrixUserEnumeration, matrix.AccessEndpoint{Profile: mt, Available: att(403, "M_FORBIDDEN")}, report.Pass},
		{"real media served", evalMatrixMedia, made(nf, nf, mt, matrix.MediaTry{MXC: "mxc://example.org/a", Source: "room directory", Legacy: att(200, "")}), report.Fail},
		{"frozen", evalMatrixMedia, made(nf, nf, mt, matrix.MediaTry{MXC: "mxc://example.org/a", Source: "room directory", Legacy: nf}), report.Pass},
		{"real media, legacy answer unusable", evalMatrixMedia, made(nf, nf, mt, matrix.MediaTry{MXC: "mxc://example.org/a", Source: "room directory", Legacy: att(502, "")}), report.Warn},
		{"enumeration unmeasured", evalMatrixUserEnumeration, matrix.AccessEndpoint{Profile: mt, Available: att(502, "")}, report.Error},
		{"legacy only", evalMatrixMedia, made(nf, nf, att(404, "M_UNRECOGNIZED")), report.Fail},
		{"legacy and authenticated", evalMatrixMedia, made(nf, nf, mt), report.Warn},
		{"legacy blocked", evalMatrixMedia, made(att(404, ""), att(404, "M_UNRECOGNIZED"), mt), report.Pass},
	}
	for _, c := range cases {
		if v := c.eval(Input{Kind: "matrix", Results: accessRes(c.e)}); v.Status != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, v.Status, v.Summary, c.want)
		}
	}
	if v := evalMatrixRegistrationOpen(Input{Kind: "matrix", Results: probes.Results{}}); v.Status != report.Error {
		t.Errorf("not run: %s", v.Status)
	}
}

func TestMatrixFederationDirectoryEvaluator(t *testing.T) {
	for _, c := range []struct {
		a    matrix.Attempt
		want report.Status
	}{{att(200, ""), report.Fail}, {att(401, "M_UNAUTHORIZED"), report.Pass}, {att(404, "M_UNRECOGNIZED"), report.Pass}, {att(500, ""), report.Error}} {
		res := probes.Results{matrix.FederationDirectory.ID: {Probe: matrix.FederationDirectory.ID, Status: probes.StatusOK,
			Data: &matrix.FederationDirectoryData{Endpoints: []matrix.FederationDirectoryEndpoint{{Endpoint: probes.Endpoint{Addr: "a:1"}, Attempt: c.a}}}}}
		if v := evalMatrixDirectoryFederation(Input{Kind: "matrix", Results: res}); v.Status != c.want {
			t.Errorf("HTTP %d: %s, want %s", c.a.Exchange.Status, v.Status, c.want)
		}
	}
}

func matrixAccessCases(t *testing.T) []evalCase {
	nf, mt := att(404, "M_NOT_FOUND"), att(401, "M_MISSING_TOKEN")
	flows := func(fs ...[]string) matrix.AccessEndpoint {
		e := matrix.AccessEndpoint{Register: att(401, "")}
		for _, f := range fs {
			e.RegisterFlows = append(e.RegisterFlows, matrix.RegisterFlow{Stages: f})
		}
		return e
	}
	made := func(v3, r0, auth matrix.Attempt) matrix.AccessEndpoint {
		return matrix.AccessEndpoint{Media: []matrix.MediaTry{{Source: "made-up", Legacy: v3, LegacyR0: &r0, Authenticated: &auth}}}
	}
	fed := func(a matrix.Attempt) probes.Results {
		return probes.Results{matrix.FederationDirectory.ID: {Probe: matrix.FederationDirectory.ID, Status: probes.StatusOK,
			Data: &matrix.FederationDirectoryData{Endpoints: []matrix.FederationDirectoryEndpoint{{Endpoint: probes.Endpoint{Addr: "a:1"}, Attempt: a}}}}}
	}
	return []evalCase{
		{ID: "matrix.registration.open", Name: "disabled", Res: accessRes(matrix.AccessEndpoint{}), Want: report.Pass},
		{ID: "matrix.registration.open", Name: "dummy only", Res: accessRes(flows([]string{"m.login.dummy"})), Want: report.Fail},
		{ID: "matrix.registration.open", Name: "captcha", Res: accessRes(flows([]string{"m.login.recaptcha", "m.login.terms"})), Want: report.Warn},
		{ID: "matrix.registration.guest", Name: "guest created", Res: accessRes(matrix.AccessEndpoint{Guest: att(200, "")}), Want: report.Warn},
		{ID: "matrix.registration.guest", Name: "refused", Res: accessRes(matrix.AccessEndpoint{Guest: att(403, "M_FORBIDDEN")}), Want: report.Pass},
		{ID: "matrix.directory.public-unauthenticated", Name: "open", Res: accessRes(matrix.AccessEndpoint{Directory: att(200, "")}), Want: report.Warn},
		{ID: "matrix.directory.public-unauthenticated", Name: "token", Res: accessRes(matrix.AccessEndpoint{Directory: mt}), Want: report.Pass},
		{ID: "matrix.directory.federation-exposed", Name: "open", Res: fed(att(200, "")), Want: report.Fail},
		{ID: "matrix.directory.federation-exposed", Name: "signed requests only", Res: fed(att(401, "M_UNAUTHORIZED")), Want: report.Pass},
		{ID: "matrix.profile.unauthenticated", Name: "open", Res: accessRes(matrix.AccessEndpoint{Profile: nf}), Want: report.Warn},
		{ID: "matrix.profile.unauthenticated", Name: "token", Res: accessRes(matrix.AccessEndpoint{Profile: mt}), Want: report.Pass},
		{ID: "matrix.metadata.user-enumeration", Name: "by profile", Res: accessRes(matrix.AccessEndpoint{Profile: nf, Available: att(403, "M_FORBIDDEN")}), Want: report.Warn},
		{ID: "matrix.metadata.user-enumeration", Name: "no oracle", Res: accessRes(matrix.AccessEndpoint{Profile: mt, Available: att(403, "M_FORBIDDEN")}), Want: report.Pass},
		{ID: "matrix.media.unauthenticated", Name: "legacy only", Res: accessRes(made(nf, nf, att(404, "M_UNRECOGNIZED"))), Want: report.Fail},
		{ID: "matrix.media.unauthenticated", Name: "legacy blocked", Res: accessRes(made(att(404, ""), att(404, "M_UNRECOGNIZED"), mt)), Want: report.Pass},
	}
}
