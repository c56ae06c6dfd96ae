package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/sheettest"
	"github.com/xuri/excelize/v2"
)

// rawRow is one row with values as a reader returns them.
type rawRow struct {
	Row    int
	Values []string
}

// rawResult is everything a reader returned for one sheet: the rows with
// values, then the row of the error that stopped it (0 for none).
type rawResult struct {
	Rows     []rawRow
	ErrorRow int
}

// excelizeRaw reads sheet index i with excelize's Rows and RawCellValue,
// counting rows as excelize does (one per Next).
func excelizeRaw(t testing.TB, data []byte, i int) rawResult {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("excelize.OpenReader: %v", err)
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetList()[i])
	if err != nil {
		t.Fatalf("excelize Rows: %v", err)
	}
	defer rows.Close()
	var res rawResult
	for n := 1; rows.Next(); n++ {
		vals, err := rows.Columns()
		if err != nil {
			res.ErrorRow = n
			return res
		}
		if len(vals) > 0 {
			res.Rows = append(res.Rows, rawRow{n, vals})
		}
	}
	if err := rows.Error(); err != nil {
		res.ErrorRow = -1
	}
	return res
}

// fastRaw reads sheet index i with the fast reader's raw values (before
// formatCell).
func fastRaw(t testing.TB, data []byte, i int) rawResult {
	t.Helper()
	l := core.Limits{}.WithDefaults()
	zr, err := checkZip(bytes.NewReader(data), int64(len(data)), l)
	if err != nil {
		t.Fatal(err)
	}
	info, err := readWorkbook(zr)
	if err != nil {
		t.Fatal(err)
	}
	sst, err := readSharedStrings(zr, info.SharedStrings, l)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := openPart(zr, info.Sheets[i].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r := newSheetRows(rc, sst, nil, false, l)
	r.raw = true
	var res rawResult
	for {
		row, vals, err := r.next(nil)
		if err == io.EOF {
			return res
		}
		var re *core.RowError
		if errors.As(err, &re) {
			res.ErrorRow = re.Row
			return res
		}
		if err != nil {
			res.ErrorRow = -1
			return res
		}
		res.Rows = append(res.Rows, rawRow{row, vals})
	}
}

// partsBook builds a workbook package around a worksheet, shared strings
// and styles part written by hand.
func partsBook(t testing.TB, sheet, sst, styles string) []byte {
	t.Helper()
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	parts := map[string][]byte{
		"[Content_Types].xml":        []byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`),
		"_rels/.rels":                []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `officeDocument" Target="xl/workbook.xml"/></Relationships>`),
		"xl/workbook.xml":            []byte(`<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + ` xmlns:r="` + strings.TrimSuffix(rel, "/") + `"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`),
		"xl/_rels/workbook.xml.rels": []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + rel + `sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="` + rel + `styles" Target="styles.xml"/></Relationships>`),
		"xl/worksheets/sheet1.xml":   []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet ` + ns + `>` + sheet + `</worksheet>`),
	}
	if sst != "" {
		parts["xl/sharedStrings.xml"] = []byte(`<?xml version="1.0" encoding="UTF-8"?><sst ` + ns + `>` + sst + `</sst>`)
	}
	if styles == "" {
		styles = `<numFmts count="1"><numFmt numFmtId="164" formatCode="00000"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="22"/></cellXfs>`
	}
	parts["xl/styles.xml"] = []byte(`<?xml version="1.0" encoding="UTF-8"?><styleSheet ` + ns + `>` + styles + `</styleSheet>`)
	return zipOf(t, parts)
}

// craftedSST exercises string items: rich text runs, phonetic runs,
// xml:space, references, line ends, _xHHHH_ escapes, CDATA, comments.
const craftedSST = `<si><t>Name</t></si>` +
	`<si><t xml:space="preserve">  padded  </t></si>` +
	`<si><r><rPr><b/><sz val="11"/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and plain</t></r></si>` +
	`<si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh><phoneticPr fontId="1"/></si>` +
	`<si><t>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#10;f&#x41;&#x1F600;</t></si>` +
	"<si><t>one&#13;&#10;two\r\nthree\rfour\n\rfive</t></si>" +
	`<si><t>_x000D_ and _x005F_x0041_ and _xD800_ and _x0041_ and _x00_</t></si>` +
	`<si><t><![CDATA[<raw> & ]] stuff]]></t></si>` +
	`<si/>` +
	`<si><t/></si>` +
	`<si><!-- c --><t>com<!-- x -->ment<?pi x?></t></si>` +
	`<si><r><t>run</t></r><t>first</t></si>` +
	`<si><x:t xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">prefixed</x:t></si>`

// craftedSheets are worksheets written by hand for the corners of the
// grammar and excelize's rules for positions.
var craftedSheets = []struct{ name, xml string }{
	{"types and gaps", `<dimension ref="A1:F9"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><cols><col min="1" max="1" width="10"/></cols><sheetData>` +
		`<row r="1" spans="1:6"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2" t="s"><v>5</v></c><c r="D2" t="s"><v>6</v></c><c r="E2" t="s"><v>7</v></c></row>` +
		`<row r="4"><c t="s"><v>8</v></c><c t="s"><v>9</v></c><c t="s"><v>10</v></c><c t="s"><v> 0 </v></c><c t="s"><v>abc</v></c><c t="s"><v>99</v></c><c t="s"><v>-1</v></c><c t="s"><v>11</v></c><c t="s"><v>12</v></c><c t="s"><v></v></c></row>` +
		`<row r="5"><c r="A5" t="n"><v>1.5</v></c><c r="B5"><v>1E-7</v></c><c r="C5" t="b"><v>1</v></c><c r="D5" t="e"><v>#DIV/0!</v></c><c r="E5" t="str"><f>A1&amp;B1</f><v>x&amp;y</v></c><c r="F5"><f>1/0</f></c><c r="G5" t="d"><v>2024-01-15T10:00:00</v></c><c r="H5" t="x"><v>odd</v></c></row>` +
		`<row r="6"><c r="B6" t="inlineStr"><is><t>inline</t></is></c><c r="C6" t="inlineStr"><is><r><t>rich</t></r><r><rPr><i/></rPr><t xml:space="preserve"> inline</t></r></is></c><c r="D6" t="inlineStr"><v>fromv</v></c><c r="E6" t="inlineStr"/><c r="F6" s="1"><v>45306</v></c><c r="G6" t="inlineStr"><is><t>_x0041_</t></is></c></row>` +
		`<x:row r="7" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:c r="A7" t="s"><x:v>0</x:v></x:c><x:c r="C7"><x:v>42</x:v></x:c></x:row>` +
		"<row r=\"8\">\n  <c r=\"A8\"><v><![CDATA[17]]></v></c><!-- comment --><?pi stuff?><c r=\"B8\"><v>1<!-- c -->2</v></c><c r=\"C8\" s=\"2\"/><c r=\"D8\"><v/></c><c r=\"E8\"><v></v></c><c r=\"F8\"><v>1</v><v>2</v></c><c r='G8' s='3'><v>3</v></c></row>\n" +
		`<row><c r="A9"><v>9</v></c></row>` +
		`<row><c><v>10</v></c><c/><c><v>10c</v></c></row>` +
		`<row r="15" spans="1:2" ht="20" customHeight="1"><c r="B15"><v>15</v></c></row>` +
		`<row r="16"><c r="A16"><v>16</v></c></row>` + // after 15; an earlier one is an error (TestXLSXMalformedStructure)
		`<row r="20"><c r="AA20"><v>far</v></c><c><v>next</v></c><c r="$C$20"><v>abs</v></c><c r="ab20"><v>lower</v></c></row>` +
		`<row r="21"><c r="A21" s="bad"><v>dropped</v></c><c r="B21"><v>kept</v></c><c s="x" r="D21"><v>d</v></c><c><v>after</v></c></row>` +
		`<row r="22"><c r="A22"><extLst><v>nested</v></extLst></c><c r="B22"><v>a<x>b</x>c</v></c></row>` +
		`<row r="23"/><row r="24"><c r="A24"/></row>` +
		`</sheetData><mergeCells count="1"><mergeCell ref="B1:C1"/></mergeCells>`},
	{"no references at all", `<sheetData><row><c t="s"><v>0</v></c><c><v>1</v></c></row><row><c><v>2</v></c></row><row></row><row><c t="inlineStr"><is><t>x</t></is></c></row></sheetData>`},
	{"rows before sheetData end only", `<sheetData/>`},
	{"empty cells only", `<sheetData><row r="1"><c r="A1"/><c r="B1" s="1"/></row><row r="3"><c r="C3"><v></v></c></row></sheetData>`},
	{"bad cell reference", `<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c><c r="1B"><v>3</v></c></row><row r="3"><c r="A3"><v>4</v></c></row></sheetData>`},
	{"bad row number", `<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row><row r="x"><c r="A3"><v>4</v></c></row></sheetData>`},
	{"column beyond XFD", `<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="XFE1"><v>2</v></c></row></sheetData>`},
}

// randomBook writes a workbook with excelize's API: every value type, date
// and number styles, rich text, formulas, gaps, and text with characters
// that need escaping.
func randomBook(t testing.TB, seed uint64, stream, date1904 bool) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	words := []string{"Анна", "Bob", "  spaced  ", "a&b<c>\"d'", "line\nbreak", "cr\r\nlf", "tab\there", "_x0041_", "_x005F_", "漢字",
		"😀 emoji", "0123", "=1+1", "TRUE", "", " ", "1e5", "x_x00", strings.Repeat("long ", 40)}
	return book(t, func(f *excelize.File) {
		if date1904 {
			must(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}))
		}
		styles := []int{0,
			style(t, f, &excelize.Style{NumFmt: 14}),
			style(t, f, &excelize.Style{NumFmt: 22}),
			style(t, f, &excelize.Style{NumFmt: 20}),
			style(t, f, &excelize.Style{CustomNumFmt: ptr("00000")}),
			style(t, f, &excelize.Style{CustomNumFmt: ptr(`dd\.mm\.yyyy;@`)}),
			style(t, f, &excelize.Style{CustomNumFmt: ptr(`#,##0.00 "₽"`)}),
			style(t, f, &excelize.Style{NumFmt: 10}),
		}
		value := func() (any, int) {
			st := styles[rng.IntN(len(styles))]
			switch rng.IntN(9) {
			case 0, 1:
				return words[rng.IntN(len(words))], 0
			case 2:
				return rng.IntN(100000), st
			case 3:
				return rng.Float64() * 1e6, st
			case 4:
				return 40000 + rng.Float64()*10000, st
			case 5:
				return rng.IntN(2) == 0, 0
			case 6:
				return int64(79000000000) + rng.Int64N(1e9), 0
			case 7:
				return []float64{1e20, 1e-7, 0.30000000000000004, -12.5, 0, 123456789012345678}[rng.IntN(6)], st
			}
			return nil, st
		}
		sheet := "Sheet1"
		if stream {
			sw, err := f.NewStreamWriter(sheet)
			must(t, err)
			row := 1
			for range 60 {
				row += rng.IntN(3)
				cells := make([]any, rng.IntN(12))
				for c := range cells {
					v, st := value()
					switch {
					case v == nil && rng.IntN(2) == 0:
						cells[c] = nil
					case rng.IntN(8) == 0:
						cells[c] = excelize.Cell{StyleID: st, Formula: "1+1", Value: v}
					default:
						cells[c] = excelize.Cell{StyleID: st, Value: v}
					}
				}
				cell, _ := excelize.CoordinatesToCellName(1+rng.IntN(3), row)
				must(t, sw.SetRow(cell, cells))
				row++
			}
			must(t, sw.Flush())
			return
		}
		for range 400 {
			cell, _ := excelize.CoordinatesToCellName(1+rng.IntN(14), 1+rng.IntN(70))
			v, st := value()
			switch rng.IntN(12) {
			case 0:
				must(t, f.SetCellRichText(sheet, cell, []excelize.RichTextRun{{Text: "rich "}, {Text: words[rng.IntN(len(words))], Font: &excelize.Font{Bold: true}}}))
			case 1:
				must(t, f.SetCellFormula(sheet, cell, "SUM(A1:A2)"))
			default:
				must(t, f.SetCellValue(sheet, cell, v))
				if st != 0 {
					must(t, f.SetCellStyle(sheet, cell, cell, st))
				}
			}
		}
		must(t, f.SetSheetRow(sheet, "A1", &[]any{"H1", nil, "H3", "", "H5"}))
		must(t, f.MergeCell(sheet, "A1", "B1"))
		_, err := f.NewSheet("Second")
		must(t, err)
		must(t, f.SetSheetRow("Second", "C3", &[]any{"x", 1, true}))
	})
}

