package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/xmpp"
)

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
			spec, err := xmpp.ScanSpec(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			creds, err := o.credentials()
			if err != nil {
				return err
			}
			if creds != nil {
				if spec, err = xmpp.WithAccount(spec, creds); err != nil {
					return usageErr("%v", err)
				}
			}
			if active {
				spec = xmpp.WithRegistrationProof(spec)
			}
			return runScan(cmd.Context(), &o, spec, stdout, stderr)
		},
	}
	o.register(cmd)
	cmd.Flags().BoolVar(&active, "active", false, "also prove whether in-band registration is open (registers one account and removes it): only against your own server")
	return cmd
}
