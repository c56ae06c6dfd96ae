package xlsx

import (
	"archive/zip"
	"errors"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx/internal/xmlscan"
	"github.com/kommo-bulk/kommo-bulk/value"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// WriteOptions configures an [Writer]. The zero value writes one
// sheet named "Sheet1" with default column widths and ISO date formats.
type WriteOptions struct {
	// Sheet is the worksheet name; "" means "Sheet1". Excel limits names to
	// 31 characters without any of : \ / ? * [ ], not starting or ending
	// with an apostrophe.
	Sheet string
	// ColumnWidths sets the width of the first len(ColumnWidths) columns,
	// in characters (at most 255); 0 keeps a column's default width.
	ColumnWidths []float64
	// DateFormat is the Excel number format of date cells; "" means
	// "yyyy-mm-dd".
	DateFormat string
	// DateTimeFormat is the Excel number format of date-time cells; ""
	// means "yyyy-mm-dd hh:mm:ss".
	DateTimeFormat string
	// TmpDir is unused: the writer streams the workbook into its
	// destination and makes no temporary files. It is kept for
	// compatibility.
	TmpDir string
}

// Writer is a [TableWriter] for Excel workbooks. Cells keep their
// types: numbers are numbers, ids are integers shown without exponent
// (number format "0"), dates and date-times are real date cells (Excel
// serial numbers with a date number format, in the 1900 date system),
// booleans are TRUE/FALSE, and text is always written as an inline string,
// which a spreadsheet never evaluates. Text is written as it is: a value
// that starts with "=", "+", "-", "@", a tab, a carriage return or an
// apostrophe gets the quote-prefix cell style instead of an apostrophe in
// its text, so Excel and LibreOffice show it as it is and keep it text
// when the cell is edited, and a reader gets the value back unchanged.
// The header row, if written, is bold and frozen.
//
// The workbook is written as a stream: the small fixed parts first, then
// the sheet row by row, deflated straight into the destination writer, so
// memory stays flat in the number of rows (natively and under
// WebAssembly) and no temporary files are made. Bytes reach the
// destination as rows are written; Close writes the end of the file.
//
// Date cells whose date Excel cannot store (before 1900-01-01 or after
// 9999-12-31) are written as ISO 8601 text, and numbers that are NaN or
// infinite as their text ("NaN", "+Inf", "-Inf"). Integers beyond ±2^53
// lose precision, because Excel stores every number as a float64. Text
// keeps leading and trailing spaces; characters XML 1.0 does not allow
// (control characters other than tab, newline and carriage return,
// U+FFFE, U+FFFF, invalid UTF-8) are replaced by U+FFFD, and text longer
// than Excel's 32,767 characters (UTF-16 units) is cut there. Excel cannot
// open sheets of more than 1,048,576 rows; WriteRow fails past that.
type Writer struct {
	zw     *zip.Writer
	sheet  io.Writer // the worksheet part, while open
	name   string
	widths []float64
	dateFF string // date number format
	timeFF string // date-time number format

	row     int
	header  bool
	started bool
	closed  bool
	err     error // first write error; later writes return it

	buf  []byte   // sheet XML not yet handed to the deflater
	cols [][]byte // column letters by 0-based column
}

// Style ids of the cellXfs written by styles.
const (
	xfHeader = 1 + iota
	xfDate
	xfDateTime
	xfInt
	xfQuoted       // quotePrefix: text a spreadsheet must not take for a formula
	xfHeaderQuoted // xfHeader with quotePrefix
)

// needsQuotePrefix reports whether a spreadsheet would take text s typed
// into a cell for a formula or eat its leading apostrophe, so that its
// cell gets the quote-prefix style.
func needsQuotePrefix(s string) bool {
	return s != "" && (core.IsFormulaTrigger(s[0]) || s[0] == '\'')
}

// xlsxBufSize is how much sheet XML is gathered before it is deflated.
const xlsxBufSize = 64 << 10

// NewWriter returns an Writer that writes a workbook to w. It
// checks the options; nothing is written to w before the first WriteHeader,
// WriteRow or Close.
func NewWriter(w io.Writer, opts WriteOptions) (*Writer, error) {
	sheet := opts.Sheet
	if sheet == "" {
		sheet = "Sheet1"
	}
	if err := checkSheetName(sheet); err != nil {
		return nil, fmt.Errorf("sheet name %q: %w", sheet, err)
	}
	dateFmt, timeFmt := opts.DateFormat, opts.DateTimeFormat
	if dateFmt == "" {
		dateFmt = "yyyy-mm-dd"
	}
	if timeFmt == "" {
		timeFmt = "yyyy-mm-dd hh:mm:ss"
	}
	if err := checkNumFmt(dateFmt); err != nil {
		return nil, fmt.Errorf("date format %q: %w", dateFmt, err)
	}
	if err := checkNumFmt(timeFmt); err != nil {
		return nil, fmt.Errorf("date-time format %q: %w", timeFmt, err)
	}
	for i, width := range opts.ColumnWidths {
		if i >= xlsxMaxColumns || width > 255 || math.IsNaN(width) {
			return nil, fmt.Errorf("column %d width: must be at most 255 characters in at most %d columns", i+1, xlsxMaxColumns)
		}
	}
	return &Writer{
		zw:     zip.NewWriter(w),
		name:   sheet,
		widths: opts.ColumnWidths,
		dateFF: dateFmt,
		timeFF: timeFmt,
		buf:    make([]byte, 0, xlsxBufSize+4096),
	}, nil
}

// checkSheetName applies Excel's rules for sheet names.
func checkSheetName(name string) error {
	if len(utf16.Encode([]rune(name))) > 31 {
		return errors.New("the sheet name length exceeds the 31 characters limit")
	}
	if strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'") {
		return errors.New("the first or last character of the sheet name can not be a single quote")
	}
	if strings.ContainsAny(name, ":\\/?*[]") {
		return errors.New("the sheet can not contain any of the characters :\\/?*[or]")
	}
	if !validXMLString(name) {
		return errors.New("the sheet name contains a character XML cannot hold")
	}
	return nil
}

