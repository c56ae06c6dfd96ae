package xlsx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx/internal/xmlscan"
	"io"
	"math"
	"strconv"
	"strings"
)

// cellType is a cell's t attribute.
type cellType uint8

const (
	cellNumber    cellType = iota // n, absent or unknown
	cellBool                      // b
	cellDate                      // d
	cellShared                    // s
	cellFormula                   // str
	cellInline                    // inlineStr
	cellError                     // e
	cellOtherText                 // never set from a file; see formatCellBytes
)

func parseCellType(t []byte) cellType {
	if len(t) == 9 && t[0] == 'i' && binary.LittleEndian.Uint64(t[1:]) == inlineStrTail {
		return cellInline
	}
	switch string(t) {
	case "s":
		return cellShared
	case "b":
		return cellBool
	case "d":
		return cellDate
	case "str":
		return cellFormula
	case "inlineStr":
		return cellInline
	case "e":
		return cellError
	}
	return cellNumber
}

// inlineStrTail is "nlineStr" read as a little-endian uint64.
var inlineStrTail = binary.LittleEndian.Uint64([]byte("nlineStr"))

// rawCell is one stored cell of the row being read.
type rawCell struct {
	pos    int      // 0-based index in the row's values
	typ    cellType // t attribute
	style  int      // s attribute
	sidx   int      // the value is sst[sidx] when shared, "" if sidx < 0
	shared bool
	off    int // the value is text[off:end] otherwise
	end    int
	over   bool // the value passed the raw size cap
	valid  bool // the value is known to be valid XML text
}

// sheetRows reads the rows of a worksheet part with xmlscan.Scanner, returning
// for each row the values excelize's Rows.Columns returns with
// RawCellValue (its rules for row and cell positions included), converted
// by formatCell. It keeps one row in memory.
type sheetRows struct {
	sc       *xmlscan.Scanner
	sst      sharedStrings
	fmts     []numFmt
	date1904 bool
	maxCols  int
	maxCell  int // MaxCellSize
	rawCap   int // largest raw value kept

	cur, seek int  // excelize's curRow and seekRow
	inRow     bool // positioned inside a row element
	done      bool

	cells []rawCell
	n     int // number of values of the row (last position + 1)
	text  []byte
	tbuf  []byte // scratch for <t> of a string item

	uncached UncachedFormulas // formula cells without a cached value

	file, sheet string         // for RowErrors
	bad         *core.RowError // a row found out of order, reported by the next readRow
	raw         bool           // skip formatCell, for the differential tests
	general     bool           // read every cell with the general path, for tests
}

func newSheetRows(rd io.Reader, sst sharedStrings, fmts []numFmt, date1904 bool, l core.Limits) *sheetRows {
	return &sheetRows{
		sc:       xmlscan.New(rd),
		sst:      sst,
		fmts:     fmts,
		date1904: date1904,
		maxCols:  l.MaxColumns,
		maxCell:  l.MaxCellSize,
		rawCap:   satMul(l.MaxCellSize, 7) + 7, // _xHHHH_ escapes shrink 7:1
	}
}

// satMul multiplies without overflow.
func satMul(a, b int) int {
	if a > math.MaxInt/b {
		return math.MaxInt - 7
	}
	return a * b
}

// A sheetError is an error of the worksheet as a whole.
type sheetError struct{ err error }

func (e *sheetError) Error() string { return e.err.Error() }
func (e *sheetError) Unwrap() error { return e.err }

func (r *sheetRows) rowErr(row int, column, value string, err error) *core.RowError {
	return &core.RowError{File: r.file, Sheet: r.sheet, Row: row, Column: column, Value: value, Err: err}
}

// next returns the next row that has values, with its values converted and
// room to pad them to the header, or io.EOF. Errors are *sheetError or
// *RowError; after one, next must not be called again.
func (r *sheetRows) next(header []string) (int, []string, error) {
	for {
		if r.done {
			return 0, nil, io.EOF
		}
		row, perr, err := r.readRow()
		if err != nil {
			return 0, nil, err
		}
		if perr != nil {
			return 0, nil, r.rowErr(row, "", "", perr)
		}
		if r.n == 0 {
			continue
		}
		if r.n > r.maxCols {
			return 0, nil, r.rowErr(row, core.ColumnLetter(r.maxCols), "",
				fmt.Errorf("%w: %d cells, limit %d", core.ErrTooManyColumns, r.n, r.maxCols))
		}
		vals, err := r.values(row, header, max(len(header), r.n))
		if err != nil {
			return 0, nil, err
		}
		return row, vals, nil
	}
}

