package value

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidDate is wrapped by every error the date functions return.
var ErrInvalidDate error = &kindError{"invalid date", "date_invalid"}

// DateSerial says how a [DateParser] reads a value that is a plain number,
// such as "45321" or "1706659200", when no layout matched it.
type DateSerial int

const (
	// SerialNone rejects plain numbers. It is the zero value: a number is
	// never silently taken for a date.
	SerialNone DateSerial = iota
	// SerialExcel1900 reads Excel serial day numbers in the default 1900
	// date system, fraction = time of day. Day 1 is 1900-01-01 and, as in
	// Excel, day 60 is the non-existent 1900-02-29 (Lotus 1-2-3's leap-year
	// bug), so day 61 is 1900-03-01; day 60 itself is rejected.
	SerialExcel1900
	// SerialExcel1904 reads Excel serial day numbers in the 1904 date system
	// (old Mac workbooks): day 0 is 1904-01-01.
	SerialExcel1904
	// SerialUnix reads seconds since 1970-01-01 UTC, fraction allowed.
	SerialUnix
	// SerialUnixMilli reads milliseconds since 1970-01-01 UTC.
	SerialUnixMilli
)

// DateOptions configures a [DateParser]. The zero value accepts only ISO
// 8601 / RFC 3339 dates and date-times, in UTC.
type DateOptions struct {
	// Layouts are tried in order after ISO 8601, and the first one that
	// matches wins; this order is how an ambiguous "01/02/2024" is decided,
	// so list "dd/mm/yyyy" before "mm/dd/yyyy" for European files and the
	// other way round for American ones. A value no layout matches is an
	// error, never a guess.
	//
	// A layout is either a Go layout ("02.01.2006 15:04") or a user pattern
	// built from yyyy, yy, m, mm, mmm (Jan), mmmm (January), d, dd, H, HH,
	// h, hh, mm (minutes, after an hour), ss and AM/PM, as in "dd.mm.yyyy",
	// "mm/dd/yyyy", "yyyy-mm-dd HH:mm" or "d mmm yyyy". Single and double
	// letters both accept one or two digits. yy reads 69–99 as 19xx and
	// 00–68 as 20xx. A layout without a time also matches the same date
	// followed by " HH:mm" or " HH:mm:ss" (seconds may have a fraction).
	Layouts []string
	// Location is the time zone of values that do not carry an offset.
	// nil means UTC.
	Location *time.Location
	// Serial says how plain numbers are read; see [DateSerial].
	Serial DateSerial
}

// DateParser parses dates and date-times with a fixed configuration. It is
// immutable and safe for concurrent use. Build one with [NewDateParser].
type DateParser struct {
	layouts []dateLayout
	names   []string // the layouts as the user wrote them, for errors
	loc     *time.Location
	serial  DateSerial
	first   numDate // the first layout, when date_fast.go can read it
}

type dateLayout struct {
	variants []string // Go layouts: the layout itself, then with a time appended
}

// NewDateParser compiles opts into a DateParser. It fails on a user pattern
// with an unknown token.
func NewDateParser(opts DateOptions) (*DateParser, error) {
	p := &DateParser{loc: opts.Location, serial: opts.Serial}
	if p.loc == nil {
		p.loc = time.UTC
	}
	if opts.Serial < SerialNone || opts.Serial > SerialUnixMilli {
		return nil, fmt.Errorf("unknown date serial mode %d", opts.Serial)
	}
	for _, l := range opts.Layouts {
		goLayout, hasTime, err := compileDateLayout(l)
		if err != nil {
			return nil, err
		}
		dl := dateLayout{variants: []string{goLayout}}
		if !hasTime {
			dl.variants = append(dl.variants, goLayout+" 15:04", goLayout+" 15:04:05", goLayout+"T15:04:05", goLayout+"T15:04")
		}
		p.layouts = append(p.layouts, dl)
		p.names = append(p.names, l)
	}
	p.first = firstDateLayout(p)
	return p, nil
}

// ParseDate parses s with a DateParser built from opts. Build the parser
// once with [NewDateParser] when parsing many values.
func ParseDate(s string, opts DateOptions) (time.Time, error) {
	p, err := NewDateParser(opts)
	if err != nil {
		return time.Time{}, err
	}
	return p.Parse(s)
}

// Parse parses s as a date or date-time: ISO 8601 / RFC 3339 first (with
// "T" or a space between date and time, with or without an offset), then
// each configured layout in order, then, if the value is a plain number,
// the configured serial mode. Values without an offset are in the parser's
// Location. The result of a date-only value is midnight in that location.
func (p *DateParser) Parse(s string) (time.Time, error) {
	if t, ok := p.fast(s); ok {
		return t, nil
	}
	return p.parse(s)
}