// checkNumFmt checks a custom number format code.
func checkNumFmt(code string) error {
	if len(utf16.Encode([]rune(code))) > 255 || !validXMLString(code) {
		return errors.New("must be at most 255 characters that XML can hold")
	}
	return nil
}

// validXMLString reports whether s is valid UTF-8 made of XML 1.0
// characters.
func validXMLString(s string) bool {
	for _, r := range s {
		if !xmlChar(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// xmlChar reports whether r is a Char of XML 1.0.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// WriteHeader writes a bold header row and freezes it.
func (w *Writer) WriteHeader(names []string) error {
	if w.closed {
		return core.ErrWriterClosed
	}
	if w.header || w.row > 0 {
		return core.ErrHeaderAfterRows
	}
	w.header = true
	if err := w.start(); err != nil {
		return err
	}
	b := w.startRow()
	for i, n := range names {
		b = w.appendString(b, i, xfHeader, n)
	}
	return w.endRow(b)
}

// WriteRow writes one row of typed cells.
func (w *Writer) WriteRow(cells []core.Cell) error {
	if w.closed {
		return core.ErrWriterClosed
	}
	if err := w.start(); err != nil {
		return err
	}
	if w.row >= xlsxMaxRows {
		return fmt.Errorf("row %d: %w", w.row+1, errMaxRows)
	}
	b := w.startRow()
	for i, c := range cells {
		switch c.Kind {
		case core.CellString:
			b = w.appendString(b, i, 0, c.S)
		case core.CellNumber:
			if math.IsNaN(c.N) || math.IsInf(c.N, 0) {
				b = w.appendString(b, i, 0, c.String())
				continue
			}
			b = w.appendCellStart(b, i, 0, "")
			b = appendXLSXNumber(b, c.N)
			b = append(b, "</v></c>"...)
		case core.CellInt:
			b = w.appendCellStart(b, i, xfInt, "")
			b = strconv.AppendInt(b, c.I, 10)
			b = append(b, "</v></c>"...)
		case core.CellDate:
			y, m, d := c.T.Date()
			b = w.appendDate(b, i, c, time.Date(y, m, d, 0, 0, 0, 0, time.UTC), xfDate)
		case core.CellDateTime:
			b = w.appendDate(b, i, c, c.T, xfDateTime)
		case core.CellBool:
			b = w.appendCellStart(b, i, 0, "b")
			if c.B {
				b = append(b, '1')
			} else {
				b = append(b, '0')
			}
			b = append(b, "</v></c>"...)
		}
	}
	return w.endRow(b)
}

// appendDate appends t as a styled Excel serial, or the ISO text of c when
// Excel cannot store the date.
func (w *Writer) appendDate(b []byte, col int, c core.Cell, t time.Time, style int) []byte {
	serial, err := value.TimeToExcelSerial(t, false)
	if err != nil {
		return w.appendString(b, col, 0, c.String())
	}
	b = w.appendCellStart(b, col, style, "")
	b = strconv.AppendFloat(b, serial, 'f', -1, 64)
	return append(b, "</v></c>"...)
}

// appendXLSXNumber appends f as an xsd:double, without exponent in the
// usual range.
func appendXLSXNumber(b []byte, f float64) []byte {
	if a := math.Abs(f); a == 0 || a >= 1e-7 && a < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'E', -1, 64)
}

// startRow opens the next row element in w.buf.
func (w *Writer) startRow() []byte {
	w.row++
	b := append(w.buf, `<row r="`...)
	b = strconv.AppendInt(b, int64(w.row), 10)
	return append(b, `">`...)
}

// endRow closes the row and deflates the buffer once it is full enough.
func (w *Writer) endRow(b []byte) error {
	w.buf = append(b, "</row>"...)
	if len(w.buf) >= xlsxBufSize {
		return w.flush()
	}
	return w.err
}

func (w *Writer) flush() error {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.sheet.Write(w.buf)
	}
	w.buf = w.buf[:0]
	return w.err
}

// appendCellStart appends a cell's start tag, with reference, style and
// type, and opens its v element.
func (w *Writer) appendCellStart(b []byte, col, style int, typ string) []byte {
	b = w.appendRef(b, col)
	if style != 0 {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(style), 10)
		b = append(b, '"')
	}
	if typ != "" {
		b = append(b, ` t="`...)
		b = append(b, typ...)
		b = append(b, '"')
	}
	return append(b, "><v>"...)
}

