package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Phone is a phone number in E.164 form with its optional extension.
type Phone struct {
	E164 string // "+442079460958"
	Ext  string // "123", or empty
}

// String returns the number as Kommo should store it: the E.164 form,
// followed by " ext. " and the extension when there is one. ParsePhone
// accepts this form back unchanged.
func (p Phone) String() string {
	if p.Ext == "" {
		return p.E164
	}
	return p.E164 + " ext. " + p.Ext
}

// ErrInvalidPhone is wrapped by every error [ParsePhone] returns, so callers
// can tell a bad phone from other row errors with errors.Is.
var ErrInvalidPhone = errors.New("invalid phone number")

// ParsePhone parses a phone number as people and spreadsheets write it and
// returns it in E.164 form. region is the ISO 3166 region ("RU", "GB",
// "US") used for numbers written without a country code; it may be empty
// when every number has one.
//
// Parsing and validation are done by github.com/nyaruka/phonenumbers, a port
// of Google's libphonenumber, whose metadata knows each country's national
// prefix ("8 (999) 123-45-67" in RU), international prefixes ("810", "00",
// "011"), number lengths and valid ranges. Before handing the value to it,
// ParsePhone undoes what spreadsheets do to phone numbers:
//   - a number that Excel turned into a float ("441234567890.0",
//     "4.4123456789E+11") is expanded back to its digits; a scientific
//     form that has lost digits ("4.41E+11") is rejected, because the real
//     number cannot be recovered;
//   - a leading "00" is read as the international prefix "+" in any region;
//   - an all-digit number that is not valid in region but is valid with a
//     "+" in front (Excel drops the leading "+") is read as international.
//
// Extensions ("ext. 12", "x12", "доб. 12") are kept in Phone.Ext. Numbers
// that libphonenumber deems impossible or invalid are rejected with the
// reason; every error wraps ErrInvalidPhone.
func ParsePhone(s, region string) (Phone, error) {
	in := CollapseSpace(s)
	if e164, ok := validE164(in); ok {
		return Phone{E164: e164}, nil
	}
	return parsePhone(in, region)
}

// parsePhone is ParsePhone without the fast path, for a value that
// CollapseSpace leaves unchanged.
func parsePhone(in, region string) (Phone, error) {
	if in == "" {
		return Phone{}, fmt.Errorf("%w: empty", ErrInvalidPhone)
	}
	region = strings.ToUpper(region)
	v, err := unExcelPhone(in)
	if err != nil {
		return Phone{}, err
	}
	v = replaceRuExtension(v)
	if t := strings.TrimLeft(v, " ("); strings.HasPrefix(t, "00") {
		v = "+" + t[2:]
	}
	num, err := phonenumbers.Parse(v, region)
	if err == nil && !phonenumbers.IsValidNumber(num) && allDigits(v) && len(v) >= 8 {
		if alt, aerr := phonenumbers.Parse("+"+v, region); aerr == nil && phonenumbers.IsValidNumber(alt) {
			num = alt
		}
	}
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && region == "":
			return Phone{}, fmt.Errorf("%w: no country code and no default region", ErrInvalidPhone)
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return Phone{}, fmt.Errorf("%w: unknown country code", ErrInvalidPhone)
		case errors.Is(err, phonenumbers.ErrNotANumber):
			return Phone{}, fmt.Errorf("%w: not a phone number", ErrInvalidPhone)
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return Phone{}, fmt.Errorf("%w: too short", ErrInvalidPhone)
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return Phone{}, fmt.Errorf("%w: too long", ErrInvalidPhone)
		}
		return Phone{}, fmt.Errorf("%w: %v", ErrInvalidPhone, err)
	}
	if !phonenumbers.IsValidNumber(num) {
		switch phonenumbers.IsPossibleNumberWithReason(num) {
		case phonenumbers.TOO_SHORT:
			return Phone{}, fmt.Errorf("%w: too short for country code +%d", ErrInvalidPhone, num.GetCountryCode())
		case phonenumbers.TOO_LONG:
			return Phone{}, fmt.Errorf("%w: too long for country code +%d", ErrInvalidPhone, num.GetCountryCode())
		case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
			return Phone{}, fmt.Errorf("%w: too short for country code +%d", ErrInvalidPhone, num.GetCountryCode())
		case phonenumbers.INVALID_LENGTH:
			return Phone{}, fmt.Errorf("%w: wrong number of digits for country code +%d", ErrInvalidPhone, num.GetCountryCode())
		case phonenumbers.INVALID_COUNTRY_CODE:
			return Phone{}, fmt.Errorf("%w: unknown country code +%d", ErrInvalidPhone, num.GetCountryCode())
		}
		return Phone{}, fmt.Errorf("%w: not a valid number for country code +%d", ErrInvalidPhone, num.GetCountryCode())
	}
	return Phone{E164: phonenumbers.Format(num, phonenumbers.E164), Ext: num.GetExtension()}, nil
}

