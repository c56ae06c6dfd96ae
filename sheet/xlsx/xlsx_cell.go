package xlsx

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Excel's sheet size limits (and excelize's TotalRows and MaxColumns).
const (
	xlsxMaxRows    = 1048576
	xlsxMaxColumns = 16384
)

// errMaxRows is the error of a row number beyond xlsxMaxRows, worded as
// excelize's ErrMaxRows.
var errMaxRows = errors.New("row number exceeds maximum limit")

// errColumnNumber is the error of a column beyond xlsxMaxColumns, worded as
// excelize's ErrColumnNumber.
var errColumnNumber = fmt.Errorf("the column number must be greater than or equal to %d and less than or equal to %d", 1, xlsxMaxColumns)

// cellNameToCoordinates returns the 1-based column and row of a cell
// reference such as "B3" or "$B$3", with the results and error messages of
// excelize's CellNameToCoordinates (tested against it).
func cellNameToCoordinates(cell string) (int, int, error) {
	colName, row, err := splitCellName(cell)
	if err != nil {
		return -1, -1, fmt.Errorf("cannot convert cell %q to coordinates: %v", cell, err)
	}
	if row > xlsxMaxRows {
		return -1, -1, errMaxRows
	}
	col, err := columnNameToNumber(colName)
	return col, row, err
}

// splitCellName is excelize's SplitCellName.
func splitCellName(cell string) (string, int, error) {
	alpha := func(r rune) bool {
		return ('A' <= r && r <= 'Z') || ('a' <= r && r <= 'z') || r == '$'
	}
	if strings.IndexFunc(cell, alpha) == 0 {
		i := strings.LastIndexFunc(cell, alpha)
		if i >= 0 && i < len(cell)-1 {
			col, rowStr := strings.ReplaceAll(cell[:i+1], "$", ""), cell[i+1:]
			if row, err := strconv.Atoi(rowStr); err == nil && row > 0 {
				return col, row, nil
			}
		}
	}
	return "", -1, fmt.Errorf("invalid cell name %q", cell)
}

// columnNameToNumber is excelize's ColumnNameToNumber.
func columnNameToNumber(name string) (int, error) {
	if len(name) == 0 {
		return -1, fmt.Errorf("invalid column name %q", name)
	}
	col, multi := 0, 1
	for i := len(name) - 1; i >= 0; i-- {
		r := name[i]
		switch {
		case 'A' <= r && r <= 'Z':
			col += int(r-'A'+1) * multi
		case 'a' <= r && r <= 'z':
			col += int(r-'a'+1) * multi
		default:
			return -1, fmt.Errorf("invalid column name %q", name)
		}
		multi *= 26
	}
	if col > xlsxMaxColumns {
		return -1, errColumnNumber
	}
	return col, nil
}

// appendColumnName appends the letters of 1-based column col ("A", "Z",
// "AA", ...) to dst.
func appendColumnName(dst []byte, col int) []byte {
	var b [8]byte
	i := len(b)
	for col > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return append(dst, b[i:]...)
}
