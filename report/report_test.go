package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/imscore/imscore/probes"
)

var update = flag.Bool("update", false, "rewrite the golden files under fixtures/golden")

func TestMain(m *testing.M) {
	// tablewriter guesses East Asian width from the locale; golden files
	// must not depend on the machine that runs the tests.
	twwidth.SetEastAsian(false)
	os.Exit(m.Run())
}

// versionsData stands in for a probe's typed result.
type versionsData struct {
	Endpoint string   `json:"endpoint"`
	Offered  []string `json:"offered"`
	Best     string   `json:"best"`
	Attempts int      `json:"attempts"`
}

// sampleReport is a TLS scan of test.example:443 with two endpoints and
// one finding of every status, built the way the scanner fills it in (and
// deliberately not in sorted order).
func sampleReport() *Report {
	v4, v6 := "192.0.2.10:443", "[2001:db8::10]:443"
	serverHello := strings.Join([]string{
		"ServerHello",
		"  version: TLSv1.0 (0x0301)",
		"  cipher:  TLS_RSA_WITH_AES_128_CBC_SHA (0x002f)",
		"  compression: null",
		"Certificate",
		"  0 s:CN=test.example",
		"    i:CN=Test Intermediate CA",
		"  1 s:CN=Test Intermediate CA",
		"    i:CN=Test Root CA",
		"ServerHelloDone",
	}, "\n") + "\n"
	return &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "imscore", Version: "0.1.0", Commit: "636c9c6"},
		Target: Target{
			Kind: "tls", Name: "test.example:443", Host: "test.example", Port: 443, SNI: "test.example",
			Endpoints: []probes.Endpoint{
				{Name: "test.example", Addr: v4, Via: "dns"},
				{Name: "test.example", Addr: v6, Via: "dns"},
			},
		},
		StartedAt:  time.Date(2026, 3, 14, 9, 26, 53, 589_000_000, time.UTC),
		DurationMS: 4321,
		Grade:      "B",
		Score:      78,
		Caps: []Cap{{
			Criterion: "tls.protocol.no-tls10-11", Grade: "B",
			Reason: "TLS 1.0 or 1.1 is offered: the grade is at most B",
		}},
		Areas: []Area{
			{ID: "tls", Score: 71, Grade: "B", Earned: 50, Possible: 70, ErrorWeight: 10},
			{ID: "forward-secrecy", Score: 100, Grade: "A+", Earned: 10, Possible: 10},
		},
		Findings: []Finding{
			{
				Criterion: "tls.protocol.no-tls10-11", Area: "tls", Status: Fail, Severity: "high", Weight: 20,
				Title:   "TLS 1.0 and TLS 1.1 are disabled",
				Summary: "TLS 1.0 is accepted on " + v4 + "; " + v6 + " accepts TLS 1.2 and 1.3 only.",
				Evidence: []probes.Evidence{
					{Endpoint: v4, Kind: "tls-handshake", Sent: "ClientHello offering TLSv1.0 only", Received: serverHello},
					{Endpoint: v4, Kind: "tls-handshake", Sent: "ClientHello offering TLSv1.1 only", Received: "Alert: protocol_version (70)"},
					{Endpoint: v6, Kind: "tls-handshake", Sent: "ClientHello offering TLSv1.0 only", Received: "Alert: protocol_version (70)"},
				},
				Remediation: map[string]string{
					"prosody":  "In prosody.cfg.lua:\n\nssl = {\n    protocol = \"tlsv1_2+\";\n}",
					"general":  "Turn off TLS 1.0 and TLS 1.1 on every endpoint; offer TLS 1.2 and TLS 1.3 only. Clients from the last ten years all speak TLS 1.2.",
					"nginx":    "ssl_protocols TLSv1.2 TLSv1.3;",
					"ejabberd": "protocol_options: [\"no_sslv3\", \"no_tlsv1\", \"no_tlsv1_1\"] on each listener.",
				},
				References: []Reference{
					{Title: "RFC 8996: Deprecating TLS 1.0 and TLS 1.1", URL: "https://www.rfc-editor.org/rfc/rfc8996"},
					{Title: "RFC 9325: Recommendations for Secure Use of TLS and DTLS", URL: "https://www.rfc-editor.org/rfc/rfc9325#section-3.1.1"},
				},
			},
			{
				Criterion: "tls.cert.trusted", Area: "tls", Status: Pass, Severity: "critical", Weight: 20,
				Title:   "The certificate chains to a trusted root",
				Summary: "Both endpoints present a chain to Test Root CA.",
				Evidence: []probes.Evidence{
					{Endpoint: v4, Kind: "tls-handshake", Detail: "chain verified: CN=test.example → CN=Test Intermediate CA → CN=Test Root CA"},
				},
				References: []Reference{{Title: "RFC 5280: Internet X.509 PKI Certificate and CRL Profile", URL: "https://www.rfc-editor.org/rfc/rfc5280"}},
			},
			{
				Criterion: "tls.protocol.tls13", Area: "tls", Status: Warn, Severity: "medium", Weight: 10,
				Title:   "TLS 1.3 is offered",
				Summary: "TLS 1.3 is not offered on " + v4 + "; the best version there is TLS 1.2.",
				Evidence: []probes.Evidence{
					{Endpoint: v4, Kind: "tls-handshake", Sent: "ClientHello offering TLSv1.3 only", Received: "Alert: protocol_version (70)"},
				},
				Remediation: map[string]string{
					"general": "Enable TLS 1.3 (OpenSSL 1.1.1 or later).",
					"nginx":   "ssl_protocols TLSv1.2 TLSv1.3;",
				},
				References: []Reference{{Title: "RFC 8446: The Transport Layer Security (TLS) Protocol Version 1.3", URL: "https://www.rfc-editor.org/rfc/rfc8446"}},
			},
			{
				Criterion: "tls.ocsp-stapling", Area: "tls", Status: Info, Severity: "info", Weight: 0,
				Title:    "OCSP responses are stapled",
				Summary:  "No OCSP response is stapled; the certificate has no OCSP responder URL, so there is nothing to staple.",
				Evidence: []probes.Evidence{{Endpoint: v4, Kind: "tls-handshake", Detail: "no status_request extension in the ServerHello"}},
			},
			{
				Criterion: "tls.dane", Area: "tls", Status: Skip, Severity: "low", Weight: 5,
				Title:   "DANE TLSA records match the certificate",
				Summary: "No TLSA records at _443._tcp.test.example.",
				Evidence: []probes.Evidence{
					{Kind: "dns", Sent: "TLSA? _443._tcp.test.example.", Received: "NXDOMAIN"},
				},
				References: []Reference{{Title: "RFC 7671: The DNS-Based Authentication of Named Entities (DANE) Protocol", URL: "https://www.rfc-editor.org/rfc/rfc7671"}},
			},
			{
				Criterion: "tls.cipher.no-weak", Area: "tls", Status: Error, Severity: "high", Weight: 10,
				Title:   "No weak cipher suites",
				Summary: "Could not be measured: cipher enumeration timed out on " + v6 + ".",
				Evidence: []probes.Evidence{
					{Endpoint: v4, Kind: "note", Detail: "14 suites offered, none weak"},
					{Endpoint: v6, Kind: "tcp", Sent: "SYN", Detail: "no answer within 10s (timeout)"},
				},
				References: []Reference{{Title: "RFC 9325, section 4.1", URL: "https://www.rfc-editor.org/rfc/rfc9325#section-4.1"}},
			},
			{
				Criterion: "tls.cipher.forward-secrecy", Area: "forward-secrecy", Status: Pass, Severity: "high", Weight: 10,
				Title:    "Every cipher suite has forward secrecy",
				Summary:  "All 14 suites offered on " + v4 + " use ECDHE.",
				Evidence: nil, // a nil list must render as []
			},
		},
		Observations: []probes.Observation{
			{
				Probe: "tls.versions", Status: probes.StatusOK, DurationMS: 812,
				Evidence: []probes.Evidence{{Endpoint: v4, Kind: "tls-handshake", Sent: "ClientHello offering TLSv1.0 only", Received: "ServerHello TLSv1.0"}},
				Data:     &versionsData{Endpoint: v4, Offered: []string{"TLSv1.0", "TLSv1.2"}, Best: "TLSv1.2", Attempts: 6},
			},
			{
				Probe: "tls.ciphers", Status: probes.StatusTimeout, Reason: "no answer from [2001:db8::10]:443 within 10s", DurationMS: 10003,
			},
			{
				Probe: "tls.dane", Status: probes.StatusNotApplicable, Reason: "no TLSA records", DurationMS: 12,
			},
			{
				Probe: "tls.endpoints", Status: probes.StatusOK, DurationMS: 3,
				Evidence: []probes.Evidence{{Kind: "dns", Sent: "A? test.example.", Received: "192.0.2.10"}, {Kind: "dns", Sent: "AAAA? test.example.", Received: "2001:db8::10"}},
				Data:     []probes.Endpoint{{Name: "test.example", Addr: v4, Via: "dns"}, {Name: "test.example", Addr: v6, Via: "dns"}},
			},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "fixtures", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report/ -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the renderer output (go test ./report/ -update rewrites it)\n--- got:\n%s", path, got)
	}
}

