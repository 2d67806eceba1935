package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
)

// BenchmarkBatch runs the real `imscore batch` binary over 250 and 1,000
// targets of a loopback lab: a tenth are XMPP domains hosted by four
// Prosody servers (127.0.0.2–.5, 25 domains each), the rest unknown names
// (XMPP and Matrix, half each) that fail fast at the local DNS server.
// It reports targets per second and the batch process's peak RSS: reports
// go to disk as each target ends, so the peak must not grow with the
// number of targets (it fails when 1,000 targets take half as much again
// as 250). Run it alone:
//
//	go test ./cmd/cli -run '^$' -bench BenchmarkBatch -benchtime 1x
func BenchmarkBatch(b *testing.B) {
	testenv.Need(b, "prosody")
	bin := buildImscore(b)
	pki := testenv.NewPKI(b)
	dns := testenv.StartDNS(b, "lab.test. 60 IN A 127.0.0.1\n", true)
	lab := &batchLab{pki: pki, dns: dns}
	var real []string
	for s := 0; s < 4; s++ {
		ip := fmt.Sprintf("127.0.0.%d", s+2)
		ds := domains(fmt.Sprintf("s%d-", s), 25)
		lab.prosody(b, ip, ds, testenv.ProsodyOptions{RequireTLS: true, S2SRequireTLS: true})
		real = append(real, ds...)
	}
	peak := map[int]float64{}
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("targets=%d", n), func(b *testing.B) {
			var lines []string
			for i := 0; i < n; i++ {
				switch {
				case i%10 == 0:
					lines = append(lines, "xmpp:"+real[(i/10)%len(real)])
				case i%2 == 0:
					lines = append(lines, fmt.Sprintf("xmpp:nx%04d.test", i))
				default:
					lines = append(lines, fmt.Sprintf("matrix:nx%04d.test", i))
				}
			}
			list := filepath.Join(b.TempDir(), "targets.txt")
			if err := os.WriteFile(list, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				b.Fatal(err)
			}
			var rate, rss float64
			for i := 0; i < b.N; i++ {
				out := filepath.Join(b.TempDir(), "out")
				cmd := exec.Command(bin, append([]string{"batch", list, "--out", out, "--allow-private", "--concurrency", "16",
					"--per-address", "4", "--domain-gap", "0", "-q"}, lab.args()...)...)
				start := time.Now()
				outb, err := cmd.CombinedOutput()
				took := time.Since(start)
				if code := cmd.ProcessState.ExitCode(); code != ExitCannotScan {
					b.Fatalf("exit %d (%v), want 3 (the unknown names):\n%s", code, err, outb)
				}
				if got := indexCount(out); got != n {
					b.Fatalf("%d index lines, want %d", got, n)
				}
				rate = float64(n) / took.Seconds()
				rss = float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
				b.Logf("%d targets in %s: %.1f targets/s, peak RSS %.1f MiB", n, took.Round(time.Millisecond), rate, rss)
			}
			b.ReportMetric(rate, "targets/s")
			b.ReportMetric(rss, "peak-RSS-MiB")
			peak[n] = rss
		})
	}
	// Four times the targets, about the same memory: what grows with the
	// list is the list itself and a small row per target, not reports.
	small, large := peak[benchSizes[0]], peak[benchSizes[len(benchSizes)-1]]
	if small > 0 && large > small*1.5 {
		b.Errorf("peak RSS grows with the targets: %.1f MiB for %d, %.1f MiB for %d", small, benchSizes[0], large, benchSizes[len(benchSizes)-1])
	}
}

// benchSizes are the batch sizes BenchmarkBatch runs.
var benchSizes = []int{250, 1000}
