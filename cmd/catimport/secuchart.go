package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/imscore/imscore/criteria/catalogue"
)

// Snapshot identifies the SecuChart data the import read.
type Snapshot struct {
	Commit string
	Date   string // YYYY-MM-DD
}

var readmeRE = regexp.MustCompile(`commit ([0-9a-f]{40}) \((\d{4}-\d{2}-\d{2})\)`)

// ReadSnapshot reads the commit and date from the README of our copy of
// SecuChart.
func ReadSnapshot(dir string) (Snapshot, error) {
	b, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		return Snapshot{}, err
	}
	m := readmeRE.FindSubmatch(b)
	if m == nil {
		return Snapshot{}, fmt.Errorf("%s/README.md: no \"commit HASH (YYYY-MM-DD)\" line", dir)
	}
	return Snapshot{Commit: string(m[1]), Date: string(m[2])}, nil
}

// row is one property line of a SecuChart file.
type row struct {
	value, details, notes string
}

// ReadCSV reads one SecuChart file: property;value;details;notes.
func ReadCSV(r io.Reader) (map[string]row, error) {
	out := map[string]row{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), ";", 4)
		for len(f) < 4 {
			f = append(f, "")
		}
		p := strings.TrimSpace(f[0])
		if p == "" {
			continue
		}
		out[p] = row{value: strings.ToLower(strings.TrimSpace(f[1])), details: f[2], notes: f[3]}
	}
	return out, sc.Err()
}

var urlRE = regexp.MustCompile(`https?://[^\s<>"'\x60]+`)

// URLs returns the well-formed http(s) URLs in s, in order, without
// duplicates (trailing punctuation is not part of a URL).
func URLs(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range urlRE.FindAllString(s, -1) {
		u = strings.TrimRight(u, ".,;:!?)]}")
		if catalogue.CheckURL(u) != nil || seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, u)
	}
	return out
}
