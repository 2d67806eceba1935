// Command catimport derives imscore's messenger catalogue files
// (criteria/catalogue/data/*.yaml) from the SecuChart data set.
//
//	go run ./cmd/catimport -secuchart ../shared/data/secuchart -out criteria/catalogue/data
//
// SecuChart ("Comparison of software security features", bkil/secuchart) is
// licensed CC BY-SA 3.0; every file written here carries that licence and an
// attribution line, and data/LICENSE and data/NOTICE sit next to them. The
// importer carries SecuChart's values (yes/partial/no) and source URLs; the
// explanations are ours (one sentence per criterion and value, below), and
// every claim cites the SecuChart file it came from besides the URLs
// SecuChart gives.
//
// Only the messengers in the table below are imported (those of issue 6
// that SecuChart covers); messengers SecuChart lacks are written by hand
// (their files have no "Code generated" header and are left alone).
//
// # Mapping
//
// SecuChart property                      → taxonomy criterion
//
//	End-to-end encryption (yes only)        → encryption.in-transit (E2EE implies the
//	                                          message is encrypted on every link; partial
//	                                          or no E2EE says nothing about transport, so
//	                                          those become unknown)
//	E2EE keys shielded from operator,
//	  else End-to-end encryption            → encryption.provider-cannot-read
//	End-to-end encryption                   → encryption.e2ee-default (SecuChart's partial
//	                                          is "only some chats", i.e. opt-in)
//	Perfect forward secrecy                 → keys.forward-secrecy
//	Deniability                             → keys.deniability
//	Client license                          → openness.free-client
//	Server license                          → openness.free-server
//	Protocol open                           → openness.documented-design
//	Audits                                  → openness.audit
//	Usage without phone number              → account.no-phone-number
//	Desktop, Web (best of the two)          → account.no-smartphone (SecuChart's partial
//	                                          desktop is usually a companion of a phone)
//	Contact list confidential               → metadata.contact-list
//	Metadata protection                     → metadata.protection
//	IP shielded from peers                  → metadata.ip-hidden-from-peers
//	Isolated self-hosting                   → network.self-hostable
//	User can extend network with node       → network.decentralised
//	Tor access of vendor operated network,
//	  else Proxy support                    → network.tor
//	Android F-droid/apk (with Android
//	  Google Play: no Android app at all
//	  is n/a)                               → distribution.outside-app-stores
//	Android F-droid/apk and Google Play
//	  both no (no Android app)              → distribution.no-google-services n/a
//	Vendor jurisdiction (a country in the
//	  details; a federated or peer-to-peer
//	  network is yes whatever the vendor's
//	  country)                              → operator.jurisdiction
//	Server hosted until (a date)            → status discontinued, ended
//	Landing page                            → website
//
// SecuChart has no property for encryption.group-e2ee, encryption.at-rest,
// keys.verifiable, keys.post-compromise, keys.post-quantum and
// operator.funding, and leaves many properties empty: those cells come from
// imscore's own research (criteria/catalogue/research/ID.yaml, each claim with
// its sources and check date, marked "via: imscore research"), else from a
// cross-checked dataset that may be adopted (criteria/catalogue/crosscheck,
// marked "via: dataset ID"), else they are written as unknown (no value
// without a source). Research only fills what SecuChart leaves unknown:
// research for a cell SecuChart rates, or for a messenger it does not
// cover, is refused (hand-curated files are edited directly).
//
// Then every cross-checked dataset's rows are applied: a claim the dataset
// agrees with cites it as a second source, a claim it contradicts records
// its answer under disputed (see criteria/catalogue/crosscheck.go).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/imscore/imscore/criteria/catalogue"
)

// entry says how one SecuChart file becomes one catalogue messenger.
type entry struct {
	file     string // SecuChart file name without .csv
	id       string // our ID (file name of the output)
	name     string // display name
	kind     string
	protocol string
}

// aliases are other names people type for the imported messengers:
// former names and the names of a network's main client.
var aliases = map[string][]string{
	"matrix":     {"Element", "Riot", "Riot.im", "Element X", "Vector"},
	"jami":       {"Ring", "GNU Ring", "SFLphone"},
	"session":    {"Loki Messenger", "Oxen Session"},
	"wickr":      {"AWS Wickr", "Wickr Messenger"},
	"bitmessage": {"PyBitmessage"},
	"threema":    {"Threema Libre"},
	"tox":        {"qTox", "uTox", "aTox", "TRIfA"},
	"viber":      {"Rakuten Viber"},
}

