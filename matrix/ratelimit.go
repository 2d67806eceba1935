package matrix

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imscore/imscore/probes"
)

// Bounds of the rate-limit test.
const (
	// MaxRateLimitRequests is the whole budget of the rate-limit test (split
	// over the client addresses); RateLimitWorkers how many are in flight at
	// once; RateLimitTime bounds the test per address.
	MaxRateLimitRequests = 30
	RateLimitWorkers     = 10
	RateLimitTime        = 15 * time.Second
)

// Rate-limit test phases (RateLimitPhase.Mode).
const (
	// PhaseOneConnection: sequential failing logins over one kept-alive
	// connection, as a careless client would send them.
	PhaseOneConnection = "one-connection"
	// PhaseNewConnections: RateLimitWorkers at a time, each over a new
	// connection (a new source port), as an attacker would send them.
	PhaseNewConnections = "new-connections"
)

// RateLimitPhase is one burst of failing logins.
type RateLimitPhase struct {
	Mode string `json:"mode"`
	// Budget is how many requests were allowed; Sent how many went out.
	Budget int `json:"budget"`
	Sent   int `json:"sent"`
	// Statuses counts the answers by HTTP status (0: no answer).
	Statuses map[int]int `json:"statuses"`
	// LimitedAfter is how many requests had been answered normally when the
	// first limiting answer came; LimitStatus that status (429, or 503 after
	// normal answers: a proxy's limit; 0: none came); RetryAfterMS the
	// server's retry_after_ms.
	LimitedAfter int   `json:"limited_after,omitempty"`
	LimitStatus  int   `json:"limit_status,omitempty"`
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
	DurationMS   int64 `json:"duration_ms"`
	// Samples are the first answer, the first limiting one and the last
	// (every request is counted in Statuses).
	Samples []Attempt `json:"samples"`
}

// Complete reports whether the phase measured something: a limit came, or
// every request of the budget was answered without a server error.
func (p *RateLimitPhase) Complete() bool {
	if p.LimitStatus != 0 {
		return true
	}
	for st, n := range p.Statuses {
		if n > 0 && (st == 0 || st >= 500) {
			return false
		}
	}
	return p.Sent >= p.Budget
}

// RateLimitEndpoint is the rate-limit test on one client address: first
// over one connection, then over new connections.
type RateLimitEndpoint struct {
	Endpoint      probes.Endpoint `json:"endpoint"`
	OneConnection RateLimitPhase  `json:"one_connection"`
	NewConns      RateLimitPhase  `json:"new_connections"`
}

// RateLimitData is the data of matrix.client.ratelimit.
type RateLimitData struct {
	Base ClientBase `json:"base"`
	// User is the made-up account the failing logins name.
	User      string              `json:"user"`
	Endpoints []RateLimitEndpoint `json:"endpoints"`
}

// RateLimit is the observation of the rate-limit test (only with --active):
// failing logins until the server rate-limits them.
var RateLimit = probes.Key[*RateLimitData]{ID: "matrix.client.ratelimit"}

// randomPassword is the wrong password of the rate-limit test.
func randomPassword() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "imscore-wrong-" + hex.EncodeToString(b[:])
}

