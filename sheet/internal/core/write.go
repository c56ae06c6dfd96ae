package core

import "errors"

// TableWriter writes a table row by row: an optional header, then rows.
// Implementations stream: memory use does not grow with the number of
// rows. A TableWriter is not safe for concurrent use.
//
// Close finishes the file (for XLSX it writes the whole workbook to the
// underlying writer) but never closes that writer; the caller owns it.
// Nothing may be written after Close.
type TableWriter interface {
	// WriteHeader writes the header row. It must come before any WriteRow
	// and may be called at most once.
	WriteHeader(names []string) error
	// WriteRow writes one row of typed cells.
	WriteRow(cells []Cell) error
	// Close flushes and finishes the output.
	Close() error
}

// ErrWriterClosed is returned by writes after Close.
var ErrWriterClosed = errors.New("write after close")

// ErrHeaderAfterRows is returned by WriteHeader after a row or a header.
var ErrHeaderAfterRows = errors.New("header must be written once, before any row")

// IsFormulaTrigger reports whether a cell starting with c may be taken for
// a formula (or a DDE command) by a spreadsheet.
func IsFormulaTrigger(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// IsPlainNumeric reports whether s is made only of an optional leading
// "+" or "-", digits, spaces, parentheses, dots, commas and hyphens, with
// at least one digit: a phone number ("+44 20 7946-0958") or a signed
// number ("-12.5"). Such a value has no letters, so it cannot name a
// function or a command and cannot do harm as a formula.
func IsPlainNumeric(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i = 1
	}
	digit := false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == ' ' || c == '(' || c == ')' || c == '-' || c == '.' || c == ',':
		default:
			return false
		}
	}
	return digit
}

// needsEscape reports whether s, after any number of leading apostrophes,
// starts with a formula trigger and is not plain numeric.
func needsEscape(s string) bool {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	return i < len(s) && IsFormulaTrigger(s[i]) && !IsPlainNumeric(s[i:])
}

// EscapeFormula neutralises spreadsheet formula injection in a text value
// that is going to a CSV or XLSX file. A value that starts with "=", "+",
// "-", "@", a tab or a carriage return is prefixed with an apostrophe, so
// a spreadsheet shows it as text instead of evaluating it ("=HYPERLINK(…)"
// becomes "'=HYPERLINK(…)").
//
// The rule has one exception so that phone numbers and signed numbers
// survive unchanged: a value made only of an optional leading "+" or "-",
// digits, spaces, parentheses, dots, commas and hyphens (at least one
// digit), such as "+442079460958", "+7 (999) 123-45-67" or "-12.5", is left
// as it is; with no letters it cannot call a function.
//
// So that [UnescapeFormula] can undo it exactly, a value that already
// starts with apostrophes followed by such a trigger ("'=1") gets one more
// apostrophe too. UnescapeFormula(EscapeFormula(s)) == s for every s.
func EscapeFormula(s string) string {
	if needsEscape(s) {
		return "'" + s
	}
	return s
}

// UnescapeFormula undoes [EscapeFormula]: it removes the leading apostrophe
// that EscapeFormula added, and only that one. The CSV reader calls it on
// every field, so a CSV file this package wrote reads back as written; a
// value like "'tis" or "'+44 20" is returned unchanged.
func UnescapeFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && needsEscape(s[1:]) {
		return s[1:]
	}
	return s
}
