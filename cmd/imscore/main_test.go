package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGHUP (the terminal closed) ends a client test like Ctrl-C: the
// client's process group is stopped before imscore exits.
func TestSIGHUPCleansUp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "imscore")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	pidFile := filepath.Join(dir, "pid")
	cmd := exec.Command(bin, "test-client", "xmpp", "--domain", "test.example", "--listen", "127.0.0.1:0",
		"--scenario", "login", "--scenario-timeout", "60s", "-q",
		"--exec", "echo $$ > '"+pidFile+"'; exec sleep 300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var client int
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if client > 0 {
			_ = syscall.Kill(-client, syscall.SIGKILL)
		}
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for client == 0 {
		if b, err := os.ReadFile(pidFile); err == nil {
			client, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		if time.Now().After(deadline) {
			t.Fatal("the client was not started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("imscore died of %v instead of cleaning up (%v)", ws.Signal(), err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("imscore did not end after SIGHUP")
	}
	if syscall.Kill(client, 0) == nil {
		t.Errorf("the client %d outlived imscore", client)
	}
}
