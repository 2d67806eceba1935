package probes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Answer is one DNS response as a probe saw it.
type Answer struct {
	Name   string
	Type   uint16
	Server string
	Rcode  int
	// AD is the DNSSEC "authenticated data" bit of the response: the
	// resolver asserts it validated the answer.
	AD      bool
	Records []dns.RR
	// Sigs is the number of RRSIG records that came with the answer (they
	// are not in Records): a signed zone seen through a resolver that did
	// not validate has signatures but no AD bit.
	Sigs int
	// EDE are the Extended DNS Errors (RFC 8914) of the response, e.g.
	// "6 (DNSSEC Bogus): validation failure ...".
	EDE      []string
	EDECodes []uint16
	// Bogus: the answer was SERVFAIL, and the same question with checking
	// disabled (CD) was answered: the resolver refused the records because
	// their DNSSEC signatures do not validate.
	Bogus bool
}

// Problem describes a failed answer: the rcode and, for a SERVFAIL, why
// ("SERVFAIL: DNSSEC validation failed (bogus): 6 (DNSSEC Bogus): ...").
func (a *Answer) Problem() string {
	s := a.RcodeString()
	if a.Bogus {
		s += ": DNSSEC validation failed (bogus signatures; the resolver answers the same question with checking disabled)"
	}
	if len(a.EDE) > 0 {
		s += ": " + strings.Join(a.EDE, "; ")
	}
	return s
}

// Rcode names.
func (a *Answer) RcodeString() string { return dns.RcodeToString[a.Rcode] }

// Evidence renders the question and answer for a report: the first
// MaxListed records, then how many more there were (a hostile server's
// 64 KB answer is thousands of records).
func (a *Answer) Evidence() Evidence {
	n := min(len(a.Records), MaxListed)
	lines := make([]string, 0, n)
	for _, rr := range a.Records[:n] {
		lines = append(lines, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	lines = listed(lines, len(a.Records))
	recv := fmt.Sprintf("%s ad=%t", a.RcodeString(), a.AD)
	if a.Sigs > 0 {
		recv += fmt.Sprintf(" rrsig=%d", a.Sigs)
	}
	if len(a.EDE) > 0 || a.Bogus {
		recv = a.Problem() + fmt.Sprintf(" ad=%t", a.AD)
	}
	if len(lines) > 0 {
		recv += "\n" + strings.Join(lines, "\n")
	}
	return Evidence{Kind: "dns", Sent: fmt.Sprintf("%s %s @%s", a.Name, dns.TypeToString[a.Type], a.Server), Received: recv}
}

// Resolver asks DNS questions. Implementations must honour ctx.
type Resolver interface {
	Query(ctx context.Context, name string, qtype uint16) (*Answer, error)
}

// DNSResolver asks the given servers (host:port) with miekg/dns, with the
// DO bit set so the AD bit of a validating resolver is meaningful.
type DNSResolver struct {
	Servers []string
	Timeout time.Duration
}

// NewDNSResolver asks server (host:port, port 53 if omitted).
func NewDNSResolver(server string) *DNSResolver {
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(strings.Trim(server, "[]"), "53")
	}
	return &DNSResolver{Servers: []string{server}}
}

// Query implements Resolver. It tries each server in turn, retries over TCP
// when the UDP answer is truncated or does not parse (a datagram larger
// than the buffer we offered: "buffer size too small", "overflowing header
// size"), and bounds each exchange.
func (r *DNSResolver) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(4096, true)
	m.AuthenticatedData = true
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	var lastErr error
	for _, s := range r.Servers {
		for _, netw := range []string{"udp", "tcp"} {
			c := &dns.Client{Net: netw, Timeout: timeout}
			qctx, cancel := context.WithTimeout(ctx, timeout)
			resp, _, err := c.ExchangeContext(qctx, m, s)
			cancel()
			if err != nil {
				lastErr = err
				if netw == "udp" && ctx.Err() == nil && !isTimeout(err) {
					continue // an answer came but did not parse: ask over TCP
				}
				break
			}
			if resp.Truncated && netw == "udp" {
				continue
			}
			a := answerOf(name, qtype, s, resp)
			if a.Rcode == dns.RcodeServerFailure {
				a.Bogus = r.bogus(ctx, m, s, netw, timeout)
			}
			return a, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if lastErr == nil {
		lastErr = errors.New("no DNS server configured")
	}
	return nil, fmt.Errorf("DNS query %s %s failed: %w", name, dns.TypeToString[qtype], lastErr)
}

// answerOf turns a response into an Answer: RRSIGs are counted, not kept;
// Extended DNS Errors are kept as text.
func answerOf(name string, qtype uint16, server string, resp *dns.Msg) *Answer {
	a := &Answer{Name: dns.Fqdn(name), Type: qtype, Server: server, Rcode: resp.Rcode, AD: resp.AuthenticatedData}
	for _, rr := range resp.Answer {
		if _, sig := rr.(*dns.RRSIG); sig {
			a.Sigs++
			continue
		}
		a.Records = append(a.Records, rr)
	}
	if opt := resp.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if e, ok := o.(*dns.EDNS0_EDE); ok && len(a.EDE) < 4 {
				a.EDE = append(a.EDE, oneLine(e.String(), 200))
				a.EDECodes = append(a.EDECodes, e.InfoCode)
			}
		}
	}
	return a
}