// entries are the issue-6 and issue-15 messengers SecuChart covers.
var entries = []entry{
	{"briar", "briar", "Briar", catalogue.KindService, "bramble"},
	{"conversations", "conversations", "Conversations", catalogue.KindClient, "xmpp"},
	{"delta_chat", "delta-chat", "Delta Chat", catalogue.KindClient, "email"},
	{"dino", "dino", "Dino", catalogue.KindClient, "xmpp"},
	{"gajim", "gajim", "Gajim", catalogue.KindClient, "xmpp"},
	{"imessage", "imessage", "Apple iMessage", catalogue.KindService, ""},
	{"jami", "jami", "Jami", catalogue.KindService, ""},
	{"keybase", "keybase", "Keybase", catalogue.KindService, ""},
	{"matrix", "matrix", "Matrix/Element", catalogue.KindClient, "matrix"},
	{"molly", "molly", "Molly", catalogue.KindClient, "signal"},
	{"monal", "monal", "Monal", catalogue.KindClient, "xmpp"},
	{"pidgin", "pidgin", "Pidgin", catalogue.KindClient, "xmpp"},
	{"pybitmessage", "bitmessage", "Bitmessage (PyBitmessage)", catalogue.KindClient, "bitmessage"},
	{"retroshare", "retroshare", "RetroShare", catalogue.KindService, ""},
	{"session", "session", "Session", catalogue.KindService, ""},
	{"signal", "signal", "Signal", catalogue.KindService, "signal"},
	{"simplex", "simplex", "SimpleX Chat", catalogue.KindService, "simplex"},
	{"skype", "skype", "Skype", catalogue.KindService, ""},
	{"telegram", "telegram", "Telegram", catalogue.KindService, "telegram"},
	{"threema", "threema", "Threema", catalogue.KindService, ""},
	{"tox", "tox", "Tox", catalogue.KindProtocol, "tox"},
	{"viber", "viber", "Viber", catalogue.KindService, ""},
	{"whatsapp", "whatsapp", "WhatsApp", catalogue.KindService, ""},
	{"wickr_me", "wickr", "Wickr Me", catalogue.KindService, ""},
	{"wire", "wire", "Wire", catalogue.KindService, ""},
}

// rule maps SecuChart properties onto one criterion. The first property
// with a value wins; combine, when set, decides from all of them instead.
type rule struct {
	criterion string
	props     []string
	// combine folds the values of props (in order; "" = absent or empty)
	// into one value; nil means "the first non-empty one".
	combine func(vals []string) string
	// text is our explanation per value.
	text map[catalogue.Value]string
}

