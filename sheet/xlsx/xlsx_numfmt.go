package xlsx

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// fmtKind is what a cell's number format means for reading its raw value.
type fmtKind uint8

const (
	fmtGeneral  fmtKind = iota // keep the number
	fmtDate                    // serial → 2006-01-02
	fmtTime                    // serial → 15:04:05
	fmtDateTime                // serial → 2006-01-02T15:04:05 (date only at midnight)
	fmtZeroPad                 // integer padded with leading zeros to width
)

type numFmt struct {
	kind  fmtKind
	width int // for fmtZeroPad
}

// builtinDateFmts classifies Excel's built-in number format ids that show
// dates or times (ECMA-376 Part 1, 18.8.30, plus the CJK locale ids).
var builtinDateFmts = map[int]fmtKind{
	14: fmtDate, 15: fmtDate, 16: fmtDate, 17: fmtDate,
	18: fmtTime, 19: fmtTime, 20: fmtTime, 21: fmtTime,
	22: fmtDateTime,
	27: fmtDate, 28: fmtDate, 29: fmtDate, 30: fmtDate, 31: fmtDate,
	32: fmtTime, 33: fmtTime, 34: fmtTime, 35: fmtTime, 36: fmtDate,
	45: fmtTime, 46: fmtTime, 47: fmtTime,
	50: fmtDate, 51: fmtDate, 52: fmtDate, 53: fmtDate, 54: fmtDate,
	55: fmtDate, 56: fmtDate, 57: fmtDate, 58: fmtDate,
}

// classifyNumFmt classifies number format id with custom format code (empty
// for a built-in format without one).
func classifyNumFmt(id int, code string) numFmt {
	if code == "" {
		return numFmt{kind: builtinDateFmts[id]}
	}
	return classifyFormatCode(code)
}

// classifyFormatCode looks at the first section of a format code with quoted
// text, escaped characters, [bracketed] colours/locales/conditions and AM/PM
// markers removed: d or y (or a lone m) means a date, h or s (with m as
// minutes) a time; a code of only zeros ("00000") pads integers.
func classifyFormatCode(code string) numFmt {
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case inQuote:
			if c == '"' {
				inQuote = false
			}
			continue
		case c == '"':
			inQuote = true
			continue
		case c == '\\', c == '_', c == '*':
			i++ // skip the escaped / padding character
			continue
		case c == '[':
			end := strings.IndexByte(code[i:], ']')
			if end < 0 {
				i = len(code)
				continue
			}
			inner := strings.ToLower(code[i+1 : i+end])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				b.WriteString(inner) // elapsed time: [h], [mm], [ss]
			}
			i += end
			continue
		case c == ';':
			i = len(code) // first section only
			continue
		}
		b.WriteByte(c)
	}
	s := strings.ToLower(b.String())
	s = strings.ReplaceAll(s, "am/pm", "")
	s = strings.ReplaceAll(s, "a/p", "")
	s = strings.ReplaceAll(s, "general", "")
	if len(s) >= 2 && strings.Trim(s, "0") == "" {
		return numFmt{kind: fmtZeroPad, width: len(s)}
	}
	hasDate := strings.ContainsAny(s, "dy")
	hasTime := strings.ContainsAny(s, "hs")
	hasM := strings.IndexByte(s, 'm') >= 0
	switch {
	case hasDate && hasTime:
		return numFmt{kind: fmtDateTime}
	case hasDate || (hasM && !hasTime):
		return numFmt{kind: fmtDate}
	case hasTime:
		return numFmt{kind: fmtTime}
	}
	return numFmt{}
}

// maxSerial is 9999-12-31 in the 1900 date system.
const maxSerial = 2958465

