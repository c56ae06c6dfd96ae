// Package phone parses and validates phone numbers the way Google's
// libphonenumber does, as ported by github.com/nyaruka/phonenumbers, for
// the part of it that package mapping uses: Parse, IsValidNumber,
// IsPossibleNumberWithReason, E.164 formatting and
// GetCountryCodeForRegion.
//
// It gives the same answers as that port for every input (the tests
// compare the two on a corpus built from the metadata and by fuzzing),
// including the port's quirks, but it is several times faster and much
// smaller: the metadata is constant data instead of a compressed protobuf
// decoded at start-up, and the patterns are matched by lazily built DFAs
// over digits instead of package regexp. Parsing a number allocates
// nothing; formatting allocates the result.
//
// There are no known differences in results from
// github.com/nyaruka/phonenumbers v1.8.1, quirks included: trailing
// punctuation is kept (its UNWANTED_END_CHAR_PATTERN uses a class
// intersection that Go's regexp reads differently, see unwantedEnd), and
// digits of scripts other than ASCII, full-width and Arabic-Indic make the
// national number 0. RFC 3966 numbers with ";phone-context=" are checked
// with package regexp, as rare; nothing else on the way uses it.
package phonenumber

import (
	"errors"
	"strconv"
)

// The errors of Parse; they are libphonenumber's NumberParseException
// kinds.
var (
	ErrNotANumber         = errors.New("the phone number supplied is not a number")
	ErrInvalidCountryCode = errors.New("invalid country code")
	ErrTooShortNSN        = errors.New("the string supplied is too short to be a phone number")
	ErrTooShortAfterIDD   = errors.New("phone number had an IDD, but after this was not long enough to be a viable phone number")
	ErrTooLong            = errors.New("the string supplied is too long to be a phone number")
)

// Number is a parsed phone number: libphonenumber's PhoneNumber without
// the fields that Parse leaves unset.
type Number struct {
	CountryCode    int
	NationalNumber uint64
	// ItalianLeadingZero is set when the national significant number starts
	// with zeros (as Italian numbers do), LeadingZeros of them.
	ItalianLeadingZero bool
	LeadingZeros       int
	Extension          string
}

// Possibility says whether a number has a possible length, and if not why:
// libphonenumber's ValidationResult.
type Possibility int

const (
	IsPossible Possibility = iota
	InvalidCountryCode
	TooShort
	TooLong
	IsPossibleLocalOnly
	InvalidLength
)

const (
	minNSN      = 2   // MIN_LENGTH_FOR_NSN
	maxNSN      = 17  // MAX_LENGTH_FOR_NSN
	maxInputLen = 250 // MAX_INPUT_STRING_LENGTH
)

// compiled holds the lazily compiled patterns of each region.
type compiled struct {
	descs     [numDescs]lazyDFA
	leading   lazyDFA
	idd       lazyProg
	npParsing lazyProg
}

// patterns holds regions[i]'s compiled patterns at i.
var patterns [numRegions]compiled

// general returns the matcher of region r's general pattern.
func general(r int) *lazyDFA {
	return patterns[r].descs[descGeneral].get(regions[r].descs[descGeneral].pattern)
}

// Parse parses s, a phone number as people write it, with region the ISO
// 3166 code ("US") of the region to assume for numbers written without a
// country code; region may be empty when s starts with "+". It is
// libphonenumber's Parse: it does not check that the number is valid (see
// Number.IsValid), only that it could be a number.
func Parse(s, region string) (Number, error) {
	var n Number
	if len(s) == 0 {
		return n, ErrNotANumber
	}
	if len(s) > maxInputLen {
		return n, ErrTooLong
	}
	number, err := nationalNumberForParsing(s)
	if err != nil {
		return n, err
	}
	if !isViable(number) {
		return n, ErrNotANumber
	}
	ri := regionIndex(region)
	if ri < 0 && !hasPlus(number) {
		return n, ErrInvalidCountryCode
	}
	number, n.Extension = splitExtension(number)

	var buf, buf2 [maxInputLen + 8]byte
	cc, nsn, err := extractCountryCode(number, ri, buf[:0], buf2[:0])
	if err == ErrInvalidCountryCode {
		if i := plusEnd(number); i >= 0 {
			cc, nsn, err = extractCountryCode(number[i:], ri, buf[:0], buf2[:0])
			if err == nil && cc == 0 {
				err = ErrInvalidCountryCode
			}
		}
	}
	if err != nil {
		return n, err
	}
	if cc != 0 {
		if main := mainRegion(cc); regions[main].id != region {
			ri = main
		}
	} else {
		nsn = normalize(buf[:0], number)
		if region != "" && ri >= 0 {
			cc = int(regions[ri].cc)
		}
	}
	n.CountryCode = cc
	if len(nsn) < minNSN {
		return n, ErrTooShortNSN
	}
	if ri >= 0 {
		var buf3 [maxInputLen + 8]byte
		stripped := stripNationalPrefix(nsn, ri, buf3[:0])
		switch regions[ri].checkLength(stripped) {
		case TooShort, IsPossibleLocalOnly, InvalidLength:
		default:
			nsn = stripped
		}
	}
	if len(nsn) < minNSN {
		return n, ErrTooShortNSN
	}
	if len(nsn) > maxNSN {
		return n, ErrTooLong
	}
	if len(nsn) > 1 && nsn[0] == '0' {
		n.ItalianLeadingZero = true
		n.LeadingZeros = 1
		for n.LeadingZeros < len(nsn)-1 && nsn[n.LeadingZeros] == '0' {
			n.LeadingZeros++
		}
	}
	// Digits of other scripts make this fail, and the number 0, as in
	// libphonenumber.
	for _, c := range nsn {
		if c < '0' || c > '9' {
			n.NationalNumber = 0
			break
		}
		n.NationalNumber = n.NationalNumber*10 + uint64(c-'0')
	}
	return n, nil
}

