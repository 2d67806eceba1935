package batch

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/imscore/imscore/report"
)

// Claims against measurements: what a list states about a server beside
// what the scan saw, per claim agrees, contradicts, unclear (the scan saw
// something that cannot settle it) or not-measured. The measurements are
// read from the report alone — its findings and its observations' data in
// their JSON form — so a report read back from disk compares the same as
// the one just made.

// Compare judges claims against rep.
func Compare(claims []Claim, rep *report.Report) []report.BatchClaim {
	if len(claims) == 0 || rep == nil {
		return nil
	}
	m := measure(rep)
	out := make([]report.BatchClaim, 0, len(claims))
	for _, c := range claims {
		bc := report.BatchClaim{Claim: c.Key, Listed: c.describe(), Source: c.Source, Agreement: report.ClaimNotMeasured}
		switch c.Key {
		case "registration":
			bc.Criterion = rep.Target.Kind + ".registration.open"
			state, summary := m.registration(rep)
			judgeRegistration(&bc, c, state, summary)
		case "captcha", "email":
			bc.Criterion = rep.Target.Kind + ".registration.open"
			on, seen := m.captcha, m.formSeen
			if c.Key == "email" {
				on = m.email
			}
			if seen {
				bc.Measured = map[bool]string{true: "asked for at registration", false: "not asked for at registration"}[on]
				bc.Agreement = agree(c.Value == on)
			} else {
				bc.Measured = "no registration form or flows seen"
			}
		case "software":
			judgeSoftware(&bc, c, m.software)
		case "upload-size":
			bc.Criterion = "xmpp.feature.upload"
			judgeUpload(&bc, c, m)
		case "tls-c2s", "tls-s2s":
			judgeTLS(&bc, c, rep)
		}
		out = append(out, bc)
	}
	return out
}

func agree(ok bool) string {
	if ok {
		return report.ClaimAgrees
	}
	return report.ClaimContradicts
}

// measured is what the report says about the claims' subjects.
type measured struct {
	software       string
	formSeen       bool // a registration form (XMPP) or flows (Matrix) came back
	captcha, email bool
	uploadSeen     bool  // an upload service was discovered (with --account)
	uploadMax      int64 // its max-file-size in bytes (0: none announced)
}

// registration is the registration verdict: open, closed, offered (not
// proven) or "" (not judged).
func (m measured) registration(rep *report.Report) (state, summary string) {
	for _, f := range rep.Findings {
		if f.Criterion != rep.Target.Kind+".registration.open" {
			continue
		}
		switch f.Status {
		case report.Fail, report.Warn:
			return "open", f.Summary
		case report.Pass:
			return "closed", f.Summary
		case report.Info:
			return "offered", f.Summary
		}
		return "", f.Summary
	}
	return "", ""
}

func judgeRegistration(bc *report.BatchClaim, c Claim, state, summary string) {
	listed, _ := c.Value.(bool)
	switch state {
	case "open", "closed":
		bc.Measured = state
		bc.Agreement = agree(listed == (state == "open"))
	case "offered":
		bc.Measured = "form offered, not submitted (only --active proves it)"
		bc.Agreement = report.ClaimUnclear
	default:
		bc.Measured = oneLine(summary, 120)
	}
}

func judgeSoftware(bc *report.BatchClaim, c Claim, got string) {
	bc.Measured = got
	if got == "" {
		bc.Measured = "not disclosed to this scan"
		return
	}
	want, _ := c.Value.(string)
	wn, wv, _ := strings.Cut(strings.TrimSpace(want), " ")
	gn, gv, _ := strings.Cut(got, " ")
	switch {
	case !strings.EqualFold(wn, gn):
		bc.Agreement = report.ClaimContradicts
	case wv == "" || gv == "":
		bc.Agreement = report.ClaimAgrees
	default:
		bc.Agreement = agree(strings.EqualFold(strings.TrimSpace(wv), strings.TrimSpace(gv)))
	}
}

func judgeUpload(bc *report.BatchClaim, c Claim, m measured) {
	if !m.uploadSeen {
		bc.Measured = "not measured (needs an account)"
		return
	}
	mb, _ := c.Value.(int)
	if m.uploadMax == 0 {
		bc.Measured = "no limit announced"
		bc.Agreement = agree(mb == 0)
		return
	}
	dec := float64(m.uploadMax) / 1e6
	bin := float64(m.uploadMax) / (1 << 20)
	bc.Measured = fmt.Sprintf("%.0f MB", dec)
	bc.Agreement = agree(mb != 0 && (math.Abs(dec-float64(mb)) < 1 || math.Abs(bin-float64(mb)) < 1))
}