var rules = []rule{
	{criterion: "encryption.in-transit", props: []string{"End-to-end encryption"},
		combine: func(v []string) string {
			if v[0] == "yes" {
				return "yes"
			}
			return ""
		},
		text: map[catalogue.Value]string{
			catalogue.Yes: "Messages are end-to-end encrypted, so they are encrypted on every link they cross.",
		}},
	{criterion: "encryption.provider-cannot-read", props: []string{"E2EE keys shielded from operator", "End-to-end encryption"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "Messages are end-to-end encrypted with keys the operator does not hold.",
			catalogue.Partial: "Only some conversations are end-to-end encrypted, or the operator can get at the keys in some set-ups.",
			catalogue.No:      "The operator can read messages: they are not end-to-end encrypted.",
		}},
	{criterion: "encryption.e2ee-default", props: []string{"End-to-end encryption"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "Conversations are end-to-end encrypted without the user turning it on.",
			catalogue.Partial: "End-to-end encryption exists but only for some conversations or as an opt-in mode.",
			catalogue.No:      "Conversations are not end-to-end encrypted.",
		}},
	{criterion: "keys.forward-secrecy", props: []string{"Perfect forward secrecy"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "Session keys are replaced as the conversation goes on, so a stolen key does not open past messages.",
			catalogue.Partial: "Forward secrecy covers only some conversations or modes.",
			catalogue.No:      "No forward secrecy: one stolen key opens past messages.",
		}},
	{criterion: "keys.deniability", props: []string{"Deniability"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "Messages are deniable: a recipient cannot prove to others who wrote them.",
			catalogue.Partial: "Deniability holds only in part (for example not towards the server, or only optionally).",
			catalogue.No:      "Messages are not deniable.",
		}},
	{criterion: "openness.free-client", props: []string{"Client license"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "The client's source code is published under a free licence.",
			catalogue.Partial: "Only part of the client is free software, or not every platform's client is.",
			catalogue.No:      "The client is proprietary.",
		}},
	{criterion: "openness.free-server", props: []string{"Server license"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "The server software is published under a free licence.",
			catalogue.Partial: "Only part of the server side is published as free software.",
			catalogue.No:      "The server software is proprietary.",
		}},
	{criterion: "openness.documented-design", props: []string{"Protocol open"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "The protocol is specified in public, in enough detail to implement it.",
			catalogue.Partial: "The protocol is documented only roughly; implementing it needs the source code or reverse engineering.",
			catalogue.No:      "The protocol is not published.",
		}},
	{criterion: "openness.audit", props: []string{"Audits"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "Independent security audits have been published (see the sources for auditor and year).",
			catalogue.Partial: "Only part of the system has been audited, or the audit is old or limited.",
			catalogue.No:      "No independent audit is known.",
		}},
	{criterion: "account.no-phone-number", props: []string{"Usage without phone number"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "An account needs no phone number.",
			catalogue.Partial: "A phone number can be avoided only with extra effort or in some set-ups.",
			catalogue.No:      "A phone number is required to sign up.",
		}},
	{criterion: "account.no-smartphone", props: []string{"Desktop", "Web"},
		combine: func(v []string) string {
			best := ""
			for _, x := range v {
				switch {
				case x == "yes":
					return "yes"
				case x == "partial":
					best = "partial"
				case x == "no" && best == "":
					best = "no"
				}
			}
			// "no" only when both are known to be no.
			if best == "no" && (v[0] == "" || v[1] == "") {
				return ""
			}
			return best
		},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "A full desktop or web app exists, so no smartphone is needed.",
			catalogue.Partial: "A desktop or web app exists but is limited, typically a companion to a phone install.",
			catalogue.No:      "There is neither a desktop nor a web app: it needs a phone or tablet.",
		}},
	{criterion: "metadata.contact-list", props: []string{"Contact list confidential"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "The client does not hand the user's contact list to the server.",
			catalogue.Partial: "The contact list reaches the server, but protected (hashed, or in a secure enclave).",
			catalogue.No:      "The contact list is uploaded to the server.",
		}},
	{criterion: "metadata.protection", props: []string{"Metadata protection"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "The design keeps who-talks-to-whom from the server.",
			catalogue.Partial: "Some metadata is protected, but the server can still learn part of the social graph or timing.",
			catalogue.No:      "The server sees who talks to whom and when.",
		}},
	{criterion: "metadata.ip-hidden-from-peers", props: []string{"IP shielded from peers"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "Contacts do not learn the user's IP address.",
			catalogue.Partial: "The IP address is hidden from contacts except in some cases (for example direct calls).",
			catalogue.No:      "Contacts can learn the user's IP address.",
		}},
	{criterion: "network.self-hostable", props: []string{"Isolated self-hosting"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "The whole system can be run on one's own servers, even on an isolated network.",
			catalogue.Partial: "Parts can be self-hosted, but the vendor's servers are still needed for some functions.",
			catalogue.No:      "It cannot be run without the vendor's servers.",
		}},
	{criterion: "network.decentralised", props: []string{"User can extend network with node"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "Anyone can add a server or peer to the network (federated or peer-to-peer).",
			catalogue.Partial: "The network is only partly open to new nodes.",
			catalogue.No:      "One operator runs the network; users cannot add nodes.",
		}},
	{criterion: "network.tor", props: []string{"Tor access of vendor operated network", "Proxy support"},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "It works over Tor (or a SOCKS proxy such as Tor) without being blocked.",
			catalogue.Partial: "Tor or proxy use works only in part (for example through exit nodes, or for some connections).",
			catalogue.No:      "It cannot be used over Tor, or Tor users are blocked.",
		}},
	{criterion: "distribution.outside-app-stores", props: []string{"Android F-droid/apk", "Android Google Play"},
		combine: func(v []string) string {
			switch {
			case v[0] == "yes" || v[0] == "partial":
				return v[0]
			case v[0] == "no" && v[1] == "yes":
				return "no"
			case v[0] == "no" && v[1] == "no":
				return string(catalogue.NA)
			}
			return ""
		},
		text: map[catalogue.Value]string{
			catalogue.Yes:     "F-Droid's main repository ships the Android app, built from source.",
			catalogue.Partial: "Outside Google Play the Android app comes only as the vendor's own download (APK) or from a separate F-Droid repository.",
			catalogue.No:      "The Android app is available only through Google Play (SecuChart lists no F-Droid build and no APK).",
			catalogue.NA:      "There is no Android app (neither on Google Play nor on F-Droid or as an APK).",
		}},
	// SecuChart has no property for Google Play Services; it only settles
	// the case without an Android app. The rest is imscore research.
	{criterion: "distribution.no-google-services", props: []string{"Android F-droid/apk", "Android Google Play"},
		combine: func(v []string) string {
			if v[0] == "no" && v[1] == "no" {
				return string(catalogue.NA)
			}
			return ""
		},
		text: map[catalogue.Value]string{
			catalogue.NA: "There is no Android app (neither on Google Play nor on F-Droid or as an APK), so Google Play Services play no part.",
		}},
}

