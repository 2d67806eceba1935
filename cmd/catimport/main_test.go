package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imscore/imscore/criteria/catalogue"
)

// The real SecuChart files, next to the repository (../shared/data/secuchart),
// or where IMSCORE_SECUCHART says (a worktree elsewhere).
var secuchartDir = func() string {
	if d := os.Getenv("IMSCORE_SECUCHART"); d != "" {
		return d
	}
	return "../../../shared/data/secuchart"
}()

func taxonomy(t *testing.T) *catalogue.Taxonomy {
	t.Helper()
	b, err := os.ReadFile("../../criteria/catalogue/taxonomy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tax, err := catalogue.ParseTaxonomy(b)
	if err != nil {
		t.Fatal(err)
	}
	return tax
}

func importReal(t *testing.T) map[string][]byte {
	t.Helper()
	if _, err := os.Stat(filepath.Join(secuchartDir, "signal.csv")); err != nil {
		t.Skipf("SecuChart data not present at %s: %v", secuchartDir, err)
	}
	res, err := ReadResearch("../../criteria/catalogue/research")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Import(secuchartDir, taxonomy(t), res, datasets(t))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func datasets(t *testing.T) []catalogue.Dataset {
	t.Helper()
	ds, err := catalogue.LoadDatasets(os.DirFS("../../criteria/catalogue"))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestImportReal converts the real SecuChart files and checks claims we
// know from them.
func TestImportReal(t *testing.T) {
	files := importReal(t)
	if len(files) != len(entries) {
		t.Fatalf("%d files for %d entries", len(files), len(entries))
	}
	get := func(id string) *catalogue.Messenger {
		t.Helper()
		b := files[id+".yaml"]
		if !bytes.HasPrefix(b, []byte("# Code generated")) {
			t.Fatalf("%s: no generated-file header", id)
		}
		m, err := catalogue.ParseMessenger(b)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, tc := range []struct {
		messenger, criterion string
		want                 catalogue.Value
		source               string
	}{
		{"signal", "account.no-phone-number", catalogue.No, ""},
		{"signal", "keys.forward-secrecy", catalogue.Yes, "https://www.signal.org/docs/specifications/x3dh/"},
		{"signal", "openness.free-server", catalogue.Partial, "https://github.com/signalapp/Signal-Server/blob/master/LICENSE"},
		{"conversations", "openness.audit", catalogue.Yes, "https://conversations.im/2025_audit_conversations.pdf"},
		{"conversations", "account.no-phone-number", catalogue.Yes, ""},
		{"telegram", "encryption.e2ee-default", catalogue.Partial, ""},
		{"threema", "keys.post-quantum", catalogue.No, "https://github.com/eylenburg/eylenburg.github.io/blob/cfa025953fa2eac9522e3a039c7edaed9f302cf4/im_comparison.htm"}, // adopted from Eylenburg
		// From research/, not SecuChart.
		{"signal", "keys.post-quantum", catalogue.Yes, "https://pqshield.com/diving-into-signals-new-pq-protocol"},
		{"telegram", "encryption.group-e2ee", catalogue.No, "https://telegram.org/faq#q-how-are-secret-chats-different"},
		{"telegram", "encryption.at-rest", catalogue.Partial, "http://telegram.wiki/desktop/tdesktoppasscode"},
		// The issue-15 properties.
		{"briar", "distribution.outside-app-stores", catalogue.Yes, "https://f-droid.org/en/packages/org.briarproject.briar.android/"},
		{"signal", "distribution.outside-app-stores", catalogue.Partial, "https://signal.org/android/apk/"},
		{"viber", "distribution.outside-app-stores", catalogue.No, ""},
		{"dino", "distribution.outside-app-stores", catalogue.NA, ""},
		{"dino", "distribution.no-google-services", catalogue.NA, ""},
		{"threema", "operator.jurisdiction", catalogue.Partial, ""},
		{"signal", "operator.jurisdiction", catalogue.No, "https://signal.org/legal/"},
		{"viber", "encryption.e2ee-default", catalogue.Yes, ""},
		// Derived: an app in F-Droid's main repository has a build without Google Play Services.
		{"briar", "distribution.no-google-services", catalogue.Partial, "https://github.com/NaNa2509/SVG/issues/1"},
		{"viber", "distribution.no-google-services", catalogue.Unknown, ""},
	} {
		m := get(tc.messenger)
		c, ok := m.Claim(tc.criterion)
		if !ok || c.Value != tc.want {
			t.Errorf("%s %s = %q, want %q", tc.messenger, tc.criterion, c.Value, tc.want)
			continue
		}
		if c.Via == researchVia || strings.HasPrefix(c.Via, "dataset ") || strings.HasPrefix(c.Via, "derived ") {
			if c.Checked == "" || len(c.Sources) == 0 {
				t.Errorf("%s %s: research claim without sources or date", tc.messenger, tc.criterion)
			}
		} else if c.Value != catalogue.Unknown || len(c.Sources) > 0 {
			if !strings.Contains(c.Sources[0], "github.com/bkil/secuchart/blob/7e01d44ee5ead110426c265173ed9164d73b64f6/data/") {
				t.Errorf("%s %s: first source %q is not the SecuChart file", tc.messenger, tc.criterion, c.Sources[0])
			}
		}
		if tc.source != "" && !contains(c.Sources, tc.source) {
			t.Errorf("%s %s: sources %v lack %s", tc.messenger, tc.criterion, c.Sources, tc.source)
		}
	}
	// A research claim's dissent reaches the generated file intact.
	if c, _ := get("telegram").Claim("encryption.at-rest"); len(c.Disputed) != 1 || c.Disputed[0].Value != catalogue.No ||
		len(c.Disputed[0].Sources) != 1 || c.Disputed[0].Checked == "" || c.Disputed[0].Explanation == "" {
		t.Errorf("telegram encryption.at-rest: disputed = %+v, want one sourced, dated \"no\"", c.Disputed)
	}
	sk := get("skype")
	if sk.Status != catalogue.StatusDiscontinued || sk.Ended != "2025-05-05" || len(sk.StatusSources) < 2 {
		t.Errorf("skype: %s %s %v", sk.Status, sk.Ended, sk.StatusSources)
	}
	if !strings.Contains(sk.Attribution, "CC BY-SA 3.0") || sk.Licence != "CC-BY-SA-3.0" {
		t.Errorf("skype: attribution %q licence %q", sk.Attribution, sk.Licence)
	}
}

// TestGeneratedUpToDate fails when the committed catalogue files differ from
// what the importer makes of SecuChart (run go run ./cmd/catimport).
func TestGeneratedUpToDate(t *testing.T) {
	for name, want := range importReal(t) {
		got, err := os.ReadFile(filepath.Join("../../criteria/catalogue/data", name))
		if err != nil {
			t.Errorf("%s: %v (run go run ./cmd/catimport)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("criteria/catalogue/data/%s is out of date (run go run ./cmd/catimport)", name)
		}
	}
}

func TestURLs(t *testing.T) {
	got := URLs("AGPL https://a.example/x, see (https://b.example/y). https://a.example/x nothttp://c https://")
	want := []string{"https://a.example/x", "https://b.example/y"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("URLs = %v, want %v", got, want)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TestDatasetsApplied checks that the cross-checked datasets reach the
// generated files: a second source where they agree, a dissent where they
// do not, an adopted value (marked as such) where we had none, and that
// research fills a cell SecuChart leaves empty.
func TestDatasetsApplied(t *testing.T) {
	if _, err := os.Stat(filepath.Join(secuchartDir, "signal.csv")); err != nil {
		t.Skipf("SecuChart data not present: %v", err)
	}
	d := catalogue.Dataset{ID: "demo", Title: "Demo comparison", Source: "https://demo.example/table", Version: "v1", Checked: "2026-01-02", Adopt: true,
		Rows: []catalogue.DatasetRow{
			{Messenger: "signal", Criterion: "keys.forward-secrecy", Value: catalogue.Yes, Says: "PFS: yes"},
			{Messenger: "signal", Criterion: "account.no-phone-number", Value: catalogue.Yes, Says: "phone: not needed"},
			{Messenger: "wire", Criterion: "keys.deniability", Value: catalogue.No, Says: "deniable: no"},
		}}
	res := &Research{Claims: map[string][]catalogue.Claim{"wire": {{Criterion: "openness.free-client", Value: catalogue.Yes,
		Explanation: "GPL clients.", Sources: []string{"https://example.org/wire"}, Checked: "2026-01-01"}}}}
	files, err := Import(secuchartDir, taxonomy(t), res, []catalogue.Dataset{d})
	if err != nil {
		t.Fatal(err)
	}
	get := func(id, crit string) catalogue.Claim {
		m, err := catalogue.ParseMessenger(files[id+".yaml"])
		if err != nil {
			t.Fatal(err)
		}
		c, _ := m.Claim(crit)
		return c
	}
	if c := get("signal", "keys.forward-secrecy"); !contains(c.Sources, d.Source) || len(c.Disputed) != 0 {
		t.Errorf("agreement: %+v", c)
	}
	if c := get("signal", "account.no-phone-number"); c.Value != catalogue.No || len(c.Disputed) != 1 ||
		c.Disputed[0].Value != catalogue.Yes || c.Disputed[0].Sources[0] != d.Source || c.Disputed[0].Checked != d.Checked {
		t.Errorf("disagreement: %+v", c)
	}
	if c := get("wire", "keys.deniability"); c.Value != catalogue.No || c.Via != "dataset demo" || len(c.Sources) != 1 ||
		!strings.Contains(c.Explanation, "until imscore checks it") {
		t.Errorf("adoption: %+v", c)
	}
	if c := get("wire", "openness.free-client"); c.Value != catalogue.Yes || c.Via != researchVia {
		t.Errorf("research filling a SecuChart gap: %+v", c)
	}
	// A dataset that may not be adopted leaves the gap.
	d.Adopt = false
	files, err = Import(secuchartDir, taxonomy(t), nil, []catalogue.Dataset{d})
	if err != nil {
		t.Fatal(err)
	}
	if c := get("wire", "keys.deniability"); c.Value != catalogue.Unknown || len(c.Disputed) != 0 {
		t.Errorf("not adoptable: %+v", c)
	}
}

func TestDeriveJurisdiction(t *testing.T) {
	snap := Snapshot{Commit: strings.Repeat("a", 40), Date: "2025-12-08"}
	tax := taxonomy(t)
	for _, tc := range []struct {
		details string
		want    catalogue.Value
	}{
		{"USA https://signal.org/legal/", catalogue.No},
		{"Switzerland", catalogue.Partial},
		{"UK with subsidiaries in France & US", catalogue.No},
		{"Canada with two offices in France", catalogue.No},
		{"Germany https://delta.chat/en/gdpr", catalogue.Partial},
		{"anonymous", catalogue.Unknown},
	} {
		rows := map[string]row{"Vendor jurisdiction": {details: tc.details}}
		m, err := Convert(entry{"x", "x", "X", catalogue.KindService, ""}, rows, tax, snap, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := m.Claim("operator.jurisdiction"); c.Value != tc.want {
			t.Errorf("%q: %s, want %s (%s)", tc.details, c.Value, tc.want, c.Explanation)
		}
	}
	// A network anyone can extend has no single operator.
	rows := map[string]row{"Vendor jurisdiction": {details: "USA"}, "User can extend network with node": {value: "yes", details: "https://example.org/p2p"}}
	m, err := Convert(entry{"x", "x", "X", catalogue.KindService, ""}, rows, tax, snap, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := m.Claim("operator.jurisdiction"); c.Value != catalogue.Yes || !contains(c.Sources, "https://example.org/p2p") {
		t.Errorf("federated: %+v", c)
	}
}

func TestResearchRefused(t *testing.T) {
	if _, err := os.Stat(filepath.Join(secuchartDir, "signal.csv")); err != nil {
		t.Skipf("SecuChart data not present: %v", err)
	}
	claim := catalogue.Claim{Criterion: "keys.forward-secrecy", Value: catalogue.Yes, Explanation: "x", Sources: []string{"https://example.org/"}, Checked: "2026-01-01"}
	for name, res := range map[string]*Research{
		"covered by SecuChart": {Claims: map[string][]catalogue.Claim{"signal": {claim}}},
		"not imported":         {Claims: map[string][]catalogue.Claim{"cryptocat": {claim}}},
		"unknown criterion":    {Claims: map[string][]catalogue.Claim{"signal": {{Criterion: "keys.nope", Value: catalogue.Yes, Explanation: "x", Sources: []string{"https://example.org/"}, Checked: "2026-01-01"}}}},
		"no source":            {Claims: map[string][]catalogue.Claim{"signal": {{Criterion: "keys.post-quantum", Value: catalogue.Yes, Explanation: "x"}}}},
	} {
		if _, err := Import(secuchartDir, taxonomy(t), res, nil); err == nil {
			t.Errorf("%s: research accepted", name)
		}
	}
	// Every unknown criterion is named, in order, not just one of them.
	bad := func(id string) catalogue.Claim {
		return catalogue.Claim{Criterion: id, Value: catalogue.Yes, Explanation: "x", Sources: []string{"https://example.org/"}, Checked: "2026-01-01"}
	}
	_, err := Import(secuchartDir, taxonomy(t), &Research{Claims: map[string][]catalogue.Claim{"signal": {bad("keys.zz"), bad("keys.aa")}}}, nil)
	if err == nil || !strings.Contains(err.Error(), `["keys.aa" "keys.zz"]`) {
		t.Errorf("two unknown criteria: %v", err)
	}
}