// bogus asks q again with checking disabled (RFC 4035 §3.2.2): when a
// SERVFAIL turns into an answer, the resolver refused the records because
// their signatures do not validate.
func (r *DNSResolver) bogus(ctx context.Context, q *dns.Msg, server, netw string, timeout time.Duration) bool {
	m := q.Copy()
	m.Id = dns.Id()
	m.CheckingDisabled = true
	c := &dns.Client{Net: netw, Timeout: timeout}
	qctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, _, err := c.ExchangeContext(qctx, m, server)
	return err == nil && (resp.Rcode == dns.RcodeSuccess || resp.Rcode == dns.RcodeNameError)
}

// oneLine makes resolver text safe for a report line, bounded to n bytes.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// SystemResolver answers A/AAAA like the operating system does (so
// /etc/hosts and "localhost" work) and asks the nameservers of
// /etc/resolv.conf for every other type.
type SystemResolver struct {
	dns *DNSResolver
}

// NewSystemResolver reads /etc/resolv.conf.
func NewSystemResolver() *SystemResolver {
	r := &DNSResolver{}
	if cc, err := dns.ClientConfigFromFile("/etc/resolv.conf"); err == nil {
		for _, s := range cc.Servers {
			r.Servers = append(r.Servers, net.JoinHostPort(s, cc.Port))
		}
	}
	return &SystemResolver{dns: r}
}

// Query implements Resolver.
func (s *SystemResolver) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	if qtype != dns.TypeA && qtype != dns.TypeAAAA {
		return s.dns.Query(ctx, name, qtype)
	}
	network := "ip4"
	if qtype == dns.TypeAAAA {
		network = "ip6"
	}
	ans := &Answer{Name: dns.Fqdn(name), Type: qtype, Server: "system"}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, network, name)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			ans.Rcode = dns.RcodeNameError
			return ans, nil
		}
		var ae *net.AddrError
		if errors.As(err, &ae) {
			// "no suitable address found": the name is known (an
			// /etc/hosts entry with only an IPv4 address, say) but has
			// no address of this family. For DNS that is NOERROR with
			// an empty answer, not a failure.
			ans.Server = "system (hosts file or resolver: " + ae.Err + ")"
			return ans, nil
		}
		return nil, err
	}
	for _, ip := range ips {
		hdr := dns.RR_Header{Name: dns.Fqdn(name), Rrtype: qtype, Class: dns.ClassINET}
		if qtype == dns.TypeA {
			ans.Records = append(ans.Records, &dns.A{Hdr: hdr, A: ip.AsSlice()})
		} else {
			ans.Records = append(ans.Records, &dns.AAAA{Hdr: hdr, AAAA: ip.AsSlice()})
		}
	}
	return ans, nil
}

