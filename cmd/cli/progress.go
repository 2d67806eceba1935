package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/imscore/imscore/probes"
)

// progressIsTerminal decides whether progress goes to stderr (a variable so
// tests can pretend stderr is a terminal).
var progressIsTerminal = isTerminal

// progress shows a running scan on one terminal line of stderr:
//
//	imscore: scanning example.org  12/31 probes  running tls.ciphers, xmpp.c2s.streams  4.2s
//
// It is redrawn when a probe starts or ends and twice a second, and erased
// when the scan ends, so only the report (or the errors) remain. It is used
// only when stderr is a terminal and --quiet is not given.
type progress struct {
	w      io.Writer
	target string
	total  int
	start  time.Time
	now    func() time.Time
	width  int

	mu      sync.Mutex
	done    int
	running map[probes.ID]time.Time
	drawn   bool
	stopped bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

func newProgress(w io.Writer, target string, total int) *progress {
	// Stay within one row (a wrapped line cannot be erased with \r):
	// $COLUMNS when the shell exports it, else 80.
	width := 80
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		width = n
	}
	return &progress{w: w, target: target, total: total, start: time.Now(), now: time.Now, width: width - 1,
		running: map[probes.ID]time.Time{}, stop: make(chan struct{})}
}

// wrap returns ps with every probe reporting its start and end to p. The
// IDs, requirements and timeouts are the probes' own, so the runner orders
// and bounds them as before.
func (p *progress) wrap(ps []probes.Probe) []probes.Probe {
	out := make([]probes.Probe, len(ps))
	for i, pr := range ps {
		out[i] = probes.Func{Name: pr.ID(), Needs: pr.Requires(), Wants: probes.WantedBy(pr), Limit: pr.Timeout(), Last: probes.IsFinal(pr),
			Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
				p.started(pr.ID())
				defer p.finished(pr.ID())
				return pr.Run(ctx, env, in)
			}}
	}
	return out
}

// tick redraws the line twice a second until end.
func (p *progress) tick() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.draw()
				p.mu.Unlock()
			}
		}
	}()
}

func (p *progress) started(id probes.ID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[id] = p.now()
	p.draw()
}

func (p *progress) finished(id probes.ID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, id)
	p.done++
	p.draw()
}

// end stops the ticker and erases the line. Probes that the runner gave up
// on (past their deadline) may still call finished later: nothing is drawn
// after end.
func (p *progress) end() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	close(p.stop)
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// line is the progress line without terminal controls.
func (p *progress) line() string {
	ids := make([]string, 0, len(p.running))
	for id := range p.running {
		ids = append(ids, string(id))
	}
	// Longest-running first: those are what the scan waits for.
	sort.Slice(ids, func(i, j int) bool {
		ti, tj := p.running[probes.ID(ids[i])], p.running[probes.ID(ids[j])]
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return ids[i] < ids[j]
	})
	el := p.now().Sub(p.start).Truncate(100 * time.Millisecond)
	head := fmt.Sprintf("imscore: scanning %s  %d/%d probes", p.target, p.done, p.total)
	tail := fmt.Sprintf("  %.1fs", el.Seconds())
	run := ""
	if len(ids) > 0 {
		run = "  running " + strings.Join(ids, ", ")
	}
	if room := p.width - len(head) - len(tail); len(run) > room {
		if room < 12 {
			run = ""
		} else {
			run = run[:room-1] + "…" // probe IDs are ASCII
		}
	}
	line := head + run + tail
	if r := []rune(line); len(r) > p.width {
		line = string(r[:p.width])
	}
	return line
}

func (p *progress) draw() {
	if p.stopped {
		return
	}
	p.drawn = true
	fmt.Fprint(p.w, "\r\x1b[K"+p.line())
}
