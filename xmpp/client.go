package xmpp

import (
	"context"
	"crypto/rand"
	stdtls "crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/tls/wire"
	"golang.org/x/text/unicode/norm"
	"mellium.im/xmpp/jid"
)

// maxClientBytes bounds everything a logged-in session reads (a few dozen
// disco answers, a roster, a MUC join).
const maxClientBytes = 4 << 20

// maxSkipped bounds the stanzas skipped while waiting for one answer.
const maxSkipped = 500

// LoginInfo records how a logged-in session was set up: which endpoint,
// TLS, which SASL mechanism and channel binding. The password never
// appears in it.
type LoginInfo struct {
	Endpoint   probes.Endpoint `json:"endpoint"`
	DirectTLS  bool            `json:"direct_tls,omitempty"`
	TLSVersion string          `json:"tls_version,omitempty"`
	TLSCipher  string          `json:"tls_cipher,omitempty"`
	// Mechanism is the SASL mechanism that succeeded; ChannelBinding the
	// channel-binding type used with a -PLUS mechanism.
	Mechanism      string `json:"mechanism,omitempty"`
	ChannelBinding string `json:"channel_binding,omitempty"`
	// PlusFailed says why a -PLUS attempt failed before we fell back to
	// SCRAM without channel binding.
	PlusFailed string `json:"plus_failed,omitempty"`
	// Downgrade is what the SCRAM server-first message said about
	// downgrade protection (XEP-0474, XEP-0515); nil without SCRAM.
	Downgrade *DowngradeCheck `json:"downgrade,omitempty"`
	// JID is the full JID the server bound.
	JID string `json:"jid,omitempty"`
	// PostAuth are the stream features after authentication.
	PostAuth *Features `json:"post_auth,omitempty"`
}

// Client is a logged-in XMPP client session (RFC 6120 §6–7): TLS with a
// verified certificate, SASL, resource binding. It sends IQs and waits for
// their answers, bounded in bytes and time.
type Client struct {
	s      *session
	cs     stdtls.ConnectionState
	Info   LoginInfo
	creds  *probes.Credentials
	domain string
	seq    int
	prefix string
	// broken: a read or write failed (a timeout leaves the TLS connection
	// and the XML decoder unusable); nothing more is sent on it.
	broken error
}

// ErrNoSafeLogin is returned when the server offers no way to log in that
// keeps the password safe (TLS with a trusted certificate, then SCRAM or
// PLAIN inside TLS).
var ErrNoSafeLogin = errors.New("no safe way to log in")

// Login connects to ep, secures the stream with TLS (STARTTLS, or TLS from
// the first byte when direct), checks the certificate against the domain's
// XMPP identities and env.Roots — the password is never sent to a server
// we cannot authenticate — and logs in with the strongest SASL mechanism
// offered: SCRAM-SHA-512/256/1 with channel binding (-PLUS) first, then
// without, then PLAIN (inside TLS only).
func Login(ctx context.Context, env *probes.Env, ep probes.Endpoint, domain string, direct bool, creds *probes.Credentials) (*Client, error) {
	j, err := ParseAccount(creds.Account, domain)
	if err != nil {
		return nil, err
	}
	local := j.Localpart()
	c, err := login(ctx, env, ep, domain, direct, creds, local, false)
	var pf *plusFailure
	if errors.As(err, &pf) {
		c, err = login(ctx, env, ep, domain, direct, creds, local, true)
		if c != nil {
			c.Info.PlusFailed = pf.Error()
		}
	}
	return c, err
}

// ParseAccount checks that account is a bare JID of domain (RFC 7622,
// with mellium's PRECIS profiles) and returns it normalised: the
// localpart is what SCRAM sends as the username.
func ParseAccount(account, domain string) (jid.JID, error) {
	j, err := jid.Parse(account)
	switch {
	case err != nil:
		return jid.JID{}, fmt.Errorf("--account %q is not a valid JID: %v", account, err)
	case j.Localpart() == "" || j.Resourcepart() != "":
		return jid.JID{}, fmt.Errorf("--account %q: want a bare JID, user@%s", account, domain)
	case !strings.EqualFold(strings.TrimSuffix(j.Domainpart(), "."), domain):
		return jid.JID{}, fmt.Errorf("--account %q is not an account of %s (want user@%s)", account, domain, domain)
	}
	return j, nil
}

