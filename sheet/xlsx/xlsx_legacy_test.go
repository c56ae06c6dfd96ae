package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/xuri/excelize/v2"
)

// This file keeps the reader Open replaced: excelize's Rows with
// RawCellValue plus a side scanner for cell types and styles. The
// differential tests hold the fast reader to it.

// An legacyXLSXReader streams the rows of one worksheet. Create one with openLegacyXLSX.
//
// Values are the cells' stored values, not their displayed text, with these
// conversions: a number whose format is a date or time becomes an ISO 8601
// string (2006-01-02, 15:04:05 or 2006-01-02T15:04:05); a number whose
// format is all zeros ("00000") keeps its leading zeros; other numbers are
// written without exponent and rounded to 15 significant digits; booleans
// read TRUE or FALSE; a formula reads as its cached result. Header cells
// covered by a merged range take the range's value (and so become "Name",
// "Name (2)", ...).
type legacyXLSXReader struct {
	name     string
	sheet    string
	limits   core.Limits
	date1904 bool
	fmts     []numFmt // by style index

	f    *excelize.File
	rows *excelize.Rows
	meta *cellScanner
	zr   *zip.Reader
	part string // zip path of the worksheet

	header []string
	row    int // physical row of the last excelize row
	first  *core.Record
	err    error
}

