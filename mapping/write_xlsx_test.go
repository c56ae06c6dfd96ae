package mapping

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kommo-bulk/kommo-bulk/value"
	"github.com/xuri/excelize/v2"
)

// TestCellNameToCoordinatesMatchesExcelize checks the reader's local cell
// reference parser against excelize's, results and error texts.
func TestCellNameToCoordinatesMatchesExcelize(t *testing.T) {
	inputs := []string{
		"", "A", "1", "A1", "a1", "Z9", "AA10", "AZ1", "BA1", "ZZ1", "AAA1", "XFD1", "XFE1", "XFD1048576",
		"A1048577", "A0", "A-1", "A+1", "A01", "$A$1", "$A1", "A$1", "$$A$$1", "A$", "$1", "A1B2", "A 1",
		" A1", "A1 ", "ÄA1", "AÄ1", "A1Ä", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAA1", "ZZZZZZZZZZZZZZ1",
		"A99999999999999999999", "A9223372036854775807", "A1.5", "A1e3", "A_1", "AB", "12A", "$", "A\x001",
		"r1c1", "xfd1048576", "IV65536",
	}
	for c := 1; c <= xlsxMaxColumns+30; c += 37 {
		name := string(appendColumnName(nil, c))
		inputs = append(inputs, name+"1", strings.ToLower(name)+"77", name+strconv.Itoa(xlsxMaxRows))
	}
	for _, in := range inputs {
		c1, r1, err1 := cellNameToCoordinates(in)
		c2, r2, err2 := excelize.CellNameToCoordinates(in)
		if c1 != c2 || r1 != r2 || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Errorf("cellNameToCoordinates(%q) = %d, %d, %v; excelize = %d, %d, %v", in, c1, r1, err1, c2, r2, err2)
		}
	}
	if errMaxRows.Error() != excelize.ErrMaxRows.Error() || xlsxMaxRows != excelize.TotalRows || xlsxMaxColumns != excelize.MaxColumns {
		t.Errorf("limits differ from excelize's")
	}
}

func FuzzCellNameToCoordinates(f *testing.F) {
	for _, s := range []string{"A1", "$XFD$1048576", "a0", "A1B", "ZZZZ9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c1, r1, err1 := cellNameToCoordinates(in)
		c2, r2, err2 := excelize.CellNameToCoordinates(in)
		if c1 != c2 || r1 != r2 || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Errorf("cellNameToCoordinates(%q) = %d, %d, %v; excelize = %d, %d, %v", in, c1, r1, err1, c2, r2, err2)
		}
	})
}

func TestAppendColumnName(t *testing.T) {
	for _, tt := range []struct {
		col  int
		want string
	}{{1, "A"}, {26, "Z"}, {27, "AA"}, {52, "AZ"}, {53, "BA"}, {702, "ZZ"}, {703, "AAA"}, {16384, "XFD"}} {
		if got := string(appendColumnName(nil, tt.col)); got != tt.want {
			t.Errorf("appendColumnName(%d) = %q, want %q", tt.col, got, tt.want)
		}
	}
	for c := 1; c <= xlsxMaxColumns; c++ {
		want, _ := excelize.ColumnNumberToName(c)
		if got := string(appendColumnName(nil, c)); got != want {
			t.Fatalf("appendColumnName(%d) = %q, excelize %q", c, got, want)
		}
	}
}

// roundTripRow is a row of every cell kind, repeated so that columns go
// past Z and AZ.
func roundTripRow() (header []string, row []Cell, want []string) {
	when := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
	kinds := []struct {
		c    Cell
		want string // as OpenXLSX reads it
	}{
		{StringCell("plain"), "plain"},
		{StringCell("=1+2"), "=1+2"},
		{StringCell("+7 999 123-45-67"), "+7 999 123-45-67"},
		{NumberCell(1234.5), "1234.5"},
		{NumberCell(-0.25), "-0.25"},
		{NumberCell(math.Inf(-1)), "-Inf"},
		{IntCell(123456789012345), "123456789012345"},
		{IntCell(-7), "-7"},
		{DateCell(time.Date(1990, 5, 17, 13, 0, 0, 0, time.UTC)), "1990-05-17"},
		{DateCell(time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)), "1800-01-01"},
		{DateTimeCell(when), "2024-02-29T23:59:58"},
		{BoolCell(true), "TRUE"},
		{BoolCell(false), "FALSE"},
		{EmptyCell(), ""},
	}
	for i := 0; i < 5; i++ { // 70 columns: A..BR
		for j, k := range kinds {
			header = append(header, fmt.Sprintf("c%d_%d", i, j))
			row = append(row, k.c)
			want = append(want, k.want)
		}
	}
	return header, row, want
}

