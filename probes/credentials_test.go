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
