package core

import (
	"strconv"
	"strings"
)

// A Record is one data row of a tabular file.
type Record struct {
	// Row is the 1-based physical row (XLSX) or line (CSV) where the record
	// starts, as the user sees it in a spreadsheet program or text editor.
	Row int
	// Values holds the cells of the row, one per header column: a short row
	// is padded with "" to len(Header()), and cells beyond the header are
	// kept. Each call to Next returns a new slice.
	Values []string
}

// A Table streams the records of one sheet or CSV file. Header is known as
// soon as the table is opened. Next returns io.EOF after the last record;
// empty rows are skipped. A *RowError from Next describes one bad row: the
// caller may report it and call Next again, unless it is a resource limit
// (see IsLimit), after which the table is done and Next may return the
// same error forever. Records is the loop over a table's records that
// knows when to stop. Close releases the table's resources; a Table is not
// safe for concurrent use.
type Table interface {
	Header() []string
	Next() (Record, error)
	Close() error
}

// Limits bound the resources a reader spends on one file, so that a hostile or
// broken file produces a clear error instead of exhausting memory. A zero
// field selects the default shown; a negative one disables that check.
type Limits struct {
	// MaxCellSize is the largest CSV field or XLSX cell, in bytes
	// (default 1 MiB).
	MaxCellSize int
	// MaxColumns is the largest number of cells in a row (default 16384,
	// Excel's own limit).
	MaxColumns int
	// MaxLineLength is the largest CSV record in bytes, counting all lines of
	// a record with quoted newlines (default 16 MiB). Unused for XLSX.
	MaxLineLength int
	// MaxUncompressedSize is the largest total uncompressed size of an XLSX
	// package (default 1 GiB). Unused for CSV.
	MaxUncompressedSize int64
	// MaxEntrySize is the largest uncompressed size of one zip entry of an
	// XLSX package (default 512 MiB). Unused for CSV.
	MaxEntrySize int64
	// MaxCompressionRatio is the largest uncompressed/compressed ratio
	// allowed for an XLSX zip entry larger than 1 MiB (default 1000).
	MaxCompressionRatio int
	// MaxSharedStrings is the largest number of strings in the shared
	// string table of an XLSX workbook, the one part held in memory whole
	// (default 16,777,216; 4 bytes each). Unused for CSV.
	MaxSharedStrings int
	// MaxSharedStringsSize is the largest total text of the shared string
	// table, in bytes once decoded (default 256 MiB): a small part can
	// decode to far more. Unused for CSV.
	MaxSharedStringsSize int
}

// Default limits; see Limits.
const (
	DefaultMaxCellSize          = 1 << 20
	DefaultMaxColumns           = 16384
	DefaultMaxLineLength        = 16 << 20
	DefaultMaxUncompressedSize  = 1 << 30
	DefaultMaxEntrySize         = 512 << 20
	DefaultMaxCompressionRatio  = 1000
	DefaultMaxSharedStrings     = 16 << 20
	DefaultMaxSharedStringsSize = 256 << 20
)

// WithDefaults returns l with zero fields set to their defaults and negative
// fields set to "unlimited".
func (l Limits) WithDefaults() Limits {
	pick := func(v, def int) int {
		switch {
		case v == 0:
			return def
		case v < 0:
			return int(^uint(0) >> 1)
		}
		return v
	}
	pick64 := func(v, def int64) int64 {
		switch {
		case v == 0:
			return def
		case v < 0:
			return 1<<63 - 1
		}
		return v
	}
	l.MaxCellSize = pick(l.MaxCellSize, DefaultMaxCellSize)
	l.MaxColumns = pick(l.MaxColumns, DefaultMaxColumns)
	l.MaxLineLength = pick(l.MaxLineLength, DefaultMaxLineLength)
	l.MaxCompressionRatio = pick(l.MaxCompressionRatio, DefaultMaxCompressionRatio)
	l.MaxSharedStrings = pick(l.MaxSharedStrings, DefaultMaxSharedStrings)
	l.MaxSharedStringsSize = pick(l.MaxSharedStringsSize, DefaultMaxSharedStringsSize)
	l.MaxUncompressedSize = pick64(l.MaxUncompressedSize, DefaultMaxUncompressedSize)
	l.MaxEntrySize = pick64(l.MaxEntrySize, DefaultMaxEntrySize)
	return l
}

// ColumnLetter returns the spreadsheet name of the 0-based column index i:
// "A" for 0, "Z" for 25, "AA" for 26.
func ColumnLetter(i int) string {
	if i < 0 {
		return ""
	}
	var buf [8]byte
	p := len(buf)
	for i++; i > 0; i = (i - 1) / 26 {
		p--
		buf[p] = byte('A' + (i-1)%26)
	}
	return string(buf[p:])
}

// UniqueHeaders turns raw header cells into unique column names. Names are
// trimmed of surrounding space; an empty name becomes the column's letter
// ("C"); the second and later occurrences of a name (compared
// case-insensitively) get " (2)", " (3)", ... appended, skipping suffixes that
// are already taken: "Phone", "Phone", "phone" → "Phone", "Phone (2)",
// "phone (3)".
func UniqueHeaders(raw []string) []string {
	out := make([]string, len(raw))
	seen := make(map[string]int, len(raw))
	for i, h := range raw {
		h = strings.TrimSpace(h)
		if h == "" {
			h = ColumnLetter(i)
		}
		out[i] = h
	}
	// First pass reserves every original name so a later "Phone (2)"
	// column keeps its name and the generated one moves on.
	taken := make(map[string]bool, len(raw))
	for _, h := range out {
		taken[strings.ToLower(h)] = true
	}
	used := make(map[string]bool, len(raw))
	for i, h := range out {
		key := strings.ToLower(h)
		if !used[key] {
			used[key] = true
			seen[key] = 1
			continue
		}
		n := seen[key]
		for {
			n++
			cand := h + " (" + strconv.Itoa(n) + ")"
			ck := strings.ToLower(cand)
			if !used[ck] && !taken[ck] {
				seen[key] = n
				used[ck] = true
				out[i] = cand
				break
			}
		}
	}
	return out
}

// Blank reports whether every value is empty or white space.
func Blank(values []string) bool {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// Pad returns values extended with "" to at least n entries.
func Pad(values []string, n int) []string {
	for len(values) < n {
		values = append(values, "")
	}
	return values
}

// ColumnName names the 0-based column i for errors: its header, or its letter.
func ColumnName(header []string, i int) string {
	if i < len(header) && header[i] != "" {
		return header[i]
	}
	return ColumnLetter(i)
}

// Truncate shortens v for inclusion in an error.
func Truncate(v string) string {
	const max = 64
	if len(v) <= max {
		return v
	}
	cut := max
	for cut > 0 && v[cut]&0xC0 == 0x80 { // don't split a UTF-8 sequence
		cut--
	}
	return v[:cut] + "…"
}
