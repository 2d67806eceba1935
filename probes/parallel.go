package probes

import (
	"context"
	"sync"
)

// EndpointConcurrency bounds how many endpoints of one service a probe
// works on at once.
const EndpointConcurrency = 4

// Parallel runs fn(0) … fn(n-1), at most limit at a time (at least one),
// and returns when all have returned. It starts no more goroutines than
// are allowed to run.
//
// A panic in fn is re-raised in the caller's goroutine once every call has
// returned, so the runner's recover turns it into an error observation
// instead of the panic killing the whole scan.
func Parallel(n, limit int, fn func(i int)) {
	sem := make(chan struct{}, max(1, limit))
	var wg sync.WaitGroup
	var once sync.Once
	var panicked any
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if r := recover(); r != nil {
					once.Do(func() { panicked = r })
				}
			}()
			fn(i)
		}()
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// ForEndpoints runs fn for every endpoint, EndpointConcurrency at a time,
// and returns the results in endpoint order.
func ForEndpoints[T any](ctx context.Context, eps []Endpoint, fn func(context.Context, Endpoint) T) []T {
	out := make([]T, len(eps))
	Parallel(len(eps), EndpointConcurrency, func(i int) { out[i] = fn(ctx, eps[i]) })
	return out
}
