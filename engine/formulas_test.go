package engine

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestOpenFileNeedsSave: a workbook whose formulas were saved without
// values (as scripts write them) opens with a message naming the cells
// and the fix; the browser cannot compute them.
func TestOpenFileNeedsSave(t *testing.T) {
	f := excelize.NewFile()
	for cell, v := range map[string]string{"A1": "Name", "B1": "Email", "A2": "Ada"} {
		if err := f.SetCellStr("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellFormula("Sheet1", "B2", `LOWER(A2)&"@example.org"`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	e := New()
	fi, err := e.OpenFile(buf.Bytes(), "script.xlsx", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const want = "1 formula cell has no saved value (B2) and would read as empty: open the file in Excel or LibreOffice and save it, then use the saved file"
	if fi.NeedsSave != want {
		t.Errorf("NeedsSave = %q, want %q", fi.NeedsSave, want)
	}
	if fi.Preview[0].Values[1] != "" {
		t.Errorf("preview = %q", fi.Preview[0].Values)
	}
}
