package workbook

import (
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// editSeed is the default seed with a few records: a lead in Partners, one
// in an "incoming leads" stage (not in the dropdown) owned by a user the
// account no longer lists, and tasks.
func editSeed() *kt.Seed {
	seed := kt.DefaultSeed()
	seed.Leads = []kt.Lead{
		{ID: 11, Name: "Alpha", Price: 1500, StatusID: kt.SeedStatusPartnersNegotiation, PipelineID: kt.SeedPipelinePartners,
			ResponsibleUserID: kt.SeedUserBoris, CreatedAt: 1700000000, UpdatedAt: 1700000000,
			CustomFieldsValues: []kt.FieldValues{{FieldID: kt.SeedLeadSource, FieldName: "Lead source", FieldType: "select",
				Values: []kt.FieldValue{{Value: "Referral", EnumID: 620002}}}}},
		{ID: 12, Name: "Beta", StatusID: kt.SeedStatusSalesIncoming, PipelineID: kt.SeedPipelineSales,
			ResponsibleUserID: 999, CreatedAt: 1700000000, UpdatedAt: 1700000000},
	}
	seed.Tasks = []kt.Task{
		{ID: 21, Text: "Call", TaskTypeID: kt.SeedTaskTypeQuote, ResponsibleUserID: kt.SeedUserAna, EntityType: "leads", EntityID: 11,
			CompleteTill: 1700100000, CreatedAt: 1700000000, UpdatedAt: 1700000000},
	}
	return seed
}

// exportTo exports entity from the emulator of seed into the writer made
// by newWriter and returns the bytes and the schema.
func exportBoth(t *testing.T, seed *kt.Seed, entity kommo.EntityType) (edit, plain []byte, s *mapping.Schema) {
	t.Helper()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{"tok"}, Rate: rate.Inf, Seed: seed})
	must(t, err)
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	c, err := kommo.NewClient(srv.URL, kommo.WithToken("tok"), kommo.WithRateLimit(rate.Inf, 1))
	must(t, err)
	s, err = bulk.FetchSchema(t.Context(), c)
	must(t, err)
	var eb, pb bytes.Buffer
	ew, err := NewEditWriter(&eb, EditOptions{Entity: entity, Schema: s, RecordURL: RecordURL("https://example.kommo.com/", entity)})
	must(t, err)
	pw, err := xlsx.NewWriter(&pb, xlsx.WriteOptions{Sheet: string(entity)})
	must(t, err)
	for _, w := range []sheet.TableWriter{ew, pw} {
		_, err := bulk.Export(t.Context(), c, w, bulk.ExportOptions{Entity: entity, Schema: s})
		must(t, err)
		must(t, w.Close())
	}
	return eb.Bytes(), pb.Bytes(), s
}

// readAll reads a workbook with mapping's reader.
func readAll(t *testing.T, b []byte) ([]string, [][]string) {
	t.Helper()
	x, err := xlsx.Open(bytes.NewReader(b), int64(len(b)), xlsx.Options{})
	must(t, err)
	defer x.Close()
	var rows [][]string
	for {
		rec, err := x.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		rows = append(rows, rec.Values)
	}
	if u := x.UncachedFormulas(); u.Count != 0 {
		t.Errorf("the edit export has formulas without values: %+v", u)
	}
	return x.Header(), rows
}

