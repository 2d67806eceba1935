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

//go:embed schema/batch.v1.json
var batchSchemaV1 []byte

// BatchSchema returns the JSON Schema (draft 2020-12) of `imscore batch
// --format json` (schema_version 1); its $defs/entry is one line of a
// batch's index.jsonl. The caller gets its own copy.
func BatchSchema() []byte { return bytes.Clone(batchSchemaV1) }