// parse is Parse without its fast path.
func (p *DateParser) parse(s string) (time.Time, error) {
	in := s
	s = CollapseSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: empty", ErrInvalidDate)
	}
	var rangeErr error
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		iso := s
		if len(iso) > 10 && iso[10] == ' ' {
			iso = iso[:10] + "T" + iso[11:]
		}
		iso = strings.Replace(iso, " ", "", -1) // "…T10:00 +03:00"
		if strings.HasSuffix(iso, "z") {
			iso = iso[:len(iso)-1] + "Z"
		}
		// Go's parser accepts a fractional second after "05" even when
		// the layout has none.
		for _, l := range [...]string{
			"2006-01-02",
			"2006-01-02T15:04:05Z07:00",
			"2006-01-02T15:04:05Z0700",
			"2006-01-02T15:04:05Z07",
			"2006-01-02T15:04:05",
			"2006-01-02T15:04Z07:00",
			"2006-01-02T15:04",
		} {
			t, err := time.ParseInLocation(l, iso, p.loc)
			if err == nil {
				return t, nil
			}
			if rangeErr == nil && isRangeError(err) {
				rangeErr = err
			}
		}
	}
	for _, l := range p.layouts {
		for _, v := range l.variants {
			t, err := time.ParseInLocation(v, s, p.loc)
			if err == nil {
				return t, nil
			}
			if rangeErr == nil && isRangeError(err) {
				rangeErr = err
			}
		}
	}
	f, isNum := plainNumber(s)
	if isNum {
		switch p.serial {
		case SerialExcel1900, SerialExcel1904:
			return ExcelSerialToTime(f, p.serial == SerialExcel1904, p.loc)
		case SerialUnix:
			return unixToTime(f, 1, p.loc)
		case SerialUnixMilli:
			return unixToTime(f, 1000, p.loc)
		}
	}
	if rangeErr != nil {
		var pe *time.ParseError
		msg := rangeErr.Error()
		if errors.As(rangeErr, &pe) && pe.Message != "" {
			msg = strings.TrimPrefix(pe.Message, ": ")
		}
		return time.Time{}, fmt.Errorf("%w: %q: %s", ErrInvalidDate, in, msg)
	}
	if isNum {
		return time.Time{}, fmt.Errorf("%w: %q is a number; set the serial mode (Excel or Unix) to read numbers as dates", ErrInvalidDate, in)
	}
	if len(p.names) == 0 {
		return time.Time{}, fmt.Errorf("%w: %q is not ISO 8601 (yyyy-mm-dd); configure a layout such as dd.mm.yyyy or mm/dd/yyyy", ErrInvalidDate, in)
	}
	return time.Time{}, fmt.Errorf("%w: %q matches neither ISO 8601 nor %s", ErrInvalidDate, in, strings.Join(p.names, ", "))
}

func isRangeError(err error) bool {
	var pe *time.ParseError
	return errors.As(err, &pe) && strings.Contains(pe.Message, "out of range")
}

// plainNumber parses s as a decimal number with "." or a single ","
// as the decimal separator and no grouping.
func plainNumber(s string) (float64, bool) {
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' && i == 0) {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func unixToTime(f float64, perSecond float64, loc *time.Location) (time.Time, error) {
	sec := f / perSecond
	// Year 10000 is far beyond any plausible timestamp.
	if math.Abs(sec) > 253402300799 {
		return time.Time{}, fmt.Errorf("%w: Unix time %v is out of range", ErrInvalidDate, f)
	}
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(math.Round(frac*1e9))).In(loc), nil
}

// excelMaxSerial is 9999-12-31, the last day Excel can show, plus one.
const excelMaxSerial = 2958466

// ExcelSerialToTime converts an Excel serial date-time to a wall-clock time
// in loc (nil means UTC); the fraction is the time of day, rounded to the
// millisecond. With date1904 false it follows Excel's 1900 system,
// including the 1900 leap-year bug: serials 1–59 are 1900-01-01 to
// 1900-02-28, 60 (1900-02-29, which does not exist) is an error, and 61 is
// 1900-03-01. Serial 0 is 1899-12-31 (Excel's "1900-01-00"), so that
// time-only values (0.5 = 12:00) keep their time. With date1904 true,
// serial 0 is 1904-01-01. Negative, NaN and post-9999 values are errors.
func ExcelSerialToTime(serial float64, date1904 bool, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if math.IsNaN(serial) || serial < 0 || serial >= excelMaxSerial {
		return time.Time{}, fmt.Errorf("%w: Excel serial %v is out of range", ErrInvalidDate, serial)
	}
	days := math.Floor(serial)
	ms := int64(math.Round((serial - days) * 86400000))
	if ms >= 86400000 { // rounding carried into the next day
		days++
		ms -= 86400000
	}
	var y, d int
	var m time.Month
	switch {
	case date1904:
		y, m, d = time.Date(1904, 1, 1+int(days), 0, 0, 0, 0, time.UTC).Date()
	case days == 60:
		return time.Time{}, fmt.Errorf("%w: Excel serial 60 is 1900-02-29, a day that does not exist (Excel's 1900 leap-year bug)", ErrInvalidDate)
	case days > 60:
		y, m, d = time.Date(1899, 12, 30+int(days), 0, 0, 0, 0, time.UTC).Date()
	default:
		y, m, d = time.Date(1899, 12, 31+int(days), 0, 0, 0, 0, time.UTC).Date()
	}
	sec := ms / 1000
	return time.Date(y, m, d, int(sec/3600), int(sec/60%60), int(sec%60), int(ms%1000)*1e6, loc), nil
}

