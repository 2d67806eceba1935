// Command imscore is a security scorecard and compliance tester for XMPP
// and Matrix servers. See README.md, or run 'imscore --help'.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/imscore/imscore/cmd/cli"
)

// main: Ctrl-C, SIGTERM and SIGHUP (the terminal closed) cancel the run,
// so that what it started (a client's process group, temp dirs) is
// cleaned up.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
