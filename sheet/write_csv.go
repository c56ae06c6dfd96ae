package sheet

import (
	"encoding/csv"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"io"
	"strings"
)

// CSVWriteOptions configures a [CSVWriter]. The zero value writes
// comma-separated UTF-8 with "\n" line endings and no byte order mark.
type CSVWriteOptions struct {
	// Comma is the field delimiter; 0 means ','. Use ';' for Excel in
	// locales with a decimal comma, or '\t'.
	Comma rune
	// BOM writes a UTF-8 byte order mark first, so that Excel opens the
	// file as UTF-8 instead of the system code page.
	BOM bool
	// CRLF ends records with "\r\n" instead of "\n". Line breaks inside
	// a value are written as they are, as Excel writes them.
	CRLF bool
}

// CSVWriter is a [TableWriter] for CSV. Text cells are passed through
// [EscapeFormula], which the CSV reader undoes; a line break written CR LF
// inside a text is written as LF, as CSV readers read it. Other cells are written in the form of [Cell.String]:
// ISO 8601 dates, RFC 3339 date-times, numbers without exponent,
// true/false. It buffers internally and writes through on each row's
// flush boundary; Close flushes what is left.
type CSVWriter struct {
	w      *csv.Writer
	out    io.Writer
	crlf   *crlfBuffer // between w and out with CRLF
	bom    bool
	rows   int
	header bool
	closed bool
	rec    []string
	buf    []byte
	ends   []int
}

// NewCSVWriter returns a CSVWriter writing to w. It fails on an invalid
// delimiter (a quote, a line break or the Unicode replacement character).
func NewCSVWriter(w io.Writer, opts CSVWriteOptions) (*CSVWriter, error) {
	// csv.Writer's UseCRLF would also turn a "\n" inside a value into
	// "\r\n" and drop a lone "\r", so records are ended by crlfBuffer.
	var crlf *crlfBuffer
	var cw *csv.Writer
	if opts.CRLF {
		crlf = &crlfBuffer{out: w}
		cw = csv.NewWriter(crlf)
	} else {
		cw = csv.NewWriter(w)
	}
	if opts.Comma != 0 {
		cw.Comma = opts.Comma
	}
	if r := cw.Comma; r == '"' || r == '\r' || r == '\n' || r == 0xFFFD {
		return nil, fmt.Errorf("invalid CSV delimiter %q", r)
	}
	return &CSVWriter{w: cw, out: w, crlf: crlf, bom: opts.BOM}, nil
}

// crlfBuffer gathers whole records from a csv.Writer flushed after each
// one and turns the "\n" that ends each into "\r\n".
type crlfBuffer struct {
	out io.Writer
	buf []byte
}

func (c *crlfBuffer) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	return len(p), nil
}

// endRecord ends the record in the buffer with "\r\n" and writes the
// buffer through once it is large.
func (c *crlfBuffer) endRecord() error {
	if n := len(c.buf); n > 0 && c.buf[n-1] == '\n' {
		c.buf = append(c.buf[:n-1], '\r', '\n')
	}
	if len(c.buf) >= 64<<10 {
		return c.flush()
	}
	return nil
}

func (c *crlfBuffer) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.out.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}

// WriteHeader writes the header row, neutralising formulas in the names.
func (w *CSVWriter) WriteHeader(names []string) error {
	if w.closed {
		return core.ErrWriterClosed
	}
	if w.header || w.rows > 0 {
		return core.ErrHeaderAfterRows
	}
	w.header = true
	w.rec = w.rec[:0]
	for _, n := range names {
		w.rec = append(w.rec, EscapeFormula(csvLineBreaks(n)))
	}
	return w.write(w.rec)
}

// WriteRow writes one row.
func (w *CSVWriter) WriteRow(cells []Cell) error {
	if w.closed {
		return core.ErrWriterClosed
	}
	w.rows++
	w.rec = w.rec[:0]
	// Render every cell into one buffer, then slice it, to allocate once.
	w.buf = w.buf[:0]
	w.ends = w.ends[:0]
	for _, c := range cells {
		if c.Kind == CellString {
			w.buf = append(w.buf, EscapeFormula(csvLineBreaks(c.S))...)
		} else {
			w.buf = c.AppendTo(w.buf)
		}
		w.ends = append(w.ends, len(w.buf))
	}
	all := string(w.buf)
	start := 0
	for _, e := range w.ends {
		w.rec = append(w.rec, all[start:e])
		start = e
	}
	return w.write(w.rec)
}

// csvLineBreaks returns s with every carriage return that comes right
// before a line feed dropped. A CSV reader reads the line ends inside a
// quoted field as line feeds, so this is the text any reader gets back;
// written so, it reads back exactly, and the formula guard is decided on
// the text that is read ("\r\n=x" would get an apostrophe its reading
// "\n=x" could not lose).
func csvLineBreaks(s string) string {
	for strings.Contains(s, "\r\n") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	return s
}

func (w *CSVWriter) write(rec []string) error {
	if w.bom {
		w.bom = false
		if _, err := io.WriteString(w.out, "\ufeff"); err != nil {
			return err
		}
	}
	if err := w.w.Write(rec); err != nil || w.crlf == nil {
		return err
	}
	w.w.Flush()
	if err := w.w.Error(); err != nil {
		return err
	}
	return w.crlf.endRecord()
}

// Close flushes buffered data. It does not close the underlying writer.
// An empty table with BOM set still gets its byte order mark.
func (w *CSVWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.bom {
		w.bom = false
		if _, err := io.WriteString(w.out, "\ufeff"); err != nil {
			return err
		}
	}
	w.w.Flush()
	if err := w.w.Error(); err != nil || w.crlf == nil {
		return err
	}
	return w.crlf.flush()
}