// diffWorkbooks are the workbooks both differential tests read.
func diffWorkbooks(t *testing.T) map[string][]byte {
	books := map[string][]byte{
		"typed": typedBook(t),
		"merged header": book(t, func(f *excelize.File) {
			must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Name", "Phone", nil, "Email", "", "Email"}))
			must(t, f.MergeCell("Sheet1", "B1", "C1"))
			must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"Ann", "1", "2", "a@x", "?", "b@x"}))
		}),
	}
	for _, name := range []string{"contacts.xlsx", "ru_semicolon.xlsx", "excelize_types.xlsx"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "files", "libreoffice", name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		books["file "+name] = b
	}
	for seed := range uint64(6) {
		books[fmt.Sprintf("random %d", seed)] = randomBook(t, seed, false, seed == 3)
		books[fmt.Sprintf("random stream %d", seed)] = randomBook(t, seed, true, seed == 4)
	}
	for _, s := range craftedSheets {
		books["crafted "+s.name] = partsBook(t, s.xml, craftedSST, "")
	}
	return books
}

// TestFastXLSXRawMatchesExcelize holds the fast reader's raw values to
// excelize's Rows/Columns with RawCellValue, cell by cell, on every sheet
// of every workbook.
func TestFastXLSXRawMatchesExcelize(t *testing.T) {
	for name, data := range diffWorkbooks(t) {
		t.Run(name, func(t *testing.T) {
			zr, err := checkZip(bytes.NewReader(data), int64(len(data)), core.Limits{}.WithDefaults())
			must(t, err)
			info, err := readWorkbook(zr)
			must(t, err)
			for i := range info.Sheets {
				want := excelizeRaw(t, data, i)
				got := fastRaw(t, data, i)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("sheet %d: fast raw rows mismatch (-excelize +fast):\n%s", i, diff)
				}
				if len(want.Rows) == 0 && want.ErrorRow == 0 && !strings.Contains(name, "sheetData") && !strings.Contains(name, "empty") {
					t.Errorf("sheet %d: no rows read; the test proves nothing", i)
				}
			}
		})
	}
}

