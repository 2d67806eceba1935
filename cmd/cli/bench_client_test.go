package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/imscore/imscore/fixtures/clients"
	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/xmpp/clienttest"
)

// BenchmarkClientTestGoSendXMPP is the whole 'imscore test-client xmpp' run
// against go-sendxmpp: every scenario (go-sendxmpp started once per
// scenario through --exec, the README's command), criteria and the JSON
// report. It reports the scenarios per run and the client starts.
func BenchmarkClientTestGoSendXMPP(b *testing.B) {
	testenv.Need(b, "go-sendxmpp")
	out := filepath.Join(b.TempDir(), "client.json")
	args := []string{"test-client", "xmpp", "--domain", "test.example", "--listen", "127.0.0.1:0",
		"--exec", clients.GoSendXMPP, "--scenario-timeout", "8s", "-q", "--format", "json", "-o", out}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), args, &stdout, &stderr); code != ExitOK {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	b.ReportMetric(float64(len(clienttest.Scenarios)), "scenarios/op")
}
