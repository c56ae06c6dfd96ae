package value

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NumberFormat says which character is the decimal separator when a value
// alone cannot tell: "1,234" is 1234 with DecimalPoint and 1.234 with
// DecimalComma. Values that can be read only one way ("1.234,56",
// "1,5", "1 234,5") are read that way whatever the format.
type NumberFormat int

const (
	// DecimalPoint is "1,234.56" (English, Chinese, Japanese, Swiss). It is
	// the zero value.
	DecimalPoint NumberFormat = iota
	// DecimalComma is "1.234,56" or "1 234,56" (German, Russian, French,
	// Spanish, Italian, Portuguese, Polish and most of Europe and Latin
	// America).
	DecimalComma
)

// String returns "point" or "comma".
func (f NumberFormat) String() string {
	if f == DecimalComma {
		return "comma"
	}
	return "point"
}

// NumberFormatFor returns the NumberFormat of a BCP 47 locale such as "en",
// "de-DE", "ru_RU" or "de-CH". Unknown locales get DecimalPoint.
func NumberFormatFor(locale string) NumberFormat {
	l := strings.ToLower(strings.ReplaceAll(locale, "_", "-"))
	lang, region, _ := strings.Cut(l, "-")
	if region == "ch" || region == "li" || region == "mx" || region == "pe" ||
		region == "gt" || region == "do" || region == "pr" {
		return DecimalPoint
	}
	switch lang {
	case "de", "ru", "uk", "be", "kk", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk",
		"sl", "hr", "sr", "bs", "bg", "ro", "hu", "sv", "fi", "da", "nb", "nn", "no",
		"is", "et", "lv", "lt", "tr", "el", "id", "vi", "az", "uz", "ka", "hy", "ca",
		"gl", "eu", "sq", "mk":
		return DecimalComma
	}
	return DecimalPoint
}

// ErrInvalidNumber is wrapped by every error [ParseNumber], [ParseInt] and
// [ParseIntRound] return.
var ErrInvalidNumber error = &kindError{"invalid number", "number_invalid"}

// ParseNumber parses a number written the way people and spreadsheets write
// it. It accepts:
//   - group separators ",", ".", "'", "’", and spaces including no-break
//     (U+00A0), narrow no-break (U+202F) and thin (U+2009) spaces, as in
//     "1 234,56", "1.234,56", "1,234.56", "1'234.56"; groups after the
//     first must have three digits;
//   - a currency symbol ($, €, £, ₽ and any other Unicode currency sign), an
//     ISO 4217 code ("USD", "rub") or a common abbreviation ("руб.", "р.",
//     "zł", "kr") before or after the number;
//   - a sign ("-", "+", "−") before or after the number, or accounting
//     parentheses for negatives: "(1,234.50)" is -1234.5;
//   - scientific notation without group separators ("4.41E+11").
//
// When the value has both "." and ",", the last one is the decimal
// separator. A single separator followed by exactly three digits
// ("1,234", "1.234") is ambiguous and f decides; any other single
// separator is the decimal one. ParseNumber never returns NaN or ±Inf.
func ParseNumber(s string, f NumberFormat) (float64, error) {
	num, err := normalizeNumber(s, f)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%w: %q is out of range", ErrInvalidNumber, s)
		}
		return 0, fmt.Errorf("%w: %q", ErrInvalidNumber, s)
	}
	return v, nil
}

// ParseInt parses s like [ParseNumber] and returns it as an integer,
// rejecting values with a fractional part ("12.50" is an error, "12.00" is
// 12) and values outside the int64 range. Use it for prices and quantities
// that must be whole; use [ParseIntRound] to round instead.
func ParseInt(s string, f NumberFormat) (int64, error) {
	num, err := normalizeNumber(s, f)
	if err != nil {
		return 0, err
	}
	if i, err := strconv.ParseInt(num, 10, 64); err == nil {
		return i, nil
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrInvalidNumber, s)
	}
	if v != math.Trunc(v) {
		return 0, fmt.Errorf("%w: %q has a fractional part; whole numbers only", ErrInvalidNumber, s)
	}
	return floatToInt(v, s)
}

// ParseIntRound is [ParseInt] that rounds a fractional value half away from
// zero (2.5 → 3, -2.5 → -3) instead of rejecting it.
func ParseIntRound(s string, f NumberFormat) (int64, error) {
	v, err := ParseNumber(s, f)
	if err != nil {
		return 0, err
	}
	return floatToInt(math.Round(v), s)
}

