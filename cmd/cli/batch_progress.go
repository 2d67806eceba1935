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

	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan/batch"
)

// batchProgress shows a batch's progress on stderr: on a terminal one line
// redrawn (targets done of total, running, failures, ETA, what is being
// scanned) and erased at the end; in a CI log a plain line at the start,
// every `every`, and at the end. It is the batch's Observer.
type batchProgress struct {
	w     io.Writer
	term  bool
	every time.Duration
	width int
	now   func() time.Time

	mu       sync.Mutex
	begin    time.Time
	total    int
	fresh    int
	done     int // this run's results
	failed   int
	running  map[string]time.Time
	drawn    bool
	stopped  bool
	stop     chan struct{}
	wg       sync.WaitGroup
	lastLine time.Time
}

func newBatchProgress(w io.Writer, term bool, every time.Duration) *batchProgress {
	width := 80
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		width = n
	} else if n := ttyColumns(w); n >= 20 {
		width = n
	}
	return &batchProgress{w: w, term: term, every: every, width: width - 1, now: time.Now,
		running: map[string]time.Time{}, stop: make(chan struct{})}
}

// start redraws (terminal) or writes a line (log) periodically until end.
func (p *batchProgress) start() {
	p.begin = p.now()
	tick := p.every
	if p.term {
		tick = 500 * time.Millisecond
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.show(false)
				p.mu.Unlock()
			}
		}
	}()
}

func (p *batchProgress) Planned(total, fresh int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.fresh = total, fresh
	if !p.term {
		fmt.Fprintf(p.w, "imscore: batch of %s: %d kept from an earlier run (--max-age), %d to scan\n", count(total, "target", "targets"), fresh, total-fresh)
	}
}

func (p *batchProgress) Started(t batch.Target) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[t.Key()] = p.now()
	p.show(false)
}

func (p *batchProgress) Finished(t batch.Target, e report.BatchEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, t.Key())
	p.done++
	if e.Outcome == report.BatchCannotScan {
		p.failed++
	}
	p.show(false)
}

// end stops the ticker, erases the line, and (in a log) says how it went.
func (p *batchProgress) end(res batch.Result) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	close(p.stop)
	if p.term && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	el := p.now().Sub(p.begin)
	if !p.term {
		rate := ""
		if s := el.Seconds(); s > 0 && res.Scanned > 0 {
			rate = fmt.Sprintf(", %.1f targets/s", float64(res.Scanned)/s)
		}
		fmt.Fprintf(p.w, "imscore: batch ended after %s: %d done (%d could not be scanned%s), %d kept, %d unfinished; at most %d connections to one address at once\n",
			el.Round(time.Second), res.Scanned, p.failed, rate, res.Fresh, res.Unfinished, res.Peak)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// show draws the line (terminal) or writes it when `every` has passed
// (log; force writes it anyway).
func (p *batchProgress) show(force bool) {
	if p.stopped || p.begin.IsZero() {
		return
	}
	if p.term {
		p.drawn = true
		fmt.Fprint(p.w, "\r\x1b[K"+p.line(true))
		return
	}
	if now := p.now(); force || now.Sub(p.lastLine) >= p.every {
		if p.lastLine.IsZero() && !force {
			p.lastLine = now // the first line is Planned's
			return
		}
		p.lastLine = now
		fmt.Fprintln(p.w, p.line(false))
	}
}

// line is the progress without terminal controls.
func (p *batchProgress) line(withRunning bool) string {
	todo := p.total - p.fresh
	el := p.now().Sub(p.begin)
	eta := "?"
	if p.done > 0 && todo > p.done {
		eta = (time.Duration(float64(el) / float64(p.done) * float64(todo-p.done))).Round(time.Second).String()
	} else if todo <= p.done {
		eta = "0s"
	}
	// On a terminal (withRunning) a bar too.
	pre := "imscore: batch "
	if withRunning {
		pre += bar(p.fresh+p.done, p.total, 20) + " "
	}
	s := fmt.Sprintf("%s%d/%d done · %d running · %d failed · ETA %s", pre, p.fresh+p.done, p.total, len(p.running), p.failed, eta)
	if !withRunning || len(p.running) == 0 {
		return s
	}
	keys := make([]string, 0, len(p.running))
	for k := range p.running {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := p.running[a].Compare(p.running[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	run := "  " + oneLine(report.Visible(strings.Join(keys, ", ")))
	if room := p.width - len([]rune(s)); len([]rune(run)) > room {
		if room < 12 {
			return s
		}
		run = string([]rune(run)[:room-1]) + "…"
	}
	return s + run
}

// bar is a progress bar of width cells: "[########            ]".
func bar(done, total, width int) string {
	n := width
	if total > 0 {
		n = min(width, done*width/total)
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat(" ", width-n) + "]"
}

// inCI reports whether $CI says the process runs in a CI job (GitHub,
// GitLab and most others set CI=true).
func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "false" && v != "0"
}