func hasPlus(s string) bool {
	for _, r := range s {
		if isPlus(r) {
			return true
		}
	}
	return false
}

// plusEnd returns where the first run of plus signs in s ends, or -1.
func plusEnd(s string) int {
	in := false
	for i, r := range s {
		switch {
		case isPlus(r):
			in = true
		case in:
			return i
		}
	}
	if in {
		return len(s)
	}
	return -1
}

// extractCountryCode is libphonenumber's maybeExtractCountryCode: it
// returns the country calling code that number starts with (after a plus
// sign or the default region's international prefix, or, without them,
// that region's own calling code when the rest is a better national
// number) and the normalised national number after it; or 0 and nothing.
// r is the index of the default region, or -1; buf and buf2 are scratch.
func extractCountryCode(number string, r int, buf, buf2 []byte) (int, []byte, error) {
	if number == "" {
		return 0, nil, nil
	}
	var full []byte
	international := false
	if i := leadingPlusEnd(number); i > 0 {
		full = normalize(buf, number[i:])
		international = true
	} else {
		full = normalize(buf, number)
		if r >= 0 {
			if p, err := patterns[r].idd.get(regions[r].idd); err == nil {
				var caps [2]int
				if p.match(full, caps[:]) && (caps[1] == len(full) || full[caps[1]] != '0') {
					full = full[caps[1]:]
					international = true
				}
			}
		}
	}
	if international {
		if len(full) <= minNSN {
			return 0, nil, ErrTooShortAfterIDD
		}
		if full[0] != '0' {
			cc := 0
			for i := 0; i < 3 && i < len(full); i++ {
				c := full[i]
				if c < '0' || c > '9' {
					break
				}
				cc = cc*10 + int(c-'0')
				if callingCodeRegions(cc) != nil {
					return cc, full[i+1:], nil
				}
			}
		}
		return 0, nil, ErrInvalidCountryCode
	}
	if r < 0 {
		return 0, nil, nil
	}
	md := &regions[r]
	var ccBuf [8]byte
	ccStr := strconv.AppendInt(ccBuf[:0], int64(md.cc), 10)
	if len(full) < len(ccStr) || string(full[:len(ccStr)]) != string(ccStr) {
		return 0, nil, nil
	}
	national := stripNationalPrefix(full[len(ccStr):], r, buf2)
	g := general(r)
	if !g.fullMatch(full) && g.fullMatch(national) || md.checkLength(full) == TooLong {
		return int(md.cc), national, nil
	}
	return 0, nil, nil
}

// leadingPlusEnd returns where the plus signs that s starts with end, or 0.
func leadingPlusEnd(s string) int {
	i := 0
	for i < len(s) {
		switch {
		case s[i] == '+':
			i++
		case len(s)-i >= 3 && s[i:i+3] == "\uFF0B":
			i += 3
		default:
			return i
		}
	}
	return i
}

// stripNationalPrefix is libphonenumber's
// maybeStripNationalPrefixAndCarrierCode: number without region r's
// national prefix (and carrier code), transformed by its transform rule,
// unless that turns a number that fits r's general pattern into one that
// does not. The result is number itself, a part of it, or in dst.
func stripNationalPrefix(number []byte, r int, dst []byte) []byte {
	md := &regions[r]
	if len(number) == 0 || md.npParsing == "" {
		return number
	}
	p, err := patterns[r].npParsing.get(md.npParsing)
	if err != nil {
		return number
	}
	var capsBuf [8]int
	caps := capsBuf[:]
	if p.ncap <= len(capsBuf) {
		caps = capsBuf[:p.ncap]
	} else {
		caps = make([]int, p.ncap)
	}
	if !p.match(number, caps) {
		return number
	}
	g := general(r)
	viable := g.fullMatch(number)
	end := caps[1]
	if md.npTransform == "" || caps[len(caps)-2] < 0 {
		if viable && !g.fullMatch(number[end:]) {
			return number
		}
		return number[end:]
	}
	lit, group, _ := splitTransform(md.npTransform)
	dst = append(dst, lit...)
	if 2*group+1 < len(caps) && caps[2*group] >= 0 {
		dst = append(dst, number[caps[2*group]:caps[2*group+1]]...)
	}
	dst = append(dst, number[end:]...)
	if viable && !g.fullMatch(dst) {
		return number
	}
	return dst
}