func floatToInt(v float64, s string) (int64, error) {
	// float64(math.MaxInt64) rounds up to 2^63, which is out of range.
	if v >= 9223372036854775807 || v < -9223372036854775808 {
		return 0, fmt.Errorf("%w: %q is too large for an integer", ErrInvalidNumber, s)
	}
	return int64(v), nil
}

// normalizeNumber turns s into the ASCII form strconv understands:
// an optional "-", digits, and an optional "." fraction or exponent.
func normalizeNumber(s string, f NumberFormat) (string, error) {
	in := s
	s = strings.TrimFunc(s, isNumberSpace)
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidNumber)
	}
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg = true
		s = strings.TrimFunc(s[1:len(s)-1], isNumberSpace)
	}
	// Strip currency and signs from both ends, in any order: "-$5", "$-5",
	// "5 € -", "USD 5".
	signs := 0
	for changed := true; changed && s != ""; {
		changed = false
		var ok bool
		if s, ok = stripCurrency(s); ok {
			changed = true
		}
		if r, size := utf8.DecodeRuneInString(s); r == '-' || r == '+' || r == '−' {
			neg = neg != (r != '+')
			signs++
			s = strings.TrimFunc(s[size:], isNumberSpace)
			changed = true
		}
		if r, size := utf8.DecodeLastRuneInString(s); r == '-' || r == '+' || r == '−' {
			neg = neg != (r != '+')
			signs++
			s = strings.TrimFunc(s[:len(s)-size], isNumberSpace)
			changed = true
		}
	}
	if signs > 1 {
		return "", fmt.Errorf("%w: %q has more than one sign", ErrInvalidNumber, in)
	}
	if s == "" {
		return "", fmt.Errorf("%w: %q has no digits", ErrInvalidNumber, in)
	}

	// Scientific notation: "4.41E+11", "1e-3". No grouping allowed.
	if mant, exp, expNeg, ok := cutExponent(s); ok {
		ip, fp, _ := strings.Cut(strings.Replace(mant, ",", ".", 1), ".")
		if len(exp) > 4 || !(allDigits(ip) || ip == "" && allDigits(fp)) || (fp != "" && !allDigits(fp)) {
			return "", fmt.Errorf("%w: %q is not valid scientific notation", ErrInvalidNumber, in)
		}
		out := ip
		if fp != "" {
			out += "." + fp
		}
		out += "e"
		if expNeg {
			out += "-"
		}
		out += exp
		if neg {
			out = "-" + out
		}
		return out, nil
	}

	var digits strings.Builder
	digits.Grow(len(s) + 1)
	if neg {
		digits.WriteByte('-')
	}
	// Split into runs of digits separated by single separator characters.
	type sep struct {
		r   rune
		pos int // index of the digit group that follows
	}
	var groups []string
	var seps []sep
	start := -1
	spaceSep := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if start < 0 {
				start = i
			}
			continue
		case r == '.' || r == ',' || r == '\'' || r == '’' || isNumberSpace(r):
		default:
			return "", fmt.Errorf("%w: %q has an unexpected %q", ErrInvalidNumber, in, r)
		}
		if start < 0 {
			// Separator without digits before it: ".5" is allowed, "1,,2" is not.
			if len(groups) == 0 && len(seps) == 0 && (r == '.' || r == ',') {
				groups = append(groups, "")
				seps = append(seps, sep{r: r, pos: 1})
				continue
			}
			return "", fmt.Errorf("%w: %q has misplaced separators", ErrInvalidNumber, in)
		}
		groups = append(groups, s[start:i])
		start = -1
		if isNumberSpace(r) || r == '\'' || r == '’' {
			spaceSep = true
			r = ' '
		}
		seps = append(seps, sep{r: r, pos: len(groups)})
	}
	if start < 0 {
		return "", fmt.Errorf("%w: %q does not end with a digit", ErrInvalidNumber, in)
	}
	groups = append(groups, s[start:])

	// Decide the decimal separator.
	var dec rune // 0: none
	last := seps
	if len(last) > 0 {
		l := last[len(last)-1]
		count := 0
		hasDot, hasComma := false, false
		for _, sp := range seps {
			if sp.r == l.r {
				count++
			}
			hasDot = hasDot || sp.r == '.'
			hasComma = hasComma || sp.r == ','
		}
		switch {
		case l.r == ' ':
			// Spaces and apostrophes only group.
		case hasDot && hasComma:
			dec = l.r
		case count > 1:
			// "1,234,567" or "1.234.567": a repeated separator groups.
		case spaceSep || len(groups[l.pos]) != 3 || groups[0] == "" || len(groups[0]) > 3 || (len(groups) == 2 && strings.TrimLeft(groups[0], "0") == "" && len(groups[0]) > 0):
			// "1 234,5", "1,5", ".123", "0,123": only a decimal reading is possible.
			dec = l.r
		case f == DecimalComma && l.r == ',', f == DecimalPoint && l.r == '.':
			dec = l.r
		}
	}
	// Validate grouping and build the output.
	for i, g := range groups {
		if i > 0 {
			sp := seps[i-1]
			if sp.r == dec && i == len(groups)-1 {
				digits.WriteByte('.')
				digits.WriteString(g)
				break
			}
			if sp.r == dec {
				return "", fmt.Errorf("%w: %q has more than one decimal separator", ErrInvalidNumber, in)
			}
			if len(g) != 3 {
				return "", fmt.Errorf("%w: %q has a digit group of %d digits after a thousands separator; want 3", ErrInvalidNumber, in, len(g))
			}
			if i == 1 && (len(groups[0]) == 0 || len(groups[0]) > 3) {
				return "", fmt.Errorf("%w: %q has a leading digit group of %d digits; want 1 to 3", ErrInvalidNumber, in, len(groups[0]))
			}
			if i > 1 && seps[i-2].r != sp.r {
				return "", fmt.Errorf("%w: %q mixes thousands separators", ErrInvalidNumber, in)
			}
		}
		digits.WriteString(g)
	}
	return digits.String(), nil
}

