package clienttest

import (
	"context"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// emfileListener fails its first Accepts as a process out of file
// descriptors does.
type emfileListener struct {
	net.Listener
	fails atomic.Int32
}

func (l *emfileListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// An accept error such as EMFILE does not stop the tester: it tries again
// and serves the client.
func TestAcceptRetriesAfterEMFILE(t *testing.T) {
	shortTimings(t)
	tt := newTester(t, []string{"starttls-stripped"}, "", 3*time.Second)
	sc, _ := Lookup("starttls-stripped")
	tt.cfg.Scenarios = []Scenario{sc}
	l := &emfileListener{Listener: tt.cfg.Listener}
	l.fails.Store(5)
	tt.cfg.Listener = l
	done := make(chan *Result, 1)
	go func() { done <- tt.Run(context.Background())[ProbeID("starttls-stripped")].Data.(*Result) }()
	c, err := net.Dial("tcp", net.JoinHostPort(tt.Host(), tt.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	write(t, c, header)
	time.Sleep(200 * time.Millisecond)
	c.Close()
	select {
	case r := <-done:
		if len(r.Sessions) != 1 || !r.Sessions[0].Header {
			t.Fatalf("the client was not served after accept errors: %d session(s)", len(r.Sessions))
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the tester did not end")
	}
}

// An interactive run keeps a bounded number of connections for later
// scenarios and closes the rest.
func TestInteractiveBacklogBounded(t *testing.T) {
	shortTimings(t)
	tt := newTester(t, []string{"starttls-stripped", "starttls-optional"}, "", 3*time.Second)
	a, _ := Lookup("starttls-stripped")
	b, _ := Lookup("starttls-optional")
	tt.cfg.Scenarios = []Scenario{a, b}
	done := make(chan struct{})
	go func() { tt.Run(context.Background()); close(done) }()
	defer func() { <-done }()
	addr := net.JoinHostPort(tt.Host(), tt.Port())
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	time.Sleep(100 * time.Millisecond)
	const extra = maxBacklog + 8
	var cs []net.Conn
	for i := 0; i < extra; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs = append(cs, c)
		time.Sleep(5 * time.Millisecond)
	}
	// All read at once within the first scenario (its silent client
	// holds it for 3 s), before the end of the run closes every
	// connection.
	var closed atomic.Int32
	var wg sync.WaitGroup
	until := time.Now().Add(500 * time.Millisecond)
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(until)
			if _, err := c.Read(make([]byte, 1)); err != nil && !os.IsTimeout(err) {
				closed.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := int(closed.Load()); n < extra-maxBacklog {
		t.Errorf("%d of %d waiting connections closed, want at least %d", n, extra, extra-maxBacklog)
	}
}