// TimeToExcelSerial converts the wall clock of t (in t's own location) to
// an Excel serial date-time, the inverse of [ExcelSerialToTime]. Dates
// before 1900-01-01 (1904-01-01 with date1904) or after 9999-12-31 cannot
// be represented in Excel and are an error, except 1899-12-31, which is
// serial 0 (Excel's "1900-01-00", used for times of day).
func TimeToExcelSerial(t time.Time, date1904 bool) (float64, error) {
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	daysSince := func(by int, bm time.Month, bd int) int64 {
		return (day.Unix() - time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Unix()) / 86400
	}
	var days int64
	switch {
	case date1904:
		if day.Year() < 1904 {
			return 0, fmt.Errorf("%w: %s is before 1904-01-01, the first day of Excel's 1904 system", ErrInvalidDate, day.Format(time.DateOnly))
		}
		days = daysSince(1904, 1, 1)
	case day.Before(time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)):
		return 0, fmt.Errorf("%w: %s is before 1900-01-01, the first day Excel can store", ErrInvalidDate, day.Format(time.DateOnly))
	case day.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)):
		days = daysSince(1899, 12, 31) // serial 0 is Excel's "1900-01-00"
	default:
		days = daysSince(1899, 12, 30)
	}
	if y > 9999 {
		return 0, fmt.Errorf("%w: %s is after 9999-12-31, the last day Excel can store", ErrInvalidDate, day.Format(time.DateOnly))
	}
	h, mi, s := t.Clock()
	ms := int64(h*3600+mi*60+s)*1000 + int64(t.Nanosecond()/1e6)
	return float64(days) + float64(ms)/86400000, nil
}

// compileDateLayout turns a user pattern ("dd.mm.yyyy HH:mm") into a Go
// layout and reports whether it has a time part. A string that contains
// no "yy" is taken to be a Go layout already.
func compileDateLayout(l string) (goLayout string, hasTime bool, err error) {
	if !strings.Contains(strings.ToLower(l), "yy") {
		if l == "" {
			return "", false, errors.New("empty date layout")
		}
		return l, strings.Contains(l, "15") || strings.Contains(l, "03") || strings.Contains(l, ":04"), nil
	}
	lower := strings.ToLower(l)
	twelve := strings.Contains(lower, "am/pm") || strings.Contains(lower, "tt")
	var b strings.Builder
	afterHour := false // the last field was an hour, so "mm" means minutes
	for i := 0; i < len(l); {
		c := l[i]
		j := i
		for j < len(l) && (l[j]|0x20) == (c|0x20) && isPatternLetter(c) {
			j++
		}
		if j == i && (c|0x20) >= 'a' && (c|0x20) <= 'z' && !strings.HasPrefix(lower[i:], "am/pm") {
			return "", false, fmt.Errorf("date layout %q: unknown field %q", l, string(c))
		}
		if j == i { // a literal
			if strings.HasPrefix(lower[i:], "am/pm") {
				b.WriteString("PM")
				i += 5
				continue
			}
			b.WriteByte(c)
			i++
			continue
		}
		tok := strings.ToLower(l[i:j])
		isMinute := tok[0] == 'm' && len(tok) <= 2 && (afterHour || strings.HasPrefix(strings.TrimLeft(lower[j:], ":."), "s"))
		switch {
		case tok == "yyyy":
			b.WriteString("2006")
		case tok == "yy":
			b.WriteString("06")
		case isMinute:
			b.WriteString("04")
			hasTime = true
		case tok == "m" || tok == "mm":
			b.WriteString("1")
		case tok == "mmm":
			b.WriteString("Jan")
		case tok == "mmmm":
			b.WriteString("January")
		case tok == "d" || tok == "dd":
			b.WriteString("2")
		case tok == "ddd":
			b.WriteString("Mon")
		case tok == "dddd":
			b.WriteString("Monday")
		case (tok == "h" || tok == "hh") && twelve && c == 'h':
			b.WriteString("3")
			hasTime = true
		case tok == "h" || tok == "hh":
			b.WriteString("15")
			hasTime = true
		case tok == "s" || tok == "ss":
			b.WriteString("05")
			hasTime = true
		case tok == "tt":
			b.WriteString("PM")
		case tok == "t":
			b.WriteString(l[i:j]) // the T of yyyy-mm-ddTHH:mm
		default:
			return "", false, fmt.Errorf("date layout %q: unknown field %q", l, l[i:j])
		}
		afterHour = tok[0] == 'h'
		i = j
	}
	return b.String(), hasTime, nil
}

func isPatternLetter(c byte) bool {
	switch c | 0x20 {
	case 'y', 'm', 'd', 'h', 's', 't':
		return true
	}
	return false
}