// readTable reads a whole table for comparison: header, records and the
// first error.
type tableResult struct {
	OpenErr string
	Header  []string
	Records []core.Record
	Err     string
	ErrRow  *core.RowError
}

func readTable(t *testing.T, tb core.Table, err error) tableResult {
	t.Helper()
	if err != nil {
		return tableResult{OpenErr: err.Error()}
	}
	defer tb.Close()
	res := tableResult{Header: tb.Header()}
	res.Records, err = sheettest.ReadAll(t, tb)
	if err != nil {
		res.Err = err.Error()
		var re *core.RowError
		if errors.As(err, &re) {
			c := *re
			c.Err = nil
			res.ErrRow = &c
		}
	}
	return res
}

// TestFastXLSXMatchesLegacy holds Open to the reader it replaced
// (excelize's Rows with a side scanner for styles) on every workbook, with
// several options.
func TestFastXLSXMatchesLegacy(t *testing.T) {
	opts := []Options{
		{Name: "x.xlsx"},
		{NoHeader: true},
		{HeaderRow: 4},
		{SheetIndex: 1},
		{Limits: core.Limits{MaxCellSize: 40}},
		{Limits: core.Limits{MaxColumns: 5}},
	}
	for name, data := range diffWorkbooks(t) {
		for _, o := range opts {
			t.Run(fmt.Sprintf("%s/%+v", name, o), func(t *testing.T) {
				fast, err := Open(bytes.NewReader(data), int64(len(data)), o)
				got := readTable(t, fast, err)
				legacy, err := openLegacyXLSX(bytes.NewReader(data), int64(len(data)), o)
				want := readTable(t, legacy, err)
				if want.OpenErr != "" {
					// The readers word open errors differently; both must fail.
					if got.OpenErr == "" {
						t.Errorf("Open() succeeded, legacy failed: %s", want.OpenErr)
					}
					return
				}
				if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())); diff != "" {
					t.Errorf("Open mismatch (-legacy +fast):\n%s", diff)
				}
				if (want.Err == "") != (got.Err == "") {
					t.Errorf("Next() error = %q, legacy %q", got.Err, want.Err)
				}
			})
		}
	}
}

