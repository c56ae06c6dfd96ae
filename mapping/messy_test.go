package mapping

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/internal/messy"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
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

// genMessyRow makes one row of a contacts export from another CRM, and
// what the defaults must make of it (see package messy).
func genMessyRow(r *rand.Rand, i int) messyRow {
	given, family := messy.Name(r, i)
	row := messyRow{name: given + " " + family}
	c := &messy.Countries[r.IntN(len(messy.Countries))]
	cell, known := messy.CountryCell(r, c)
	row.country = cell
	region := ""
	if known {
		region = c.Region
	}
	p := messy.GenPhone(r, c, false)
	row.phone = p.Written
	var code string
	row.phoneSent, code, row.phoneKey = p.Outcome(region)
	if code != "" {
		reason := map[int]string{messy.PhoneNational: "no_country_code", messy.PhoneUnassigned: "not_valid", messy.PhoneNoDigits: "not_a_number", messy.PhoneTooShort: "too_short"}[p.Kind]
		row.phoneWarn = warn{"Phone", code, reason, p.Written, row.phoneSent}
	}
	user := []string{"ana", "ivan", "jose", "marie", "li", "omar"}[r.IntN(6)] + fmt.Sprint(i)
	e := messy.GenEmail(r, user)
	row.email, row.emailSent, row.emailValid = e.Written, e.Sent, e.Valid
	if e.Code != "" {
		row.emailWarn = warn{"Email", e.Code, e.Reason, e.Written, e.Sent}
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
			rec := sheet.Record{Row: i + 2, Values: []string{g.name, g.phone, g.country, g.email}}
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
		for _, c := range messy.Countries {
			nsn, written := c.National(r)
			p, err := value.ParsePhone(written, c.Region)
			if err != nil || p.E164 != "+"+c.CC+nsn {
				t.Errorf("ParsePhone(%q, %s) = %v, %v; want +%s%s", written, c.Region, p, err, c.CC, nsn)
			}
			// Written with its country code, it is valid without a region.
			ip := messy.GenPhone(r, &c, true)
			if ip.Kind == messy.PhoneIntl {
				if p, err := value.ParsePhone(ip.Written, ""); err != nil || p.E164 != "+"+c.CC+ip.NSN {
					t.Errorf("ParsePhone(%q) = %v, %v; want +%s%s", ip.Written, p, err, c.CC, ip.NSN)
				}
			}
		}
	}
	for _, area := range messy.UnassignedAreas {
		if _, err := value.ParsePhone("+1"+area+"2345678", ""); err == nil || !strings.Contains(err.Error(), "not a valid number") {
			t.Errorf("area code %s: %v, want not valid", area, err)
		}
	}
}
