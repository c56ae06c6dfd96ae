package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"github.com/xuri/excelize/v2"
)

// book builds a workbook in memory with build and returns its bytes.
func book(t testing.TB, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatalf("write workbook: %v", err)
	}
	return buf.Bytes()
}

// must fails the test on a setup error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
}

func style(t testing.TB, f *excelize.File, s *excelize.Style) int {
	t.Helper()
	id, err := f.NewStyle(s)
	must(t, err)
	return id
}

func ptr[T any](v T) *T { return &v }

// typedBook has one sheet with a header and cells of every kind the reader
// converts.
func typedBook(t testing.TB) []byte {
	return book(t, func(f *excelize.File) {
		sh := "Sheet1"
		must(t, f.SetSheetName("Sheet1", "Contacts"))
		sh = "Contacts"
		date := style(t, f, &excelize.Style{NumFmt: 14})
		dmy := style(t, f, &excelize.Style{CustomNumFmt: ptr(`dd\.mm\.yyyy;@`)})
		dt := style(t, f, &excelize.Style{NumFmt: 22})
		tm := style(t, f, &excelize.Style{NumFmt: 20})
		zip := style(t, f, &excelize.Style{CustomNumFmt: ptr("00000")})
		money := style(t, f, &excelize.Style{CustomNumFmt: ptr(`#,##0.00 "₽";[Red]-#,##0.00 "₽"`)})
		quoted := style(t, f, &excelize.Style{CustomNumFmt: ptr(`"day "0`)})
		must(t, f.SetSheetRow(sh, "A1", &[]any{"Name", "Phone", "Born", "Birthday", "Visit", "Time", "Zip", "Active", "Sum", "Tiny", "Big", "Count"}))
		must(t, f.SetSheetRow(sh, "A2", &[]any{"Анна", 441234567890, 45306, 45306, 45306.75, 0.5, 1234, true, 1234.5, 0.30000000000000004, 1e20, 7}))
		must(t, f.SetCellStyle(sh, "C2", "C2", date))
		must(t, f.SetCellStyle(sh, "D2", "D2", dmy))
		must(t, f.SetCellStyle(sh, "E2", "E2", dt))
		must(t, f.SetCellStyle(sh, "F2", "F2", tm))
		must(t, f.SetCellStyle(sh, "G2", "G2", zip))
		must(t, f.SetCellStyle(sh, "I2", "I2", money))
		must(t, f.SetCellStyle(sh, "L2", "L2", quoted))
		// Row 3 stays empty; row 4 is sparse.
		must(t, f.SetCellValue(sh, "A4", "Bob"))
		must(t, f.SetCellBool(sh, "H4", false))
		must(t, f.SetCellValue(sh, "C4", 60)) // Excel's fictitious 1900-02-29
		must(t, f.SetCellStyle(sh, "C4", "C4", date))
		must(t, f.SetCellValue(sh, "M4", "extra"))
	})
}

