// Package report is imscore's report model and its renderers.
//
// A Report (model.go) is what one scan concluded: the target, when and how
// long it was scanned, the grade and score, the area scores, the grade caps
// that applied, one Finding per criterion (status, summary, evidence, fix,
// references) and the probes' raw observations. Its JSON form is a public
// contract with a version: schema_version 1, described by the JSON Schema
// in schema/report.v1.json (new fields are added without a bump; a rename,
// a removal or a change of meaning bumps it). ReadJSON refuses other
// versions.
//
// Renderers read only the model and are deterministic — the same report
// always gives the same bytes, so every format has golden tests:
//
//   - WriteTable: the terminal table (colour only when asked; peer text made
//     visible-safe and wrapped to the width).
//   - WriteJSON / ReadJSON: the report itself, findings sorted by criterion.
//   - WriteJUnit: one test case per criterion, for CI test reporters
//     (validated against schema/junit-10.xsd).
//   - WriteSARIF: SARIF 2.1.0, one rule per criterion and one result per
//     failure, warning or unmeasured criterion, for code-scanning dashboards.
//   - Diff / WriteDiff / WriteDiffJSON: what changed between two reports of
//     one target, and whether anything got worse (`imscore diff`).
//
// A Comparison (compare*.go) is the other model: messengers of the
// catalogue (criteria/catalogue) side by side, a sourced claim per
// criterion, with live scans of servers (LiveServer, built from a Report)
// beside them. View narrows it to some criterion groups and orders the
// messengers; PersonaView orders them by a threat-model persona's score
// and marks its weights on the rows (`compare --persona`);
// WriteCompareTable and WriteCompareJSON render a view (`imscore
// compare`), package web draws every view as pages.
//
// Visible is the one function that makes text from a peer safe for a
// terminal or a page: control characters, bidirectional overrides and
// other invisible characters are shown as escapes, not interpreted.
// Statuses are always spelled out in words, never by colour alone, from
// one vocabulary (status.go). The static HTML site is rendered by package
// web from the same model.
package report