// TestFastXLSXErrors checks what the fast reader reports for malformed
// worksheets, which excelize reads only up to the fault.
func TestFastXLSXErrors(t *testing.T) {
	tests := []struct {
		name  string
		sheet string
		sst   string
		open  bool // the error comes from Open
		row   int  // a *core.RowError at this row, or 0 for a sheet error
	}{
		{name: "unknown entity", sheet: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2"><v>&nbsp;</v></c></row></sheetData>`, row: 0},
		{name: "control character", sheet: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2"><v>&#1;</v></c></row></sheetData>`, row: 0},
		{name: "invalid UTF-8", sheet: "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>h</t></is></c></row><row r=\"2\"><c r=\"A2\"><v>\xff</v></c></row></sheetData>", row: 0},
		{name: "unterminated tag", sheet: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2"`, row: 0},
		{name: "bad attribute", sheet: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r=A2><v>1</v></c></row></sheetData>`, row: 0},
		{name: "row beyond the last", sheet: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2000000"><c><v>1</v></c></row></sheetData>`, open: true},
		{name: "bad cell reference", sheet: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A"><v>1</v></c></row></sheetData>`, row: 2},
		{name: "malformed shared strings", sheet: `<sheetData/>`, sst: `<si><t>a&bogus;</t></si>`, open: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := partsBook(t, tt.sheet, tt.sst, "")
			x, err := Open(bytes.NewReader(data), int64(len(data)), Options{Name: "m.xlsx"})
			if tt.open {
				if err == nil {
					x.Close()
					t.Fatalf("Open() error = nil, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open() error = %v", err)
			}
			defer x.Close()
			_, err = sheettest.ReadAll(t, x)
			if err == nil {
				t.Fatalf("Next() error = nil, want an error")
			}
			var re *core.RowError
			isRow := errors.As(err, &re)
			switch {
			case tt.row == 0 && isRow:
				t.Errorf("Next() error = %v (a *RowError), want a sheet error", err)
			case tt.row != 0 && (!isRow || re.Row != tt.row):
				t.Errorf("Next() error = %v, want a *RowError at row %d", err, tt.row)
			}
			if !strings.HasPrefix(err.Error(), "m.xlsx") {
				t.Errorf("Next() error = %q, want it to name the file", err)
			}
			// The table is done: the next call fails too, without a
			// *RowError that would invite the caller to go on.
			if _, err2 := x.Next(); err2 == nil || errors.As(err2, &re) {
				t.Errorf("Next() after error = %v, want a plain error", err2)
			}
		})
	}
}

// TestFastXLSXProgress checks that the progress callback reaches the sheet's
// size.
func TestFastXLSXProgress(t *testing.T) {
	data := randomBook(t, 1, true, false)
	var last, total int64
	calls := 0
	x, err := Open(bytes.NewReader(data), int64(len(data)), Options{Progress: func(n, tot int64) {
		if n < last {
			t.Errorf("Progress(%d) after %d", n, last)
		}
		last, total = n, tot
		calls++
	}})
	must(t, err)
	defer x.Close()
	if _, err := sheettest.ReadAll(t, x); err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != total || total == 0 {
		t.Errorf("Progress: %d calls, last (%d, %d), want it to end at the sheet size", calls, last, total)
	}
}

// TestFastXLSXBoundedMemory reads a sheet with a 32 MiB cell and checks that
// the reader reports it without holding it.
func TestFastXLSXBoundedMemory(t *testing.T) {
	var sheet bytes.Buffer
	sheet.WriteString(`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>`)
	sheet.Write(bytes.Repeat([]byte("x"), 32<<20))
	sheet.WriteString(`</t></is></c></row></sheetData>`)
	data := partsBook(t, sheet.String(), "", "")
	sheet = bytes.Buffer{}
	l := core.Limits{MaxCellSize: 1 << 10, MaxCompressionRatio: -1}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x, err := Open(bytes.NewReader(data), int64(len(data)), Options{Limits: l})
	must(t, err)
	_, err = sheettest.ReadAll(t, x)
	x.Close()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, core.ErrCellTooLarge) {
		t.Errorf("Next() error = %v, want ErrCellTooLarge", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("reading allocated %d bytes, want under 4 MiB", alloc)
	}
}

// sstBomb returns a workbook whose shared strings part holds n items made
// by item(i), written as a stream (the part is never in memory whole),
// and the part's uncompressed size.
func sstBomb(t *testing.T, n int, item func(i int) string) ([]byte, int64) {
	t.Helper()
	small := partsBook(t, `<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>`, "", "")
	zr, err := zip.NewReader(bytes.NewReader(small), int64(len(small)))
	must(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		must(t, err)
		rc, err := f.Open()
		must(t, err)
		_, err = io.Copy(w, rc)
		must(t, err)
		rc.Close()
	}
	w, err := zw.Create("xl/sharedStrings.xml")
	must(t, err)
	bw := bufio.NewWriterSize(w, 64<<10)
	size, _ := bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	for i := range n {
		k, _ := bw.WriteString(item(i))
		size += k
	}
	k, _ := bw.WriteString(`</sst>`)
	must(t, bw.Flush())
	must(t, zw.Close())
	return buf.Bytes(), int64(size + k)
}

// TestSharedStringsBomb opens workbooks whose shared strings part is
// small compressed, within the zip limits (entry size, ratio, total), but
// decodes to far more text or items than the limits allow. Open must
// refuse them with an error naming the file, the part and the limit, and
// allocate a small fraction of what the part decodes to.
func TestSharedStringsBomb(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	noise := func() string { // enough entropy to keep the ratio under 1000:1
		return string([]byte{letters[rng.IntN(len(letters))], letters[rng.IntN(len(letters))]})
	}
	// Each table would take over 48 MiB to hold (its text, or 24 bytes an
	// item as a []string); reading must stay under bound.
	const bound = 12 << 20
	tests := []struct {
		name   string
		n      int
		item   func(int) string
		limits core.Limits
		want   string
	}{
		{
			name: "text", n: 64 << 10, // 64 MiB of text
			item:   func(int) string { return "<si><t>" + strings.Repeat("x", 1022) + noise() + "</t></si>" },
			limits: core.Limits{MaxSharedStringsSize: 1 << 20},
			want:   "bomb.xlsx: xl/sharedStrings.xml: file uncompresses beyond size limit: the shared strings decode to more than 1048576 bytes of text (limit 1048576)",
		},
		{
			name: "one huge item", n: 1, // 48 MiB of text
			item:   func(int) string { return "<si><t>" + strings.Repeat("x"+noise(), 16<<20) + "</t></si>" },
			limits: core.Limits{MaxSharedStringsSize: 1 << 20},
			want:   "bomb.xlsx: xl/sharedStrings.xml: file uncompresses beyond size limit: the shared strings decode to more than 1048576 bytes of text (limit 1048576)",
		},
		{
			name: "items", n: 3 << 20, // 72 MiB as a []string
			item:   func(int) string { return "<si><t>" + noise() + "</t></si>" },
			limits: core.Limits{MaxSharedStrings: 100000},
			want:   "bomb.xlsx: xl/sharedStrings.xml: file uncompresses beyond size limit: more than 100000 shared strings (limit 100000)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, size := sstBomb(t, tt.n, tt.item)
			l := tt.limits.WithDefaults()
			if size > l.MaxEntrySize || size/int64(len(data)) > int64(l.MaxCompressionRatio) {
				t.Fatalf("the part (%d bytes from %d) must pass the zip limits", size, len(data))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			x, err := Open(bytes.NewReader(data), int64(len(data)), Options{Name: "bomb.xlsx", Limits: tt.limits})
			runtime.ReadMemStats(&after)
			if err == nil {
				x.Close()
				t.Fatalf("Open() error = nil, want %q", tt.want)
			}
			if !errors.Is(err, core.ErrTooLarge) || err.Error() != tt.want {
				t.Errorf("Open() error = %q, want %q (ErrTooLarge)", err, tt.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > bound {
				t.Errorf("Open allocated %d bytes, want under %d", alloc, bound)
			}
		})
	}
	// The defaults apply to a zero Limits.
	if l := (core.Limits{}).WithDefaults(); l.MaxSharedStrings != core.DefaultMaxSharedStrings || l.MaxSharedStringsSize != core.DefaultMaxSharedStringsSize {
		t.Errorf("default limits = %d strings, %d bytes", l.MaxSharedStrings, l.MaxSharedStringsSize)
	}
}

// TestAppendFormatted holds appendFormatted to formatCell.
func TestAppendFormatted(t *testing.T) {
	types := map[cellType]string{cellNumber: "", cellBool: "b", cellDate: "d", cellShared: "s", cellFormula: "str", cellInline: "inlineStr", cellError: "e"}
	fmts := []numFmt{{}, {kind: fmtDate}, {kind: fmtTime}, {kind: fmtDateTime}, {kind: fmtZeroPad, width: 5}}
	vals := []string{"", "0", "1", "true", "FALSE", "45306.75", "60", "-1", "1e20", "0.30000000000000004", "12345678901234567", "abc", "2024-01-15T10:00:00", "2958466", "1234"}
	for typ, ts := range types {
		for _, nf := range fmts {
			for _, d1904 := range []bool{false, true} {
				for _, v := range vals {
					want := formatCell(v, ts, nf, d1904)
					out, same := appendFormatted([]byte("pre"), []byte(v), typ, nf, d1904)
					got := string(out[3:])
					if same {
						got = v
						if len(out) != 3 {
							t.Errorf("appendFormatted(%q, %q, %v) appended %q and reported same", v, ts, nf, out[3:])
						}
					}
					if got != want {
						t.Errorf("appendFormatted(%q, %q, %v, %v) = %q, want %q", v, ts, nf, d1904, got, want)
					}
				}
			}
		}
	}
}
