package phonenumber

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// This file is libphonenumber's handling of the text around the digits:
// where a number starts and ends, whether it is viable at all, its
// extension, and normalisation to digits. libphonenumber (and
// github.com/nyaruka/phonenumbers, which this package follows to the
// letter, quirks included) does it with regular expressions; here each is
// a hand-written scan over runes that accepts the same strings. The
// comments quote the expressions; the tests compare the two on every rune
// and on fuzzed strings.

// isPlus reports whether r is a plus sign: [+＋].
func isPlus(r rune) bool { return r == '+' || r == '\uFF0B' }

// isDigit reports whether r is a decimal digit in any script (\p{Nd}).
func isDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.Is(unicode.Nd, r)
}

// isPunct reports whether r is in libphonenumber's VALID_PUNCTUATION
// under (?i): dashes, spaces, dots, slashes, brackets, tildes and 'x'.
func isPunct(r rune) bool {
	switch r {
	case '-', 'x', 'X', ' ', '(', ')', '.', '[', ']', '/', '~',
		'\u00A0', '\u00AD', '\u200B', '\u2060', '\u2212', '\u2053', '\u223C',
		'\u3000', '\u30FC', '\uFF08', '\uFF09', '\uFF3B', '\uFF3D', '\uFF5E':
		return true
	}
	return '\u2010' <= r && r <= '\u2015' || '\uFF0D' <= r && r <= '\uFF0F'
}

// isAlpha reports whether r is in [A-Za-z] under (?i), which adds the
// Kelvin sign and the long s.
func isAlpha(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '\u212A' || r == '\u017F'
}

// isNumberRune reports whether r may appear in a phone number after its
// first three digits: [VALID_PUNCTUATION*VALID_ALPHA\p{Nd}] under (?i).
func isNumberRune(r rune) bool {
	return isDigit(r) || isPunct(r) || r == '*' || isAlpha(r)
}

// extractPossibleNumber is libphonenumber's extractPossibleNumber: s from
// its first plus sign or digit, without trailing junk and without a second
// number ("x302/x2303" keeps "x302"). "" when s has neither.
func extractPossibleNumber(s string) string {
	start := -1
	for i, r := range s {
		if isPlus(r) || isDigit(r) {
			start = i
			break
		}
	}
	if start < 0 {
		return ""
	}
	s = s[start:]
	s = s[:unwantedEnd(s)]
	// SECOND_NUMBER_START: [\\/] *x
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' && s[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && s[j] == 'x' {
			return s[:i]
		}
	}
	return s
}

// unwantedEnd returns where libphonenumber's UNWANTED_END_CHAR_PATTERN
// cuts s. The pattern, "[[\P{N}&&\P{L}]&&[^#]]+$", is meant to drop
// trailing punctuation, but Go's regexp has no class intersection and reads
// it as any rune, "&&", a rune other than '#', then "]+" at the end, so
// nyaruka/phonenumbers drops only such an ending ("1&&x]"), and keeps
// trailing punctuation. This reproduces that.
func unwantedEnd(s string) int {
	n := len(s)
	t := n // start of the trailing run of ']'
	for t > 0 && s[t-1] == ']' {
		t--
	}
	if t == n {
		return n
	}
	// The rune before the "]" run as the [^#] (leftmost possible), then
	// the first ']' of the run.
	if p := runeStartBefore(s, t); p >= 2 && s[p] != '#' && s[p-2:p] == "&&" && p-2 > 0 {
		return runeStartBefore(s, p-2)
	}
	if n-t >= 2 && t >= 3 && s[t-2:t] == "&&" {
		return runeStartBefore(s, t-2)
	}
	return n
}

// runeStartBefore returns the start of the rune that ends at i (i > 0) as
// a forward decoding of s sees it (invalid bytes are runes of width 1), or
// -1 when i is 0.
func runeStartBefore(s string, i int) int {
	last := -1
	for j := 0; j < i; {
		last = j
		_, w := utf8.DecodeRuneInString(s[j:])
		j += w
	}
	return last
}

