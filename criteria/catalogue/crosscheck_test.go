package catalogue

import (
	"strings"
	"testing"
	"testing/fstest"
)

const testDataset = `id: demo-ds
title: Demo comparison
url: https://demo.example/
source: https://demo.example/table
licence: CC-BY-SA-4.0
attribution: Demo, CC BY-SA 4.0.
version: "2026-01"
checked: "2026-01-02"
adopt: false
rows:
  - messenger: demo
    criterion: enc.e2ee
    value: "yes"
    says: "E2EE: yes"
`

func loadWithDataset(t *testing.T, m, ds string) (*Catalogue, error) {
	t.Helper()
	return LoadFS(fstest.MapFS{
		"taxonomy.yaml":           {Data: []byte(testTaxonomy)},
		"data/demo.yaml":          {Data: []byte(m)},
		"crosscheck/demo-ds.yaml": {Data: []byte(ds)},
	})
}

func TestCrossCheck(t *testing.T) {
	// Agreement without citing the dataset is a problem.
	if _, err := loadWithDataset(t, messengerYAML(goodClaims), testDataset); err == nil || !strings.Contains(err.Error(), "does not cite it as a second source") {
		t.Fatalf("uncited agreement: %v", err)
	}
	cited := strings.Replace(goodClaims, "sources: [https://example.org/e2ee]", "sources: [https://example.org/e2ee, https://demo.example/table]", 1)
	c, err := loadWithDataset(t, messengerYAML(cited), testDataset)
	if err != nil {
		t.Fatal(err)
	}
	ag, errs := c.CrossCheck()
	if len(errs) != 0 || len(ag) != 1 || ag[0].Agree != 1 || ag[0].Disagree != 0 || ag[0].Rate() != 100 {
		t.Fatalf("agreement: %+v %v", ag, errs)
	}
	// A claim resting on the dataset alone is adopted, not agreement.
	only := strings.Replace(goodClaims, "sources: [https://example.org/e2ee]", "sources: [https://demo.example/table]", 1)
	c, err = loadWithDataset(t, messengerYAML(only), testDataset)
	if err != nil {
		t.Fatal(err)
	}
	if ag, _ := c.CrossCheck(); ag[0].Adopted != 1 || ag[0].Agree != 0 || ag[0].Rate() != 0 {
		t.Errorf("adopted: %+v", ag)
	}
	// Disagreement must be recorded as a dissent with the dataset's value.
	no := strings.Replace(testDataset, `value: "yes"`, `value: "no"`, 1)
	if _, err := loadWithDataset(t, messengerYAML(goodClaims), no); err == nil || !strings.Contains(err.Error(), "record it under disputed") {
		t.Fatalf("unrecorded disagreement: %v", err)
	}
	disputed := strings.Replace(goodClaims, "    checked: \"2025-01-01\"\n", "    checked: \"2025-01-01\"\n    disputed:\n      - value: \"no\"\n        explanation: Demo says no.\n        sources: [https://demo.example/table]\n        checked: \"2026-01-02\"\n", 1)
	c, err = loadWithDataset(t, messengerYAML(disputed), no)
	if err != nil {
		t.Fatal(err)
	}
	if ag, _ := c.CrossCheck(); ag[0].Disagree != 1 || ag[0].Rate() != 0 {
		t.Errorf("disagreement: %+v", ag)
	}
	// An unknown claim leaves the row open.
	open := strings.Replace(testDataset, "criterion: enc.e2ee", "criterion: enc.fs", 1)
	c, err = loadWithDataset(t, messengerYAML(goodClaims), open)
	if err != nil {
		t.Fatal(err)
	}
	if ag, _ := c.CrossCheck(); ag[0].Open != 1 {
		t.Errorf("open: %+v", ag)
	}
	// Malformed datasets.
	for _, tc := range []struct{ from, to, want string }{
		{"messenger: demo", "messenger: nope", "no such messenger"},
		{"criterion: enc.e2ee", "criterion: enc.nope", "no such criterion"},
		{`value: "yes"`, `value: unknown`, "bad value"},
		{`says: "E2EE: yes"`, `says: ""`, "says is required"},
		{"id: demo-ds", "id: other", "does not match the file name"},
		{"source: https://demo.example/table", "source: demo.example", "malformed URL"},
		{"licence: CC-BY-SA-4.0\n", "", "licence"},
	} {
		if _, err := loadWithDataset(t, messengerYAML(cited), strings.Replace(testDataset, tc.from, tc.to, 1)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: got %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}

// TestCrossCheckEmbedded: the shipped datasets are consistent with the
// claims (every agreement cited, every disagreement disputed) and each
// compares at least some rows.
func TestCrossCheckEmbedded(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ag, errs := c.CrossCheck()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]bool{"eylenburg": false, "securemessagingapps": false, "kuketz": false}
	for _, a := range ag {
		if _, ok := want[a.Dataset]; ok {
			want[a.Dataset] = true
		}
		if a.Agree+a.Disagree+a.Adopted+a.Open != a.Rows {
			t.Errorf("%s: rows do not add up: %+v", a.Dataset, a)
		}
		if a.Agree+a.Disagree == 0 {
			t.Errorf("%s: nothing compared: %+v", a.Dataset, a)
		}
	}
	for id, ok := range want {
		if !ok {
			t.Errorf("dataset %s missing", id)
		}
	}
}
