package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// matrixAccessCriteria binds the criteria of matrix_access.yaml.
var matrixAccessCriteria = []binding{
	{"matrix.registration.open", evalMatrixRegistrationOpen},
	{"matrix.registration.guest", evalMatrixRegistrationGuest},
	{"matrix.directory.public-unauthenticated", evalMatrixDirectoryClient},
	{"matrix.directory.federation-exposed", evalMatrixDirectoryFederation},
	{"matrix.profile.unauthenticated", evalMatrixProfile},
	{"matrix.metadata.user-enumeration", evalMatrixUserEnumeration},
	{"matrix.media.unauthenticated", evalMatrixMedia},
}

// accessVerdicts runs fn on every client address that answered and
// combines the verdicts (worst address).
func accessVerdicts(in Input, what string, fn func(ad *matrix.AccessData, e matrix.AccessEndpoint) epVerdict) Verdict {
	ad, ok := matrix.Access.OK(in.Results)
	if !ok || ad == nil {
		return notMeasured(in, matrix.Access.ID, what)
	}
	var vs []epVerdict
	for _, e := range ad.Endpoints {
		if !e.Register.Answered() {
			vs = append(vs, epVerdict{Endpoint: e.Endpoint.Addr, Status: report.Error, Summary: "no answer from " + ad.Base.BaseURL + ": " + e.Register.Exchange.Error,
				Evidence: []probes.Evidence{e.Register.Exchange.Evidence()}})
			continue
		}
		v := fn(ad, e)
		v.Endpoint = e.Endpoint.Addr
		vs = append(vs, v)
	}
	return combine(vs)
}

func evOf(as ...*matrix.Attempt) []probes.Evidence {
	var out []probes.Evidence
	for _, a := range as {
		if a != nil && a.Exchange.Method != "" {
			out = append(out, a.Exchange.Evidence())
		}
	}
	return out
}

// httpSummary is "HTTP 403 M_FORBIDDEN".
func httpSummary(a matrix.Attempt) string {
	if a.Exchange.Status == 0 {
		return "no answer (" + a.Exchange.Error + ")"
	}
	s := fmt.Sprintf("HTTP %d", a.Exchange.Status)
	if a.ErrCode != "" {
		s += " " + a.ErrCode
	}
	return s
}

// notServed: the route is absent (404/405 without M_NOT_FOUND: nginx's 404,
// M_UNRECOGNIZED) or gone (410).
func notServed(a matrix.Attempt) bool {
	st := a.Exchange.Status
	return (st == 404 && a.ErrCode != "M_NOT_FOUND") || st == 405 || st == 410
}

// clearNo: the request was answered with a refusal or "not served" — a
// measured "no oracle here", unlike a timeout, a 5xx or a rate limit.
func clearNo(a matrix.Attempt) bool {
	st := a.Exchange.Status
	return refused(a) || notServed(a) || st == 400
}

func refused(a matrix.Attempt) bool {
	st := a.Exchange.Status
	return st == 401 || st == 403
}

// Registration stages that verify something about the registrant.
var tokenStages = map[string]bool{"m.login.registration_token": true, "org.matrix.msc3231.login.registration_token": true}

var noVerification = map[string]bool{"m.login.dummy": true, "m.login.terms": true}

func flowString(f matrix.RegisterFlow) string {
	if len(f.Stages) == 0 {
		return "[]"
	}
	return "[" + strings.Join(f.Stages, ", ") + "]"
}

