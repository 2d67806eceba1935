package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
	"github.com/imscore/imscore/xmpp/clienttest"
)

// testClientOptions are the flags of 'test-client xmpp'.
type testClientOptions struct {
	domain          string
	listen          string
	exec            string
	execSet         bool // --exec was given, even as ''
	scenarios       []string
	scenarioTimeout time.Duration
	timeout         time.Duration
	clientName      string
	format          string
	out             string
	failUnder       string
	require         []string
	quiet           bool
}

func newTestClientCmd(stdout, stderr io.Writer) *cobra.Command {
	parent := &cobra.Command{
		Use:   "test-client",
		Short: "Act as an adversarial server and grade a client (test-client xmpp)",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr("unknown test-client kind %q (want xmpp)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageErr("test-client needs a kind: 'imscore test-client xmpp --domain DOMAIN' (see 'imscore test-client xmpp --help')")
		},
	}
	parent.AddCommand(newTestClientXMPPCmd(stdout, stderr))
	return parent
}

func newTestClientXMPPCmd(stdout, stderr io.Writer) *cobra.Command {
	var o testClientOptions
	cmd := &cobra.Command{
		Use:   "xmpp --domain DOMAIN [--listen ADDR] [--exec CMD]",
		Short: "Serve an XMPP domain as an adversarial server and grade the client that connects",
		Long: `imscore serves DOMAIN on --listen (loopback by default) with a throwaway
account (tester@DOMAIN and a random password) and a throwaway test CA, and
plays one scenario per connection the client makes, in order: an honest
login first (the control), then STARTTLS stripped, optional, refused and
injected into; untrusted, self-signed, wrongly named, expired and not yet
valid certificates; TLS 1.0/1.1 only; SCRAM with channel binding, a
downgraded mechanism list (XEP-0474), a wrong or missing server signature
and 2^31 iterations; an XML entity bomb and an 8 MiB element; forged
carbons and archive results after login. The report (kind xmpp-client)
grades what the client did, with the bytes it sent (password redacted), its
TLS ClientHello and how it hung up.

Without --exec, start the client yourself, once per scenario (most clients
reconnect by themselves); the account and the test CA to install are printed
on stderr. With --exec, imscore runs CMD through sh -c once per scenario,
with {jid} {password} {host} {port} {domain} {ca} (and {scenario}) replaced
by their values, shell-quoted, and the same values in the environment as
IMSCORE_JID, IMSCORE_PASSWORD, IMSCORE_HOST, IMSCORE_PORT, IMSCORE_DOMAIN,
IMSCORE_CA and IMSCORE_SCENARIO; the client's process group is stopped at the
scenario's deadline (--scenario-timeout) or when the scenario is over.
--timeout bounds the whole run. --scenario picks scenarios or criteria (the
control "login" always runs too); 'imscore criteria --kind xmpp-client'
lists the criteria.

Exit codes: 0 done, 1 below --fail-under or a --require'd criterion did not
pass, 2 usage error, 3 the client never connected.`,
		Example: `  imscore test-client xmpp --domain test.example
  imscore test-client xmpp --domain test.example --listen 127.0.0.1:5222 \
    --exec 'echo hi | SSL_CERT_FILE={ca} go-sendxmpp -u {jid} -p {password} -j {host}:{port} someone@{domain}' \
    --format json -o client.json
  imscore test-client xmpp --domain test.example --exec ./run-my-client.sh --scenario xmpp.client.cert-untrusted`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usageErr("test-client xmpp takes no arguments (use --domain)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.execSet = cmd.Flags().Changed("exec")
			return runTestClient(cmd.Context(), &o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.domain, "domain", "", "the XMPP domain to serve (required), e.g. test.example")
	f.StringVar(&o.listen, "listen", "127.0.0.1:5222", "address to listen on, HOST:PORT (port 0: a free one)")
	f.StringVar(&o.exec, "exec", "", "client command, run through sh -c once per scenario, with {jid} {password} {host} {port} {domain} {ca} {scenario}")
	f.StringSliceVar(&o.scenarios, "scenario", nil, "scenario or criterion IDs to run (comma-separated or repeated; default all)")
	f.DurationVar(&o.scenarioTimeout, "scenario-timeout", clienttest.DefaultScenarioTimeout, "deadline of each scenario (with --exec from the client's start)")
	f.DurationVar(&o.timeout, "timeout", 15*time.Minute, "bound on the whole run")
	f.StringVar(&o.clientName, "client-name", "", "name of the client in the report (default: what it says of itself)")
	f.StringVar(&o.format, "format", "table", "output format: "+strings.Join(formats, "|"))
	f.StringVarP(&o.out, "output", "o", "", "write the report to FILE (--format html: a directory, required)")
	f.StringVar(&o.failUnder, "fail-under", "", "exit 1 when the grade is worse than GRADE")
	f.StringSliceVar(&o.require, "require", nil, "exit 1 unless these criterion IDs pass")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no report on standard output and no progress (-o FILE is still written)")
	return cmd
}

// validate checks the flags and returns the selected scenarios.
func (o *testClientOptions) validate() ([]clienttest.Scenario, error) {
	d, err := xmpp.ParseDomain(o.domain)
	if o.domain == "" {
		return nil, usageErr("test-client xmpp needs --domain DOMAIN (the XMPP domain to serve, e.g. test.example)")
	}
	if err != nil {
		return nil, err
	}
	o.domain = d
	host, port, err := net.SplitHostPort(o.listen)
	if err != nil {
		return nil, usageErr("--listen %q: want HOST:PORT", o.listen)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return nil, usageErr("--listen %q: bad port", o.listen)
	}
	if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		return nil, usageErr("--listen %q: want an IP address (or localhost)", o.listen)
	}
	if o.execSet || o.exec != "" {
		if err := clienttest.CheckCommand(o.exec); err != nil {
			return nil, usageErr("--exec: %v", err)
		}
	}
	sel, err := clienttest.Select(o.scenarios)
	if err != nil {
		return nil, usageErr("--scenario: %v", err)
	}
	if o.scenarioTimeout < time.Second || o.scenarioTimeout > 10*time.Minute {
		return nil, usageErr("--scenario-timeout must be between 1s and 10m")
	}
	if o.timeout <= 0 {
		return nil, usageErr("--timeout must be positive")
	}
	if !slices.Contains(formats, o.format) {
		return nil, usageErr("unknown --format %q (want one of: %s)", o.format, strings.Join(formats, ", "))
	}
	if o.format == "html" && o.out == "" {
		return nil, usageErr("--format html writes a site: give its directory with -o DIR")
	}
	if o.failUnder != "" && (report.GradeRank(o.failUnder) < 0 || o.failUnder == "?") {
		return nil, usageErr("unknown --fail-under grade %q (want one of A+, A, B, C, D, E, T, F)", o.failUnder)
	}
	if o.out != "" && o.format != "html" {
		if fi, err := os.Stat(filepath.Dir(o.out)); err != nil || !fi.IsDir() {
			return nil, usageErr("-o %s: directory %s does not exist", o.out, filepath.Dir(o.out))
		}
	}
	for _, id := range o.require {
		m, ok := criteria.Lookup(id)
		if !ok || !slices.Contains(m.Targets, criteria.ClientKind) {
			return nil, usageErr("--require: %q is not a client criterion (see 'imscore criteria --kind xmpp-client')", id)
		}
	}
	return sel, nil
}

// scanOptions carries the output flags to the shared report writer.
func (o *testClientOptions) scanOptions() *scanOptions {
	return &scanOptions{format: o.format, out: o.out, failUnder: o.failUnder, require: o.require, quiet: o.quiet, timeout: o.timeout}
}

func runTestClient(ctx context.Context, o *testClientOptions, stdout, stderr io.Writer) error {
	sel, err := o.validate()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return &exitError{code: ExitUsage, msg: fmt.Sprintf("--listen %s: %v", o.listen, err)}
	}
	dir, err := os.MkdirTemp("", "imscore-test-client-")
	if err != nil {
		l.Close()
		return err
	}
	defer os.RemoveAll(dir)
	var progress io.Writer = stderr
	if o.quiet {
		progress = nil
	}
	t, err := clienttest.New(clienttest.Config{Domain: o.domain, Listener: l, Scenarios: sel,
		ScenarioTimeout: o.scenarioTimeout, Exec: o.exec, Dir: dir, Progress: progress})
	if err != nil {
		l.Close()
		return usageErr("%v", err)
	}
	if !o.quiet {
		banner(stderr, o, t, l.Addr().String())
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	start := time.Now()
	res := t.Run(ctx)
	dur := time.Since(start)
	if err := ctx.Err(); err != nil && errors.Is(err, context.Canceled) {
		return &exitError{code: ExitCannotScan, msg: "test-client: interrupted"}
	}
	name := o.clientName
	if name == "" {
		name = clienttest.ClientName(res)
	}
	if name == "" {
		name = "unnamed client"
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	v, c := buildInfo()
	target := report.Target{Kind: criteria.ClientKind, Name: name, Host: host, Port: portNumber(port), XMPPDomain: o.domain}
	rep, err := criteria.Assemble(criteria.ClientKind, target, res, report.Tool{Name: "imscore", Version: v, Commit: c}, start, dur)
	if err != nil {
		return err
	}
	so := o.scanOptions()
	connected := false
	for _, ob := range res {
		if r, ok := ob.Data.(*clienttest.Result); ok && len(r.Sessions) > 0 {
			connected = true
		}
	}
	if !connected {
		if o.out != "" {
			_ = writeReport(rep, so, stdout)
		}
		return &exitError{code: ExitCannotScan, msg: fmt.Sprintf("test-client: the client never connected to %s in %d scenario(s)", l.Addr(), len(sel))}
	}
	if err := writeReport(rep, so, stdout); err != nil {
		return &exitError{code: ExitUsage, msg: err.Error()}
	}
	return policy(rep, so)
}

// banner tells the person at the terminal what to configure.
func banner(w io.Writer, o *testClientOptions, t *clienttest.Tester, addr string) {
	fmt.Fprintf(w, "imscore test-client: serving the XMPP domain %s on %s\n", o.domain, addr)
	fmt.Fprintf(w, "  account:   %s\n  password:  %s   (throwaway: valid only on this test server, redacted in the report)\n", t.JID(), t.Password())
	fmt.Fprintf(w, "  test CA:   %s   (install it in the client; removed when the run ends)\n", t.CAFile())
	if h, _, _ := net.SplitHostPort(addr); net.ParseIP(h) != nil && net.ParseIP(h).IsUnspecified() {
		fmt.Fprintf(w, "  connect to this machine's address, port %s (listening on all addresses; no DNS: set the host in the client)\n", t.Port())
	}
	fmt.Fprintf(w, "  connect to %s port %s (no DNS: set the host in the client)\n", t.Host(), t.Port())
	mode := "start the client once per scenario (it may reconnect by itself)"
	if o.exec != "" {
		mode = "running the --exec command once per scenario"
	}
	fmt.Fprintf(w, "  %d scenarios, %s each; %s\n", len(t.Scenarios()), o.scenarioTimeout, mode)
	fmt.Fprintf(w, "%s", t.CAPEM())
}

func portNumber(p string) int {
	n, _ := strconv.Atoi(p)
	return n
}
