package mapping

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// XLSXWriteOptions configures an [XLSXWriter]. The zero value writes one
// sheet named "Sheet1" with default column widths and ISO date formats.
type XLSXWriteOptions struct {
	// Sheet is the worksheet name; "" means "Sheet1". Excel limits names to
	// 31 characters without any of : \ / ? * [ ].
	Sheet string
	// ColumnWidths sets the width of the first len(ColumnWidths) columns,
	// in characters; 0 keeps a column's default width.
	ColumnWidths []float64
	// DateFormat is the Excel number format of date cells; "" means
	// "yyyy-mm-dd".
	DateFormat string
	// DateTimeFormat is the Excel number format of date-time cells; ""
	// means "yyyy-mm-dd hh:mm:ss".
	DateTimeFormat string
	// TmpDir is where rows are spilled to disk while the sheet is being
	// written; "" means the system default (os.TempDir).
	TmpDir string
}

// XLSXWriter is a [TableWriter] for Excel workbooks, built on excelize's
// StreamWriter. Cells keep their types: numbers are numbers, ids are
// integers shown without exponent (number format "0"), dates and
// date-times are real date cells (Excel serial numbers with a date number
// format, in the 1900 date system), booleans are TRUE/FALSE, and text is
// always written as an inline string, never as a formula, after
// [EscapeFormula] for safety when the sheet is later saved as CSV. The
// header row, if written, is bold and frozen.
//
// Memory stays flat in the number of rows: excelize keeps up to 16 MiB of
// sheet XML in memory and then spills it to a temporary file in TmpDir, and
// Close compresses the spilled data straight into the destination writer
// instead of building the file in memory. Under GOOS=js (WebAssembly)
// there is no usable temporary directory, so excelize keeps the whole sheet
// XML in memory (about 100–200 bytes per cell before compression); browser
// exports should be sized with that in mind.
//
// Date cells whose date Excel cannot store (before 1900-01-01 or after
// 9999-12-31) are written as ISO 8601 text. Integers beyond ±2^53 lose
// precision, because Excel stores every number as a float64. Excel cannot
// open sheets of more than 1,048,576 rows; WriteRow fails past that.
type XLSXWriter struct {
	out       io.Writer
	f         *excelize.File
	sw        *excelize.StreamWriter
	row       int
	header    bool
	closed    bool
	headStyle int
	dateStyle int
	timeStyle int
	intStyle  int
	vals      []any
}

// NewXLSXWriter returns an XLSXWriter that writes a workbook to w on Close.
func NewXLSXWriter(w io.Writer, opts XLSXWriteOptions) (*XLSXWriter, error) {
	f := excelize.NewFile(excelize.Options{TmpDir: opts.TmpDir})
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
		}
	}()
	// Compress straight into w: excelize's Write would otherwise build the
	// whole zip in a bytes.Buffer first.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	sheet := opts.Sheet
	if sheet == "" {
		sheet = "Sheet1"
	}
	if sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return nil, fmt.Errorf("sheet name %q: %w", sheet, err)
		}
	}
	xw := &XLSXWriter{out: w, f: f}
	var err error
	if xw.headStyle, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	dateFmt, timeFmt := opts.DateFormat, opts.DateTimeFormat
	if dateFmt == "" {
		dateFmt = "yyyy-mm-dd"
	}
	if timeFmt == "" {
		timeFmt = "yyyy-mm-dd hh:mm:ss"
	}
	if xw.dateStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return nil, fmt.Errorf("date format %q: %w", dateFmt, err)
	}
	if xw.timeStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &timeFmt}); err != nil {
		return nil, fmt.Errorf("date-time format %q: %w", timeFmt, err)
	}
	if xw.intStyle, err = f.NewStyle(&excelize.Style{NumFmt: 1}); err != nil { // "0"
		return nil, err
	}
	if xw.sw, err = f.NewStreamWriter(sheet); err != nil {
		return nil, err
	}
	for i, width := range opts.ColumnWidths {
		if width > 0 {
			if err := xw.sw.SetColWidth(i+1, i+1, width); err != nil {
				return nil, fmt.Errorf("column %d width: %w", i+1, err)
			}
		}
	}
	ok = true
	return xw, nil
}

// WriteHeader writes a bold header row and freezes it.
func (w *XLSXWriter) WriteHeader(names []string) error {
	if w.closed {
		return errWriterClosed
	}
	if w.header || w.row > 0 {
		return errHeaderAfterRows
	}
	w.header = true
	if err := w.sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	w.vals = w.vals[:0]
	for _, n := range names {
		w.vals = append(w.vals, excelize.Cell{StyleID: w.headStyle, Value: EscapeFormula(n)})
	}
	return w.setRow()
}

// WriteRow writes one row of typed cells.
func (w *XLSXWriter) WriteRow(cells []Cell) error {
	if w.closed {
		return errWriterClosed
	}
	w.vals = w.vals[:0]
	for _, c := range cells {
		var v any
		switch c.Kind {
		case CellString:
			v = EscapeFormula(c.S)
		case CellNumber:
			v = c.N
		case CellInt:
			v = excelize.Cell{StyleID: w.intStyle, Value: c.I}
		case CellDate:
			y, m, d := c.T.Date()
			v = w.dateValue(c, time.Date(y, m, d, 0, 0, 0, 0, time.UTC), w.dateStyle)
		case CellDateTime:
			v = w.dateValue(c, c.T, w.timeStyle)
		case CellBool:
			v = c.B
		}
		w.vals = append(w.vals, v)
	}
	return w.setRow()
}

// dateValue returns t as a styled Excel serial, or the ISO text of c when
// Excel cannot store the date.
func (w *XLSXWriter) dateValue(c Cell, t time.Time, style int) any {
	serial, err := TimeToExcelSerial(t, false)
	if err != nil {
		return c.String()
	}
	return excelize.Cell{StyleID: style, Value: serial}
}

func (w *XLSXWriter) setRow() error {
	w.row++
	ref, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	return w.sw.SetRow(ref, w.vals)
}

// Close finishes the sheet, writes the workbook to the writer given to
// NewXLSXWriter, and removes temporary files. It does not close that
// writer.
func (w *XLSXWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.sw.Flush()
	if err == nil {
		// The zip goes to w.out through SetZipWriter; io.Discard receives
		// the empty buffer excelize would otherwise have filled.
		err = w.f.Write(io.Discard)
	}
	return errors.Join(err, w.f.Close())
}
