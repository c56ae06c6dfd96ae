package xlsx

import (
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet/internal/core"
	"io"
	"strconv"
	"strings"
)

// UncachedFormulas counts the formula cells of a worksheet that hold no
// cached value: files written by scripts and libraries often store the
// formula alone, leaving its result to the spreadsheet program that opens
// them. The reader reads such a cell as "" (it computes nothing); opening
// the file in Excel or LibreOffice and saving it stores the values.
type UncachedFormulas struct {
	// Count is the number of such cells.
	Count int
	// Cells are the references of the first of them ("B2"), in reading
	// order, at most MaxCells.
	Cells []string
	// MaxCells bounds Cells: 0 keeps the first 10, a negative value keeps
	// them all.
	MaxCells int
}

func (u *UncachedFormulas) add(col, row int) {
	u.Count++
	max := u.MaxCells
	if max == 0 {
		max = 10
	}
	if max < 0 || len(u.Cells) < max {
		u.Cells = append(u.Cells, core.ColumnLetter(col)+strconv.Itoa(row))
	}
}

// Message tells a person which cells have no value and what to do, or ""
// when there are none: `12 formula cells have no saved value (B2, B3,
// ...): open the file in Excel or LibreOffice and save it, then use the
// saved file`.
func (u UncachedFormulas) Message() string {
	if u.Count == 0 {
		return ""
	}
	cells := strings.Join(u.Cells, ", ")
	if u.Count > len(u.Cells) {
		cells += ", ..."
	}
	what := "formula cells have"
	if u.Count == 1 {
		what = "formula cell has"
	}
	return fmt.Sprintf("%d %s no saved value (%s) and would read as empty: open the file in Excel or LibreOffice and save it, then use the saved file", u.Count, what, cells)
}

// UncachedFormulas reports the formula cells without a cached value read
// so far (the header's included); after the last row, all of the sheet's.
func (x *Reader) UncachedFormulas() UncachedFormulas {
	if x.rows == nil {
		return x.uncached
	}
	return x.rows.uncached
}

// FindUncachedFormulas reads the sheet of the workbook that opts select to
// its end and reports its formula cells without a cached value, keeping
// the references of up to maxCells of them (negative: all). It is one
// streaming pass of the reader, cheap next to an import.
func FindUncachedFormulas(r io.ReaderAt, size int64, opts Options, maxCells int) (UncachedFormulas, error) {
	opts.NoHeader = true // every row counts, the header's too
	x, err := openXLSX(r, size, opts, maxCells)
	if err != nil {
		return UncachedFormulas{}, err
	}
	defer x.Close()
	for {
		_, err := x.Next()
		if err == io.EOF {
			return x.UncachedFormulas(), nil
		}
		if err != nil {
			return x.UncachedFormulas(), err
		}
	}
}
