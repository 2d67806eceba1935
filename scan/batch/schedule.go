package batch

import (
	"container/list"
	"time"
)

// schedule decides which target starts next: the first in the list's
// order whose domain is not being scanned and was last scanned at least
// gap ago, no sooner than the rate allows. Concurrency is the caller's.
// Targets are queued per domain, so picking the next one looks only at
// domains that wait (busy or in their gap), not at the whole list.
type schedule struct {
	gap      time.Duration
	interval time.Duration // between two starts (--rate); 0: no limit

	order     *list.List // *domainQueue with targets left, in first-listed order
	byDomain  map[string]*list.Element
	busy      map[string]bool
	freeAt    map[string]time.Time // a domain's next scan may start then
	nextStart time.Time
	left      int
}

type domainQueue struct {
	domain  string
	targets []int
}

func newSchedule(gap time.Duration, rate float64) *schedule {
	s := &schedule{gap: gap, order: list.New(), byDomain: map[string]*list.Element{}, busy: map[string]bool{}, freeAt: map[string]time.Time{}}
	if rate > 0 {
		s.interval = time.Duration(float64(time.Second) / rate)
	}
	return s
}

// push queues target i of domain.
func (s *schedule) push(i int, domain string) {
	el := s.byDomain[domain]
	if el == nil {
		el = s.order.PushBack(&domainQueue{domain: domain})
		s.byDomain[domain] = el
	}
	q := el.Value.(*domainQueue)
	q.targets = append(q.targets, i)
	s.left++
}

// left is the number of targets not started yet.
func (s *schedule) pending() int { return s.left }

// next returns the target to start now, or, when none may start yet, how
// long until one may (0: only when a running scan ends).
func (s *schedule) next(now time.Time) (i int, ok bool, wait time.Duration) {
	if s.left == 0 {
		return 0, false, 0
	}
	if now.Before(s.nextStart) {
		return 0, false, s.nextStart.Sub(now)
	}
	for el := s.order.Front(); el != nil; el = el.Next() {
		q := el.Value.(*domainQueue)
		if s.busy[q.domain] {
			continue
		}
		if free := s.freeAt[q.domain]; now.Before(free) {
			if d := free.Sub(now); wait == 0 || d < wait {
				wait = d
			}
			continue
		}
		i = q.targets[0]
		q.targets = q.targets[1:]
		if len(q.targets) == 0 {
			s.order.Remove(el)
			delete(s.byDomain, q.domain)
		}
		s.busy[q.domain] = true
		delete(s.freeAt, q.domain)
		s.left--
		if s.interval > 0 {
			s.nextStart = now.Add(s.interval)
		}
		return i, true, 0
	}
	return 0, false, wait
}

// done marks domain's scan as ended at now.
func (s *schedule) done(domain string, now time.Time) {
	delete(s.busy, domain)
	if s.gap > 0 {
		if _, waiting := s.byDomain[domain]; waiting {
			s.freeAt[domain] = now.Add(s.gap)
		}
	}
}