const (
	repoURL = "https://github.com/bkil/secuchart"
	header  = "# Code generated by cmd/catimport from SecuChart; DO NOT EDIT.\n" +
		"# Derived from SecuChart (https://github.com/bkil/secuchart), CC BY-SA 3.0;\n" +
		"# see LICENSE and NOTICE in this directory. Claims \"via: imscore research\"\n" +
		"# come from criteria/catalogue/research/ID.yaml.\n"
	researchVia = "imscore research"
)

// Convert turns one SecuChart file's rows into a catalogue messenger.
func Convert(e entry, rows map[string]row, tax *catalogue.Taxonomy, snap Snapshot, research []catalogue.Claim, datasets []catalogue.Dataset, status map[string]StatusInfo) (*catalogue.Messenger, error) {
	fileURL := repoURL + "/blob/" + snap.Commit + "/data/" + e.file + ".csv"
	m := &catalogue.Messenger{
		ID:       e.id,
		Name:     e.name,
		Kind:     e.kind,
		Protocol: e.protocol,
		Status:   catalogue.StatusCurrent,
		Licence:  "CC-BY-SA-3.0",
		Attribution: "Derived from SecuChart (" + repoURL + "), file data/" + e.file + ".csv at commit " +
			snap.Commit[:12] + " (" + snap.Date + "), CC BY-SA 3.0. Values and source URLs carried over; explanations by imscore.",
	}
	if r, ok := rows["Landing page"]; ok {
		if us := URLs(r.details + " " + r.notes); len(us) > 0 {
			m.Website = us[0]
		}
	}
	if r, ok := rows["Server hosted until"]; ok {
		if d := strings.TrimSpace(r.details); catalogue.CheckDate(d) == nil {
			m.Status = catalogue.StatusDiscontinued
			m.Ended = d
			m.StatusSources = append([]string{fileURL}, URLs(r.notes)...)
		}
	}
	m.Aliases = aliases[e.id]
	byCrit := map[string]rule{}
	for _, r := range rules {
		byCrit[r.criterion] = r
	}
	researched := map[string]catalogue.Claim{}
	for _, c := range research {
		if _, dup := researched[c.Criterion]; dup {
			return nil, fmt.Errorf("%s: research for %s given twice", e.id, c.Criterion)
		}
		if _, ok := tax.Criterion(c.Criterion); !ok {
			continue // reported below
		}
		c.Via = researchVia
		researched[c.Criterion] = c
	}
	for _, cr := range tax.Criteria {
		var c catalogue.Claim
		if r, ok := byCrit[cr.ID]; ok {
			c = apply(r, rows, fileURL, snap)
		} else {
			c = catalogue.Claim{
				Criterion:   cr.ID,
				Value:       catalogue.Unknown,
				Explanation: "Not covered by SecuChart and not yet researched by imscore.",
			}
		}
		if rc, ok := researched[cr.ID]; ok {
			if c.Value != catalogue.Unknown {
				return nil, fmt.Errorf("%s: research for %s, which SecuChart rates %s", e.id, cr.ID, c.Value)
			}
			c = rc
			delete(researched, cr.ID)
		}
		m.Claims = append(m.Claims, c)
	}
	var unknownCrit []string
	for _, c := range research {
		if _, ok := tax.Criterion(c.Criterion); !ok {
			unknownCrit = append(unknownCrit, c.Criterion)
		}
	}
	if len(unknownCrit) > 0 {
		slices.Sort(unknownCrit)
		return nil, fmt.Errorf("%s: research for unknown criteria %q", e.id, unknownCrit)
	}
	// Gaps: datasets kept up to date may fill them; the jurisdiction is
	// derived from our own claims first (a federated network is yes).
	adoptDatasets(m, datasets, "operator.jurisdiction")
	deriveJurisdiction(m, rows, fileURL, snap)
	adoptDatasets(m, datasets, "")
	deriveInTransit(m)
	deriveNoGoogleServices(m)
	applyDatasets(m, datasets)
	if st, ok := status[e.id]; ok {
		applyStatus(m, st)
	}
	if err := tax.Validate(m); err != nil {
		return nil, fmt.Errorf("%s: %w", e.file, err)
	}
	return m, nil
}

