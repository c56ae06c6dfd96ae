package xlsx

import (
	"archive/zip"
	"errors"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"io"
	"strconv"
	"strings"
)

// Options configures Open. The zero value reads the first sheet,
// takes its first non-empty row as the header and applies the default Limits.
type Options struct {
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
	// Progress, if set, is called from Open and Next each time more of
	// the worksheet is read (every 64 KiB or so), with the bytes of its XML
	// read so far and its whole uncompressed size. read reaches total at
	// the end of the sheet.
	Progress func(read, total int64)
	core.Limits
}

// An Reader streams the rows of one worksheet. Create one with Open.
//
// Values are the cells' stored values, not their displayed text, with these
// conversions: a number whose format is a date or time becomes an ISO 8601
// string (2006-01-02, 15:04:05 or 2006-01-02T15:04:05); a number whose
// format is all zeros ("00000") keeps its leading zeros; other numbers are
// written without exponent and rounded to 15 significant digits; booleans
// read TRUE or FALSE; a formula reads as its cached result, and as "" when
// it has none (UncachedFormulas counts those cells). Header cells
// covered by a merged range take the range's value (and so become "Name",
// "Name (2)", ...).
//
// The worksheet is inflated and scanned as a stream, one row in memory at a
// time; the shared strings are read once, at open. Row and cell positions
// follow excelize's Rows (a row numbered at or before the previous one
// continues it; a cell without a reference follows the one before).
//
// An error from Next ends the table: a *RowError is returned once and later
// calls return a plain error wrapping the same reason.
type Reader struct {
	name   string
	sheet  string
	limits core.Limits

	zr   *zip.Reader
	part string // zip path of the worksheet
	rc   io.ReadCloser
	rows *sheetRows

	header   []string
	first    *core.Record
	err      error
	uncached UncachedFormulas // the reader's, kept by Close
}

// Open opens a workbook, checks the zip directory against the Limits
// before decompressing anything, selects the sheet and reads its header. The
// ReaderAt must stay readable until Close.
func Open(r io.ReaderAt, size int64, opts Options) (*Reader, error) {
	return openXLSX(r, size, opts, 0)
}

// openXLSX is Open keeping up to maxCells references of uncached
// formulas (see UncachedFormulas.MaxCells).
func openXLSX(r io.ReaderAt, size int64, opts Options, maxCells int) (*Reader, error) {
	x := &Reader{name: opts.Name, limits: opts.Limits.WithDefaults()}
	zr, err := checkZip(r, size, x.limits)
	if err != nil {
		return nil, nameErr(x.name, err)
	}
	x.zr = zr
	info, err := readWorkbook(zr)
	if err != nil {
		return nil, nameErr(x.name, err)
	}
	ws, err := pickSheet(info.Sheets, opts)
	if err != nil {
		return nil, nameErr(x.name, err)
	}
	x.sheet, x.part = ws.Name, ws.Path
	fmts, err := readStyles(zr, info.Styles)
	if err != nil {
		return nil, nameErr(x.name, err)
	}
	sst, err := readSharedStrings(zr, info.SharedStrings, x.limits)
	if err != nil {
		return nil, nameErr(x.name, err)
	}
	f := findPart(zr, x.part)
	if f == nil {
		return nil, x.sheetErr(fmt.Errorf("not a valid xlsx workbook: missing %s", x.part))
	}
	if x.rc, err = f.Open(); err != nil {
		return nil, x.sheetErr(fmt.Errorf("not a valid xlsx workbook: %w", err))
	}
	x.rows = newSheetRows(x.rc, sst, fmts, info.Date1904, x.limits)
	x.rows.file, x.rows.sheet = x.name, x.sheet
	x.rows.uncached.MaxCells = maxCells
	if opts.Progress != nil {
		total := int64(f.UncompressedSize64)
		x.rows.sc.SetProgress(func(n int64) { opts.Progress(n, total) })
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

// pickSheet selects the sheet named by opts.Sheet or at opts.SheetIndex.
func pickSheet(sheets []workbookSheet, opts Options) (workbookSheet, error) {
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
		return workbookSheet{}, fmt.Errorf("%w: %q (the workbook has %s)", core.ErrNoSheet, opts.Sheet, strings.Join(names, ", "))
	}
	if opts.SheetIndex < 0 || opts.SheetIndex >= len(sheets) {
		return workbookSheet{}, fmt.Errorf("%w: index %d (the workbook has %d sheets)", core.ErrNoSheet, opts.SheetIndex, len(sheets))
	}
	return sheets[opts.SheetIndex], nil
}

// Header returns the unique column names (see UniqueHeaders).
func (x *Reader) Header() []string { return x.header }

// Sheet returns the name of the worksheet being read.
func (x *Reader) Sheet() string { return x.sheet }

// Next returns the next non-empty row, or io.EOF after the last one.
func (x *Reader) Next() (core.Record, error) {
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

// Close releases the worksheet stream.
func (x *Reader) Close() error {
	if x.rc == nil {
		return nil
	}
	err := x.rc.Close()
	x.uncached = x.rows.uncached
	x.rc, x.rows = nil, nil
	return err
}

// read returns the next row that has values, converted.
func (x *Reader) read() (core.Record, error) {
	if x.err != nil {
		return core.Record{}, x.err
	}
	if x.rows == nil {
		return core.Record{}, errors.New("mapping: read of closed Reader")
	}
	row, vals, err := x.rows.next(x.header)
	if err == nil {
		return core.Record{Row: row, Values: vals}, nil
	}
	if err == io.EOF {
		return core.Record{}, err
	}
	var re *core.RowError
	if errors.As(err, &re) {
		x.err = x.sheetErr(fmt.Errorf("reading stopped at row %d: %w", re.Row, re.Err))
		return core.Record{}, err
	}
	x.err = x.sheetErr(err)
	return core.Record{}, x.err
}

func (x *Reader) sheetErr(err error) error {
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
func (x *Reader) fillMerged(vals []string, hdr int) error {
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