// appendRef appends `<c r="B7"` for 0-based column col of the current row.
func (w *Writer) appendRef(b []byte, col int) []byte {
	for len(w.cols) <= col {
		w.cols = append(w.cols, appendColumnName(nil, len(w.cols)+1))
	}
	b = append(b, `<c r="`...)
	b = append(b, w.cols[col]...)
	b = strconv.AppendInt(b, int64(w.row), 10)
	return append(b, '"')
}

// appendString appends an inline string cell of style 0 or xfHeader, or
// of its quote-prefix variant when s needs it.
func (w *Writer) appendString(b []byte, col, style int, s string) []byte {
	if needsQuotePrefix(s) {
		if style == xfHeader {
			style = xfHeaderQuoted
		} else {
			style = xfQuoted
		}
	}
	b = w.appendRef(b, col)
	if style != 0 {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(style), 10)
		b = append(b, '"')
	}
	b = append(b, ` t="inlineStr"><is><t`...)
	if s != "" && (xmlscan.IsSpace(s[0]) || xmlscan.IsSpace(s[len(s)-1])) {
		b = append(b, ` xml:space="preserve"`...)
	}
	b = append(b, '>')
	b = appendCellText(b, s)
	return append(b, "</t></is></c>"...)
}

// xlsxMaxCellChars is Excel's limit on the text of a cell, in UTF-16 units.
const xlsxMaxCellChars = 32767

