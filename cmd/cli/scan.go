package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/web"
	"github.com/imscore/imscore/xmpp"
)

// scanOptions are the flags every scan takes.
type scanOptions struct {
	format       string
	out          string
	timeout      time.Duration
	resolver     string
	connect      []string
	caFile       string
	account      string
	passwordFile string
	failUnder    string
	require      []string
	concurrency  int
	policyFile   string
	policy       *Policy
	quiet        bool
	ipv4, ipv6   bool
	allFamilies  bool
	allowPrivate bool
	untrusted    bool
}

var formats = []string{"table", "json", "junit", "sarif", "html"}

func (o *scanOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "table", "output format: "+strings.Join(formats, "|"))
	f.StringVarP(&o.out, "output", "o", "", "write the report to FILE instead of standard output (--format html: a directory, required)")
	f.DurationVar(&o.timeout, "timeout", 120*time.Second, "give up on the whole scan after this long (exit 3)")
	f.StringVar(&o.resolver, "resolver", "", "DNS server to ask, HOST:PORT (default: the system's)")
	f.StringArrayVar(&o.connect, "connect", nil, "dial HOST:PORT instead of NAME:PORT, as NAME:PORT=HOST:PORT (repeatable; like curl --connect-to)")
	f.StringVar(&o.caFile, "ca-file", "", "PEM file of extra trusted root certificates (private CAs, tests)")
	f.StringVar(&o.account, "account", "", "log in as JID for logged-in checks; password from $IMSCORE_PASSWORD or --password-file")
	f.StringVar(&o.passwordFile, "password-file", "", "file holding the --account password (never pass it on the command line)")
	f.StringVar(&o.failUnder, "fail-under", "", "exit 1 when the grade is worse than GRADE (A+, A, B, C, D, E, T, F)")
	f.StringSliceVar(&o.require, "require", nil, "exit 1 unless these criterion IDs pass (comma-separated or repeated)")
	f.IntVar(&o.concurrency, "concurrency", 8, "how many probes may run at once")
	f.StringVar(&o.policyFile, "policy", "", "policy file (imscore.yaml: min_grade, require, ignore with reason and expiry); exit 1 when it fails")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no report on standard output and no progress: only the exit code and errors (-o FILE is still written)")
	f.BoolVarP(&o.ipv4, "ipv4", "4", false, "scan IPv4 addresses only (IPv6 ones are listed as not tested)")
	f.BoolVarP(&o.ipv6, "ipv6", "6", false, "scan IPv6 addresses only (IPv4 ones are listed as not tested)")
	f.BoolVar(&o.allFamilies, "require-all-families", false, "exit 1 unless both IPv4 and IPv6 were tested and answer (net.dual-stack passes)")
	f.BoolVar(&o.allowPrivate, "allow-private", false, "follow the scanned server to internal addresses (loopback, private, link-local) it points to: for scanning your own network")
	f.BoolVar(&o.untrusted, "untrusted-target", false, "the target was named by someone else (a web form, a shared CI job): its own internal addresses are refused too, as for a batch list's targets")
}

// validate checks flags that do not depend on the target.
func (o *scanOptions) validate() error {
	if !slices.Contains(formats, o.format) {
		return usageErr("unknown --format %q (want one of: %s)", o.format, strings.Join(formats, ", "))
	}
	if o.format == "html" && o.out == "" {
		return usageErr("--format html writes a site: give its directory with -o DIR")
	}
	if o.failUnder != "" && (report.GradeRank(o.failUnder) < 0 || o.failUnder == "?") {
		return usageErr("unknown --fail-under grade %q (want one of A+, A, B, C, D, E, T, F)", o.failUnder)
	}
	for _, id := range o.require {
		if _, ok := criteria.Lookup(id); !ok {
			return usageErr("--require: unknown criterion %q (see 'imscore criteria')", id)
		}
	}
	if o.ipv4 && o.ipv6 {
		return usageErr("-4 and -6 exclude each other (without either, both families are scanned)")
	}
	if o.allFamilies && (o.ipv4 || o.ipv6) {
		return usageErr("--require-all-families cannot be combined with -4 or -6")
	}
	if o.allFamilies && !slices.Contains(o.require, "net.dual-stack") {
		o.require = append(o.require, "net.dual-stack")
	}
	if o.timeout <= 0 {
		return usageErr("--timeout must be positive")
	}
	if o.concurrency < 1 || o.concurrency > 64 {
		return usageErr("--concurrency must be between 1 and 64")
	}
	if o.policyFile != "" {
		p, err := LoadPolicy(o.policyFile)
		if err != nil {
			return usageErr("--policy: %v", err)
		}
		o.policy = p
	}
	if o.out != "" {
		if fi, err := os.Stat(filepath.Dir(o.out)); err != nil || !fi.IsDir() {
			return usageErr("-o %s: directory %s does not exist", o.out, filepath.Dir(o.out))
		}
	}
	return nil
}

