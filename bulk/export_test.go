package bulk

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// testNow is the emulator's clock, so updated_at and event times are fixed.
var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const testToken = "export-test-token"

// newTestClient starts an emulator (unlimited rate, fixed clock) seeded
// with seed (nil: the default seed) and returns a client for it.
func newTestClient(tb testing.TB, seed *kommotest.Seed) (*kommotest.Server, *kommo.Client) {
	tb.Helper()
	srv, err := kommotest.NewServer(kommotest.Options{
		Tokens: []string{testToken}, Rate: rate.Inf, Seed: seed,
		Now: func() time.Time { return testNow },
	})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	tb.Cleanup(ts.Close)
	c, err := kommo.NewClient(ts.URL, kommo.WithToken(testToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		tb.Fatal(err)
	}
	return srv, c
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func f64(v float64) *float64 { return &v }

// fixture is the account seedFixture builds.
type fixture struct {
	company            int
	ada, charles       int
	engine, diff, loom int // leads
	followUp, quote    int // tasks
}

func ok(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// seedFixture creates a company, two contacts, three leads and two tasks.
func seedFixture(t *testing.T, c *kommo.Client) fixture {
	t.Helper()
	ctx := t.Context()
	var fx fixture
	co, _, err := c.Companies.Create(ctx, []kommo.CompanyRequest{{
		Name: "Acme",
		CustomFieldsValues: kommo.CustomFieldValues{
			{FieldID: kommotest.SeedCompanyPhone, Values: []kommo.FieldValue{kommo.Multitext("+442079460000", kommo.PhoneWork)}},
			{FieldID: kommotest.SeedCompanyWeb, Values: []kommo.FieldValue{kommo.Text("https://acme.example")}},
			{FieldID: kommotest.SeedCompanySmartAddr, Values: []kommo.FieldValue{kommo.AddressPart(kommo.AddressCity, "Paris"), kommo.AddressPart(kommo.AddressZip, "75001")}},
			{FieldID: kommotest.SeedCompanyLegal, Values: []kommo.FieldValue{kommo.LegalEntityValue(kommo.LegalEntity{Name: "Acme Ltd", EntityType: 2})}},
			{FieldID: kommotest.SeedCompanyEmployees, Values: []kommo.FieldValue{kommo.Number(42)}},
		},
		CreatedAt: day(2025, 1, 2).Unix(),
	}})
	ok(t, err)
	fx.company = co[0].ID
	cs, _, err := c.Contacts.Create(ctx, []kommo.ContactRequest{
		{
			FirstName: "Ada", LastName: "Lovelace", ResponsibleUserID: kommotest.SeedUserBoris,
			CreatedAt: day(2025, 1, 3).Unix(),
			CustomFieldsValues: kommo.CustomFieldValues{
				{FieldID: kommotest.SeedContactPhone, Values: []kommo.FieldValue{kommo.Multitext("+447700900001", kommo.PhoneMobile), kommo.Multitext("+442079460001", kommo.PhoneWork)}},
				{FieldID: kommotest.SeedContactEmail, Values: []kommo.FieldValue{kommo.Multitext("ada@example.com", kommo.EmailWork)}},
				{FieldID: kommotest.SeedContactPosition, Values: []kommo.FieldValue{kommo.Text("Mathematician")}},
				{FieldID: kommotest.SeedContactSource, Values: []kommo.FieldValue{kommo.EnumID(600022)}},
				{FieldID: kommotest.SeedContactBirthday, Values: []kommo.FieldValue{kommo.Date(day(1990, 12, 10))}},
				{FieldID: kommotest.SeedContactScore, Values: []kommo.FieldValue{kommo.Number(7.5)}},
				{FieldID: kommotest.SeedContactNewsletter, Values: []kommo.FieldValue{kommo.Checkbox(false)}},
			},
			Embedded: &kommo.EntityRequestEmbedded{
				Tags:      []kommo.TagRef{{Name: "vip"}},
				Companies: []kommo.EntityRef{{ID: fx.company}},
			},
		},
		{FirstName: "Charles", LastName: "Babbage", CreatedAt: day(2025, 1, 4).Unix()},
	})
	ok(t, err)
	fx.ada, fx.charles = cs[0].ID, cs[1].ID
	ls, _, err := c.Leads.Create(ctx, []kommo.LeadRequest{
		{
			Name: "Analytical engine", Price: f64(1000),
			PipelineID: kommotest.SeedPipelineSales, StatusID: kommotest.SeedStatusSalesQualified,
			ResponsibleUserID: kommotest.SeedUserBoris,
			CreatedAt:         time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC).Unix(),
			CustomFieldsValues: kommo.CustomFieldValues{
				{FieldID: kommotest.SeedLeadSource, Values: []kommo.FieldValue{kommo.EnumID(620002)}},
				{FieldID: kommotest.SeedLeadProducts, Values: []kommo.FieldValue{kommo.EnumID(620011), kommo.EnumID(620013)}},
				{FieldID: kommotest.SeedLeadCloseDate, Values: []kommo.FieldValue{kommo.Date(day(2025, 2, 1))}},
				{FieldID: kommotest.SeedLeadMeetingAt, Values: []kommo.FieldValue{kommo.Date(time.Date(2025, 1, 20, 15, 30, 0, 0, time.UTC))}},
				{FieldID: kommotest.SeedLeadBudget, Values: []kommo.FieldValue{kommo.Number(1234.5)}},
				{FieldID: kommotest.SeedLeadExternalID, Values: []kommo.FieldValue{kommo.Text("EXT-1")}},
				{FieldID: kommotest.SeedLeadPriority, Values: []kommo.FieldValue{kommo.Checkbox(true)}},
				{FieldID: kommotest.SeedLeadLanding, Values: []kommo.FieldValue{kommo.Text("https://example.com/a")}},
				{FieldID: kommotest.SeedLeadChannel, Values: []kommo.FieldValue{kommo.EnumID(620022)}},
			},
			Embedded: &kommo.LeadRequestEmbedded{
				Tags:      []kommo.TagRef{{Name: "vip"}, {Name: "q1"}},
				Contacts:  []kommo.EntityRef{{ID: fx.ada}, {ID: fx.charles}},
				Companies: []kommo.EntityRef{{ID: fx.company}},
			},
		},
		{
			Name: "Difference engine", Price: f64(250),
			PipelineID: kommotest.SeedPipelinePartners, StatusID: kommotest.SeedStatusPartnersContacted,
			ResponsibleUserID: kommotest.SeedUserChen, CreatedAt: day(2025, 2, 15).Unix(),
			CustomFieldsValues: kommo.CustomFieldValues{
				{FieldID: kommotest.SeedLeadExternalID, Values: []kommo.FieldValue{kommo.Text("=EXT-2")}},
			},
		},
		{Name: "Jacquard loom", CreatedAt: day(2025, 3, 1).Unix()},
	})
	ok(t, err)
	fx.engine, fx.diff, fx.loom = ls[0].ID, ls[1].ID, ls[2].ID
	// Move the loom along, for a lead_status_changed event.
	_, _, err = c.Leads.UpdateOne(ctx, fx.loom, kommo.LeadRequest{StatusID: kommotest.SeedStatusSalesProposal})
	ok(t, err)

	ts, _, err := c.Tasks.Create(ctx, []kommo.TaskRequest{
		{Text: "Call Ada", CompleteTill: time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC).Unix(), TaskTypeID: kommotest.SeedTaskTypeFollowUp,
			EntityType: kommo.EntityLeads, EntityID: fx.engine, ResponsibleUserID: kommotest.SeedUserBoris, CreatedAt: day(2025, 1, 11).Unix()},
		{Text: "Quote for Charles", CompleteTill: time.Date(2025, 1, 16, 17, 0, 0, 0, time.UTC).Unix(), TaskTypeID: kommotest.SeedTaskTypeQuote,
			EntityType: kommo.EntityContacts, EntityID: fx.charles, CreatedAt: day(2025, 1, 12).Unix()},
	})
	ok(t, err)
	fx.followUp, fx.quote = ts[0].ID, ts[1].ID
	_, _, err = c.Tasks.Complete(ctx, fx.quote, "Sent")
	ok(t, err)
	return fx
}

// exportCSV exports to CSV in memory and reads the table back.
func exportCSV(t *testing.T, c *kommo.Client, opts ExportOptions) ([][]string, ExportStats) {
	t.Helper()
	var buf bytes.Buffer
	w, err := sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Export(t.Context(), c, w, opts)
	if err != nil {
		t.Fatalf("Export(%s) = %v", opts.Entity, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&buf)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows, st
}

func id(n int) string { return strconv.Itoa(n) }

// updated is how the fixed clock's updated_at reads; records not changed
// since they were created keep their created_at as updated_at.
const updated = "2026-03-02T10:00:00Z"

func TestExportCSV(t *testing.T) {
	_, c := newTestClient(t, nil)
	fx := seedFixture(t, c)
	schema, err := FetchSchema(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		entity kommo.EntityType
		filter ExportFilter
		want   [][]string
	}{
		{
			entity: kommo.EntityLeads,
			want: [][]string{
				{"ID", "Name", "Price", "Stage", "Stage ID", "Pipeline", "Pipeline ID", "Responsible", "Responsible ID",
					"Created at", "Updated at", "Closed at", "Tags", "Contact IDs", "Main contact ID", "Company ID",
					"Lead source", "Products", "Expected close", "Meeting at", "Budget", "External ID", "Priority deal", "Landing page", "Channel"},
				{id(fx.engine), "Analytical engine", "1000", "Qualified", "7100003", "Sales", "7000001", "Boris Manager", "1002",
					"2025-01-10T12:00:00Z", "2025-01-10T12:00:00Z", "", "vip; q1", id(fx.ada) + "; " + id(fx.charles), id(fx.ada), id(fx.company),
					"Referral", "Product A; Services", "2025-02-01", "2025-01-20T15:30:00Z", "1234.5", "EXT-1", "true", "https://example.com/a", "Phone"},
				{id(fx.diff), "Difference engine", "250", "Contacted", "7100012", "Partners", "7000002", "Chen Sales", "1003",
					"2025-02-15T00:00:00Z", "2025-02-15T00:00:00Z", "", "", "", "", "",
					"", "", "", "", "", "'=EXT-2", "", "", ""},
				{id(fx.loom), "Jacquard loom", "0", "Proposal", "7100004", "Sales", "7000001", "Ana Admin", "1001",
					"2025-03-01T00:00:00Z", updated, "", "", "", "", "",
					"", "", "", "", "", "", "", "", ""},
			},
		},
		{
			entity: kommo.EntityContacts,
			want: [][]string{
				{"ID", "Name", "First name", "Last name", "Responsible", "Responsible ID", "Created at", "Updated at", "Tags", "Company ID",
					"Phone", "Email", "Position", "Source", "Interests", "Next call", "Birthday", "Score", "Newsletter", "Profile", "External ID"},
				{id(fx.ada), "Ada Lovelace", "Ada", "Lovelace", "Boris Manager", "1002", "2025-01-03T00:00:00Z", "2025-01-03T00:00:00Z", "vip", id(fx.company),
					"'+447700900001; +442079460001", "ada@example.com", "Mathematician", "Referral", "", "", "1990-12-10", "7.5", "false", "", ""},
				{id(fx.charles), "Charles Babbage", "Charles", "Babbage", "Ana Admin", "1001", "2025-01-04T00:00:00Z", "2025-01-04T00:00:00Z", "", "",
					"", "", "", "", "", "", "", "", "", "", ""},
			},
		},
		{
			entity: kommo.EntityCompanies,
			want: [][]string{
				{"ID", "Name", "Responsible", "Responsible ID", "Created at", "Updated at", "Tags", "Contact IDs",
					"Phone", "Email", "Web", "Address", "Postal address", "Legal entity", "Employees"},
				{id(fx.company), "Acme", "Ana Admin", "1001", "2025-01-02T00:00:00Z", "2025-01-02T00:00:00Z", "", id(fx.ada),
					"+442079460000", "", "https://acme.example", "", "Paris; 75001", "Acme Ltd", "42"},
			},
		},
		{
			entity: ExportTasks,
			want: [][]string{
				{"ID", "Text", "Task type", "Task type ID", "Entity type", "Entity ID", "Responsible", "Responsible ID",
					"Complete till", "Duration", "Completed", "Result", "Created at", "Updated at"},
				{id(fx.followUp), "Call Ada", "Follow-up", "1", "leads", id(fx.engine), "Boris Manager", "1002",
					"2025-01-15T09:00:00Z", "0", "false", "", "2025-01-11T00:00:00Z", "2025-01-11T00:00:00Z"},
				{id(fx.quote), "Quote for Charles", "Send quote", "3001", "contacts", id(fx.charles), "Ana Admin", "1001",
					"2025-01-16T17:00:00Z", "0", "true", "Sent", "2025-01-12T00:00:00Z", updated},
			},
		},
		{
			entity: ExportTasks,
			filter: ExportFilter{IsCompleted: new(true)},
			want: [][]string{
				{"ID", "Text", "Task type", "Task type ID", "Entity type", "Entity ID", "Responsible", "Responsible ID",
					"Complete till", "Duration", "Completed", "Result", "Created at", "Updated at"},
				{id(fx.quote), "Quote for Charles", "Send quote", "3001", "contacts", id(fx.charles), "Ana Admin", "1001",
					"2025-01-16T17:00:00Z", "0", "true", "Sent", "2025-01-12T00:00:00Z", updated},
			},
		},
		{
			entity: ExportEvents,
			filter: ExportFilter{EventTypes: []string{kommo.EventLeadStatusChanged}},
			want: [][]string{
				{"ID", "Type", "Entity type", "Entity ID", "Created by", "Created by ID", "Created at", "Value before", "Value after"},
				{"*", "lead_status_changed", "lead", id(fx.loom), "Ana Admin", "1001", updated, "New (Sales)", "Proposal (Sales)"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.entity), func(t *testing.T) {
			got, st := exportCSV(t, c, ExportOptions{Entity: tt.entity, Filter: tt.filter, Schema: schema})
			if tt.entity == ExportEvents {
				for _, row := range got[1:] {
					row[0] = "*" // event ids are opaque
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Export(%s) CSV mismatch (-want +got):\n%s", tt.entity, diff)
			}
			if st.Rows != len(tt.want)-1 || st.Pages != 1 || !cmp.Equal(st.Header, tt.want[0]) {
				t.Errorf("Export(%s) stats = %+v, want %d rows, 1 page", tt.entity, st, len(tt.want)-1)
			}
			// The header reads back as our own layout, column for column.
			if !IsExportLayout(got[0], tt.entity) {
				t.Errorf("IsExportLayout(header of Export(%s)) = false", tt.entity)
			}
			cols, err := ParseExportHeader(got[0], tt.entity, schema)
			if err != nil {
				t.Errorf("ParseExportHeader(header of Export(%s)) = %v", tt.entity, err)
			} else if diff := cmp.Diff(ExportColumns(tt.entity, schema), cols); diff != "" {
				t.Errorf("ParseExportHeader(header of Export(%s)) (-want +got):\n%s", tt.entity, diff)
			}
		})
	}
}

// TestExportFilters checks that each filter reaches Kommo and selects the
// right leads.
func TestExportFilters(t *testing.T) {
	_, c := newTestClient(t, nil)
	fx := seedFixture(t, c)
	schema, err := FetchSchema(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		entity kommo.EntityType
		filter ExportFilter
		want   []int
	}{
		{name: "none", entity: kommo.EntityLeads, want: []int{fx.engine, fx.diff, fx.loom}},
		{name: "stage", entity: kommo.EntityLeads, filter: ExportFilter{Statuses: []kommo.StatusFilter{{PipelineID: kommotest.SeedPipelineSales, StatusID: kommotest.SeedStatusSalesQualified}}}, want: []int{fx.engine}},
		{name: "pipeline", entity: kommo.EntityLeads, filter: ExportFilter{PipelineIDs: []int{kommotest.SeedPipelinePartners}}, want: []int{fx.diff}},
		{name: "responsible", entity: kommo.EntityLeads, filter: ExportFilter{ResponsibleUserIDs: []int{kommotest.SeedUserChen}}, want: []int{fx.diff}},
		{name: "created range", entity: kommo.EntityLeads, filter: ExportFilter{CreatedAt: kommo.Between(day(2025, 2, 1), day(2025, 2, 28))}, want: []int{fx.diff}},
		{name: "created from", entity: kommo.EntityLeads, filter: ExportFilter{CreatedAt: kommo.Since(day(2025, 2, 1))}, want: []int{fx.diff, fx.loom}},
		{name: "query", entity: kommo.EntityLeads, filter: ExportFilter{Query: "Jacquard"}, want: []int{fx.loom}},
		{name: "ids", entity: kommo.EntityLeads, filter: ExportFilter{IDs: []int{fx.loom, fx.engine}}, want: []int{fx.engine, fx.loom}},
		{name: "contacts query by email", entity: kommo.EntityContacts, filter: ExportFilter{Query: "ada@example.com"}, want: []int{fx.ada}},
		{name: "contacts responsible", entity: kommo.EntityContacts, filter: ExportFilter{ResponsibleUserIDs: []int{kommotest.SeedUserBoris}}, want: []int{fx.ada}},
		{name: "tasks by entity", entity: ExportTasks, filter: ExportFilter{TaskEntityType: kommo.EntityContacts}, want: []int{fx.quote}},
		{name: "tasks by type", entity: ExportTasks, filter: ExportFilter{TaskTypes: []int{kommotest.SeedTaskTypeFollowUp}}, want: []int{fx.followUp}},
		{name: "tasks created range (client side)", entity: ExportTasks, filter: ExportFilter{CreatedAt: &kommo.Range{From: day(2025, 1, 12).Unix()}}, want: []int{fx.quote}},
		{name: "nothing matches", entity: kommo.EntityLeads, filter: ExportFilter{Query: "no such thing"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, _ := exportCSV(t, c, ExportOptions{Entity: tt.entity, Filter: tt.filter, Schema: schema})
			var got []int
			for _, r := range rows[1:] {
				n, err := strconv.Atoi(r[0])
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, n)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Export(%s, %+v) ids (-want +got):\n%s", tt.entity, tt.filter, diff)
			}
		})
	}
}

func TestExportXLSXTypes(t *testing.T) {
	_, c := newTestClient(t, nil)
	fx := seedFixture(t, c)
	var buf bytes.Buffer
	w, err := xlsx.NewWriter(&buf, xlsx.WriteOptions{TmpDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Export(t.Context(), c, w, ExportOptions{Entity: kommo.EntityLeads}) // schema fetched by Export
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || !cmp.Equal(rows[0], st.Header) {
		t.Fatalf("XLSX has %d rows, header %q; want 4 rows, header %q", len(rows), rows[0], st.Header)
	}
	col := func(h string) string {
		for i, name := range st.Header {
			if name == h {
				n, _ := excelize.ColumnNumberToName(i + 1)
				return n
			}
		}
		t.Fatalf("no column %q", h)
		return ""
	}
	raw := func(cell string) string {
		v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	isDateStyle := func(cell string) bool {
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return s.CustomNumFmt != nil && strings.Contains(*s.CustomNumFmt, "yy")
	}
	// Ids and prices are numbers, not text.
	for _, h := range []string{"ID", "Price", "Stage ID", "Main contact ID"} {
		cell := col(h) + "2"
		if typ, _ := f.GetCellType(sheet, cell); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s (%s) is a string cell", h, cell)
		}
	}
	if got := raw(col("ID") + "2"); got != id(fx.engine) {
		t.Errorf("ID = %q, want %d", got, fx.engine)
	}
	// Dates are real dates: serial numbers with a date format.
	for _, tc := range []struct {
		header string
		want   time.Time
	}{
		{"Created at", time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)},
		{"Expected close", day(2025, 2, 1)},
		{"Meeting at", time.Date(2025, 1, 20, 15, 30, 0, 0, time.UTC)},
	} {
		cell := col(tc.header) + "2"
		serial, err := strconv.ParseFloat(raw(cell), 64)
		if err != nil {
			t.Errorf("%s (%s) = %q, not a serial date", tc.header, cell, raw(cell))
			continue
		}
		got, err := excelize.ExcelDateToTime(serial, false)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s = %v (%v), want %v", tc.header, got, err, tc.want)
		}
		if !isDateStyle(cell) {
			t.Errorf("%s (%s) has no date format", tc.header, cell)
		}
	}
	if got := raw(col("Budget") + "2"); got != "1234.5" {
		t.Errorf("Budget = %q, want 1234.5", got)
	}
	if typ, _ := f.GetCellType(sheet, col("Priority deal")+"2"); typ != excelize.CellTypeBool {
		t.Errorf("Priority deal cell type = %v, want bool", typ)
	}
	// Inline strings are never evaluated: formula-like text is written as
	// it is (with the quote-prefix style), no apostrophe added.
	if got := rows[2][col0(st.Header, "External ID")]; got != "=EXT-2" {
		t.Errorf("formula-like text = %q, want it as it is", got)
	}
}

func col0(header []string, h string) int {
	for i, name := range header {
		if name == h {
			return i
		}
	}
	return -1
}

func TestExportPipelinesAndFields(t *testing.T) {
	_, c := newTestClient(t, nil)
	rows, st := exportCSV(t, c, ExportOptions{Entity: ExportPipelines})
	// Sales: incoming + 3 stages + won/lost; Partners: incoming + 2 + won/lost.
	if st.Rows != 11 || len(rows) != 12 {
		t.Fatalf("pipelines export: %d rows (%d read), want 11", st.Rows, len(rows)-1)
	}
	wantFirst := [][]string{
		{"Pipeline ID", "Pipeline", "Pipeline sort", "Main", "Archived", "Stage ID", "Stage", "Stage sort", "Stage type", "Color"},
		{"7000001", "Sales", "1", "true", "false", "7100001", "Incoming leads", "10", "1", "#c1c1c1"},
		{"7000001", "Sales", "1", "true", "false", "7100002", "New", "20", "0", "#99ccff"},
	}
	if diff := cmp.Diff(wantFirst, rows[:3]); diff != "" {
		t.Errorf("pipelines export (-want +got):\n%s", diff)
	}
	if got := rows[11]; got[1] != "Partners" || got[5] != "143" || got[6] != "Closed - lost" {
		t.Errorf("last pipelines row = %q", got)
	}

	rows, _ = exportCSV(t, c, ExportOptions{Entity: ExportPipelines, Filter: ExportFilter{PipelineIDs: []int{kommotest.SeedPipelinePartners}}})
	if len(rows) != 6 {
		t.Errorf("pipelines export of Partners: %d rows, want 5", len(rows)-1)
	}

	rows, st = exportCSV(t, c, ExportOptions{Entity: ExportFields})
	if st.Rows != 11+7+9 {
		t.Errorf("fields export: %d rows, want 27", st.Rows)
	}
	want := [][]string{
		{"Entity", "ID", "Name", "Type", "Code", "Sort", "Predefined", "API only", "Deletable", "Options", "Option IDs", "Currency"},
		{"leads", "520001", "Lead source", "select", "", "500", "false", "false", "true", "Website; Referral; Cold call", "620001; 620002; 620003", ""},
	}
	got := [][]string{rows[0]}
	for _, r := range rows {
		if r[1] == "520001" {
			got = append(got, r)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields export (-want +got):\n%s", diff)
	}
	rows, _ = exportCSV(t, c, ExportOptions{Entity: ExportFields, Filter: ExportFilter{FieldEntities: []kommo.EntityType{kommo.EntityCompanies}}})
	if len(rows) != 8 || rows[1][0] != "companies" {
		t.Errorf("fields export of companies: %d rows, first %q", len(rows)-1, rows[1])
	}
}

// TestExportPages streams more records than one page holds and checks the
// pages, the progress reports and that every record comes exactly once.
func TestExportPages(t *testing.T) {
	_, c := newTestClient(t, nil)
	const n = 620
	for start := 0; start < n; start += 250 {
		var batch []kommo.ContactRequest
		for i := start; i < min(start+250, n); i++ {
			batch = append(batch, kommo.ContactRequest{Name: "Contact " + strconv.Itoa(i)})
		}
		_, _, err := c.Contacts.Create(t.Context(), batch)
		ok(t, err)
	}
	for _, tc := range []struct {
		pageSize, pages int
	}{{0, 3}, {100, 7}, {1000, 3}} {
		t.Run("page size "+strconv.Itoa(tc.pageSize), func(t *testing.T) {
			var prog []ExportProgress
			rows, st := exportCSV(t, c, ExportOptions{Entity: kommo.EntityContacts, PageSize: tc.pageSize,
				Progress: func(p ExportProgress) { prog = append(prog, p) }})
			if st.Rows != n || st.Pages != tc.pages {
				t.Errorf("stats = %d rows, %d pages; want %d, %d", st.Rows, st.Pages, n, tc.pages)
			}
			seen := map[string]bool{}
			for _, r := range rows[1:] {
				if seen[r[0]] {
					t.Errorf("contact %s exported twice", r[0])
				}
				seen[r[0]] = true
			}
			if len(seen) != n {
				t.Errorf("%d distinct contacts, want %d", len(seen), n)
			}
			if len(prog) != tc.pages || prog[len(prog)-1].Rows != n || prog[0].Pages != 1 {
				t.Errorf("progress = %+v", prog)
			}
		})
	}
}

func TestExportEventsPages(t *testing.T) {
	_, c := newTestClient(t, nil)
	var batch []kommo.LeadRequest
	for i := range 230 {
		batch = append(batch, kommo.LeadRequest{Name: "L" + strconv.Itoa(i)})
	}
	_, _, err := c.Leads.Create(t.Context(), batch)
	ok(t, err)
	filter := ExportFilter{EventTypes: []string{kommo.EventLeadAdded}, EventEntities: []string{"lead"}}
	rows, st := exportCSV(t, c, ExportOptions{Entity: ExportEvents, Filter: filter})
	if st.Rows != 230 || st.Pages != 1 {
		t.Errorf("events: %d rows in %d pages, want 230 in 1 (250 per page)", st.Rows, st.Pages)
	}
	if _, st := exportCSV(t, c, ExportOptions{Entity: ExportEvents, Filter: filter, PageSize: 100}); st.Rows != 230 || st.Pages != 3 {
		t.Errorf("events: %d rows in %d pages, want 230 in 3 (100 per page)", st.Rows, st.Pages)
	}
	for _, r := range rows[1:] {
		if r[1] != kommo.EventLeadAdded || r[2] != "lead" {
			t.Fatalf("event row %q", r)
		}
	}
}

func TestExportErrors(t *testing.T) {
	srv, c := newTestClient(t, nil)
	var buf bytes.Buffer
	w, _ := sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
	if _, err := Export(t.Context(), c, w, ExportOptions{Entity: "deals"}); err == nil || !strings.Contains(err.Error(), `unknown dataset "deals"`) {
		t.Errorf("Export(deals) = %v, want unknown dataset", err)
	}
	schema, err := FetchSchema(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetForbidden(true)
	_, err = Export(t.Context(), c, w, ExportOptions{Entity: kommo.EntityLeads, Schema: schema})
	if err == nil || !strings.HasPrefix(err.Error(), "export leads: ") {
		t.Errorf("Export on a forbidden account = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Export(ctx, c, w, ExportOptions{Entity: kommo.EntityContacts, Schema: schema}); err == nil {
		t.Error("Export with a canceled context succeeded")
	}
}