func TestOpenXLSX(t *testing.T) {
	multi := book(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"first"}))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"1"}))
		_, err := f.NewSheet("Leads")
		must(t, err)
		must(t, f.SetSheetRow("Leads", "B3", &[]any{"Title", "Budget"}))
		must(t, f.SetSheetRow("Leads", "B4", &[]any{"Deal", 100}))
	})
	tests := []struct {
		name    string
		file    []byte
		opts    Options
		header  []string
		records []core.Record
	}{{
		name:   "typed cells",
		file:   typedBook(t),
		header: []string{"Name", "Phone", "Born", "Birthday", "Visit", "Time", "Zip", "Active", "Sum", "Tiny", "Big", "Count"},
		records: []core.Record{
			{Row: 2, Values: []string{"Анна", "441234567890", "2024-01-15", "2024-01-15", "2024-01-15T18:00:00", "12:00:00", "01234", "TRUE", "1234.5", "0.3", "100000000000000000000", "7"}},
			{Row: 4, Values: []string{"Bob", "", "1900-02-28", "", "", "", "", "FALSE", "", "", "", "", "extra"}},
		},
	}, {
		name:    "sheet by name, header found below empty rows",
		file:    multi,
		opts:    Options{Sheet: "leads"},
		header:  []string{"A", "Title", "Budget"},
		records: []core.Record{{Row: 4, Values: []string{"", "Deal", "100"}}},
	}, {
		name:    "sheet by index",
		file:    multi,
		opts:    Options{SheetIndex: 1, HeaderRow: 4, NoHeader: false},
		header:  []string{"A", "Deal", "100"},
		records: nil,
	}, {
		name:    "no header",
		file:    multi,
		opts:    Options{NoHeader: true},
		header:  []string{"A"},
		records: []core.Record{{Row: 1, Values: []string{"first"}}, {Row: 2, Values: []string{"1"}}},
	}, {
		name: "merged and duplicate header cells",
		file: book(t, func(f *excelize.File) {
			must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Name", "Phone", nil, "Email", "", "Email"}))
			must(t, f.MergeCell("Sheet1", "B1", "C1"))
			must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"Ann", "1", "2", "a@x", "?", "b@x"}))
		}),
		header:  []string{"Name", "Phone", "Phone (2)", "Email", "E", "Email (2)"},
		records: []core.Record{{Row: 2, Values: []string{"Ann", "1", "2", "a@x", "?", "b@x"}}},
	}, {
		name: "1904 date system",
		file: book(t, func(f *excelize.File) {
			must(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}))
			must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"When"}))
			must(t, f.SetCellValue("Sheet1", "A2", 1))
			must(t, f.SetCellStyle("Sheet1", "A2", "A2", style(t, f, &excelize.Style{NumFmt: 14})))
		}),
		header:  []string{"When"},
		records: []core.Record{{Row: 2, Values: []string{"1904-01-02"}}},
	}, {
		name: "stream writer inline strings",
		file: book(t, func(f *excelize.File) {
			sw, err := f.NewStreamWriter("Sheet1")
			must(t, err)
			must(t, sw.SetRow("A1", []any{"Name", "Phone"}))
			must(t, sw.SetRow("A2", []any{"Ann", 79120000000}))
			must(t, sw.SetRow("A5", []any{excelize.Cell{Value: "Bob"}, excelize.Cell{Formula: "1+1", Value: 2}}))
			must(t, sw.Flush())
		}),
		header:  []string{"Name", "Phone"},
		records: []core.Record{{Row: 2, Values: []string{"Ann", "79120000000"}}, {Row: 5, Values: []string{"Bob", "2"}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := Open(bytes.NewReader(tt.file), int64(len(tt.file)), tt.opts)
			if err != nil {
				t.Fatalf("Open() error = %v", err)
			}
			defer x.Close()
			if diff := cmp.Diff(tt.header, x.Header()); diff != "" {
				t.Errorf("Header() mismatch (-want +got):\n%s", diff)
			}
			recs, err := sheettest.ReadAll(t, x)
			if err != nil {
				t.Fatalf("Next() error = %v", err)
			}
			if diff := cmp.Diff(tt.records, recs); diff != "" {
				t.Errorf("records mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// zipOf builds a zip archive of the given entries.
func zipOf(t testing.TB, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range entries {
		fw, err := w.Create(name)
		must(t, err)
		_, err = fw.Write(data)
		must(t, err)
	}
	must(t, w.Close())
	return buf.Bytes()
}

func TestOpenXLSXErrors(t *testing.T) {
	bomb := zipOf(t, map[string][]byte{"xl/worksheets/sheet1.xml": make([]byte, 64<<20)})
	big := book(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Name", "Note"}))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"Ann", strings.Repeat("x", 5000)}))
	})
	wide := book(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"a"}))
		must(t, f.SetSheetRow("Sheet1", "A7", &[]any{1, 2, 3, 4}))
	})
	tests := []struct {
		name   string
		file   []byte
		opts   Options
		openIs error          // from Open
		want   *core.RowError // from Next, compared without Err and Value
		wantIs error
	}{
		{name: "zip bomb ratio", file: bomb, opts: Options{Name: "bomb.xlsx"}, openIs: core.ErrTooLarge},
		{name: "entry too large", file: typedBook(t), opts: Options{Limits: core.Limits{MaxEntrySize: 100}}, openIs: core.ErrTooLarge},
		{name: "total too large", file: typedBook(t), opts: Options{Limits: core.Limits{MaxUncompressedSize: 2000}}, openIs: core.ErrTooLarge},
		{name: "missing sheet", file: typedBook(t), opts: Options{Sheet: "Nope"}, openIs: core.ErrNoSheet},
		{name: "sheet index out of range", file: typedBook(t), opts: Options{SheetIndex: 3}, openIs: core.ErrNoSheet},
		{
			name: "cell too large", file: big,
			opts:   Options{Name: "big.xlsx", Limits: core.Limits{MaxCellSize: 1000}},
			want:   &core.RowError{File: "big.xlsx", Sheet: "Sheet1", Row: 2, Column: "Note"},
			wantIs: core.ErrCellTooLarge,
		},
		{
			name: "too many columns", file: wide,
			opts:   Options{Name: "wide.xlsx", Limits: core.Limits{MaxColumns: 3}},
			want:   &core.RowError{File: "wide.xlsx", Sheet: "Sheet1", Row: 7, Column: "D"},
			wantIs: core.ErrTooManyColumns,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := Open(bytes.NewReader(tt.file), int64(len(tt.file)), tt.opts)
			if tt.openIs != nil {
				if !errors.Is(err, tt.openIs) {
					t.Fatalf("Open() error = %v, want %v", err, tt.openIs)
				}
				if tt.opts.Name != "" && !strings.HasPrefix(err.Error(), tt.opts.Name+": ") {
					t.Errorf("Open() error = %q, want it to name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open() error = %v", err)
			}
			defer x.Close()
			_, err = sheettest.ReadAll(t, x)
			var re *core.RowError
			if !errors.As(err, &re) || !errors.Is(err, tt.wantIs) {
				t.Fatalf("Next() error = %v, want *RowError wrapping %v", err, tt.wantIs)
			}
			got := *re
			got.Err, got.Value = nil, ""
			if diff := cmp.Diff(*tt.want, got); diff != "" {
				t.Errorf("RowError mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

func TestSheets(t *testing.T) {
	b := book(t, func(f *excelize.File) {
		_, err := f.NewSheet("Лиды")
		must(t, err)
		_, err = f.NewSheet("Hidden")
		must(t, err)
		must(t, f.SetSheetVisible("Hidden", false))
	})
	got, err := Sheets(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatalf("Sheets() error = %v", err)
	}
	if diff := cmp.Diff([]string{"Sheet1", "Лиды", "Hidden"}, got); diff != "" {
		t.Errorf("Sheets() mismatch (-want +got):\n%s", diff)
	}
	if _, err := Sheets(strings.NewReader("a,b"), 3, Options{Name: "x.csv"}); err == nil {
		t.Errorf("Sheets(csv) error = nil, want error")
	}
}

// unzipParts returns the entries of a zip, by name.
func unzipParts(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		must(t, err)
		rc.Close()
		parts[f.Name] = b
	}
	return parts
}

// TestXLSXMalformedStructure reads worksheets and packages whose
// structure is broken in ways that used to be read silently, putting
// values in the wrong row or cell or dropping them, or leaving the
// choice between two parts to chance:
//   - a row numbered at or before the one before (out of order, or
//     repeated): its cells were added to the previous row;
//   - a cell inside a cell, a row inside a cell, or a cell not closed
//     before its row ends: a row or a cell was swallowed;
//   - elements nested deeper than anything SpreadsheetML writes;
//   - two zip entries with the same name (ignoring case), two sheets on
//     one part, two sheets of the same name.
//
// Each is an error naming the file, the sheet and the row; the rows
// before it are read. A worksheet error ends the table, as every XLSX
// error does.
func TestXLSXMalformedStructure(t *testing.T) {
	hdr := `<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c><c r="B1" t="inlineStr"><is><t>g</t></is></c></row>`
	row4 := `<row r="4"><c r="A4"><v>4</v></c></row>`
	deep := strings.Repeat("<a>", 40) + "<v>1</v>" + strings.Repeat("</a>", 40)
	tests := []struct {
		name  string
		sheet string
		recs  []core.Record // read before the error
		err   string        // "" for none
	}{
		{
			name:  "row out of order",
			sheet: hdr + `<row r="3"><c r="A3"><v>3</v></c></row><row r="2"><c r="A2"><v>2</v></c><c r="B2"><v>22</v></c></row>` + row4,
			recs:  []core.Record{{Row: 3, Values: []string{"3", ""}}},
			err:   "t.xlsx [Sheet1]: row 2: malformed worksheet: row 2 comes after row 3 (the rows are out of order or repeated; opening and saving the file in Excel repairs it)",
		},
		{
			name:  "row repeated",
			sheet: hdr + `<row r="2"><c r="A2"><v>2</v></c></row><row r="2"><c r="A2"><v>2b</v></c></row>` + row4,
			recs:  []core.Record{{Row: 2, Values: []string{"2", ""}}},
			err:   "t.xlsx [Sheet1]: row 2: malformed worksheet: row 2 comes after row 2 (the rows are out of order or repeated; opening and saving the file in Excel repairs it)",
		},
		{
			name:  "row inside a cell",
			sheet: hdr + `<row r="2"><c r="A2"><row r="3"><c r="A3"><v>x</v></c></row></c><c r="B2"><v>b</v></c></row>` + row4,
			err:   "t.xlsx [Sheet1]: row 2: malformed worksheet: the cell in column A holds a <row> element",
		},
		{
			name:  "cell inside a cell",
			sheet: hdr + `<row r="2"><c r="A2"><x><c r="B2"><v>inner</v></c></x><v>outer</v></c></row>` + row4,
			err:   "t.xlsx [Sheet1]: row 2: malformed worksheet: the cell in column A holds a <c> element",
		},
		{
			name:  "cell not closed",
			sheet: hdr + `<row r="2"><c r="A2"><v>2</v></row><row r="3"><c r="A3"><v>3</v></c></row>` + row4,
			err:   "t.xlsx [Sheet1]: row 2: malformed worksheet: the cell in column A is not closed before </row>",
		},
		{
			name:  "nested too deep",
			sheet: hdr + `<row r="2"><c r="A2"><v>2</v></c></row><row r="3"><c r="B3">` + deep + `</c></row>` + row4,
			recs:  []core.Record{{Row: 2, Values: []string{"2", ""}}},
			err:   "t.xlsx [Sheet1]: row 3: malformed worksheet: the cell in column B has elements nested more than 32 deep",
		},
		{
			name:  "nested too deep in an inline string",
			sheet: hdr + `<row r="2"><c r="A2"><v>2</v></c></row><row r="3"><c r="B3" t="inlineStr"><is><t>x</t>` + deep + `</is></c></row>` + row4,
			recs:  []core.Record{{Row: 2, Values: []string{"2", ""}}},
			err:   "t.xlsx [Sheet1]: malformed worksheet: elements nested more than 32 deep (in row 3)",
		},
		{
			name:  "nested too deep in a value",
			sheet: hdr + `<row r="2"><c r="A2"><v>2</v></c></row><row r="3"><c r="B3"><v>1` + deep + `</v></c></row>` + row4,
			recs:  []core.Record{{Row: 2, Values: []string{"2", ""}}},
			err:   "t.xlsx [Sheet1]: malformed worksheet: elements nested more than 32 deep (in row 3)",
		},
		{
			name: "the nesting SpreadsheetML writes",
			sheet: hdr + `<row r="2"><c r="A2" t="inlineStr"><is><r><rPr><b/><color rgb="FF0000"/></rPr><t>rich</t></r><rPh><t>x</t></rPh></is></c>` +
				`<c r="B2"><f>1+1</f><v>2</v><extLst><ext uri="{x}"><y:a xmlns:y="y"><y:b/></y:a></ext></extLst></c></row>` + row4,
			recs: []core.Record{{Row: 2, Values: []string{"rich", "2"}}, {Row: 4, Values: []string{"4", ""}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := partsBook(t, `<sheetData>`+tt.sheet+`</sheetData>`, "", "")
			x, err := Open(bytes.NewReader(data), int64(len(data)), Options{Name: "t.xlsx"})
			must(t, err)
			defer x.Close()
			recs, err := sheettest.ReadAll(t, x)
			if diff := cmp.Diff(tt.recs, recs); diff != "" {
				t.Errorf("records before the error (-want +got):\n%s", diff)
			}
			if tt.err == "" {
				if err != nil {
					t.Errorf("Next() error = %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.err {
				t.Fatalf("Next() error = %v, want %q", err, tt.err)
			}
			var re *core.RowError
			if _, err := x.Next(); err == nil || errors.As(err, &re) {
				t.Errorf("Next() after the error = %v, want a plain error", err)
			}
		})
	}

	base := unzipParts(t, partsBook(t, `<sheetData>`+hdr+`</sheetData>`, "", ""))
	with := func(name, body string) []byte {
		parts := maps.Clone(base)
		parts[name] = []byte(body)
		return zipOf(t, parts)
	}
	const wb = `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>%s</sheets></workbook>`
	for _, tt := range []struct {
		name string
		file []byte
		err  string
	}{
		{"two entries of one name", with("XL/Worksheets/Sheet1.xml", `<worksheet><sheetData/></worksheet>`), "the zip holds the part "},
		{"two sheets on one part", with("xl/workbook.xml", fmt.Sprintf(wb, `<sheet name="A" sheetId="1" r:id="rId1"/><sheet name="B" sheetId="2" r:id="rId1"/>`)),
			`sheets "A" and "B" are the same part xl/worksheets/sheet1.xml`},
		{"two sheets of one name", with("xl/workbook.xml", fmt.Sprintf(wb, `<sheet name="Data" sheetId="1" r:id="rId1"/><sheet name="data" sheetId="2" r:id="rId2"/>`)),
			`two sheets are named "data"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(tt.file), int64(len(tt.file)), Options{Name: "t.xlsx"})
			if err == nil || !strings.HasPrefix(err.Error(), "t.xlsx: not a valid xlsx workbook: ") || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Open() error = %v, want one naming the file and containing %q", err, tt.err)
			}
			if _, err := Sheets(bytes.NewReader(tt.file), int64(len(tt.file)), Options{Name: "t.xlsx"}); err == nil {
				t.Errorf("Sheets() error = nil, want one")
			}
		})
	}
}
