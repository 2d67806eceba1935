package cli

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/criteria/catalogue"
	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan"
	"github.com/imscore/imscore/xmpp"
)

// Live overlay: `imscore compare xmpp matrix --server xmpp:example.org
// --server matrix:example.org` runs the anonymous scans of those servers
// (the same probes as `imscore scan xmpp|matrix`, under the same
// --resolver, --connect, --ca-file and --timeout flags) and shows their
// results next to the catalogue's claims, marked as measured on that date
// at that server: a measurement of one server, never a claim about the
// messenger (report.LiveServer).

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
	f.BoolVar(&o.scan.allowPrivate, "allow-private", false, "--server: follow the scanned server to internal addresses it points to")
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

// runLive scans every --server in turn; a server that cannot be scanned
// ends the command with exit code 3, as `imscore scan` does.
func runLive(ctx context.Context, o *compareOptions, specs []probes.Spec) ([]report.LiveServer, error) {
	o.scan.concurrency = 8
	if o.scan.timeout <= 0 {
		return nil, usageErr("--timeout must be positive")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var out []report.LiveServer
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
		out = append(out, report.NewLiveServer(rep))
	}
	return out, nil
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