// TestEditWriterLeads reads an edit export of leads back: the values are
// the plain export's (the stage and owner as their dropdowns spell them),
// and the export's own spec maps both files to the same requests; the
// ID column is locked, grey and linked; the id columns are formulas over
// the lists.
func TestEditWriterLeads(t *testing.T) {
	edit, plain, s := exportBoth(t, editSeed(), kommo.EntityLeads)
	eh, erows := readAll(t, edit)
	ph, prows := readAll(t, plain)
	if diff := cmp.Diff(ph, eh); diff != "" {
		t.Fatalf("header (-plain +edit):\n%s", diff)
	}
	want := [][]string{append([]string(nil), prows[0]...), append([]string(nil), prows[1]...)}
	want[0][3], want[0][7] = "Partners / Negotiation", "Boris Manager"
	want[1][3], want[1][7] = "Sales / Incoming leads", "user 999"
	if diff := cmp.Diff(want, erows); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	spec, err := bulk.ExportSpec(eh, kommo.EntityLeads, s)
	must(t, err)
	m, err := mapping.Compile(spec, s, eh)
	must(t, err)
	for i := range prows {
		pr, perrs := m.Map(sheet.Record{Row: i + 2, Values: prows[i]})
		er, eerrs := m.Map(sheet.Record{Row: i + 2, Values: erows[i]})
		if fmt.Sprint(perrs) != fmt.Sprint(eerrs) {
			t.Errorf("row %d: map errors %v, plain %v", i+2, eerrs, perrs)
		}
		if pr == nil || er == nil {
			continue // row 3: the owner 999 is no user of the account, either way
		}
		if diff := cmp.Diff(pr.Lead, er.Lead); diff != "" {
			t.Errorf("row %d request (-plain +edit):\n%s", i+2, diff)
		}
	}

	f := open(t, edit)
	formula := func(cell string) string {
		v, err := f.GetCellFormula("leads", cell)
		must(t, err)
		return v
	}
	for cell, want := range map[string]string{
		"A2": `HYPERLINK("https://example.kommo.com/leads/detail/11",11)`,
		"E2": `IF($D2="","",IFERROR(VLOOKUP($D2,KB_Stages_Table,2,FALSE),"not in the list: "&$D2))`,
		"F3": `IF($D3="","",IFERROR(VLOOKUP($D3,KB_Stages_Table,4,FALSE),"not in the list: "&$D3))`,
		"G2": `IF($D2="","",IFERROR(VLOOKUP($D2,KB_Stages_Table,3,FALSE),"not in the list: "&$D2))`,
		"I2": `IF($H2="","",IFERROR(VLOOKUP($H2,KB_Users_Table,2,FALSE),"not in the list: "&$H2))`,
		"B2": "", "D2": "",
	} {
		if got := formula(cell); got != want {
			t.Errorf("formula %s = %q, want %q", cell, got, want)
		}
	}
	// excelize computes the formulas to their saved values.
	for cell, want := range map[string]string{"E2": "7100013", "G2": "7000002", "F2": "Partners", "I2": "1002", "E3": "7100001", "I3": "999"} {
		v, err := f.CalcCellValue("leads", cell)
		must(t, err)
		if v != want {
			t.Errorf("computed %s = %q, want %q", cell, v, want)
		}
	}
	style := func(cell string) *excelize.Style {
		id, err := f.GetCellStyle("leads", cell)
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		return st
	}
	for cell, locked := range map[string]bool{"A2": true, "B2": false, "C2": false, "D2": false, "E2": true, "F2": true,
		"H2": false, "I2": true, "J2": true, "K2": true, "M2": true, "Q2": false} {
		st := style(cell)
		if st.Protection == nil || st.Protection.Locked != locked {
			t.Errorf("%s protection = %+v, want locked %v", cell, st.Protection, locked)
		}
		if grey := len(st.Fill.Color) > 0 && st.Fill.Color[0] == fillLocked; grey != locked {
			t.Errorf("%s fill = %v, want grey %v", cell, st.Fill.Color, locked)
		}
	}
	if st := style("A2"); st.Font == nil || st.Font.Underline != "single" {
		t.Errorf("A2 font = %+v, want a link's", st.Font)
	}
	got := map[string]string{}
	for sq, d := range validations(t, f, "leads") {
		got[sq] = d.Formula1
	}
	wantDV := map[string]string{"D2:D3": ListStages, "H2:H3": ListUsers, "Q2:Q3": ListOptions(520001), "R2:R3": ListOptions(520002), "Y2:Y3": ListOptions(520009)}
	if diff := cmp.Diff(wantDV, got); diff != "" {
		t.Errorf("validations (-want +got):\n%s", diff)
	}
	// The dropdown lists what a lead can be moved to; the table also
	// knows the values records hold beyond it.
	if n := len(namedRange(t, f, ListStages)); n != 9 {
		t.Errorf("%d stages in the dropdown, want 9", n)
	}
	table := namedRange(t, f, tableName(ListStages))
	if last := table[len(table)-1]; !cmp.Equal(last, []string{"Sales / Incoming leads", "7100001", "7000001", "Sales"}) {
		t.Errorf("last stage table row = %q", last)
	}
	if diff := cmp.Diff([]string{"Ana Admin", "Boris Manager", "Chen Sales"}, column0(namedRange(t, f, ListUsers))); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	if users := namedRange(t, f, tableName(ListUsers)); !cmp.Equal(users[3], []string{"user 999", "999"}) {
		t.Errorf("user table = %q", users)
	}
	ws := sheetXML(t, edit, "xl/worksheets/sheet1.xml")
	for _, part := range []string{`<autoFilter ref="$A$1:$Y$3"`, `<sheetProtection sheet="true"`, `sort="false" autoFilter="false"`,
		`<pane activePane="bottomLeft" state="frozen" topLeftCell="A2" ySplit="1">`} {
		if !bytes.Contains([]byte(ws), []byte(part)) {
			t.Errorf("worksheet lacks %s", part)
		}
	}
	if v, err := f.GetSheetVisible(ListsSheet); err != nil || v {
		t.Errorf("Lists visible = %v, %v", v, err)
	}
}

// TestEditWriterTasks relabels task types and looks their ids up; tasks
// have no page in Kommo, so their ids are not links.
func TestEditWriterTasks(t *testing.T) {
	edit, plain, _ := exportBoth(t, editSeed(), kommo.EntityTasks)
	_, erows := readAll(t, edit)
	_, prows := readAll(t, plain)
	if erows[0][2] != "Send quote" || erows[0][3] != prows[0][3] || erows[0][0] != "21" {
		t.Errorf("task row = %q, plain %q", erows[0], prows[0])
	}
	f := open(t, edit)
	if v, _ := f.GetCellFormula("tasks", "A2"); v != "" {
		t.Errorf("A2 formula = %q, want none", v)
	}
	if v, _ := f.GetCellFormula("tasks", "D2"); v != `IF($C2="","",IFERROR(VLOOKUP($C2,KB_TaskTypes_Table,2,FALSE),"not in the list: "&$C2))` {
		t.Errorf("D2 formula = %q", v)
	}
}

func TestNewEditWriterEntity(t *testing.T) {
	if _, err := NewEditWriter(io.Discard, EditOptions{Entity: "events"}); err == nil {
		t.Error("NewEditWriter(events) error = nil")
	}
}
