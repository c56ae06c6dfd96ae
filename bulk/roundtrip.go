package bulk

import (
	"strconv"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// roundTripFields are the standard export columns an update writes back,
// by the mapping spec field they feed. Read-only columns (names resolved
// from ids, Updated at), creation times and link columns are not written.
var roundTripFields = map[string]string{
	StdID:            "id",
	StdName:          "name",
	StdFirstName:     "first_name",
	StdLastName:      "last_name",
	StdPrice:         "price",
	StdStatusID:      "status",
	StdPipelineID:    "pipeline",
	StdResponsibleID: "responsible_user",
	StdClosedAt:      "closed_at",
	StdText:          "text",
	StdTaskTypeID:    "task_type",
	StdCompleteTill:  "complete_till",
	StdIsCompleted:   "is_completed",
	StdResult:        "result",
	StdDuration:      "duration",
}

// ExportSpec builds the mapping spec that imports a file in our own export
// layout of entity (see IsExportLayout) back as an update by Kommo id:
// every writable standard column and every custom field column feeds its
// field, multi-values are split on "; " as Export joins them, and an empty
// cell leaves its field unchanged.
func ExportSpec(header []string, entity kommo.EntityType, schema *mapping.Schema) (*mapping.Spec, error) {
	cols, err := ParseExportHeader(header, entity, schema)
	if err != nil {
		return nil, err
	}
	spec := &mapping.Spec{Entity: entity, Key: "ID", Match: mapping.MatchSpec{Primary: "id"}}
	for _, c := range cols {
		switch {
		case c.Header == "" || c.ReadOnly:
		case c.IsCustom():
			t := mapping.Target{Field: strconv.Itoa(c.FieldID)}
			switch c.FieldType {
			case kommo.FieldMultiselect, kommo.FieldMultitext:
				t.Transforms = []string{"split:;"}
			}
			spec.Columns = append(spec.Columns, mapping.ColumnSpec{Column: c.Header, Target: t})
		default:
			if f, ok := roundTripFields[c.Field]; ok {
				spec.Columns = append(spec.Columns, mapping.ColumnSpec{Column: c.Header, Target: mapping.Target{Field: f}})
			}
		}
	}
	return spec, nil
}
