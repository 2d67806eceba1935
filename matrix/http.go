package matrix

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls/wire"
)

// Size caps of the documents we read. A peer that sends more gets its
// answer cut and marked Truncated; nothing larger is ever buffered.
const (
	// MaxWellKnown is the cap on .well-known files (mautrix and Synapse use
	// 64 KiB and 50 KiB).
	MaxWellKnown = 64 << 10
	// MaxKeys is the cap on /_matrix/key/v2/server.
	MaxKeys = 256 << 10
	// MaxSmall is the cap on other small JSON answers (version, versions).
	MaxSmall = 64 << 10
	// MaxRedirects bounds the 30x hops of a .well-known request.
	MaxRedirects = 5
	// sampleBytes of each body are kept as evidence.
	sampleBytes = 512
)

// recordedHeaders are the response headers kept in an Exchange.
var recordedHeaders = []string{
	"Content-Type", "Content-Length", "Cache-Control", "Expires", "Age", "Location", "Server",
	"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
}

// Exchange is one HTTP request and what came back.
type Exchange struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	// Addr is the address dialled; SNI the TLS server name sent ("" for
	// an IP).
	Addr string `json:"addr"`
	SNI  string `json:"sni,omitempty"`
	// Status is the HTTP status code (0 when no answer).
	Status int               `json:"status,omitempty"`
	Header map[string]string `json:"header,omitempty"`
	// Body is the answer (at most the cap); Sample its first bytes.
	Body   []byte `json:"-"`
	Sample string `json:"body_sample,omitempty"`
	// Truncated: the body was larger than the cap (Size is then what was
	// announced or read before stopping).
	Truncated bool  `json:"truncated,omitempty"`
	Size      int64 `json:"size"`
	// TLS: the negotiated version, and whether the certificate chain
	// verified for VerifyName against the scan's roots.
	TLSVersion   string `json:"tls_version,omitempty"`
	VerifyName   string `json:"verify_name,omitempty"`
	CertVerified bool   `json:"cert_verified"`
	CertError    string `json:"cert_error,omitempty"`
	// Error is set when no complete answer arrived; ErrStatus classifies it.
	Error      string        `json:"error,omitempty"`
	ErrStatus  probes.Status `json:"error_status,omitempty"`
	DurationMS int64         `json:"duration_ms"`
}

// request describes one exchange.
type request struct {
	Method string
	URL    string
	// Addr is dialled whatever the URL's host is (the URL's host is the
	// Host header).
	Addr string
	// VerifyName is the name the certificate must be valid for; with
	// Strict the request fails when it is not (a "regular HTTPS request").
	VerifyName string
	Strict     bool
	Max        int64
	Header     map[string]string
	Body       []byte
	// Conn, when set, carries the request instead of a fresh one-request
	// transport (a kept-alive connection; see keepAlive).
	Conn *http.Transport
}

// keepAlive returns a transport that keeps one connection to r.Addr open
// for several requests. TLS is recorded in first (the handshake happens
// once).
func keepAlive(env *probes.Env, r request, first *Exchange) *http.Transport {
	tr := transport(env, r, first)
	tr.DisableKeepAlives = false
	tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost = 1, 1
	return tr
}

// transport builds a one-request transport from the Env's: same dialer,
// no proxy, every connection to r.Addr, TLS verification recorded.
func transport(env *probes.Env, r request, ex *Exchange) *http.Transport {
	var tr *http.Transport
	if base, ok := env.HTTP.Transport.(*http.Transport); ok && base != nil {
		tr = base.Clone()
	} else {
		tr = &http.Transport{TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: 5 * time.Second, MaxResponseHeaderBytes: 64 << 10}
	}
	tr.Proxy = nil
	tr.DisableKeepAlives = true
	tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
		return env.Dialer.DialContext(ctx, "tcp", r.Addr)
	}
	sni := strings.Trim(r.VerifyName, "[]")
	if net.ParseIP(sni) != nil {
		sni = ""
	}
	ex.SNI = sni
	cfg := &stdtls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true, // verified below so the result can be recorded
		MinVersion:         stdtls.VersionTLS12,
		VerifyConnection: func(cs stdtls.ConnectionState) error {
			ex.TLSVersion = wire.Version(cs.Version).String()
			err := verifyChain(cs.PeerCertificates, env.Roots, r.VerifyName, env.Clock.Now())
			if err != nil {
				ex.CertError = err.Error()
				if r.Strict {
					return err
				}
				return nil
			}
			ex.CertVerified = true
			return nil
		},
	}
	tr.TLSClientConfig = cfg
	return tr
}

