package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/criteria/catalogue"
	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan"
	"github.com/imscore/imscore/web"
	"github.com/imscore/imscore/xmpp"
)

// Live overlay: `imscore compare xmpp matrix --server xmpp:example.org
// --server matrix:example.org` runs the anonymous scans of those servers
// (the same probes as `imscore scan xmpp|matrix`, under the same
// --resolver, --connect, --ca-file and --timeout flags) and shows their
// results next to the catalogue's claims, marked as measured on that date
// at that server: a measurement of one server, never a claim about the
// messenger.

// liveCriteria are the verdicts shown in the table and on the page, in
// this order, where the scan judged them; JSON carries every finding.
var liveCriteria = map[string][]string{
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

// liveKinds are the server kinds --server takes, with their anonymous
// scan.
var liveKinds = map[string]func(name string) (probes.Spec, error){
	"xmpp":   xmpp.ScanSpec,
	"matrix": func(name string) (probes.Spec, error) { return matrix.ScanSpec(name, matrix.Options{}) },
}

// registerLive adds the scan flags that apply to the live overlay.
func (o *compareOptions) registerLive(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.servers, "server", nil, "also scan this server live and show the results, as xmpp:DOMAIN or matrix:SERVER_NAME (repeatable)")
	f.DurationVar(&o.scan.timeout, "timeout", 120*time.Second, "--server: give up on each scan after this long (exit 3)")
	f.StringVar(&o.scan.resolver, "resolver", "", "--server: DNS server to ask, HOST:PORT (default: the system's)")
	f.StringArrayVar(&o.scan.connect, "connect", nil, "--server: dial HOST:PORT instead of NAME:PORT, as NAME:PORT=HOST:PORT (repeatable)")
	f.StringVar(&o.scan.caFile, "ca-file", "", "--server: PEM file of extra trusted root certificates")
}

// parseServers reads the --server arguments, KIND:NAME, into scan specs.
func parseServers(args []string) ([]probes.Spec, error) {
	var specs []probes.Spec
	for _, a := range args {
		kind, name, ok := strings.Cut(a, ":")
		spec := liveKinds[strings.ToLower(kind)]
		if !ok || name == "" || spec == nil {
			return nil, usageErr("--server %q: want xmpp:DOMAIN or matrix:SERVER_NAME", a)
		}
		s, err := spec(name)
		if err != nil {
			return nil, usageErr("--server %q: %v", a, err)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// liveResult is one server's scan as the comparison shows it.
type liveResult struct {
	Kind       string        `json:"kind"`
	Server     string        `json:"server"`
	MeasuredAt time.Time     `json:"measured_at"`
	Grade      string        `json:"grade"`
	Score      int           `json:"score"`
	Note       string        `json:"note"`
	Findings   []liveFinding `json:"findings"`
	// shown are the findings of liveCriteria, in their order.
	shown []liveFinding
}

type liveFinding struct {
	Criterion string        `json:"criterion"`
	Title     string        `json:"title"`
	Status    report.Status `json:"status"`
	Summary   string        `json:"summary"`
}

// runLive scans every --server in turn; a server that cannot be scanned
// ends the command with exit code 3, as `imscore scan` does.
func runLive(ctx context.Context, o *compareOptions, specs []probes.Spec) ([]liveResult, error) {
	o.scan.concurrency = 8
	if o.scan.timeout <= 0 {
		return nil, usageErr("--timeout must be positive")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var out []liveResult
	for _, spec := range specs {
		env, err := o.scan.env()
		if err != nil {
			return nil, err
		}
		rep, err := scan.Run(ctx, spec, scanRunOptions(&o.scan, env))
		var cs *scan.CannotScanError
		if errors.As(err, &cs) {
			return nil, &exitError{code: ExitCannotScan, msg: cs.Error()}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, newLiveResult(rep))
	}
	return out, nil
}

func newLiveResult(rep *report.Report) liveResult {
	lr := liveResult{
		Kind: rep.Target.Kind, Server: rep.Target.Name, MeasuredAt: rep.StartedAt.UTC(),
		Grade: rep.Grade, Score: rep.Score,
		Note: "Measured live by an anonymous imscore scan of this one server; not a claim about the messenger.",
	}
	byID := map[string]liveFinding{}
	fs := append([]report.Finding{}, rep.Findings...)
	sort.Slice(fs, func(i, j int) bool { return fs[i].Criterion < fs[j].Criterion })
	for _, f := range fs {
		lf := liveFinding{Criterion: f.Criterion, Title: oneLine(report.Visible(f.Title)), Status: f.Status, Summary: oneLine(report.Visible(f.Summary))}
		lr.Findings = append(lr.Findings, lf)
		byID[f.Criterion] = lf
	}
	for _, id := range liveCriteria[lr.Kind] {
		if lf, ok := byID[id]; ok && lf.Status != report.Skip {
			lr.shown = append(lr.shown, lf)
		}
	}
	if len(lr.shown) == 0 {
		lr.shown = lr.Findings
	}
	return lr
}

// statusMark is a status as a symbol and a word (never colour alone).
func statusMark(s report.Status) string {
	switch s {
	case report.Pass:
		return "✓ pass"
	case report.Warn:
		return "◐ warn"
	case report.Fail:
		return "✗ fail"
	case report.Info:
		return "i info"
	case report.Skip:
		return "– skip"
	case report.Error:
		return "? not measured"
	}
	return oneLine(string(s))
}

func (lr *liveResult) heading() string {
	return fmt.Sprintf("Measured on %s at %s %s (anonymous imscore scan, grade %s, %d/100):",
		lr.MeasuredAt.Format("2006-01-02 15:04 UTC"), kindName(lr.Kind), lr.Server, lr.Grade, lr.Score)
}

func kindName(k string) string {
	switch k {
	case "xmpp":
		return "XMPP server"
	case "matrix":
		return "Matrix server"
	}
	return k
}

// liveTable renders the live results under the comparison table.
func liveTable(lrs []liveResult, width int) string {
	var b strings.Builder
	for _, lr := range lrs {
		b.WriteString("\n")
		b.WriteString(wrapPara(lr.heading(), width))
		w := 0
		for _, f := range lr.shown {
			w = max(w, len([]rune(statusMark(f.Status))))
		}
		indent := strings.Repeat(" ", w+4)
		for _, f := range lr.shown {
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
		b.WriteString(wrapPara(lr.Note+" Every verdict: imscore scan "+lr.Kind+" "+lr.Server+".", width))
	}
	return b.String()
}

// webLive converts the live results for the HTML page.
func webLive(lrs []liveResult) []web.LiveServer {
	var out []web.LiveServer
	for _, lr := range lrs {
		ls := web.LiveServer{Kind: lr.Kind, Server: lr.Server, MeasuredAt: lr.MeasuredAt, Grade: lr.Grade, Score: lr.Score, Note: lr.Note}
		for _, f := range lr.shown {
			ls.Rows = append(ls.Rows, web.LiveRow{Criterion: f.Criterion, Title: f.Title, Status: f.Status, Summary: f.Summary})
		}
		out = append(out, ls)
	}
	return out
}

// findByProtocol returns the messengers whose protocol is q (xmpp,
// matrix, …), so "imscore compare xmpp matrix" compares the XMPP clients
// and Matrix.
func findByProtocol(c *catalogue.Catalogue, q string) []*catalogue.Messenger {
	var out []*catalogue.Messenger
	for i := range c.Messengers {
		if m := &c.Messengers[i]; m.Protocol != "" && strings.EqualFold(m.Protocol, strings.TrimSpace(q)) {
			out = append(out, m)
		}
	}
	return out
}