func evalMatrixRegistrationOpen(in Input) Verdict {
	return accessVerdicts(in, "Open registration", func(_ *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		a := e.Register
		v := epVerdict{Evidence: evOf(&a), Seen: true}
		st := a.Exchange.Status
		switch {
		case st == 403:
			v.Status, v.Summary = report.Pass, "registration is disabled (POST /register answered "+httpSummary(a)+")"
		case notServed(a):
			v.Status, v.Summary = report.Pass, "no registration endpoint ("+httpSummary(a)+"; accounts are made elsewhere, e.g. an OIDC provider)"
		case st == 200:
			v.Status, v.Summary = report.Fail, "POST /register with an empty body answered 200: an account is created without any check"
		case st == 401 && len(e.RegisterFlows) == 0:
			v.Status, v.Summary = report.Error, "POST /register answered 401 without flows"
		case st == 401:
			var open, gated []string
			allToken := true
			for _, f := range e.RegisterFlows {
				verifies, token := false, false
				for _, s := range f.Stages {
					verifies = verifies || !noVerification[s]
					token = token || tokenStages[s]
				}
				allToken = allToken && token
				if verifies {
					gated = append(gated, flowString(f))
				} else {
					open = append(open, flowString(f))
				}
			}
			switch {
			case len(open) > 0:
				v.Status, v.Summary = report.Fail, "registration is open to anyone without verification: flow "+strings.Join(open, ", ")+" needs no captcha, e-mail, phone or token"
			case allToken:
				v.Status, v.Summary = report.Pass, "registration needs an invitation token in every flow: "+strings.Join(gated, ", ")
			default:
				v.Status, v.Summary = report.Warn, "registration is open behind verification: "+strings.Join(gated, ", ")
			}
		default:
			v.Status, v.Summary, v.Seen = report.Error, "POST /register answered "+httpSummary(a), false
		}
		return v
	})
}

func evalMatrixRegistrationGuest(in Input) Verdict {
	return accessVerdicts(in, "Guest access", func(_ *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		a := e.Guest
		v := epVerdict{Evidence: evOf(&a, e.GuestLogout)}
		st := a.Exchange.Status
		switch {
		case st == 200:
			s := "POST /register?kind=guest created a guest account: anyone gets an access token and can read world-readable rooms and join rooms that admit guests"
			switch {
			case e.GuestLogout != nil && e.GuestLogout.Exchange.Status == 200:
				s += " (imscore logged it out at once)"
			case e.GuestLogout != nil:
				s += " (imscore's logout was refused, " + httpSummary(*e.GuestLogout) + ": the unused guest token stays valid on the server)"
			}
			v.Status, v.Summary = report.Warn, s
		case st == 403 || st == 401 || notServed(a) || (st == 400 && a.ErrCode != "M_LIMIT_EXCEEDED"):
			v.Status, v.Summary = report.Pass, "guest registration refused ("+httpSummary(a)+")"
		default:
			v.Status, v.Summary = report.Error, "POST /register?kind=guest answered "+httpSummary(a)
		}
		return v
	})
}

func evalMatrixDirectoryClient(in Input) Verdict {
	return accessVerdicts(in, "Room directory without a token", func(_ *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		a := e.Directory
		v := epVerdict{Evidence: evOf(&a)}
		switch st := a.Exchange.Status; {
		case refused(a):
			v.Status, v.Summary = report.Pass, "the room directory needs an access token ("+httpSummary(a)+")"
		case notServed(a):
			v.Status, v.Summary = report.Pass, "no room directory served ("+httpSummary(a)+")"
		case st == 200:
			n := fmt.Sprintf("%d room(s) in the first page", e.DirectoryRooms)
			if e.DirectoryTotal > 0 {
				n += fmt.Sprintf(", about %d in all", e.DirectoryTotal)
			}
			v.Status, v.Summary = report.Warn, "GET /_matrix/client/v3/publicRooms answers without an access token ("+n+"): anyone can list and scrape the published rooms"
		default:
			v.Status, v.Summary = report.Error, "GET /publicRooms answered "+httpSummary(a)
		}
		return v
	})
}

func evalMatrixDirectoryFederation(in Input) Verdict {
	fd, ok := matrix.FederationDirectory.OK(in.Results)
	if !ok || fd == nil {
		return notMeasured(in, matrix.FederationDirectory.ID, "Room directory over unsigned federation")
	}
	var vs []epVerdict
	for _, e := range fd.Endpoints {
		a := e.Attempt
		v := epVerdict{Endpoint: e.Endpoint.Addr, Evidence: evOf(&a)}
		switch st := a.Exchange.Status; {
		case st == 0:
			v.Status, v.Summary = report.Error, "no answer: "+a.Exchange.Error
		case st == 200:
			v.Status, v.Summary = report.Fail, fmt.Sprintf("GET /_matrix/federation/v1/publicRooms answered 200 without an X-Matrix signature (%d room(s) listed): the federation API does not authenticate the requesting server", e.Rooms)
		case st == 400 || refused(a):
			v.Status, v.Summary = report.Pass, "unsigned request refused ("+httpSummary(a)+")"
		case notServed(a):
			v.Status, v.Summary = report.Pass, "federation room directory not served ("+httpSummary(a)+")"
		default:
			v.Status, v.Summary = report.Error, "GET /_matrix/federation/v1/publicRooms answered "+httpSummary(a)
		}
		vs = append(vs, v)
	}
	return combine(vs)
}

