// Package messy generates the values of messy, plausible CRM exports for
// tests, from a seeded source: phone numbers of several countries with and
// without their country code (and NANP area codes the phone metadata does
// not know), text that is no phone at all, e-mail addresses malformed in
// every common way, country names in several languages, and names in
// several scripts. Each value comes with what a mapping with the default
// on_invalid policies must make of it, so tests can check every row.
//
// It knows nothing of the mapping package (whose tests use it): outcomes
// are warning codes and E.164 strings.
package messy

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Warning codes (mapping.Warn*), repeated here so that mapping's own tests
// can use this package.
const (
	PhoneNormalized = "phone_normalized"
	PhoneKept       = "phone_kept_as_written"
	PhoneLeftOut    = "phone_left_out"
	EmailKept       = "email_kept_as_written"
)

// A Country is one the generator writes numbers of: its region, its
// country calling code, how exports name it, and its national numbers.
type Country struct {
	Region string
	CC     string
	Names  []string
	// National returns the digits of a valid national significant
	// number and how people write it without the country code.
	National func(r *rand.Rand) (nsn, written string)
}

// Digits returns n random digits.
func Digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// Countries are the countries numbers are generated for.
var Countries = []Country{
	{"US", "1", []string{"United States", "USA", "US", "Estados Unidos", "EE. UU.", "США", "Vereinigte Staaten"}, func(r *rand.Rand) (string, string) {
		area := []string{"201", "202", "212", "213", "305", "312", "415", "617", "718", "917"}[r.IntN(10)]
		ex := fmt.Sprint(2+r.IntN(8)) + Digits(r, 2)
		line := Digits(r, 4)
		return area + ex + line, []string{
			"(" + area + ") " + ex + "-" + line, area + "." + ex + "." + line, "1-" + area + "-" + ex + "-" + line, area + ex + line,
		}[r.IntN(4)]
	}},
	{"DE", "49", []string{"Germany", "Deutschland", "DE", "DEU", "Alemania", "Alemanha", "Германия"}, func(r *rand.Rand) (string, string) {
		n := "151" + Digits(r, 8)
		return n, "0" + n[:3] + " " + n[3:]
	}},
	{"FR", "33", []string{"France", "Francia", "França", "FR", "Frankreich", "Франция"}, func(r *rand.Rand) (string, string) {
		n := "6" + []string{"0", "1", "2", "4", "5", "6", "7", "8"}[r.IntN(8)] + Digits(r, 7)
		return n, "0" + n[:1] + " " + n[1:3] + " " + n[3:5] + " " + n[5:7] + " " + n[7:]
	}},
	{"ES", "34", []string{"Spain", "España", "Espanha", "ESP", "Spanien", "Испания"}, func(r *rand.Rand) (string, string) {
		n := "6" + Digits(r, 8)
		return n, n[:3] + " " + n[3:6] + " " + n[6:]
	}},
	{"GB", "44", []string{"United Kingdom", "UK", "GB", "Reino Unido", "Großbritannien", "Великобритания"}, func(r *rand.Rand) (string, string) {
		n := "74" + []string{"0", "1", "2", "3", "4", "6", "7", "8", "9"}[r.IntN(9)] + Digits(r, 7)
		return n, "0" + n[:4] + " " + n[4:]
	}},
	{"RU", "7", []string{"Russia", "Россия", "RU", "RUS", "Rusia", "Russland", "Российская Федерация"}, func(r *rand.Rand) (string, string) {
		n := "916" + Digits(r, 7)
		return n, "8 (" + n[:3] + ") " + n[3:6] + "-" + n[6:8] + "-" + n[8:]
	}},
}

// CountryOf returns the country of a region.
func CountryOf(region string) *Country {
	for i := range Countries {
		if Countries[i].Region == region {
			return &Countries[i]
		}
	}
	return nil
}

// UnassignedAreas are NANP area codes the phone metadata does not know:
// numbers in them are of the US shape but not valid.
var UnassignedAreas = []string{"487", "593", "379", "624"}

// Names are given and family names in several scripts; Name makes unique
// ones of them.
var (
	Given  = []string{"José", "Иван", "太郎", "أحمد", "Ελένη", "Zoë", "Łukasz", "Nguyễn", "Anne-Marie", "민준"}
	Family = []string{"Núñez", "Петров", "田中", "خالد", "Παπαδοπούλου", "O'Brien", "Żółć", "Văn An", "Dubois", "김"}
)

// Name returns the given and family name of person i, unique per i.
func Name(r *rand.Rand, i int) (given, family string) {
	return Given[r.IntN(len(Given))], fmt.Sprintf("%s %d", Family[r.IntN(len(Family))], i)
}

// Phone kinds.
const (
	PhoneNone       = iota // an empty cell (the zero Phone)
	PhoneIntl              // valid, with its country code
	PhoneNational          // valid, without it
	PhoneUnassigned        // +1 and an area code the metadata does not know
	PhoneNoDigits          // "n/a", "—"
	PhoneTooShort          // "+49 123"
)

// A Phone is a generated phone cell.
type Phone struct {
	Written string
	Kind    int
	Country *Country // nil for PhoneNoDigits and PhoneUnassigned
	NSN     string
}

