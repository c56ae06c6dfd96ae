package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMigrateUnmatchedCSVRoundTrip stops a migration on values that
// match nothing, writing them to a CSV; a consultant fills its Kommo
// column in a spreadsheet (saved with semicolons); the migration run
// again with that file as --tables gives the account the YAML tables
// give it. The report's sections come as CSV too.
func TestMigrateUnmatchedCSVRoundTrip(t *testing.T) {
	e := newCLIEnv(t)
	path := filepath.Join(e.dir, "unmatched.csv")
	args := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--results", e.dir, "--rate", "0", "--unmatched-csv", path}, hubspotFiles(t)...)
	code, out, errb := e.run(t, append(args, "--job", "u1")...)
	if code != exitFailed {
		t.Fatalf("migrate = %d, want %d\n%s\n%s", code, exitFailed, out, errb)
	}
	if !strings.Contains(errb, "the values to match are in "+path+": fill its Kommo column, then run again with --tables "+path) {
		t.Errorf("stderr:\n%s", errb)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\ufeffKind,File,Column,Value,Rows,Closest,Kommo\r\n")) {
		t.Fatalf("CSV header:\n%s", b)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rec := range recs[1:] {
		got = append(got, rec[0]+" "+rec[3]+" ("+rec[5]+")")
	}
	want := []string{"user Jane Roe ()", "pipeline Sales Pipeline (Sales)", "stage Appointment scheduled ()", "stage Contract sent (Contacted)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unmatched values (-want +got):\n%s", diff)
	}

	// Filled in a spreadsheet, saved with semicolons.
	fill := map[string]string{"Jane Roe": "ana@example.com", "Sales Pipeline": "Sales", "Appointment scheduled": "Qualified", "Contract sent": "Sales/Proposal"}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	for i, rec := range recs {
		if i > 0 {
			rec[6] = fill[rec[3]]
		}
		w.Write(rec)
	}
	w.Flush()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"migrate", "--from", "hubspot", "--create-fields", "--results", e.dir, "--rate", "0", "--tables", path, "--unmatched-csv", path}, hubspotFiles(t)...)
	code, out, errb = e.run(t, append(args, "--job", "u2")...)
	if code != exitOK { // the contact with no phone digits lands, with a warning
		t.Fatalf("migrate with the filled table = %d\n%s\n%s", code, out, errb)
	}
	// The same account as the YAML tables give (TestMigrateHubSpot).
	if got := accountText(e.emu.Snapshot()); got != hubspotWant {
		t.Errorf("account:\n%s\nwant:\n%s", got, hubspotWant)
	}
	if !strings.Contains(out, "report sections as CSV: u2-report-merged.csv, u2-report-skipped.csv, u2-report-fields.csv") {
		t.Errorf("output does not name the CSV sections:\n%s", out)
	}
	skipped, err := os.ReadFile(filepath.Join(e.dir, "u2-report-skipped.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Every row landed (the contact without phone digits with a warning):
	// the section is its header alone.
	if string(skipped) != "\ufeffFile,Row,Key,Column,Reason\r\n" {
		t.Errorf("skipped rows CSV:\n%s", skipped)
	}
	merged, err := os.ReadFile(filepath.Join(e.dir, "u2-report-merged.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(merged), "hubspot-crm-exports-all-contacts-2024-03-15.csv,4,") || !strings.Contains(string(merged), "ada@example.com") {
		t.Errorf("merged rows CSV:\n%s", merged)
	}
	fields, err := os.ReadFile(filepath.Join(e.dir, "u2-report-fields.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(fields), "companies,External ID,text,") {
		t.Errorf("created fields CSV:\n%s", fields)
	}
}

func TestSchemaCSV(t *testing.T) {
	e := newCLIEnv(t)
	code, out, errb := e.run(t, "schema", "stages", "--rate", "0", "--format", "csv")
	if code != exitOK {
		t.Fatalf("schema stages --format csv = %d\n%s", code, errb)
	}
	want := "\ufeffPipeline ID,Pipeline,Stage ID,Stage,Kind\r\n" +
		"7000001,Sales,7100001,Incoming leads,incoming\r\n7000001,Sales,7100002,New,normal\r\n7000001,Sales,7100003,Qualified,normal\r\n" +
		"7000001,Sales,7100004,Proposal,normal\r\n7000001,Sales,142,Closed - won,won\r\n7000001,Sales,143,Closed - lost,lost\r\n" +
		"7000002,Partners,7100011,Incoming leads,incoming\r\n7000002,Partners,7100012,Contacted,normal\r\n7000002,Partners,7100013,Negotiation,normal\r\n" +
		"7000002,Partners,142,Closed - won,won\r\n7000002,Partners,143,Closed - lost,lost\r\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("stages CSV (-want +got):\n%s", diff)
	}
	if code, _, errb := e.run(t, "schema", "--rate", "0", "--format", "csv"); code != exitUsage || !strings.Contains(errb, "one section at a time") {
		t.Errorf("schema --format csv without a section = %d\n%s", code, errb)
	}
	dir := filepath.Join(e.dir, "schema")
	if code, _, errb := e.run(t, "schema", "--rate", "0", "--format", "csv", "-o", dir); code != exitOK {
		t.Fatalf("schema --format csv -o = %d\n%s", code, errb)
	}
	for name, first := range map[string]string{"users": "1001,Ana Admin,ana@example.com", "pipelines": "7000001,Sales,yes,no,6",
		"task-types": "1,Follow-up,FOLLOW_UP", "fields": "leads,520001,Lead source,select,,Website; Referral; Cold call", "stages": "7000001,Sales,7100001"} {
		b, err := os.ReadFile(filepath.Join(dir, name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\r\n"+first) {
			t.Errorf("%s.csv lacks %q:\n%s", name, first, b)
		}
	}
}
