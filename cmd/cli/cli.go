// Package cli is the imscore command line (spf13/cobra). Main runs it
// in-process, so tests call Main directly.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/report"
)

// Exit codes (public contract, see DESIGN.md).
const (
	ExitOK         = 0 // done
	ExitPolicy     = 1 // below --fail-under, or a --require'd criterion did not pass
	ExitUsage      = 2 // bad command line or input
	ExitCannotScan = 3 // unreachable, DNS failure, not TLS, …
)

// Version and Commit are set at build time with
// -ldflags "-X github.com/imscore/imscore/cmd/cli.Version=…".
var (
	Version = "dev"
	Commit  = ""
)

// exitError carries an exit code and a one-line message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, a ...any) error {
	return &exitError{code: ExitUsage, msg: fmt.Sprintf(format, a...)}
}

// Main runs the imscore command line with args (without the program name)
// and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(ctx, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "imscore: "+report.Line(ee.msg, 0))
		}
		return ee.code
	}
	// Everything cobra reports (unknown command or flag, bad arguments)
	// is a usage error.
	fmt.Fprintln(stderr, "imscore: "+report.Line(err.Error(), 0))
	fmt.Fprintln(stderr, "Run 'imscore --help' for usage.")
	return ExitUsage
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func newRoot(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "imscore",
		Short: "Security scorecard and compliance tester for XMPP and Matrix servers",
		Long: `imscore probes a live server and grades it against named criteria: TLS
configuration, certificate, forward secrecy, and (for XMPP and Matrix) stream
security, E2EE support, metadata exposure, federation and compliance.

Every verdict cites what was sent and seen, and the fix for the server
software. Output as a terminal table or JSON (schema_version 1).

Exit codes: 0 done, 1 below --fail-under or a --require'd criterion did not
pass, 2 usage error, 3 could not scan (unreachable, DNS failure, not TLS).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErr("%v", err) })
	root.AddCommand(newScanCmd(stdout, stderr), newCriteriaCmd(stdout), newExplainCmd(stdout), newVersionCmd(stdout), newRenderCmd(stdout), newDiffCmd(stdout), newCompareCmd(stdout), newCatalogueCmd(stdout))
	root.AddCommand(newTestClientCmd(stdout, stderr), newBatchCmd(stdout, stderr))
	return root
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print imscore's version and commit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, c := buildInfo()
			if c == "" {
				c = "unknown"
			}
			fmt.Fprintf(stdout, "imscore %s (commit %s)\n", v, c)
			return nil
		},
	}
}

// buildInfo returns the version and commit, from ldflags or the Go build
// information.
func buildInfo() (version, commit string) {
	version, commit = Version, Commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		if commit == "" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					commit = s.Value
				}
			}
		}
	}
	return version, commit
}

// stdoutIsTerminal reports whether w is a terminal (for colour).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeCharDevice != 0
}
