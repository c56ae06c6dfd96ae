package core

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

// A Coder is an error with a stable name for programs, summaries and
// message catalogs ("phone_invalid", "name_unknown", ...). The packages
// that parse and resolve values give their errors one; RowError.Code
// finds the outermost in its chain.
type Coder interface {
	error
	Code() string
}

// A Reasoner is an error with a finer reason than its code: a value
// error's ("too_short", "leading_dot") or the kind of an unknown name
// ("stage", "user").
type Reasoner interface {
	error
	ReasonCode() string
}

// Code returns a stable name of the error's cause, for programs and
// summaries: the code of the outermost Coder in Err's chain
// ("phone_invalid", "email_invalid", "number_invalid", "date_invalid",
// "bool_invalid", "value_required", "name_unknown", "name_ambiguous",
// "match_key_invalid", ...), "cell_too_large", "line_too_long" or
// "too_many_columns" for a reader's limits, or "invalid" for any other.
func (e *RowError) Code() string {
	var c Coder
	switch {
	case errors.As(e.Err, &c):
		return c.Code()
	case errors.Is(e.Err, ErrCellTooLarge):
		return "cell_too_large"
	case errors.Is(e.Err, ErrLineTooLong):
		return "line_too_long"
	case errors.Is(e.Err, ErrTooManyColumns):
		return "too_many_columns"
	}
	return "invalid"
}

// Reason returns the reason of the outermost Reasoner in the error's
// chain (a value error's "too_short", "leading_dot", ...; the kind of an
// unknown name, "stage", "user", ...), or "".
func (e *RowError) Reason() string { return ReasonOf(e.Err) }

// ReasonOf is the reason of RowError.Reason, for any error.
func ReasonOf(err error) string {
	var r Reasoner
	if errors.As(err, &r) {
		return r.ReasonCode()
	}
	return ""
}

// CodedError is a sentinel error with a code, for errors.Is and Code.
type CodedError struct {
	Msg, Name string
}

// NewCoded returns a sentinel error with message msg and code name.
func NewCoded(msg, name string) error { return &CodedError{Msg: msg, Name: name} }

func (e *CodedError) Error() string { return e.Msg }

// Code returns the sentinel's code.
func (e *CodedError) Code() string { return e.Name }