// AuthFailure is a SASL <failure/>: the server refused the credentials
// (or the mechanism) with the condition (RFC 6120 §6.5).
type AuthFailure struct{ Account, Mechanism, Condition string }

func (e *AuthFailure) Error() string {
	return fmt.Sprintf("login as %s with %s refused: %s", e.Account, e.Mechanism, e.Condition)
}

type plusFailure struct{ err error }

func (p *plusFailure) Error() string { return p.err.Error() }

// secureStream connects to ep, secures the stream with TLS (STARTTLS, or
// TLS from the first byte when direct), checks the certificate against the
// domain's XMPP identities and env.Roots, and returns the session with the
// features after TLS. Nothing secret is ever sent before it returns. The
// caller closes the connection.
func secureStream(ctx context.Context, env *probes.Env, ep probes.Endpoint, domain string, direct bool) (*session, *stdtls.Conn, *Features, error) {
	conn, st, err := env.Dial(ctx, ep.Addr)
	if err != nil {
		return nil, nil, nil, probes.Errorf(st, "%s", probes.ShortNetError(err))
	}
	s := newSession(conn, NSClient, domain, "", env.IOTimeout)
	s.budget.N, s.limit = maxClientBytes, maxClientBytes
	fail := func(err error) (*session, *stdtls.Conn, *Features, error) {
		conn.Close()
		return nil, nil, nil, err
	}
	var tc *stdtls.Conn
	if direct {
		if tc, err = s.handshake(ctx, env, domain, []string{ALPNClient}); err != nil {
			return fail(err)
		}
	}
	_, f, err := s.open(ctx)
	if err != nil {
		return fail(err)
	}
	if tc == nil {
		if !f.StartTLS {
			return fail(fmt.Errorf("%w: the server offers no STARTTLS; imscore never sends a password without TLS", ErrNoSafeLogin))
		}
		if tc, err = s.startTLS(ctx, env, domain, nil); err != nil {
			return fail(err)
		}
		if _, f, err = s.open(ctx); err != nil {
			return fail(fmt.Errorf("after STARTTLS: %w", err))
		}
	}
	if err := verifyPeer(env, tc.ConnectionState(), domain); err != nil {
		return fail(fmt.Errorf("%w: %v; imscore does not send a password to a server it cannot authenticate", ErrNoSafeLogin, err))
	}
	return s, tc, f, nil
}

func login(ctx context.Context, env *probes.Env, ep probes.Endpoint, domain string, direct bool, creds *probes.Credentials, local string, noPlus bool) (*Client, error) {
	s, tc, f, err := secureStream(ctx, env, ep, domain, direct)
	if err != nil {
		return nil, err
	}
	c := &Client{s: s, creds: creds, domain: domain, Info: LoginInfo{Endpoint: ep, DirectTLS: direct}}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	c.prefix = "imscore-" + hex.EncodeToString(b)
	ok := false
	defer func() {
		if !ok {
			s.conn.Close()
		}
	}()
	c.cs = tc.ConnectionState()
	c.Info.TLSVersion = wire.Version(c.cs.Version).String()
	c.Info.TLSCipher = stdtls.CipherSuiteName(c.cs.CipherSuite)
	if err := c.authenticate(ctx, f, local, noPlus); err != nil {
		return nil, err
	}
	if _, f, err = s.open(ctx); err != nil {
		return nil, fmt.Errorf("after authentication: %w", err)
	}
	if err := c.bind(ctx, f); err != nil {
		return nil, err
	}
	c.Info.PostAuth = f
	ok = true
	return c, nil
}

// verifyPeer checks the server certificate like a careful client: trusted
// chain, valid now, name matching the XMPP domain (DNS-ID, SRV-ID or
// XmppAddr, RFC 7590 §3).
func verifyPeer(env *probes.Env, cs stdtls.ConnectionState, domain string) error {
	v := tls.Verify(cs.PeerCertificates, env.Roots, env.Clock.Now())
	if !v.Trusted {
		return fmt.Errorf("certificate not trusted (%s)", v.TrustError)
	}
	if !v.ValidNow {
		return fmt.Errorf("certificate not valid now (%s)", v.ValidityError)
	}
	if ok, _, _ := tls.MatchName(cs.PeerCertificates[0], ReferenceIDs(domain, false, true)); !ok {
		return fmt.Errorf("certificate does not name %s", domain)
	}
	return nil
}

