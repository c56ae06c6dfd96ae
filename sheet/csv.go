package sheet

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"golang.org/x/text/transform"
)

// CSVOptions configures OpenCSV. The zero value detects the delimiter and the
// encoding, takes the first non-empty record as the header, and applies the
// default Limits.
type CSVOptions struct {
	// Name is the file name used in errors.
	Name string
	// Comma is the field delimiter. Zero detects it among ',', ';', tab and
	// '|' (see SniffDelimiter).
	Comma rune
	// Encoding names the character set: "utf-8", "utf-16le", "utf-16be",
	// "windows-1251", "windows-1252", "koi8-r", "ibm866", "iso-8859-1",
	// "iso-8859-5", "iso-8859-15" (with aliases such as "cp1251"). Empty
	// detects it (see DetectEncoding). A byte-order mark is always skipped.
	Encoding string
	// LazyQuotes allows a quote in an unquoted field and a non-doubled quote
	// in a quoted field, as csv.Reader.LazyQuotes.
	LazyQuotes bool
	// HeaderRow is the 1-based line where the header starts; records that
	// start before it are skipped. Zero means the first non-empty record.
	HeaderRow int
	// NoHeader means the file has no header: every record is data and the
	// columns are named by letter (A, B, C, ...) after the first record's
	// width.
	NoHeader bool
	Limits
}

// sniffSize is how much of the start of a CSV file is examined to detect its
// encoding and delimiter.
const sniffSize = 64 << 10

// A CSVReader streams the records of a delimited text file. Create one with
// OpenCSV.
//
// Values are the fields as the file holds them, white space included,
// except for the formula guard of [EscapeFormula]: the one apostrophe it
// puts before a value starting with "=", "+", "-", "@", a tab or a
// carriage return is removed ([UnescapeFormula]), so a CSV file our
// writers made reads back as the values written. The header is read the
// same way.
type CSVReader struct {
	name     string
	limits   Limits
	comma    rune
	encoding string
	utf8     bool
	guard    *guardReader
	r        *csv.Reader
	header   []string
	first    *Record // record read while opening, returned by the first Next
	err      error   // sticky error after a resource limit
	lastLine int     // line where the previous record ended
}

// OpenCSV reads the start of r to detect its encoding and delimiter (unless
// given in opts) and the header, and returns a reader positioned at the first
// data record. It does not close r.
func OpenCSV(r io.Reader, opts CSVOptions) (*CSVReader, error) {
	c := &CSVReader{name: opts.Name, limits: opts.Limits.WithDefaults(), comma: opts.Comma}
	br := bufio.NewReaderSize(r, sniffSize)
	sample, err := br.Peek(sniffSize)
	truncated := err == nil
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, c.fileErr(err)
	}

	name, bom := DetectEncoding(sample, truncated)
	if opts.Encoding != "" {
		name = strings.ToLower(strings.TrimSpace(opts.Encoding))
		bom = bomLen(sample, name)
	}
	enc, err := lookupEncoding(name)
	if err != nil {
		return nil, c.fileErr(err)
	}
	c.encoding, c.utf8 = name, enc == nil
	if _, err := br.Discard(bom); err != nil {
		return nil, c.fileErr(err)
	}
	sample = sample[bom:]

	var text io.Reader = br
	if enc != nil {
		text = transform.NewReader(br, enc.NewDecoder())
		if len(sample)%2 == 1 && strings.HasPrefix(name, "utf-16") {
			sample = sample[:len(sample)-1]
		}
		sample, _, _ = transform.Bytes(enc.NewDecoder(), sample)
	}
	if c.comma == 0 {
		c.comma = SniffDelimiter(sample, truncated)
	}

	c.guard = &guardReader{r: text, max: int64(c.limits.MaxLineLength)}
	c.r = csv.NewReader(c.guard)
	c.r.Comma = c.comma
	c.r.FieldsPerRecord = -1
	c.r.LazyQuotes = opts.LazyQuotes

	for {
		rec, err := c.read()
		if err == io.EOF {
			if opts.NoHeader {
				return c, nil
			}
			return nil, c.fileErr(errors.New("no header row: the file is empty"))
		}
		if err != nil {
			return nil, err
		}
		if rec.Row < opts.HeaderRow || core.Blank(rec.Values) {
			continue
		}
		if opts.NoHeader {
			c.header = make([]string, len(rec.Values))
			for i := range c.header {
				c.header[i] = ColumnLetter(i)
			}
			c.first = &rec
			return c, nil
		}
		c.header = UniqueHeaders(rec.Values)
		return c, nil
	}
}