// isViable is libphonenumber's isViablePhoneNumber: at least two bytes, and
// either exactly two digits, or (VALID_PHONE_NUMBER_PATTERN) plus signs,
// three digits with punctuation or '*' between them, then digits,
// punctuation, '*' and letters, then maybe an extension.
func isViable(s string) bool {
	if len(s) < 2 {
		return false
	}
	if r, w := utf8.DecodeRuneInString(s); isDigit(r) {
		if r2, w2 := utf8.DecodeRuneInString(s[w:]); isDigit(r2) && w+w2 == len(s) {
			return true
		}
	}
	if isNumberBody(s) {
		return true
	}
	ok := false
	forEachExtensionStart(s, func(i int, ext string) bool {
		ok = isNumberBody(s[:i])
		return ok
	})
	return ok
}

// isNumberBody reports whether s matches
// [+＋]*(?:[VALID_PUNCTUATION*]*\p{Nd}){3,}[VALID_PUNCTUATION*VALID_ALPHA\p{Nd}]*
// under (?i).
func isNumberBody(s string) bool {
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isPlus(r) {
			break
		}
		i += w
	}
	digits := 0
	for _, r := range s[i:] {
		switch {
		case isDigit(r):
			digits++
		case isPunct(r) || r == '*':
		case isAlpha(r) && digits >= 3:
		default:
			return false
		}
	}
	return digits >= 3
}

// The extension labels of libphonenumber's EXTN_PATTERNS_FOR_PARSING.
var (
	// explicitLabels: e?xt(?:ensi(?:o\u0301?|\u00F3))?n?|\uFF45?\uFF58\uFF54\uFF4E?|\u0434\u043E\u0431|anexo
	explicitLabels = []string{
		"xt", "xtn", "ext", "extn",
		"xtensio", "xtension", "extensio", "extension",
		"xtensio\u0301", "xtensio\u0301n", "extensio\u0301", "extensio\u0301n",
		"xtensi\u00F3", "xtensi\u00F3n", "extensi\u00F3", "extensi\u00F3n",
		"\uFF58\uFF54", "\uFF58\uFF54\uFF4E", "\uFF45\uFF58\uFF54", "\uFF45\uFF58\uFF54\uFF4E",
		"\u0434\u043E\u0431", "anexo",
	}
	// ambiguousLabels: [x\uFF58#\uFF03~\uFF5E]|int|\uFF49\uFF4E\uFF54
	ambiguousLabels = []string{"x", "\uFF58", "#", "\uFF03", "~", "\uFF5E", "int", "\uFF49\uFF4E\uFF54"}
)

// isLabelSep reports whether r is in [ \u00A0\t,], the separators allowed
// between a number and an extension label.
func isLabelSep(r rune) bool { return r == ' ' || r == '\u00A0' || r == '\t' || r == ',' }

// isAfterLabel reports whether r is in [ \u00A0\t,-], allowed after a label.
func isAfterLabel(r rune) bool { return isLabelSep(r) || r == '-' }

// afterLabel reports whether s matches [:\.\uFF0E]?[ \u00A0\t,-]*.
func afterLabel(s string) bool {
	if s != "" && (s[0] == ':' || s[0] == '.') {
		s = s[1:]
	} else {
		s = strings.TrimPrefix(s, "\uFF0E")
	}
	for _, r := range s {
		if !isAfterLabel(r) {
			return false
		}
	}
	return true
}

// labelled reports whether s matches [ \u00A0\t,]*(?:label)AFTER under
// (?i), where label is one of labels.
func labelled(s string, labels []string) bool {
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isLabelSep(r) {
			break
		}
		i += w
	}
	// No label rune is one of ':', '.', '．' or [ \u00A0\t,-], so the label
	// runs to the first of them.
	j := i
	for j < len(s) {
		r, w := utf8.DecodeRuneInString(s[j:])
		if r == ':' || r == '.' || r == '\uFF0E' || isAfterLabel(r) {
			break
		}
		j += w
	}
	if j == i || !afterLabel(s[j:]) {
		return false
	}
	for _, l := range labels {
		if equalFold(s[i:j], l) {
			return true
		}
	}
	return false
}

