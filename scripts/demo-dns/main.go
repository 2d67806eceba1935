// Command demo-dns is the DNS server of scripts/demo: an authoritative
// server on loopback that answers from a zone file, so that `imscore scan
// xmpp` finds the SRV, A and TLSA records of the demo's made-up domains
// without asking any real resolver (imscore is then run with --resolver).
// It is part of the demo, not of imscore.
//
//	demo-dns -zone demo.zone -listen 127.0.0.1:0 -addr-file dns.addr [-ad]
//
// The zone is RFC 1035 master-file text with absolute names. Unknown names
// get NXDOMAIN, known names without records of the asked type an empty
// NOERROR answer. -ad sets the AD bit on answers, as a validating resolver
// would for a signed zone (imscore's DANE check needs it). UDP and TCP are
// served on the same port; the address is written to -addr-file once both
// listen. It runs until SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "demo-dns:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo-dns", flag.ContinueOnError)
	fs.SetOutput(stderr)
	zoneFile := fs.String("zone", "", "zone file (master-file text, absolute names)")
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to serve on, UDP and TCP")
	addrFile := fs.String("addr-file", "", "write the address served on to this file once ready")
	ad := fs.Bool("ad", false, "set the AD (authenticated data) bit in answers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *zoneFile == "" {
		return errors.New("-zone is required")
	}
	f, err := os.Open(*zoneFile)
	if err != nil {
		return err
	}
	z, err := parseZone(f, *zoneFile)
	f.Close()
	if err != nil {
		return err
	}
	z.ad = *ad
	udp, tcp, err := serve(*listen, z)
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = udp.ShutdownContext(ctx)
		_ = tcp.ShutdownContext(ctx)
	}()
	addr := udp.PacketConn.LocalAddr().String()
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			return err
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}

// zone is a read-only record set.
type zone struct {
	records map[string][]dns.RR // lower-case FQDN -> records
	ad      bool
}

func parseZone(r io.Reader, name string) (*zone, error) {
	z := &zone{records: map[string][]dns.RR{}}
	zp := dns.NewZoneParser(r, ".", name)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		n := strings.ToLower(rr.Header().Name)
		z.records[n] = append(z.records[n], rr)
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	return z, nil
}

// serve listens on addr (loopback only) for UDP and TCP on the same port.
func serve(addr string, z *zone) (*dns.Server, *dns.Server, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		return nil, nil, fmt.Errorf("-listen %q: want a loopback IP:PORT", addr)
	}
	var (
		pc net.PacketConn
		l  net.Listener
	)
	for attempt := 0; ; attempt++ {
		pc, err = net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		l, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		if ap.Port() != 0 || attempt == 10 {
			return nil, nil, err
		}
	}
	h := dns.HandlerFunc(z.serveDNS)
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: l, Handler: h, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
	started := make(chan struct{}, 2)
	udp.NotifyStartedFunc = func() { started <- struct{}{} }
	tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	for i := 0; i < 2; i++ {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			return nil, nil, errors.New("server did not start")
		}
	}
	return udp, tcp, nil
}

func (z *zone) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	m.AuthenticatedData = z.ad
	if len(req.Question) == 1 {
		q := req.Question[0]
		rrs, ok := z.records[strings.ToLower(q.Name)]
		if !ok {
			m.Rcode = dns.RcodeNameError
		}
		for _, rr := range rrs {
			if rr.Header().Rrtype == q.Qtype || q.Qtype == dns.TypeANY {
				m.Answer = append(m.Answer, dns.Copy(rr))
			}
		}
	} else {
		m.Rcode = dns.RcodeFormatError
	}
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), opt.Do())
		if int(opt.UDPSize()) > size {
			size = int(opt.UDPSize())
		}
	}
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}
