package engine

import (
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/i18n"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// TestNoteMessages: the errors and warnings of notes cross the boundary
// as codes that render the engine's English and translate.
func TestNoteMessages(t *testing.T) {
	errs := []error{mapping.ErrNoteNoRecord, mapping.ErrNoteEntity, mapping.ErrNoteNoMatch, mapping.ErrDurationInvalid,
		mapping.ErrCallStatusInvalid, &mapping.NameError{Kind: "note type", Name: "memo"}}
	for _, err := range errs {
		msgs := rowErrorMsgs(&sheet.RowError{Row: 2, Column: "C", Err: err})
		if got := i18n.RenderMsgs("en", msgs); !sameQuotes(got, err.Error()) {
			t.Errorf("%v as codes %v reads %q in English", err, msgs, got)
		}
		for _, lang := range i18n.Languages[1:] {
			if s := i18n.RenderMsgs(lang, msgs); strings.Contains(s, "{") || s == i18n.RenderMsgs("en", msgs) {
				t.Errorf("%s: %v reads %q", lang, err, s)
			}
		}
	}
	// The warnings, from a real row of a notes file.
	spec, err := mapping.ParseSpec([]byte("entity: notes\ncolumns: [{column: T, field: note_type}, {column: X, field: text}, {column: P, field: phone}]\nconstants: [{field: entity_type, value: leads}, {field: entity_id, value: '7'}]"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Compile(spec, &mapping.Schema{}, []string{"T", "X", "P"})
	if err != nil {
		t.Fatal(err)
	}
	for _, cells := range [][]string{{"common", "hi", "+1 555"}, {"call_in", "no answer", ""}, {"amomail_message", "hi", ""}} {
		row, errs := m.Map(sheet.Record{Row: 2, Values: cells})
		if errs != nil || len(row.Warnings) == 0 || row.Notes[0].Type == "" || row.Notes[0].Entity != kommo.EntityLeads {
			t.Fatalf("Map(%q) = %+v, %v", cells, row, errs)
		}
		for _, w := range row.Warnings {
			msgs := rowWarningMsgs(w)
			if got := i18n.RenderMsgs("en", msgs); !sameQuotes(got, w.Text()) {
				t.Errorf("%q against %q", got, w.Text())
			}
			for _, lang := range i18n.Languages[1:] {
				if s := i18n.RenderMsgs(lang, msgs); strings.Contains(s, "{") || s == i18n.RenderMsgs("en", msgs) {
					t.Errorf("%s: %v reads %q", lang, w, s)
				}
			}
			c := mapping.Cause{CauseKey: mapping.CauseKey{Column: w.Column, Code: w.Code, Reason: w.Reason}, Action: w.Action, Rows: 2}
			if got := i18n.RenderCause("en", false, c.Column, c.Code, c.Reason, c.Action, 2, ""); got != c.String() {
				t.Errorf("cause %q against %q", got, c.String())
			}
		}
	}
}