// equalFold reports whether s and t are equal under simple Unicode case
// folding, as (?i) compares literals.
func equalFold(s, t string) bool {
	for s != "" && t != "" {
		r1, w1 := utf8.DecodeRuneInString(s)
		r2, w2 := utf8.DecodeRuneInString(t)
		s, t = s[w1:], t[w2:]
		if r1 == r2 {
			continue
		}
		same := false
		for f := unicode.SimpleFold(r1); f != r1; f = unicode.SimpleFold(f) {
			if f == r2 {
				same = true
				break
			}
		}
		if !same {
			return false
		}
	}
	return s == t
}

// isExtension reports whether x (the text between a number and its
// extension digits) with nd extension digits, followed by '#' when hash,
// matches one of the alternatives of libphonenumber's
// EXTN_PATTERNS_FOR_PARSING:
//
//	;ext=(\d{1,20})
//	[ \u00A0\t,]*EXPLICIT[:\.．]?[ \u00A0\t,-]*(\d{1,20})#?
//	[ \u00A0\t,]*AMBIGUOUS[:\.．]?[ \u00A0\t,-]*(\d{1,9})#?
//	[- ]+(\d{1,6})#
//	[ \u00A0\t]*(?:,{2}|;)[:\.．]?[ \u00A0\t,-]*(\d{1,15})#?
//	[ \u00A0\t]*(?:,)+[:\.．]?[ \u00A0\t,-]*(\d{1,9})#?
func isExtension(x string, nd int, hash bool) bool {
	if !hash && nd <= 20 && equalFold(x, ";ext=") {
		return true
	}
	if nd <= 20 && labelled(x, explicitLabels) {
		return true
	}
	if nd <= 9 && labelled(x, ambiguousLabels) {
		return true
	}
	if hash && nd <= 6 && x != "" && strings.Trim(x, "- ") == "" {
		return true
	}
	// The auto-dialling forms.
	i := 0
	for i < len(x) {
		r, w := utf8.DecodeRuneInString(x[i:])
		if r != ' ' && r != '\u00A0' && r != '\t' {
			break
		}
		i += w
	}
	x = x[i:]
	if nd <= 15 && (strings.HasPrefix(x, ";") && afterLabel(x[1:]) || strings.HasPrefix(x, ",,") && afterLabel(x[2:])) {
		return true
	}
	if nd <= 9 {
		for k := 1; k <= len(x) && x[k-1] == ','; k++ {
			if afterLabel(x[k:]) {
				return true
			}
		}
	}
	return false
}

