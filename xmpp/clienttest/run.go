package clienttest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/imscore/imscore/probes"
)

// Username is the localpart of the throwaway account.
const Username = "tester"

// DefaultScenarioTimeout is each scenario's deadline by default.
const DefaultScenarioTimeout = 15 * time.Second

// Timing of a scenario in exec mode.
var (
	linger    = 700 * time.Millisecond // after the last session, for a reconnect
	exitGrace = 200 * time.Millisecond // after the client exited, for a connection still in the accept queue
)

// maxSessions bounds the connections served per scenario.
const maxSessions = 8

// maxBacklog bounds the connections an interactive run keeps for the
// scenarios after the current one; more are closed.
const maxBacklog = 16

// Config configures a Tester.
type Config struct {
	// Domain is the XMPP domain the tester serves.
	Domain string
	// Listener is where clients connect; Run closes it when it ends.
	Listener net.Listener
	// Scenarios to run, in order (Select); empty: all.
	Scenarios []Scenario
	// ScenarioTimeout is each scenario's deadline (default 15 s). With an
	// exec command it counts from the client's start, otherwise from the
	// client's connection.
	ScenarioTimeout time.Duration
	// Exec is the client command template (see Placeholders); empty:
	// serve one scenario per connection the client makes.
	Exec string
	// Dir is where the test CA is written (ca.pem); it must exist.
	Dir string
	// Progress gets one line per scenario (nil: none).
	Progress io.Writer
	// Now is the clock for the certificates (default time.Now).
	Now func() time.Time
}

// server is what every session shares.
type server struct {
	domain   string
	password string
	pki      *pki
}

// Tester is an adversarial XMPP server for one run.
type Tester struct {
	cfg    Config
	srv    *server
	caFile string
	host   string
	port   string
	mu     sync.Mutex
	// backlog holds connections that arrived while an interactive
	// scenario ran: they start the next ones.
	backlog []net.Conn
}