// rowAttr returns a row tag's r attribute as excelize reads it.
func rowAttr(attrs []byte) (int, error) {
	for {
		name, val, rest, ok, err := xmlscan.NextAttr(attrs)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, nil
		}
		attrs = rest
		if string(name) != "r" {
			continue
		}
		if n, ok := smallUint(val); ok {
			return n, nil
		}
		return strconv.Atoi(xmlscan.AttrText(val))
	}
}

// smallUint parses a plain decimal of up to 9 digits without leading zero.
func smallUint(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 || b[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// startRow applies a row tag to curRow as excelize does.
func (r *sheetRows) startRow(attrs []byte) (perr, err error) {
	n, perr := rowAttr(attrs)
	if n != 0 {
		r.cur = n
	} else {
		r.cur++
	}
	if n > xlsxMaxRows || r.cur > xlsxMaxRows {
		return nil, &sheetError{errMaxRows}
	}
	return perr, nil
}

// readRow reads the cells of the next reported row (one excelize
// Rows.Next/Columns step that reaches a row element) into r.cells. perr is
// an error of that row.
func (r *sheetRows) readRow() (row int, perr, err error) {
	if r.bad != nil {
		return 0, nil, r.bad
	}
	r.cells, r.n, r.text = r.cells[:0], 0, r.text[:0]
	if !r.inRow {
		// The first row element, anywhere before </sheetData>.
		for {
			kind, name, attrs, err := r.sc.Next()
			if err == io.EOF {
				r.done = true
				return 0, nil, nil
			}
			if err != nil {
				return 0, nil, r.malformed(err)
			}
			if kind == xmlscan.End && string(name) == "sheetData" {
				r.done = true
				return 0, nil, nil
			}
			if kind != xmlscan.End && string(name) == "row" {
				if perr, err = r.startRow(attrs); err != nil {
					return 0, nil, err
				}
				r.seek = max(r.seek+1, r.cur)
				r.inRow = true
				break
			}
		}
	}
	row = r.seek
	col := 0 // excelize's cellCol, 1-based
	for {
		if !r.general {
			if c, ok := r.fastCells(col); ok {
				col = c
				continue
			}
		}
		kind, name, attrs, err := r.sc.Next()
		if err == io.EOF {
			r.done = true
			return row, perr, nil
		}
		if err != nil {
			return row, perr, r.malformed(err)
		}
		switch {
		case kind == xmlscan.End:
			if string(name) == "sheetData" {
				r.done = true
				return row, perr, nil
			}
		case string(name) == "c":
			col, err = r.cell(kind, attrs, col+1)
			if err != nil {
				if se, ok := err.(*sheetError); ok {
					return row, nil, &sheetError{fmt.Errorf("%w (in row %d)", se.err, row)}
				}
				return row, nil, r.rowErr(row, "", "", err)
			}
		case string(name) == "row":
			p, err := r.startRow(attrs)
			if err != nil {
				return row, perr, err
			}
			if p != nil {
				perr = p
			}
			if r.cur > r.seek {
				r.seek = r.cur
				return row, perr, nil
			}
			// A row numbered at or before the one being read. excelize
			// reads it as more cells of that row, which puts its values
			// in the wrong row and columns; Excel repairs the file. It
			// is an error, after the row read so far.
			r.bad = r.rowErr(r.cur, "", "", fmt.Errorf("%w: row %d comes after row %d (the rows are out of order or repeated; opening and saving the file in Excel repairs it)",
				errMalformedSheet, r.cur, r.seek))
			return row, perr, nil
		}
	}
}

func (r *sheetRows) malformed(err error) error {
	return &sheetError{fmt.Errorf("malformed worksheet: %w", err)}
}

// errMalformedSheet is the reason of a RowError for a worksheet whose
// structure is broken at a row.
var errMalformedSheet = errors.New("malformed worksheet")

// cell reads one c element whose start tag was just read. col is its
// position by count; it returns the position excelize settles on.
func (r *sheetRows) cell(kind xmlscan.Kind, attrs []byte, col int) (int, error) {
	var ref []byte
	typ, style := cellNumber, 0
	dropped := false
	for {
		name, val, rest, ok, err := xmlscan.NextAttr(attrs)
		if err != nil {
			return col, r.malformed(err)
		}
		if !ok {
			break
		}
		attrs = rest
		switch string(name) {
		case "r":
			ref = val
		case "t":
			typ = parseCellType(val)
		case "s":
			if n, ok := smallUint(val); ok {
				style = n
				continue
			}
			v, err := strconv.ParseInt(xmlscan.AttrText(val), 10, 64)
			if err != nil {
				dropped = true // excelize stops at the bad attribute
			} else if v >= math.MinInt && v <= math.MaxInt {
				style = int(v)
			}
		}
		if dropped {
			break
		}
	}
	if ref != nil {
		c, err := cellColumn(ref)
		if err != nil {
			return col, err
		}
		col = c
	}
	if kind == xmlscan.Empty {
		return col, nil // no value, no formula
	}
	if dropped {
		return col, r.skipCell()
	}
	start := len(r.text)
	var (
		hasV, hasF, hasIS bool
		vOff, vEnd        int
		isOff, isEnd      int
		over              bool
	)
	depth := 0 // of the elements read here, not v, f or is
	for {
		kind, name, _, err := r.sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return col, r.malformed(err)
		}
		if kind == xmlscan.End {
			if string(name) == "c" {
				break
			}
			if string(name) == "row" || string(name) == "sheetData" {
				// The cell is not closed: it would take in what follows.
				return col, fmt.Errorf("%w: the cell in column %s is not closed before </%s>", errMalformedSheet, core.ColumnLetter(col-1), name)
			}
			depth = max(depth-1, 0)
			continue
		}
		switch string(name) {
		case "c", "row", "sheetData":
			// A cell inside a cell: one of them, or a whole row, would
			// be lost.
			return col, fmt.Errorf("%w: the cell in column %s holds a <%s> element", errMalformedSheet, core.ColumnLetter(col-1), name)
		}
		if kind == xmlscan.Start && string(name) != "v" && string(name) != "f" && string(name) != "is" {
			if depth++; depth > xmlscan.MaxDepth {
				return col, fmt.Errorf("%w: the cell in column %s has %w", errMalformedSheet, core.ColumnLetter(col-1), xmlscan.ErrDepth)
			}
		}
		switch string(name) {
		case "v":
			hasV, vOff = true, len(r.text)
			over = false
			if kind == xmlscan.Start {
				if r.text, over, err = r.sc.Text(r.text, r.rawCap); err != nil {
					return col, r.malformed(err)
				}
			}
			vEnd = len(r.text)
		case "f":
			hasF = true
			if kind == xmlscan.Start {
				if err := r.sc.Skip(); err != nil {
					return col, r.malformed(err)
				}
			}
		case "is":
			hasIS, isOff = true, len(r.text)
			if kind == xmlscan.Start {
				var o bool
				if r.text, o, err = r.stringItem(r.text); err != nil {
					return col, r.malformed(err)
				}
				over = over || o
			}
			isEnd = len(r.text)
		}
	}
	c := rawCell{typ: typ, style: style}
	switch {
	case typ == cellShared && vEnd > vOff:
		c.shared = true
		c.sidx = r.sharedIndex(r.text[vOff:vEnd])
		r.text = r.text[:start]
		if r.sharedString(c.sidx) == "" && !hasF {
			return col, nil
		}
	case typ == cellInline && hasIS:
		c.off, c.end = isOff, isEnd
	default:
		c.off, c.end = vOff, vEnd
	}
	c.over = over
	if !c.shared && c.end == c.off && !hasF && !over {
		r.text = r.text[:start]
		return col, nil
	}
	c.pos = max(r.n, col-1)
	r.n = c.pos + 1
	if hasF && !hasV && !hasIS {
		r.uncached.add(c.pos, r.seek)
	}
	if r.n > r.maxCols {
		// Too many columns: keep counting, store nothing.
		r.text = r.text[:start]
		return col, nil
	}
	r.cells = append(r.cells, c)
	return col, nil
}

// fastCells reads, straight from the scanner's buffer, the c elements of
// the shapes writers produce: <c .../>, <c ...></c>, <c ...><v>text</v></c>
// and, for t="inlineStr", <c ...><is><t>text</t></is></c>, with attributes
// written plainly (a space before each, double quotes, no prefix or
// reference, an unsigned s) and text without reference, line feed
// escape, control character, CDATA or _xHHHH_ escape. It stores each cell
// as cell would, up to the first that is not of these shapes or runs past
// the input it can buffer, which it leaves unconsumed for the general path
// to read with the same result. col is excelize's cellCol before the
// cells; it returns the one after them and whether it read any.
func (r *sheetRows) fastCells(col int) (int, bool) {
	read := false
	for retry := false; ; retry = true {
		c, n, more := r.scanFastCells(col)
		if n > 0 {
			r.sc.Advance(n)
			col, read, retry = c, true, false
		}
		sc := r.sc
		// The next cell may continue past the buffer: read on once,
		// without growing the buffer (which is the general path's call).
		if !more || retry || sc.Full() || !sc.Fill() {
			return col, read
		}
	}
}

// Results of scanText.
const (
	textHigh       = 1 << iota // non-ASCII bytes, to be validated
	textUnderscore             // a '_', maybe of an _xHHHH_ escape
	textSpecial                // '&', '\r' or a control character
)

// textByte marks the bytes that end or complicate plain character data.
var textByte = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == '<':
			t[c] = 1
		case c >= 0x80:
			t[c] = 2
		case c == '_':
			t[c] = 3
		case c == '&' || c == '\r' || c < 0x20 && c != '\t' && c != '\n':
			t[c] = 4
		}
	}
	return t
}()