func apply(r rule, rows map[string]row, fileURL string, snap Snapshot) catalogue.Claim {
	vals := make([]string, len(r.props))
	present := false
	for i, p := range r.props {
		if x, ok := rows[p]; ok {
			present = true
			vals[i] = x.value
		}
	}
	v := ""
	if r.combine != nil {
		v = r.combine(vals)
	} else {
		for _, x := range vals {
			if x != "" {
				v = x
				break
			}
		}
	}
	// Sources: the SecuChart file, then the URLs SecuChart gives for the
	// properties that decided (all of them when combined).
	var used []string
	for i, p := range r.props {
		if r.combine != nil || vals[i] == v {
			used = append(used, p)
			if r.combine == nil {
				break
			}
		}
	}
	srcs := []string{fileURL}
	var text strings.Builder
	for _, p := range used {
		if x, ok := rows[p]; ok {
			text.WriteString(x.details + " " + x.notes + " ")
		}
	}
	for _, u := range URLs(text.String()) {
		if u != fileURL {
			srcs = append(srcs, u)
		}
	}
	c := catalogue.Claim{Criterion: r.criterion, Checked: snap.Date, Via: "secuchart: " + strings.Join(used, " + ")}
	val := catalogue.Value(v)
	expl, ok := r.text[val]
	switch {
	case v == "" && !present:
		c.Value = catalogue.Unknown
		c.Explanation = "SecuChart does not rate this yet."
		c.Via = "secuchart: " + strings.Join(r.props, " + ") + " (absent)"
	case v == "" || !ok:
		c.Value = catalogue.Unknown
		c.Explanation = "SecuChart gives no rating that settles this."
	default:
		c.Value = val
		c.Explanation = expl
	}
	c.Sources = srcs
	return c
}

// Marshal renders m as a catalogue data file.
func Marshal(m *catalogue.Messenger) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Import converts every entry and returns the files to write, by name.
// datasets are the cross-checked datasets (crosscheck/*.yaml).
func Import(dir string, tax *catalogue.Taxonomy, res *Research, datasets []catalogue.Dataset) (map[string][]byte, error) {
	snap, err := ReadSnapshot(dir)
	if err != nil {
		return nil, err
	}
	if res == nil {
		res = &Research{}
	}
	known := map[string]bool{}
	for _, e := range entries {
		known[e.id] = true
	}
	for id := range res.Claims {
		if !known[id] {
			return nil, fmt.Errorf("research for %q, which is not imported from SecuChart (edit its file directly)", id)
		}
	}
	for id := range res.Status {
		if !known[id] {
			return nil, fmt.Errorf("research status for %q, which is not imported from SecuChart (edit its file directly)", id)
		}
	}
	out := map[string][]byte{}
	var errs []error
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, e.file+".csv"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rows, err := ReadCSV(f)
		f.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.file, err))
			continue
		}
		m, err := Convert(e, rows, tax, snap, res.Claims[e.id], datasets, res.Status)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b, err := Marshal(m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[e.id+".yaml"] = b
	}
	return out, errors.Join(errs...)
}

func main() {
	dir := flag.String("secuchart", "../shared/data/secuchart", "directory of the SecuChart CSV files")
	outDir := flag.String("out", "criteria/catalogue/data", "directory to write the catalogue files into")
	taxFile := flag.String("taxonomy", "criteria/catalogue/taxonomy.yaml", "the taxonomy to map onto")
	resFile := flag.String("research", "criteria/catalogue/research", "directory of imscore's own sourced claims (one ID.yaml per messenger) for the cells SecuChart leaves empty")
	ccDir := flag.String("crosscheck", "criteria/catalogue", "the catalogue directory whose crosscheck/*.yaml datasets are applied")
	flag.Parse()
	if err := run(*dir, *outDir, *taxFile, *resFile, *ccDir); err != nil {
		fmt.Fprintln(os.Stderr, "catimport:", err)
		os.Exit(1)
	}
}

func run(dir, outDir, taxFile, resFile, ccDir string) error {
	tb, err := os.ReadFile(taxFile)
	if err != nil {
		return err
	}
	tax, err := catalogue.ParseTaxonomy(tb)
	if err != nil {
		return fmt.Errorf("%s: %w", taxFile, err)
	}
	res, err := ReadResearch(resFile)
	if err != nil {
		return err
	}
	datasets, err := catalogue.LoadDatasets(os.DirFS(ccDir))
	if err != nil {
		return err
	}
	files, err := Import(dir, tax, res, datasets)
	if err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("catimport: wrote %d files to %s\n", len(files), outDir)
	return nil
}
