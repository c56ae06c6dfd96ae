package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/workbook"
)

// leadState is what a test compares of a stored lead: the fields an
// import writes, custom values as "value/enum id".
type leadState struct {
	Name                    string
	Price                   float64
	Status, Pipeline, Owner int
	Tags                    []string
	Fields                  map[int][]string
}

func leadStates(st kt.State) map[string]leadState {
	out := map[string]leadState{}
	for _, l := range st.Leads {
		s := leadState{Name: l.Name, Price: l.Price, Status: l.StatusID, Pipeline: l.PipelineID, Owner: l.ResponsibleUserID, Fields: map[int][]string{}}
		for _, tg := range l.Tags {
			s.Tags = append(s.Tags, tg.Name)
		}
		sort.Strings(s.Tags)
		for _, fv := range l.CustomFieldsValues {
			for _, v := range fv.Values {
				s.Fields[fv.FieldID] = append(s.Fields[fv.FieldID], fmt.Sprintf("%v/%d", v.Value, v.EnumID))
			}
		}
		out[l.Name] = s
	}
	return out
}

// editBook opens an .xlsx file with excelize, lets edit change it and
// saves it in place.
func editBook(t *testing.T, path string, edit func(f *excelize.File)) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func set(t *testing.T, f *excelize.File, sheet string, values map[string]any) {
	t.Helper()
	for cell, v := range values {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTemplateFilledImports writes a leads template from the account,
// fills it as a person would (values picked from the dropdowns, typed
// dates and numbers) and imports it with no mapping and no --entity:
// the account holds exactly those leads.
func TestTemplateFilledImports(t *testing.T) {
	e := newCLIEnv(t)
	path := filepath.Join(e.dir, "leads.xlsx")
	if code, out, errOut := e.run(t, "template", "--rate", "0", "--entity", "leads", "-o", path); code != exitOK {
		t.Fatalf("template: exit %d\n%s\n%s", code, out, errOut)
	}
	// The filler picks values from the lists the template offers.
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stages, err := f.GetCols(workbook.ListsSheet)
	if err != nil {
		t.Fatal(err)
	}
	if stages[0][7] != "Partners / Negotiation" || stages[0][4] != "Sales / Closed - won" {
		t.Fatalf("stage list = %q", stages[0])
	}
	f.Close()
	editBook(t, path, func(f *excelize.File) {
		set(t, f, "leads", map[string]any{
			"A2": "Alpha", "B2": 1500.5, "C2": "Partners / Negotiation", "D2": "Boris Manager", "E2": "vip; new",
			"F2": "Referral", "G2": "Product A; Services", "H2": time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC),
			"I2": time.Date(2025, 4, 1, 14, 30, 0, 0, time.UTC), "J2": 99, "K2": "X-1", "L2": "Yes", "M2": "https://x.io", "N2": "Chat",
			"A3": "Beta", "C3": "Sales / Closed - won", "D3": "Chen Sales", "L3": "No",
		})
	})
	code, out, errOut := e.run(t, "import", "--rate", "0", path)
	if code != exitOK {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "a kommo-bulk template of leads: importing with the mapping it carries") {
		t.Errorf("stderr does not say the template's mapping is used:\n%s", errOut)
	}
	day := func(y int, m time.Month, d, h, min int) string {
		return fmt.Sprintf("%d/0", time.Date(y, m, d, h, min, 0, 0, time.UTC).Unix())
	}
	want := map[string]leadState{
		"Alpha": {Name: "Alpha", Price: 1500.5, Status: kt.SeedStatusPartnersNegotiation, Pipeline: kt.SeedPipelinePartners, Owner: kt.SeedUserBoris,
			Tags: []string{"new", "vip"}, Fields: map[int][]string{
				kt.SeedLeadSource:     {"Referral/620002"},
				kt.SeedLeadProducts:   {"Product A/620011", "Services/620013"},
				kt.SeedLeadCloseDate:  {day(2025, 3, 31, 0, 0)},
				kt.SeedLeadMeetingAt:  {day(2025, 4, 1, 14, 30)},
				kt.SeedLeadBudget:     {"99/0"},
				kt.SeedLeadExternalID: {"X-1/0"},
				kt.SeedLeadPriority:   {"true/0"},
				kt.SeedLeadLanding:    {"https://x.io/0"},
				kt.SeedLeadChannel:    {"Chat/620023"},
			}},
		"Beta": {Name: "Beta", Status: kt.StatusWon, Pipeline: kt.SeedPipelineSales, Owner: kt.SeedUserChen,
			Fields: map[int][]string{kt.SeedLeadPriority: {"false/0"}}},
	}
	if diff := cmp.Diff(want, leadStates(e.emu.Snapshot())); diff != "" {
		t.Errorf("leads (-want +got):\n%s", diff)
	}
}

// TestExportForEditRoundTrip exports leads for editing, picks another
// stage and owner from the dropdowns the way a spreadsheet program does
// (the looked-up id cells are then computed anew: here excelize saves
// them without values, which the import computes) and imports the file
// back as an update.
func TestExportForEditRoundTrip(t *testing.T) {
	e := newCLIEnv(t)
	input := e.write(t, "in.csv", "Name,Stage,Owner\nAlpha,Partners / Negotiation,Boris Manager\nBeta,Sales / New,Ana Admin\n")
	spec := e.write(t, "in.yaml", "entity: leads\ncolumns: [{column: Name, field: name}, {column: Stage, field: status}, {column: Owner, field: responsible_user}]\n")
	if code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, input); code != exitOK {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	path := filepath.Join(e.dir, "edit.xlsx")
	if code, out, errOut := e.run(t, "export", "leads", "--rate", "0", "--for-edit", "-o", path); code != exitOK {
		t.Fatalf("export: exit %d\n%s\n%s", code, out, errOut)
	}
	editBook(t, path, func(f *excelize.File) {
		rows, err := f.GetRows("leads")
		if err != nil {
			t.Fatal(err)
		}
		r := 2
		if rows[1][1] != "Alpha" {
			r = 3
		}
		row := fmt.Sprint(r)
		if rows[r-1][3] != "Partners / Negotiation" || rows[r-1][7] != "Boris Manager" {
			t.Fatalf("exported row = %q", rows[r-1])
		}
		set(t, f, "leads", map[string]any{"D" + row: "Sales / Qualified", "H" + row: "Chen Sales"})
		for _, col := range []string{"E", "F", "G", "I"} {
			formula, err := f.GetCellFormula("leads", col+row)
			if err != nil || formula == "" {
				t.Fatalf("%s%s formula = %q, %v", col, row, formula, err)
			}
			set(t, f, "leads", map[string]any{col + row: nil}) // the value goes, then the formula comes back alone
			if err := f.SetCellFormula("leads", col+row, formula); err != nil {
				t.Fatal(err)
			}
		}
	})
	code, out, errOut := e.run(t, "import", "--rate", "0", "--mode", "update", path)
	if code != exitOK {
		t.Fatalf("import --mode update: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "computed 4 formula cells that had no saved value") {
		t.Errorf("stderr does not tell of the computed cells:\n%s", errOut)
	}
	got := leadStates(e.emu.Snapshot())
	if a := got["Alpha"]; a.Status != kt.SeedStatusSalesQualified || a.Pipeline != kt.SeedPipelineSales || a.Owner != kt.SeedUserChen {
		t.Errorf("Alpha = %+v, want Sales / Qualified, owner Chen", a)
	}
	if b := got["Beta"]; b.Status != kt.SeedStatusSalesNew || b.Owner != kt.SeedUserAna {
		t.Errorf("Beta = %+v, want unchanged", b)
	}
}

// TestPasswordRoundTrip exports contacts encrypted, edits the decrypted
// workbook and imports it back with the password from the environment.
func TestPasswordRoundTrip(t *testing.T) {
	e := newCLIEnv(t)
	input := e.write(t, "in.csv", "Name,Email,Phone,Company\nAda Lovelace,ada@example.org,+44 20 7946 0000,Acme\n")
	if code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", filepath.Join(e.dir, "contacts.yaml"), input); code != exitOK {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	path := filepath.Join(e.dir, "contacts.xlsx")
	if code, out, errOut := e.run(t, "export", "contacts", "--rate", "0", "--password", "s3cret", "-o", path); code != exitOK {
		t.Fatalf("export --password: exit %d\n%s\n%s", code, out, errOut)
	}
	enc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(enc, oleMagic) {
		t.Fatalf("the export is not an encrypted workbook: % x", enc[:8])
	}
	plain, err := workbook.Decrypt(enc, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.GetCellValue("contacts", "B2"); v != "Ada Lovelace" {
		t.Fatalf("B2 = %q", v)
	}
	set(t, f, "contacts", map[string]any{"B2": "Ada King"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	enc, err = workbook.Encrypt(buf.Bytes(), "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, enc, 0o644); err != nil {
		t.Fatal(err)
	}

	code, _, errOut := e.run(t, "import", "--rate", "0", "--mode", "update", path)
	if code != exitUsage || !strings.Contains(errOut, "contacts.xlsx is a password-protected workbook: give its password") {
		t.Errorf("import without password: exit %d\n%s", code, errOut)
	}
	code, _, errOut = e.run(t, "import", "--rate", "0", "--mode", "update", "--password", "wrong", path)
	if code != exitFailed || !strings.Contains(errOut, "contacts.xlsx: the password does not open the workbook") {
		t.Errorf("import with a wrong password: exit %d\n%s", code, errOut)
	}
	e.env[passwordEnv] = "s3cret"
	code, out, errOut := e.run(t, "import", "--rate", "0", "--mode", "update", path)
	if code != exitOK || !strings.Contains(out, "1 updated") {
		t.Fatalf("import with the password: exit %d\n%s\n%s", code, out, errOut)
	}
	if c := e.emu.Snapshot().Contacts; len(c) != 1 || c[0].Name != "Ada King" {
		t.Errorf("contacts = %+v, want Ada renamed", c)
	}
}

// TestImportFormulaOnlyWorkbook imports a workbook a script wrote with
// formulas and no values: the CLI computes them.
func TestImportFormulaOnlyWorkbook(t *testing.T) {
	e := newCLIEnv(t)
	f := excelize.NewFile()
	set(t, f, "Sheet1", map[string]any{"A1": "Name", "B1": "Email", "C1": "Phone", "D1": "Company", "A2": "Ada Lovelace", "A3": "Bob Jones"})
	for _, r := range []string{"2", "3"} {
		for col, formula := range map[string]string{
			"B": `LOWER(LEFT(A` + r + `,FIND(" ",A` + r + `)-1))&"@example.org"`,
			"C": `"+44 20 7946 "&(1000+ROW())`,
			"D": `UPPER("acme")`,
		} {
			if err := f.SetCellFormula("Sheet1", col+r, formula); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(e.dir, "script.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", filepath.Join(e.dir, "contacts.yaml"), path)
	if code != exitOK {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "script.xlsx: computed 6 formula cells that had no saved value (B2, C2, D2, B3, C3, D3)") {
		t.Errorf("stderr:\n%s", errOut)
	}
	st := e.emu.Snapshot()
	var got []string
	for _, c := range st.Contacts {
		var vals []string
		for _, fv := range c.CustomFieldsValues {
			for _, v := range fv.Values {
				vals = append(vals, fmt.Sprint(v.Value))
			}
		}
		got = append(got, c.Name+": "+strings.Join(vals, ", "))
	}
	sort.Strings(got)
	want := []string{"Ada Lovelace: ada@example.org, +442079461002", "Bob Jones: bob@example.org, +442079461003"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("contacts (-want +got):\n%s", diff)
	}
	if len(st.Companies) != 1 || st.Companies[0].Name != "ACME" {
		t.Errorf("companies = %+v, want ACME", st.Companies)
	}
}

// TestImportLegacyXLS names the fix for an Excel 97-2003 file.
func TestImportLegacyXLS(t *testing.T) {
	e := newCLIEnv(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "files", "libreoffice", "legacy.xls"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.dir, "old.xls")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := e.run(t, "import", "--rate", "0", "--entity", "contacts", path)
	if code != exitFailed || !strings.Contains(errOut, "old.xls: unsupported file format: a legacy Excel 97-2003 workbook (.xls); open it in Excel or LibreOffice and save it as .xlsx") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}
