package xlsx

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
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
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
func roundTripRow() (header []string, row []core.Cell, want []string) {
	when := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
	kinds := []struct {
		c    core.Cell
		want string // as Open reads it
	}{
		{core.StringCell("plain"), "plain"},
		{core.StringCell("=1+2"), "=1+2"},
		{core.StringCell("+7 999 123-45-67"), "+7 999 123-45-67"},
		{core.NumberCell(1234.5), "1234.5"},
		{core.NumberCell(-0.25), "-0.25"},
		{core.NumberCell(math.Inf(-1)), "-Inf"},
		{core.IntCell(123456789012345), "123456789012345"},
		{core.IntCell(-7), "-7"},
		{core.DateCell(time.Date(1990, 5, 17, 13, 0, 0, 0, time.UTC)), "1990-05-17"},
		{core.DateCell(time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)), "1800-01-01"},
		{core.DateTimeCell(when), "2024-02-29T23:59:58"},
		{core.BoolCell(true), "TRUE"},
		{core.BoolCell(false), "FALSE"},
		{core.EmptyCell(), ""},
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

func readOwn(t *testing.T, data []byte, opts Options) (header []string, rows [][]string) {
	t.Helper()
	x, err := Open(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
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
	data := writeXLSX(t, WriteOptions{Sheet: "Données & <co>", ColumnWidths: []float64{0, 12.5}}, header, [][]core.Cell{row, row})

	// Our own reader.
	gotHeader, rows := readOwn(t, data, Options{})
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
		case core.CellString:
			wantRaw, wantType = c.S, excelize.CellTypeInlineString
		case core.CellNumber:
			wantRaw = strconv.FormatFloat(c.N, 'f', -1, 64)
			if math.IsInf(c.N, 0) {
				wantType = excelize.CellTypeInlineString
			}
		case core.CellInt:
			wantRaw, wantNumFmt = strconv.FormatInt(c.I, 10), 1
		case core.CellDate, core.CellDateTime:
			tm := c.T
			if c.Kind == core.CellDate {
				tm = time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC)
			}
			serial, err := value.TimeToExcelSerial(tm, false)
			if c.Kind == core.CellDate {
				wantCustom = "yyyy-mm-dd"
			} else {
				wantCustom = "yyyy-mm-dd hh:mm:ss"
			}
			wantRaw = strconv.FormatFloat(serial, 'f', -1, 64)
			if err != nil {
				wantRaw, wantType, wantCustom = c.String(), excelize.CellTypeInlineString, ""
			}
		case core.CellBool:
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
	var rows [][]core.Cell
	for _, tt := range tests {
		rows = append(rows, []core.Cell{core.StringCell(tt.in)})
	}
	data := writeXLSX(t, WriteOptions{}, []string{"  header  "}, rows)

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

	_, got := readOwn(t, data, Options{NoHeader: true}) // a header is trimmed
	if got[0][0] != "  header  " {
		t.Errorf("header = %q, want %q", got[0][0], "  header  ")
	}
	got = got[1:]
	if len(got) != len(tests) {
		t.Fatalf("Open read %d rows, want %d", len(got), len(tests))
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
			t.Errorf("Open row %d = %.60q, want %.60q", i+2, got[i][0], tt.want)
		}
		if ex := exRows[i+1][0]; ex != tt.want {
			t.Errorf("excelize row %d = %.60q, want %.60q", i+2, ex, tt.want)
		}
	}
}