// scanText returns the index of the first '<' in b at or after i (-1 if
// there is none) and what the bytes before it hold.
func scanText(b []byte, i int) (int, uint8) {
	var flags uint8
	for ; i < len(b); i++ {
		switch textByte[b[i]] {
		case 0:
			continue
		case 1:
			return i, flags
		case 2:
			flags |= textHigh
		case 3:
			flags |= textUnderscore
		default:
			flags |= textSpecial
		}
	}
	return -1, flags
}

// hasTag reports whether b[i:] starts with tag.
func hasTag(b []byte, i int, tag string) bool {
	return i >= 0 && len(b)-i >= len(tag) && string(b[i:i+len(tag)]) == tag
}

// scanFastCells is fastCells' scan of the buffer. It returns cellCol
// after the cells it read, the bytes they took, and whether it stopped
// at the end of the buffer (rather than at something else).
func (r *sheetRows) scanFastCells(prev int) (int, int, bool) {
	sc := r.sc
	b := sc.Buffered()
	done := 0
	for {
		col := prev + 1
		// Character data before the tag, which next would skip.
		i := xmlscan.SkipText(b, 0)
		if i < 0 || len(b)-i < 3 {
			return prev, done, true
		}
		if b[i+1] != 'c' {
			return prev, done, false
		}
		i += 2
		typ, style := cellNumber, 0
		empty := false
		for {
			if i >= len(b) {
				return prev, done, true
			}
			ch := b[i]
			if ch == '>' {
				i++
				break
			}
			if ch == '/' {
				if i+1 >= len(b) {
					return prev, done, true
				}
				if b[i+1] != '>' {
					return prev, done, false
				}
				i += 2
				empty = true
				break
			}
			if !xmlscan.IsSpace(ch) {
				return prev, done, false
			}
			for i++; i < len(b) && xmlscan.IsSpace(b[i]); i++ {
			}
			if i+3 > len(b) {
				return prev, done, true
			}
			if ch = b[i]; ch == '>' || ch == '/' {
				continue
			}
			// The attribute's name: r, t and s are read as they are scanned.
			ns := i
			for i < len(b) && ('a' <= b[i] && b[i] <= 'z' || 'A' <= b[i] && b[i] <= 'Z') {
				i++
			}
			if i+2 > len(b) {
				return prev, done, true
			}
			if i == ns || b[i] != '=' || b[i+1] != '"' {
				return prev, done, false
			}
			long := i-ns > 1
			i += 2
			vs := i
			switch {
			case long:
			case ch == 'r':
				// A reference of up to three capital letters and a row
				// number without leading zero, the form writers use
				// (cellColumn's fast case).
				c, k := 0, i
				for k < len(b) && k-i < 3 && 'A' <= b[k] && b[k] <= 'Z' {
					c = c*26 + int(b[k]-'A'+1)
					k++
				}
				row, ds := 0, k
				for k < len(b) && k-ds < 10 && '0' <= b[k] && b[k] <= '9' {
					row = row*10 + int(b[k]-'0')
					k++
				}
				if k >= len(b) {
					return prev, done, true
				}
				if b[k] != '"' || k == ds || ds == i || b[ds] == '0' || k-ds > 9 || c > xlsxMaxColumns || row > xlsxMaxRows {
					return prev, done, false
				}
				col, i = c, k+1
				continue
			case ch == 's':
				n, k := 0, i
				for k < len(b) && k-i < 10 && '0' <= b[k] && b[k] <= '9' {
					n = n*10 + int(b[k]-'0')
					k++
				}
				if k >= len(b) {
					return prev, done, true
				}
				// smallUint's numbers, and 0.
				if b[k] != '"' || k == i || k-i > 9 || b[i] == '0' && k-i > 1 {
					return prev, done, false
				}
				style, i = n, k+1
				continue
			}
			for i < len(b) && b[i] != '"' {
				if b[i] == '&' {
					return prev, done, false
				}
				i++
			}
			if i >= len(b) {
				return prev, done, true
			}
			if !long && ch == 't' {
				typ = parseCellType(b[vs:i])
			}
			i++
		}
		if empty {
			done, b, prev = done+i, b[i:], col
			continue
		}
		// The content: nothing, <v>, or <is><t> of an inline string.
		j := xmlscan.SkipText(b, i)
		if j < 0 || len(b)-j < 4 {
			return prev, done, true
		}
		if hasTag(b, j, "</c>") {
			done, b, prev = done+j+4, b[j+4:], col
			continue
		}
		var (
			text  []byte
			flags uint8
		)
		switch {
		case hasTag(b, j, "<v>"):
			j += 3
			k, f := scanText(b, j)
			if k < 0 {
				return prev, done, true
			}
			text, flags = b[j:k], f
			if !hasTag(b, k, "</v>") {
				return prev, done, false
			}
			j = k + 4
		case hasTag(b, j, "<is>") && typ == cellInline:
			j = xmlscan.SkipText(b, j+4)
			if j < 0 || len(b)-j < 3 {
				return prev, done, true
			}
			if !hasTag(b, j, "<t") {
				return prev, done, false
			}
			if j = afterTOpen(b, j+2); j <= 0 {
				return prev, done, j < 0
			}
			k, f := scanText(b, j)
			if k < 0 {
				return prev, done, true
			}
			text, flags = b[j:k], f
			if !hasTag(b, k, "</t>") {
				return prev, done, false
			}
			j = xmlscan.SkipText(b, k+4)
			if j < 0 || len(b)-j < 5 {
				return prev, done, true
			}
			if !hasTag(b, j, "</is>") {
				return prev, done, false
			}
			j += 5
			if flags&textUnderscore != 0 && bytes.Contains(text, []byte("_x")) {
				return prev, done, false
			}
			if flags&textHigh != 0 {
				if !xmlscan.ValidText(text) {
					return prev, done, false
				}
				flags &^= textHigh
			}
		default:
			return prev, done, false
		}
		if flags&textSpecial != 0 || len(text) > r.rawCap {
			return prev, done, false
		}
		j = xmlscan.SkipText(b, j)
		if j < 0 || len(b)-j < 4 {
			return prev, done, true
		}
		if !hasTag(b, j, "</c>") {
			return prev, done, false
		}
		j += 4
		if len(text) == 0 {
			done, b, prev = done+j, b[j:], col
			continue
		}
		c := rawCell{typ: typ, style: style, valid: flags&textHigh == 0}
		start := len(r.text)
		if typ == cellShared {
			c.shared = true
			if c.sidx = r.sharedIndex(text); r.sharedString(c.sidx) == "" {
				done, b, prev = done+j, b[j:], col
				continue
			}
		} else {
			r.text = append(r.text, text...)
			c.off, c.end = start, len(r.text)
		}
		c.pos = max(r.n, col-1)
		r.n = c.pos + 1
		if r.n > r.maxCols {
			r.text = r.text[:start]
			done, b, prev = done+j, b[j:], col
			continue
		}
		r.cells = append(r.cells, c)
		done, b, prev = done+j, b[j:], col
		continue

	}
}