// appendCellText appends s as the escaped content of a SpreadsheetML text
// element: XML's special characters as references, a carriage return as
// &#xD; (a raw one would be read as a newline), characters XML 1.0 cannot
// hold as U+FFFD, the underscore of text that reads as an _xHHHH_ escape
// as _x005F_ (so readers give back the text itself), and no more than
// xlsxMaxCellChars UTF-16 units.
func appendCellText(b []byte, s string) []byte {
	units := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if units++; units > xlsxMaxCellChars {
				break
			}
			i++
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '\r':
				b = append(b, "&#xD;"...)
			case c == '\t' || c == '\n':
				b = append(b, c)
			case c < 0x20:
				b = append(b, "\uFFFD"...)
			case c == '_' && i+6 <= len(s) && s[i] == 'x' && s[i+5] == '_' && isHex4(s[i+1:i+5]):
				b = append(b, "_x005F_"...)
			default:
				b = append(b, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n := 1
		if r >= 0x10000 {
			n = 2
		}
		if units += n; units > xlsxMaxCellChars {
			break
		}
		if (r == utf8.RuneError && size == 1) || !xmlChar(r) {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// appendXMLAttr appends s escaped for a double-quoted attribute value.
func appendXMLAttr(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '"':
			b = append(b, "&quot;"...)
		case '\t':
			b = append(b, "&#x9;"...)
		case '\n':
			b = append(b, "&#xA;"...)
		case '\r':
			b = append(b, "&#xD;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

const (
	xmlDecl   = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsMain    = `http://schemas.openxmlformats.org/spreadsheetml/2006/main`
	nsRel     = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
	nsPkgRels = `http://schemas.openxmlformats.org/package/2006/relationships`
)

const xlsxContentTypes = xmlDecl +
	`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
	`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
	`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
	`</Types>`

const xlsxRootRels = xmlDecl +
	`<Relationships xmlns="` + nsPkgRels + `">` +
	`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/>` +
	`</Relationships>`

const xlsxWorkbookRels = xmlDecl +
	`<Relationships xmlns="` + nsPkgRels + `">` +
	`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
	`<Relationship Id="rId2" Type="` + nsRel + `/styles" Target="styles.xml"/>` +
	`</Relationships>`

// start writes the fixed parts and the beginning of the sheet, once.
func (w *Writer) start() error {
	if w.started {
		return w.err
	}
	w.started = true
	b := w.buf[:0]
	b = append(b, xmlDecl+`<workbook xmlns="`+nsMain+`" xmlns:r="`+nsRel+`">`+
		`<bookViews><workbookView activeTab="0"/></bookViews><sheets><sheet name="`...)
	b = appendXMLAttr(b, w.name)
	b = append(b, `" sheetId="1" r:id="rId1"/></sheets></workbook>`...)
	workbook := string(b)

	b = b[:0]
	b = append(b, xmlDecl+`<styleSheet xmlns="`+nsMain+`"><numFmts count="2"><numFmt numFmtId="164" formatCode="`...)
	b = appendXMLAttr(b, w.dateFF)
	b = append(b, `"/><numFmt numFmtId="165" formatCode="`...)
	b = appendXMLAttr(b, w.timeFF)
	b = append(b, `"/></numFmts>`+
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>`+
		`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>`+
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>`+
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>`+
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`+
		`<cellXfs count="7">`+
		`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`+
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>`+
		`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>`+
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>`+
		`</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>`+
		`</styleSheet>`...)
	styles := string(b)

	for _, p := range [...]struct{ name, body string }{
		{"[Content_Types].xml", xlsxContentTypes},
		{"_rels/.rels", xlsxRootRels},
		{"xl/workbook.xml", workbook},
		{"xl/_rels/workbook.xml.rels", xlsxWorkbookRels},
		{"xl/styles.xml", styles},
	} {
		if w.err = w.writePart(p.name, p.body); w.err != nil {
			return w.err
		}
	}
	if w.sheet, w.err = w.zw.Create("xl/worksheets/sheet1.xml"); w.err != nil {
		return w.err
	}

	b = b[:0]
	b = append(b, xmlDecl+`<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`">`+
		`<sheetViews><sheetView tabSelected="1" workbookViewId="0">`...)
	if w.header {
		b = append(b, `<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>`+
			`<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>`...)
	}
	b = append(b, `</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>`...)
	cols := false
	for i, width := range w.widths {
		if width <= 0 {
			continue
		}
		if !cols {
			b = append(b, "<cols>"...)
			cols = true
		}
		b = append(b, `<col min="`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `" max="`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `" width="`...)
		b = strconv.AppendFloat(b, width, 'f', -1, 64)
		b = append(b, `" customWidth="1"/>`...)
	}
	if cols {
		b = append(b, "</cols>"...)
	}
	w.buf = append(b, "<sheetData>"...)
	return nil
}

func (w *Writer) writePart(name, body string) error {
	pw, err := w.zw.Create(name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(pw, body)
	return err
}

// Close finishes the sheet and the workbook. It does not close the writer
// given to NewWriter.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.start(); err != nil {
		return err
	}
	w.buf = append(w.buf, `</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`...)
	if err := w.flush(); err != nil {
		return err
	}
	w.buf = nil
	w.err = w.zw.Close()
	return w.err
}