// serialTime converts an Excel date serial to a time in UTC, rounded to the
// second. In the 1900 system serial 1 is 1900-01-01 and Excel's fictitious
// 1900-02-29 (serial 60) is read as 1900-02-28.
func serialTime(v float64, date1904 bool) (time.Time, bool) {
	if math.IsNaN(v) || v < 0 || v > maxSerial+1 {
		return time.Time{}, false
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	switch {
	case date1904:
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case v < 60:
		epoch = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	case v < 61:
		v = 59 + (v - 60) // the day that never was
		epoch = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	secs := int64(math.Round(v * 86400))
	// Whole days first: a time.Duration of the seconds would overflow
	// past 2192.
	return epoch.AddDate(0, 0, int(secs/86400)).Add(time.Duration(secs%86400) * time.Second), true
}

// formatSerial renders serial v under kind as an ISO 8601 string, or returns
// ok=false when v is not a usable serial.
func formatSerial(v float64, kind fmtKind, date1904 bool) (string, bool) {
	b, ok := appendSerial(nil, v, kind, date1904)
	return string(b), ok
}

// Days from 1970-01-01 to the epochs of serialTime.
const (
	days18991230 = -25569
	days18991231 = -25568
	days19040101 = -24107
)

// appendSerial is formatSerial appending to dst. It computes the civil
// date itself, which under wasm is several times cheaper than time.Date
// and AppendFormat, and leaves only years outside 1000-9999 to the time
// package.
func appendSerial(dst []byte, v float64, kind fmtKind, date1904 bool) ([]byte, bool) {
	if math.IsNaN(v) || v < 0 || v > maxSerial+1 {
		return dst, false
	}
	epoch, w := int64(days18991230), v
	switch {
	case date1904:
		epoch = days19040101
	case v < 60:
		epoch = days18991231
	case v < 61:
		w = 59 + (v - 60) // the day that never was
		epoch = days18991231
	}
	secs := int64(math.Round(w * 86400))
	day, sec := epoch+secs/86400, secs%86400
	y, m, d := civilDate(day)
	if y < 1000 || y > 9999 {
		return appendSerialTime(dst, v, kind, date1904)
	}
	switch {
	case kind == fmtDate:
		return appendDate(dst, y, m, d), true
	case kind == fmtTime && v < 1:
		return appendClock(dst, sec), true
	case sec == 0:
		return appendDate(dst, y, m, d), true
	}
	dst = appendDate(dst, y, m, d)
	dst = append(dst, 'T')
	return appendClock(dst, sec), true
}

// civilDate returns the proleptic Gregorian date of day, counted from
// 1970-01-01 (Howard Hinnant's civil_from_days).
func civilDate(day int64) (year, month, mday int) {
	z := day + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365]
	mp := (5*doy + 2) / 153                                // [0, 11], from March
	mday = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = int(yoe + era*400)
	if month <= 2 {
		year++
	}
	return year, month, mday
}

// appendDate appends 2006-01-02 for a year of four digits.
func appendDate(dst []byte, y, m, d int) []byte {
	return append(dst,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+d/10), byte('0'+d%10))
}

// appendClock appends 15:04:05 for sec seconds after midnight.
func appendClock(dst []byte, sec int64) []byte {
	h, m, s := sec/3600, sec/60%60, sec%60
	return append(dst,
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+m/10), byte('0'+m%10), ':',
		byte('0'+s/10), byte('0'+s%10))
}

// appendSerialTime is appendSerial through the time package.
func appendSerialTime(dst []byte, v float64, kind fmtKind, date1904 bool) ([]byte, bool) {
	t, ok := serialTime(v, date1904)
	if !ok {
		return dst, false
	}
	midnight := t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0
	switch {
	case kind == fmtDate:
		return t.AppendFormat(dst, time.DateOnly), true
	case kind == fmtTime && v < 1:
		return t.AppendFormat(dst, time.TimeOnly), true
	case midnight:
		return t.AppendFormat(dst, time.DateOnly), true
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05"), true
}

// formatNumber renders a raw numeric cell value the way a person reads it:
// never in exponent notation (a phone 441234567890 stays digits, not
// 4.41E+11) and rounded to Excel's 15 significant digits, so
// 0.30000000000000004 reads 0.3. Values that are already plain pass through.
func formatNumber(s string) string {
	if len(s) <= 16 && !strings.ContainsAny(s, "eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return s
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// formatCell converts a raw cell value of type t (the cell's t attribute)
// with number format nf to its text.
func formatCell(raw, t string, nf numFmt, date1904 bool) string {
	switch t {
	case "b":
		switch raw {
		case "1", "true", "TRUE":
			return "TRUE"
		case "0", "false", "FALSE":
			return "FALSE"
		}
		return raw
	case "d":
		return formatISODate(raw)
	case "s", "str", "inlineStr", "e":
		return raw
	}
	if raw == "" {
		return raw
	}
	switch nf.kind {
	case fmtDate, fmtTime, fmtDateTime:
		if v, err := strconv.ParseFloat(raw, 64); err == nil {
			if s, ok := formatSerial(v, nf.kind, date1904); ok {
				return s
			}
		}
	case fmtZeroPad:
		if v, err := strconv.ParseFloat(raw, 64); err == nil && v >= 0 && v == math.Trunc(v) && v < 1e15 {
			s := strconv.FormatInt(int64(v), 10)
			if len(s) < nf.width {
				s = strings.Repeat("0", nf.width-len(s)) + s
			}
			return s
		}
	}
	return formatNumber(raw)
}

// formatISODate normalises the ISO 8601 value of a t="d" cell.
func formatISODate(s string) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				return t.Format(time.DateOnly)
			}
			return t.Format("2006-01-02T15:04:05")
		}
	}
	return s
}
