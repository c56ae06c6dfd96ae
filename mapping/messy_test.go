package mapping

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// messyRow is one generated contact row and what mapping it must give.
type messyRow struct {
	name, phone, country, email string

	phoneSent  string // "" when left out
	phoneWarn  warn   // zero when none
	phoneKey   bool   // the phone can be a match key
	emailSent  string
	emailWarn  warn
	emailValid bool
}

// messyCountry is a country the generator writes numbers of: how its
// numbers look without and with the country code, and how exports name
// it.
type messyCountry struct {
	region string
	cc     string
	names  []string
	// national returns the digits of a valid national significant
	// number and its national form.
	national func(r *rand.Rand) (nsn, written string)
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

var messyCountries = []messyCountry{
	{"US", "1", []string{"United States", "USA", "US", "Estados Unidos", "EE. UU.", "США", "Vereinigte Staaten"}, func(r *rand.Rand) (string, string) {
		area := []string{"201", "202", "212", "213", "305", "312", "415", "617", "718", "917"}[r.IntN(10)]
		ex := fmt.Sprint(2+r.IntN(8)) + digits(r, 2)
		line := digits(r, 4)
		return area + ex + line, []string{
			"(" + area + ") " + ex + "-" + line, area + "." + ex + "." + line, "1-" + area + "-" + ex + "-" + line, area + ex + line,
		}[r.IntN(4)]
	}},
	{"DE", "49", []string{"Germany", "Deutschland", "DE", "DEU", "Alemania", "Alemanha", "Германия"}, func(r *rand.Rand) (string, string) {
		n := "151" + digits(r, 8)
		return n, "0" + n[:3] + " " + n[3:]
	}},
	{"FR", "33", []string{"France", "Francia", "França", "FR", "Frankreich", "Франция"}, func(r *rand.Rand) (string, string) {
		n := "6" + []string{"0", "1", "2", "4", "5", "6", "7", "8"}[r.IntN(8)] + digits(r, 7)
		return n, "0" + n[:1] + " " + n[1:3] + " " + n[3:5] + " " + n[5:7] + " " + n[7:]
	}},
	{"ES", "34", []string{"Spain", "España", "Espanha", "ESP", "Spanien", "Испания"}, func(r *rand.Rand) (string, string) {
		n := "6" + digits(r, 8)
		return n, n[:3] + " " + n[3:6] + " " + n[6:]
	}},
	{"GB", "44", []string{"United Kingdom", "UK", "GB", "Reino Unido", "Großbritannien", "Великобритания"}, func(r *rand.Rand) (string, string) {
		n := "74" + []string{"0", "1", "2", "3", "4", "6", "7", "8", "9"}[r.IntN(9)] + digits(r, 7)
		return n, "0" + n[:4] + " " + n[4:]
	}},
	{"RU", "7", []string{"Russia", "Россия", "RU", "RUS", "Rusia", "Russland", "Российская Федерация"}, func(r *rand.Rand) (string, string) {
		n := "916" + digits(r, 7)
		return n, "8 (" + n[:3] + ") " + n[3:6] + "-" + n[6:8] + "-" + n[8:]
	}},
}

// messyNames are names in several scripts.
var messyNames = []string{"José Núñez", "Иван Петров", "田中 太郎", "أحمد خالد", "Ελένη Παπαδοπούλου", "Zoë O'Brien", "Łukasz Żółć", "Nguyễn Văn An", "Anne-Marie Dubois", "김민준"}

// genMessyRow makes one row of a contacts export from another CRM, and
// what the defaults must make of it.
func genMessyRow(r *rand.Rand, i int) messyRow {
	row := messyRow{name: messyNames[r.IntN(len(messyNames))]}
	c := messyCountries[r.IntN(len(messyCountries))]
	countryKnown := false
	switch p := r.IntN(100); {
	case p < 90:
		row.country, countryKnown = c.names[r.IntN(len(c.names))], true
	case p < 94:
		row.country = "Narnia"
	}
	switch p := r.IntN(100); {
	case p < 35: // with the country code
		nsn, written := c.national(r)
		if c.region == "US" {
			written = "+1 " + written[strings.IndexAny(written, "(0123456789"):]
			written = strings.Replace(written, "+1 1-", "+1 ", 1)
		} else {
			written = "+" + c.cc + " " + strings.TrimLeft(strings.TrimPrefix(written, "8 "), "0")
		}
		row.phone, row.phoneSent, row.phoneKey = written, "+"+c.cc+nsn, true
	case p < 75: // national, read in the row's country
		nsn, written := c.national(r)
		row.phone = written
		if countryKnown {
			row.phoneSent, row.phoneKey = "+"+c.cc+nsn, true
		} else {
			row.phoneSent = written
			row.phoneWarn = warn{"Phone", WarnPhoneKept, "no_country_code", written, written}
		}
	case p < 87: // a NANP number with an area code the metadata does not know
		area := []string{"487", "593", "379", "624"}[r.IntN(4)]
		n := area + fmt.Sprint(2+r.IntN(8)) + digits(r, 6)
		row.phone = "+1 (" + n[:3] + ") " + n[3:6] + "-" + n[6:]
		row.phoneSent, row.phoneKey = "+1"+n, true
		row.phoneWarn = warn{"Phone", WarnPhoneNormalized, "not_valid", row.phone, row.phoneSent}
	case p < 90:
		row.phone = []string{"n/a", "—", "unknown", "-", "нет"}[r.IntN(5)]
		row.phoneWarn = warn{"Phone", WarnPhoneLeftOut, "not_a_number", row.phone, ""}
	case p < 93:
		row.phone = "+" + c.cc + " " + digits(r, 3)
		row.phoneSent = row.phone
		row.phoneWarn = warn{"Phone", WarnPhoneKept, "too_short", row.phone, row.phone}
	}
	user := strings.ToLower([]string{"ana", "ivan", "jose", "marie", "li", "omar"}[r.IntN(6)]) + fmt.Sprint(i)
	domain := []string{"example.org", "example.com", "mail.example.ru", "correo.example.es"}[r.IntN(4)]
	good := user + "@" + domain
	bad := func(v, code, reason string) {
		row.email, row.emailSent = v, v
		row.emailWarn = warn{"Email", code, reason, v, v}
	}
	// One address in about 30 is malformed, each in its way.
	switch p := r.IntN(1000); {
	case p < 770:
		row.email, row.emailSent, row.emailValid = good, good, true
	case p < 870:
		row.email, row.emailSent, row.emailValid = " "+strings.ToUpper(user[:1])+user[1:]+"@"+strings.ToUpper(domain)+" ", good, true
	case p < 970:
		// no e-mail
	case p < 974:
		bad("."+good, WarnEmailKept, "leading_dot")
	case p < 978:
		bad(user+".@"+domain, WarnEmailKept, "dot_before_at")
	case p < 982:
		bad(user[:2]+".."+user[2:]+"@"+domain, WarnEmailKept, "double_dot")
	case p < 985:
		bad(user+" at "+domain, WarnEmailKept, "space")
	case p < 988:
		bad(user+domain, WarnEmailKept, "no_at")
	case p < 991:
		bad(user+"@"+strings.Split(domain, ".")[0], WarnEmailKept, "domain_without_dot")
	case p < 994:
		bad(user+"@"+domain+".", WarnEmailKept, "bad_domain")
	case p < 997:
		bad(user+"@@"+domain, WarnEmailKept, "several_at")
	default:
		bad(user+"@-"+domain, WarnEmailKept, "bad_domain")
	}
	return row
}

// Messy exports shaped like real ones land: with the defaults, at least
// 99% of the rows map, each with exactly the warnings its values call
// for, and the rows that fail are those whose e-mail key cannot be made
// and whose phone cannot stand in for it.
func TestMessyContacts(t *testing.T) {
	const spec = `
entity: contacts
match: email
columns:
  - {column: Name, field: name}
  - {column: Phone, field: PHONE}
  - {column: Email, field: EMAIL}
`
	r := rand.New(rand.NewPCG(13, 2024))
	total, failed := 0, 0
	for _, countryHeader := range []string{"Country/Region", "MailingCountry", "País", "Страна", "Land", "Billing Country"} {
		header := []string{"Name", "Phone", countryHeader, "Email"}
		m := mustCompile(t, spec, header)
		report := &Report{}
		for i := range 600 {
			g := genMessyRow(r, i)
			rec := Record{Row: i + 2, Values: []string{g.name, g.phone, g.country, g.email}}
			row, errs := m.Map(rec)
			report.Add(row, errs)
			total++
			where := fmt.Sprintf("%s row %d %q", countryHeader, rec.Row, rec.Values)

			emailKeyBad := g.email != "" && !g.emailValid
			if emailKeyBad && !g.phoneKey {
				failed++
				if len(errs) != 1 || errs[0].Code() != "match_key_invalid" || errs[0].Column != "Email" {
					t.Errorf("%s: errors %v, want one match_key_invalid on Email", where, errsOf(errs))
				}
				continue
			}
			if errs != nil {
				t.Errorf("%s: errors %v", where, errsOf(errs))
				continue
			}
			var want []warn
			if g.phoneWarn != (warn{}) {
				want = append(want, g.phoneWarn)
			}
			if g.emailWarn != (warn{}) {
				want = append(want, g.emailWarn)
			}
			wantKey := MatchKey{Kind: MatchEmail}
			switch {
			case emailKeyBad:
				want = append(want, warn{"Email", WarnMatchKeyReplaced, "email", g.email, ""})
				wantKey = MatchKey{Kind: MatchPhone, Values: []string{g.phoneSent}}
			case g.email != "":
				wantKey.Values = []string{g.emailSent}
			}
			if diff := cmp.Diff(want, warnsOf(row)); diff != "" {
				t.Errorf("%s: warnings (-want +got):\n%s", where, diff)
			}
			if diff := cmp.Diff(wantKey, row.Match[kommo.EntityContacts]); diff != "" {
				t.Errorf("%s: match key (-want +got):\n%s", where, diff)
			}
			var wantPhones, wantEmails []string
			if g.phoneSent != "" {
				wantPhones = []string{g.phoneSent}
			}
			if g.emailSent != "" {
				wantEmails = []string{g.emailSent}
			}
			if got := valuesOf(row.Contact, 10); !cmp.Equal(got, wantPhones) {
				t.Errorf("%s: phones %q, want %q", where, got, wantPhones)
			}
			if got := valuesOf(row.Contact, 11); !cmp.Equal(got, wantEmails) {
				t.Errorf("%s: e-mails %q, want %q", where, got, wantEmails)
			}
			if row.Contact.Name != g.name {
				t.Errorf("%s: name %q", where, row.Contact.Name)
			}
		}
		if report.Good+report.Warned+report.Bad != 600 || report.Warned == 0 || report.Good == 0 {
			t.Errorf("%s: report good %d warned %d bad %d", countryHeader, report.Good, report.Warned, report.Bad)
		}
		if t.Failed() {
			break
		}
	}
	if landed := float64(total-failed) / float64(total); landed < 0.99 {
		t.Errorf("%d of %d rows landed (%.2f%%), want at least 99%%", total-failed, total, 100*landed)
	}
	t.Logf("%d rows, %d failed", total, failed)
}

// The generator's claims about numbers hold by the strict parser: valid
// numbers are valid, the area codes it calls unknown are not valid.
func TestMessyGenerator(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		for _, c := range messyCountries {
			nsn, written := c.national(r)
			p, err := ParsePhone(written, c.region)
			if err != nil || p.E164 != "+"+c.cc+nsn {
				t.Errorf("ParsePhone(%q, %s) = %v, %v; want +%s%s", written, c.region, p, err, c.cc, nsn)
			}
		}
	}
	for _, area := range []string{"487", "593", "379", "624"} {
		if _, err := ParsePhone("+1"+area+"2345678", ""); err == nil || !strings.Contains(err.Error(), "not a valid number") {
			t.Errorf("area code %s: %v, want not valid", area, err)
		}
	}
}
