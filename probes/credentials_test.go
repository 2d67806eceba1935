package probes

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestCredentialsNeverPrintPassword(t *testing.T) {
	c := &Credentials{Account: "alice@example.test", Password: "s3cr3t-pw"}
	for _, s := range []string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c), c.String(),
		fmt.Sprintf("%v", *c), fmt.Sprintf("%+v", *c),
	} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("password printed: %s", s)
		}
	}
	b, _ := json.Marshal(c)
	if strings.Contains(string(b), "s3cr3t") {
		t.Errorf("password marshalled: %s", b)
	}
	if got := c.Redact("auth s3cr3t-pw end"); got != "auth [redacted] end" {
		t.Errorf("Redact = %q", got)
	}
}

func TestRedactEscapedForms(t *testing.T) {
	c := &Credentials{Account: "a@x", Password: `p<&'"w d`}
	for _, echoed := range []string{`p&lt;&amp;&#39;&#34;w d`, `p&lt;&amp;&apos;&#34;w d`, `p\u003c\u0026'\"w d`, "p%3C%26%27%22w+d", "p%3C&%27%22w%20d", `p<&'"w d`} {
		if got := c.Redact("x " + echoed + " y"); got != "x [redacted] y" {
			t.Errorf("Redact(%q) = %q", echoed, got)
		}
	}
}