func readOwn(t *testing.T, data []byte, opts XLSXOptions) (header []string, rows [][]string) {
	t.Helper()
	x, err := OpenXLSX(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("OpenXLSX: %v", err)
	}
	defer x.Close()
	for {
		rec, err := x.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, rec.Values)
	}
	return x.Header(), rows
}

func TestXLSXWriterRoundTrip(t *testing.T) {
	header, row, want := roundTripRow()
	data := writeXLSX(t, XLSXWriteOptions{Sheet: "Données & <co>", ColumnWidths: []float64{0, 12.5}}, header, [][]Cell{row, row})

	// Our own reader.
	gotHeader, rows := readOwn(t, data, XLSXOptions{})
	if !cmp.Equal(gotHeader, header) {
		t.Errorf("header = %q, want %q", gotHeader, header)
	}
	if len(rows) != 2 {
		t.Fatalf("read %d rows, want 2", len(rows))
	}
	for _, r := range rows {
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("row read back (-want +got):\n%s", diff)
		}
	}

	// excelize, cell by cell: types, raw values and styles.
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := "Données & <co>"
	if got := f.GetSheetList(); !cmp.Equal(got, []string{sheet}) {
		t.Fatalf("sheets = %q", got)
	}
	if w, _ := f.GetColWidth(sheet, "B"); w != 12.5 {
		t.Errorf("column B width = %v, want 12.5", w)
	}
	for i, c := range row {
		ref, _ := excelize.CoordinatesToCellName(i+1, 3)
		if h, _ := f.GetCellValue(sheet, strings.Replace(ref, "3", "1", 1)); h != header[i] {
			t.Errorf("header %s = %q, want %q", ref, h, header[i])
		}
		raw, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		ct, _ := f.GetCellType(sheet, ref)
		styleID, _ := f.GetCellStyle(sheet, ref)
		st, _ := f.GetStyle(styleID)
		custom := ""
		if st.CustomNumFmt != nil {
			custom = *st.CustomNumFmt
		}
		var wantRaw, wantCustom string
		wantType, wantNumFmt := excelize.CellTypeUnset, 0
		switch c.Kind {
		case CellString:
			wantRaw, wantType = c.S, excelize.CellTypeInlineString
		case CellNumber:
			wantRaw = strconv.FormatFloat(c.N, 'f', -1, 64)
			if math.IsInf(c.N, 0) {
				wantType = excelize.CellTypeInlineString
			}
		case CellInt:
			wantRaw, wantNumFmt = strconv.FormatInt(c.I, 10), 1
		case CellDate, CellDateTime:
			tm := c.T
			if c.Kind == CellDate {
				tm = time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC)
			}
			serial, err := value.TimeToExcelSerial(tm, false)
			if c.Kind == CellDate {
				wantCustom = "yyyy-mm-dd"
			} else {
				wantCustom = "yyyy-mm-dd hh:mm:ss"
			}
			wantRaw = strconv.FormatFloat(serial, 'f', -1, 64)
			if err != nil {
				wantRaw, wantType, wantCustom = c.String(), excelize.CellTypeInlineString, ""
			}
		case CellBool:
			wantRaw, wantType = "0", excelize.CellTypeBool
			if c.B {
				wantRaw = "1"
			}
		}
		if raw != wantRaw || ct != wantType || st.NumFmt != wantNumFmt || custom != wantCustom {
			t.Errorf("%s (%v) = %q type %v numFmt %d %q; want %q type %v numFmt %d %q",
				ref, c.Kind, raw, ct, st.NumFmt, custom, wantRaw, wantType, wantNumFmt, wantCustom)
		}
	}
}