// forEachExtensionStart calls f, in increasing order of i, for every i at
// which s[i:] is an extension as EXTN_PATTERN ("(?i)(?:" +
// EXTN_PATTERNS_FOR_PARSING + ")$") matches it, with ext the extension's
// digits, until f returns true. Every alternative ends with the digits (and
// maybe '#'), and none has a digit before them, so the digits are the last
// run of digits of s and an extension starts in the run of non-digits
// before it.
func forEachExtensionStart(s string, f func(i int, ext string) bool) {
	end := len(s)
	hash := strings.HasSuffix(s, "#")
	if hash {
		end--
	}
	// Find the last run of digits, which must end at end, and the run of
	// non-digits before it.
	xStart, dStart, nd := 0, -1, 0
	prevDigit := false
	for i, r := range s[:end] {
		if isDigit(r) {
			if !prevDigit {
				dStart, nd = i, 0
			}
			nd++
			prevDigit = true
			continue
		}
		if prevDigit {
			xStart = i
		}
		dStart = -1
		prevDigit = false
	}
	if dStart <= 0 || xStart >= dStart {
		return
	}
	ext := s[dStart:end]
	for i := xStart; i < dStart; {
		if isExtension(s[i:dStart], nd, hash) && f(i, ext) {
			return
		}
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
}

// splitExtension is libphonenumber's maybeStripExtension: it returns s
// without its extension, and the extension's digits (as written: they may
// be of any script), when s ends with one and what comes before is viable.
func splitExtension(s string) (number, ext string) {
	start := -1
	forEachExtensionStart(s, func(i int, e string) bool {
		start, ext = i, e
		return true
	})
	if start < 0 || !isViable(s[:start]) {
		return s, ""
	}
	return s[:start], ext
}

// normalize appends to dst the digits of s, as libphonenumber's normalize:
// with three or more ASCII letters (a vanity number: "1-800-FLOWERS"),
// letters become keypad digits and everything else that is not an ASCII
// digit is dropped; otherwise every decimal digit is kept, full-width and
// Arabic-Indic ones as ASCII and those of other scripts as they are (then
// the number does not parse into digits), and the rest is dropped.
func normalize(dst []byte, s string) []byte {
	letters := 0
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; 'a' <= c && c <= 'z' {
			letters++
		}
	}
	if letters >= 3 && strings.IndexByte(s, '\n') < 0 {
		for _, r := range s {
			r = unicode.ToUpper(r)
			switch {
			case '0' <= r && r <= '9':
				dst = append(dst, byte(r))
			case 'A' <= r && r <= 'Z':
				dst = append(dst, keypad[r-'A'])
			}
		}
		return dst
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if '0' <= r && r <= '9' {
				dst = append(dst, byte(r))
			}
		case '\u0660' <= r && r <= '\u0669':
			dst = append(dst, byte('0'+r-'\u0660'))
		case '\u06F0' <= r && r <= '\u06F9':
			dst = append(dst, byte('0'+r-'\u06F0'))
		case '\uFF10' <= r && r <= '\uFF19':
			dst = append(dst, byte('0'+r-'\uFF10'))
		case unicode.Is(unicode.Nd, r):
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// keypad maps 'A'-'Z' to the digits of a telephone keypad (ITU E.161).
const keypad = "22233344455566677778889999"

// The RFC 3966 forms ("tel:+1-202-555-0123;phone-context=..."), which are
// rare enough to be matched with package regexp.
const (
	rfc3966PhoneContext = ";phone-context="
	rfc3966Prefix       = "tel:"
	rfc3966ISDN         = ";isub="
)

var rfc3966Patterns = sync.OnceValue(func() [2]*regexp.Regexp {
	const (
		digit    = `\p{Nd}`
		visual   = `[\-\.\(\)]?`
		phoneDig = "(" + digit + "|" + visual + ")"
		alpha    = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		alphanum = alpha + digit
		label    = "[" + alphanum + "]+((\\-)*[" + alphanum + "])*"
		top      = "[" + alpha + "]+((\\-)*[" + alphanum + "])*"
	)
	return [2]*regexp.Regexp{
		regexp.MustCompile(`^\+` + phoneDig + "*" + digit + phoneDig + "*$"),
		regexp.MustCompile("^(" + label + "\\.)*" + top + "\\.?$"),
	}
})

// nationalNumberForParsing is libphonenumber's
// buildNationalNumberForParsing: the part of s to parse.
func nationalNumberForParsing(s string) (string, error) {
	var number string
	if i := strings.Index(s, rfc3966PhoneContext); i >= 0 {
		ctx := s[i+len(rfc3966PhoneContext):]
		if j := strings.IndexByte(ctx, ';'); j >= 0 {
			ctx = ctx[:j]
		}
		if p := rfc3966Patterns(); ctx == "" || !p[0].MatchString(ctx) && !p[1].MatchString(ctx) {
			return "", ErrNotANumber
		}
		if i > 0 {
			from := 0
			if t := strings.Index(s, rfc3966Prefix); t >= 0 && t < i {
				from = t + len(rfc3966Prefix)
			}
			if ctx[0] == '+' {
				number = ctx + s[from:i]
			} else {
				number = s[from:i]
			}
		} else {
			number = extractPossibleNumber(s)
		}
	} else {
		number = extractPossibleNumber(s)
	}
	if i := strings.Index(number, rfc3966ISDN); i > 0 {
		number = number[:i]
	}
	return number, nil
}

// fallbackRegexp matches a metadata pattern that newDFA cannot take with
// package regexp. TestMetadataGen makes sure none needs it.
type fallbackRegexp struct {
	full, prefix *regexp.Regexp
}

func newFallbackRegexp(pattern string) *fallbackRegexp {
	return &fallbackRegexp{regexp.MustCompile("^(?:" + pattern + ")$"), regexp.MustCompile("^(?:" + pattern + ")")}
}
