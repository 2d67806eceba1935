package tls

import (
	"reflect"
	"testing"
)

// A Target without protocol knowledge is plain direct TLS to Host, checked
// against Host (or against the SNI when one is given).
func TestTargetDefaults(t *testing.T) {
	cases := []struct {
		t        Target
		sni      string
		refNames []string
	}{
		{Target{Host: "host.test."}, "host.test", []string{"host.test."}},
		{Target{Host: "127.0.0.1"}, "", []string{"127.0.0.1"}},
		{Target{Host: "[::1]"}, "", []string{"::1"}},
		{Target{Host: "127.0.0.1", SNI: "name.test"}, "name.test", []string{"name.test"}},
		{Target{Host: "host.test", References: ReferenceIDs{DNS: []string{"a.test"}, SRV: []string{"_x.a.test"}}}, "host.test", []string{"a.test", "_x.a.test"}},
	}
	for _, c := range cases {
		if got := c.t.ServerName(); got != c.sni {
			t.Errorf("%+v: SNI %q, want %q", c.t, got, c.sni)
		}
		if got := c.t.referenceIDs().Names(); !reflect.DeepEqual(got, c.refNames) {
			t.Errorf("%+v: references %q, want %q", c.t, got, c.refNames)
		}
	}
}
