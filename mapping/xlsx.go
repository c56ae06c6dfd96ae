package mapping

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// XLSXOptions configures OpenXLSX. The zero value reads the first sheet,
// takes its first non-empty row as the header and applies the default Limits.
type XLSXOptions struct {
	// Name is the file name used in errors.
	Name string
	// Sheet selects a worksheet by name (case-insensitive). Empty selects
	// by SheetIndex.
	Sheet string
	// SheetIndex selects a worksheet by 0-based position in the workbook,
	// hidden sheets included, when Sheet is empty.
	SheetIndex int
	// HeaderRow is the 1-based row of the header; rows above it are
	// skipped. Zero means the first non-empty row.
	HeaderRow int
	// NoHeader means the sheet has no header: every row is data and the
	// columns are named by letter after the first row's width.
	NoHeader bool
	Limits
}

// An XLSXReader streams the rows of one worksheet. Create one with OpenXLSX.
//
// Values are the cells' stored values, not their displayed text, with these
// conversions: a number whose format is a date or time becomes an ISO 8601
// string (2006-01-02, 15:04:05 or 2006-01-02T15:04:05); a number whose
// format is all zeros ("00000") keeps its leading zeros; other numbers are
// written without exponent and rounded to 15 significant digits; booleans
// read TRUE or FALSE; a formula reads as its cached result. Header cells
// covered by a merged range take the range's value (and so become "Name",
// "Name (2)", ...).
type XLSXReader struct {
	name     string
	sheet    string
	limits   Limits
	date1904 bool
	fmts     []numFmt // by style index

	f    *excelize.File
	rows *excelize.Rows
	meta *cellScanner
	zr   *zip.Reader
	part string // zip path of the worksheet

	header []string
	row    int // physical row of the last excelize row
	first  *Record
	err    error
}

// OpenXLSX opens a workbook, checks the zip directory against the Limits
// before decompressing anything, selects the sheet and reads its header. The
// ReaderAt must stay readable until Close.
func OpenXLSX(r io.ReaderAt, size int64, opts XLSXOptions) (*XLSXReader, error) {
	x := &XLSXReader{name: opts.Name, limits: opts.Limits.withDefaults()}
	zr, err := checkZip(r, size, x.limits)
	if err != nil {
		return nil, nameErr(x.name, err)
	}
	x.zr = zr
	info, err := readWorkbook(zr)
	if err != nil {
		return nil, nameErr(x.name, err)
	}
	x.date1904 = info.Date1904
	ws, err := pickSheet(info.Sheets, opts)
	if err != nil {
		return nil, nameErr(x.name, err)
	}
	x.sheet, x.part = ws.Name, ws.Path

	xmlLimit := min(x.limits.MaxUncompressedSize, excelize.StreamChunkSize)
	x.f, err = excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    x.limits.MaxUncompressedSize,
		UnzipXMLSizeLimit: xmlLimit,
	})
	if err != nil {
		return nil, nameErr(x.name, fmt.Errorf("not a valid xlsx workbook: %w", err))
	}
	x.fmts = styleFormats(x.f)
	if x.rows, err = x.f.Rows(x.sheet); err != nil {
		x.Close()
		return nil, x.sheetErr(err)
	}
	if x.meta, err = newCellScanner(zr, x.part); err != nil {
		x.Close()
		return nil, x.sheetErr(err)
	}

	for {
		rec, err := x.read()
		if err == io.EOF {
			if opts.NoHeader {
				return x, nil
			}
			x.Close()
			return nil, x.sheetErr(errors.New("no header row: the sheet is empty"))
		}
		if err != nil {
			x.Close()
			return nil, err
		}
		if rec.Row < opts.HeaderRow || blank(rec.Values) {
			continue
		}
		if opts.NoHeader {
			x.header = make([]string, len(rec.Values))
			for i := range x.header {
				x.header[i] = ColumnLetter(i)
			}
			x.first = &rec
			return x, nil
		}
		raw := rec.Values
		if hasGap(raw) {
			if err := x.fillMerged(raw, rec.Row); err != nil {
				x.Close()
				return nil, err
			}
		}
		x.header = UniqueHeaders(raw)
		return x, nil
	}
}

// pickSheet selects the sheet named by opts.Sheet or at opts.SheetIndex.
func pickSheet(sheets []workbookSheet, opts XLSXOptions) (workbookSheet, error) {
	if opts.Sheet != "" {
		for _, s := range sheets {
			if strings.EqualFold(s.Name, opts.Sheet) {
				return s, nil
			}
		}
		names := make([]string, len(sheets))
		for i, s := range sheets {
			names[i] = strconv.Quote(s.Name)
		}
		return workbookSheet{}, fmt.Errorf("%w: %q (the workbook has %s)", ErrNoSheet, opts.Sheet, strings.Join(names, ", "))
	}
	if opts.SheetIndex < 0 || opts.SheetIndex >= len(sheets) {
		return workbookSheet{}, fmt.Errorf("%w: index %d (the workbook has %d sheets)", ErrNoSheet, opts.SheetIndex, len(sheets))
	}
	return sheets[opts.SheetIndex], nil
}