// pickMechanism chooses the strongest mechanism we can use, with its
// channel-binding type for -PLUS.
func (c *Client) pickMechanism(f *Features, noPlus bool) (mech, cbType string, cbData []byte) {
	cbTypes := f.ChannelBindings
	if len(cbTypes) == 0 {
		// No XEP-0440 list: RFC 9266 makes tls-exporter the default for
		// TLS 1.3, RFC 5929 tls-unique for earlier versions.
		if c.cs.Version >= stdtls.VersionTLS13 {
			cbTypes = []string{"tls-exporter"}
		} else {
			cbTypes = []string{"tls-unique"}
		}
	}
	if !noPlus {
		for _, m := range []string{"SCRAM-SHA-512-PLUS", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"} {
			if !f.HasMechanism(m) {
				continue
			}
			for _, t := range []string{"tls-exporter", "tls-server-end-point", "tls-unique"} {
				if !slices.ContainsFunc(cbTypes, func(x string) bool { return strings.EqualFold(x, t) }) {
					continue
				}
				if d, err := channelBinding(c.cs, t); err == nil {
					return m, t, d
				}
			}
		}
	}
	for _, m := range []string{"SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"} {
		if f.HasMechanism(m) {
			return m, "", nil
		}
	}
	return "", "", nil
}

// saslPassword prepares a password as SCRAM and PLAIN servers do with
// SASLprep (RFC 4013, named by RFC 5802 and RFC 7677): non-ASCII spaces
// become ASCII spaces, characters "commonly mapped to nothing" are removed,
// and the result is NFKC-normalised, so a non-ASCII password matches what
// the server stored. ASCII passwords are unchanged.
func saslPassword(pw string) string {
	var b strings.Builder
	for _, r := range pw {
		switch {
		case r != ' ' && unicode.Is(unicode.Zs, r):
			b.WriteByte(' ')
		case r == 0x00AD || r == 0x034F || r == 0x1806 || (r >= 0x180B && r <= 0x180D) ||
			(r >= 0x200B && r <= 0x200D) || r == 0x2060 || (r >= 0xFE00 && r <= 0xFE0F) || r == 0xFEFF:
			// mapped to nothing (RFC 3454 table B.1)
		default:
			b.WriteRune(r)
		}
	}
	return norm.NFKC.String(b.String())
}

func offersPlus(f *Features) bool {
	for _, m := range f.Mechanisms {
		if strings.HasSuffix(strings.ToUpper(m), "-PLUS") {
			return true
		}
	}
	return false
}

