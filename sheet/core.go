package sheet

import (
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"iter"
	"time"
)

// The types and errors every table shares, CSV and XLSX alike. They are
// declared in sheet/internal/core so that sheet/xlsx, which Open calls,
// can use them without importing sheet; here they are the same types.

type (
	// A Record is one data row of a tabular file; see core.Record.
	Record = core.Record
	// A Table streams the records of one sheet or CSV file.
	Table = core.Table
	// Limits bound the resources a reader spends on one file.
	Limits = core.Limits
	// A RowError is a problem with one cell or row of an input file, in
	// the terms the user sees: file, sheet, row, column.
	RowError = core.RowError
	// A Coder is an error with a stable code; see RowError.Code.
	Coder = core.Coder
	// A Reasoner is an error with a finer reason; see RowError.Reason.
	Reasoner = core.Reasoner
	// CellKind is the type of a Cell value.
	CellKind = core.CellKind
	// A Cell is one typed value for a TableWriter.
	Cell = core.Cell
	// A TableWriter writes a header and rows of typed cells.
	TableWriter = core.TableWriter
)

// Default limits; see Limits.
const (
	DefaultMaxCellSize          = core.DefaultMaxCellSize
	DefaultMaxColumns           = core.DefaultMaxColumns
	DefaultMaxLineLength        = core.DefaultMaxLineLength
	DefaultMaxUncompressedSize  = core.DefaultMaxUncompressedSize
	DefaultMaxEntrySize         = core.DefaultMaxEntrySize
	DefaultMaxCompressionRatio  = core.DefaultMaxCompressionRatio
	DefaultMaxSharedStrings     = core.DefaultMaxSharedStrings
	DefaultMaxSharedStringsSize = core.DefaultMaxSharedStringsSize
)

// Cell kinds.
const (
	CellEmpty    = core.CellEmpty
	CellString   = core.CellString
	CellNumber   = core.CellNumber
	CellInt      = core.CellInt
	CellDate     = core.CellDate
	CellDateTime = core.CellDateTime
	CellBool     = core.CellBool
)

// The readers' sentinel errors; see sheet/internal/core for each.
var (
	ErrCellTooLarge      = core.ErrCellTooLarge
	ErrLineTooLong       = core.ErrLineTooLong
	ErrTooManyColumns    = core.ErrTooManyColumns
	ErrTooLarge          = core.ErrTooLarge
	ErrUnsupportedFormat = core.ErrUnsupportedFormat
	ErrLegacyXLS         = core.ErrLegacyXLS
	ErrEncrypted         = core.ErrEncrypted
	ErrUnknownEncoding   = core.ErrUnknownEncoding
	ErrNoSheet           = core.ErrNoSheet
	ErrNULByte           = core.ErrNULByte
)

// EmptyCell, StringCell, ... make cells of each kind.
func EmptyCell() Cell               { return core.EmptyCell() }
func StringCell(s string) Cell      { return core.StringCell(s) }
func NumberCell(f float64) Cell     { return core.NumberCell(f) }
func IntCell(i int64) Cell          { return core.IntCell(i) }
func DateCell(t time.Time) Cell     { return core.DateCell(t) }
func DateTimeCell(t time.Time) Cell { return core.DateTimeCell(t) }
func BoolCell(b bool) Cell          { return core.BoolCell(b) }

// ColumnLetter returns the spreadsheet name of the 0-based column index
// i: 0 → "A", 25 → "Z", 26 → "AA".
func ColumnLetter(i int) string { return core.ColumnLetter(i) }

// UniqueHeaders turns raw header cells into unique column names: blank
// ones get their column letter, repeated ones " (2)", " (3)", ...
func UniqueHeaders(raw []string) []string { return core.UniqueHeaders(raw) }

// Truncate shortens a cell value for inclusion in an error or warning.
func Truncate(v string) string { return core.Truncate(v) }

// ReasonOf is the reason of the outermost Reasoner in err's chain, or "".
func ReasonOf(err error) string { return core.ReasonOf(err) }

// NewCoded returns a sentinel error with a message and a stable code,
// which RowError.Code reports.
func NewCoded(msg, code string) error { return core.NewCoded(msg, code) }

// EscapeFormula guards a text cell that a spreadsheet would run as a
// formula; UnescapeFormula undoes it.
func EscapeFormula(s string) string { return core.EscapeFormula(s) }

// UnescapeFormula removes the guard EscapeFormula adds.
func UnescapeFormula(s string) string { return core.UnescapeFormula(s) }

// Records iterates over a table's records: every record, then, after a
// file error or a limit (which the reader cannot go past), that error once
// and no more. Every caller reads tables through it.
func Records(t Table) iter.Seq2[Record, error] { return core.Records(t) }

// EndsTable reports whether err, from Records or Next, ends the table.
func EndsTable(err error) bool { return core.EndsTable(err) }

// IsLimit reports whether err is a resource-limit error (a cell, line or
// row over its limit), after which a reader is done.
func IsLimit(err error) bool { return core.IsLimit(err) }

// Sample reads up to n records of t, for proposals and previews.
func Sample(t Table, n int) ([][]string, error) { return core.Sample(t, n) }