// judgeTLS compares an IM Observatory grade with imscore's TLS area grade
// (over every endpoint): agrees when imscore's is as good or better.
func judgeTLS(bc *report.BatchClaim, c Claim, rep *report.Report) {
	bc.Criterion = ""
	for _, a := range rep.Areas {
		if a.ID != "tls" {
			continue
		}
		bc.Measured = "TLS area " + a.Grade + " (all endpoints)"
		want, _ := c.Value.(string)
		w := report.GradeRank(strings.TrimRight(want, "+-"))
		g := report.GradeRank(a.Grade)
		if w < 0 || g < 0 || a.Grade == "?" {
			bc.Agreement = report.ClaimUnclear
			return
		}
		bc.Agreement = agree(g <= w || (a.Grade == "A+" && w <= 1))
		return
	}
	bc.Measured = "no TLS grade"
}

// measure reads the claims' subjects from the observations.
func measure(rep *report.Report) measured {
	var m measured
	for _, o := range rep.Observations {
		if o.Data == nil {
			continue
		}
		raw, err := json.Marshal(o.Data)
		if err != nil {
			continue
		}
		switch o.Probe {
		case "xmpp.c2s.streams":
			var d struct {
				Endpoints []struct {
					Registration *struct {
						Type       string   `json:"type"`
						Fields     []string `json:"fields"`
						FormFields []string `json:"form_fields"`
						CAPTCHA    bool     `json:"captcha"`
					} `json:"registration"`
				} `json:"endpoints"`
			}
			if json.Unmarshal(raw, &d) != nil {
				continue
			}
			for _, e := range d.Endpoints {
				r := e.Registration
				if r == nil || r.Type != "result" || (len(r.Fields) == 0 && len(r.FormFields) == 0) {
					continue
				}
				m.formSeen = true
				m.captcha = m.captcha || r.CAPTCHA
				m.email = m.email || slices.Contains(r.Fields, "email") || slices.Contains(r.FormFields, "email")
			}
		case "matrix.client.access":
			var d struct {
				Endpoints []struct {
					Flows []struct {
						Stages []string `json:"stages"`
					} `json:"register_flows"`
				} `json:"endpoints"`
			}
			if json.Unmarshal(raw, &d) != nil {
				continue
			}
			for _, e := range d.Endpoints {
				for _, f := range e.Flows {
					m.formSeen = true
					m.captcha = m.captcha || slices.Contains(f.Stages, "m.login.recaptcha")
					m.email = m.email || slices.Contains(f.Stages, "m.login.email.identity")
				}
			}
		case "matrix.federation.version":
			var d struct {
				Endpoints []struct {
					Name    string `json:"name"`
					Version string `json:"version"`
				} `json:"endpoints"`
			}
			if json.Unmarshal(raw, &d) == nil && m.software == "" {
				for _, e := range d.Endpoints {
					if e.Name != "" {
						m.software = strings.TrimSpace(e.Name + " " + e.Version)
						break
					}
				}
			}
		case "xmpp.account":
			var d struct {
				Version *struct {
					Name    string `json:"name"`
					Version string `json:"version"`
				} `json:"version"`
				Upload []struct {
					MaxFileSize int64 `json:"max_file_size"`
				} `json:"upload"`
			}
			if json.Unmarshal(raw, &d) != nil {
				continue
			}
			if d.Version != nil && d.Version.Name != "" {
				m.software = strings.TrimSpace(d.Version.Name + " " + d.Version.Version)
			}
			for _, u := range d.Upload {
				m.uploadSeen = true
				m.uploadMax = max(m.uploadMax, u.MaxFileSize)
			}
		}
	}
	m.software = oneLine(m.software, 80)
	return m
}

// Software is the server software and version the report saw disclosed
// (the Matrix federation version, XEP-0092 with --account), or "".
func Software(rep *report.Report) string { return measure(rep).software }

// oneLine is peer or list text made safe for one line of a terminal or a
// page: visible-safe, white space folded, at most max bytes.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(report.Visible(s)), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
