package advisories

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a release number as servers disclose it: dotted numbers
// ("0.12.3", "23.01", "1.127.1"), optionally a pre-release ("1.127.0rc1",
// "0.13.0-rc2": before the release) and trailing text that does not change
// the comparison — build metadata ("0.13.8+a1b2c3"), a distribution
// revision ("23.01-1", "0.12.3-1+deb12u1"), a branch note ("1.98.0
// (b=release-v1.98,…)").
type Version struct {
	Raw  string
	Nums []int
	// Pre is the pre-release rank: 0 none, else rc/beta/alpha/dev with
	// its number, which sort before the release.
	Pre     int
	PreName string
	// Distro: the string carries a distribution revision (a Debian/RPM
	// "-N", "+debNuM", "ubuntu", "~", ".elN", ".fcN").
	Distro bool
}

var (
	versionRe = regexp.MustCompile(`^v?(\d+(?:\.\d+){0,3})(?:[-.~]?(rc|beta|b|alpha|a|dev|pre)\.?(\d*))?(.*)$`)
	distroRe  = regexp.MustCompile(`(?i)^-\d|deb\d|ubuntu|~|\.el\d|\.fc\d|-\d+\.(el|fc)`)
	// uncertainRe: text that says the version is not a release at all
	// (a nightly or development snapshot of an unknown commit).
	uncertainRe = regexp.MustCompile(`(?i)nightly|trunk|hg:|git|snapshot|unknown|dev`)
)

// ParseVersion reads a disclosed version; ok is false when it does not
// start with a release number or says it is a snapshot.
func ParseVersion(s string) (Version, bool) {
	raw := strings.TrimSpace(s)
	m := versionRe.FindStringSubmatch(raw)
	if m == nil {
		return Version{Raw: raw}, false
	}
	v := Version{Raw: raw}
	for _, p := range strings.Split(m[1], ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n > 1_000_000 {
			return v, false
		}
		v.Nums = append(v.Nums, n)
	}
	if m[2] != "" {
		rank := map[string]int{"rc": 4, "pre": 4, "beta": 3, "b": 3, "alpha": 2, "a": 2, "dev": 1}[strings.ToLower(m[2])]
		n, _ := strconv.Atoi(m[3])
		v.Pre, v.PreName = rank*1000+min(n, 999), m[2]+m[3]
	}
	rest := m[4]
	// A development snapshot ("0.12 nightly build 145", "24.12.0-dev") is
	// no release: its fixes cannot be told from its number.
	if uncertainRe.MatchString(rest) || strings.EqualFold(m[2], "dev") {
		return v, false
	}
	v.Distro = distroRe.MatchString(rest)
	return v, true
}

// Compare orders versions: missing trailing numbers count as 0 (23.01 ==
// 23.1.0), a pre-release sorts before its release.
func Compare(a, b Version) int {
	for i := 0; i < max(len(a.Nums), len(b.Nums)); i++ {
		x, y := 0, 0
		if i < len(a.Nums) {
			x = a.Nums[i]
		}
		if i < len(b.Nums) {
			y = b.Nums[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	pa, pb := a.Pre, b.Pre
	if pa == 0 {
		pa = 1 << 20
	}
	if pb == 0 {
		pb = 1 << 20
	}
	switch {
	case pa < pb:
		return -1
	case pa > pb:
		return 1
	}
	return 0
}

type comparison struct {
	op string
	v  Version
}

// parseRange reads "<0.12.6", ">=13.0.0 <13.0.5", "=1.2.3".
func parseRange(s string) ([]comparison, error) {
	var out []comparison
	for _, f := range strings.Fields(s) {
		op := strings.TrimRight(f, "0123456789.")
		for _, o := range []string{">=", "<=", ">", "<", "="} {
			if strings.HasPrefix(f, o) {
				op = o
				break
			}
		}
		v, ok := ParseVersion(strings.TrimPrefix(f, op))
		if !ok || v.Raw == "" || !strings.Contains(">=<=>", op) || op == "" {
			return nil, fmt.Errorf("range %q: %q is not a comparison with a version", s, f)
		}
		out = append(out, comparison{op, v})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty range")
	}
	return out, nil
}

func matches(cs []comparison, v Version) bool {
	for _, c := range cs {
		d := Compare(v, c.v)
		ok := map[string]bool{"<": d < 0, "<=": d <= 0, ">": d > 0, ">=": d >= 0, "=": d == 0}[c.op]
		if !ok {
			return false
		}
	}
	return true
}

// String is the version as disclosed.
func (v Version) String() string { return v.Raw }