// splitTransform splits a national prefix transform rule, digits and a
// group reference ("9$1"), into its digits and group number.
func splitTransform(rule string) (lit string, group int, ok bool) {
	for i := 0; i < len(rule); i++ {
		if rule[i] == '$' {
			g, err := strconv.Atoi(rule[i+1:])
			if err != nil || g < 0 || g > 9 {
				return "", 0, false
			}
			return rule[:i], g, true
		}
		if rule[i] < '0' || rule[i] > '9' {
			return "", 0, false
		}
	}
	return "", 0, false
}

// checkLength is libphonenumber's testNumberLength for the number type
// UNKNOWN: whether number has one of md's possible lengths.
func (md *regionMeta) checkLength(number []byte) Possibility {
	g := &md.descs[descGeneral]
	lengths := g.lengths
	if len(lengths) == 0 || lengths[0] == -1 {
		return InvalidLength
	}
	n := len(number)
	for _, l := range g.local {
		if int(l) == n {
			return IsPossibleLocalOnly
		}
	}
	switch {
	case int(lengths[0]) == n:
		return IsPossible
	case int(lengths[0]) > n:
		return TooShort
	case int(lengths[len(lengths)-1]) < n:
		return TooLong
	}
	for _, l := range lengths[1:] {
		if int(l) == n {
			return IsPossible
		}
	}
	return InvalidLength
}

// nsn appends n's national significant number to dst: its leading zeros,
// then its national number.
func (n Number) nsn(dst []byte) []byte {
	if n.ItalianLeadingZero {
		for i := 0; i < min(n.LeadingZeros, maxNSN); i++ {
			dst = append(dst, '0')
		}
	}
	return strconv.AppendUint(dst, n.NationalNumber, 10)
}

// E164 returns n in E.164 form: "+", the country code and the national
// significant number ("+442079460958"); without the extension.
func (n Number) E164() string {
	var buf [32]byte
	b := append(buf[:0], '+')
	b = strconv.AppendInt(b, int64(n.CountryCode), 10)
	return string(n.nsn(b))
}

// IsValid reports whether n is a valid number: libphonenumber's
// IsValidNumber. Its country code's region for it is the first whose
// leading digits match or, for regions without leading digits, that has a
// number type it fits; then it must fit the general pattern and lengths of
// that region and those of one of its number types.
func (n Number) IsValid() bool {
	var buf [32]byte
	nsn := n.nsn(buf[:0])
	rs := callingCodeRegions(n.CountryCode)
	switch len(rs) {
	case 0:
		return false
	case 1:
		return hasType(int(rs[0]), nsn)
	}
	for _, r := range rs {
		if ld := regions[r].leadingDigits; ld != "" {
			if patterns[r].leading.get(ld).prefixMatch(nsn) {
				return hasType(int(r), nsn)
			}
		} else if hasType(int(r), nsn) {
			return true
		}
	}
	return false
}

// hasType reports whether nsn fits region r's general description and
// one of its number types (libphonenumber's getNumberTypeHelper is not
// UNKNOWN).
func hasType(r int, nsn []byte) bool {
	if !matches(r, descGeneral, nsn) {
		return false
	}
	for t := descFixedLine; t < numDescs; t++ {
		if t == descMobile && regions[r].sameMobileFixed {
			continue // libphonenumber does not look at it
		}
		if matches(r, t, nsn) {
			return true
		}
	}
	return false
}

// matches is libphonenumber's isNumberMatchingDesc for region r's
// description t.
func matches(r, t int, nsn []byte) bool {
	d := &regions[r].descs[t]
	if len(d.lengths) > 0 {
		found := false
		for _, l := range d.lengths {
			if int(l) == len(nsn) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if d.pattern == "" {
		return len(nsn) == 0
	}
	return patterns[r].descs[t].get(d.pattern).fullMatch(nsn)
}

// Possible reports whether n has a possible length for its country code,
// and if not why: libphonenumber's IsPossibleNumberWithReason.
func (n Number) Possible() Possibility {
	main := mainRegion(n.CountryCode)
	if main < 0 {
		return InvalidCountryCode
	}
	var buf [32]byte
	return regions[main].checkLength(n.nsn(buf[:0]))
}

// InPlan reports whether n fits the general pattern of a region of its
// country code: the shape of that country's numbers, although the metadata
// may not know the number's range as assigned (an area code opened after
// the metadata was made). libphonenumber has no such call; IsValid checks
// this and then the number types.
func (n Number) InPlan() bool {
	var buf [32]byte
	nsn := n.nsn(buf[:0])
	for _, r := range callingCodeRegions(n.CountryCode) {
		if matches(int(r), descGeneral, nsn) {
			return true
		}
	}
	return false
}