func renderJSON(t *testing.T, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func renderTable(t *testing.T, r *Report, o TableOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTable(&b, r, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGoldenJSON(t *testing.T) {
	golden(t, "report.json", renderJSON(t, sampleReport()))
}

func TestGoldenTable(t *testing.T) {
	golden(t, "report.txt", renderTable(t, sampleReport(), TableOptions{}))
	golden(t, "report-color.txt", renderTable(t, sampleReport(), TableOptions{Color: true}))
}

func TestJSONShape(t *testing.T) {
	r := sampleReport()
	out := renderJSON(t, r)
	if !bytes.HasSuffix(out, []byte("}\n")) || !bytes.HasPrefix(out, []byte("{\n  \"schema_version\": 1,\n")) {
		t.Errorf("want 2-space indented JSON with a trailing newline, got:\n%.200s", out)
	}
	if bytes.Contains(out, []byte(`": null`)) {
		t.Error("output contains null")
	}
	if bytes.Contains(out, []byte(`\u003c`)) {
		t.Error("< is escaped; stanzas should stay readable")
	}

	var got struct {
		Findings []struct {
			Criterion string `json:"criterion"`
			Evidence  []any  `json:"evidence"`
		} `json:"findings"`
		Areas []struct {
			ID string `json:"id"`
		} `json:"areas"`
		Observations []struct {
			Probe string `json:"probe"`
		} `json:"observations"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	var crits, probeIDs, areas []string
	for _, f := range got.Findings {
		crits = append(crits, f.Criterion)
		if f.Evidence == nil {
			t.Errorf("%s: evidence is not a list", f.Criterion)
		}
	}
	for _, o := range got.Observations {
		probeIDs = append(probeIDs, o.Probe)
	}
	for _, a := range got.Areas {
		areas = append(areas, a.ID)
	}
	want := "tls.cert.trusted tls.cipher.forward-secrecy tls.cipher.no-weak tls.dane tls.ocsp-stapling tls.protocol.no-tls10-11 tls.protocol.tls13"
	if s := strings.Join(crits, " "); s != want {
		t.Errorf("findings order\n got %s\nwant %s", s, want)
	}
	if s := strings.Join(probeIDs, " "); s != "tls.ciphers tls.dane tls.endpoints tls.versions" {
		t.Errorf("observations order: %s", s)
	}
	if s := strings.Join(areas, " "); s != "tls forward-secrecy" {
		t.Errorf("areas must keep the caller's order, got %s", s)
	}

	// WriteJSON must not reorder or patch the caller's report.
	if r.Findings[0].Criterion != "tls.protocol.no-tls10-11" || r.Observations[0].Probe != "tls.versions" || r.Findings[6].Evidence != nil {
		t.Error("WriteJSON modified its argument")
	}
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	r := &Report{Tool: Tool{Name: "imscore", Version: "dev"}, Target: Target{Kind: "xmpp", Name: "example.org"}, Grade: "?"}
	out := renderJSON(t, r)
	for _, k := range []string{"caps", "areas", "findings", "observations", "endpoints"} {
		if !bytes.Contains(out, []byte(`"`+k+`": []`)) {
			t.Errorf("%s is not []:\n%s", k, out)
		}
	}
	if bytes.Contains(out, []byte(`": null`)) {
		t.Errorf("null in output:\n%s", out)
	}
	validate(t, out)
}

func TestJSONRoundTrip(t *testing.T) {
	first := renderJSON(t, sampleReport())
	r, err := ReadJSON(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if second := renderJSON(t, r); !bytes.Equal(first, second) {
		t.Errorf("ReadJSON(WriteJSON(r)) renders differently:\n%s", second)
	}
	// The table of a read report is the table of the original.
	if a, b := renderTable(t, sampleReport(), TableOptions{}), renderTable(t, r, TableOptions{}); !bytes.Equal(a, b) {
		t.Errorf("table of a read report differs:\n%s", b)
	}
	// Data is kept verbatim, not as float64s in a map.
	var d versionsData
	raw, ok := r.Observations[3].Data.(json.RawMessage)
	if !ok {
		t.Fatalf("data of %s is %T, want json.RawMessage", r.Observations[3].Probe, r.Observations[3].Data)
	}
	if err := json.Unmarshal(raw, &d); err != nil || d.Attempts != 6 || d.Best != "TLSv1.2" {
		t.Errorf("data = %+v, %v", d, err)
	}
}

func TestReadJSONRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		in      string
		version bool // the error wraps ErrSchemaVersion
		want    string
	}{
		"newer version":  {`{"schema_version": 2, "grade": "A"}`, true, "unsupported report schema_version 2"},
		"string version": {`{"schema_version": "1"}`, true, "not an integer"},
		"no version":     {`{"grade": "A"}`, false, "no schema_version"},
		"not an object":  {`[1, 2]`, false, "not a JSON report"},
		"trailing data":  {`{"schema_version": 1} {}`, false, "not a JSON report"},
		"bad field type": {`{"schema_version": 1, "score": "high"}`, false, "decoding"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrSchemaVersion) != tc.version || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestReadJSONUnknownFieldsAndLimit(t *testing.T) {
	r, err := ReadJSON(strings.NewReader(`{"schema_version": 1, "grade": "A", "added_in_1_1": {"x": 1}}`))
	if err != nil || r.Grade != "A" {
		t.Fatalf("unknown fields must be ignored: %v", err)
	}
	big := io.MultiReader(
		strings.NewReader(`{"schema_version": 1, "x": "`),
		io.LimitReader(spaces{}, MaxReportSize),
		strings.NewReader(`"}`),
	)
	if _, err := ReadJSON(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized report: err = %v", err)
	}
}

// spaces is an endless reader of spaces.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://github.com/imscore/imscore/report/schema/report.v1.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := compileSchema(t).Validate(inst); err != nil {
		t.Errorf("renderer output does not match the schema: %v", err)
	}
}

func TestSchemaAcceptsRendererOutput(t *testing.T) {
	validate(t, renderJSON(t, sampleReport()))
}

func TestSchemaRejectsInvalidReports(t *testing.T) {
	s := compileSchema(t)
	for name, mutate := range map[string]func(r *Report){
		"bad finding status":     func(r *Report) { r.Findings[0].Status = "ok" },
		"bad grade":              func(r *Report) { r.Grade = "A-" },
		"bad observation status": func(r *Report) { r.Observations[0].Status = "failed" },
		"bad target kind":        func(r *Report) { r.Target.Kind = "irc" },
		"score out of range":     func(r *Report) { r.Score = 101 },
	} {
		t.Run(name, func(t *testing.T) {
			r := sampleReport()
			mutate(r)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(renderJSON(t, r)))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(inst); err == nil {
				t.Error("schema accepted an invalid report")
			}
		})
	}
	// A missing required field.
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"schema_version": 1}`))
	if err := s.Validate(inst); err == nil {
		t.Error("schema accepted a report without its required fields")
	}
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// checkWidth fails if a line of out is wider than w columns once ANSI
// colour codes are removed.
func checkWidth(t *testing.T, out []byte, w int) {
	t.Helper()
	for i, line := range strings.Split(string(out), "\n") {
		plain := ansiRE.ReplaceAllString(line, "")
		if strings.ContainsRune(plain, '\x1b') {
			t.Errorf("line %d: stray escape: %q", i+1, line)
		}
		if n := twwidth.Width(plain); n > w {
			t.Errorf("line %d is %d columns wide (max %d): %q", i+1, n, w, plain)
		}
		if strings.TrimRight(plain, " ") != plain {
			t.Errorf("line %d has trailing spaces: %q", i+1, plain)
		}
	}
}

// stressReport has the things that break terminal layouts: long IDs, a
// huge one-line stanza, many-line values, control characters, wide
// characters, URLs longer than the terminal.
func stressReport() *Report {
	r := sampleReport()
	huge := "<iq type='result' id='v1'><query xmlns='jabber:iq:version'><name>" + strings.Repeat("Prosody ", 20000) + "</name></query></iq>"
	many := strings.Repeat("<feature var='urn:xmpp:sm:3'/>\n", 500)
	r.Target.Name = "a-very-long-server-name-that-goes-on-and-on.subdomain.test.example:5223"
	r.Target.StartTLS = "xmpp-client"
	r.Target.XMPPDomain = "test.example"
	r.Caps = append(r.Caps, Cap{Criterion: "tls.cert.trusted", Grade: "T", Reason: strings.Repeat("untrusted because reasons ", 10)})
	r.Findings = append(r.Findings,
		Finding{
			Criterion: "matrix.directory.public-unauthenticated-and-also-federation-exposed-for-good-measure",
			Area:      "metadata", Status: Fail, Severity: "medium",
			Title:   "Title with\x1b]0;pwned\x07 an OSC sequence and \u202eRLO",
			Summary: strings.Repeat("全角文字 ", 40),
			Evidence: []probes.Evidence{
				{Endpoint: "[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:8448", Kind: "http", Sent: "GET /_matrix/client/v3/publicRooms", Received: huge},
				{Endpoint: "x", Kind: "stream", Sent: many, Received: many, Detail: strings.Repeat("d", 500)},
				{Kind: "note", Detail: "\x1b[2J\x1b[Hcleared\r\nyour\tscreen\x00\xff"},
			},
			Remediation: map[string]string{
				"general":  strings.Repeat("word ", 100),
				"synapse":  "    indented: " + strings.Repeat("x", 300),
				"dendrite": "In dendrite.yaml:\n\nglobal:\n  server_name: test.example\n  well_known_server_name: " + strings.Repeat("long-", 30) + "name:443",
				"conduit":  "an unknown key goes last",
			},
			References: []Reference{{Title: strings.Repeat("Title ", 30), URL: "https://example.org/" + strings.Repeat("path/", 40)}},
		},
		Finding{Criterion: "x", Status: "mystery", Summary: ""},
		Finding{Criterion: "y", Status: "erroneous-from-the-future", Summary: "a newer writer's status"},
	)
	return r
}

func TestTableFitsWidth(t *testing.T) {
	for _, w := range []int{0, 100, 80, 60, MinWidth} {
		for _, color := range []bool{false, true} {
			for name, r := range map[string]*Report{"sample": sampleReport(), "stress": stressReport()} {
				out := renderTable(t, r, TableOptions{Width: w, Color: color})
				want := w
				if w == 0 {
					want = DefaultWidth
				}
				checkWidth(t, out, want)
				if testing.Verbose() && name == "stress" && w == 60 && !color {
					t.Logf("\n%s", out)
				}
			}
		}
	}
}

func TestTableSanitises(t *testing.T) {
	for _, color := range []bool{false, true} {
		out := string(renderTable(t, stressReport(), TableOptions{Color: color}))
		plain := ansiRE.ReplaceAllString(out, "")
		for _, bad := range []string{"\x1b", "\x07", "\x00", "\r", "\u202e", "\xff"} {
			if strings.Contains(plain, bad) {
				t.Errorf("output contains %q", bad)
			}
		}
		for _, want := range []string{`\x1b[2J`, `\u202e`, `\xff`, "… truncated (", "conduit:"} {
			if !strings.Contains(plain, want) {
				t.Errorf("output lacks %q", want)
			}
		}
		if n := strings.Count(plain, "\n"); n > 400 {
			t.Errorf("stress report renders as %d lines; huge evidence is not cut", n)
		}
	}
}

func TestTableColor(t *testing.T) {
	plain := string(renderTable(t, sampleReport(), TableOptions{}))
	if strings.Contains(plain, "\x1b") {
		t.Error("escape codes without Color")
	}
	colored := string(renderTable(t, sampleReport(), TableOptions{Color: true}))
	if !strings.Contains(colored, "\x1b[1m\x1b[31mFAIL\x1b[0m") || !strings.Contains(colored, "\x1b[32mB\x1b[0m") {
		t.Error("FAIL and grade B are not coloured")
	}
	if got := ansiRE.ReplaceAllString(colored, ""); got != plain {
		t.Errorf("coloured table differs from the plain one beyond colour:\n%s", got)
	}
}

func TestTableDetailsOnlyForWarnFailError(t *testing.T) {
	out := string(renderTable(t, sampleReport(), TableOptions{}))
	_, details, ok := strings.Cut(out, "\nDetails\n")
	if !ok {
		t.Fatal("no Details section")
	}
	for _, c := range []string{"tls.protocol.no-tls10-11", "tls.protocol.tls13", "tls.cipher.no-weak"} {
		if !strings.Contains(details, c) {
			t.Errorf("details lack %s", c)
		}
	}
	for _, c := range []string{"tls.cert.trusted", "tls.dane", "tls.ocsp-stapling", "tls.cipher.forward-secrecy"} {
		if strings.Contains(details, c) {
			t.Errorf("details include %s", c)
		}
	}
	// Fixes: general first, then the fixed software order.
	g, n, p, e := strings.Index(details, "general:"), strings.Index(details, "nginx:"), strings.Index(details, "prosody:"), strings.Index(details, "ejabberd:")
	if !(g >= 0 && g < n && n < p && p < e) {
		t.Errorf("fix order: general %d nginx %d prosody %d ejabberd %d", g, n, p, e)
	}
}

func TestNilReport(t *testing.T) {
	if err := WriteJSON(&bytes.Buffer{}, nil); err == nil {
		t.Error("WriteJSON(nil): no error")
	}
	if err := WriteTable(&bytes.Buffer{}, nil, TableOptions{}); err == nil {
		t.Error("WriteTable(nil): no error")
	}
	if err := WriteJSON(&bytes.Buffer{}, &Report{SchemaVersion: 2}); err == nil {
		t.Error("WriteJSON of schema_version 2: no error")
	}
}

// A capped report says what its score alone earns, in the table and in
// JSON (schema-valid), and only when a cap lowered the grade.
func TestUncappedGradeRendered(t *testing.T) {
	r := sampleReport()
	r.Grade, r.UncappedGrade = "T", "B"
	r.Caps = append(r.Caps, Cap{Criterion: "tls.cert.trusted", Grade: "T", Reason: "untrusted"})
	var b bytes.Buffer
	if err := WriteTable(&b, r, TableOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "B without the caps below") {
		t.Errorf("table lacks the uncapped grade:\n%s", b.String())
	}
	out := renderJSON(t, r)
	if !bytes.Contains(out, []byte(`"uncapped_grade": "B"`)) {
		t.Errorf("JSON lacks uncapped_grade:\n%s", out)
	}
	validate(t, out)
	if out := renderJSON(t, sampleReport()); bytes.Contains(out, []byte("uncapped_grade")) {
		t.Error("uncapped_grade written without a cap that lowered the grade")
	}
}