// GenPhone makes a phone of country c, of a random kind (c's numbers
// with or without the country code mostly). intlOnly leaves national
// numbers out.
func GenPhone(r *rand.Rand, c *Country, intlOnly bool) Phone {
	p := r.IntN(100)
	if intlOnly && p >= 35 && p < 75 {
		p = 0
	}
	switch {
	case p < 35:
		nsn, written := c.National(r)
		if c.Region == "US" {
			written = "+1 " + written[strings.IndexAny(written, "(0123456789"):]
			written = strings.Replace(written, "+1 1-", "+1 ", 1)
		} else {
			written = "+" + c.CC + " " + strings.TrimLeft(strings.TrimPrefix(written, "8 "), "0")
		}
		return Phone{Written: written, Kind: PhoneIntl, Country: c, NSN: nsn}
	case p < 75:
		nsn, written := c.National(r)
		return Phone{Written: written, Kind: PhoneNational, Country: c, NSN: nsn}
	case p < 87:
		area := UnassignedAreas[r.IntN(len(UnassignedAreas))]
		n := area + fmt.Sprint(2+r.IntN(8)) + Digits(r, 6)
		return Phone{Written: "+1 (" + n[:3] + ") " + n[3:6] + "-" + n[6:], Kind: PhoneUnassigned, NSN: n}
	case p < 90:
		return Phone{Written: []string{"n/a", "—", "unknown", "-", "нет"}[r.IntN(5)], Kind: PhoneNoDigits}
	case p < 93:
		return Phone{Written: "+" + c.CC + " " + Digits(r, 3), Kind: PhoneTooShort, Country: c}
	}
	return Phone{Kind: PhoneNone}
}

// Outcome is what the default policy makes of p when the row reads
// numbers without a country code in region ("" for none): the text sent
// ("" when left out), the warning code ("" for none), and whether the
// value is normalised, so that it can be a match key.
func (p Phone) Outcome(region string) (sent, code string, key bool) {
	switch p.Kind {
	case PhoneIntl:
		return "+" + p.Country.CC + p.NSN, "", true
	case PhoneNational:
		if region == p.Country.Region {
			return "+" + p.Country.CC + p.NSN, "", true
		}
		return p.Written, PhoneKept, false
	case PhoneUnassigned:
		return "+1" + p.NSN, PhoneNormalized, true
	case PhoneNoDigits:
		return "", PhoneLeftOut, false
	case PhoneNone:
		return "", "", false
	}
	return p.Written, PhoneKept, false
}

// An Email is a generated e-mail cell.
type Email struct {
	Written string
	Sent    string // what the default policy sends ("" for none)
	Valid   bool   // it validates (and can be a match key)
	Code    string // EmailKept for one that does not validate
	Reason  string // the defect: leading_dot, no_at, ...
}

// GenEmail makes the e-mail of a person whose address is user@domain:
// mostly valid, some in another case with spaces around, some missing,
// and about one in thirty malformed, each in its way.
func GenEmail(r *rand.Rand, user string) Email {
	domain := []string{"example.org", "example.com", "mail.example.ru", "correo.example.es"}[r.IntN(4)]
	good := user + "@" + domain
	bad := func(v, reason string) Email { return Email{Written: v, Sent: v, Code: EmailKept, Reason: reason} }
	switch p := r.IntN(1000); {
	case p < 770:
		return Email{Written: good, Sent: good, Valid: true}
	case p < 870:
		return Email{Written: " " + strings.ToUpper(user[:1]) + user[1:] + "@" + strings.ToUpper(domain) + " ", Sent: good, Valid: true}
	case p < 970:
		return Email{}
	case p < 974:
		return bad("."+good, "leading_dot")
	case p < 978:
		return bad(user+".@"+domain, "dot_before_at")
	case p < 982:
		return bad(user[:2]+".."+user[2:]+"@"+domain, "double_dot")
	case p < 985:
		return bad(user+" at "+domain, "space")
	case p < 988:
		return bad(user+domain, "no_at")
	case p < 991:
		return bad(user+"@"+strings.Split(domain, ".")[0], "domain_without_dot")
	case p < 994:
		return bad(user+"@"+domain+".", "bad_domain")
	case p < 997:
		return bad(user+"@@"+domain, "several_at")
	}
	return bad(user+"@-"+domain, "bad_domain")
}

// Vary writes a valid address as a person might write it again: another
// case, spaces around.
func Vary(r *rand.Rand, email string) string {
	switch r.IntN(3) {
	case 0:
		return strings.ToUpper(email)
	case 1:
		return "  " + email + " "
	}
	return " " + strings.ToUpper(email[:1]) + email[1:]
}

// CountryCell is what a row's country column says of c: one of its names
// mostly, sometimes a country nobody knows or nothing. It returns the
// cell and whether it names c.
func CountryCell(r *rand.Rand, c *Country) (string, bool) {
	switch p := r.IntN(100); {
	case p < 90:
		return c.Names[r.IntN(len(c.Names))], true
	case p < 94:
		return "Narnia", false
	}
	return "", false
}