// env builds the scan's Env from the flags.
func (o *scanOptions) env() (*probes.Env, error) {
	// The system's routing table decides what this machine can test, also
	// when a dialer is wrapped later (a guard, progress).
	env := &probes.Env{Routes: probes.SystemRouter{}, Scope: probes.Scope{AllowPrivate: o.allowPrivate, Listed: o.untrusted}}
	switch {
	case o.ipv4:
		env.Family = probes.IPv4Only
	case o.ipv6:
		env.Family = probes.IPv6Only
	}
	if o.resolver != "" {
		host, port, err := net.SplitHostPort(o.resolver)
		if err != nil {
			host, port = o.resolver, "53"
		}
		if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err != nil {
			return nil, usageErr("--resolver %q: want an IP address with an optional port", o.resolver)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return nil, usageErr("--resolver %q: bad port", o.resolver)
		}
		env.Resolver = probes.NewDNSResolver(net.JoinHostPort(strings.Trim(host, "[]"), port))
	}
	if len(o.connect) > 0 {
		env.Connect = map[string]string{}
		for _, c := range o.connect {
			from, to, ok := strings.Cut(c, "=")
			fh, fp, err1 := net.SplitHostPort(from)
			th, tp, err2 := net.SplitHostPort(to)
			if !ok || err1 != nil || err2 != nil || fh == "" || th == "" || !validPort(fp) || !validPort(tp) {
				return nil, usageErr("--connect %q: want NAME:PORT=HOST:PORT", c)
			}
			env.Connect[net.JoinHostPort(strings.ToLower(strings.TrimSuffix(fh, ".")), fp)] = net.JoinHostPort(th, tp)
		}
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if o.caFile != "" {
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return nil, usageErr("--ca-file: %v", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usageErr("--ca-file %s: no PEM certificate found", o.caFile)
		}
	}
	env.Roots = pool
	return env, nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

func newScanCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Scan a server and write a graded report",
		Long:  "Scan a server and write a graded report. See 'imscore scan tls --help'.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr("unknown scan kind %q (see 'imscore scan --help')", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageErr("scan needs a kind: 'imscore scan tls HOST:PORT' (see 'imscore scan --help')")
		},
	}
	// The kinds of scan; each protocol package exports its scan spec.
	cmd.AddCommand(newScanTLSCmd(stdout, stderr), newScanXMPPCmd(stdout, stderr), newScanMatrixCmd(stdout, stderr))
	return cmd
}

