package value

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/kommo-bulk/kommo-bulk/internal/phonenumber"
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
var ErrInvalidPhone error = &kindError{"invalid phone number", "phone_invalid"}

// ParsePhone parses a phone number as people and spreadsheets write it and
// returns it in E.164 form. region is the ISO 3166 region ("RU", "GB",
// "US") used for numbers written without a country code; it may be empty
// when every number has one.
//
// Parsing and validation follow Google's libphonenumber (as ported by
// github.com/nyaruka/phonenumbers, whose answers internal/phonenumber
// reproduces), whose metadata knows each country's national prefix
// ("8 (999) 123-45-67" in RU), international prefixes ("810", "00",
// "011"), number lengths and valid ranges. Before parsing, ParsePhone
// undoes what spreadsheets do to phone numbers:
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
	if !Collapsed(s) {
		s = CollapseSpace(s)
	}
	return parsePhone(s, region)
}

// parsePhone is ParsePhone for a value that CollapseSpace leaves unchanged.
func parsePhone(in, region string) (Phone, error) {
	p, grade, err := ReadPhone(in, region)
	if grade != PhoneValid {
		return Phone{}, err
	}
	return p, nil
}

// PhoneGrade is how far a text got towards a valid phone number.
type PhoneGrade uint8

const (
	PhoneValid    PhoneGrade = iota // valid by the metadata
	PhoneInPlan                     // possible and shaped like the country's numbers, but not known as assigned
	PhoneDigits                     // not a number that can be normalised, but has digits
	PhoneNoDigits                   // no digit at all
)

// ReadPhone parses in, a value that CollapseSpace leaves unchanged, as
// ParsePhone does, and grades it. p holds the E.164 form for PhoneValid
// and PhoneInPlan; err is ParsePhone's error for every grade but
// PhoneValid (for PhoneInPlan, "not a valid number for country code +1").
func ReadPhone(in, region string) (p Phone, grade PhoneGrade, err error) {
	if in == "" {
		return Phone{}, PhoneNoDigits, phoneError("empty", "empty", 0)
	}
	grade = PhoneDigits
	if !hasDigit(in) {
		grade = PhoneNoDigits
	}
	region = strings.ToUpper(region)
	v, err := unExcelPhone(in)
	if err != nil {
		return Phone{}, grade, err
	}
	v = replaceRuExtension(v)
	if t := strings.TrimLeft(v, " ("); strings.HasPrefix(t, "00") {
		v = "+" + t[2:]
	}
	num, err := phonenumber.Parse(v, region)
	if err == nil && !num.IsValid() && allDigits(v) && len(v) >= 8 {
		if alt, aerr := phonenumber.Parse("+"+v, region); aerr == nil && alt.IsValid() {
			num = alt
		}
	}
	if err != nil {
		switch {
		case errors.Is(err, phonenumber.ErrInvalidCountryCode) && region == "":
			return Phone{}, grade, phoneError("no_country_code", "no country code and no default region", 0)
		case errors.Is(err, phonenumber.ErrInvalidCountryCode):
			return Phone{}, grade, phoneError("unknown_country_code", "unknown country code", 0)
		case errors.Is(err, phonenumber.ErrNotANumber):
			return Phone{}, grade, phoneError("not_a_number", "not a phone number", 0)
		case errors.Is(err, phonenumber.ErrTooShortNSN), errors.Is(err, phonenumber.ErrTooShortAfterIDD):
			return Phone{}, grade, phoneError("too_short", "too short", 0)
		case errors.Is(err, phonenumber.ErrTooLong):
			return Phone{}, grade, phoneError("too_long", "too long", 0)
		}
		return Phone{}, grade, &ValueError{Kind: ErrInvalidPhone, Reason: "not_a_number", Text: err.Error()}
	}
	cc := num.CountryCode
	if !num.IsValid() {
		switch num.Possible() {
		case phonenumber.TooShort, phonenumber.IsPossibleLocalOnly:
			return Phone{}, grade, phoneError("too_short", "too short for country code +%d", cc)
		case phonenumber.TooLong:
			return Phone{}, grade, phoneError("too_long", "too long for country code +%d", cc)
		case phonenumber.InvalidLength:
			return Phone{}, grade, phoneError("invalid_length", "wrong number of digits for country code +%d", cc)
		case phonenumber.InvalidCountryCode:
			return Phone{}, grade, phoneError("unknown_country_code", "unknown country code +%d", cc)
		}
		err = phoneError("not_valid", "not a valid number for country code +%d", cc)
		if !num.InPlan() {
			return Phone{}, grade, err
		}
		return Phone{E164: num.E164(), Ext: num.Extension}, PhoneInPlan, err
	}
	return Phone{E164: num.E164(), Ext: num.Extension}, PhoneValid, nil
}

// phoneError is an ErrInvalidPhone with reason; text may hold one %d, the
// country code cc.
func phoneError(reason, text string, cc int) *ValueError {
	e := &ValueError{Kind: ErrInvalidPhone, Reason: reason, Text: text}
	if cc != 0 {
		e.Text = fmt.Sprintf(text, cc)
		e.Params = map[string]string{"country_code": strconv.Itoa(cc)}
	}
	return e
}

// hasDigit reports whether s holds a decimal digit of any script.
func hasDigit(s string) bool {
	for _, r := range s {
		if '0' <= r && r <= '9' || r > unicode.MaxASCII && unicode.IsDigit(r) {
			return true
		}
	}
	return false
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
		return "", &ValueError{Kind: ErrInvalidPhone, Reason: "fraction", Text: fmt.Sprintf("%q is a fraction, not a phone number", s)}
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	if pad := e - len(frac); pad > 0 && len(digits) < 8 {
		return "", &ValueError{Kind: ErrInvalidPhone, Reason: "scientific_notation", Text: fmt.Sprintf("%q is a number in scientific notation that lost its last digits in a spreadsheet; format the column as text and export again", s)}
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

// IsPhoneRegion reports whether region is an ISO 3166 code that phone
// numbers can be read in (ParsePhone's region): "BR", "RU", "US".
func IsPhoneRegion(region string) bool { return phonenumber.CountryCodeForRegion(region) != 0 }
