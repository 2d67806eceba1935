package xmpp

import (
	"reflect"
	"testing"
)

func TestReferenceIDs(t *testing.T) {
	cases := []struct {
		service string
		want    []string // tls.ReferenceIDs.Names(), as the handshake probe reports them
	}{
		{ServiceClient, []string{"Example.Test", "_xmpp-client.example.test", "xmpp:Example.Test"}},
		{ServiceServer, []string{"Example.Test", "_xmpp-server.example.test", "xmpp:Example.Test"}},
		{ServiceClientTLS, []string{"Example.Test", "_xmpp-client.example.test", "_xmpps-client.example.test", "xmpp:Example.Test"}},
		{ServiceServerTLS, []string{"Example.Test", "_xmpp-server.example.test", "_xmpps-server.example.test", "xmpp:Example.Test"}},
	}
	for _, c := range cases {
		tt := tlsTarget("Example.Test", c.service, "xmpp.example.net", 5222)
		if got := tt.References.Names(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: references %q, want %q", c.service, got, c.want)
		}
		// RFC 7590 §3.1: SNI is the XMPP domain, not the SRV target.
		if sni := tt.ServerName(); sni != "Example.Test" {
			t.Errorf("%s: SNI %q", c.service, sni)
		}
		starttls := c.service == ServiceClient || c.service == ServiceServer
		if (tt.Upgrade != nil) != starttls || (len(tt.ALPN) == 1) == starttls {
			t.Errorf("%s: upgrade %v, ALPN %q", c.service, tt.Upgrade != nil, tt.ALPN)
		}
	}
	if got := ServerName("example.test", "other.test"); got != "other.test" {
		t.Errorf("an explicit SNI must win, got %q", got)
	}
}
