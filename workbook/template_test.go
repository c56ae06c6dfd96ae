package workbook

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

func writeTemplate(t *testing.T, opts TemplateOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	must(t, WriteTemplate(&buf, opts))
	return buf.Bytes()
}

// TestTemplateLeads opens a leads template with excelize: the dropdowns
// list exactly the account's stages, users and options, on a hidden sheet
// through defined names; dates, numbers and required columns are marked;
// the spec it carries maps every column.
func TestTemplateLeads(t *testing.T) {
	s := seedSchema(t)
	b := writeTemplate(t, TemplateOptions{Entity: kommo.EntityLeads, Schema: s})
	f := open(t, b)

	if diff := cmp.Diff([]string{"leads", ListsSheet, SpecSheet}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	for sheet, want := range map[string]bool{"leads": true, ListsSheet: false, SpecSheet: false} {
		if v, err := f.GetSheetVisible(sheet); err != nil || v != want {
			t.Errorf("sheet %s visible = %v, %v; want %v", sheet, v, err, want)
		}
	}
	if !regexp.MustCompile(`<sheet name="` + SpecSheet + `"[^>]* state="veryHidden"`).MatchString(sheetXML(t, b, "xl/workbook.xml")) {
		t.Errorf("the spec sheet is not very hidden:\n%s", sheetXML(t, b, "xl/workbook.xml"))
	}
	rows, err := f.GetRows("leads")
	must(t, err)
	header := []string{"Name", "Price", "Stage", "Responsible", "Tags", "Lead source", "Products", "Expected close",
		"Meeting at", "Budget", "External ID", "Priority deal", "Landing page", "Channel"}
	if diff := cmp.Diff([][]string{header}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	// The lists hold exactly the schema's values.
	stages := []string{"Sales / New", "Sales / Qualified", "Sales / Proposal", "Sales / Closed - won", "Sales / Closed - lost",
		"Partners / Contacted", "Partners / Negotiation", "Partners / Closed - won", "Partners / Closed - lost"}
	lists := map[string][]string{
		ListStages:          stages,
		ListUsers:           {"Ana Admin", "Boris Manager", "Chen Sales"},
		ListOptions(520001): {"Website", "Referral", "Cold call"},
		ListOptions(520002): {"Product A", "Product B", "Services"},
		ListOptions(520009): {"Email", "Phone", "Chat"},
		ListYesNo:           {"Yes", "No"},
	}
	for name, want := range lists {
		if diff := cmp.Diff(want, column0(namedRange(t, f, name))); diff != "" {
			t.Errorf("list %s (-want +got):\n%s", name, diff)
		}
	}
	if got := namedRange(t, f, tableName(ListStages))[6]; !cmp.Equal(got, []string{"Partners / Negotiation", "7100013", "7000002", "Partners"}) {
		t.Errorf("stage table row = %q", got)
	}

	// Each column's validation.
	dvs := validations(t, f, "leads")
	wantDV := map[string][2]string{ // sqref → type, formula1
		"B2:B1048576": {"decimal", "-1000000000000000"},
		"C2:C1048576": {"list", ListStages},
		"D2:D1048576": {"list", ListUsers},
		"F2:F1048576": {"list", ListOptions(520001)},
		"G2:G1048576": {"list", ListOptions(520002)},
		"H2:H1048576": {"date", "1"},
		"I2:I1048576": {"date", "1"},
		"J2:J1048576": {"decimal", "-1000000000000000"},
		"L2:L1048576": {"list", ListYesNo},
		"N2:N1048576": {"list", ListOptions(520009)},
	}
	got := map[string][2]string{}
	for sq, d := range dvs {
		got[sq] = [2]string{d.Type, d.Formula1}
	}
	if diff := cmp.Diff(wantDV, got); diff != "" {
		t.Errorf("validations (-want +got):\n%s", diff)
	}
	if d := dvs["G2:G1048576"]; d.ErrorStyle == nil || *d.ErrorStyle != "warning" {
		t.Errorf("multiselect validation error style = %v, want warning (several values may be typed)", d.ErrorStyle)
	}
	if d := dvs["C2:C1048576"]; d.ErrorStyle == nil || *d.ErrorStyle != "stop" {
		t.Errorf("stage validation error style = %v, want stop", d.ErrorStyle)
	}

	// Formats, the required mark, comments, the frozen header.
	numFmt := func(col string) string {
		id, err := f.GetColStyle("leads", col)
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		if st.CustomNumFmt == nil {
			return ""
		}
		return *st.CustomNumFmt
	}
	for col, want := range map[string]string{"B": fmtNumber, "H": fmtDate, "I": fmtDateTime, "J": fmtNumber, "A": ""} {
		if got := numFmt(col); got != want {
			t.Errorf("column %s number format = %q, want %q", col, got, want)
		}
	}
	fill := func(cell string) string {
		id, err := f.GetCellStyle("leads", cell)
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		return strings.Join(st.Fill.Color, ",")
	}
	if fill("A1") != fillRequired || fill("B1") != fillHeader {
		t.Errorf("header fills A1 %q, B1 %q; want the required %q and the plain %q", fill("A1"), fill("B1"), fillRequired, fillHeader)
	}
	comments, err := f.GetComments("leads")
	must(t, err)
	notes := map[string]string{}
	for _, c := range comments {
		var text strings.Builder
		for _, p := range c.Paragraph {
			text.WriteString(p.Text)
		}
		notes[c.Cell] = c.Text + text.String()
	}
	if len(notes) != len(header) {
		t.Errorf("%d header comments, want %d: %q", len(notes), len(header), notes)
	}
	for cell, want := range map[string]string{"A1": "Required. Kommo: name.", "C1": "Pick a value from the list.",
		"G1": "or type several separated by", "H1": "A date, e.g. 2025-01-31.", "B1": "A number"} {
		if !strings.Contains(notes[cell], want) {
			t.Errorf("comment %s = %q, want %q in it", cell, notes[cell], want)
		}
	}
	panes, err := f.GetPanes("leads")
	must(t, err)
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, want the header row frozen", panes)
	}

	// The spec the template carries, read by mapping's reader, maps every
	// column and compiles against the schema.
	spec, err := TemplateSpec(bytes.NewReader(b), int64(len(b)))
	must(t, err)
	if spec == nil || spec.Entity != kommo.EntityLeads || len(spec.Columns) != len(header) {
		t.Fatalf("TemplateSpec = %+v", spec)
	}
	for i, c := range spec.Columns {
		if c.Column != header[i] {
			t.Errorf("spec column %d = %q, want %q", i, c.Column, header[i])
		}
	}
	if !spec.Columns[0].Required || spec.Columns[2].Field != "status" || spec.Columns[5].Field != "520001" {
		t.Errorf("spec columns = %+v", spec.Columns)
	}
	if _, err := mapping.Compile(spec, s, header); err != nil {
		t.Errorf("Compile(template spec): %v", err)
	}
}

// TestTemplateOtherEntities checks the lists of tasks, contacts and
// companies templates.
func TestTemplateOtherEntities(t *testing.T) {
	s := seedSchema(t)
	tests := []struct {
		entity kommo.EntityType
		header []string
		lists  map[string][]string
		match  string
	}{
		{kommo.EntityTasks, []string{"Text", "Task type", "Complete till", "Responsible", "Entity type", "Entity ID"},
			map[string][]string{ListTaskTypes: {"Follow-up", "Meeting", "Send quote"}, ListEntityTypes: {"leads", "contacts", "companies"}}, ""},
		{kommo.EntityContacts, []string{"Name", "First name", "Last name", "Responsible", "Tags", "Company", "Phone", "Email",
			"Position", "Source", "Interests", "Next call", "Birthday", "Score", "Newsletter", "Profile", "External ID"},
			map[string][]string{ListOptions(500004): {"Website", "Referral", "Event"}, ListOptions(500005): {"Product A", "Product B", "Services"}}, "email"},
		{kommo.EntityCompanies, []string{"Name", "Responsible", "Tags", "Phone", "Email", "Web", "Address", "Employees"},
			map[string][]string{ListUsers: {"Ana Admin", "Boris Manager", "Chen Sales"}}, "name"},
	}
	for _, tt := range tests {
		t.Run(string(tt.entity), func(t *testing.T) {
			b := writeTemplate(t, TemplateOptions{Entity: tt.entity, Schema: s})
			f := open(t, b)
			rows, err := f.GetRows(string(tt.entity))
			must(t, err)
			if diff := cmp.Diff([][]string{tt.header}, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			for name, want := range tt.lists {
				if diff := cmp.Diff(want, column0(namedRange(t, f, name))); diff != "" {
					t.Errorf("list %s (-want +got):\n%s", name, diff)
				}
			}
			spec, err := TemplateSpec(bytes.NewReader(b), int64(len(b)))
			must(t, err)
			if spec.Match.Primary != tt.match {
				t.Errorf("spec match = %q, want %q", spec.Match.Primary, tt.match)
			}
			if _, err := mapping.Compile(spec, s, tt.header); err != nil {
				t.Errorf("Compile(template spec): %v", err)
			}
		})
	}
}

// TestTemplateFromSpec lays a template out from a mapping spec: its
// columns in order, the dropdowns of the fields it names, none for a
// column whose values a value map translates; the spec comes back as it
// went in.
func TestTemplateFromSpec(t *testing.T) {
	s := seedSchema(t)
	spec, err := mapping.ParseSpec([]byte(`
entity: leads
key: Deal ID
columns:
  - {column: Deal, field: name, required: true}
  - {column: Pipeline, field: pipeline}
  - {column: Stage, field: status, map: {Hot: Qualified}}
  - {column: Owner, field: responsible_user}
  - {column: Source, field: Lead source}
  - {column: Close, field: Expected close}
  - {column: Person, entity: contacts, field: name}
refs: [{column: Company key, entity: companies}]
`))
	must(t, err)
	b := writeTemplate(t, TemplateOptions{Spec: spec, Schema: s})
	f := open(t, b)
	rows, err := f.GetRows("leads")
	must(t, err)
	if diff := cmp.Diff([][]string{{"Deal ID", "Deal", "Pipeline", "Stage", "Owner", "Source", "Close", "Person", "Company key"}}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for sq, d := range validations(t, f, "leads") {
		got[sq] = d.Formula1
	}
	want := map[string]string{"C2:C1048576": ListPipelines, "E2:E1048576": ListUsers, "F2:F1048576": ListOptions(520001), "G2:G1048576": "1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("validations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Sales", "Partners"}, column0(namedRange(t, f, ListPipelines))); diff != "" {
		t.Errorf("pipelines (-want +got):\n%s", diff)
	}
	back, err := TemplateSpec(bytes.NewReader(b), int64(len(b)))
	must(t, err)
	if diff := cmp.Diff(spec, back); diff != "" {
		t.Errorf("TemplateSpec (-want +got):\n%s", diff)
	}

	if err := WriteTemplate(&bytes.Buffer{}, TemplateOptions{Entity: kommo.EntityContacts, Spec: spec, Schema: s}); err == nil || !strings.Contains(err.Error(), "the mapping is for leads") {
		t.Errorf("WriteTemplate(contacts, leads spec) error = %v", err)
	}
	bad, _ := mapping.ParseSpec([]byte("entity: leads\ncolumns: [{column: X, field: Nonexistent}]"))
	if err := WriteTemplate(&bytes.Buffer{}, TemplateOptions{Spec: bad, Schema: s}); err == nil || !strings.Contains(err.Error(), "Nonexistent") {
		t.Errorf("WriteTemplate(unknown field) error = %v", err)
	}
}

// TestTemplateSpecAbsent: a workbook without the spec sheet, or with a
// sheet of that name that is not ours, carries no spec.
func TestTemplateSpecAbsent(t *testing.T) {
	for name, build := range map[string]func(f *excelize.File){
		"no sheet": func(f *excelize.File) { must(t, f.SetCellStr("Sheet1", "A1", "Name")) },
		"other sheet": func(f *excelize.File) {
			_, err := f.NewSheet(SpecSheet)
			must(t, err)
			must(t, f.SetCellStr(SpecSheet, "A1", "notes"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := excelize.NewFile()
			build(f)
			var buf bytes.Buffer
			must(t, f.Write(&buf))
			spec, err := TemplateSpec(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if spec != nil || err != nil {
				t.Errorf("TemplateSpec = %+v, %v; want nil, nil", spec, err)
			}
		})
	}
}
