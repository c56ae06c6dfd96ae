package bulk

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// dupSchema has contact fields whose names collide with each other and
// with standard columns.
var dupSchema = &mapping.Schema{Fields: map[kommo.EntityType][]*kommo.CustomField{
	kommo.EntityContacts: {
		{ID: 11, Name: "Phone", Type: kommo.FieldMultitext},
		{ID: 12, Name: "Code", Type: kommo.FieldText},
		{ID: 13, Name: "code ", Type: kommo.FieldNumeric},
		{ID: 14, Name: "Tags", Type: kommo.FieldText},
		{ID: 15, Name: "", Type: kommo.FieldText},
		{ID: 16, Name: "Size [2]", Type: kommo.FieldText},
	},
}}

func headers(cols []Column) []string {
	var hs []string
	for _, c := range cols {
		hs = append(hs, c.Header)
	}
	return hs
}

func TestExportColumns(t *testing.T) {
	contactStd := []string{"ID", "Name", "First name", "Last name", "Responsible", "Responsible ID", "Created at", "Updated at", "Tags", "Company ID"}
	tests := []struct {
		name   string
		entity kommo.EntityType
		schema *mapping.Schema
		want   []string
	}{
		{name: "no schema", entity: kommo.EntityContacts, want: contactStd},
		{name: "duplicates get ids", entity: kommo.EntityContacts, schema: dupSchema,
			want: append(append([]string(nil), contactStd...), "Phone", "Code [12]", "code [13]", "Tags [14]", "[15]", "Size [2] [16]")},
		{name: "tasks ignore custom fields", entity: ExportTasks, schema: dupSchema,
			want: []string{"ID", "Text", "Task type", "Task type ID", "Entity type", "Entity ID", "Responsible", "Responsible ID", "Complete till", "Duration", "Completed", "Result", "Created at", "Updated at"}},
		{name: "unknown", entity: "deals", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := headers(ExportColumns(tt.entity, tt.schema))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ExportColumns(%s) headers (-want +got):\n%s", tt.entity, diff)
			}
		})
	}
	cols := ExportColumns(kommo.EntityLeads, nil)
	if c := cols[3]; c.Field != StdStatus || !c.ReadOnly {
		t.Errorf("leads column 3 = %+v, want the read-only stage name", c)
	}
	if c := cols[4]; c.Field != StdStatusID || c.ReadOnly {
		t.Errorf("leads column 4 = %+v, want the writable stage id", c)
	}
}

func TestIsExportLayout(t *testing.T) {
	leads := headers(ExportColumns(kommo.EntityLeads, nil))
	tests := []struct {
		name   string
		header []string
		entity kommo.EntityType
		want   bool
	}{
		{name: "exact", header: leads, entity: kommo.EntityLeads, want: true},
		{name: "with custom columns", header: append(append([]string(nil), leads...), "Budget", "Whatever"), entity: kommo.EntityLeads, want: true},
		{name: "case and space", header: append([]string{" id "}, leads[1:]...), entity: kommo.EntityLeads, want: true},
		{name: "other entity", header: leads, entity: kommo.EntityContacts, want: false},
		{name: "truncated", header: leads[:5], entity: kommo.EntityLeads, want: false},
		{name: "reordered", header: append([]string{leads[1], leads[0]}, leads[2:]...), entity: kommo.EntityLeads, want: false},
		{name: "empty", header: nil, entity: kommo.EntityLeads, want: false},
		{name: "unknown entity", header: leads, entity: "deals", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsExportLayout(tt.header, tt.entity); got != tt.want {
				t.Errorf("IsExportLayout(%q, %s) = %v, want %v", tt.header, tt.entity, got, tt.want)
			}
		})
	}
}

func TestParseExportHeader(t *testing.T) {
	std := headers(ExportColumns(kommo.EntityContacts, nil))
	withStd := func(hs ...string) []string { return append(append([]string(nil), std...), hs...) }

	// Our own header parses back to the same columns.
	own := ExportColumns(kommo.EntityContacts, dupSchema)
	got, err := ParseExportHeader(headers(own), kommo.EntityContacts, dupSchema)
	if err != nil {
		t.Fatalf("ParseExportHeader(own layout) = %v", err)
	}
	if diff := cmp.Diff(own, got); diff != "" {
		t.Errorf("ParseExportHeader(own layout) (-want +got):\n%s", diff)
	}

	tests := []struct {
		name      string
		header    []string
		wantIDs   []int // field ids of the columns after the standard ones
		unknown   []string
		ambiguous []string
		notLayout bool
	}{
		{name: "by name, any case, reordered", header: withStd("phone", "Tags [14]"), wantIDs: []int{11, 14}},
		{name: "id decides", header: withStd("Renamed [13]"), wantIDs: []int{13}},
		{name: "empty header skipped", header: withStd("", "Phone"), wantIDs: []int{0, 11}},
		{name: "unknown", header: withStd("Phone", "Fax"), wantIDs: []int{11, 0}, unknown: []string{"Fax"}},
		{name: "ambiguous", header: withStd("Code"), wantIDs: []int{0}, ambiguous: []string{"Code"}},
		{name: "unknown id falls back to name", header: withStd("Phone [999]"), wantIDs: []int{0}, unknown: []string{"Phone [999]"}},
		{name: "not our layout", header: []string{"Email", "Phone"}, notLayout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols, err := ParseExportHeader(tt.header, kommo.EntityContacts, dupSchema)
			if tt.notLayout {
				if err == nil {
					t.Errorf("ParseExportHeader(%q) = nil error, want not a layout", tt.header)
				}
				return
			}
			var herr *HeaderError
			if len(tt.unknown)+len(tt.ambiguous) > 0 {
				if !errors.As(err, &herr) {
					t.Fatalf("ParseExportHeader(%q) error = %v, want *HeaderError", tt.header, err)
				}
				if !cmp.Equal(herr.Unknown, tt.unknown) || !cmp.Equal(herr.Ambiguous, tt.ambiguous) {
					t.Errorf("HeaderError = %+v, want unknown %q ambiguous %q", herr, tt.unknown, tt.ambiguous)
				}
			} else if err != nil {
				t.Fatalf("ParseExportHeader(%q) = %v", tt.header, err)
			}
			var ids []int
			for _, c := range cols[len(std):] {
				ids = append(ids, c.FieldID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("field ids (-want +got):\n%s", diff)
			}
			if cols[0].Field != StdID {
				t.Errorf("first column = %+v, want id", cols[0])
			}
		})
	}
}
