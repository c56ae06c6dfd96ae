package workbook

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Recalculate computes the formula cells of sheet ("" is the first sheet,
// hidden or not, as mapping's reader picks it) listed in cells ("C2", as
// xlsx.FindUncachedFormulas reports them) and returns the workbook with
// their results stored as plain values: numbers as numbers (a date
// format applies to them as before), TRUE and FALSE as booleans, anything
// else as text. All cells are computed before any is written, so formulas
// that refer to each other or share one definition all see the formulas.
// A cell excelize cannot compute (a function it lacks, say) is an error
// that names it.
func Recalculate(data []byte, sheet string, cells []string) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if sheet == "" {
		sheet = f.GetSheetList()[0]
	} else {
		sheet = sheetNamed(f, sheet)
	}
	results := make([]string, len(cells))
	for i, ref := range cells {
		v, err := f.CalcCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			formula, _ := f.GetCellFormula(sheet, ref)
			return nil, fmt.Errorf("[%s] cell %s: cannot compute =%s: %v", sheet, ref, formula, err)
		}
		results[i] = v
	}
	for i, ref := range cells {
		if err := setResult(f, sheet, ref, results[i]); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// setResult stores a computed value with the type it reads as: a number
// written the way strconv writes it back (so "007" stays text), TRUE or
// FALSE, or text.
func setResult(f *excelize.File, sheet, ref, v string) error {
	switch v {
	case "TRUE", "FALSE":
		return f.SetCellBool(sheet, ref, v == "TRUE")
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && strconv.FormatFloat(n, 'f', -1, 64) == v {
		return f.SetCellFloat(sheet, ref, n, -1, 64)
	}
	return f.SetCellStr(sheet, ref, v)
}

// sheetNamed returns the sheet of f whose name matches name ignoring case
// (as mapping's reader selects it), or name.
func sheetNamed(f *excelize.File, name string) string {
	for _, s := range f.GetSheetList() {
		if strings.EqualFold(s, name) {
			return s
		}
	}
	return name
}
