package value

import (
	"strings"
	"time"
)

// fast reads the values most date cells hold without the general path:
// for a value CollapseSpace leaves alone, what Parse tries first, the ISO
// date for an ISO-looking value, else the first configured layout. It
// returns what Parse would (FuzzFastPaths checks it), or false.
func (p *DateParser) fast(s string) (time.Time, bool) {
	if !Collapsed(s) || s == "" || strings.Contains(s, " ") {
		return time.Time{}, false
	}
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		if !strings.HasSuffix(s, "z") {
			if t, ok := isoDate.parse(s, p.loc); ok {
				return t, true
			}
			if t, err := time.ParseInLocation("2006-01-02", s, p.loc); err == nil {
				return t, true
			}
		}
	} else if len(p.layouts) > 0 {
		if t, ok := p.first.parse(s, p.loc); ok {
			return t, true
		}
		if t, err := time.ParseInLocation(p.layouts[0].variants[0], s, p.loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// numDate is a Go date layout made of "2006", "01" and "02" once each and
// ASCII punctuation, which it parses without time.Parse: a value of the
// same length with the same punctuation and a valid date in the digits
// is what time.ParseInLocation reads as that date at midnight.
type numDate struct {
	layout    string
	y, mo, d  int // offsets of the year, month and day
	supported bool
}

var isoDate = newNumDate("2006-01-02")

// firstDateLayout returns the numDate of p's first layout.
func firstDateLayout(p *DateParser) numDate {
	if p == nil || len(p.layouts) == 0 {
		return numDate{}
	}
	return newNumDate(p.layouts[0].variants[0])
}

func newNumDate(layout string) numDate {
	nd := numDate{layout: layout, y: -1, mo: -1, d: -1}
	for i := 0; i < len(layout); {
		switch {
		case strings.HasPrefix(layout[i:], "2006") && nd.y < 0:
			nd.y, i = i, i+4
		case strings.HasPrefix(layout[i:], "01") && nd.mo < 0:
			nd.mo, i = i, i+2
		case strings.HasPrefix(layout[i:], "02") && nd.d < 0:
			nd.d, i = i, i+2
		case strings.IndexByte("/-. ", layout[i]) >= 0:
			i++
		default:
			return numDate{}
		}
	}
	nd.supported = nd.y >= 0 && nd.mo >= 0 && nd.d >= 0
	return nd
}

func (nd *numDate) parse(s string, loc *time.Location) (time.Time, bool) {
	if !nd.supported || len(s) != len(nd.layout) {
		return time.Time{}, false
	}
	num := func(at, n int) int {
		v := 0
		for i := at; i < at+n; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	for i := 0; i < len(s); i++ {
		if !(nd.y <= i && i < nd.y+4 || nd.mo <= i && i < nd.mo+2 || nd.d <= i && i < nd.d+2) && s[i] != nd.layout[i] {
			return time.Time{}, false
		}
	}
	y, mo, d := num(nd.y, 4), num(nd.mo, 2), num(nd.d, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
