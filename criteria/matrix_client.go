package criteria

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// matrixClientCriteria binds the criteria of matrix_client.yaml.
var matrixClientCriteria = []binding{
	{"matrix.discovery.client", evalMatrixDiscoveryClient},
	{"matrix.e2ee.default", evalMatrixE2EEDefault},
}

// clientWellKnown returns the client probe's data when it read a client
// well-known document, else the verdict to give: skip when the probe did
// not apply, not measured otherwise.
func clientWellKnown(in Input, what string) (*matrix.ClientData, Verdict) {
	cd, o := matrix.Client.Of(in.Results)
	if o != nil && o.Status == probes.StatusNotApplicable {
		return nil, Verdict{Status: report.Skip, Summary: o.Reason}
	}
	if cd == nil || cd.WellKnown == nil {
		return nil, notMeasured(in, matrix.Client.ID, what)
	}
	return cd, Verdict{}
}

func evalMatrixDiscoveryClient(in Input) Verdict {
	cd, v := clientWellKnown(in, "Client discovery")
	if cd == nil {
		return v
	}
	w := cd.WellKnown
	var ev []probes.Evidence
	for _, x := range w.Exchanges {
		ev = append(ev, x.Evidence())
	}
	last := matrix.Exchange{}
	if len(w.Exchanges) > 0 {
		last = w.Exchanges[len(w.Exchanges)-1]
	}
	switch w.Result {
	case matrix.WKValid:
	case matrix.WKNotFound:
		return Verdict{Status: report.Warn, Summary: w.URL + " answered 404: clients cannot find the homeserver from a user ID (users must type its URL)", Evidence: ev}
	case matrix.WKUnreachable:
		switch {
		case last.ErrStatus == probes.StatusTLSError:
			return Verdict{Status: report.Fail, Summary: w.URL + ": " + w.Reason, Evidence: ev}
		case last.ErrStatus == probes.StatusTimeout:
			return Verdict{Status: report.Error, Summary: w.URL + ": " + w.Reason, Evidence: ev}
		}
		return Verdict{Status: report.Warn, Summary: w.URL + " not reachable (" + w.Reason + "): no client discovery for this domain", Evidence: ev}
	default:
		return Verdict{Status: report.Fail, Summary: w.URL + " is unusable (" + w.Result + ": " + w.Reason + "): clients stop the login (FAIL_PROMPT)", Evidence: ev}
	}
	if cd.ParseError != "" {
		return Verdict{Status: report.Fail, Summary: w.URL + ": " + cd.ParseError + " (clients stop with FAIL_PROMPT/FAIL_ERROR)", Evidence: ev}
	}
	if strings.HasPrefix(cd.BaseURL, "http://") {
		return Verdict{Status: report.Fail, Summary: "base_url " + cd.BaseURL + " is plain http: passwords and access tokens travel in cleartext", Evidence: ev}
	}
	if cd.Error != "" {
		return Verdict{Status: report.Fail, Summary: "base_url " + cd.BaseURL + ": " + cd.Error, Evidence: ev}
	}
	var bad, noCORS, versions []string
	for _, e := range cd.Endpoints {
		ev = append(ev, e.Exchange.Evidence())
		switch {
		case e.Status != probes.StatusOK:
			bad = append(bad, e.Endpoint.Addr+" ("+e.Reason+")")
		case e.CORS == "":
			noCORS = append(noCORS, "/versions on "+e.Endpoint.Addr)
		}
		if len(versions) == 0 {
			versions = e.Versions
		}
	}
	if w.CORS == "" {
		noCORS = append([]string{"the well-known file"}, noCORS...)
	}
	switch {
	case len(bad) > 0:
		return Verdict{Status: report.Fail, Summary: "base_url " + cd.BaseURL + " does not answer /_matrix/client/versions on " + strings.Join(bad, ", "), Evidence: ev}
	case len(noCORS) > 0:
		return Verdict{Status: report.Warn, Summary: "no Access-Control-Allow-Origin on " + strings.Join(noCORS, ", ") + ": web clients cannot use it", Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: fmt.Sprintf("base_url %s answers /versions (%s) with CORS", cd.BaseURL, strings.Join(versions, ", ")), Evidence: ev}
}

// E2EESettings is io.element.e2ee of the client well-known.
type e2eeSettings struct {
	Default         *bool    `json:"default"`
	ForceDisable    bool     `json:"force_disable"`
	BackupRequired  bool     `json:"secure_backup_required"`
	BackupMethods   []string `json:"secure_backup_setup_methods"`
	malformedReason string
}

func parseE2EE(raw []byte) e2eeSettings {
	var s e2eeSettings
	if err := json.Unmarshal(raw, &s); err != nil {
		s = e2eeSettings{malformedReason: "io.element.e2ee is not an object of the expected types"}
	}
	return s
}

func evalMatrixE2EEDefault(in Input) Verdict {
	cd, v := clientWellKnown(in, "E2EE default")
	if cd == nil {
		return v
	}
	var ev []probes.Evidence
	for _, x := range cd.WellKnown.Exchanges {
		ev = append(ev, x.Evidence())
	}
	last := matrix.Exchange{}
	if n := len(cd.WellKnown.Exchanges); n > 0 {
		last = cd.WellKnown.Exchanges[n-1]
	}
	if cd.Parsed == nil {
		if cd.WellKnown.Result == matrix.WKUnreachable && (last.ErrStatus == probes.StatusTimeout || last.ErrStatus == probes.StatusError) {
			return Verdict{Status: report.Error, Summary: "the client well-known could not be read: " + cd.WellKnown.Reason, Evidence: ev}
		}
		return Verdict{Status: report.Pass, Summary: "no usable client well-known (" + cd.WellKnown.Result + "): clients keep their default, end-to-end encryption on in private rooms", Evidence: ev}
	}
	if len(cd.Parsed.E2EE) == 0 {
		return Verdict{Status: report.Pass, Summary: "no io.element.e2ee in the client well-known: clients keep their default, end-to-end encryption on in private rooms", Evidence: ev}
	}
	s := parseE2EE(cd.Parsed.E2EE)
	if s.malformedReason != "" {
		return Verdict{Status: report.Warn, Summary: s.malformedReason + ": Element's behaviour is undefined; remove or fix it", Evidence: ev}
	}
	var notes []string
	if s.BackupRequired {
		notes = append(notes, "secure backup required")
	}
	if len(s.BackupMethods) > 0 {
		notes = append(notes, "backup set-up methods "+strings.Join(s.BackupMethods, ", "))
	}
	note := ""
	if len(notes) > 0 {
		note = " (" + strings.Join(notes, "; ") + ")"
	}
	switch {
	case s.ForceDisable:
		return Verdict{Status: report.Fail, Summary: "io.element.e2ee.force_disable is true: Element turns end-to-end encryption off for every user of this server" + note, Evidence: ev}
	case s.Default != nil && !*s.Default:
		return Verdict{Status: report.Warn, Summary: "io.element.e2ee.default is false: new private rooms and direct messages start unencrypted in Element" + note, Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: "io.element.e2ee keeps end-to-end encryption on by default" + note, Evidence: ev}
}
