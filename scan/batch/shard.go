package batch

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is part i of n (1 ≤ i ≤ n) of a list: --shard i/n.
type Shard struct{ I, N int }

// ParseShard reads "i/n".
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || n > 10000 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("--shard %q: want i/n with 1 ≤ i ≤ n ≤ 10000 (e.g. 2/8)", s)
	}
	return Shard{I: i, N: n}, nil
}

// String is "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// Has reports whether t belongs to the shard. It depends only on t's key
// (FNV-1a), not on the list's order, so every job of a CI matrix or of
// Kubernetes indexed jobs given the same list (or the same list edited)
// agrees on who scans what, and the n shards cover each target once.
func (s Shard) Has(t Target) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(t.Key()))
	return int(h.Sum64()%uint64(s.N)) == s.I-1
}

// Select keeps the targets of the shard, in order.
func (s Shard) Select(ts []Target) []Target {
	var out []Target
	for _, t := range ts {
		if s.Has(t) {
			out = append(out, t)
		}
	}
	return out
}
