package mapping

import (
	"github.com/kommo-bulk/kommo-bulk/value"
	"strconv"
	"strings"
	"time"
)

// Fast paths for the values most cells hold. Each one handles a subset of
// its inputs and, for those, returns what the general function returns
// (FuzzFastPaths checks it); anything else goes to the general function.

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
	return value.ParseBool(s)
}

// plainDecimal reports whether s is digits with an optional leading "-"
// and an optional "." fraction, which normalizeNumber returns unchanged
// unless the fraction has three digits and f reads "." as grouping.
func plainDecimal(s string, f value.NumberFormat) bool {
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
	return i == len(s) && i > frac && (i-frac != 3 || f == value.DecimalPoint)
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

// date is m.dates.Parse (whose fast path is value.DateParser's).
func (m *Mapper) date(s string) (time.Time, error) { return m.dates.Parse(s) }

// day is the calendar day of t, as written (in t's own zone), as the
// midnight that starts it in the account's zone: how Kommo keeps a date or
// birthday value, whatever zone the file's dates are read in.
func (m *Mapper) day(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, m.acct)
}

// email is ParseEmail for an address that is already lower-case and plain:
// letters, digits and ._%+- before the @, and dot-separated labels of
// letters, digits and inner hyphens after it.
func email(s string) (string, error) {
	at := strings.IndexByte(s, '@')
	if at <= 0 || len(s) > 254 || s[0] == '.' || s[at-1] == '.' {
		return value.ParseEmail(s)
	}
	prev := byte(0)
	for i := 0; i < at; i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' && prev != '.' || c == '_' || c == '%' || c == '+' || c == '-') {
			return value.ParseEmail(s)
		}
		prev = c
	}
	labels, label := 0, 0 // labels seen, length of the current one
	prev = '.'
	for i := at + 1; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if label == 0 || prev == '-' {
				return value.ParseEmail(s)
			}
			labels++
			label = 0
			prev = '.'
			continue
		}
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' && prev != '.') {
			return value.ParseEmail(s)
		}
		label++
		prev = c
	}
	if labels < 2 {
		return value.ParseEmail(s)
	}
	return s, nil
}