// cutExponent splits "4.41E+11" into "4.41", "11" and a sign, and
// reports whether s ends with a well-formed exponent.
func cutExponent(s string) (mant, exp string, neg, ok bool) {
	i := strings.IndexAny(s, "eE")
	if i <= 0 {
		return "", "", false, false
	}
	mant, exp = s[:i], s[i+1:]
	if exp != "" && (exp[0] == '+' || exp[0] == '-') {
		neg, exp = exp[0] == '-', exp[1:]
	}
	return mant, exp, neg, allDigits(exp)
}

// isNumberSpace reports whether r is white space inside or around a number.
func isNumberSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\u2007' || r == '\u200b' || r == '\ufeff'
}

// stripCurrency removes one currency symbol, code or abbreviation from the
// start or end of s and reports whether it did.
func stripCurrency(s string) (string, bool) {
	if r, size := utf8.DecodeRuneInString(s); unicode.Is(unicode.Sc, r) {
		return strings.TrimFunc(s[size:], isNumberSpace), true
	}
	if r, size := utf8.DecodeLastRuneInString(s); unicode.Is(unicode.Sc, r) {
		return strings.TrimFunc(s[:len(s)-size], isNumberSpace), true
	}
	// A leading or trailing word of letters (and dots): "USD", "руб.", "zł".
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' })
	if i > 0 && isCurrencyWord(s[:i]) {
		return strings.TrimFunc(s[i:], isNumberSpace), true
	}
	j := strings.LastIndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' })
	if j >= 0 && j < len(s)-1 {
		_, size := utf8.DecodeRuneInString(s[j:])
		if isCurrencyWord(s[j+size:]) {
			return strings.TrimFunc(s[:j+size], isNumberSpace), true
		}
	}
	return s, false
}

// isCurrencyWord reports whether w is an ISO 4217 code or a common local
// currency abbreviation.
func isCurrencyWord(w string) bool {
	w = strings.ToLower(w)
	if len(w) == 3 && w[0] >= 'a' && w[0] <= 'z' && w[1] >= 'a' && w[1] <= 'z' && w[2] >= 'a' && w[2] <= 'z' {
		return true
	}
	switch strings.TrimSuffix(w, ".") {
	case "руб", "р", "тг", "грн", "сум", "zł", "kr", "kč", "ft", "lei", "лв", "fr", "sfr", "rs", "r$", "us":
		return true
	}
	return false
}
