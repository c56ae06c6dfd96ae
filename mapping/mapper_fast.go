package mapping

import (
	"strconv"
	"strings"
	"time"
)

// Fast paths for the values most cells hold. Each one handles a subset of
// its inputs and, for those, returns what the general function returns
// (FuzzFastPaths checks it); anything else goes to the general function.

// collapsed reports whether CollapseSpace(s) is s for an ASCII s: no white
// space but single inner spaces.
func collapsed(s string) bool {
	prevSpace := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case c < 0x20 || c >= 0x7f:
			return false // control characters, white space, non-ASCII
		default:
			prevSpace = false
		}
	}
	return !prevSpace || s == ""
}

// boolWords are the ASCII words of ParseBool, lower-cased.
var boolWords = map[string]bool{
	"yes": true, "y": true, "true": true, "t": true, "1": true, "on": true, "x": true, "si": true, "oui": true,
	"ja": true, "j": true, "sim": true, "tak": true, "vrai": true, "wahr": true, "verdadero": true,
	"no": false, "n": false, "false": false, "f": false, "0": false, "off": false, "non": false, "nein": false,
	"nao": false, "nie": false, "faux": false, "falsch": false, "falso": false,
}

// parseBool is ParseBool.
func parseBool(s string) (bool, error) {
	if n := len(s); n > 0 && n <= 9 {
		var buf [9]byte
		ok := true
		for i := 0; i < n && ok; i++ {
			c := s[i]
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			default:
				ok = false
			}
			buf[i] = c
		}
		if ok {
			if v, found := boolWords[string(buf[:n])]; found {
				return v, nil
			}
		}
	}
	return ParseBool(s)
}

// plainDecimal reports whether s is digits with an optional leading "-"
// and an optional "." fraction, which normalizeNumber returns unchanged
// unless the fraction has three digits and f reads "." as grouping.
func plainDecimal(s string, f NumberFormat) bool {
	i := 0
	if strings.HasPrefix(s, "-") {
		i = 1
	}
	start := i
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i == start {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != '.' {
		return false
	}
	i++
	frac := i
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i == len(s) && i > frac && (i-frac != 3 || f == DecimalPoint)
}

// number is parseNumber.
func (m *Mapper) number(s string) (float64, error) {
	if plainDecimal(s, m.numfmt) {
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return v, nil
		}
	}
	return parseNumber(s, m.numfmt)
}

// integer is parseInt.
func (m *Mapper) integer(s string) (int64, error) {
	if plainDecimal(s, m.numfmt) && !strings.Contains(s, ".") {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return v, nil
		}
	}
	return parseInt(s, m.numfmt)
}

// date is m.dates.Parse. For a value CollapseSpace leaves alone, it tries
// first what Parse tries first: the ISO date for an ISO-looking value,
// else the first configured layout.
func (m *Mapper) date(s string) (time.Time, error) {
	p := m.dates
	if collapsed(s) && s != "" && !strings.Contains(s, " ") {
		if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
			if !strings.HasSuffix(s, "z") {
				if t, ok := isoDate.parse(s, p.loc); ok {
					return t, nil
				}
				if t, err := time.ParseInLocation("2006-01-02", s, p.loc); err == nil {
					return t, nil
				}
			}
		} else if len(p.layouts) > 0 {
			if t, ok := m.firstDate.parse(s, p.loc); ok {
				return t, nil
			}
			if t, err := time.ParseInLocation(p.layouts[0].variants[0], s, p.loc); err == nil {
				return t, nil
			}
		}
	}
	return p.Parse(s)
}

// day is the calendar day of t, as written (in t's own zone), as the
// midnight that starts it in the account's zone: how Kommo keeps a date or
// birthday value, whatever zone the file's dates are read in.
func (m *Mapper) day(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, m.acct)
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

// email is ParseEmail for an address that is already lower-case and plain:
// letters, digits and ._%+- before the @, and dot-separated labels of
// letters, digits and inner hyphens after it.
func email(s string) (string, error) {
	at := strings.IndexByte(s, '@')
	if at <= 0 || len(s) > 254 || s[0] == '.' || s[at-1] == '.' {
		return ParseEmail(s)
	}
	prev := byte(0)
	for i := 0; i < at; i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' && prev != '.' || c == '_' || c == '%' || c == '+' || c == '-') {
			return ParseEmail(s)
		}
		prev = c
	}
	labels, label := 0, 0 // labels seen, length of the current one
	prev = '.'
	for i := at + 1; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if label == 0 || prev == '-' {
				return ParseEmail(s)
			}
			labels++
			label = 0
			prev = '.'
			continue
		}
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' && prev != '.') {
			return ParseEmail(s)
		}
		label++
		prev = c
	}
	if labels < 2 {
		return ParseEmail(s)
	}
	return s, nil
}
