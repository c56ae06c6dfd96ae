package mapping

import (
	"encoding/csv"
	"fmt"
	"io"
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
	// CRLF ends lines with "\r\n" instead of "\n".
	CRLF bool
}

// CSVWriter is a [TableWriter] for CSV. Text cells are passed through
// [EscapeFormula]; other cells are written in the form of [Cell.String]:
// ISO 8601 dates, RFC 3339 date-times, numbers without exponent,
// true/false. It buffers internally and writes through on each row's
// flush boundary; Close flushes what is left.
type CSVWriter struct {
	w      *csv.Writer
	out    io.Writer
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
	cw := csv.NewWriter(w)
	if opts.Comma != 0 {
		cw.Comma = opts.Comma
	}
	if r := cw.Comma; r == '"' || r == '\r' || r == '\n' || r == 0xFFFD {
		return nil, fmt.Errorf("invalid CSV delimiter %q", r)
	}
	cw.UseCRLF = opts.CRLF
	return &CSVWriter{w: cw, out: w, bom: opts.BOM}, nil
}

// WriteHeader writes the header row, neutralising formulas in the names.
func (w *CSVWriter) WriteHeader(names []string) error {
	if w.closed {
		return errWriterClosed
	}
	if w.header || w.rows > 0 {
		return errHeaderAfterRows
	}
	w.header = true
	w.rec = w.rec[:0]
	for _, n := range names {
		w.rec = append(w.rec, EscapeFormula(n))
	}
	return w.write(w.rec)
}

// WriteRow writes one row.
func (w *CSVWriter) WriteRow(cells []Cell) error {
	if w.closed {
		return errWriterClosed
	}
	w.rows++
	w.rec = w.rec[:0]
	// Render every cell into one buffer, then slice it, to allocate once.
	w.buf = w.buf[:0]
	w.ends = w.ends[:0]
	for _, c := range cells {
		if c.Kind == CellString {
			w.buf = append(w.buf, EscapeFormula(c.S)...)
		} else {
			w.buf = c.appendText(w.buf)
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

func (w *CSVWriter) write(rec []string) error {
	if w.bom {
		w.bom = false
		if _, err := io.WriteString(w.out, "\ufeff"); err != nil {
			return err
		}
	}
	return w.w.Write(rec)
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
	return w.w.Error()
}