// bomLen returns the length of a byte-order mark for encoding name at the
// start of b, or 0.
func bomLen(b []byte, name string) int {
	switch {
	case strings.HasPrefix(name, "utf") && strings.HasPrefix(string(b), "\xEF\xBB\xBF"):
		return 3
	case (name == EncodingUTF16LE || name == "utf-16") && strings.HasPrefix(string(b), "\xFF\xFE"):
		return 2
	case name == EncodingUTF16BE && strings.HasPrefix(string(b), "\xFE\xFF"):
		return 2
	}
	return 0
}

// Header returns the unique column names (see UniqueHeaders).
func (c *CSVReader) Header() []string { return c.header }

// Comma returns the delimiter in use, given or detected.
func (c *CSVReader) Comma() rune { return c.comma }

// Encoding returns the canonical name of the encoding in use, given or
// detected.
func (c *CSVReader) Encoding() string { return c.encoding }

// Close does nothing and returns nil; the caller owns the underlying reader.
func (c *CSVReader) Close() error { return nil }

// Next returns the next non-empty record, or io.EOF after the last one.
func (c *CSVReader) Next() (Record, error) {
	if c.first != nil {
		rec := *c.first
		c.first = nil
		return rec, nil
	}
	for {
		rec, err := c.read()
		if err != nil {
			return Record{}, err
		}
		if core.Blank(rec.Values) {
			continue
		}
		rec.Values = core.Pad(rec.Values, len(c.header))
		return rec, nil
	}
}

// read returns the next record with limits checked.
func (c *CSVReader) read() (Record, error) {
	if c.err != nil {
		return Record{}, c.err
	}
	fields, err := c.r.Read()
	c.guard.mark(c.r.InputOffset())
	if err != nil {
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			return Record{}, err
		case errors.Is(err, ErrLineTooLong):
			c.err = &RowError{File: c.name, Row: c.lastLine + 1, Err: fmt.Errorf("%w (%d bytes)", ErrLineTooLong, c.limits.MaxLineLength)}
			return Record{}, c.err
		case errors.As(err, &pe):
			c.lastLine = pe.Line
			e := pe.Err
			if !c.r.LazyQuotes && (errors.Is(e, csv.ErrBareQuote) || errors.Is(e, csv.ErrQuote)) {
				e = fmt.Errorf("%w (set LazyQuotes to accept stray quotes)", e)
			}
			return Record{}, &RowError{File: c.name, Row: pe.StartLine, Err: e}
		}
		c.err = c.fileErr(err)
		return Record{}, c.err
	}
	row, _ := c.r.FieldPos(0)
	last, _ := c.r.FieldPos(len(fields) - 1)
	c.lastLine = last + strings.Count(fields[len(fields)-1], "\n")
	if len(fields) > c.limits.MaxColumns {
		c.err = &RowError{File: c.name, Row: row, Column: ColumnLetter(c.limits.MaxColumns),
			Err: fmt.Errorf("%w: %d cells, limit %d", ErrTooManyColumns, len(fields), c.limits.MaxColumns)}
		return Record{}, c.err
	}
	for i, f := range fields {
		if c.utf8 && !utf8.ValidString(f) {
			f = strings.ToValidUTF8(f, "\uFFFD")
			fields[i] = f
		}
		if len(f) > c.limits.MaxCellSize {
			c.err = &RowError{File: c.name, Row: row, Column: core.ColumnName(c.header, i), Value: core.Truncate(f),
				Err: fmt.Errorf("%w: %d bytes, limit %d", ErrCellTooLarge, len(f), c.limits.MaxCellSize)}
			return Record{}, c.err
		}
		if f != "" && f[0] == '\'' {
			fields[i] = UnescapeFormula(f)
		}
	}
	for i, f := range fields {
		if strings.IndexByte(f, 0) >= 0 {
			return Record{}, &RowError{File: c.name, Row: row, Column: core.ColumnName(c.header, i),
				Value: core.Truncate(strings.ReplaceAll(f, "\x00", "\uFFFD")), Err: ErrNULByte}
		}
	}
	return Record{Row: row, Values: fields}, nil
}

func (c *CSVReader) fileErr(err error) error {
	if c.name == "" {
		return err
	}
	return fmt.Errorf("%s: %w", c.name, err)
}

// guardReader fails with ErrLineTooLong once more than max bytes have been
// read past the end of the last complete record (see mark), so a record with
// no line break, or an unterminated quote, cannot grow without bound.
type guardReader struct {
	r        io.Reader
	max      int64
	n, start int64 // bytes delivered; offset where the current record starts
}

// slack covers csv.Reader's read-ahead buffer.
const slack = 64 << 10

func (g *guardReader) Read(p []byte) (int, error) {
	if g.n-g.start-slack > g.max {
		return 0, ErrLineTooLong
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// mark records that everything before offset has been parsed.
func (g *guardReader) mark(offset int64) { g.start = offset }
