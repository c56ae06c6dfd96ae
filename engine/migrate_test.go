package engine

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/migrate"
)

var hubspotFixtures = []string{
	"hubspot-crm-exports-all-deals-2024-03-15.csv",
	"hubspot-crm-exports-all-contacts-2024-03-15.csv",
	"hubspot-crm-exports-all-tasks-2024-03-15.csv",
	"hubspot-crm-exports-all-companies-2024-03-15.csv",
}

// openHubSpot opens the HubSpot fixtures as a page does: bytes and a name.
func openHubSpot(t *testing.T, e *Engine) []int {
	t.Helper()
	var ids []int
	for _, n := range hubspotFixtures {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "migrate", "hubspot", n))
		if err != nil {
			t.Fatal(err)
		}
		fi, err := e.OpenFile(b, n, OpenOptions{})
		if err != nil {
			t.Fatalf("OpenFile(%s) = %v", n, err)
		}
		ids = append(ids, fi.ID)
	}
	return ids
}

// hubspotTables are testdata/migrate/hubspot/tables.yaml.
func hubspotParams(t *testing.T, e *Engine, ids []int) MigrateParams {
	t.Helper()
	det, err := e.DetectMigration(ids, "", "")
	if err != nil {
		t.Fatal(err)
	}
	p := MigrateParams{
		Users:        map[string]string{"Jane Roe": "ana@example.com"},
		Pipelines:    map[string]string{"Sales Pipeline": "Sales"},
		Stages:       map[string]string{"Appointment scheduled": "Qualified", "Sales Pipeline/Contract sent": "Sales/Proposal"},
		CreateFields: true,
	}
	for _, f := range det.Files {
		p.Files = append(p.Files, MigrateFile{FileID: f.FileID, Source: f.Source, Entity: f.Entity})
	}
	return p
}

func records(st kommotest.State) [4]int {
	return [4]int{len(st.Companies), len(st.Contacts), len(st.Leads), len(st.Tasks)}
}

