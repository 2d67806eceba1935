package cli

import (
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/xmpp"
)

func init() {
	scanCommands = append(scanCommands, newScanXMPPCmd)
}

func newScanXMPPCmd(stdout, stderr io.Writer) *cobra.Command {
	var o scanOptions
	var active bool
	cmd := &cobra.Command{
		Use:   "xmpp DOMAIN",
		Short: "Grade an XMPP domain: DNS, c2s and s2s stream security, SASL, registration and TLS",
		Long: `Grade the XMPP service of DOMAIN; with --account also what a logged-in
client sees (XEP-0479 compliance levels).

imscore asks DNS for the SRV records _xmpp-client._tcp, _xmpps-client._tcp
(XEP-0368), _xmpp-server._tcp and _xmpps-server._tcp (without SRV records it
falls back to DOMAIN on 5222 and 5269, as RFC 6120 §3.2.2 says), resolves
every target and probes every address:

  c2s  a client stream to DOMAIN: the features before TLS (is STARTTLS
       required? is any SASL mechanism offered in the clear? is in-band
       registration open?), then STARTTLS and the features after it (SASL
       mechanisms, SCRAM and -PLUS, XEP-0440 channel-binding types,
       SASL2/Bind2/FAST, stream management, CSI, roster versioning, caps).
       The stream is closed cleanly; without --account imscore never
       authenticates.
  s2s  a server stream from imscore.invalid: STARTTLS required?, dialback
       (XEP-0220), SASL EXTERNAL after TLS.
  TLS  the full TLS grade (as 'imscore scan tls') of c2s and s2s after
       STARTTLS, and of the direct-TLS endpoints (XEP-0368, ALPN
       xmpp-client / xmpp-server) when _xmpps-client / _xmpps-server
       records exist; the certificate must match DOMAIN's XMPP identities.
  web  https://DOMAIN/.well-known/host-meta and host-meta.json (XEP-0156)
       and the WebSocket and BOSH endpoints they list.

With --account user@DOMAIN (password from $IMSCORE_PASSWORD or
--password-file, never the command line) imscore logs in — only over TLS
with a certificate it trusts, SCRAM preferred, -PLUS channel binding when
offered — and asks disco#info of the domain, of the account and of every
component, the software version, the roster, private storage and STUN/TURN
services; it publishes a test PEP node with publish-options (OMEMO-ready),
creates a temporary MUC room and requests an upload slot (nothing is
uploaded). Everything it creates is deleted before the scan ends and
checked gone. From that it computes the XEP-0479 (Compliance Suites 2023)
levels Core, Web, IM, Mobile and A/V (Server / Advanced Server) with what
is missing.

With --active (only against your own server) imscore proves whether
in-band registration is open: over TLS with a certificate it trusts it
submits one XEP-0077 registration with a random name and a strong random
password (never shown); an account it created is removed at once, logged
in as it, and checked gone, also when the scan fails half-way.

Each criterion takes the worst endpoint and cites its evidence (SRV answers,
stream features as received). Exit code 3 when no c2s endpoint could be
reached (unknown domain, refused, timeout).`,
		Example: `  imscore scan xmpp example.org
  imscore scan xmpp example.org --format json -o example.org.json
  imscore scan xmpp example.org --fail-under B --require xmpp.c2s.starttls-required
  # logged in: XEP-0479 levels, features, OMEMO readiness
  IMSCORE_PASSWORD=... imscore scan xmpp example.org --account me@example.org
  # your own server: does in-band registration really accept anyone?
  imscore scan xmpp example.org --active
  # a test domain served by a local DNS server and a private CA
  imscore scan xmpp example.test --resolver 127.0.0.1:5353 --ca-file testca.pem
  # dial a staging host instead of what DNS says
  imscore scan xmpp example.org --connect xmpp.example.org:5222=10.0.0.5:5222`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("scan xmpp needs exactly one DOMAIN argument")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			spec, err := xmppSpec(args[0])
			if err != nil {
				return err
			}
			creds, err := o.credentials()
			if err != nil {
				return err
			}
			if creds != nil {
				domain := spec.Target.Name
				if _, err := xmpp.ParseAccount(creds.Account, domain); err != nil {
					return usageErr("%v", err)
				}
				spec.Probes = append(spec.Probes, xmpp.AccountProbe(domain, creds))
			}
			if active {
				spec.Probes = append(spec.Probes, xmpp.RegistrationProbe(spec.Target.Name))
			}
			return runScan(cmd.Context(), &o, spec, stdout, stderr)
		},
	}
	o.register(cmd)
	cmd.Flags().BoolVar(&active, "active", false, "also prove whether in-band registration is open (registers one account and removes it): only against your own server")
	return cmd
}

// xmppSpec is the anonymous scan of an XMPP domain.
func xmppSpec(arg string) (scanSpec, error) {
	domain, err := parseDomain(arg)
	if err != nil {
		return scanSpec{}, err
	}
	rt := report.Target{Kind: "xmpp", Name: domain, XMPPDomain: domain}
	return scanSpec{Kind: "xmpp", Target: rt, Probes: xmpp.Probes(domain),
		Scannable: xmppScannable, Endpoints: xmppEndpoints}, nil
}

// parseDomain checks an XMPP domain argument (RFC 7622 domainpart; IP
// literals are allowed, as XMPP allows them).
func parseDomain(s string) (string, error) {
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if ip := net.ParseIP(strings.Trim(d, "[]")); ip != nil {
		return ip.String(), nil
	}
	if d == "" || len(d) > 253 || strings.ContainsAny(d, " /\\@:\t\n") {
		return "", usageErr("%q: want an XMPP domain such as example.org (no user@, no port; use --connect to dial another port)", s)
	}
	return d, nil
}

// xmppScannable: the scan reached the domain when at least one c2s
// endpoint answered with an XMPP stream.
func xmppScannable(res probes.Results) error {
	if o := res.Get(xmpp.IDDNS); o == nil || o.Status != probes.StatusOK {
		return fmt.Errorf("DNS: %s", reasonOf(o))
	}
	// A domain may offer clients direct TLS only (XEP-0368; _xmpp-client
	// "." or absent service): a stream over direct TLS counts too.
	if dt, ok := probes.Data[*xmpp.DirectTLSData](res, xmpp.IDDirectTLS); ok {
		for _, e := range dt.Endpoints {
			if e.Features != nil {
				return nil
			}
		}
	}
	if o := res.Get(xmpp.C2STLSIDs.Endpoints); o == nil || o.Status != probes.StatusOK {
		return fmt.Errorf("no client endpoint: %s", reasonOf(o))
	}
	d, _ := probes.Data[*xmpp.StreamsData](res, xmpp.IDC2SStreams)
	if d != nil {
		for _, e := range d.Endpoints {
			if e.PreTLS != nil {
				return nil
			}
		}
	}
	return fmt.Errorf("no client endpoint answered: %s", reasonOf(res.Get(xmpp.IDC2SStreams)))
}

// xmppEndpoints lists the c2s, the s2s, then the direct-TLS endpoints.
func xmppEndpoints(res probes.Results) []probes.Endpoint {
	var out []probes.Endpoint
	for _, id := range []probes.ID{xmpp.C2STLSIDs.Endpoints, xmpp.S2STLSIDs.Endpoints, xmpp.C2SDirectTLSIDs.Endpoints, xmpp.S2SDirectTLSIDs.Endpoints} {
		if d, ok := probes.Data[*tls.EndpointsData](res, id); ok {
			out = append(out, d.Endpoints...)
		}
	}
	return out
}
