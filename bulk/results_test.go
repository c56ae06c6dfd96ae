package bulk

import (
	"bytes"
	"encoding/csv"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// A row that landed with warnings has them in the success file's last
// column, code and text, "; "-joined; the errors file is as it was.
func TestResultFilesWarnings(t *testing.T) {
	var okBuf, errBuf bytes.Buffer
	sw, err := sheet.NewCSVWriter(&okBuf, sheet.CSVWriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ew, err := sheet.NewCSVWriter(&errBuf, sheet.CSVWriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewResultWriter([]string{"Name", "Phone", "Company ID"}, kommo.EntityContacts, sw, ew)
	if err != nil {
		t.Fatal(err)
	}
	kept := &mapping.RowWarning{Row: 2, Column: "Phone", Field: "contacts.PHONE", Value: "555 0101", Code: mapping.WarnPhoneKept,
		Action: mapping.ActionKept, Reason: "no_country_code", Sent: "555 0101",
		Err: &value.ValueError{Kind: value.ErrInvalidPhone, Reason: "no_country_code", Text: "no country code and no default region"}}
	row := &mapping.Row{File: "c.csv", Line: 2, Refs: map[kommo.EntityType]string{kommo.EntityCompanies: "C-9"}, Columns: map[string]string{"companies:ref": "Company ID"}}
	for _, rr := range []RowResult{
		{Line: 2, Action: ActionCreate, IDs: map[kommo.EntityType]int{kommo.EntityContacts: 7}, Values: []string{"Ada", "555 0101", "C-9"},
			Warnings: []*mapping.RowWarning{kept, row.RefNotFound(kommo.EntityCompanies, "C-9")}},
		{Line: 3, Action: ActionCreate, IDs: map[kommo.EntityType]int{kommo.EntityContacts: 8}, Values: []string{"Bob", "+15550100", ""}},
		{Line: 4, Action: ActionError, Column: "Name", Err: errors.New("empty"), Values: []string{"", "", ""}},
	} {
		if err := w.Write(rr); err != nil {
			t.Fatal(err)
		}
	}
	sw.Close()
	ew.Close()
	read := func(b *bytes.Buffer) [][]string {
		recs, err := csv.NewReader(b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	p := ResultColumnPrefix
	want := [][]string{
		{"Name", "Phone", "Company ID", p + "row", p + "action", p + "id", p + "company id", p + "contact id", p + "lead id", p + "task id", p + "changes", p + "warnings"},
		{"Ada", "555 0101", "C-9", "2", "create", "7", "", "7", "", "", "",
			`Phone: phone_kept_as_written: kept as written: invalid phone number: no country code and no default region; ` +
				`Company ID: ref_not_found: not linked: no company "C-9" in this run or the journals given`},
		{"Bob", "+15550100", "", "3", "create", "8", "", "8", "", "", "", ""},
	}
	if diff := cmp.Diff(want, read(&okBuf)); diff != "" {
		t.Errorf("success file (-want +got):\n%s", diff)
	}
	wantErr := [][]string{
		{"Name", "Phone", "Company ID", p + "row", p + "column", p + "error"},
		{"", "", "", "4", "Name", "empty"},
	}
	if diff := cmp.Diff(wantErr, read(&errBuf)); diff != "" {
		t.Errorf("errors file (-want +got):\n%s", diff)
	}
}