// New prepares a run: the test CA and certificates, the throwaway
// password, the CA file in cfg.Dir.
func New(cfg Config) (*Tester, error) {
	if cfg.Domain == "" || cfg.Listener == nil || cfg.Dir == "" {
		return nil, errors.New("clienttest: Domain, Listener and Dir are required")
	}
	if cfg.ScenarioTimeout <= 0 {
		cfg.ScenarioTimeout = DefaultScenarioTimeout
	}
	if len(cfg.Scenarios) == 0 {
		cfg.Scenarios = append([]Scenario(nil), Scenarios...)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Exec != "" {
		if err := CheckCommand(cfg.Exec); err != nil {
			return nil, err
		}
	}
	p, err := newPKI(cfg.Domain, cfg.Now())
	if err != nil {
		return nil, err
	}
	pw, err := randomPassword(24)
	if err != nil {
		return nil, err
	}
	t := &Tester{cfg: cfg, srv: &server{domain: cfg.Domain, password: pw, pki: p}}
	t.caFile = filepath.Join(cfg.Dir, "ca.pem")
	if err := os.WriteFile(t.caFile, p.caPEM, 0o644); err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(cfg.Listener.Addr().String())
	if err != nil {
		return nil, err
	}
	// A client started here reaches a wildcard listener on loopback.
	switch host {
	case "0.0.0.0", "":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	t.host, t.port = host, port
	return t, nil
}

func randomPassword(n int) (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b strings.Builder
	for i := 0; i < n; i++ {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b.WriteByte(alphabet[k.Int64()])
	}
	return b.String(), nil
}

// JID is the throwaway account.
func (t *Tester) JID() string { return Username + "@" + t.cfg.Domain }

// Password is the throwaway account's password.
func (t *Tester) Password() string { return t.srv.password }

// CAFile is the test CA's PEM file; CAPEM its contents.
func (t *Tester) CAFile() string { return t.caFile }
func (t *Tester) CAPEM() []byte  { return t.srv.pki.caPEM }

// Host and Port are where a client on this machine connects.
func (t *Tester) Host() string { return t.host }
func (t *Tester) Port() string { return t.port }

// Scenarios are the scenarios this run plays, in order.
func (t *Tester) Scenarios() []Scenario { return t.cfg.Scenarios }

func (t *Tester) progress(format string, a ...any) {
	if t.cfg.Progress != nil {
		t.mu.Lock()
		fmt.Fprintf(t.cfg.Progress, format+"\n", a...)
		t.mu.Unlock()
	}
}

// vars are the placeholder values of an exec command.
func (t *Tester) vars(sc Scenario) map[string]string {
	return map[string]string{"jid": t.JID(), "password": t.srv.password, "host": t.host, "port": t.port,
		"domain": t.cfg.Domain, "ca": t.caFile, "scenario": sc.ID}
}

// Run plays every scenario in order and returns one observation per
// scenario (probe ID ProbeID(scenario)). It ends when all have run or ctx
// is done; scenarios that could not run for lack of time are observations
// with status timeout. It closes the listener.
func (t *Tester) Run(ctx context.Context) probes.Results {
	conns := make(chan net.Conn, 16)
	stopAccept := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var backoff time.Duration
		for {
			c, err := t.cfg.Listener.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				// Out of file descriptors (EMFILE), an aborted
				// connection, …: try again shortly rather than stop
				// serving for the rest of the run.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				select {
				case <-stopAccept:
					return
				case <-time.After(backoff):
				}
				continue
			}
			backoff = 0
			select {
			case conns <- c:
			default:
				c.Close() // more waiting connections than any client makes
			}
		}
	}()
	defer func() {
		close(stopAccept)
		t.cfg.Listener.Close()
		wg.Wait()
		for _, c := range t.backlog {
			c.Close()
		}
		t.backlog = nil
		for {
			select {
			case c := <-conns:
				c.Close()
			default:
				return
			}
		}
	}()
	res := probes.Results{}
	for i, sc := range t.cfg.Scenarios {
		start := time.Now()
		var o *probes.Observation
		if ctx.Err() != nil {
			o = &probes.Observation{Status: probes.StatusTimeout, Reason: "not run: the run's time (--timeout) was up",
				Data: &Result{Scenario: sc.ID, Criterion: sc.Criterion, Domain: t.cfg.Domain, Sessions: []*Session{}}}
		} else {
			t.progress("[%d/%d] %s: %s", i+1, len(t.cfg.Scenarios), sc.ID, sc.Does)
			o = t.scenario(ctx, sc, conns)
			t.progress("       %s", outcomeLine(o))
		}
		o.Probe = ProbeID(sc.ID)
		o.DurationMS = time.Since(start).Milliseconds()
		res[o.Probe] = o
	}
	return res
}