// openLegacyXLSX opens a workbook, checks the zip directory against the Limits
// before decompressing anything, selects the sheet and reads its header. The
// ReaderAt must stay readable until Close.
func openLegacyXLSX(r io.ReaderAt, size int64, opts Options) (*legacyXLSXReader, error) {
	x := &legacyXLSXReader{name: opts.Name, limits: opts.Limits.WithDefaults()}
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
		if rec.Row < opts.HeaderRow || core.Blank(rec.Values) {
			continue
		}
		if opts.NoHeader {
			x.header = make([]string, len(rec.Values))
			for i := range x.header {
				x.header[i] = core.ColumnLetter(i)
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
		x.header = core.UniqueHeaders(raw)
		return x, nil
	}
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
func (x *legacyXLSXReader) Header() []string { return x.header }

// Sheet returns the name of the worksheet being read.
func (x *legacyXLSXReader) Sheet() string { return x.sheet }

// Next returns the next non-empty row, or io.EOF after the last one.
func (x *legacyXLSXReader) Next() (core.Record, error) {
	if x.first != nil {
		rec := *x.first
		x.first = nil
		return rec, nil
	}
	for {
		rec, err := x.read()
		if err != nil {
			return core.Record{}, err
		}
		if core.Blank(rec.Values) {
			continue
		}
		rec.Values = core.Pad(rec.Values, len(x.header))
		return rec, nil
	}
}

// Close releases the workbook and its temporary files.
func (x *legacyXLSXReader) Close() error {
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
func (x *legacyXLSXReader) read() (core.Record, error) {
	if x.err != nil {
		return core.Record{}, x.err
	}
	if x.rows == nil {
		return core.Record{}, errors.New("mapping: read of closed legacyXLSXReader")
	}
	for {
		if !x.rows.Next() {
			if err := x.rows.Error(); err != nil {
				x.err = x.sheetErr(err)
				return core.Record{}, x.err
			}
			return core.Record{}, io.EOF
		}
		x.row++
		vals, err := x.rows.Columns()
		if err != nil {
			x.err = &core.RowError{File: x.name, Sheet: x.sheet, Row: x.row, Err: err}
			return core.Record{}, x.err
		}
		if len(vals) == 0 {
			continue
		}
		if len(vals) > x.limits.MaxColumns {
			x.err = &core.RowError{File: x.name, Sheet: x.sheet, Row: x.row, Column: core.ColumnLetter(x.limits.MaxColumns),
				Err: fmt.Errorf("%w: %d cells, limit %d", core.ErrTooManyColumns, len(vals), x.limits.MaxColumns)}
			return core.Record{}, x.err
		}
		cells, err := x.meta.row(x.row)
		if err != nil {
			x.err = &core.RowError{File: x.name, Sheet: x.sheet, Row: x.row, Err: err}
			return core.Record{}, x.err
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
				x.err = &core.RowError{File: x.name, Sheet: x.sheet, Row: x.row, Column: core.ColumnName(x.header, i), Value: core.Truncate(v),
					Err: fmt.Errorf("%w: %d bytes, limit %d", core.ErrCellTooLarge, len(v), x.limits.MaxCellSize)}
				return core.Record{}, x.err
			}
		}
		return core.Record{Row: x.row, Values: vals}, nil
	}
}

func (x *legacyXLSXReader) sheetErr(err error) error {
	prefix := x.name
	if x.sheet != "" {
		if prefix != "" {
			prefix += " "
		}
		prefix += "[" + x.sheet + "]"
	}
	return nameErr(prefix, err)
}

// fillMerged copies the value of each merged range's top-left cell into the
// empty header cells the range covers on row hdr. It reads the worksheet's
// mergeCells list, which follows the cell data, with a second pass over the
// part; this happens only for headers with empty cells.
func (x *legacyXLSXReader) fillMerged(vals []string, hdr int) error {
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

// cellMeta is what excelize's Rows.Columns drops and the reader needs: a
// cell's type attribute and style index.
type cellMeta struct {
	col   int // 0-based
	style int
	typ   string
}

// cellScanner walks a worksheet part in step with excelize's row iterator and
// reports the type and style of each cell. It keeps only the current row.
type cellScanner struct {
	rc    io.ReadCloser
	dec   *xml.Decoder
	cur   int // row number of cells
	cells []cellMeta
	done  bool
	err   error
}

func newCellScanner(zr *zip.Reader, part string) (*cellScanner, error) {
	rc, err := openPart(zr, part)
	if err != nil {
		return nil, err
	}
	d := xml.NewDecoder(rc)
	d.Strict = false
	return &cellScanner{rc: rc, dec: d}, nil
}

func (s *cellScanner) Close() error { return s.rc.Close() }

// row returns the cells of row n, advancing past earlier rows. Rows must be
// requested in increasing order.
func (s *cellScanner) row(n int) ([]cellMeta, error) {
	for s.cur < n && !s.done {
		if err := s.next(); err != nil {
			return nil, err
		}
	}
	if s.cur == n {
		return s.cells, nil
	}
	return nil, s.err
}

// next reads the next row element.
func (s *cellScanner) next() error {
	s.cells = s.cells[:0]
	for {
		tok, err := s.dec.RawToken()
		if err == io.EOF {
			s.done = true
			return nil
		}
		if err != nil {
			s.done = true
			s.err = fmt.Errorf("malformed worksheet: %w", err)
			return s.err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "row" {
			if ee, ok := tok.(xml.EndElement); ok && ee.Name.Local == "sheetData" {
				s.done = true
				return nil
			}
			continue
		}
		r := s.cur + 1
		for _, a := range se.Attr {
			if a.Name.Local == "r" {
				if v, err := strconv.Atoi(a.Value); err == nil && v > 0 {
					r = v
				}
			}
		}
		s.cur = r
		return s.readCells()
	}
}

// readCells collects the c elements of the current row.
func (s *cellScanner) readCells() error {
	col := -1
	depth := 0
	for {
		tok, err := s.dec.RawToken()
		if err != nil {
			s.done = true
			if err == io.EOF {
				return nil
			}
			s.err = fmt.Errorf("malformed worksheet: %w", err)
			return s.err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth != 1 || t.Name.Local != "c" {
				continue
			}
			col++
			m := cellMeta{col: col}
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "r":
					if c, _, err := excelize.CellNameToCoordinates(a.Value); err == nil {
						col = c - 1
						m.col = col
					}
				case "s":
					m.style, _ = strconv.Atoi(a.Value)
				case "t":
					m.typ = a.Value
				}
			}
			s.cells = append(s.cells, m)
		case xml.EndElement:
			if depth == 0 {
				return nil // </row>
			}
			depth--
		}
	}
}