// skipCell skips a cell's content as excelize does after a bad attribute:
// it reads on to the cell's end tag.
func (r *sheetRows) skipCell() error {
	for {
		kind, name, _, err := r.sc.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return r.malformed(err)
		}
		if kind == xmlscan.End && string(name) == "c" {
			return nil
		}
	}
}

// cellColumn returns the 1-based column of cell reference ref, with
// excelize's CellNameToCoordinates rules and errors.
func cellColumn(ref []byte) (int, error) {
	col, i := 0, 0
	for i < len(ref) && i < 3 && 'A' <= ref[i] && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		i++
	}
	if i > 0 && col <= xlsxMaxColumns {
		if row, ok := smallUint(ref[i:]); ok && row <= xlsxMaxRows {
			return col, nil
		}
	}
	c, _, err := cellNameToCoordinates(xmlscan.AttrText(ref))
	return c, err
}

// sharedIndex returns the index of shared string v (a t="s" cell's value)
// as excelize resolves it: a bad index reads as 0, one out of range as ""
// (-1).
func (r *sheetRows) sharedIndex(v []byte) int {
	i, ok := smallUint(v)
	if !ok {
		if len(v) == 1 && v[0] == '0' {
			i = 0
		} else {
			i, _ = strconv.Atoi(strings.TrimSpace(string(v)))
		}
	}
	if i < 0 || i >= r.sst.len() {
		return -1
	}
	return i
}

