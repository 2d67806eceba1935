package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func renderJUnit(t *testing.T, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGoldenJUnit(t *testing.T) {
	golden(t, "report.junit.xml", renderJUnit(t, sampleReport()))
}

// xmllint validates doc against the vendored Jenkins/Ant JUnit schema with
// Debian's xmllint (libxml2-utils). It returns xmllint's complaint, or "".
// Without xmllint the test is skipped, or fails under CI=true.
func xmllint(t *testing.T, doc []byte) string {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint not found (Debian package libxml2-utils; scripts/install-test-deps installs it)")
		}
		t.Skip("xmllint not found: apt-get install libxml2-utils")
	}
	xsd, err := filepath.Abs(filepath.Join("schema", "junit-10.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out)) + " (" + err.Error() + ")"
	}
	return ""
}

func TestJUnitValidatesAgainstSchema(t *testing.T) {
	for name, r := range map[string]*Report{
		"sample": sampleReport(),
		"stress": stressReport(),
		"empty":  {Tool: Tool{Name: "imscore", Version: "dev"}, Target: Target{Kind: "xmpp", Name: "example.org"}, Grade: "?"},
	} {
		t.Run(name, func(t *testing.T) {
			if msg := xmllint(t, renderJUnit(t, r)); msg != "" {
				t.Errorf("WriteJUnit output does not validate against junit-10.xsd: %s", msg)
			}
		})
	}
}

func TestJUnitSchemaRejectsInvalid(t *testing.T) {
	good := string(renderJUnit(t, sampleReport()))
	for name, doc := range map[string]string{
		// A testsuite without its required tests/failures/errors counts.
		"no counts": strings.Replace(good, `<testsuite name="tls" tests="6" failures="1" errors="1"`, `<testsuite name="tls"`, 1),
		// A testcase without its required name.
		"no name": strings.Replace(good, `<testcase name="tls.dane" `, `<testcase `, 1),
		// An element the schema does not know.
		"unknown element": strings.Replace(good, `<skipped `, `<ignored `, 1),
		// A time that is not a number.
		"bad time": strings.Replace(good, `time="4.321"`, `time="4s"`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			if doc == good {
				t.Fatal("mutation did not apply; update the test")
			}
			if msg := xmllint(t, []byte(doc)); msg == "" {
				t.Error("junit-10.xsd accepted an invalid document")
			}
		})
	}
}

// junitDoc mirrors the parts of the output the tests look at.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Props    []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitMapping(t *testing.T) {
	out := renderJUnit(t, sampleReport())
	var d junitDoc
	if err := xml.Unmarshal(out, &d); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if d.Tests != 7 || d.Failures != 1 || d.Errors != 1 || d.Time != "4.321" {
		t.Errorf("totals: tests %d failures %d errors %d time %s", d.Tests, d.Failures, d.Errors, d.Time)
	}
	if len(d.Suites) != 2 || d.Suites[0].Name != "tls" || d.Suites[1].Name != "forward-secrecy" {
		t.Fatalf("suites must follow the report's areas: %+v", d.Suites)
	}
	tlsSuite := d.Suites[0]
	if tlsSuite.Tests != 6 || tlsSuite.Failures != 1 || tlsSuite.Errors != 1 || tlsSuite.Skipped != 1 {
		t.Errorf("tls suite counts: %+v", tlsSuite)
	}
	props := map[string]string{}
	for _, p := range tlsSuite.Props {
		props[p.Name] = p.Value
	}
	if props["grade"] != "B" || props["area.grade"] != "B" || props["area.score"] != "71" || props["target"] != "tls test.example:443" {
		t.Errorf("properties: %v", props)
	}
	var names []string
	for _, c := range tlsSuite.Cases {
		names = append(names, c.Name)
		if c.Classname != "imscore.tls" {
			t.Errorf("%s: classname %q", c.Name, c.Classname)
		}
		switch c.Name {
		case "tls.protocol.no-tls10-11":
			if c.Failure == nil || c.Failure.Type != "high" || !strings.HasPrefix(c.Failure.Message, "TLS 1.0 is accepted") {
				t.Errorf("fail → <failure message=summary type=severity>: %+v", c.Failure)
			} else {
				for _, want := range []string{"Evidence:", "ServerHello\n", "ssl_protocols TLSv1.2 TLSv1.3;", "prosody:\n", `protocol = "tlsv1_2+";`, "RFC 8996"} {
					if !strings.Contains(c.Failure.Text, want) {
						t.Errorf("failure text lacks %q:\n%s", want, c.Failure.Text)
					}
				}
			}
		case "tls.cipher.no-weak":
			if c.Error == nil || !strings.Contains(c.Error.Text, "timeout") {
				t.Errorf("error → <error>: %+v", c.Error)
			}
		case "tls.dane":
			if c.Skipped == nil || c.Skipped.Message != "No TLSA records at _443._tcp.test.example." {
				t.Errorf("skip → <skipped message>: %+v", c.Skipped)
			}
		case "tls.protocol.tls13":
			if c.Failure != nil || c.Error != nil || !strings.HasPrefix(c.SystemOut, "WARN: TLS 1.3 is not offered") {
				t.Errorf("warn → passing with WARN: system-out: %+v", c)
			}
		case "tls.ocsp-stapling":
			if c.Failure != nil || !strings.HasPrefix(c.SystemOut, "INFO: ") {
				t.Errorf("info → passing: %+v", c)
			}
		case "tls.cert.trusted":
			if c.Failure != nil || c.Error != nil || c.Skipped != nil || c.SystemOut != "" {
				t.Errorf("pass → bare testcase: %+v", c)
			}
		}
	}
	want := "tls.cert.trusted tls.cipher.no-weak tls.dane tls.ocsp-stapling tls.protocol.no-tls10-11 tls.protocol.tls13"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("test cases must be sorted by criterion:\n got %s\nwant %s", got, want)
	}
}

func TestJUnitHostileText(t *testing.T) {
	r := sampleReport()
	r.Findings[0].Summary = "a \"quoted\" <b>&amp;</b>\x1b[2J\x00\uFFFE\r\nnext"
	r.Findings[0].Evidence[0].Received = "<stream:features>]]>\x07</stream:features>"
	out := renderJUnit(t, r)
	var d junitDoc
	if err := xml.Unmarshal(out, &d); err != nil {
		t.Fatalf("hostile text broke the XML: %v\n%s", err, out)
	}
	if bytes.ContainsAny(out, "\x1b\x00\x07") || bytes.Contains(out, []byte("\uFFFE")) {
		t.Error("control or non-XML characters reached the output")
	}
	if !bytes.Contains(out, []byte(`message="a &quot;quoted&quot; &lt;b&gt;&amp;amp;&lt;/b&gt;\x1b[2J\x00\ufffe next"`)) {
		t.Errorf("summary not escaped as expected:\n%s", out)
	}
	if msg := xmllint(t, out); msg != "" {
		t.Errorf("hostile report does not validate: %s", msg)
	}
}

func TestJUnitDeterministic(t *testing.T) {
	a, b := renderJUnit(t, sampleReport()), renderJUnit(t, sampleReport())
	if !bytes.Equal(a, b) {
		t.Error("two renders differ")
	}
	if n := bytes.Count(a, []byte("2026-03-14T09:26:53Z")); n != 2 {
		t.Errorf("started_at appears %d times, want once per suite", n)
	}
}