func newScanTLSCmd(stdout, stderr io.Writer) *cobra.Command {
	var o scanOptions
	var starttls, sni, xmppDomain string
	cmd := &cobra.Command{
		Use:   "tls HOST:PORT",
		Short: "Grade the TLS configuration of one service (direct TLS or XMPP STARTTLS)",
		Long: `Grade the TLS configuration of one service: protocol versions (SSLv2 to
TLS 1.3), cipher suites and their order, forward secrecy, key-exchange groups
(including post-quantum X25519MLKEM768), the certificate chain (trust,
validity, name, key, signature), OCSP stapling and DANE.

Every address HOST resolves to is scanned; each criterion takes the worst.
For XMPP, --starttls xmpp-client (port 5222) or xmpp-server (5269) first
negotiates STARTTLS with a stream to --xmpp-domain, and the certificate is
checked against the XMPP identities of that domain (RFC 6120, RFC 7590).`,
		Example: `  imscore scan tls mail.example.org:443
  imscore scan tls xmpp.example.org:5222 --starttls xmpp-client --xmpp-domain example.org
  imscore scan tls 127.0.0.1:8443 --sni test.example --ca-file testca.pem --format json -o r.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("scan tls needs exactly one HOST:PORT argument")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			if o.account != "" || o.passwordFile != "" {
				return usageErr("scan tls does not log in: --account and --password-file are for xmpp and matrix scans")
			}
			host, port, err := tls.ParseHostPort(args[0], 443)
			if err != nil {
				return usageErr("%v", err)
			}
			if starttls != "" && !slices.Contains(xmpp.StartTLSModes, starttls) {
				return usageErr("unknown --starttls %q (want xmpp-client or xmpp-server)", starttls)
			}
			if starttls != "" && xmppDomain == "" {
				if net.ParseIP(host) != nil {
					return usageErr("--starttls %s needs --xmpp-domain when the host is an IP address", starttls)
				}
				xmppDomain = host
			}
			t := tls.Target{Host: host, Port: port, SNI: sni}
			spec := tls.ScanSpec(args[0], t)
			if starttls != "" || xmppDomain != "" {
				spec = xmpp.TLSScanSpec(args[0], t, starttls, xmppDomain)
			}
			return runScan(cmd.Context(), &o, spec, stdout, stderr)
		},
	}
	o.register(cmd)
	// scan tls never logs in: the account flags stay out of its help, and
	// given anyway they get a one-line reason (not "unknown flag").
	_ = cmd.Flags().MarkHidden("account")
	_ = cmd.Flags().MarkHidden("password-file")
	cmd.Flags().StringVar(&starttls, "starttls", "", "negotiate STARTTLS first: xmpp-client or xmpp-server")
	cmd.Flags().StringVar(&sni, "sni", "", "server name to send in SNI and to check the certificate against (default: HOST)")
	cmd.Flags().StringVar(&xmppDomain, "xmpp-domain", "", "XMPP domain: the to= of the STARTTLS stream and the identity the certificate must match")
	return cmd
}

// runScan runs the scan, writes the report, and maps the outcome to an
// exit code.
func runScan(ctx context.Context, o *scanOptions, spec probes.Spec, stdout, stderr io.Writer) error {
	env, err := o.env()
	if err != nil {
		return err
	}
	so := scanRunOptions(o, env)
	// Progress for a person watching: only on a terminal, never with
	// --quiet, and erased before the report is written.
	var prog *progress
	if !o.quiet && progressIsTerminal(stderr) {
		prog = newProgress(stderr, spec.Target.Name, len(spec.Probes))
		so.Observer = prog
		prog.tick()
	}
	rep, err := scan.Run(ctx, spec, so)
	if prog != nil {
		prog.end()
	}
	var cs *scan.CannotScanError
	if errors.As(err, &cs) {
		if rep != nil && o.out != "" {
			// Keep the (mostly error) report for CI artefacts when asked
			// to write a file; never print a grade for a server we did
			// not reach.
			_ = writeReport(rep, o, stdout)
		}
		return &exitError{code: ExitCannotScan, msg: cs.Error()}
	}
	if err != nil {
		return err
	}
	if err := writeReport(rep, o, stdout); err != nil {
		return &exitError{code: ExitUsage, msg: err.Error()}
	}
	if o.policy != nil {
		notes, err := o.policy.Check(rep, env.Clock.Now())
		for _, n := range notes {
			fmt.Fprintln(stderr, "imscore: "+n)
		}
		if err != nil {
			return &exitError{code: ExitPolicy, msg: err.Error()}
		}
	}
	return policy(rep, o)
}

// scanRunOptions are the scan.Options of o's flags (--timeout,
// --concurrency) with env (from --resolver, --connect, --ca-file).
func scanRunOptions(o *scanOptions, env *probes.Env) scan.Options {
	v, c := buildInfo()
	return scan.Options{Env: env, Timeout: o.timeout, Concurrency: o.concurrency, Tool: report.Tool{Name: "imscore", Version: v, Commit: c}}
}

func writeReport(rep *report.Report, o *scanOptions, stdout io.Writer) error {
	if o.quiet {
		if o.out == "" {
			return nil
		}
		stdout = io.Discard // not even the site's index path
	}
	if o.format == "html" {
		return writeSite([]*report.Report{rep}, o.out, stdout)
	}
	w := stdout
	var f *os.File
	if o.out != "" {
		if dir := filepath.Dir(o.out); dir != "" {
			if _, err := os.Stat(dir); err != nil {
				return fmt.Errorf("cannot write %s: %v", o.out, err)
			}
		}
		var err error
		f, err = os.Create(o.out)
		if err != nil {
			return fmt.Errorf("cannot write report: %v", err)
		}
		w = f
	}
	err := render(w, rep, o.format, o.out == "" && isTerminal(stdout) && os.Getenv("NO_COLOR") == "")
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// writeSite writes the static HTML site for reps into dir and prints the
// path of its index page.
func writeSite(reps []*report.Report, dir string, stdout io.Writer) error {
	if dir == "" {
		return fmt.Errorf("--format html writes a site: give its directory with -o DIR")
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("cannot write the site into %s: not a directory", dir)
	}
	if err := web.Render(dir, reps, web.Options{}); err != nil {
		return fmt.Errorf("cannot write the site: %v", err)
	}
	fmt.Fprintln(stdout, filepath.Join(dir, "index.html"))
	return nil
}

func render(w io.Writer, rep *report.Report, format string, color bool) error {
	switch format {
	case "json":
		return report.WriteJSON(w, rep)
	case "table":
		return report.WriteTable(w, rep, report.TableOptions{Color: color, Width: 100})
	case "junit":
		return report.WriteJUnit(w, rep)
	case "sarif":
		return report.WriteSARIF(w, rep)
	}
	return fmt.Errorf("unknown format %q", format)
}

// policy applies --fail-under and --require.
func policy(rep *report.Report, o *scanOptions) error {
	if o.failUnder != "" && report.GradeRank(rep.Grade) > report.GradeRank(o.failUnder) {
		return &exitError{code: ExitPolicy, msg: fmt.Sprintf("grade %s is below --fail-under %s", rep.Grade, o.failUnder)}
	}
	var bad []string
	for _, id := range o.require {
		found := false
		for _, f := range rep.Findings {
			if f.Criterion == id {
				found = true
				if f.Status != report.Pass {
					msg := fmt.Sprintf("%s is %s", id, f.Status)
					if id == "net.dual-stack" && o.allFamilies {
						// Our own text (addresses and local errors): say why.
						msg += " (--require-all-families: " + f.Summary + ")"
					}
					bad = append(bad, msg)
				}
			}
		}
		if !found {
			bad = append(bad, id+" does not apply to this scan")
		}
	}
	if len(bad) > 0 {
		return &exitError{code: ExitPolicy, msg: "required criteria did not pass: " + strings.Join(bad, "; ")}
	}
	return nil
}

// credentials reads the --account password from --password-file or
// $IMSCORE_PASSWORD (never from argv). It returns nil without --account.
// A password file must hold the password on its first line; a trailing
// newline is not part of it.
func (o *scanOptions) credentials() (*probes.Credentials, error) {
	if o.account == "" {
		if o.passwordFile != "" {
			return nil, usageErr("--password-file without --account")
		}
		return nil, nil
	}
	var pw string
	switch {
	case o.passwordFile != "":
		fi, err := os.Stat(o.passwordFile)
		if err != nil {
			return nil, usageErr("--password-file: %v", err)
		}
		if fi.Size() > 4096 {
			return nil, usageErr("--password-file %s: larger than 4 KiB, not a password file", o.passwordFile)
		}
		f, err := os.Open(o.passwordFile)
		if err != nil {
			return nil, usageErr("--password-file: %v", err)
		}
		// Bounded also for FIFOs and /dev/stdin, whose size says nothing.
		b, err := io.ReadAll(io.LimitReader(f, 4097))
		f.Close()
		if err != nil {
			return nil, usageErr("--password-file: %v", err)
		}
		if len(b) > 4096 {
			return nil, usageErr("--password-file %s: larger than 4 KiB, not a password file", o.passwordFile)
		}
		pw, _, _ = strings.Cut(string(b), "\n")
		pw = strings.TrimSuffix(pw, "\r")
	default:
		pw = os.Getenv("IMSCORE_PASSWORD")
	}
	if pw == "" {
		return nil, usageErr("--account %s needs a password: set IMSCORE_PASSWORD or give --password-file FILE", o.account)
	}
	return &probes.Credentials{Account: o.account, Password: pw}, nil
}