// sharedString returns the shared string of a sharedIndex.
func (r *sheetRows) sharedString(i int) string {
	if i < 0 {
		return ""
	}
	return r.sst.at(i)
}

// stringItem appends the text of a string item (si in the shared strings,
// is in a cell) whose start tag was just read, as excelize's xlsxSI.String:
// the item's last direct t, then the last t of each rich text run r, with
// _xHHHH_ escapes decoded. Phonetic runs are left out.
func (r *sheetRows) stringItem(dst []byte) ([]byte, bool, error) {
	return appendStringItem(r.sc, dst, &r.tbuf, r.rawCap)
}

func appendStringItem(sc *xmlscan.Scanner, dst []byte, tbuf *[]byte, limit int) ([]byte, bool, error) {
	start := len(dst)
	t := (*tbuf)[:0]
	hasT, over := false, false
	runStart := -1 // start in dst of the current run's text
	depth := 0     // 0 in si, 1 in r
	for {
		kind, name, _, err := sc.Next()
		if err != nil {
			if err == io.EOF {
				err = xmlscan.ErrEOF
			}
			return dst, over, err
		}
		if kind == xmlscan.End {
			if depth == 0 {
				break // </si>
			}
			depth--
			continue
		}
		switch {
		case string(name) == "t" && depth == 0:
			hasT = true
			t = t[:0]
			if kind == xmlscan.Start {
				var o bool
				if t, o, err = sc.Text(t, limit); err != nil {
					return dst, over, err
				}
				over = over || o
			}
		case string(name) == "t" && depth == 1:
			dst = dst[:runStart]
			if kind == xmlscan.Start {
				var o bool
				if dst, o, err = sc.Text(dst, limit); err != nil {
					return dst, over, err
				}
				over = over || o
				if len(dst)-start > limit {
					dst, over = dst[:runStart], true
				}
			}
		case string(name) == "r" && depth == 0:
			runStart = len(dst)
			if kind == xmlscan.Start {
				depth = 1
			}
		default:
			if kind == xmlscan.Start {
				if err := sc.Skip(); err != nil {
					return dst, over, err
				}
			}
		}
	}
	*tbuf = t
	if hasT {
		// The direct t comes first whatever the order of the elements.
		n := len(dst) - start
		dst = append(dst, t...)
		copy(dst[start+len(t):], dst[start:start+n])
		copy(dst[start:], t)
	}
	if len(dst)-start > limit {
		dst, over = dst[:start], true
	}
	if !xmlscan.ValidText(dst[start:]) {
		return dst, over, xmlscan.ErrChar
	}
	if bytes.Contains(dst[start:], []byte("_x")) {
		item := bstrUnmarshal(string(dst[start:]))
		dst = append(dst[:start], item...)
	}
	return dst, over, nil
}

