package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

const exportTestToken = "cli-export-token"

// exportEnv starts an emulator with three leads and two contacts and
// returns the environment that points the CLI at it.
func exportEnv(t *testing.T) map[string]string {
	t.Helper()
	srv, err := kommotest.NewServer(kommotest.Options{Tokens: []string{exportTestToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c, err := kommo.NewClient(ts.URL, kommo.WithToken(exportTestToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	day := func(m time.Month, d int) int64 { return time.Date(2025, m, d, 0, 0, 0, 0, time.UTC).Unix() }
	if _, _, err := c.Contacts.Create(ctx, []kommo.ContactRequest{
		{FirstName: "Ada", LastName: "Lovelace", ResponsibleUserID: kommotest.SeedUserBoris, CustomFieldsValues: kommo.CustomFieldValues{
			{FieldID: kommotest.SeedContactEmail, Values: []kommo.FieldValue{kommo.Multitext("ada@example.com", kommo.EmailWork)}}}},
		{FirstName: "Charles", LastName: "Babbage"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Leads.Create(ctx, []kommo.LeadRequest{
		{Name: "Analytical engine", PipelineID: kommotest.SeedPipelineSales, StatusID: kommotest.SeedStatusSalesQualified,
			ResponsibleUserID: kommotest.SeedUserBoris, CreatedAt: day(1, 10) + 3600*12},
		{Name: "Difference engine", PipelineID: kommotest.SeedPipelinePartners, StatusID: kommotest.SeedStatusPartnersContacted,
			ResponsibleUserID: kommotest.SeedUserChen, CreatedAt: day(2, 15)},
		{Name: "Jacquard loom", CreatedAt: day(2, 28) + 86399},
	}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"KOMMO_BASE_URL": ts.URL, "KOMMO_TOKEN": exportTestToken}
}

// runExport runs the export command as Main.Run would.
func runExport(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	m, out, errb := testMain(env)
	code := m.exitCode((&ExportCommand{m: m}).Run(t.Context(), append(args, "--rate", "100000")))
	return code, out.String(), errb.String()
}

func runSchema(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	m, out, errb := testMain(env)
	code := m.exitCode((&SchemaCommand{m: m}).Run(t.Context(), args))
	return code, out.String(), errb.String()
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("reading CSV %q: %v", s, err)
	}
	return rows
}

// names returns the Name column of an export.
func names(rows [][]string) []string {
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[1])
	}
	return out
}

func TestExportCommandUsage(t *testing.T) {
	env := exportEnv(t)
	tests := []struct {
		name string
		args []string
		code int
		err  []string
	}{
		{name: "help", args: []string{"-h"}, code: exitOK, err: []string{"Usage: kommo-bulk export leads|contacts", "-created-from", "Examples:"}},
		{name: "no dataset", args: nil, code: exitUsage, err: []string{"export what?", "leads|contacts|companies|tasks|events|pipelines|fields"}},
		{name: "unknown dataset", args: []string{"deals", "-o", "x.csv"}, code: exitUsage, err: []string{`unknown dataset "deals"`}},
		{name: "two datasets", args: []string{"leads", "contacts", "-o", "x.csv"}, code: exitUsage, err: []string{`unexpected argument "contacts"`}},
		{name: "no output", args: []string{"leads"}, code: exitUsage, err: []string{"no output", "Try: kommo-bulk export leads -o leads.xlsx"}},
		{name: "unknown stage with the closest", args: []string{"leads", "--stage", "Qualifyed", "-o", "-"}, code: exitUsage,
			err: []string{`--stage: unknown stage "Qualifyed" in any pipeline; did you mean "Qualified"`, "Try: kommo-bulk schema stages"}},
		{name: "stage not in pipeline", args: []string{"leads", "--pipeline", "Partners", "--stage", "Qualified", "-o", "-"}, code: exitUsage,
			err: []string{`--stage: unknown stage "Qualified" in pipeline "Partners"`}},
		{name: "unknown pipeline", args: []string{"leads", "--pipeline", "Partner", "-o", "-"}, code: exitUsage,
			err: []string{`--pipeline: unknown pipeline "Partner"; did you mean "Partners"`, "Try: kommo-bulk schema pipelines"}},
		{name: "unknown user", args: []string{"leads", "--responsible", "bors@example.com", "-o", "-"}, code: exitUsage,
			err: []string{`--responsible: unknown user "bors@example.com"; did you mean "boris@example.com"`, "Try: kommo-bulk schema users"}},
		{name: "unknown task type", args: []string{"tasks", "--task-type", "Send quota", "-o", "-"}, code: exitUsage,
			err: []string{`--task-type: unknown task type "Send quota"; did you mean "Send quote"`, "Try: kommo-bulk schema task-types"}},
		{name: "flag of another dataset", args: []string{"contacts", "--stage", "New", "-o", "-"}, code: exitUsage, err: []string{"--stage does not apply to contacts"}},
		{name: "bad date", args: []string{"leads", "--created-from", "2025-13-01", "-o", "-"}, code: exitUsage, err: []string{`--created-from "2025-13-01"`}},
		{name: "inverted range", args: []string{"leads", "--created-from", "2025-02-01", "--created-to", "2025-01-01", "-o", "-"}, code: exitUsage, err: []string{"after"}},
		{name: "bad ids", args: []string{"leads", "--ids", "1,x", "-o", "-"}, code: exitUsage, err: []string{`"x" is not an id`}},
		{name: "unknown extension", args: []string{"leads", "-o", "leads.pdf"}, code: exitUsage, err: []string{"cannot tell the format"}},
		{name: "unknown format", args: []string{"leads", "-o", "-", "--format", "ods"}, code: exitUsage, err: []string{`unknown --format "ods"`}},
		{name: "json to stdout", args: []string{"leads", "-o", "-", "--json"}, code: exitUsage, err: []string{"--json needs -o FILE"}},
		{name: "bad tz", args: []string{"leads", "-o", "-", "--tz", "Mars/Olympus"}, code: exitUsage, err: []string{"unknown time zone"}},
		{name: "bad entity for tasks", args: []string{"tasks", "--entity", "deals", "-o", "-"}, code: exitUsage, err: []string{`--entity "deals"`}},
		{name: "bad completed", args: []string{"tasks", "--completed", "maybe", "-o", "-"}, code: exitUsage, err: []string{"want true or false"}},
		{name: "bad flag", args: []string{"leads", "--nope"}, code: exitUsage, err: []string{"Try: kommo-bulk export -h"}},
		{name: "unknown event type", args: []string{"events", "--event-types", "lead_added,lead_status_change", "-o", "-"}, code: exitUsage,
			err: []string{`--event-types: "lead_status_change" is not a Kommo event type; closest: lead_status_changed`, "Try: --event-types"}},
		{name: "amoCRM event type", args: []string{"events", "--event-types", "customer_added", "-o", "-"}, code: exitUsage,
			err: []string{`"customer_added" is an amoCRM event type, not in Kommo's list; closest:`, "company_added"}},
		{name: "bad field event type", args: []string{"events", "--event-types", "custom_field_x_value_changed", "-o", "-"}, code: exitUsage,
			err: []string{`"custom_field_x_value_changed" is not a Kommo event type; closest: custom_field_value_changed`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runExport(t, env, tt.args...)
			if code != tt.code {
				t.Errorf("export %q = %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, out, errs)
			}
			for _, want := range tt.err {
				if !strings.Contains(errs, want) {
					t.Errorf("export %q stderr lacks %q:\n%s", tt.args, want, errs)
				}
			}
		})
	}
	// Without credentials.
	code, _, errs := runExport(t, map[string]string{}, "leads", "-o", "-")
	if code != exitUsage || !strings.Contains(errs, "no account") {
		t.Errorf("export without an account = %d, %s", code, errs)
	}
}

func TestExportCommandFilters(t *testing.T) {
	env := exportEnv(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "all", args: []string{"leads"}, want: []string{"Analytical engine", "Difference engine", "Jacquard loom"}},
		{name: "stage by name", args: []string{"leads", "--stage", "qualified"}, want: []string{"Analytical engine"}},
		{name: "stage by id", args: []string{"leads", "--stage", "7100012"}, want: []string{"Difference engine"}},
		{name: "two stages", args: []string{"leads", "--stage", "Qualified", "--stage", "Contacted"}, want: []string{"Analytical engine", "Difference engine"}},
		{name: "pipeline", args: []string{"leads", "--pipeline", "Sales"}, want: []string{"Analytical engine", "Jacquard loom"}},
		{name: "pipeline and stage", args: []string{"leads", "--pipeline", "7000001", "--stage", "New"}, want: []string{"Jacquard loom"}},
		{name: "responsible by email", args: []string{"leads", "--responsible", "BORIS@example.com"}, want: []string{"Analytical engine"}},
		{name: "responsible by name and id", args: []string{"leads", "--responsible", "Chen Sales", "--responsible", "1001"}, want: []string{"Difference engine", "Jacquard loom"}},
		{name: "created range, whole days", args: []string{"leads", "--created-from", "2025-02-15", "--created-to", "2025-02-28"}, want: []string{"Difference engine", "Jacquard loom"}},
		{name: "created to excludes the next day", args: []string{"leads", "--created-to", "2025-02-14"}, want: []string{"Analytical engine"}},
		{name: "created from RFC 3339", args: []string{"leads", "--created-from", "2025-01-10T12:00:01Z"}, want: []string{"Difference engine", "Jacquard loom"}},
		{name: "time zone moves the day", args: []string{"leads", "--created-to", "2025-02-28", "--tz", "Asia/Tokyo"}, want: []string{"Analytical engine", "Difference engine"}},
		{name: "query", args: []string{"leads", "--query", "Jacquard"}, want: []string{"Jacquard loom"}},
		{name: "ids", args: []string{"leads", "--ids", "10000003,10000001"}, want: []string{"Analytical engine", "Jacquard loom"}},
		{name: "contacts by email query", args: []string{"contacts", "--query", "ada@example.com"}, want: []string{"Ada Lovelace"}},
		{name: "flags before the dataset", args: []string{"--query", "Babbage", "contacts"}, want: []string{"Charles Babbage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runExport(t, env, append(tt.args, "-o", "-", "--quiet")...)
			if code != exitOK {
				t.Fatalf("export %q = %d\n%s", tt.args, code, errs)
			}
			if errs != "" {
				t.Errorf("--quiet export wrote to stderr: %s", errs)
			}
			if diff := cmp.Diff(tt.want, names(readCSV(t, out))); diff != "" {
				t.Errorf("export %q names (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

func TestExportCommandFiles(t *testing.T) {
	env := exportEnv(t)
	dir := t.TempDir()
	for _, tc := range []struct{ file, format string }{
		{"leads.csv", "csv"}, {"leads.xlsx", "xlsx"}, {"leads.data", "xlsx"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			args := []string{"leads", "--stage", "Qualified", "-o", path, "--json", "--tz", "Europe/Madrid"}
			if filepath.Ext(tc.file) == ".data" {
				args = append(args, "--format", tc.format)
			}
			code, out, errs := runExport(t, env, args...)
			if code != exitOK {
				t.Fatalf("export = %d\n%s", code, errs)
			}
			var sum exportSummary
			if err := json.Unmarshal([]byte(out), &sum); err != nil {
				t.Fatalf("--json output %q: %v", out, err)
			}
			if sum.Rows != 1 || sum.Pages != 1 || sum.Format != tc.format || sum.File != path || sum.Entity != "leads" ||
				len(sum.Header) != 25 || sum.Header[0] != "ID" || sum.Header[16] != "Lead source" {
				t.Errorf("summary = %+v", sum)
			}
			if !strings.Contains(errs, "exported 1 leads to "+path) {
				t.Errorf("stderr = %q", errs)
			}
			var rows [][]string
			if tc.format == "csv" {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				rows = readCSV(t, string(b))
			} else {
				f, err := excelize.OpenFile(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if got := f.GetSheetName(0); got != "leads" {
					t.Errorf("sheet = %q, want leads", got)
				}
				rows, err = f.GetRows("leads", excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				// 2025-01-10 13:00 in Madrid, as an Excel serial date.
				serial, err := strconv.ParseFloat(rows[1][9], 64)
				if err != nil {
					t.Fatalf("Created at = %q, not a number", rows[1][9])
				}
				if got, _ := excelize.ExcelDateToTime(serial, false); !got.Equal(time.Date(2025, 1, 10, 13, 0, 0, 0, time.UTC)) {
					t.Errorf("Created at = %v, want 2025-01-10 13:00 (Madrid wall clock)", got)
				}
				rows[1][9] = "2025-01-10T13:00:00+01:00"
			}
			if diff := cmp.Diff(sum.Header, rows[0]); diff != "" {
				t.Errorf("header (-summary +file):\n%s", diff)
			}
			want := []string{"10000001", "Analytical engine", "0", "Qualified", "7100003", "Sales", "7000001", "Boris Manager", "1002", "2025-01-10T13:00:00+01:00"}
			if diff := cmp.Diff(want, rows[1][:10]); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, ".*partial*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary files left: %q", leftovers)
			}
		})
	}
}

func TestExportCommandOtherDatasets(t *testing.T) {
	env := exportEnv(t)
	tests := []struct {
		args   []string
		rows   int
		header []string
		first  []string
	}{
		{args: []string{"pipelines", "--pipeline", "Partners"}, rows: 5,
			header: []string{"Pipeline ID", "Pipeline", "Pipeline sort", "Main", "Archived", "Stage ID", "Stage", "Stage sort", "Stage type", "Color"},
			first:  []string{"7000002", "Partners", "2", "false", "false", "7100011", "Incoming leads", "10", "1", "#c1c1c1"}},
		{args: []string{"fields", "--entity", "companies"}, rows: 7,
			first: []string{"companies", "510001", "Phone", "multitext", "PHONE"}},
		{args: []string{"events", "--event-types", "lead_added", "--entity", "leads"}, rows: 3,
			header: []string{"ID", "Type", "Entity type", "Entity ID", "Created by", "Created by ID", "Created at", "Value before", "Value after"}},
		{args: []string{"events", "--event-types", "contact_added", "--created-by", "ana@example.com"}, rows: 2},
		// A field's type cannot share a filter with others (Kommo): the
		// export lists it apart and merges.
		{args: []string{"events", "--event-types", "lead_added,custom_field_520005_value_changed", "--entity", "leads"}, rows: 3},
		{args: []string{"companies"}, rows: 0, header: []string{"ID", "Name", "Responsible", "Responsible ID", "Created at", "Updated at", "Tags", "Contact IDs",
			"Phone", "Email", "Web", "Address", "Postal address", "Legal entity", "Employees"}},
		{args: []string{"tasks", "--completed", "false", "--entity", "leads", "--task-type", "Follow-up"}, rows: 0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := runExport(t, env, append(tt.args, "-o", "-")...)
			if code != exitOK {
				t.Fatalf("export %q = %d\n%s", tt.args, code, errs)
			}
			rows := readCSV(t, out)
			if len(rows)-1 != tt.rows {
				t.Errorf("export %q: %d rows, want %d", tt.args, len(rows)-1, tt.rows)
			}
			if tt.header != nil {
				if diff := cmp.Diff(tt.header, rows[0]); diff != "" {
					t.Errorf("header (-want +got):\n%s", diff)
				}
			}
			if tt.first != nil && len(rows) > 1 {
				if diff := cmp.Diff(tt.first, rows[1][:len(tt.first)]); diff != "" {
					t.Errorf("first row (-want +got):\n%s", diff)
				}
			}
			if !strings.Contains(errs, "to stdout") {
				t.Errorf("stderr = %q", errs)
			}
		})
	}
}

func TestSchemaCommand(t *testing.T) {
	env := exportEnv(t)
	tests := []struct {
		name    string
		args    []string
		code    int
		out     []string
		notOut  []string
		errText string
	}{
		{name: "all", args: nil, code: exitOK,
			out: []string{"# pipelines", "# stages", "# users", "# task-types", "# fields",
				"7000001  Sales     yes", "7000001      Sales     7100003   Qualified", "won", "1002  Boris Manager  boris@example.com",
				"3001  Send quote", "leads      520002  Products", "Product A; Product B; Services"}},
		{name: "one section has no title", args: []string{"stages"}, code: exitOK,
			out: []string{"PIPELINE ID  PIPELINE  STAGE ID  STAGE", "Closed - lost"}, notOut: []string{"#", "Boris"}},
		{name: "fields of one entity", args: []string{"fields", "--entity", "contacts"}, code: exitOK,
			out: []string{"contacts  500001  Phone"}, notOut: []string{"leads", "companies"}},
		{name: "help", args: []string{"-h"}, code: exitOK, errText: "Usage: kommo-bulk schema"},
		{name: "unknown section", args: []string{"deals"}, code: exitUsage, errText: `unknown section "deals"`},
		{name: "bad entity", args: []string{"fields", "--entity", "tasks"}, code: exitUsage, errText: `--entity "tasks"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runSchema(t, env, tt.args...)
			if code != tt.code {
				t.Fatalf("schema %q = %d, want %d\n%s\n%s", tt.args, code, tt.code, out, errs)
			}
			for _, w := range tt.out {
				if !strings.Contains(out, w) {
					t.Errorf("schema %q output lacks %q:\n%s", tt.args, w, out)
				}
			}
			for _, w := range tt.notOut {
				if strings.Contains(out, w) {
					t.Errorf("schema %q output has %q:\n%s", tt.args, w, out)
				}
			}
			if !strings.Contains(errs, tt.errText) {
				t.Errorf("schema %q stderr lacks %q:\n%s", tt.args, tt.errText, errs)
			}
		})
	}

	code, out, errs := runSchema(t, env, "users", "fields", "--entity", "leads", "--json")
	if code != exitOK {
		t.Fatalf("schema --json = %d\n%s", code, errs)
	}
	var got schemaOut
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Users) != 3 || got.Users[1] != (userOut{1002, "Boris Manager", "boris@example.com"}) || got.Pipelines != nil {
		t.Errorf("schema --json users = %+v, pipelines = %+v", got.Users, got.Pipelines)
	}
	if f := got.Fields["leads"]; len(f) != 9 || f[0].Name != "Lead source" || len(f[0].Options) != 3 || len(got.Fields) != 1 {
		t.Errorf("schema --json fields = %+v", got.Fields)
	}
}