func verifyChain(chain []*x509.Certificate, roots *x509.CertPool, name string, now time.Time) error {
	if len(chain) == 0 {
		return errors.New("no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: strings.Trim(name, "[]"), CurrentTime: now})
	return err
}

// do runs one bounded exchange (env.IOTimeout for the whole of it, body
// included, so a peer that drips bytes cannot hold the scan).
func do(ctx context.Context, env *probes.Env, r request) (ex Exchange) {
	ex = Exchange{Method: r.Method, URL: r.URL, Addr: r.Addr, VerifyName: r.VerifyName}
	if ex.Method == "" {
		ex.Method = http.MethodGet
	}
	start := env.Clock.Now()
	defer func() { ex.DurationMS = env.Clock.Now().Sub(start).Milliseconds() }()
	ctx, cancel := context.WithTimeout(ctx, env.IOTimeout)
	defer cancel()
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, ex.Method, r.URL, body)
	if err != nil {
		ex.Error, ex.ErrStatus = err.Error(), probes.StatusError
		return ex
	}
	req.Header.Set("User-Agent", "imscore")
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	var tr http.RoundTripper = r.Conn
	if r.Conn == nil {
		tr = transport(env, r, &ex)
	}
	c := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		ex.Error, ex.ErrStatus = shortHTTPError(err, &ex), classify(err, &ex)
		return ex
	}
	defer resp.Body.Close()
	ex.Status = resp.StatusCode
	ex.Header = map[string]string{}
	for _, h := range recordedHeaders {
		if v := resp.Header.Values(h); len(v) > 0 {
			ex.Header[h] = strings.Join(v, ", ")
		}
	}
	max := r.Max
	if max <= 0 {
		max = MaxSmall
	}
	if resp.ContentLength > max {
		ex.Truncated, ex.Size = true, resp.ContentLength
		return ex
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	ex.Size = int64(len(b))
	if int64(len(b)) > max {
		ex.Truncated = true
		b = b[:max]
	}
	ex.Body = b
	ex.Sample = sample(b)
	if err != nil && !ex.Truncated {
		ex.Error, ex.ErrStatus = "reading the body: "+shortHTTPError(err, &ex), classify(err, &ex)
	}
	return ex
}

func sample(b []byte) string {
	if len(b) > sampleBytes {
		return strings.ToValidUTF8(string(b[:sampleBytes]), "?") + "…"
	}
	return strings.ToValidUTF8(string(b), "?")
}

func classify(err error, ex *Exchange) probes.Status {
	if errors.Is(err, context.DeadlineExceeded) {
		return probes.StatusTimeout
	}
	if ex.CertError != "" {
		return probes.StatusTLSError
	}
	var re stdtls.RecordHeaderError
	var ae stdtls.AlertError
	if errors.As(err, &re) || errors.As(err, &ae) || strings.Contains(err.Error(), "tls:") {
		return probes.StatusTLSError
	}
	st := probes.ClassifyNetError(err)
	if st == probes.StatusUnreachable && !isNetErr(err) {
		return probes.StatusProtocolError
	}
	return st
}

func isNetErr(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe)
}

func shortHTTPError(err error, ex *Exchange) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout (no complete answer in time)"
	}
	if ex.CertError != "" {
		return "TLS certificate not valid for " + ex.VerifyName + ": " + ex.CertError
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return probes.ShortNetError(err)
	}
	s := err.Error()
	// net/http prefixes "Get \"url\": ", which the evidence already says.
	if i := strings.Index(s, "\": "); i > 0 && strings.HasPrefix(s, ex.Method[:1]+strings.ToLower(ex.Method[1:])+" \"") {
		s = s[i+3:]
	}
	return s
}

// Evidence renders the exchange for a report.
func (ex Exchange) Evidence() probes.Evidence {
	sent := ex.Method + " " + ex.URL
	var via []string
	if ex.Addr != "" {
		via = append(via, "dialled "+ex.Addr)
	}
	if ex.SNI != "" {
		via = append(via, "SNI "+ex.SNI)
	}
	if len(via) > 0 {
		sent += " (" + strings.Join(via, ", ") + ")"
	}
	e := probes.Evidence{Endpoint: ex.Addr, Kind: "http", Sent: sent}
	if ex.Status == 0 {
		e.Detail = string(ex.ErrStatus) + ": " + ex.Error
		return e
	}
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d", ex.Status)
	if ex.TLSVersion != "" {
		fmt.Fprintf(&b, " over %s", ex.TLSVersion)
	}
	if ex.CertError != "" {
		fmt.Fprintf(&b, " (certificate not valid for %s: %s)", ex.VerifyName, ex.CertError)
	}
	keys := make([]string, 0, len(ex.Header))
	for k := range ex.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n%s: %s", k, ex.Header[k])
	}
	if ex.Truncated {
		fmt.Fprintf(&b, "\n[body larger than the cap: %d bytes or more]", ex.Size)
	} else if ex.Sample != "" {
		b.WriteString("\n\n" + ex.Sample)
	}
	e.Received = b.String()
	if ex.Error != "" {
		e.Detail = string(ex.ErrStatus) + ": " + ex.Error
	}
	return e
}