// bstrUnmarshal decodes the _xHHHH_ escapes of a string item as excelize
// does: _x005F_ is "_", an escape of a character that is not valid Go
// UTF-8 (a surrogate) is dropped.
func bstrUnmarshal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' && isHex4(s[i+2:i+6]) {
			if s[i:i+7] == "_x005F_" {
				b.WriteByte('_')
			} else if v, err := strconv.Unquote(`"\u` + s[i+2:i+6] + `"`); err == nil {
				b.WriteString(v)
			}
			i += 7
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// values converts the cells of the row just read, checking their size.
func (r *sheetRows) values(row int, header []string, width int) ([]string, error) {
	text := r.text
	for i := range r.cells {
		c := &r.cells[i]
		if c.shared {
			if str := r.sharedString(c.sidx); len(str) > r.maxCell {
				return nil, r.tooLarge(row, header, c.pos, str, len(str))
			}
			continue
		}
		if c.over {
			return nil, r.tooLarge(row, header, c.pos, string(text[c.off:min(c.off+128, c.end)]), -1)
		}
		if !c.valid && !xmlscan.ValidText(text[c.off:c.end]) {
			return nil, &sheetError{fmt.Errorf("malformed worksheet: row %d: %w", row, xmlscan.ErrChar)}
		}
		var nf numFmt
		if c.style >= 0 && c.style < len(r.fmts) {
			nf = r.fmts[c.style]
		}
		off := len(text)
		same := true
		if !r.raw {
			text, same = appendFormatted(text, text[c.off:c.end], c.typ, nf, r.date1904)
		}
		if !same {
			c.off, c.end = off, len(text)
		}
		if c.end-c.off > r.maxCell {
			return nil, r.tooLarge(row, header, c.pos, string(text[c.off:c.end]), c.end-c.off)
		}
	}
	r.text = text
	s := string(text)
	vals := make([]string, r.n, width)
	for _, c := range r.cells {
		if c.shared {
			vals[c.pos] = r.sharedString(c.sidx)
		} else {
			vals[c.pos] = s[c.off:c.end]
		}
	}
	return vals, nil
}

