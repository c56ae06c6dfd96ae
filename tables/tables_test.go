package tables

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
)

var unmatched = []migrate.Unmatched{
	{File: "deals.csv", Column: "Deal owner", Kind: "user", Value: "Jane Roe", Rows: 2, Closest: []string{"Ana Admin", "Boris Manager"}},
	{File: "deals.csv", Column: "Pipeline", Kind: "pipeline", Value: "Sales Pipeline", Rows: 4, Closest: []string{"Sales"}},
	{File: "deals.csv", Column: "Stage", Kind: "stage", Value: "Contract sent", Rows: 1},
	{File: "deals.csv", Column: "Source", Kind: "option", Value: "=HYPERLINK(\"x\")", Rows: 1},
}

// TestWriteUnmatched is the table on disk: a byte-order mark, CRLF, the
// header of the tags, formula-like text escaped.
func TestWriteUnmatched(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, UnmatchedRows(unmatched)); err != nil {
		t.Fatal(err)
	}
	want := "\ufeffKind,File,Column,Value,Rows,Closest,Kommo\r\n" +
		"user,deals.csv,Deal owner,Jane Roe,2,Ana Admin; Boris Manager,\r\n" +
		"pipeline,deals.csv,Pipeline,Sales Pipeline,4,Sales,\r\n" +
		"stage,deals.csv,Stage,Contract sent,1,,\r\n" +
		"option,deals.csv,Source,\"'=HYPERLINK(\"\"x\"\")\",1,,\r\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
	// Read gives the values back, the escape undone.
	var rows []UnmatchedRow
	lines, err := Read("u.csv", buf.Bytes(), &rows)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(UnmatchedRows(unmatched), rows); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 3, 4, 5}, lines); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// TestReadUnmatched reads the table back as a spreadsheet saves it after
// the Kommo column is filled: here Excel's "CSV" of a Western locale,
// Windows-1252 with semicolons, a blank line and the columns reordered.
func TestReadUnmatched(t *testing.T) {
	text := "Kommo;Kind;Value;File;Column;Rows;Closest\r\n" +
		"ana@example.com;user;Jane Roe;deals.csv;Deal owner;2;\"Ana Admin; Boris Manager\"\r\n" +
		";pipeline;Sales Pipeline;deals.csv;Pipeline;4;Sales\r\n" +
		"\r\n" +
		"Sales/Proposal;stage;Contract sent;deals.csv;Stage;1;\r\n" +
		"Vendas/Ganho;stage;Ganhó;deals.csv;Stage;1;\r\n"
	data, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	tb, rows, err := ReadUnmatched("filled.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	want := &MigrationTables{Users: map[string]string{"Jane Roe": "ana@example.com"},
		Stages: map[string]string{"Contract sent": "Sales/Proposal", "Ganhó": "Vendas/Ganho"}}
	if diff := cmp.Diff(want, tb); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	if len(rows) != 4 || rows[0].Closest != "Ana Admin; Boris Manager" || rows[1].Value != "Sales Pipeline" || rows[1].Kommo != "" {
		t.Errorf("rows = %+v", rows)
	}

	bad := "\ufeffKind,File,Column,Value,Rows,Closest,Kommo\r\nuser,d.csv,Owner,Jane,1,,Ana\r\noption,d.csv,Source,Web,1,,Website\r\n"
	if _, _, err := ReadUnmatched("filled.csv", []byte(bad)); err == nil || err.Error() != `filled.csv: row 3, column "Kommo": a option has no table (users, pipelines and stages have); map "Web" in the mapping spec (map:) or add it in Kommo` {
		t.Errorf("ReadUnmatched(filled option) error = %v", err)
	}
	noValue := "Kind,Value,Kommo\nuser,,Ana\n"
	if _, _, err := ReadUnmatched("f.csv", []byte(noValue)); err == nil || !strings.Contains(err.Error(), `f.csv: row 2, column "Value": empty`) {
		t.Errorf("ReadUnmatched(no value) error = %v", err)
	}
}

