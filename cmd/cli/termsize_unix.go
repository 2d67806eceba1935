//go:build unix

package cli

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// ttyColumns is the width of the terminal w writes to (0 when w is not a
// terminal or does not say).
func ttyColumns(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