func evalMatrixProfile(in Input) Verdict {
	return accessVerdicts(in, "Profile lookup without a token", func(ad *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		a := e.Profile
		v := epVerdict{Evidence: evOf(&a)}
		for i := range e.KnownProfiles {
			v.Evidence = append(v.Evidence, evOf(&e.KnownProfiles[i])...)
		}
		var shown []string
		for i, p := range e.KnownProfiles {
			if p.Exchange.Status == 200 && i < len(ad.KnownUsers) {
				shown = append(shown, ad.KnownUsers[i])
			}
		}
		switch st := a.Exchange.Status; {
		case refused(a):
			v.Status, v.Summary = report.Pass, "profile lookups need an access token ("+httpSummary(a)+")"
		case st == 200 || st == 404:
			s := "GET /_matrix/client/v3/profile/{userId} answers without an access token (" + httpSummary(a) + " for a made-up user)"
			if len(shown) > 0 {
				s += "; the display name and avatar of " + strings.Join(shown, ", ") + " are readable by anyone"
			}
			v.Status, v.Summary = report.Warn, s
		default:
			v.Status, v.Summary = report.Error, "GET /profile answered "+httpSummary(a)
		}
		return v
	})
}

func evalMatrixUserEnumeration(in Input) Verdict {
	return accessVerdicts(in, "User enumeration", func(ad *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		v := epVerdict{Evidence: evOf(&e.Available, &e.Profile)}
		for i := range e.KnownAvailable {
			v.Evidence = append(v.Evidence, evOf(&e.KnownAvailable[i])...)
		}
		for i := range e.KnownProfiles {
			v.Evidence = append(v.Evidence, evOf(&e.KnownProfiles[i])...)
		}
		regOpen := e.Register.Exchange.Status == 401
		var oracles, proofs []string
		availLive := e.Available.Exchange.Status == 200 || e.Available.ErrCode == "M_USER_IN_USE"
		if availLive {
			oracles = append(oracles, "GET /register/available answers ("+httpSummary(e.Available)+" for a made-up name; a taken name gets M_USER_IN_USE)")
		}
		for i, k := range e.KnownAvailable {
			if k.ErrCode == "M_USER_IN_USE" && i < len(ad.KnownUsers) {
				proofs = append(proofs, "register/available says "+ad.KnownUsers[i]+" exists")
			}
		}
		profileLive := e.Profile.Exchange.Status == 404
		if profileLive {
			oracles = append(oracles, "GET /profile answers 404 for a made-up user without a token (an existing user gets 200)")
		}
		for i, k := range e.KnownProfiles {
			if profileLive && k.Exchange.Status == 200 && i < len(ad.KnownUsers) {
				proofs = append(proofs, "profile answers 200 for "+ad.KnownUsers[i]+" and 404 for a made-up user")
			}
		}
		suffix := ""
		if len(proofs) > 0 {
			suffix = "; shown with a real user: " + strings.Join(proofs, "; ")
		}
		switch {
		case profileLive || (availLive && !regOpen):
			why := ""
			if availLive && !regOpen {
				why = " (registration is closed, so register/available serves no one but askers of existing names)"
			}
			v.Status, v.Summary = report.Warn, "anyone can test whether a user name exists: "+strings.Join(oracles, "; ")+why+suffix
		case availLive:
			v.Status, v.Summary = report.Info, "register/available tells taken names apart, which open registration needs"+suffix
		case !clearNo(e.Available) || !clearNo(e.Profile):
			v.Status, v.Summary = report.Error, "no clear answer to judge by: register/available answered "+httpSummary(e.Available)+", profile "+httpSummary(e.Profile)
		default:
			v.Status, v.Summary = report.Pass, "no anonymous existence oracle: register/available answered "+httpSummary(e.Available)+", profile "+httpSummary(e.Profile)
		}
		return v
	})
}

