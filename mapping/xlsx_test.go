package mapping

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		opts    XLSXOptions
		header  []string
		records []Record
	}{{
		name:   "typed cells",
		file:   typedBook(t),
		header: []string{"Name", "Phone", "Born", "Birthday", "Visit", "Time", "Zip", "Active", "Sum", "Tiny", "Big", "Count"},
		records: []Record{
			{2, []string{"Анна", "441234567890", "2024-01-15", "2024-01-15", "2024-01-15T18:00:00", "12:00:00", "01234", "TRUE", "1234.5", "0.3", "100000000000000000000", "7"}},
			{4, []string{"Bob", "", "1900-02-28", "", "", "", "", "FALSE", "", "", "", "", "extra"}},
		},
	}, {
		name:    "sheet by name, header found below empty rows",
		file:    multi,
		opts:    XLSXOptions{Sheet: "leads"},
		header:  []string{"A", "Title", "Budget"},
		records: []Record{{4, []string{"", "Deal", "100"}}},
	}, {
		name:    "sheet by index",
		file:    multi,
		opts:    XLSXOptions{SheetIndex: 1, HeaderRow: 4, NoHeader: false},
		header:  []string{"A", "Deal", "100"},
		records: nil,
	}, {
		name:    "no header",
		file:    multi,
		opts:    XLSXOptions{NoHeader: true},
		header:  []string{"A"},
		records: []Record{{1, []string{"first"}}, {2, []string{"1"}}},
	}, {
		name: "merged and duplicate header cells",
		file: book(t, func(f *excelize.File) {
			must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Name", "Phone", nil, "Email", "", "Email"}))
			must(t, f.MergeCell("Sheet1", "B1", "C1"))
			must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"Ann", "1", "2", "a@x", "?", "b@x"}))
		}),
		header:  []string{"Name", "Phone", "Phone (2)", "Email", "E", "Email (2)"},
		records: []Record{{2, []string{"Ann", "1", "2", "a@x", "?", "b@x"}}},
	}, {
		name: "1904 date system",
		file: book(t, func(f *excelize.File) {
			must(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}))
			must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"When"}))
			must(t, f.SetCellValue("Sheet1", "A2", 1))
			must(t, f.SetCellStyle("Sheet1", "A2", "A2", style(t, f, &excelize.Style{NumFmt: 14})))
		}),
		header:  []string{"When"},
		records: []Record{{2, []string{"1904-01-02"}}},
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
		records: []Record{{2, []string{"Ann", "79120000000"}}, {5, []string{"Bob", "2"}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := OpenXLSX(bytes.NewReader(tt.file), int64(len(tt.file)), tt.opts)
			if err != nil {
				t.Fatalf("OpenXLSX() error = %v", err)
			}
			defer x.Close()
			if diff := cmp.Diff(tt.header, x.Header()); diff != "" {
				t.Errorf("Header() mismatch (-want +got):\n%s", diff)
			}
			recs, err := readAll(t, x)
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
		opts   XLSXOptions
		openIs error     // from OpenXLSX
		want   *RowError // from Next, compared without Err and Value
		wantIs error
	}{
		{name: "zip bomb ratio", file: bomb, opts: XLSXOptions{Name: "bomb.xlsx"}, openIs: ErrTooLarge},
		{name: "entry too large", file: typedBook(t), opts: XLSXOptions{Limits: Limits{MaxEntrySize: 100}}, openIs: ErrTooLarge},
		{name: "total too large", file: typedBook(t), opts: XLSXOptions{Limits: Limits{MaxUncompressedSize: 2000}}, openIs: ErrTooLarge},
		{name: "missing sheet", file: typedBook(t), opts: XLSXOptions{Sheet: "Nope"}, openIs: ErrNoSheet},
		{name: "sheet index out of range", file: typedBook(t), opts: XLSXOptions{SheetIndex: 3}, openIs: ErrNoSheet},
		{
			name: "cell too large", file: big,
			opts:   XLSXOptions{Name: "big.xlsx", Limits: Limits{MaxCellSize: 1000}},
			want:   &RowError{File: "big.xlsx", Sheet: "Sheet1", Row: 2, Column: "Note"},
			wantIs: ErrCellTooLarge,
		},
		{
			name: "too many columns", file: wide,
			opts:   XLSXOptions{Name: "wide.xlsx", Limits: Limits{MaxColumns: 3}},
			want:   &RowError{File: "wide.xlsx", Sheet: "Sheet1", Row: 7, Column: "D"},
			wantIs: ErrTooManyColumns,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := OpenXLSX(bytes.NewReader(tt.file), int64(len(tt.file)), tt.opts)
			if tt.openIs != nil {
				if !errors.Is(err, tt.openIs) {
					t.Fatalf("OpenXLSX() error = %v, want %v", err, tt.openIs)
				}
				if tt.opts.Name != "" && !strings.HasPrefix(err.Error(), tt.opts.Name+": ") {
					t.Errorf("OpenXLSX() error = %q, want it to name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenXLSX() error = %v", err)
			}
			defer x.Close()
			_, err = readAll(t, x)
			var re *RowError
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
	got, err := Sheets(bytes.NewReader(b), int64(len(b)), XLSXOptions{})
	if err != nil {
		t.Fatalf("Sheets() error = %v", err)
	}
	if diff := cmp.Diff([]string{"Sheet1", "Лиды", "Hidden"}, got); diff != "" {
		t.Errorf("Sheets() mismatch (-want +got):\n%s", diff)
	}
	if _, err := Sheets(strings.NewReader("a,b"), 3, XLSXOptions{Name: "x.csv"}); err == nil {
		t.Errorf("Sheets(csv) error = nil, want error")
	}
}

func TestOpen(t *testing.T) {
	xlsx := typedBook(t)
	tests := []struct {
		name   string
		file   string
		data   []byte
		header []string
		err    error
	}{
		{name: "xlsx by content", file: "upload.bin", data: xlsx, header: []string{"Name", "Phone"}},
		{name: "csv", file: "contacts.csv", data: []byte("Name;Phone\nA;1\n"), header: []string{"Name", "Phone"}},
		{name: "tsv named txt", file: "export.txt", data: []byte("Name\tPhone\n"), header: []string{"Name", "Phone"}},
		{name: "legacy xls", file: "old.xls", data: append(bytes.Clone(oleMagic), 0, 0, 0), err: ErrUnsupportedFormat},
		{name: "ods", file: "sheet.ods", data: zipOf(t, map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.spreadsheet")}), err: ErrUnsupportedFormat},
		{name: "truncated xlsx", file: "broken.xlsx", data: xlsx[:20], err: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := Open(tt.file, bytes.NewReader(tt.data), int64(len(tt.data)), ReadOptions{})
			if tt.err != nil || tt.header == nil {
				if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) || !strings.Contains(err.Error(), tt.file) {
					t.Fatalf("Open(%q) error = %v, want %v naming the file", tt.file, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q) error = %v", tt.file, err)
			}
			defer tb.Close()
			if got := tb.Header()[:2]; !cmp.Equal(got, tt.header) {
				t.Errorf("Open(%q).Header() = %q, want %q", tt.file, got, tt.header)
			}
		})
	}
}
