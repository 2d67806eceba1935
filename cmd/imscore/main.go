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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
