//go:build libreoffice

package workbook

// These tests hand workbooks to LibreOffice Calc (headless soffice, from
// Debian's libreoffice-calc-nogui) and check what it makes of them. They
// are built only with -tags libreoffice: "make libreoffice-check".

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// soffice converts file to format ("csv", "fods") into dir and returns
// the converted file's bytes.
func soffice(t *testing.T, profile, file, format string) []byte {
	t.Helper()
	bin, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("soffice not found: apt-get install libreoffice-calc-nogui")
	}
	dir := filepath.Dir(file)
	cmd := exec.Command(bin, "--headless", "-env:UserInstallation=file://"+profile, "--convert-to", format, "--outdir", dir, file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice --convert-to %s %s: %v\n%s", format, file, err, out)
	}
	ext := format
	if i := strings.IndexByte(ext, ':'); i >= 0 {
		ext = ext[:i]
	}
	b, err := os.ReadFile(strings.TrimSuffix(file, filepath.Ext(file)) + "." + ext)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// asShown is Calc's CSV filter writing each cell as its format shows it
// (options: comma, double quote, UTF-8, from line 1, standard cell
// formats, default language, quoted text not forced, special numbers
// detected, contents as shown).
const asShown = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true"

func csvRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestLibreOfficeTemplate: Calc reads a filled leads template with its
// formats, keeps the list validations on the defined names of the hidden
// Lists sheet, and both extra sheets hidden.
func TestLibreOfficeTemplate(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "profile")
	dir := t.TempDir()
	s := seedSchema(t)
	var buf bytes.Buffer
	must(t, WriteTemplate(&buf, TemplateOptions{Entity: kommo.EntityLeads, Schema: s}))
	f, err := excelize.OpenReader(&buf)
	must(t, err)
	for cell, v := range map[string]any{"A2": "Alpha", "B2": 1500.5, "C2": "Partners / Negotiation", "D2": "Boris Manager",
		"H2": time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), "I2": time.Date(2025, 4, 1, 14, 30, 0, 0, time.UTC), "L2": "Yes"} {
		must(t, f.SetCellValue("leads", cell, v))
	}
	path := filepath.Join(dir, "leads.xlsx")
	must(t, f.SaveAs(path))
	f.Close()

	rows := csvRows(t, soffice(t, profile, path, asShown))
	if diff := cmp.Diff([]string{"Name", "Price", "Stage", "Responsible", "Tags", "Lead source", "Products", "Expected close",
		"Meeting at", "Budget", "External ID", "Priority deal", "Landing page", "Channel"}, rows[0]); diff != "" {
		t.Errorf("header as Calc reads it (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Alpha", "1,500.50", "Partners / Negotiation", "Boris Manager", "", "", "", "2025-03-31", "2025-04-01 14:30", "", "", "Yes", "", ""}, rows[1]); diff != "" {
		t.Errorf("row 2 as Calc shows it (-want +got):\n%s", diff)
	}

	fods := string(soffice(t, profile, path, "fods"))
	for _, list := range []string{ListStages, ListUsers, ListOptions(520001), ListOptions(520002), ListYesNo, ListOptions(520009)} {
		if !strings.Contains(fods, `table:condition="of:cell-content-is-in-list(`+list+`)"`) {
			t.Errorf("Calc has no list validation on %s", list)
		}
	}
	named := regexp.MustCompile(`table:named-range table:name="KB_Stages" [^>]*table:cell-range-address="\$Lists\.\$A\$2:\.\$A\$10"`)
	if !named.MatchString(fods) {
		t.Errorf("Calc's KB_Stages is not Lists!A2:A10")
	}
	if n := strings.Count(fods, `table:display="false"`); n != 2 {
		t.Errorf("%d hidden sheets in Calc, want 2 (Lists, kommo-bulk)", n)
	}
	if !strings.Contains(fods, "<text:p>"+SpecMarker+"</text:p>") {
		t.Error("Calc lost the spec sheet's marker")
	}
}

// TestLibreOfficeEditExport: Calc computes the id columns of an edit
// export over the defined names, once a stage and owner are picked (the
// cells saved without values, which Calc computes on load), and keeps
// the links' ids.
func TestLibreOfficeEditExport(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "profile")
	dir := t.TempDir()
	edit, _, _ := exportBoth(t, editSeed(), kommo.EntityLeads)
	f, err := excelize.OpenReader(bytes.NewReader(edit))
	must(t, err)
	must(t, f.SetCellStr("leads", "D2", "Sales / Qualified"))
	must(t, f.SetCellStr("leads", "H2", "Chen Sales"))
	for _, cell := range []string{"E2", "F2", "G2", "I2"} {
		formula, err := f.GetCellFormula("leads", cell)
		must(t, err)
		must(t, f.SetCellValue("leads", cell, nil))
		must(t, f.SetCellFormula("leads", cell, formula))
	}
	path := filepath.Join(dir, "edit.xlsx")
	must(t, f.SaveAs(path))
	f.Close()
	rows := csvRows(t, soffice(t, profile, path, "csv"))
	got := [][]string{rows[1][:9], rows[2][:9]}
	want := [][]string{
		{"11", "Alpha", "1500", "Sales / Qualified", "7100003", "Sales", "7000001", "Chen Sales", "1003"},
		{"12", "Beta", "0", "Sales / Incoming leads", "7100001", "Sales", "7000001", "user 999", "999"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows as Calc computes them (-want +got):\n%s", diff)
	}
	fods := string(soffice(t, profile, path, "fods"))
	for _, part := range []string{`of:=HYPERLINK(&quot;https://example.kommo.com/leads/detail/11&quot;;11)`, `table:protected="true"`,
		`table:condition="of:cell-content-is-in-list(KB_Stages)"`, `table:display-filter-buttons="true"`} {
		if !strings.Contains(fods, part) {
			t.Errorf("Calc's document lacks %s", part)
		}
	}
}