// LookupAddrs asks for A and AAAA (concurrently) and returns every address,
// IPv4 first, sorted. It fails when neither yields an address.
func LookupAddrs(ctx context.Context, r Resolver, host string) ([]netip.Addr, []Evidence, error) {
	type res struct {
		a   *Answer
		err error
	}
	ch := make(chan res, 2)
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		go func() {
			a, err := r.Query(ctx, host, t)
			ch <- res{a, err}
		}()
	}
	var addrs []netip.Addr
	var ev []Evidence
	var errs []string
	nx := 0
	for i := 0; i < 2; i++ {
		x := <-ch
		if x.err != nil {
			errs = append(errs, x.err.Error())
			continue
		}
		ev = append(ev, x.a.Evidence())
		switch x.a.Rcode {
		case dns.RcodeSuccess:
		case dns.RcodeNameError:
			nx++
		default:
			// A SERVFAIL on AAAA (or A) hides endpoints: scanning only the
			// others would grade a server we did not fully see.
			errs = append(errs, fmt.Sprintf("%s %s answered %s", host, dns.TypeToString[x.a.Type], x.a.RcodeString()))
		}
		for _, rr := range x.a.Records {
			switch v := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(v.A); ok {
					addrs = append(addrs, a.Unmap())
				}
			case *dns.AAAA:
				if a, ok := netip.AddrFromSlice(v.AAAA); ok {
					addrs = append(addrs, a)
				}
			}
		}
	}
	sort.Slice(ev, func(i, j int) bool { return ev[i].Sent < ev[j].Sent })
	sort.Slice(addrs, func(i, j int) bool {
		if addrs[i].Is4() != addrs[j].Is4() {
			return addrs[i].Is4()
		}
		return addrs[i].Less(addrs[j])
	})
	if len(errs) > 0 {
		return nil, ev, fmt.Errorf("cannot resolve %s: %s", host, strings.Join(errs, "; "))
	}
	if len(addrs) == 0 {
		switch {
		case len(errs) > 0:
			return nil, ev, fmt.Errorf("cannot resolve %s: %s", host, errs[0])
		case nx > 0:
			return nil, ev, fmt.Errorf("unknown host %s (NXDOMAIN)", host)
		default:
			return nil, ev, fmt.Errorf("host %s has no A or AAAA records", host)
		}
	}
	return addrs, ev, nil
}

// ClassifyNetError maps a dial or I/O error to an observation status.
func ClassifyNetError(err error) Status {
	if err == nil {
		return StatusOK
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return StatusRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return StatusTimeout
	case errors.As(err, &ne) && ne.Timeout():
		return StatusTimeout
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL):
		return StatusUnreachable
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return StatusProtocolError
	case errors.Is(err, context.Canceled):
		return StatusError
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return StatusDNSError
	}
	return StatusUnreachable
}

// ShortNetError describes a dial or I/O error in a few words
// ("connection refused", "timeout", "no route to host", …).
func ShortNetError(err error) string {
	switch ClassifyNetError(err) {
	case StatusRefused:
		return "connection refused"
	case StatusTimeout:
		return "timeout (no answer)"
	}
	var se syscall.Errno
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}

// OrderSRV drops the "." (service off) and empty targets from an SRV
// answer, sorts the rest by priority (lowest first), weight (highest first)
// and target, and keeps at most max: the order in which every target is
// probed. key reads a record's priority, weight and target.
func OrderSRV[T any](recs []T, max int, key func(T) (priority, weight uint16, target string)) []T {
	var keep []T
	for _, r := range recs {
		if _, _, t := key(r); t != "." && t != "" {
			keep = append(keep, r)
		}
	}
	sort.SliceStable(keep, func(i, j int) bool {
		pi, wi, ti := key(keep[i])
		pj, wj, tj := key(keep[j])
		if pi != pj {
			return pi < pj
		}
		if wi != wj {
			return wi > wj
		}
		return ti < tj
	})
	if len(keep) > max {
		keep = keep[:max]
	}
	return keep
}
