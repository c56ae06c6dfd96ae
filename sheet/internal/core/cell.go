package core

import (
	"strconv"
	"time"
)

// CellKind is the type of a [Cell] value.
type CellKind uint8

const (
	// CellEmpty is an empty cell. It is the zero value.
	CellEmpty CellKind = iota
	// CellString is text, in Cell.S.
	CellString
	// CellNumber is a floating-point number, in Cell.N.
	CellNumber
	// CellInt is an integer such as an entity id, in Cell.I; writers never
	// show it with an exponent.
	CellInt
	// CellDate is a calendar date, the date of Cell.T.
	CellDate
	// CellDateTime is a date and time of day, the wall clock of Cell.T in
	// its own location.
	CellDateTime
	// CellBool is a boolean, in Cell.B.
	CellBool
)

// String returns the name of the kind: "empty", "string", "number", "int",
// "date", "datetime" or "bool".
func (k CellKind) String() string {
	switch k {
	case CellEmpty:
		return "empty"
	case CellString:
		return "string"
	case CellNumber:
		return "number"
	case CellInt:
		return "int"
	case CellDate:
		return "date"
	case CellDateTime:
		return "datetime"
	case CellBool:
		return "bool"
	}
	return "CellKind(" + strconv.Itoa(int(k)) + ")"
}

// Cell is one typed value for a [TableWriter]. Only the field that matches
// Kind is meaningful. The zero Cell is empty. Build cells with the
// constructors ([StringCell], [NumberCell], ...) rather than by hand.
type Cell struct {
	Kind CellKind  // which of the fields below holds the value
	S    string    // text, for CellString
	N    float64   // number, for CellNumber
	I    int64     // integer, for CellInt
	T    time.Time // date or date-time, for CellDate and CellDateTime
	B    bool      // boolean, for CellBool
}

// EmptyCell returns an empty cell.
func EmptyCell() Cell { return Cell{} }

// StringCell returns a text cell.
func StringCell(s string) Cell { return Cell{Kind: CellString, S: s} }

// NumberCell returns a number cell.
func NumberCell(f float64) Cell { return Cell{Kind: CellNumber, N: f} }

// IntCell returns an integer cell, for ids, counts and prices in whole
// units.
func IntCell(i int64) Cell { return Cell{Kind: CellInt, I: i} }

// DateCell returns a date cell; the time of day of t is ignored.
func DateCell(t time.Time) Cell { return Cell{Kind: CellDate, T: t} }

// DateTimeCell returns a date-time cell. Writers write the wall clock of t
// in t's location, so convert t with In first to choose the zone.
func DateTimeCell(t time.Time) Cell { return Cell{Kind: CellDateTime, T: t} }

// BoolCell returns a boolean cell.
func BoolCell(b bool) Cell { return Cell{Kind: CellBool, B: b} }

// String returns the text form of c as the CSV writer writes it (before
// formula neutralisation): numbers in the shortest form that reads back
// exactly and never with an exponent, dates as ISO 8601 "2006-01-02",
// date-times as RFC 3339 with the offset of their location, booleans as
// "true" or "false", and empty cells as "".
func (c Cell) String() string {
	return string(c.AppendTo(nil))
}

// AppendTo appends the text form of c (String) to b.
func (c Cell) AppendTo(b []byte) []byte {
	switch c.Kind {
	case CellString:
		return append(b, c.S...)
	case CellNumber:
		return strconv.AppendFloat(b, c.N, 'f', -1, 64)
	case CellInt:
		return strconv.AppendInt(b, c.I, 10)
	case CellDate:
		return c.T.AppendFormat(b, time.DateOnly)
	case CellDateTime:
		return c.T.AppendFormat(b, time.RFC3339Nano)
	case CellBool:
		return strconv.AppendBool(b, c.B)
	}
	return b
}