func TestXLSXWriterOptionErrors(t *testing.T) {
	for _, opts := range []WriteOptions{
		{Sheet: "'quoted'"},
		{Sheet: "a[1]"},
		{Sheet: "tab\x01"},
		{Sheet: strings.Repeat("😀", 16)}, // 32 UTF-16 units
		{ColumnWidths: []float64{10, 256}},
		{DateFormat: strings.Repeat("y", 256)},
		{DateTimeFormat: "bad\x00"},
	} {
		if _, err := NewWriter(io.Discard, opts); err == nil {
			t.Errorf("NewWriter(%+v) = nil error, want error", opts)
		}
	}
	if _, err := NewWriter(io.Discard, WriteOptions{Sheet: strings.Repeat("я", 31)}); err != nil {
		t.Errorf("NewWriter(31 Cyrillic letters) = %v, want nil", err)
	}

	w, err := NewWriter(io.Discard, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow(nil); err != nil {
		t.Fatal(err)
	}
	w.row = xlsxMaxRows
	if err := w.WriteRow([]core.Cell{core.IntCell(1)}); !errors.Is(err, errMaxRows) {
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
	w, err := NewWriter(&failingWriter{n: 4096}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	for i := 0; i < 100_000 && werr == nil; i++ {
		werr = w.WriteRow(sheettest.BenchRow(i))
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
	data := writeXLSX(t, WriteOptions{}, nil, nil)
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
	cw := &sheettest.CountingWriter{}
	before := sheettest.HeapInuse()
	w, err := NewWriter(cw, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader(sheettest.BenchHeader); err != nil {
		t.Fatal(err)
	}
	var peak uint64
	for i := 0; i < rows; i++ {
		if err := w.WriteRow(sheettest.BenchRow(i)); err != nil {
			t.Fatal(err)
		}
		if i%50_000 == 49_999 {
			peak = max(peak, sheettest.HeapInuse())
			if cw.N < int64(i)*10 {
				t.Errorf("after %d rows only %d bytes reached the writer: not streaming", i+1, cw.N)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	growth := int64(peak) - int64(before)
	t.Logf("%d rows, %d bytes out, heap before %d KiB, peak %d KiB", rows, cw.N, before>>10, peak>>10)
	if growth > 4<<20 {
		t.Errorf("heap grew by %d KiB while writing %d rows (%d MiB out), want < 4 MiB", growth>>10, rows, cw.N>>20)
	}
}

func writeXLSX(t testing.TB, opts WriteOptions, header []string, rows [][]core.Cell) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	if header != nil {
		if err := w.WriteHeader(header); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXWriter(t *testing.T) {
	header, rows := sheettest.SampleRows()
	data := writeXLSX(t, WriteOptions{Sheet: "Leads", ColumnWidths: []float64{14, 30}}, header, rows)

	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("OpenReader: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !cmp.Equal(got, []string{"Leads"}) {
		t.Errorf("sheets = %q, want [Leads]", got)
	}

	raw := func(cell string) string {
		t.Helper()
		v, err := f.GetCellValue("Leads", cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("GetCellValue(%s): %v", cell, err)
		}
		return v
	}
	numFmt := func(cell string) (int, string) {
		t.Helper()
		id, err := f.GetCellStyle("Leads", cell)
		if err != nil {
			t.Fatalf("GetCellStyle(%s): %v", cell, err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatalf("GetStyle(%d): %v", id, err)
		}
		custom := ""
		if st.CustomNumFmt != nil {
			custom = *st.CustomNumFmt
		}
		return st.NumFmt, custom
	}
	cellType := func(cell string) excelize.CellType {
		t.Helper()
		ct, err := f.GetCellType("Leads", cell)
		if err != nil {
			t.Fatalf("GetCellType(%s): %v", cell, err)
		}
		return ct
	}

	// Header: bold, frozen, escaped.
	id, _ := f.GetCellStyle("Leads", "A1")
	if st, _ := f.GetStyle(id); st == nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("A1 style = %+v, want bold font", st)
	}
	panes, err := f.GetPanes("Leads")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("GetPanes = %+v, %v; want frozen first row", panes, err)
	}
	if got := raw("I1"); got != "=Header" {
		t.Errorf("I1 = %q, want %q", got, "=Header")
	}
	quoted := quotePrefixed(t, data, "Leads")
	if !quoted["I1"] || quoted["A1"] {
		t.Errorf("quote-prefix header cells = %v, want I1 only", quoted)
	}
	if w, _ := f.GetColWidth("Leads", "B"); w != 30 {
		t.Errorf("column B width = %v, want 30", w)
	}

	// Types and values of row 2.
	checks := []struct {
		cell     string
		wantType excelize.CellType
		wantRaw  string
	}{
		{"A2", excelize.CellTypeUnset, "123456789012"}, // numbers have no t attribute
		{"B2", excelize.CellTypeInlineString, "Иван Петров"},
		{"C2", excelize.CellTypeInlineString, "+442079460958"},
		{"D2", excelize.CellTypeUnset, "1234.5"},
		{"G2", excelize.CellTypeBool, "1"},
		{"H2", excelize.CellTypeInlineString, `=HYPERLINK("x")`},
		{"C3", excelize.CellTypeInlineString, "-"},
		{"F3", excelize.CellTypeInlineString, "1800-01-01"}, // before Excel's epoch: ISO text
		{"G3", excelize.CellTypeBool, "0"},
		{"H3", excelize.CellTypeInlineString, "@x"},
		{"I3", excelize.CellTypeInlineString, "'=x"},
	}
	for _, c := range checks {
		if got := cellType(c.cell); got != c.wantType {
			t.Errorf("GetCellType(%s) = %v, want %v", c.cell, got, c.wantType)
		}
		if got := raw(c.cell); got != c.wantRaw {
			t.Errorf("raw value of %s = %q, want %q", c.cell, got, c.wantRaw)
		}
		// Text a spreadsheet would take for a formula, or whose leading
		// apostrophe it would eat, is kept text by the cell style.
		want := c.wantType == excelize.CellTypeInlineString && needsQuotePrefix(c.wantRaw)
		if quoted[c.cell] != want {
			t.Errorf("%s quote prefix = %v, want %v", c.cell, quoted[c.cell], want)
		}
	}
	if formula, _ := f.GetCellFormula("Leads", "H2"); formula != "" {
		t.Errorf("H2 formula = %q, want none", formula)
	}
	if got, _ := f.GetCellValue("Leads", "G2"); got != "TRUE" {
		t.Errorf("G2 = %q, want TRUE", got)
	}
	if got, _ := f.GetCellValue("Leads", "A2"); got != "123456789012" {
		t.Errorf("A2 formatted = %q, want 123456789012 (no exponent)", got)
	}
	if n, _ := numFmt("A2"); n != 1 {
		t.Errorf("A2 number format = %d, want 1 (\"0\")", n)
	}
	if got := raw("I2"); got != "" {
		t.Errorf("empty cell I2 = %q, want empty", got)
	}

	// Dates: numeric serials with a date format.
	dates := []struct {
		cell    string
		wantFmt string
		want    time.Time
	}{
		{"E2", "yyyy-mm-dd hh:mm:ss", time.Date(2024, 1, 31, 14, 30, 15, 0, time.UTC)},
		{"F2", "yyyy-mm-dd", time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)},
		{"E3", "yyyy-mm-dd hh:mm:ss", time.Date(2024, 1, 31, 17, 30, 15, 0, time.UTC)}, // wall clock in MSK
	}
	for _, d := range dates {
		if ct := cellType(d.cell); ct != excelize.CellTypeUnset && ct != excelize.CellTypeNumber {
			t.Errorf("GetCellType(%s) = %v, want a number", d.cell, ct)
		}
		if _, custom := numFmt(d.cell); custom != d.wantFmt {
			t.Errorf("%s number format = %q, want %q", d.cell, custom, d.wantFmt)
		}
		var serial float64
		if _, err := fmt.Sscan(raw(d.cell), &serial); err != nil {
			t.Fatalf("%s raw value %q is not a number: %v", d.cell, raw(d.cell), err)
		}
		got, err := value.ExcelSerialToTime(serial, false, time.UTC)
		if err != nil || !got.Equal(d.want) {
			t.Errorf("%s = serial %v = %v, %v; want %v", d.cell, serial, got, err, d.want)
		}
	}
	if got, _ := f.GetCellValue("Leads", "F2"); got != "1990-05-17" {
		t.Errorf("F2 formatted = %q, want 1990-05-17", got)
	}
}

// quotePrefixed returns the cells of sheet whose style has quotePrefix,
// which excelize does not report.
func quotePrefixed(t testing.TB, data []byte, sheet string) map[string]bool {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string, v any) {
		t.Helper()
		rc, err := zr.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if err := xml.NewDecoder(rc).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var styles struct {
		Xf []struct {
			QuotePrefix string `xml:"quotePrefix,attr"`
		} `xml:"cellXfs>xf"`
	}
	read("xl/styles.xml", &styles)
	var ws struct {
		C []struct {
			R string `xml:"r,attr"`
			S int    `xml:"s,attr"`
		} `xml:"sheetData>row>c"`
	}
	read("xl/worksheets/sheet1.xml", &ws)
	out := map[string]bool{}
	for _, c := range ws.C {
		if c.S >= len(styles.Xf) {
			t.Fatalf("cell %s has style %d of %d", c.R, c.S, len(styles.Xf))
		}
		if styles.Xf[c.S].QuotePrefix == "1" {
			out[c.R] = true
		}
	}
	return out
}

// TestXLSXRoundTripInjection reads string cells back through excelize's
// row iterator and through OpenXLSX: every value comes back as written,
// with no apostrophe added (inline strings are never evaluated), and
// the cells that a spreadsheet would take for a formula have the
// quote-prefix style, phones included.
func TestXLSXRoundTripInjection(t *testing.T) {
	values := []string{"=1+2", "+442079460958", "+7 (999) 123-45-67", "-12.5", "-", "@SUM(A1)", "'=x", "'tis", "plain"}
	var rows [][]core.Cell
	for _, v := range values {
		rows = append(rows, []core.Cell{core.StringCell(v)})
	}
	data := writeXLSX(t, WriteOptions{}, nil, rows)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	it, err := f.Rows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	i := 0
	for it.Next() {
		cols, err := it.Columns()
		if err != nil {
			t.Fatal(err)
		}
		if cols[0] != values[i] {
			t.Errorf("row %d: excelize reads %q, want %q", i+1, cols[0], values[i])
		}
		i++
	}
	if i != len(values) {
		t.Errorf("read %d rows, want %d", i, len(values))
	}
	x, err := Open(bytes.NewReader(data), int64(len(data)), Options{NoHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	recs, err := sheettest.ReadAll(t, x)
	if err != nil {
		t.Fatal(err)
	}
	quoted := quotePrefixed(t, data, "Sheet1")
	for i, v := range values {
		if i >= len(recs) || recs[i].Values[0] != v {
			t.Errorf("row %d: OpenXLSX reads %v, want %q", i+1, recs[min(i, len(recs)-1)].Values, v)
		}
		if want := v[0] != 'p'; quoted["A"+strconv.Itoa(i+1)] != want {
			t.Errorf("row %d (%q): quote prefix %v, want %v", i+1, v, !want, want)
		}
	}
}

func TestXLSXWriterErrors(t *testing.T) {
	if _, err := NewWriter(io.Discard, WriteOptions{Sheet: "bad/name"}); err == nil {
		t.Errorf("NewWriter(Sheet: bad/name) = nil error, want error")
	}
	if _, err := NewWriter(io.Discard, WriteOptions{Sheet: strings.Repeat("x", 32)}); err == nil {
		t.Errorf("NewWriter(32-char sheet) = nil error, want error")
	}
	w, err := NewWriter(io.Discard, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow([]core.Cell{core.NumberCell(math.Inf(1))}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader([]string{"a"}); !errors.Is(err, core.ErrHeaderAfterRows) {
		t.Errorf("WriteHeader after WriteRow = %v, want %v", err, core.ErrHeaderAfterRows)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow(nil); !errors.Is(err, core.ErrWriterClosed) {
		t.Errorf("WriteRow after Close = %v, want %v", err, core.ErrWriterClosed)
	}
}

func BenchmarkXLSXWriter100k(b *testing.B) {
	b.ReportAllocs()
	dir := b.TempDir()
	for b.Loop() {
		w, err := NewWriter(io.Discard, WriteOptions{TmpDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		sheettest.WriteRows(b, w, 100_000)
	}
	b.ReportMetric(float64(b.N)*100_000/b.Elapsed().Seconds(), "rows/s")
}