// styleFormats classifies the number format of every cell style.
func styleFormats(f *excelize.File) []numFmt {
	ss := f.Styles
	if ss == nil || ss.CellXfs == nil {
		return nil
	}
	custom := map[int]string{}
	if ss.NumFmts != nil {
		for _, nf := range ss.NumFmts.NumFmt {
			if nf != nil {
				custom[nf.NumFmtID] = nf.FormatCode
			}
		}
	}
	out := make([]numFmt, len(ss.CellXfs.Xf))
	for i, xf := range ss.CellXfs.Xf {
		if xf.NumFmtID == nil {
			continue
		}
		out[i] = classifyNumFmt(*xf.NumFmtID, custom[*xf.NumFmtID])
	}
	return out
}

// Header returns the unique column names (see UniqueHeaders).
func (x *XLSXReader) Header() []string { return x.header }

// Sheet returns the name of the worksheet being read.
func (x *XLSXReader) Sheet() string { return x.sheet }

// Next returns the next non-empty row, or io.EOF after the last one.
func (x *XLSXReader) Next() (Record, error) {
	if x.first != nil {
		rec := *x.first
		x.first = nil
		return rec, nil
	}
	for {
		rec, err := x.read()
		if err != nil {
			return Record{}, err
		}
		if blank(rec.Values) {
			continue
		}
		rec.Values = pad(rec.Values, len(x.header))
		return rec, nil
	}
}

// Close releases the workbook and its temporary files.
func (x *XLSXReader) Close() error {
	var err error
	if x.rows != nil {
		err = x.rows.Close()
		x.rows = nil
	}
	if x.meta != nil {
		x.meta.Close()
		x.meta = nil
	}
	if x.f != nil {
		if cerr := x.f.Close(); err == nil {
			err = cerr
		}
		x.f = nil
	}
	return err
}

// read returns the next row, empty or not, with its cells converted.
func (x *XLSXReader) read() (Record, error) {
	if x.err != nil {
		return Record{}, x.err
	}
	if x.rows == nil {
		return Record{}, errors.New("mapping: read of closed XLSXReader")
	}
	for {
		if !x.rows.Next() {
			if err := x.rows.Error(); err != nil {
				x.err = x.sheetErr(err)
				return Record{}, x.err
			}
			return Record{}, io.EOF
		}
		x.row++
		vals, err := x.rows.Columns()
		if err != nil {
			x.err = &RowError{File: x.name, Sheet: x.sheet, Row: x.row, Err: err}
			return Record{}, x.err
		}
		if len(vals) == 0 {
			continue
		}
		if len(vals) > x.limits.MaxColumns {
			x.err = &RowError{File: x.name, Sheet: x.sheet, Row: x.row, Column: ColumnLetter(x.limits.MaxColumns),
				Err: fmt.Errorf("%w: %d cells, limit %d", ErrTooManyColumns, len(vals), x.limits.MaxColumns)}
			return Record{}, x.err
		}
		cells, err := x.meta.row(x.row)
		if err != nil {
			x.err = &RowError{File: x.name, Sheet: x.sheet, Row: x.row, Err: err}
			return Record{}, x.err
		}
		for _, c := range cells {
			if c.col < 0 || c.col >= len(vals) {
				continue
			}
			var nf numFmt
			if c.style >= 0 && c.style < len(x.fmts) {
				nf = x.fmts[c.style]
			}
			vals[c.col] = formatCell(vals[c.col], c.typ, nf, x.date1904)
		}
		for i, v := range vals {
			if len(v) > x.limits.MaxCellSize {
				x.err = &RowError{File: x.name, Sheet: x.sheet, Row: x.row, Column: columnName(x.header, i), Value: truncate(v),
					Err: fmt.Errorf("%w: %d bytes, limit %d", ErrCellTooLarge, len(v), x.limits.MaxCellSize)}
				return Record{}, x.err
			}
		}
		return Record{Row: x.row, Values: vals}, nil
	}
}

func (x *XLSXReader) sheetErr(err error) error {
	prefix := x.name
	if x.sheet != "" {
		if prefix != "" {
			prefix += " "
		}
		prefix += "[" + x.sheet + "]"
	}
	return nameErr(prefix, err)
}

// hasGap reports whether a header row has an empty cell before its last
// non-empty one.
func hasGap(vals []string) bool {
	for _, v := range vals {
		if strings.TrimSpace(v) == "" {
			return true
		}
	}
	return false
}

// fillMerged copies the value of each merged range's top-left cell into the
// empty header cells the range covers on row hdr. It reads the worksheet's
// mergeCells list, which follows the cell data, with a second pass over the
// part; this happens only for headers with empty cells.
func (x *XLSXReader) fillMerged(vals []string, hdr int) error {
	ranges, err := scanMergeCells(x.zr, x.part)
	if err != nil {
		return x.sheetErr(err)
	}
	for _, m := range ranges {
		if hdr < m.r1 || hdr > m.r2 || m.c1 >= len(vals) {
			continue
		}
		v := vals[m.c1]
		if m.r1 != hdr {
			continue // value sits above the header row; unknown here
		}
		for c := m.c1 + 1; c <= m.c2 && c < len(vals); c++ {
			if strings.TrimSpace(vals[c]) == "" {
				vals[c] = v
			}
		}
	}
	return nil
}