func TestDetectMigration(t *testing.T) {
	e := New()
	ids := openHubSpot(t, e)
	det, err := e.DetectMigration(ids, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if det.Source != "hubspot" {
		t.Errorf("DetectMigration source = %q, want hubspot", det.Source)
	}
	want := []string{"leads", "contacts", "tasks", "companies"}
	for i, f := range det.Files {
		if f.FileID != ids[i] || f.Source != "hubspot" || f.Entity != want[i] || f.Confidence < minConfidence || f.Confidence > 1 {
			t.Errorf("file %d = %+v, want hubspot %s with a confidence", i, f, want[i])
		}
		if len(f.Candidates) == 0 || f.Candidates[0].Confidence < f.Confidence {
			t.Errorf("file %d candidates = %+v, want the best first", i, f.Candidates)
		}
	}
	// The contacts' "Favourite colour" is no preset column.
	if got := det.Files[1].Ignored; !slices.Contains(got, "Favourite colour") {
		t.Errorf("contacts ignored = %v, want Favourite colour", got)
	}
	var srcs []string
	for _, s := range det.Sources {
		srcs = append(srcs, s.Source)
	}
	for _, s := range []string{"hubspot", "salesforce", "pipedrive", "zoho", "bitrix24", "amocrm"} {
		if !slices.Contains(srcs, s) {
			t.Errorf("sources %v lack %s", srcs, s)
		}
	}
	// Named as another source, the files are classified within it.
	det, err = e.DetectMigration(ids, "pipedrive", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range det.Files {
		for _, c := range f.Candidates {
			if c.Source != "pipedrive" {
				t.Errorf("with from=pipedrive, candidate %+v", c)
			}
		}
	}
	if _, err := e.DetectMigration(ids, "nosuchcrm", ""); err == nil {
		t.Error("DetectMigration(from nosuchcrm) = nil error")
	}
	if _, err := e.DetectMigration([]int{999}, "", ""); err == nil {
		t.Error("DetectMigration(no file) = nil error")
	}
}

func TestMigrationParamsRefused(t *testing.T) {
	e, _ := setup(t)
	ids := openHubSpot(t, e)
	tests := []struct {
		name string
		p    MigrateParams
		want string
	}{
		{"no files", MigrateParams{}, "no files"},
		{"no kind", MigrateParams{Files: []MigrateFile{{FileID: ids[0], Source: "hubspot"}}}, "which source and which kind"},
		{"unknown source", MigrateParams{Files: []MigrateFile{{FileID: ids[0], Source: "nosuchcrm", Entity: "leads"}}}, "nosuchcrm"},
		{"two deals files", MigrateParams{Files: []MigrateFile{{FileID: ids[0], Source: "hubspot", Entity: "leads"}, {FileID: ids[1], Source: "hubspot", Entity: "leads"}}}, "both leads files"},
		{"bad sample", MigrateParams{Sample: -1, Files: []MigrateFile{{FileID: ids[0], Source: "hubspot", Entity: "leads"}}}, "sample"},
	}
	for _, tt := range tests {
		if _, err := e.StartMigration(t.Context(), tt.p, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("StartMigration(%s) = %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

// TestMigrationCheckThenSampleThenRest goes the page's way: check without
// tables (values match nothing), with tables but no consent to create
// fields, then with both; a sample, then the rest.
func TestMigrationCheckThenSampleThenRest(t *testing.T) {
	e, emu := setup(t)
	ids := openHubSpot(t, e)
	full := hubspotParams(t, e, ids)
	fieldsBefore := len(emu.Snapshot().CustomFields["companies"])

	bare := full
	bare.Users, bare.Pipelines, bare.Stages = nil, nil, nil
	res, err := e.CheckMigration(t.Context(), bare)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "unmatched" || !res.DryRun {
		t.Fatalf("check without tables: status %q (%s), want unmatched", res.Status, res.Error)
	}
	if got, ok := res.Tables.Users["Jane Roe"]; !ok {
		t.Errorf("tables.users = %v, want Jane Roe", res.Tables.Users)
	} else if got != "" && got != "Ana Admin" && got != "Boris Manager" && got != "Chen Sales" {
		t.Errorf("tables.users[Jane Roe] = %q, want a user of the account or nothing", got)
	}
	if got := res.Tables.Pipelines["Sales Pipeline"]; got != "Sales" {
		t.Errorf("tables.pipelines[Sales Pipeline] = %q, want Sales (the closest)", got)
	}
	for _, s := range []string{"Appointment scheduled", "Contract sent"} {
		if _, ok := res.Tables.Stages[s]; !ok {
			t.Errorf("tables.stages = %v, want %s", res.Tables.Stages, s)
		}
	}
	if n := len(res.ReportFiles); n != 3 {
		t.Errorf("report files = %d, want .md, .json and .html", n)
	} else if md := string(res.ReportFiles[0].Data); !strings.Contains(md, "## Values that match nothing in Kommo") {
		t.Errorf("%s:\n%s", res.ReportFiles[0].Name, md)
	}

	noConsent := full
	noConsent.CreateFields = false
	res, err = e.CheckMigration(t.Context(), noConsent)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "missingFields" || len(res.MissingFields) == 0 {
		t.Fatalf("check without createFields: status %q, missing %v", res.Status, res.MissingFields)
	}

	res, err = e.CheckMigration(t.Context(), full)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "done" || len(res.Report.Unmatched) != 0 {
		t.Fatalf("check with tables: status %q (%s), unmatched %v", res.Status, res.Error, res.Report.Unmatched)
	}
	if got := records(emu.Snapshot()); got != [4]int{} {
		t.Fatalf("the checks wrote records: %v", got)
	}
	if n := len(emu.Snapshot().CustomFields["companies"]); n != fieldsBefore {
		t.Errorf("the checks created company fields: %d, was %d", n, fieldsBefore)
	}

	sample := full
	sample.Sample = 1
	var mu sync.Mutex
	var events []MigrationProgress
	j, err := e.StartMigration(t.Context(), sample, func(p MigrationProgress) { mu.Lock(); events = append(events, p); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	res = j.Wait()
	if res.Status != "done" || res.Sample != 1 || len(res.Report.Records) == 0 {
		t.Fatalf("sample: status %q (%s), records %v", res.Status, res.Error, res.Report.Records)
	}
	if got := records(emu.Snapshot()); got != [4]int{1, 1, 1, 1} {
		t.Errorf("after the sample: companies, contacts, leads, tasks = %v, want 1 each", got)
	}
	mu.Lock()
	var phases []string
	maxIndex := 0
	for _, p := range events {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		maxIndex = max(maxIndex, p.FileIndex)
	}
	mu.Unlock()
	if want := []string{"checking", "migrating", "reporting", "done"}; !slices.Equal(phases, want) {
		t.Errorf("progress phases = %v, want %v", phases, want)
	}
	if maxIndex != 4 {
		t.Errorf("progress reached file %d, want 4", maxIndex)
	}

	res = mustRun(t, e, full)
	if res.Status != "done" {
		t.Fatalf("rest: status %q (%s)", res.Status, res.Error)
	}
	if got := records(emu.Snapshot()); got != [4]int{3, 5, 4, 2} {
		t.Errorf("after the rest: %v, want 3 companies, 5 contacts, 4 leads, 2 tasks", got)
	}
	var names []string
	for _, f := range res.ResultFiles {
		names = append(names, f.Name)
	}
	// Files run companies, contacts, deals, tasks; the contact whose phone
	// is "not a phone" lands without it, and its success row says so.
	want := []string{
		"hubspot-crm-exports-all-companies-2024-03-15.success.csv",
		"hubspot-crm-exports-all-contacts-2024-03-15.success.csv",
		"hubspot-crm-exports-all-deals-2024-03-15.success.csv",
		"hubspot-crm-exports-all-tasks-2024-03-15.success.csv",
	}
	if !slices.Equal(names, want) {
		t.Errorf("result files = %v, want %v", names, want)
	} else if ok := string(res.ResultFiles[1].Data); !strings.Contains(ok, "Phone Number: phone_left_out: left out: invalid phone number: not a phone number") || res.ResultFiles[1].Rows != 5 {
		t.Errorf("%s (%d rows):\n%s", want[1], res.ResultFiles[1].Rows, ok)
	}
	if f := res.Report.Files[1]; f.Landed != 6 || f.Warned != 1 || f.Failed != 0 || len(f.Warnings) != 1 {
		t.Errorf("contacts report = %+v, want 6 landed, 1 with a warning", f)
	}
	var reports []string
	for _, f := range res.ReportFiles {
		reports = append(reports, f.Name)
	}
	if len(reports) != 3 || !strings.HasSuffix(reports[0], "-report.md") || !strings.HasSuffix(reports[1], "-report.json") || !strings.HasSuffix(reports[2], "-report.html") {
		t.Errorf("report files = %v", reports)
	} else if page := string(res.ReportFiles[2].Data); !strings.Contains(page, "<td>Jane Roe</td><td>Ana Admin</td><td>table</td>") {
		t.Errorf("HTML report lacks the owner matched by the table:\n%s", page)
	}
}

func mustRun(t *testing.T, e *Engine, p MigrateParams) *MigrationResult {
	t.Helper()
	j, err := e.StartMigration(t.Context(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return j.Wait()
}

// TestMigrationPauseCancel holds a migration before its first request
// and cancels it: nothing is written and the result says so.
func TestMigrationPauseCancel(t *testing.T) {
	e, emu := setup(t)
	ids := openHubSpot(t, e)
	p := hubspotParams(t, e, ids)
	var mu sync.Mutex
	var last MigrationProgress
	j, err := e.StartMigration(t.Context(), p, func(mp MigrationProgress) { mu.Lock(); last = mp; mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	j.Pause()
	time.Sleep(50 * time.Millisecond)
	j.Cancel()
	res := j.Wait()
	if res.Status != "canceled" {
		t.Fatalf("canceled migration: status %q (%s), want canceled", res.Status, res.Error)
	}
	if got := records(emu.Snapshot()); got != [4]int{} {
		t.Errorf("a migration canceled while paused wrote records: %v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if last.Phase != "done" {
		t.Errorf("last progress = %+v, want done", last)
	}
}

// TestReportFilesLanguage: a migration's Markdown and HTML reports are in
// the page's language (MigrateParams.Lang), its JSON in English.
func TestReportFilesLanguage(t *testing.T) {
	rep := &migrate.Report{}
	files := map[string]string{}
	for _, f := range reportFiles(rep, "j", "pt-BR") {
		files[f.Name] = string(f.Data)
	}
	if !strings.HasPrefix(files["j-report.md"], "# Relatório de migração") {
		t.Errorf("Markdown report = %.80q, want it in Portuguese", files["j-report.md"])
	}
	if !strings.Contains(files["j-report.html"], "Relatório de migração") || !strings.Contains(files["j-report.html"], `lang="pt-BR"`) {
		t.Errorf("HTML report = %.300q, want it in Portuguese", files["j-report.html"])
	}
	if files["j-report.json"] == "" {
		t.Error("no JSON report")
	}
	for _, f := range reportFiles(rep, "j", "") {
		if f.Name == "j-report.md" && !strings.HasPrefix(string(f.Data), "# Migration report") {
			t.Errorf("default report = %.80q, want English", f.Data)
		}
	}
}
