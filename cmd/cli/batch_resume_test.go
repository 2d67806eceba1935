package cli

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
)

var imscoreBin struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// buildImscore builds cmd/imscore once per test binary.
func buildImscore(t testing.TB) string {
	t.Helper()
	imscoreBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "imscore-bin-")
		if err != nil {
			imscoreBin.err = err
			return
		}
		imscoreBin.path = filepath.Join(dir, "imscore")
		cmd := exec.Command("go", "build", "-o", imscoreBin.path, "../imscore")
		imscoreBin.out, imscoreBin.err = cmd.CombinedOutput()
	})
	if imscoreBin.err != nil {
		t.Fatalf("go build ./cmd/imscore: %v\n%s", imscoreBin.err, imscoreBin.out)
	}
	return imscoreBin.path
}

// batchProc is an `imscore batch` subprocess in its own process group.
type batchProc struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan struct{}
}

func startBatch(t *testing.T, args ...string) *batchProc {
	t.Helper()
	p := &batchProc{cmd: exec.Command(buildImscore(t), append([]string{"batch"}, args...)...), done: make(chan struct{})}
	p.cmd.Stderr = &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

// wait waits for the process to end (bounded) and returns its exit code.
func (p *batchProc) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("imscore batch still running after %s:\n%s", limit, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// indexCount is the number of lines in dir/index.jsonl.
func indexCount(dir string) int {
	b, _ := os.ReadFile(filepath.Join(dir, "index.jsonl"))
	return bytes.Count(b, []byte("\n"))
}

// waitIndex polls until index.jsonl has at least n lines.
func waitIndex(t *testing.T, p *batchProc, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for indexCount(dir) < n {
		select {
		case <-p.done:
			t.Fatalf("the batch ended before %d targets were done:\n%s", n, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d index lines within 2 minutes:\n%s", n, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type fileState struct {
	mod  time.Time
	hash [32]byte
}

// targetFiles maps every target file of dir to its time and content.
func targetFiles(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	names, _ := filepath.Glob(filepath.Join(dir, "xmpp", "*.json"))
	for _, n := range names {
		fi, err := os.Stat(n)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := report.ReadJSON(bytes.NewReader(b)); err != nil {
			t.Errorf("%s is not a whole report: %v", n, err)
		}
		out[filepath.Base(n)] = fileState{fi.ModTime(), sha256.Sum256(b)}
	}
	return out
}

// TestBatchKillAndResume: a real `imscore batch` of 30 domains on one
// Prosody is killed (SIGKILL) mid-run, then run again: every target that
// had finished keeps its file untouched and is not scanned again, every
// other one is scanned, and the index ends with one line per target. The
// same with Ctrl-C (SIGINT): the batch stops at once, says how far it got,
// and the next run completes it.
func TestBatchKillAndResume(t *testing.T) {
	testenv.Need(t, "prosody")
	lab := newBatchLab(t)
	lab.prosody(t, "127.0.0.2", domains("r", 30), testenv.ProsodyOptions{RequireTLS: true, S2SRequireTLS: true})
	list := lab.writeList(t)
	args := func(out string) []string {
		return append([]string{list, "--out", out, "--allow-private", "--concurrency", "2", "--per-address", "1", "--domain-gap", "0", "-q"}, lab.args()...)
	}

	out := filepath.Join(t.TempDir(), "out")
	p := startBatch(t, args(out)...)
	waitIndex(t, p, out, 6)
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 30*time.Second)
	killed := time.Now()
	before := targetFiles(t, out)
	lines := indexCount(out)
	t.Logf("killed with %d target files and %d index lines", len(before), lines)
	if len(before) < 6 || len(before) >= 30 {
		t.Fatalf("%d of 30 targets done when killed: not mid-run", len(before))
	}

	p = startBatch(t, append(args(out), "--progress-every", "1h")...)
	if code := p.wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("the second run: exit %d\n%s", code, p.stderr.String())
	}
	after := targetFiles(t, out)
	if len(after) != 30 {
		t.Errorf("%d target files after the second run, want 30", len(after))
	}
	for name, st := range before {
		if after[name] != st {
			t.Errorf("%s was rewritten by the second run", name)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(out, "index.jsonl"))
	seen := map[string]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		e, err := report.ReadBatchEntry(line)
		if err != nil {
			t.Fatal(err)
		}
		if seen[e.Key()] {
			t.Errorf("%s has two index lines", e.Key())
		}
		seen[e.Key()] = true
		_, kept := before[filepath.Base(e.File)]
		if kept == e.StartedAt.After(killed) {
			t.Errorf("%s: started %s, kill at %s, kept from the first run: %v", e.Key(), e.StartedAt, killed, kept)
		}
	}
	if len(seen) != 30 {
		t.Errorf("%d index lines, want 30", len(seen))
	}
	runs, _ := os.ReadFile(filepath.Join(out, "runs.jsonl"))
	if !bytes.Contains(runs, []byte(`"scanned_now":`+strconv.Itoa(30-len(before)))) {
		t.Errorf("the second run did not scan exactly the %d unfinished targets: %s", 30-len(before), runs)
	}

	// Ctrl-C.
	out2 := filepath.Join(t.TempDir(), "out")
	p = startBatch(t, args(out2)...)
	waitIndex(t, p, out2, 3)
	sent := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t, 30*time.Second)
	stopped := time.Since(sent)
	stderr := p.stderr.String()
	t.Logf("SIGINT: exit %d after %s: %s", code, stopped.Round(time.Millisecond), stderr)
	if code != ExitCannotScan || !strings.Contains(stderr, "imscore: interrupted: ") || !strings.Contains(stderr, "of 30 targets have a result; run the same command again to go on") {
		t.Errorf("SIGINT: exit %d: %s", code, stderr)
	}
	if stopped > 10*time.Second {
		t.Errorf("the batch took %s to stop after SIGINT", stopped)
	}
	kept := targetFiles(t, out2)
	if n := indexCount(out2); n != len(kept) {
		t.Errorf("after SIGINT: %d index lines for %d files", n, len(kept))
	}
	p = startBatch(t, args(out2)...)
	if code := p.wait(t, 3*time.Minute); code != 0 || indexCount(out2) != 30 {
		t.Errorf("after SIGINT, the next run: exit %d, %d index lines\n%s", code, indexCount(out2), p.stderr.String())
	}
}
