//go:build !unix

package cli

import "io"

// ttyColumns is 0 where the terminal's width is not asked for.
func ttyColumns(io.Writer) int { return 0 }
