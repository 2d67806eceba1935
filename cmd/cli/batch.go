package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan/batch"
)

// batchOptions are the flags of `imscore batch`; the scan flags they share
// with `imscore scan` (--resolver, --connect, --ca-file, --timeout, -4/-6,
// --fail-under, --require, --policy, --format, -o, -q) live in scan.
type batchOptions struct {
	scan          scanOptions
	outDir        string
	providers     string
	matrixServers string
	credentials   string
	concurrency   int
	perAddress    int
	domainGap     time.Duration
	rate          float64
	maxAge        time.Duration
	retryFailed   bool
	shard         string
	merge         bool
	progressEvery time.Duration
}

var batchFormats = []string{"table", "json", "junit", "html"}

func newBatchCmd(stdout, stderr io.Writer) *cobra.Command {
	var o batchOptions
	cmd := &cobra.Command{
		Use:   "batch [LIST…] --out DIR",
		Short: "Scan many XMPP, Matrix and TLS servers: an observatory with a summary, statistics and a site",
		Long: `Scan every target of one or more lists into an output directory, politely
and resumably, and summarise them.

Lists (untrusted input: a bad entry is an error naming its line):
  LIST                  text, one target a line: xmpp:DOMAIN, matrix:SERVER_NAME
                        or tls:HOST:PORT; blank lines and # comments ignored
  --xmpp-providers F    the XMPP Providers project's providers.json; a provider
                        whose serverTesting is false is skipped, never contacted
  --matrix-servers F    joinmatrix.org's servers.json
What these lists state that imscore measures (registration open, software,
upload size, CAPTCHA, e-mail, the IM Observatory's TLS grades) is compared
with the measurement: agrees, contradicts, unclear or not measured.

Politeness: at most --concurrency scans at once, at most --per-address
connections to one IP address at a time (counted across all targets), at
least --domain-gap between two scans of one domain, at most --rate scan
starts per second. A batch scans public addresses only: a list entry or a
server that points to loopback, private, link-local or CGNAT addresses is
not followed there unless --allow-private (your own network).

The output directory holds one JSON file per target (its report, or a small
record of why it was not scanned) and index.jsonl, one line per target. A
second run skips targets whose file is younger than --max-age, so an
interrupted run (Ctrl-C keeps what finished) goes on where it stopped.
--shard i/n scans a deterministic part of the list (a CI matrix, indexed
jobs); --merge DIR… joins the shards' directories into --out.

Per-target accounts and --active come from --credentials FILE (YAML:
target, account, password_file | password_env | password, active); no
password is ever on the command line or in a report.

Exit codes: 0 every target scanned; 1 some target is below --fail-under,
a --require or the --policy; 3 some target could not be scanned (the summary
and one line on stderr say which); 2 usage error.`,
		Example: `  imscore batch targets.txt --out results/
  imscore batch --xmpp-providers providers.json --out observatory/ --format html -o site/
  imscore batch --matrix-servers servers.json --out results/ --concurrency 8 --per-address 2
  imscore batch targets.txt --out shard-3/ --shard 3/8          # one job of eight
  imscore batch --merge shard-*/ --out all/ --format junit -o batch.junit.xml
  imscore batch own-servers.txt --out ci/ --credentials accounts.yaml --fail-under B --format junit -o junit.xml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBatch(cmd.Context(), &o, args, stdout, stderr)
		},
	}
	f := cmd.Flags()
	s := &o.scan
	f.StringVar(&o.outDir, "out", "", "output directory: one JSON per target and index.jsonl (required)")
	f.StringVar(&o.providers, "xmpp-providers", "", "also scan the providers of this XMPP Providers providers.json")
	f.StringVar(&o.matrixServers, "matrix-servers", "", "also scan the servers of this joinmatrix servers.json")
	f.StringVar(&o.credentials, "credentials", "", "YAML file of per-target accounts and --active (target, account, password_file|password_env|password, active)")
	f.IntVar(&o.concurrency, "concurrency", 4, "how many targets are scanned at once")
	f.IntVar(&o.perAddress, "per-address", 2, "at most this many connections to one IP address at a time, across all targets")
	f.DurationVar(&o.domainGap, "domain-gap", 5*time.Second, "least time between two scans of one domain")
	f.Float64Var(&o.rate, "rate", 0, "at most this many scan starts per second (0: no limit)")
	f.DurationVar(&o.maxAge, "max-age", 24*time.Hour, "do not scan again a target whose file is younger (0: scan every target)")
	f.BoolVar(&o.retryFailed, "retry-failed", false, "scan again the targets that could not be scanned last time, whatever --max-age")
	f.StringVar(&o.shard, "shard", "", "scan only part i of n of the list, as i/n (deterministic by target)")
	f.BoolVar(&o.merge, "merge", false, "join the output directories given as arguments (shards) into --out instead of scanning")
	f.BoolVar(&s.allowPrivate, "allow-private", false, "let scans connect to internal addresses (loopback, private, link-local, CGNAT), the targets' own and those they point to: for your own network")
	f.DurationVar(&o.progressEvery, "progress-every", 30*time.Second, "when stderr is not a terminal, a progress line this often")
	f.StringVar(&s.format, "format", "table", "summary format: "+strings.Join(batchFormats, "|"))
	f.StringVarP(&s.out, "output", "o", "", "write the summary to FILE (--format html: the site's directory, required)")
	f.DurationVar(&s.timeout, "timeout", 120*time.Second, "give up on one target's scan after this long")
	f.StringVar(&s.resolver, "resolver", "", "DNS server to ask, HOST:PORT (default: the system's)")
	f.StringArrayVar(&s.connect, "connect", nil, "dial HOST:PORT instead of NAME:PORT, as NAME:PORT=HOST:PORT (repeatable)")
	f.StringVar(&s.caFile, "ca-file", "", "PEM file of extra trusted root certificates")
	f.StringVar(&s.failUnder, "fail-under", "", "exit 1 when a target's grade is worse than GRADE")
	f.StringSliceVar(&s.require, "require", nil, "exit 1 unless these criteria pass on every target they apply to")
	f.StringVar(&s.policyFile, "policy", "", "policy file (imscore.yaml) every scanned target must meet")
	f.BoolVarP(&s.quiet, "quiet", "q", false, "no summary on standard output and no progress (-o FILE is still written)")
	f.BoolVarP(&s.ipv4, "ipv4", "4", false, "scan IPv4 addresses only")
	f.BoolVarP(&s.ipv6, "ipv6", "6", false, "scan IPv6 addresses only")
	_ = f.MarkHidden("progress-every")
	return cmd
}

// minRate is the least --rate: one scan start a day (a smaller rate's
// interval would overflow).
const minRate = 1.0 / 86400

func (o *batchOptions) validate(args []string) error {
	s := &o.scan
	if !slices.Contains(batchFormats, s.format) {
		return usageErr("unknown --format %q (want one of: %s)", s.format, strings.Join(batchFormats, ", "))
	}
	s.concurrency = 8 // probes within one scan
	if err := s.validate(); err != nil {
		return err
	}
	if o.outDir == "" {
		return usageErr("batch needs --out DIR: the directory of its results")
	}
	if o.concurrency < 1 || o.concurrency > 256 {
		return usageErr("--concurrency must be between 1 and 256")
	}
	if o.perAddress < 1 || o.perAddress > 64 {
		return usageErr("--per-address must be between 1 and 64")
	}
	if o.domainGap < 0 || o.maxAge < 0 || o.rate < 0 {
		return usageErr("--domain-gap, --max-age and --rate cannot be negative")
	}
	if o.rate > 0 && o.rate < minRate {
		return usageErr("--rate %g is below the least rate, one scan start a day (%g a second); 0 means no limit", o.rate, minRate)
	}
	if o.progressEvery <= 0 {
		o.progressEvery = 30 * time.Second
	}
	if o.merge {
		if len(args) == 0 {
			return usageErr("--merge needs the shards' output directories as arguments")
		}
		if o.providers != "" || o.matrixServers != "" || o.shard != "" || o.credentials != "" {
			return usageErr("--merge joins directories: it takes no lists, --shard or --credentials")
		}
		return nil
	}
	if len(args) == 0 && o.providers == "" && o.matrixServers == "" {
		return usageErr("batch needs a list: LIST (xmpp:DOMAIN … one a line), --xmpp-providers FILE or --matrix-servers FILE")
	}
	return nil
}

// readLists reads every list given, in order; a target in several lists
// is scanned once (with the claims of its first).
func (o *batchOptions) readLists(args []string, stderr io.Writer) ([]batch.Target, error) {
	type src struct {
		path  string
		parse func(io.Reader, string) (*batch.List, error)
	}
	var srcs []src
	for _, a := range args {
		srcs = append(srcs, src{a, batch.ParseList})
	}
	if o.providers != "" {
		srcs = append(srcs, src{o.providers, batch.ParseXMPPProviders})
	}
	if o.matrixServers != "" {
		srcs = append(srcs, src{o.matrixServers, batch.ParseMatrixServers})
	}
	var out []batch.Target
	seen := map[string]bool{}
	for _, s := range srcs {
		f, err := os.Open(s.path)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		l, err := s.parse(f, s.path)
		f.Close()
		if err != nil {
			return nil, usageErr("%v", err)
		}
		for _, n := range l.Notes {
			fmt.Fprintln(stderr, "imscore: "+report.Line(n, 0))
		}
		for _, t := range l.Targets {
			if seen[t.Key()] {
				fmt.Fprintf(stderr, "imscore: %s: %s is in an earlier list too; scanned once\n", t.Source, t.Key())
				continue
			}
			seen[t.Key()] = true
			out = append(out, t)
		}
	}
	if len(out) > batch.MaxTargets {
		return nil, usageErr("more than %d targets in all", batch.MaxTargets)
	}
	return out, nil
}

func runBatch(ctx context.Context, o *batchOptions, args []string, stdout, stderr io.Writer) error {
	if err := o.validate(args); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if o.merge {
		keys, err := batch.Merge(o.outDir, args, nil, func(n string) { fmt.Fprintln(stderr, "imscore: --merge: "+report.Line(n, 0)) })
		if err != nil {
			return usageErr("%v", err)
		}
		store, err := batch.OpenStore(o.outDir)
		if err != nil {
			return usageErr("--out %s: %v", o.outDir, err)
		}
		defer store.Close()
		var ts []batch.Target
		for _, k := range keys {
			kind, name, _ := strings.Cut(k, ":")
			ts = append(ts, batch.Target{Kind: kind, Name: name})
		}
		return batchSummary(o, ts, store, nil, stdout, stderr)
	}
	// Flags and files other than the lists first: a mistake in them is
	// reported before a long list is read.
	shard := batch.Shard{I: 1, N: 1}
	var err error
	if o.shard != "" {
		if shard, err = batch.ParseShard(o.shard); err != nil {
			return usageErr("%v", err)
		}
	}
	access := map[string]batch.Access{}
	if o.credentials != "" {
		if access, err = batch.LoadCredentials(o.credentials, nil); err != nil {
			return usageErr("--credentials: %v", err)
		}
	}
	base, err := o.scan.env()
	if err != nil {
		return err
	}
	targets, err := o.readLists(args, stderr)
	if err != nil {
		return err
	}
	if o.shard != "" {
		targets = shard.Select(targets)
	}
	if o.credentials != "" {
		listed := map[string]bool{}
		for _, t := range targets {
			listed[t.Key()] = true
		}
		for k := range access {
			if !listed[k] && shard.N == 1 {
				fmt.Fprintf(stderr, "imscore: --credentials: %s is in no list\n", k)
			}
		}
	}
	if base.Resolver == nil {
		base.Resolver = probes.NewSystemResolver() // one for every scan
	}
	pool := batch.NewPool(o.perAddress)
	store, err := batch.OpenStore(o.outDir)
	if err != nil {
		return usageErr("--out %s: %v", o.outDir, err)
	}
	defer store.Close()
	for _, n := range store.Notes {
		fmt.Fprintln(stderr, "imscore: "+report.Line(n, 0))
	}
	v, c := buildInfo()
	var prog *batchProgress
	if !o.scan.quiet {
		// A CI job's log gets plain lines, also when its runner gives
		// it a pseudo-terminal.
		term := progressIsTerminal(stderr) && !inCI()
		prog = newBatchProgress(stderr, term, o.progressEvery)
	}
	cfg := batch.Config{
		Targets: targets, Store: store, Access: access, Concurrency: o.concurrency, Pool: pool,
		DomainGap: o.domainGap, Rate: o.rate, MaxAge: o.maxAge, RetryFailed: o.retryFailed,
		Timeout: o.scan.timeout, ProbeConcurrency: o.scan.concurrency,
		NewEnv: func() *probes.Env {
			// The guard's Scope (--allow-private) as for one scan;
			// batch.Run marks it Listed.
			return &probes.Env{Resolver: base.Resolver, Roots: base.Roots, Connect: base.Connect, Family: base.Family, Routes: base.Routes, Scope: base.Scope}
		},
		Tool: report.Tool{Name: "imscore", Version: v, Commit: c},
	}
	if o.shard != "" {
		cfg.Shard = shard.String()
	}
	if prog != nil {
		cfg.Observer = prog
		prog.start()
	}
	res, err := batch.Run(ctx, cfg)
	if prog != nil {
		prog.end(res)
	}
	if err != nil {
		return &exitError{code: ExitCannotScan, msg: "batch: " + err.Error()}
	}
	return batchSummary(o, targets, store, &res, stdout, stderr)
}
