package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// LiveServer is one live scan of a server shown with a comparison
// (`imscore compare --server`): measured at that server on that date, not
// a claim about a messenger.
type LiveServer struct {
	Kind       string        `json:"kind"`
	Server     string        `json:"server"`
	MeasuredAt time.Time     `json:"measured_at"`
	Grade      string        `json:"grade"`
	Score      int           `json:"score"`
	Note       string        `json:"note"`
	Findings   []LiveFinding `json:"findings"`
	// Shown are the findings the table and the pages show: those of
	// LiveCriteria for the kind, in that order, that were judged; every
	// finding when none of them was.
	Shown []LiveFinding `json:"-"`
}

// LiveFinding is one verdict of a live scan, its text made visible-safe
// and folded to one line.
type LiveFinding struct {
	Criterion string `json:"criterion"`
	Title     string `json:"title"`
	Status    Status `json:"status"`
	Summary   string `json:"summary"`
}

// LiveCriteria are the verdicts a comparison shows of a live scan, by
// kind, in this order, where the scan judged them (JSON carries every
// finding).
var LiveCriteria = map[string][]string{
	"xmpp": {
		"xmpp.c2s.starttls-required", "xmpp.s2s.starttls-required", "xmpp.s2s.authentication",
		"xmpp.c2s.no-auth-before-tls", "xmpp.registration.open", "xmpp.dns.direct-tls",
		"tls.protocol.tls13", "tls.cert.trusted", "tls.cipher.forward-secrecy",
	},
	"matrix": {
		"matrix.e2ee.default", "matrix.registration.open", "matrix.registration.guest",
		"matrix.profile.unauthenticated", "matrix.directory.public-unauthenticated",
		"matrix.metadata.user-enumeration", "matrix.media.unauthenticated",
		"matrix.metadata.version-disclosed", "matrix.federation.ok", "matrix.federation.tls",
		"tls.protocol.tls13", "tls.cert.trusted",
	},
}

// LiveNote says what a live scan is, on every rendering.
const LiveNote = "Measured live by an anonymous imscore scan of this one server; not a claim about the messenger."

// NewLiveServer is rep as a comparison shows it.
func NewLiveServer(rep *Report) LiveServer {
	ls := LiveServer{
		Kind: rep.Target.Kind, Server: rep.Target.Name, MeasuredAt: rep.StartedAt.UTC(),
		Grade: rep.Grade, Score: rep.Score, Note: LiveNote,
	}
	byID := map[string]LiveFinding{}
	fs := slices.Clone(rep.Findings)
	slices.SortStableFunc(fs, func(a, b Finding) int { return strings.Compare(a.Criterion, b.Criterion) })
	for _, f := range fs {
		lf := LiveFinding{Criterion: f.Criterion, Title: fold(Visible(f.Title)), Status: f.Status, Summary: fold(Visible(f.Summary))}
		ls.Findings = append(ls.Findings, lf)
		byID[f.Criterion] = lf
	}
	for _, id := range LiveCriteria[ls.Kind] {
		if lf, ok := byID[id]; ok && lf.Status != Skip {
			ls.Shown = append(ls.Shown, lf)
		}
	}
	if len(ls.Shown) == 0 {
		ls.Shown = ls.Findings
	}
	return ls
}

// ServerKindName names the server a kind of scan looks at ("XMPP server");
// another kind is returned as it is.
func ServerKindName(kind string) string {
	switch kind {
	case "xmpp":
		return "XMPP server"
	case "matrix":
		return "Matrix server"
	}
	return kind
}

// Heading is the line above the live results in the table.
func (ls *LiveServer) Heading() string {
	return fmt.Sprintf("Measured on %s at %s %s (anonymous imscore scan, grade %s, %d/100):",
		ls.MeasuredAt.Format("2006-01-02 15:04 UTC"), ServerKindName(ls.Kind), ls.Server, ls.Grade, ls.Score)
}

// liveTable renders the live results under the comparison table.
func liveTable(b *strings.Builder, lss []LiveServer, width int) {
	for _, ls := range lss {
		b.WriteString("\n")
		b.WriteString(wrapPara(ls.Heading(), width))
		w := 0
		for _, f := range ls.Shown {
			w = max(w, len([]rune(statusMark(f.Status))))
		}
		indent := strings.Repeat(" ", w+4)
		for _, f := range ls.Shown {
			mark := statusMark(f.Status)
			for i, l := range wrapWords(f.Title+" ("+f.Criterion+")", max(width-w-4, 20)) {
				if i == 0 {
					l = "  " + mark + strings.Repeat(" ", w-len([]rune(mark))) + "  " + l
				} else {
					l = indent + l
				}
				b.WriteString(l + "\n")
			}
		}
		b.WriteString(wrapPara(ls.Note+" Every verdict: imscore scan "+ls.Kind+" "+ls.Server+".", width))
	}
}