// scenario runs one scenario.
func (t *Tester) scenario(ctx context.Context, sc Scenario, conns chan net.Conn) *probes.Observation {
	r := &Result{Scenario: sc.ID, Criterion: sc.Criterion, Domain: t.cfg.Domain, Sessions: []*Session{}, DeadlineMS: t.cfg.ScenarioTimeout.Milliseconds()}
	var ch *child
	start := time.Now()
	if t.cfg.Exec != "" {
		// Connections left over from the previous scenario's client are
		// not this scenario's.
	drain:
		for {
			select {
			case c := <-conns:
				c.Close()
			default:
				break drain
			}
		}
		env := []string{}
		for k, v := range t.vars(sc) {
			env = append(env, "IMSCORE_"+strings.ToUpper(k)+"="+v)
		}
		var err error
		ch, err = startChild(fill(t.cfg.Exec, t.vars(sc)), env, t.cfg.Dir)
		if err != nil {
			r.Child = &Child{Command: t.cfg.Exec, Error: redactSecret(err.Error(), t.srv.password)}
			return &probes.Observation{Status: probes.StatusError, Reason: "could not start the client: " + r.Child.Error, Data: r}
		}
	}
	var first net.Conn
	if ch == nil {
		// Interactive: the scenario starts with the client's connection.
		if len(t.backlog) > 0 {
			first, t.backlog = t.backlog[0], t.backlog[1:]
		} else {
			select {
			case first = <-conns:
			case <-ctx.Done():
				return &probes.Observation{Status: probes.StatusTimeout, Reason: "no connection before the run's time (--timeout) was up", Data: r}
			}
		}
		start = time.Now()
	}
	deadline := start.Add(t.cfg.ScenarioTimeout)
	sctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	done := make(chan struct{}, maxSessions)
	active := 0
	serve := func(c net.Conn) {
		s := &Session{Remote: c.RemoteAddr().String(), StartMS: time.Since(start).Milliseconds(), Events: []string{}}
		r.Sessions = append(r.Sessions, s)
		active++
		ss := &session{srv: t.srv, sc: sc, p: sc.plan.withDefaults(), out: s, start: start, ctx: sctx, runCtx: ctx,
			deadline: deadline, tcp: c, rec: &recorder{}}
		go func() {
			ss.serve()
			done <- struct{}{}
		}()
	}
	if first != nil {
		serve(first)
	}
	var settle <-chan time.Time
	childDone := (<-chan struct{})(nil)
	if ch != nil {
		childDone = ch.done
	}
	atDeadline, runOver := false, false
loop:
	for {
		select {
		case c := <-conns:
			switch {
			case ch == nil:
				// Interactive: a further connection is the next
				// scenario's (a bounded number of them).
				if len(t.backlog) >= maxBacklog {
					c.Close()
				} else {
					t.backlog = append(t.backlog, c)
				}
			case len(r.Sessions) >= maxSessions:
				r.Extra++
				c.Close()
			default:
				settle = nil
				serve(c)
			}
		case <-done:
			active--
			if active == 0 {
				if ch == nil {
					break loop
				}
				settle = time.After(linger)
			}
		case <-childDone:
			childDone = nil
			if active == 0 {
				settle = time.After(exitGrace)
			}
		case <-settle:
			break loop
		case <-sctx.Done():
			atDeadline = ctx.Err() == nil
			runOver = !atDeadline
			break loop
		}
	}
	cancel() // sessions still running see their deadline now
	for active > 0 {
		<-done
		active--
	}
	if ch != nil {
		running := !ch.exited()
		ch.stop()
		r.Child = ch.result(t.cfg.Exec, t.srv.password, atDeadline && running)
	}
	o := &probes.Observation{Status: probes.StatusOK, Data: r}
	if len(r.Sessions) == 0 {
		o.Status = probes.StatusTimeout
		o.Reason = "the client did not connect within " + t.cfg.ScenarioTimeout.String()
		if runOver {
			o.Reason = runStopped(ctx) + " before the client connected"
		} else if r.Child != nil && !r.Child.AtDeadline {
			o.Reason = "the client ended (" + r.Child.Exit + ") without connecting"
			if r.Child.Crashed {
				o.Reason = "the client crashed (" + r.Child.Exit + ") without connecting"
			}
		}
	}
	// The evidence is derived from the data (Result.Evidence) when a
	// criterion cites it; keeping it here too would double the report.
	return o
}

// runStopped says why the run (ctx, done) ended a scenario: it was imscore,
// not the client.
func runStopped(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "stopped by imscore: the run's --timeout passed"
	}
	return "stopped by imscore: the run was cancelled"
}

// outcomeLine is the progress line after a scenario.
func outcomeLine(o *probes.Observation) string {
	r, _ := o.Data.(*Result)
	if o.Status != probes.StatusOK || r == nil {
		return string(o.Status) + ": " + o.Reason
	}
	var parts []string
	for _, s := range r.Sessions {
		p := s.End
		if s.Bound != "" {
			p = "logged in; " + p
		}
		for _, a := range s.Auths {
			if a.CredentialsSent {
				w := "over TLS"
				if a.InClear {
					w = "IN THE CLEAR"
				}
				p = "sent credentials (" + a.Mechanism + ") " + w + "; " + p
				break
			}
		}
		parts = append(parts, p)
	}
	line := strconv.Itoa(len(r.Sessions)) + " connection(s): " + strings.Join(parts, " | ")
	if r.Child != nil {
		line += " — client " + r.Child.Exit
		if r.Child.Crashed {
			line += " (CRASHED)"
		}
	}
	return line
}
