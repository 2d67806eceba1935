//go:build !unix

package batch

// lockDir does not lock where flock is missing.
func lockDir(dir string) (func(), error) { return func() {}, nil }