func (r *sheetRows) tooLarge(row int, header []string, pos int, v string, n int) error {
	err := fmt.Errorf("%w: %d bytes, limit %d", core.ErrCellTooLarge, n, r.maxCell)
	if n < 0 {
		err = fmt.Errorf("%w: more than %d bytes, limit %d", core.ErrCellTooLarge, r.rawCap, r.maxCell)
	}
	return r.rowErr(row, core.ColumnName(header, pos), core.Truncate(v), err)
}

// appendFormatted appends raw cell value v of type t with number format nf
// converted as formatCell does; same reports that the value is v itself
// and nothing was appended.
func appendFormatted(dst, v []byte, t cellType, nf numFmt, date1904 bool) ([]byte, bool) {
	switch t {
	case cellBool:
		switch string(v) {
		case "1", "true", "TRUE":
			return append(dst, "TRUE"...), false
		case "0", "false", "FALSE":
			return append(dst, "FALSE"...), false
		}
		return dst, true
	case cellDate:
		return append(dst, formatISODate(string(v))...), false
	case cellShared, cellFormula, cellInline, cellError:
		return dst, true
	}
	if len(v) == 0 {
		return dst, true
	}
	switch nf.kind {
	case fmtDate, fmtTime, fmtDateTime:
		if f, ok := parseSerial(v); ok {
			if out, ok := appendSerial(dst, f, nf.kind, date1904); ok {
				return out, false
			}
		}
		if keepsNumber(v) {
			return dst, true
		}
	case fmtGeneral:
		if keepsNumber(v) {
			return dst, true
		}
	}
	f := formatCell(string(v), "n", nf, date1904)
	if f == string(v) {
		return dst, true
	}
	return append(dst, f...), false
}

// parseSerial parses a number as strconv.ParseFloat does, plain integers
// of up to 15 digits (most date serials) without it.
func parseSerial(v []byte) (float64, bool) {
	if len(v) > 0 && len(v) <= 15 {
		n := int64(0)
		for _, c := range v {
			if c < '0' || c > '9' {
				f, err := strconv.ParseFloat(string(v), 64)
				return f, err == nil
			}
			n = n*10 + int64(c-'0')
		}
		return float64(n), true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// keepsNumber reports whether formatNumber keeps v as it is.
func keepsNumber(v []byte) bool {
	if len(v) > 16 {
		return false
	}
	for _, c := range v {
		if c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}
