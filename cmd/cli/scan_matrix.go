package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/matrix"
)

func newScanMatrixCmd(stdout, stderr io.Writer) *cobra.Command {
	var o scanOptions
	var active bool
	cmd := &cobra.Command{
		Use:   "matrix SERVER_NAME",
		Short: "Grade a Matrix homeserver: discovery, federation keys and TLS, client discovery, disclosure",
		Long: `Grade the Matrix homeserver of SERVER_NAME without logging in.

imscore resolves SERVER_NAME as another homeserver would (Matrix
server-server API, "Resolving server names"): an IP literal or an explicit
port is used as is; otherwise https://HOST/.well-known/matrix/server may
delegate (30x redirects followed, body capped), then SRV _matrix-fed._tcp,
the deprecated _matrix._tcp, and HOST:8448. Every step is recorded. Then on
every address it finds:

  TLS   the full TLS grade (as 'imscore scan tls'); the certificate must be
        valid for the delegated host, or the server name
  keys  GET /_matrix/key/v2/server: server_name, ed25519 keys, the
        self-signature over canonical JSON, valid_until_ts
  version  GET /_matrix/federation/v1/version (software disclosed?)

and on the client side https://HOST/.well-known/matrix/client, its
m.homeserver.base_url and /_matrix/client/versions with CORS headers, and
io.element.e2ee (E2EE on by default?).

What an anonymous stranger can do and learn, on every client address
(the base_url, else the federation addresses): POST /register {} (flows
only, never an account), register?kind=guest (creates a guest when guests
are allowed; imscore logs it out at once), register/available, publicRooms
and profiles without a token, legacy media downloads (a made-up media ID,
then real ones found in the room directory and the support contacts'
profiles), and /_matrix/federation/v1/publicRooms without X-Matrix. The login flows
(GET /login: password, SSO, token) and OAuth 2.0 metadata
(/_matrix/client/v1/auth_metadata, MSC2965) are read on every client address.

With --account @user:server (password from $IMSCORE_PASSWORD or
--password-file) imscore logs in with m.login.password on every client
address (only over TLS with a valid certificate, or plain http to a
loopback address; only to the account's own server), reads
/capabilities (room versions) and logs out again, also when a request in
between failed. The password never appears in the report.

With --active (only against your own server) imscore sends up to 30
failing logins for a made-up user, 10 at a time, within 15 s, and stops at
the first 429: is login rate-limited? Without --account and --active those
criteria are skipped.

Each criterion takes the worst address and cites its evidence. Exit code 3
when no federation address answered and client discovery found nothing.`,
		Example: `  imscore scan matrix example.org
  imscore scan matrix example.org --format json -o example.org.json
  imscore scan matrix matrix.example.org:8448 --fail-under B
  # logged in (room versions), and the rate-limit test on your own server
  IMSCORE_PASSWORD=... imscore scan matrix example.org --account @me:example.org --active
  # a test server name served by a local DNS server and a private CA
  imscore scan matrix example.test --resolver 127.0.0.1:5353 --ca-file testca.pem
  # dial another address for the well-known file
  imscore scan matrix example.org --connect example.org:443=10.0.0.5:443`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("scan matrix needs exactly one SERVER_NAME argument")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			if o.account != "" {
				if _, _, err := matrix.ParseUserID(o.account); err != nil {
					return usageErr("--account: %v (want a Matrix user ID, @user:example.org)", err)
				}
			}
			cred, err := o.credentials()
			if err != nil {
				return err
			}
			spec, err := matrix.ScanSpec(args[0], matrix.Options{Account: cred, Active: active})
			if err != nil {
				return usageErr("%v", err)
			}
			return runScan(cmd.Context(), &o, spec, stdout, stderr)
		},
	}
	o.register(cmd)
	cmd.Flags().BoolVar(&active, "active", false, "also test login rate limiting (up to 30 failing logins): only against your own server")
	return cmd
}
