package engine

import (
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// TestCheck: one validation pass for both front ends. A row failing only
// for an owner that matches nothing is bad; with Unmatched set its name is
// collected by value instead of reported as a row error (the CLI's import
// stops on it before writing), without it the error is the row's (the
// page shows it on the row). Row sees every record's outcome.
func TestCheck(t *testing.T) {
	e, _ := setup(t)
	schema, err := e.accountSchema(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	const csv = "Name,Owner,Phone\nAna,,+52 55 1234 5678\nBoris,Nobody Atall,\nCarla,,not a phone\n"
	spec := &mapping.Spec{Entity: kommo.EntityContacts, Columns: []mapping.ColumnSpec{
		{Column: "Name", Target: mapping.Target{Field: "name"}},
		{Column: "Owner", Target: mapping.Target{Field: "responsible_user_id"}},
		{Column: "Phone", Target: mapping.Target{Field: "PHONE"}},
	}}
	open := func() (*mapping.Mapper, sheet.Table) {
		tb, err := sheet.Open("c.csv", strings.NewReader(csv), int64(len(csv)), sheet.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tb.Close() })
		m, err := mapping.Compile(spec, schema, tb.Header())
		if err != nil {
			t.Fatal(err)
		}
		return m, tb
	}

	m, tb := open()
	un := migrate.NewUnmatchedNames("c.csv", nil)
	var seen []int
	rep, err := Check(t.Context(), m, tb, CheckOptions{Unmatched: un, MaxErrors: 5, Row: func(rec sheet.Record, row *mapping.Row, errs []*sheet.RowError) {
		seen = append(seen, rec.Row)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 3 || rep.Bad != 1 || rep.Errors != 0 || len(rep.First) != 0 {
		t.Errorf("with Unmatched: rows %d bad %d errors %d first %v, want 3, 1, 0, none", rep.Rows, rep.Bad, rep.Errors, rep.First)
	}
	if v := un.Values(); len(v) != 1 || v[0].Value != "Nobody Atall" || v[0].Rows != 1 {
		t.Errorf("unmatched = %+v, want the one owner once", v)
	}
	if len(seen) != 3 || seen[0] != 2 || seen[2] != 4 {
		t.Errorf("Row saw rows %v, want 2, 3, 4", seen)
	}

	m, tb = open()
	rep, err = Check(t.Context(), m, tb, CheckOptions{MaxErrors: 5})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 3 || rep.Bad != 1 || rep.Errors != 1 || len(rep.First) != 1 || rep.First[0].Column != "Owner" {
		t.Errorf("without Unmatched: rows %d bad %d errors %d first %v, want 3, 1, 1, the owner", rep.Rows, rep.Bad, rep.Errors, rep.First)
	}
}