// TestXLSXWriterText checks the escaping of text: XML specials, carriage
// returns, edge spaces, characters XML cannot hold, text that looks like a
// SpreadsheetML _xHHHH_ escape, and Excel's length limit.
func TestXLSXWriterText(t *testing.T) {
	long := strings.Repeat("я", 40000)
	tests := []struct{ in, want string }{
		{`a & b <c> "d" 'e' ]]>`, `a & b <c> "d" 'e' ]]>`},
		{"  lead and trail\t", "  lead and trail\t"},
		{"\nnewline first", "\nnewline first"},
		{"cr\r\nlf", "cr\r\nlf"},
		{"nul\x00bell\x07vt\x0bfffe\uFFFEffff\uFFFF", "nul\uFFFDbell\uFFFDvt\uFFFDfffe\uFFFDffff\uFFFD"},
		{"bad utf8 \xff\xfe end", "bad utf8 \uFFFD\uFFFD end"},
		{"emoji 😀 astral", "emoji 😀 astral"},
		{"_x0041_ and _x005F_ and _x005F_x0041_ and _x00_x0041_ and _xZZZZ_", "_x0041_ and _x005F_ and _x005F_x0041_ and _x00_x0041_ and _xZZZZ_"},
		{"trailing _x", "trailing _x"},
		{long, strings.Repeat("я", xlsxMaxCellChars)},
		{strings.Repeat("😀", 20000), strings.Repeat("😀", xlsxMaxCellChars/2)},
	}
	var rows [][]Cell
	for _, tt := range tests {
		rows = append(rows, []Cell{StringCell(tt.in)})
	}
	data := writeXLSX(t, XLSXWriteOptions{}, []string{"  header  "}, rows)

	// The sheet is well-formed XML.
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(rc)
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", zf.Name, err)
			}
		}
		rc.Close()
	}

	_, got := readOwn(t, data, XLSXOptions{NoHeader: true}) // a header is trimmed
	if got[0][0] != "  header  " {
		t.Errorf("header = %q, want %q", got[0][0], "  header  ")
	}
	got = got[1:]
	if len(got) != len(tests) {
		t.Fatalf("OpenXLSX read %d rows, want %d", len(got), len(tests))
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exRows, err := f.GetRows("Sheet1", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if got[i][0] != tt.want {
			t.Errorf("OpenXLSX row %d = %.60q, want %.60q", i+2, got[i][0], tt.want)
		}
		if ex := exRows[i+1][0]; ex != tt.want {
			t.Errorf("excelize row %d = %.60q, want %.60q", i+2, ex, tt.want)
		}
	}
}

func TestXLSXWriterOptionErrors(t *testing.T) {
	for _, opts := range []XLSXWriteOptions{
		{Sheet: "'quoted'"},
		{Sheet: "a[1]"},
		{Sheet: "tab\x01"},
		{Sheet: strings.Repeat("😀", 16)}, // 32 UTF-16 units
		{ColumnWidths: []float64{10, 256}},
		{DateFormat: strings.Repeat("y", 256)},
		{DateTimeFormat: "bad\x00"},
	} {
		if _, err := NewXLSXWriter(io.Discard, opts); err == nil {
			t.Errorf("NewXLSXWriter(%+v) = nil error, want error", opts)
		}
	}
	if _, err := NewXLSXWriter(io.Discard, XLSXWriteOptions{Sheet: strings.Repeat("я", 31)}); err != nil {
		t.Errorf("NewXLSXWriter(31 Cyrillic letters) = %v, want nil", err)
	}

	w, err := NewXLSXWriter(io.Discard, XLSXWriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow(nil); err != nil {
		t.Fatal(err)
	}
	w.row = xlsxMaxRows
	if err := w.WriteRow([]Cell{IntCell(1)}); !errors.Is(err, errMaxRows) {
		t.Errorf("WriteRow past row %d = %v, want %v", xlsxMaxRows, err, errMaxRows)
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestXLSXWriterWriteError(t *testing.T) {
	w, err := NewXLSXWriter(&failingWriter{n: 4096}, XLSXWriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	for i := 0; i < 100_000 && werr == nil; i++ {
		werr = w.WriteRow(benchRow(i))
	}
	if werr == nil {
		werr = w.Close()
	}
	if werr == nil || !strings.Contains(werr.Error(), "disk full") {
		t.Errorf("writing to a failing writer: %v, want disk full", werr)
	}
}

// TestXLSXWriterEmpty checks that a workbook with no rows opens.
func TestXLSXWriterEmpty(t *testing.T) {
	data := writeXLSX(t, XLSXWriteOptions{}, nil, nil)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows, err := f.GetRows("Sheet1"); err != nil || len(rows) != 0 {
		t.Errorf("GetRows = %q, %v; want none", rows, err)
	}
}

// TestXLSXWriterMemoryFlat writes 200k rows and checks that the heap stays
// far below the output's size: the writer keeps no rows and no temporary
// files.
func TestXLSXWriterMemoryFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes 200k rows; run without -short and -race")
	}
	const rows = 200_000
	cw := &countingWriter{}
	before := heapInuse()
	w, err := NewXLSXWriter(cw, XLSXWriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader(benchHeader); err != nil {
		t.Fatal(err)
	}
	var peak uint64
	for i := 0; i < rows; i++ {
		if err := w.WriteRow(benchRow(i)); err != nil {
			t.Fatal(err)
		}
		if i%50_000 == 49_999 {
			peak = max(peak, heapInuse())
			if cw.n < int64(i)*10 {
				t.Errorf("after %d rows only %d bytes reached the writer: not streaming", i+1, cw.n)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	growth := int64(peak) - int64(before)
	t.Logf("%d rows, %d bytes out, heap before %d KiB, peak %d KiB", rows, cw.n, before>>10, peak>>10)
	if growth > 4<<20 {
		t.Errorf("heap grew by %d KiB while writing %d rows (%d MiB out), want < 4 MiB", growth>>10, rows, cw.n>>20)
	}
}
