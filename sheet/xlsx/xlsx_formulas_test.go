package xlsx

import (
	"bytes"
	"io"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// TestUncachedFormulas counts the formula cells without a cached value,
// the header's included, and only those: a formula with a value (even an
// empty string) reads as its value and is not counted.
func TestUncachedFormulas(t *testing.T) {
	sheet := `<sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1"><f>"Price"</f></c><c r="C1" t="inlineStr"><is><t>Total</t></is></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>Ada</t></is></c><c r="B2"><v>3</v></c><c r="C2"><f>B2*2</f><v>6</v></c></row>` +
		`<row r="3"><c r="A3" t="inlineStr"><is><t>Bob</t></is></c><c r="B3"><v>4</v></c><c r="C3"><f>B3*2</f></c></row>` +
		`<row r="4"><c r="A4" t="str"><f>""</f><v></v></c><c r="B4"><v>5</v></c><c r="C4"><f t="shared" ref="C4:C5" si="0">B4*2</f></c></row>` +
		`<row r="5"><c r="A5" t="inlineStr"><is><t>Cy</t></is></c><c r="B5"><v>6</v></c><c r="C5"><f t="shared" si="0"/></c></row>` +
		`</sheetData>`
	data := partsBook(t, sheet, "", "")
	x, err := Open(bytes.NewReader(data), int64(len(data)), Options{Name: "f.xlsx"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Name", "B", "Total"}, x.Header()); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	var got [][]string
	for {
		rec, err := x.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		got = append(got, rec.Values)
	}
	want := [][]string{{"Ada", "3", "6"}, {"Bob", "4", ""}, {"", "5", ""}, {"Cy", "6", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	wantU := UncachedFormulas{Count: 4, Cells: []string{"B1", "C3", "C4", "C5"}}
	if diff := cmp.Diff(wantU, x.UncachedFormulas()); diff != "" {
		t.Errorf("UncachedFormulas (-want +got):\n%s", diff)
	}
	x.Close()
	if diff := cmp.Diff(wantU, x.UncachedFormulas()); diff != "" {
		t.Errorf("UncachedFormulas after Close (-want +got):\n%s", diff)
	}
	const msg = "4 formula cells have no saved value (B1, C3, C4, C5) and would read as empty: open the file in Excel or LibreOffice and save it, then use the saved file"
	if got := wantU.Message(); got != msg {
		t.Errorf("Message() = %q, want %q", got, msg)
	}

	u, err := FindUncachedFormulas(bytes.NewReader(data), int64(len(data)), Options{}, 2)
	must(t, err)
	if diff := cmp.Diff(UncachedFormulas{Count: 4, Cells: []string{"B1", "C3"}, MaxCells: 2}, u); diff != "" {
		t.Errorf("FindUncachedFormulas(max 2) (-want +got):\n%s", diff)
	}
	if m := u.Message(); m != "4 formula cells have no saved value (B1, C3, ...) and would read as empty: open the file in Excel or LibreOffice and save it, then use the saved file" {
		t.Errorf("Message() = %q", m)
	}
}

// TestFindUncachedFormulasExcelize reads a workbook excelize writes with
// formulas and no values, as scripts do, on a named sheet.
func TestFindUncachedFormulasExcelize(t *testing.T) {
	data := book(t, func(f *excelize.File) {
		_, err := f.NewSheet("Data")
		must(t, err)
		must(t, f.SetSheetRow("Data", "A1", &[]any{"Name", "Price", "Double"}))
		for r := 2; r <= 30; r++ {
			cell, _ := excelize.CoordinatesToCellName(1, r)
			must(t, f.SetCellValue("Data", cell, "n"))
			cell, _ = excelize.CoordinatesToCellName(2, r)
			must(t, f.SetCellValue("Data", cell, r))
			cell, _ = excelize.CoordinatesToCellName(3, r)
			must(t, f.SetCellFormula("Data", cell, "B"+strconv.Itoa(r)+"*2"))
		}
	})
	u, err := FindUncachedFormulas(bytes.NewReader(data), int64(len(data)), Options{Sheet: "data"}, -1)
	must(t, err)
	if u.Count != 29 || len(u.Cells) != 29 || u.Cells[0] != "C2" || u.Cells[28] != "C30" {
		t.Errorf("FindUncachedFormulas = %+v, want C2 to C30", u)
	}
	u, err = FindUncachedFormulas(bytes.NewReader(data), int64(len(data)), Options{}, -1)
	must(t, err)
	if u.Count != 0 {
		t.Errorf("FindUncachedFormulas(Sheet1) = %+v, want none", u)
	}
}
