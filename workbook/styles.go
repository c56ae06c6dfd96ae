package workbook

import "github.com/xuri/excelize/v2"

// Number formats of the cells a workbook of this package writes.
const (
	fmtDate     = "yyyy-mm-dd"
	fmtDateTime = "yyyy-mm-dd hh:mm"
	fmtInt      = "0"
	fmtNumber   = "#,##0.00"
)

// Colours: the header fill, a required header's, a locked column's.
const (
	fillHeader   = "D9E1F2"
	fillRequired = "FCE4D6"
	fillLocked   = "E7E6E6"
)

// styles makes and keeps the styles of one workbook.
type styles struct {
	f     *excelize.File
	cache map[styleKey]int
}

type styleKey struct {
	header, required, locked bool
	numFmt                   string
	link                     bool
}

func newStyles(f *excelize.File) *styles { return &styles{f: f, cache: map[styleKey]int{}} }

func (s *styles) get(k styleKey) (int, error) {
	if id, ok := s.cache[k]; ok {
		return id, nil
	}
	st := &excelize.Style{Protection: &excelize.Protection{Locked: k.locked || k.header}}
	if k.numFmt != "" {
		f := k.numFmt
		st.CustomNumFmt = &f
	}
	switch {
	case k.header:
		fill := fillHeader
		if k.required {
			fill = fillRequired
		}
		st.Font = &excelize.Font{Bold: true}
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill}}
		st.Alignment = &excelize.Alignment{Vertical: "center"}
	case k.locked:
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fillLocked}}
		st.Font = &excelize.Font{Color: "595959"}
	}
	if k.link {
		st.Font = &excelize.Font{Color: "0563C1", Underline: "single"}
	}
	id, err := s.f.NewStyle(st)
	if err != nil {
		return 0, err
	}
	s.cache[k] = id
	return id, nil
}

// header is the style of a header cell.
func (s *styles) header(required bool) (int, error) {
	return s.get(styleKey{header: true, required: required})
}

// cell is the style of a cell of kind k: its number format, locked and
// greyed when the column is not to be edited, underlined as a link. Every
// cell gets a style of its own, unlocked unless locked is set: the default
// style is locked, which a protected sheet enforces.
func (s *styles) cell(k kind, locked, link bool) (int, error) {
	return s.get(styleKey{locked: locked, link: link, numFmt: numFmtOf(k)})
}

func numFmtOf(k kind) string {
	switch k {
	case kindNumber:
		return fmtNumber
	case kindInt:
		return fmtInt
	case kindDate:
		return fmtDate
	case kindDateTime:
		return fmtDateTime
	}
	return ""
}
