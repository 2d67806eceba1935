package xmpp

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
)

// starttlsTranscript reads a recorded server answer to a STARTTLS client.
func starttlsTranscript(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "transcripts", "starttls", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runStartTLS(t *testing.T, addr string, timeout time.Duration) (*Features, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return startTLSExchange(ctx, c, StartTLSClient, "example.test")
}

func TestStartTLSTranscripts(t *testing.T) {
	cases := []struct {
		file    string
		status  probes.Status
		errPart string
	}{
		{"prosody-required.xml", probes.StatusOK, ""},
		{"no-starttls.xml", probes.StatusNoTLS, "does not offer STARTTLS"},
		{"starttls-failure.xml", probes.StatusProtocolError, "STARTTLS refused"},
		{"host-unknown.xml", probes.StatusProtocolError, "host-unknown"},
		{"not-xmpp.txt", probes.StatusProtocolError, "not XMPP"},
		{"malformed.xml", probes.StatusProtocolError, "not XMPP"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data := starttlsTranscript(t, c.file)
			addr := fakePeer(t, func(conn net.Conn) {
				conn.Write(data)
				time.Sleep(2 * time.Second) // keep the stream open; the client must not need EOF
			})
			res, err := runStartTLS(t, addr, 5*time.Second)
			if c.status == probes.StatusOK {
				if err != nil {
					t.Fatal(err)
				}
				if !res.StartTLSRequired || !strings.Contains(res.XML, "required") {
					t.Fatalf("features: %+v", res)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if probes.StatusOf(err) != c.status || !strings.Contains(err.Error(), c.errPart) {
				t.Fatalf("got %s %q, want %s containing %q", probes.StatusOf(err), err, c.status, c.errPart)
			}
		})
	}
}

func TestStartTLSHostilePeers(t *testing.T) {
	t.Run("silent", func(t *testing.T) {
		addr := fakePeer(t, func(c net.Conn) { time.Sleep(5 * time.Second) })
		start := time.Now()
		_, err := runStartTLS(t, addr, 500*time.Millisecond)
		if probes.StatusOf(err) != probes.StatusTimeout {
			t.Fatalf("got %v (%s)", err, probes.StatusOf(err))
		}
		if time.Since(start) > 3*time.Second {
			t.Fatal("not bounded by the context deadline")
		}
	})
	t.Run("slow drip", func(t *testing.T) {
		data := starttlsTranscript(t, "prosody-required.xml")
		addr := fakePeer(t, func(c net.Conn) {
			for _, b := range data {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
		start := time.Now()
		_, err := runStartTLS(t, addr, 700*time.Millisecond)
		if probes.StatusOf(err) != probes.StatusTimeout {
			t.Fatalf("got %v (%s)", err, probes.StatusOf(err))
		}
		if time.Since(start) > 3*time.Second {
			t.Fatal("slow drip not bounded")
		}
	})
	t.Run("huge features", func(t *testing.T) {
		addr := fakePeer(t, func(c net.Conn) {
			io.WriteString(c, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:features><x>")
			chunk := strings.Repeat("A", 4096)
			for i := 0; i < 1024; i++ { // 4 MiB, far past the bound
				if _, err := io.WriteString(c, chunk); err != nil {
					return
				}
			}
		})
		_, err := runStartTLS(t, addr, 5*time.Second)
		if err == nil || !strings.Contains(err.Error(), "bytes before TLS") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("closed at once", func(t *testing.T) {
		addr := fakePeer(t, func(c net.Conn) {})
		_, err := runStartTLS(t, addr, 2*time.Second)
		if probes.StatusOf(err) != probes.StatusProtocolError {
			t.Fatalf("got %v (%s)", err, probes.StatusOf(err))
		}
	})
}

func FuzzStartTLS(f *testing.F) {
	for _, name := range []string{"prosody-required.xml", "no-starttls.xml", "starttls-failure.xml", "host-unknown.xml", "malformed.xml"} {
		b, err := os.ReadFile(filepath.Join("..", "fixtures", "transcripts", "starttls", name))
		if err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		go func() {
			go io.Copy(io.Discard, server)
			server.Write(data)
			server.Close()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		startTLSExchange(ctx, client, StartTLSServer, "example.test")
		client.Close()
	})
}