func evalMatrixMedia(in Input) Verdict {
	return accessVerdicts(in, "Unauthenticated media", func(_ *matrix.AccessData, e matrix.AccessEndpoint) epVerdict {
		v := epVerdict{}
		var made *matrix.MediaTry
		var real []matrix.MediaTry
		for i := range e.Media {
			m := &e.Media[i]
			v.Evidence = append(v.Evidence, evOf(&m.Legacy, m.LegacyR0, m.Authenticated)...)
			if m.Source == "made-up" {
				made = m
			} else {
				real = append(real, *m)
			}
		}
		for _, m := range real {
			if m.Legacy.Exchange.Status == 200 {
				v.Status, v.Seen = report.Fail, true
				v.Summary = "real media " + m.MXC + " (found in the " + m.Source + ") downloads without authentication from /_matrix/media/v3/download: anyone who learns a media ID gets the file"
				return v
			}
		}
		if made == nil {
			v.Status, v.Summary = report.Error, "no media request was made"
			return v
		}
		var served []string
		for _, x := range []struct {
			path string
			a    *matrix.Attempt
		}{{"v3", &made.Legacy}, {"r0", made.LegacyR0}} {
			if x.a != nil && x.a.Exchange.Status == 404 && x.a.ErrCode == "M_NOT_FOUND" {
				served = append(served, "/_matrix/media/"+x.path+"/download")
			}
		}
		au := made.Authenticated
		authOK := au != nil && (refused(*au) || au.ErrCode == "M_MISSING_TOKEN")
		authAbsent := au != nil && notServed(*au)
		legacyGone := true
		for _, a := range []*matrix.Attempt{&made.Legacy, made.LegacyR0} {
			legacyGone = legacyGone && a != nil && (refused(*a) || notServed(*a))
		}
		// Frozen: real media was found and the legacy route clearly refused
		// every item (a timeout or a 5xx proves nothing).
		frozen := len(real) > 0
		for _, r := range real {
			// Synapse's frozen media answers 404 M_NOT_FOUND for media
			// that exists; a timeout or a 5xx proves nothing.
			frozen = frozen && (refused(r.Legacy) || r.Legacy.Exchange.Status == 404)
		}
		switch {
		case legacyGone:
			v.Status, v.Summary = report.Pass, "the legacy unauthenticated download routes are not served ("+httpSummary(made.Legacy)+")"
		case len(served) > 0 && authAbsent:
			v.Status, v.Summary = report.Fail, "media is served only without authentication: "+strings.Join(served, " and ")+" look up media IDs (404 M_NOT_FOUND for a made-up one) and the authenticated route (Matrix 1.11, MSC3916) is missing ("+httpSummary(*au)+")"
		case len(served) > 0 && frozen:
			v.Status, v.Summary = report.Pass, "the legacy routes are served but refused the real media found ("+real[0].MXC+": "+httpSummary(real[0].Legacy)+"): media is frozen behind authentication"
		case len(served) > 0 && authOK:
			v.Status, v.Summary = report.Warn, "the legacy unauthenticated routes "+strings.Join(served, " and ")+" still look up media IDs (404 M_NOT_FOUND for a made-up one) next to authenticated media ("+httpSummary(*au)+"); with no real media ID found anonymously, whether they still hand out files cannot be told"
		case len(served) > 0:
			v.Status, v.Summary = report.Warn, "the legacy unauthenticated routes "+strings.Join(served, " and ")+" look up media IDs (404 M_NOT_FOUND for a made-up one)"
		default:
			v.Status, v.Summary = report.Error, "the media routes answered "+httpSummary(made.Legacy)+" (legacy) and "+httpSummary(*au)+" (authenticated)"
		}
		return v
	})
}
