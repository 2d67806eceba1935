package clienttest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/imscore/imscore/report"
)

// Placeholders of an exec command; each is replaced by its value quoted
// for sh. The values are also in the environment as IMSCORE_JID,
// IMSCORE_PASSWORD, IMSCORE_HOST, IMSCORE_PORT, IMSCORE_DOMAIN, IMSCORE_CA and
// IMSCORE_SCENARIO.
var Placeholders = []string{"jid", "password", "host", "port", "domain", "ca", "scenario"}

// stopGrace is how long a client gets after SIGTERM before its process
// group is killed.
const stopGrace = 2 * time.Second

// outputWaitDelay is how long the output of a child that exited is still
// read (a process it left behind may keep the pipe open).
const outputWaitDelay = time.Second

// maxOutput bounds the client output kept (its tail).
const maxOutput = 8 << 10

var placeholderRE = regexp.MustCompile(`\{[a-z]+\}`)

// CheckCommand reports unknown placeholders in an exec command template.
func CheckCommand(tmpl string) error {
	if strings.TrimSpace(tmpl) == "" {
		return errors.New("empty command")
	}
	var unknown []string
	for _, m := range placeholderRE.FindAllString(tmpl, -1) {
		name := strings.Trim(m, "{}")
		known := false
		for _, p := range Placeholders {
			known = known || p == name
		}
		if !known {
			unknown = append(unknown, m)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown placeholder(s) %s (known: {%s})", strings.Join(unknown, " "), strings.Join(Placeholders, "} {"))
	}
	return nil
}

// shellQuote quotes s as one word for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fill replaces every {name} with its value, shell-quoted.
func fill(tmpl string, vars map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		if v, ok := vars[strings.Trim(m, "{}")]; ok {
			return shellQuote(v)
		}
		return m
	})
}

// tailBuffer keeps the last maxOutput bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	n   int64
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n += int64(len(p))
	t.buf = append(t.buf, p...)
	if len(t.buf) > maxOutput {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-maxOutput:]...)
	}
	return len(p), nil
}

// text is the tail kept; when the start was cut off, a part of any of
// forms (secrets) the cut left at the start is removed first, so that no
// part of a secret survives its redaction.
func (t *tailBuffer) text(forms []string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(t.buf)
	if t.n > int64(len(t.buf)) {
		s = trimCutSecret(s, forms, false)
		s = fmt.Sprintf("[… last %d of %d bytes]\n", len(s), t.n) + s
	}
	return s
}

// child is a client process started for one scenario, in a process group
// of its own.
type child struct {
	cmd     *exec.Cmd
	out     *tailBuffer
	start   time.Time
	end     time.Time // set before done is closed
	done    chan struct{}
	stopped bool // imscore signalled it
}

// startChild runs cmdline through sh -c in a new process group, stdin
// from /dev/null, stdout and stderr kept (tail).
func startChild(cmdline string, env []string, dir string) (*child, error) {
	cmd := exec.Command("/bin/sh", "-c", cmdline)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	out := &tailBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// A process that escaped the group (setsid) may hold the output pipe
	// open: Wait then returns this long after the child itself exited
	// instead of waiting for the escapee.
	cmd.WaitDelay = outputWaitDelay
	c := &child{cmd: cmd, out: out, done: make(chan struct{}), start: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = cmd.Wait()
		c.end = time.Now()
		close(c.done)
	}()
	return c, nil
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop ends the whole process group: SIGTERM, then SIGKILL after
// stopGrace. The group is signalled even when sh itself has exited, so a
// client it left behind does not outlive the scenario.
func (c *child) stop() {
	pgid := c.cmd.Process.Pid
	if !c.exited() {
		c.stopped = true
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(stopGrace):
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
	}
}

// crashSignals are signals a program dies of by itself.
var crashSignals = map[syscall.Signal]bool{syscall.SIGSEGV: true, syscall.SIGABRT: true, syscall.SIGBUS: true,
	syscall.SIGILL: true, syscall.SIGFPE: true, syscall.SIGTRAP: true, syscall.SIGSYS: true}

// result describes how the child ended. password is redacted from its
// output.
func (c *child) result(tmpl, password string, atDeadline bool) *Child {
	r := &Child{Command: tmpl, Started: true, AtDeadline: atDeadline, KilledByUs: c.stopped}
	r.Output = report.Visible(redactSecret(c.out.text(secretForms(password)), password))
	// ProcessState and end are only read once Wait has returned (done is
	// closed): Wait sets ProcessState before it is over.
	if !c.exited() || c.cmd.ProcessState == nil {
		r.Exit = "still running after SIGKILL"
		return r
	}
	ps := c.cmd.ProcessState
	r.RunMS = c.end.Sub(c.start).Milliseconds()
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig := ws.Signal()
		r.Signal, r.ExitCode = signalName(sig), -1
		r.Exit = "killed by " + r.Signal
		r.Crashed = crashSignals[sig] && !c.stopped
		return r
	}
	r.ExitCode = ps.ExitCode()
	r.Exit = fmt.Sprintf("exited %d", r.ExitCode)
	if n := r.ExitCode - 128; n > 0 && crashSignals[syscall.Signal(n)] {
		// sh (or a wrapper) reports a child that died of signal N.
		r.Crashed = true
		r.Signal = signalName(syscall.Signal(n))
		r.Exit += " (128+" + r.Signal + ")"
	}
	return r
}

func signalName(s syscall.Signal) string {
	names := map[syscall.Signal]string{syscall.SIGSEGV: "SIGSEGV", syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS",
		syscall.SIGILL: "SIGILL", syscall.SIGFPE: "SIGFPE", syscall.SIGTRAP: "SIGTRAP", syscall.SIGSYS: "SIGSYS",
		syscall.SIGKILL: "SIGKILL", syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT", syscall.SIGHUP: "SIGHUP", syscall.SIGPIPE: "SIGPIPE"}
	if n, ok := names[s]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}
