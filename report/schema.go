package report

import (
	"bytes"
	_ "embed"
)

//go:embed schema/report.v1.json
var schemaV1 []byte

// Schema returns the JSON Schema (draft 2020-12) of the JSON report that
// WriteJSON writes (schema_version 1). The caller gets its own copy.
func Schema() []byte { return bytes.Clone(schemaV1) }