// unExcelPhone expands a phone number that went through a spreadsheet as a
// float back to its digits. Values that are not plain floats are returned
// unchanged.
func unExcelPhone(s string) (string, error) {
	mant, exp, isSci := strings.Cut(strings.ToUpper(s), "E")
	if !isSci {
		// "441234567890.0" or "441234567890.00"
		if i := strings.IndexByte(s, '.'); i > 0 && allDigits(s[:i]) && strings.Trim(s[i+1:], "0") == "" {
			return s[:i], nil
		}
		return s, nil
	}
	exp = strings.TrimPrefix(exp, "+")
	intPart, frac, _ := strings.Cut(mant, ".")
	if !allDigits(intPart) || (frac != "" && !allDigits(frac)) || !allDigits(exp) || len(exp) > 2 {
		return s, nil
	}
	e := 0
	for _, c := range exp {
		e = e*10 + int(c-'0')
	}
	frac = strings.TrimRight(frac, "0")
	if e < len(frac) {
		return "", fmt.Errorf("%w: %q is a fraction, not a phone number", ErrInvalidPhone, s)
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	if pad := e - len(frac); pad > 0 && len(digits) < 8 {
		return "", fmt.Errorf("%w: %q is a number in scientific notation that lost its last digits in a spreadsheet; format the column as text and export again", ErrInvalidPhone, s)
	}
	return intPart + frac + strings.Repeat("0", e-len(frac)), nil
}

// replaceRuExtension rewrites Russian extension markers ("доб.", "доб")
// into the "ext." that libphonenumber understands.
func replaceRuExtension(s string) string {
	if i := strings.Index(s, "доб"); i >= 0 {
		rest := strings.TrimPrefix(s[i+len("доб"):], ".")
		return s[:i] + "ext." + rest
	}
	return s
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validE164 is the fast path of ParsePhone for a number already written in
// E.164 ("+" and digits, as ParsePhone returns them): it reports s and
// true when phonenumbers.Parse would read s unchanged and the number is
// valid; otherwise ParsePhone goes the long way, which also explains what
// is wrong. It does what Parse does for such a string (take the country
// code, the shortest of 1 to 3 digits that is one; keep the rest as the
// national number unless a national prefix could be stripped from it or
// it has a leading zero) and leaves the validation itself to
// phonenumbers.IsValidNumber, but skips Parse's regular expressions for
// extensions and punctuation, which cost most of its time.
func validE164(s string) (string, bool) {
	if len(s) < 4 || len(s) > 18 || s[0] != '+' || s[1] == '0' || !allDigits(s[1:]) {
		return "", false
	}
	digits := s[1:]
	for i := 1; i <= 3 && i < len(digits); i++ {
		cc, _ := strconv.Atoi(digits[:i])
		np, known := nationalPrefixes()[cc]
		if !known {
			continue
		}
		nsn := digits[i:]
		if np.unknown || len(nsn) < 2 || len(nsn) > 17 || nsn[0] == '0' || np.re != nil && np.re.MatchString(nsn) {
			return "", false
		}
		n, err := strconv.ParseUint(nsn, 10, 64)
		if err != nil {
			return "", false
		}
		num := &phonenumbers.PhoneNumber{CountryCode: new(int32(cc)), NationalNumber: new(n)}
		// IsValidNumber first finds the number's region: with several, the
		// first whose leading digits or patterns fit. When the main region
		// has no leading digits and the number is valid there, that is it.
		if np.mainFirst && phonenumbers.IsValidNumberForRegion(num, np.main) {
			return s, true
		}
		return s, phonenumbers.IsValidNumber(num)
	}
	return "", false
}

// nationalPrefix is the national prefix that phonenumbers.Parse strips
// from the numbers of a calling code's main region (its metadata's
// national_prefix_for_parsing, anchored), or nil; unknown when the
// metadata cannot be found here.
type nationalPrefix struct {
	re      *regexp.Regexp
	unknown bool
	// main is the code's main region; mainFirst says IsValidNumber tries
	// it first with full validation (several regions share the code, and
	// main has no leading digits).
	main      string
	mainFirst bool
}

// nationalPrefixes maps every country calling code phonenumbers knows to
// its national prefix.
var nationalPrefixes = sync.OnceValue(func() map[int]nationalPrefix {
	out := map[int]nationalPrefix{}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return out
	}
	byRegion := map[string]*phonenumbers.PhoneMetadata{}
	nonGeo := map[int32]*phonenumbers.PhoneMetadata{}
	for _, md := range coll.GetMetadata() {
		if md.GetId() == "001" {
			nonGeo[md.GetCountryCode()] = md
		} else {
			byRegion[md.GetId()] = md
		}
	}
	for cc := 1; cc < 1000; cc++ {
		region := phonenumbers.GetRegionCodeForCountryCode(cc)
		if region == phonenumbers.UNKNOWN_REGION {
			continue
		}
		md := byRegion[region]
		if region == "001" {
			md = nonGeo[int32(cc)]
		}
		if md == nil {
			out[cc] = nationalPrefix{unknown: true}
			continue
		}
		np := nationalPrefix{main: region}
		np.mainFirst = len(phonenumbers.GetRegionCodesForCountryCode(cc)) > 1 && md.GetLeadingDigits() == ""
		if p := md.GetNationalPrefixForParsing(); p != "" {
			np.re = regexp.MustCompile("^(?:" + p + ")")
		}
		out[cc] = np
	}
	return out
})
