package mapping

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kommo-bulk/kommo-bulk/value"
	"github.com/xuri/excelize/v2"
)

func TestEscapeFormula(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "hello", "hello"},
		{"equals", "=1+2", "'=1+2"},
		{"hyperlink", `=HYPERLINK("http://x","click")`, `'=HYPERLINK("http://x","click")`},
		{"plus formula", "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"minus formula", "-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"cr", "\r=1", "'\r=1"},
		{"e164 phone kept", "+442079460958", "+442079460958"},
		{"formatted phone kept", "+7 (999) 123-45-67", "+7 (999) 123-45-67"},
		{"negative number kept", "-12.5", "-12.5"},
		{"negative grouped kept", "-1,234.5", "-1,234.5"},
		{"lone minus", "-", "'-"},
		{"lone plus", "+", "'+"},
		{"dash text", "- item", "'- item"},
		{"apostrophe then trigger", "'=1", "''=1"},
		{"apostrophes then trigger", "''@x", "'''@x"},
		{"apostrophe plain", "'tis", "'tis"},
		{"apostrophe then phone", "'+44 20", "'+44 20"},
		{"equals in middle", "a=b", "a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EscapeFormula(tt.in)
			if got != tt.want {
				t.Errorf("EscapeFormula(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if back := UnescapeFormula(got); back != tt.in {
				t.Errorf("UnescapeFormula(%q) = %q, want %q", got, back, tt.in)
			}
		})
	}
}

func TestUnescapeFormulaLeavesForeignApostrophes(t *testing.T) {
	for _, s := range []string{"'", "'tis", "'+44 20 7946 0958", "''", "x'=1"} {
		if got := UnescapeFormula(s); got != s {
			t.Errorf("UnescapeFormula(%q) = %q, want unchanged", s, got)
		}
	}
}

func FuzzEscapeFormula(f *testing.F) {
	for _, s := range []string{"", "=1", "'=1", "+44 20", "-", "'", "\t", "@x", "''+a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := EscapeFormula(s)
		if back := UnescapeFormula(e); back != s {
			t.Errorf("UnescapeFormula(EscapeFormula(%q)) = %q, want %q", s, back, s)
		}
		if e != "" && isFormulaTrigger(e[0]) && !isPlainNumeric(e) {
			t.Errorf("EscapeFormula(%q) = %q starts with a formula trigger", s, e)
		}
	})
}

// sampleRows is a small table with one cell of every kind.
func sampleRows() (header []string, rows [][]Cell) {
	when := time.Date(2024, 1, 31, 14, 30, 15, 0, time.UTC)
	header = []string{"ID", "Name", "Phone", "Price", "Created", "Born", "Active", "Note", "=Header"}
	rows = [][]Cell{
		{IntCell(123456789012), StringCell("Иван Петров"), StringCell("+442079460958"), NumberCell(1234.5),
			DateTimeCell(when), DateCell(time.Date(1990, 5, 17, 23, 0, 0, 0, time.FixedZone("X", 5*3600))), BoolCell(true), StringCell("=HYPERLINK(\"x\")"), EmptyCell()},
		{IntCell(7), StringCell("a,\"b\"\nc"), StringCell("-"), NumberCell(-0.25),
			DateTimeCell(when.In(time.FixedZone("MSK", 3*3600))), DateCell(time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)), BoolCell(false), StringCell("@x"), StringCell("'=x")},
	}
	return header, rows
}

