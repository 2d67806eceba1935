package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
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

// ProbeStarted and ProbeDone make progress the runner's observer
// (probes.RunOptions.Observer).
func (p *progress) ProbeStarted(id probes.ID) { p.started(id) }

// ProbeDone counts a probe that ran; one that never started (dep-failed)
// is left out of the count.
func (p *progress) ProbeDone(id probes.ID, _ *probes.Observation) { p.finished(id) }

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
	if _, ok := p.running[id]; !ok {
		return
	}
	delete(p.running, id)
	p.done++
	p.draw()
}

// end stops the ticker and erases the line; nothing is drawn after end.
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
	slices.SortFunc(ids, func(a, b string) int {
		if c := p.running[probes.ID(a)].Compare(p.running[probes.ID(b)]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
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