func rateLimitProbe(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
	d := dataOf(in)
	ld, _ := LoginFlows.OK(in)
	if ld == nil {
		return probes.Observation{Status: probes.StatusError, Reason: "no login-flow data (bug)"}
	}
	rd := &RateLimitData{Base: ld.Base, User: "@" + ProbeLocalpart + ":" + localName(in, d)}
	var eps []probes.Endpoint
	for _, e := range ld.Endpoints {
		if e.Login.Answered() {
			eps = append(eps, e.Endpoint)
		}
	}
	if len(eps) == 0 {
		return probes.Observation{Status: probes.StatusError, Reason: "no client address answered GET /login", Data: rd}
	}
	if len(eps) > MaxRateLimitRequests/2 {
		// At least two requests per address, and never more than the
		// documented total.
		eps = eps[:MaxRateLimitRequests/2]
	}
	budget := max(2, MaxRateLimitRequests/len(eps))
	rd.Endpoints = probes.ForEndpoints(ctx, eps, func(ctx context.Context, ep probes.Endpoint) RateLimitEndpoint {
		ctx, cancel := context.WithTimeout(ctx, RateLimitTime)
		defer cancel()
		body, _ := json.Marshal(map[string]any{
			"type":       "m.login.password",
			"identifier": map[string]string{"type": "m.id.user", "user": rd.User},
			"password":   randomPassword(),
		})
		one := budget * 2 / 5
		r := RateLimitEndpoint{Endpoint: ep}
		r.OneConnection = rateLimitPhase(ctx, env, ld.Base, ep, body, PhaseOneConnection, one)
		r.NewConns = rateLimitPhase(ctx, env, ld.Base, ep, body, PhaseNewConnections, budget-one)
		return r
	})
	var ev []probes.Evidence
	for _, e := range rd.Endpoints {
		for _, p := range []*RateLimitPhase{&e.OneConnection, &e.NewConns} {
			for _, a := range p.Samples {
				ev = append(ev, a.Exchange.Evidence())
			}
		}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: rd}
}

// rateLimitPhase sends up to budget failing logins and stops at the first
// 429 (or a 503 after normal answers: a proxy's limit). One connection:
// sequentially over one kept-alive connection; new connections:
// RateLimitWorkers at a time, a new connection each.
func rateLimitPhase(ctx context.Context, env *probes.Env, b ClientBase, ep probes.Endpoint, body []byte, mode string, budget int) RateLimitPhase {
	r := RateLimitPhase{Mode: mode, Budget: budget, Statuses: map[int]int{}}
	req := request{Method: http.MethodPost, URL: b.BaseURL + "/_matrix/client/v3/login", Addr: ep.Addr, VerifyName: b.VerifyName,
		Strict: b.Via == "well-known", Max: MaxSmall, Header: map[string]string{"Content-Type": "application/json"}, Body: body}
	workers := RateLimitWorkers
	var tls Exchange
	if mode == PhaseOneConnection {
		workers = 1
		req.Conn = keepAlive(env, req, &tls)
		defer req.Conn.CloseIdleConnections()
	}
	start := env.Clock.Now()
	var (
		mu                 sync.Mutex
		next               atomic.Int64
		stop               atomic.Bool
		answered           int
		first, limit, last *Attempt
	)
	probes.Parallel(workers, workers, func(int) {
		for !stop.Load() && ctx.Err() == nil {
			if next.Add(1) > int64(budget) {
				return
			}
			a := attempt(do(ctx, env, req))
			a.Exchange.Body = nil
			if a.Exchange.TLSVersion == "" && tls.TLSVersion != "" {
				a.Exchange.TLSVersion, a.Exchange.CertVerified, a.Exchange.CertError, a.Exchange.SNI = tls.TLSVersion, tls.CertVerified, tls.CertError, tls.SNI
			}
			st := a.Exchange.Status
			mu.Lock()
			r.Sent++
			r.Statuses[st]++
			isLimit := st == 429 || (st == 503 && answered > 0)
			switch {
			case isLimit && limit == nil:
				limit = &a
				r.LimitedAfter, r.LimitStatus = answered, st
				r.RetryAfterMS = retryAfter(a)
				stop.Store(true)
			case st != 0 && !isLimit:
				answered++
				if first == nil {
					first = &a
				}
			}
			last = &a
			mu.Unlock()
		}
	})
	r.DurationMS = env.Clock.Now().Sub(start).Milliseconds()
	var kept []*Attempt
	for _, a := range []*Attempt{first, limit, last} {
		if a != nil && (len(kept) == 0 || kept[len(kept)-1] != a) && (len(kept) < 2 || kept[0] != a) {
			kept = append(kept, a)
			r.Samples = append(r.Samples, *a)
		}
	}
	return r
}

// retryAfter reads retry_after_ms of a 429 answer (the sample: the body is
// dropped).
func retryAfter(a Attempt) int64 {
	var v struct {
		Retry int64 `json:"retry_after_ms"`
	}
	_ = json.Unmarshal([]byte(a.Exchange.Sample), &v)
	return v.Retry
}