func TestCSVWriter(t *testing.T) {
	header, rows := sampleRows()
	tests := []struct {
		name string
		opts CSVWriteOptions
		want string
	}{
		{
			name: "default",
			opts: CSVWriteOptions{},
			want: "ID,Name,Phone,Price,Created,Born,Active,Note,'=Header\n" +
				"123456789012,Иван Петров,+442079460958,1234.5,2024-01-31T14:30:15Z,1990-05-17,true,\"'=HYPERLINK(\"\"x\"\")\",\n" +
				"7,\"a,\"\"b\"\"\nc\",'-,-0.25,2024-01-31T17:30:15+03:00,1800-01-01,false,'@x,''=x\n",
		},
		{
			name: "semicolon bom crlf",
			opts: CSVWriteOptions{Comma: ';', BOM: true, CRLF: true},
			want: "\ufeffID;Name;Phone;Price;Created;Born;Active;Note;'=Header\r\n" +
				"123456789012;Иван Петров;+442079460958;1234.5;2024-01-31T14:30:15Z;1990-05-17;true;\"'=HYPERLINK(\"\"x\"\")\";\r\n" +
				"7;\"a,\"\"b\"\"\nc\";'-;-0.25;2024-01-31T17:30:15+03:00;1800-01-01;false;'@x;''=x\r\n", // the line break in a value stays "\n"
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewCSVWriter(&buf, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WriteHeader(header); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if err := w.WriteRow(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, buf.String()); diff != "" {
				t.Errorf("CSV output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCSVWriterErrors(t *testing.T) {
	if _, err := NewCSVWriter(io.Discard, CSVWriteOptions{Comma: '"'}); err == nil {
		t.Errorf("NewCSVWriter(Comma: '\"') = nil error, want error")
	}
	w, _ := NewCSVWriter(io.Discard, CSVWriteOptions{})
	if err := w.WriteRow([]Cell{StringCell("x")}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader([]string{"a"}); !errors.Is(err, errHeaderAfterRows) {
		t.Errorf("WriteHeader after WriteRow = %v, want %v", err, errHeaderAfterRows)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow(nil); !errors.Is(err, errWriterClosed) {
		t.Errorf("WriteRow after Close = %v, want %v", err, errWriterClosed)
	}
	var buf bytes.Buffer
	w, _ = NewCSVWriter(&buf, CSVWriteOptions{BOM: true})
	_ = w.Close()
	if got := buf.String(); got != "\ufeff" {
		t.Errorf("empty CSV with BOM = %q, want BOM only", got)
	}
}

// TestCSVRoundTripInjection writes hostile and phone-like values to CSV,
// reads them back with encoding/csv and UnescapeFormula, and checks that
// every value comes back exactly.
func TestCSVRoundTripInjection(t *testing.T) {
	values := []string{"=1+2", "+442079460958", "+7 (999) 123-45-67", "-12.5", "-", "@SUM(A1)", "\t=x", "'=x", "'tis", "plain", "''@x"}
	var buf bytes.Buffer
	w, _ := NewCSVWriter(&buf, CSVWriteOptions{})
	for _, v := range values {
		if err := w.WriteRow([]Cell{StringCell(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		raw := recs[i][0]
		if raw != "" && isFormulaTrigger(raw[0]) && !isPlainNumeric(raw) {
			t.Errorf("row %d: CSV cell %q starts with a formula trigger", i, raw)
		}
		if got := UnescapeFormula(raw); got != v {
			t.Errorf("row %d: UnescapeFormula(%q) = %q, want %q", i, raw, got, v)
		}
	}
}

func writeXLSX(t testing.TB, opts XLSXWriteOptions, header []string, rows [][]Cell) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, opts)
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
	header, rows := sampleRows()
	data := writeXLSX(t, XLSXWriteOptions{Sheet: "Leads", ColumnWidths: []float64{14, 30}}, header, rows)

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
	var rows [][]Cell
	for _, v := range values {
		rows = append(rows, []Cell{StringCell(v)})
	}
	data := writeXLSX(t, XLSXWriteOptions{}, nil, rows)
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
	x, err := OpenXLSX(bytes.NewReader(data), int64(len(data)), XLSXOptions{NoHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	recs, err := readAll(t, x)
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
	if _, err := NewXLSXWriter(io.Discard, XLSXWriteOptions{Sheet: "bad/name"}); err == nil {
		t.Errorf("NewXLSXWriter(Sheet: bad/name) = nil error, want error")
	}
	if _, err := NewXLSXWriter(io.Discard, XLSXWriteOptions{Sheet: strings.Repeat("x", 32)}); err == nil {
		t.Errorf("NewXLSXWriter(32-char sheet) = nil error, want error")
	}
	w, err := NewXLSXWriter(io.Discard, XLSXWriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow([]Cell{NumberCell(math.Inf(1))}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader([]string{"a"}); !errors.Is(err, errHeaderAfterRows) {
		t.Errorf("WriteHeader after WriteRow = %v, want %v", err, errHeaderAfterRows)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow(nil); !errors.Is(err, errWriterClosed) {
		t.Errorf("WriteRow after Close = %v, want %v", err, errWriterClosed)
	}
}

// benchRow is a typical export row: id, name, phone, email, price, date,
// flag.
func benchRow(i int) []Cell {
	return []Cell{
		IntCell(int64(10000000 + i)),
		StringCell("Контакт номер " + fmt.Sprint(i)),
		StringCell("+7999" + fmt.Sprintf("%07d", i)),
		StringCell(fmt.Sprintf("user%d@example.com", i)),
		NumberCell(float64(i) * 1.25),
		DateTimeCell(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)),
		BoolCell(i%2 == 0),
	}
}

var benchHeader = []string{"id", "name", "phone", "email", "price", "created", "active"}

func writeRows(tb testing.TB, w TableWriter, n int) {
	tb.Helper()
	if err := w.WriteHeader(benchHeader); err != nil {
		tb.Fatal(err)
	}
	row := make([]Cell, 0, 8)
	for i := 0; i < n; i++ {
		row = append(row[:0], benchRow(i)...)
		if err := w.WriteRow(row); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

// heapInuse returns HeapInuse after a full collection.
func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestWriterMemoryFlat writes 200k rows and checks that the heap in use at
// the end (and sampled during the run) grows by far less than the size of
// the output: the writers must stream.
func TestWriterMemoryFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		// The writers start no goroutines, so -race adds nothing here but
		// a twentyfold slowdown.
		t.Skip("writes 200k rows; run without -short and -race")
	}
	const rows = 200_000
	tests := []struct {
		name  string
		new   func(io.Writer) (TableWriter, error)
		bound uint64
	}{
		{"csv", func(w io.Writer) (TableWriter, error) { return NewCSVWriter(w, CSVWriteOptions{}) }, 8 << 20},
		// excelize buffers up to 16 MiB of sheet XML before spilling to a
		// temporary file, plus its own bookkeeping.
		{"xlsx", func(w io.Writer) (TableWriter, error) {
			return NewXLSXWriter(w, XLSXWriteOptions{TmpDir: t.TempDir()})
		}, 64 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := &countingWriter{}
			before := heapInuse()
			w, err := tt.new(cw)
			if err != nil {
				t.Fatal(err)
			}
			var peak uint64
			if err := w.WriteHeader(benchHeader); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < rows; i++ {
				if err := w.WriteRow(benchRow(i)); err != nil {
					t.Fatal(err)
				}
				if i%50_000 == 49_999 {
					peak = max(peak, heapInuse())
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			after := heapInuse()
			growth := int64(peak) - int64(before)
			t.Logf("%s: %d rows, %d bytes out, heap before %d MiB, peak %d MiB, after %d MiB",
				tt.name, rows, cw.n, before>>20, peak>>20, after>>20)
			if growth > int64(tt.bound) {
				t.Errorf("%s: heap grew by %d MiB while writing %d rows (%d MiB out), want < %d MiB",
					tt.name, growth>>20, rows, cw.n>>20, tt.bound>>20)
			}
			if cw.n < rows*20 {
				t.Errorf("%s: wrote only %d bytes for %d rows", tt.name, cw.n, rows)
			}
		})
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func BenchmarkCSVWriter100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		w, _ := NewCSVWriter(io.Discard, CSVWriteOptions{})
		writeRows(b, w, 100_000)
	}
	b.ReportMetric(float64(b.N)*100_000/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkXLSXWriter100k(b *testing.B) {
	b.ReportAllocs()
	dir := b.TempDir()
	for b.Loop() {
		w, err := NewXLSXWriter(io.Discard, XLSXWriteOptions{TmpDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		writeRows(b, w, 100_000)
	}
	b.ReportMetric(float64(b.N)*100_000/b.Elapsed().Seconds(), "rows/s")
}