func (c *Client) authenticate(ctx context.Context, f *Features, local string, noPlus bool) error {
	mech, cbType, cbData := c.pickMechanism(f, noPlus)
	if mech == "" {
		return fmt.Errorf("%w: no SCRAM or PLAIN mechanism offered (offered: %s)", ErrNoSafeLogin, strings.Join(f.Mechanisms, " "))
	}
	var sc *scram
	var initial []byte
	if mech == "PLAIN" {
		initial = []byte("\x00" + local + "\x00" + saslPassword(c.creds.Password))
	} else {
		var err error
		if sc, err = newSCRAM(mech, local, saslPassword(c.creds.Password), cbType, cbData); err != nil {
			return err
		}
		if !strings.HasSuffix(mech, "-PLUS") && !offersPlus(f) {
			// We support channel binding but the server offers none:
			// say so (RFC 5802 §6), so a server that does support it
			// can detect a stripped -PLUS as a downgrade. After a failed
			// -PLUS attempt we say "n" instead (newSCRAM's default).
			sc.gs2 = "y,,"
		}
		initial = sc.first()
	}
	// Only the mechanism name is kept as evidence: never the payloads.
	c.s.sent = append(c.s.sent, "<auth xmlns='"+NSSASL+"' mechanism='"+mech+"'>[redacted]</auth>")
	if err := c.rawWrite(ctx, "<auth xmlns='"+NSSASL+"' mechanism='"+mech+"'>"+base64.StdEncoding.EncodeToString(initial)+"</auth>"); err != nil {
		return err
	}
	plus := strings.HasSuffix(mech, "-PLUS")
	verified := false
	for round := 0; round < 4; round++ {
		n, err := c.s.next(ctx, "waiting for the SASL answer")
		if err != nil {
			return err
		}
		switch {
		case n.Name.Space == NSSASL && n.Name.Local == "challenge" && sc != nil && round == 0:
			in, err := base64.StdEncoding.DecodeString(strings.TrimSpace(n.Text))
			if err != nil {
				return protoErr("SASL challenge is not base64")
			}
			out, err := sc.final(in)
			if err != nil {
				return protoErr("%v", err)
			}
			dc := checkDowngrade(sc, mech, f, c.cs)
			c.Info.Downgrade = &dc
			if dc.Mismatch() != "" {
				// XEP-0474 §6.2, XEP-0515 §4.2: fail the authentication
				// before sending a proof.
				_ = c.rawWrite(ctx, "<abort xmlns='"+NSSASL+"'/>")
				return &DowngradeError{Check: dc, Info: c.Info}
			}
			if err := c.rawWrite(ctx, "<response xmlns='"+NSSASL+"'>"+base64.StdEncoding.EncodeToString(out)+"</response>"); err != nil {
				return err
			}
		case n.Name.Space == NSSASL && n.Name.Local == "challenge" && sc != nil && round == 1 && !verified:
			// Some servers send the server-final message as a challenge
			// and wait for an empty response before <success/>.
			in, err := base64.StdEncoding.DecodeString(strings.TrimSpace(n.Text))
			if err != nil {
				return protoErr("SASL challenge is not base64")
			}
			if err := sc.verify(in); err != nil {
				return protoErr("%v", err)
			}
			verified = true
			if err := c.rawWrite(ctx, "<response xmlns='"+NSSASL+"'/>"); err != nil {
				return err
			}
		case n.Name.Space == NSSASL && n.Name.Local == "success":
			if sc != nil && !verified {
				if !sc.started() {
					// Success before the SCRAM exchange: the server never
					// proved it knows the password.
					return protoErr("the server sent <success/> before the SCRAM exchange: it did not prove it knows the password")
				}
				in, err := base64.StdEncoding.DecodeString(strings.TrimSpace(n.Text))
				if err != nil {
					return protoErr("SASL success data is not base64")
				}
				if err := sc.verify(in); err != nil {
					return protoErr("%v", err)
				}
			}
			c.Info.Mechanism, c.Info.ChannelBinding = mech, cbType
			// The stream restarts over the same TLS connection.
			c.s.dec = newDecoder(c.s.budget)
			return nil
		case n.Name.Space == NSSASL && n.Name.Local == "failure":
			cond := "failure"
			if len(n.Children) > 0 {
				cond = n.Children[0].Name.Local
			}
			err := &AuthFailure{Account: c.creds.Account, Mechanism: mech, Condition: cond}
			if plus {
				return &plusFailure{err: err}
			}
			return &probes.Err{Status: probes.StatusError, Err: err}
		case n.Name.Space == NSStreams && n.Name.Local == "error":
			return streamError(n)
		default:
			return protoErr("unexpected SASL answer %s", truncate(n.String(), 200))
		}
	}
	return protoErr("SASL exchange did not end")
}

// rawWrite sends without keeping a copy as evidence (SASL payloads).
func (c *Client) rawWrite(ctx context.Context, str string) error {
	c.s.deadline(ctx)
	if _, err := io.WriteString(c.s.conn, str); err != nil {
		return probes.Errorf(probes.ClassifyNetError(err), "sending: %s", probes.ShortNetError(err))
	}
	return nil
}

func (c *Client) bind(ctx context.Context, f *Features) error {
	if !f.Bind {
		return protoErr("no resource binding offered after authentication")
	}
	res, err := c.IQ(ctx, "set", "", "<bind xmlns='"+NSBind+"'><resource>"+c.prefix+"</resource></bind>")
	if err != nil {
		return err
	}
	if res.Type != "result" {
		return protoErr("resource binding refused: %s", res.Condition)
	}
	if b := res.Payload; b != nil {
		if j := b.Child(NSBind, "jid"); j != nil {
			c.Info.JID = strings.TrimSpace(j.Text)
		}
	}
	if c.Info.JID == "" {
		return protoErr("resource binding returned no JID")
	}
	if f.Session && !strings.Contains(f.XML, "<optional") {
		// RFC 3921 session establishment, still required by old servers.
		if _, err := c.IQ(ctx, "set", "", "<session xmlns='"+NSSession+"'/>"); err != nil {
			return err
		}
	}
	return nil
}

// BareJID is the account's bare JID.
func (c *Client) BareJID() string {
	j, _, _ := strings.Cut(c.Info.JID, "/")
	return j
}

// Prefix is a random name part unique to this session, for nodes and rooms
// the scan creates.
func (c *Client) Prefix() string { return c.prefix }