// TestMergeUnmatched keeps what a person filled when the same file is
// written again with the values still unmatched.
func TestMergeUnmatched(t *testing.T) {
	have := []UnmatchedRow{
		{Kind: "user", Value: "Jane Roe", Kommo: "ana@example.com"}, // matched now: kept
		{Kind: "stage", Value: "Contract sent", Kommo: "Nowhere"},   // still unmatched: its row comes back with the value
		{Kind: "pipeline", Value: "Sales Pipeline"},                 // empty: replaced
	}
	got := MergeUnmatched(have, unmatched[1:3])
	want := []UnmatchedRow{
		{Kind: "user", Value: "Jane Roe", Kommo: "ana@example.com"},
		{Kind: "pipeline", File: "deals.csv", Column: "Pipeline", Value: "Sales Pipeline", Rows: "4", Closest: "Sales"},
		{Kind: "stage", File: "deals.csv", Column: "Stage", Value: "Contract sent", Rows: "1", Kommo: "Nowhere"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MergeUnmatched (-want +got):\n%s", diff)
	}
}

func TestSchemaRows(t *testing.T) {
	s := &mapping.Schema{
		Users:     []*kommo.User{{ID: 1, Name: "Ana", Email: "ana@x.io"}},
		Pipelines: []*kommo.Pipeline{{ID: 7, Name: "Sales", IsMain: true}},
		TaskTypes: []kommo.TaskType{{ID: 1, Name: "Follow-up", Code: "FOLLOW_UP"}},
		Fields: map[kommo.EntityType][]*kommo.CustomField{kommo.EntityLeads: {
			{ID: 9, Name: "Source", Type: kommo.FieldSelect, Enums: kommo.Enums{{ID: 1, Value: "Web"}, {ID: 2, Value: "Fair"}}}}},
	}
	s.Pipelines[0].Embedded.Statuses = []*kommo.Status{{ID: 70, Name: "Incoming", Type: 1}, {ID: 71, Name: "New"}, {ID: 142, Name: "Won"}}
	want := map[string]string{
		"users":      "ID,Name,Email\r\n1,Ana,ana@x.io\r\n",
		"pipelines":  "ID,Name,Main,Archived,Stages\r\n7,Sales,yes,no,3\r\n",
		"stages":     "Pipeline ID,Pipeline,Stage ID,Stage,Kind\r\n7,Sales,70,Incoming,incoming\r\n7,Sales,71,New,normal\r\n7,Sales,142,Won,won\r\n",
		"task-types": "ID,Name,Code\r\n1,Follow-up,FOLLOW_UP\r\n",
		"fields":     "Entity,ID,Name,Type,Code,Options\r\nleads,9,Source,select,,Web; Fair\r\n",
	}
	for section, csv := range want {
		rows, err := SchemaRows(s, section, []kommo.EntityType{kommo.EntityLeads})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, rows); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimPrefix(buf.String(), "\ufeff"); got != csv {
			t.Errorf("%s:\n%q\nwant\n%q", section, got, csv)
		}
	}
	if _, err := SchemaRows(s, "nope", nil); err == nil {
		t.Error("SchemaRows(nope) error = nil")
	}
}

func TestWriteReport(t *testing.T) {
	base := filepath.Join(t.TempDir(), "r")
	rep := &migrate.Report{
		Merges:        []migrate.Merge{{File: "c.csv", Line: 4, Entity: kommo.EntityContacts, Key: "103", By: "email ada@x.io", Into: "row 2 (key 101)"}},
		FieldsCreated: []migrate.CreatedField{{Entity: kommo.EntityLeads, Name: "Source", Type: kommo.FieldSelect, ID: 5, Options: []string{"Web", "Fair"}}},
	}
	if err := WriteReport(base, rep); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"-merged.csv":  "File,Row,Entity,Key,Same,Into\r\nc.csv,4,contacts,103,email ada@x.io,row 2 (key 101)\r\n",
		"-skipped.csv": "File,Row,Key,Column,Reason\r\n",
		"-fields.csv":  "Entity,Name,Type,ID,Options\r\nleads,Source,select,5,Web; Fair\r\n",
	}
	for suffix, csv := range want {
		b, err := os.ReadFile(base + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimPrefix(string(b), "\ufeff"); got != csv {
			t.Errorf("%s:\n%q\nwant\n%q", suffix, got, csv)
		}
	}
}
