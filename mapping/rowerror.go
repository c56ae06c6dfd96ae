package mapping

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors for input that exceeds a reader's resource limits or is not
// a supported file. They are wrapped in a *RowError (or returned with the file
// name prepended) and can be tested with errors.Is.
var (
	// ErrCellTooLarge reports a CSV field or XLSX cell longer than the
	// configured MaxCellSize.
	ErrCellTooLarge = errors.New("cell exceeds size limit")
	// ErrLineTooLong reports a CSV record (one line, or several lines joined
	// by a quoted newline) longer than MaxLineLength.
	ErrLineTooLong = errors.New("line exceeds length limit")
	// ErrTooManyColumns reports a row with more cells than MaxColumns.
	ErrTooManyColumns = errors.New("row has too many columns")
	// ErrTooLarge reports a workbook whose zip entries would uncompress to
	// more than the configured limits, or compress suspiciously well (a zip
	// bomb).
	ErrTooLarge = errors.New("file uncompresses beyond size limit")
	// ErrUnsupportedFormat reports a file that is neither CSV nor XLSX, such as
	// a legacy binary .xls or an encrypted workbook.
	ErrUnsupportedFormat = errors.New("unsupported file format")
	// ErrLegacyXLS reports a legacy binary Excel 97-2003 workbook (.xls);
	// it wraps ErrUnsupportedFormat.
	ErrLegacyXLS = fmt.Errorf("%w: a legacy Excel 97-2003 workbook (.xls)", ErrUnsupportedFormat)
	// ErrEncrypted reports a password-protected (encrypted) workbook; it
	// wraps ErrUnsupportedFormat. The native command line decrypts such
	// a file with its password first (kommo-bulk import --password).
	ErrEncrypted = fmt.Errorf("%w: a password-protected workbook", ErrUnsupportedFormat)
	// ErrUnknownEncoding reports an Encoding option that names no supported
	// character set.
	ErrUnknownEncoding = errors.New("unknown text encoding")
	// ErrNoSheet reports a workbook without the requested (or any) sheet.
	ErrNoSheet = errors.New("sheet not found")
	// ErrNULByte reports a CSV cell holding a NUL character, which no text
	// value has: the row is refused (the reader goes on with the next).
	// Every row failing so means the file is not the text it seems, such
	// as UTF-16 without a byte-order mark or a binary file.
	ErrNULByte = errors.New("NUL character in the cell (is the file UTF-16 without a byte-order mark, or not text?)")
)

// A RowError records a problem with one cell or row of an input file, in the
// terms the user sees when opening the file: the 1-based row (CSV line or
// spreadsheet row number) and the column header.
//
// Bad rows are reported, not fatal: a reader that returns a *RowError from
// Next may be called again to continue with the following row, unless Err is
// one of the resource-limit sentinels, after which the reader is done.
type RowError struct {
	File   string // file name as given to Open; may be empty
	Sheet  string // worksheet name; empty for CSV
	Row    int    // 1-based row (XLSX) or line (CSV) where the record starts; 0 if unknown
	Column string // header name, or column letter when the column has no header
	Field  string // target field of a mapping, when the error is about one
	Value  string // offending value, possibly truncated
	Err    error  // the underlying reason
}

// Error reads like `contacts.csv: row 12, column "Phone": invalid phone`,
// with the sheet after the file name when one is set.
func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Sheet != "" {
		if e.File != "" {
			b.WriteByte(' ')
		}
		b.WriteString("[" + e.Sheet + "]")
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	var pos []string
	if e.Row > 0 {
		pos = append(pos, "row "+strconv.Itoa(e.Row))
	}
	if e.Column != "" {
		pos = append(pos, "column "+strconv.Quote(e.Column))
	}
	if e.Field != "" {
		pos = append(pos, "field "+strconv.Quote(e.Field))
	}
	if len(pos) > 0 {
		b.WriteString(strings.Join(pos, ", "))
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid value")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *RowError) Unwrap() error { return e.Err }