// IQResult is the answer to an IQ: its type ("result" or "error"), the
// first child (payload) and, for errors, the defined condition.
type IQResult struct {
	Type      string `json:"type"`
	Condition string `json:"condition,omitempty"`
	Payload   *Node  `json:"-"`
	// XML is the answer as received (bounded), for evidence.
	XML string `json:"xml,omitempty"`
}

// IQ sends an IQ of type typ ("get" or "set") to to ("" = the account
// itself, as the server handles it) and waits for the answer with the same
// id, skipping (and discarding) other stanzas, bounded.
func (c *Client) IQ(ctx context.Context, typ, to, payload string) (*IQResult, error) {
	if c.broken != nil {
		return nil, fmt.Errorf("not sent: the session broke earlier (%v)", c.broken)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("not sent: %v", err)
	}
	c.seq++
	id := fmt.Sprintf("%s-%d", c.prefix, c.seq)
	if err := c.s.write(ctx, "<iq type='"+typ+"' id='"+id+"'"+toAttr(to)+">"+payload+"</iq>"); err != nil {
		c.broken = err
		return nil, err
	}
	r, err := c.await(ctx, "iq", id)
	if err != nil {
		c.broken = err
	}
	return r, err
}

// toAttr is the to= attribute of a stanza to to ("" = none: the server
// handles it for the account).
func toAttr(to string) string {
	if to == "" {
		return ""
	}
	return " to='" + escape(to) + "'"
}

// Send writes a stanza and returns at once.
func (c *Client) Send(ctx context.Context, stanza string) error {
	if c.broken != nil {
		return fmt.Errorf("not sent: the session broke earlier (%v)", c.broken)
	}
	err := c.s.write(ctx, stanza)
	if err != nil {
		c.broken = err
	}
	return err
}

// Broken returns why the session can no longer be used, or nil.
func (c *Client) Broken() error { return c.broken }

// await reads stanzas until one named name with the given id (any id when
// id is "") arrives.
func (c *Client) await(ctx context.Context, name, id string) (*IQResult, error) {
	for i := 0; i < maxSkipped; i++ {
		n, err := c.s.next(ctx, "waiting for <"+name+" id='"+id+"'>")
		if err != nil {
			return nil, err
		}
		if n.Name.Space == NSStreams && n.Name.Local == "error" {
			return nil, streamError(n)
		}
		if n.Name.Local != name || (id != "" && n.AttrValue("id") != id) {
			continue
		}
		r := &IQResult{Type: n.AttrValue("type"), XML: truncate(c.creds.Redact(n.String()), maxEvidence)}
		for _, ch := range n.Children {
			if ch.Name.Local == "error" {
				for _, e := range ch.Children {
					if e.Name.Space == "urn:ietf:params:xml:ns:xmpp-stanzas" && e.Name.Local != "text" {
						r.Condition = e.Name.Local
					}
				}
			} else if r.Payload == nil {
				r.Payload = ch
			}
		}
		if r.Type == "error" && r.Condition == "" {
			r.Condition = "undefined-condition"
		}
		return r, nil
	}
	return nil, protoErr("no answer to <%s id='%s'> within %d stanzas", name, id, maxSkipped)
}

// AwaitPresence waits for a presence stanza from a JID starting with from.
func (c *Client) AwaitPresence(ctx context.Context, from string) (*Node, error) {
	if c.broken != nil {
		return nil, fmt.Errorf("the session broke earlier (%v)", c.broken)
	}
	for i := 0; i < maxSkipped; i++ {
		n, err := c.s.next(ctx, "waiting for presence from "+from)
		if err != nil {
			c.broken = err
			return nil, err
		}
		if n.Name.Space == NSStreams && n.Name.Local == "error" {
			return nil, streamError(n)
		}
		if n.Name.Local == "presence" && strings.HasPrefix(n.AttrValue("from"), from) {
			return n, nil
		}
	}
	return nil, protoErr("no presence from %s within %d stanzas", from, maxSkipped)
}

// Close ends the stream cleanly and closes the connection.
func (c *Client) Close(ctx context.Context) bool {
	if c.broken != nil {
		c.s.conn.Close()
		return false
	}
	ok := c.s.close(ctx)
	c.s.conn.Close()
	return ok
}

// Sent returns what was sent on the session (SASL payloads redacted).
func (c *Client) Sent() []string { return c.s.sent }
