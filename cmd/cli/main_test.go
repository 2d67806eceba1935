package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain removes the imscore binary the batch tests built (buildImscore).
func TestMain(m *testing.M) {
	code := m.Run()
	if imscoreBin.path != "" {
		os.RemoveAll(filepath.Dir(imscoreBin.path))
	}
	os.Exit(code)
}
