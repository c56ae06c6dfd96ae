package migrate

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/internal/messy"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// The messy exports: for each source, files shaped like its real ones
// (its columns, its languages, a country column), filled by package messy
// with phones of several countries with and without their country code,
// unassigned area codes, text that is no phone, malformed e-mails, names
// in several scripts, references to records of files not given and
// duplicates that differ in case and spaces. The test knows what becomes
// of every value, so it checks every row's warnings and the whole account.

// Column kinds of a generated file.
const (
	cID           = iota // the row's own id
	cFalse               // "false" (Salesforce's IsDeleted)
	cCompany             // a company's name
	cCompanyPhone        // a company's phone, with its country code
	cGiven               // a person's given name
	cFamily              // a person's family name
	cFullName            // given and family name
	cPhone               // a person's phone
	cMobile              // a person's second phone
	cEmail               // a person's e-mail
	cCountry             // the row's country
	cOwner               // a Kommo user's name
	cCompanyRef          // a contact's company id
	cDealName            // a deal's name
	cAmount              // a deal's amount
	cPipeline            // "Sales"
	cStage               // a stage of Sales
	cOpen                // "open" (Pipedrive's deal status)
	cContactRefs         // a deal's contact ids (";"-separated)
	cDealCompany         // a deal's company id
	cPersonID            // the id of a deal's person (inline)
	cOrgID               // the id of a deal's organisation (inline)
)

type mcol struct {
	header string
	kind   int
	lower  bool // the preset lower-cases the column (HubSpot's Email)
}

type mfile struct {
	name   string
	entity kommo.EntityType
	comma  rune
	cols   []mcol
}

// msource is one CRM's export: its files and the region its preset reads
// phones in ("" for none: the row's country, else the account's).
type msource struct {
	source string
	region string
	files  []mfile
}

var messySources = []msource{
	{source: "hubspot", files: []mfile{
		{"hubspot-crm-exports-all-companies-2024-03-15.csv", kommo.EntityCompanies, ',', []mcol{{"Record ID", cID, false}, {"Company name", cCompany, false},
			{"Phone Number", cCompanyPhone, false}, {"Company owner", cOwner, false}}},
		{"hubspot-crm-exports-all-contacts-2024-03-15.csv", kommo.EntityContacts, ',', []mcol{{"Record ID", cID, false}, {"First Name", cGiven, false},
			{"Last Name", cFamily, false}, {"Email", cEmail, true}, {"Phone Number", cPhone, false}, {"Mobile Phone Number", cMobile, false},
			{"Contact owner", cOwner, false}, {"Country/Region", cCountry, false}, {"Associated Company ID", cCompanyRef, false}}},
		{"hubspot-crm-exports-all-deals-2024-03-15.csv", kommo.EntityLeads, ',', []mcol{{"Record ID", cID, false}, {"Deal Name", cDealName, false},
			{"Amount", cAmount, false}, {"Pipeline", cPipeline, false}, {"Deal Stage", cStage, false}, {"Deal owner", cOwner, false},
			{"Associated Contact IDs", cContactRefs, false}, {"Associated Company IDs", cDealCompany, false}}},
	}},
	{source: "salesforce", files: []mfile{
		{"Account.csv", kommo.EntityCompanies, ',', []mcol{{"Id", cID, false}, {"IsDeleted", cFalse, false}, {"Name", cCompany, false},
			{"Phone", cCompanyPhone, false}, {"OwnerId", cOwner, false}}},
		{"Contact.csv", kommo.EntityContacts, ',', []mcol{{"Id", cID, false}, {"IsDeleted", cFalse, false}, {"AccountId", cCompanyRef, false},
			{"FirstName", cGiven, false}, {"LastName", cFamily, false}, {"Email", cEmail, false}, {"Phone", cPhone, false},
			{"MobilePhone", cMobile, false}, {"OwnerId", cOwner, false}, {"MailingCountry", cCountry, false}}},
		{"Opportunity.csv", kommo.EntityLeads, ',', []mcol{{"Id", cID, false}, {"IsDeleted", cFalse, false}, {"AccountId", cDealCompany, false},
			{"ContactId", cContactRefs, false}, {"Name", cDealName, false}, {"StageName", cStage, false}, {"Amount", cAmount, false}, {"OwnerId", cOwner, false}}},
	}},
	{source: "zoho", files: []mfile{
		{"Accounts_2024_03_15.csv", kommo.EntityCompanies, ',', []mcol{{"Record Id", cID, false}, {"Account Owner", cOwner, false},
			{"Account Name", cCompany, false}, {"Phone", cCompanyPhone, false}}},
		{"Contacts_2024_03_15.csv", kommo.EntityContacts, ',', []mcol{{"Record Id", cID, false}, {"Contact Owner", cOwner, false},
			{"First Name", cGiven, false}, {"Last Name", cFamily, false}, {"Account Id", cCompanyRef, false}, {"Email", cEmail, false},
			{"Phone", cPhone, false}, {"Mobile", cMobile, false}, {"Mailing Country", cCountry, false}}},
		{"Deals_2024_03_15.csv", kommo.EntityLeads, ',', []mcol{{"Record Id", cID, false}, {"Deal Owner", cOwner, false},
			{"Deal Name", cDealName, false}, {"Amount", cAmount, false}, {"Stage", cStage, false}, {"Contact Id", cContactRefs, false},
			{"Account Id", cDealCompany, false}}},
	}},
	{source: "bitrix24", region: "RU", files: []mfile{
		{"COMPANY.csv", kommo.EntityCompanies, ';', []mcol{{"ID", cID, false}, {"Название компании", cCompany, false},
			{"Рабочий телефон", cCompanyPhone, false}, {"Ответственный", cOwner, false}}},
		{"CONTACT.csv", kommo.EntityContacts, ';', []mcol{{"ID", cID, false}, {"Имя", cGiven, false}, {"Фамилия", cFamily, false},
			{"Рабочий телефон", cPhone, false}, {"Мобильный телефон", cMobile, false}, {"Рабочий e-mail", cEmail, false},
			{"ID компании", cCompanyRef, false}, {"Ответственный", cOwner, false}, {"Страна", cCountry, false}}},
		{"DEAL.csv", kommo.EntityLeads, ';', []mcol{{"ID", cID, false}, {"Название сделки", cDealName, false}, {"Направление", cPipeline, false},
			{"Стадия сделки", cStage, false}, {"Сумма", cAmount, false}, {"Ответственный", cOwner, false},
			{"ID контакта", cContactRefs, false}, {"ID компании", cDealCompany, false}}},
	}},
	{source: "pipedrive", files: []mfile{
		{"deals-2024-03-15.csv", kommo.EntityLeads, ',', []mcol{{"Deal - ID", cID, false}, {"Deal - Title", cDealName, false},
			{"Deal - Value", cAmount, false}, {"Deal - Owner", cOwner, false}, {"Deal - Pipeline", cPipeline, false},
			{"Deal - Status", cOpen, false}, {"Deal - Stage", cStage, false}, {"Person - ID", cPersonID, false},
			{"Person - Name", cFullName, false}, {"Person - Email (Work)", cEmail, false}, {"Person - Phone (Work)", cPhone, false},
			{"Person - Country", cCountry, false}, {"Organization - ID", cOrgID, false}, {"Organization - Name", cCompany, false}}},
	}},
	{source: "amocrm", region: "RU", files: []mfile{
		{"amocrm_export_leads_2024-03-15.csv", kommo.EntityLeads, ';', []mcol{{"ID", cID, false}, {"Название сделки", cDealName, false},
			{"Бюджет", cAmount, false}, {"Воронка", cPipeline, false}, {"Этап сделки", cStage, false}, {"Ответственный", cOwner, false},
			{"Основной контакт", cFullName, false}, {"Компания контакта", cCompany, false}, {"Рабочий телефон", cPhone, false},
			{"Рабочий email", cEmail, false}}},
	}},
}

// Generated records.
type (
	mCompany struct {
		id, name, phoneText, phoneSent string
	}
	mPerson struct {
		id, given, family string
		phone, mobile     messy.Phone
		email             messy.Email
		country           *messy.Country
		cell              string
		known             bool
		companyRef        string
		company           *mCompany
		owner             string
	}
	mDeal struct {
		id, name, stage, owner string
		amount                 int
		contactRefs            []string
		contacts               []*mPerson
		companyRef             string
		company                *mCompany
	}
)

// wantWarning is what a row's warning must say.
type wantWarning struct{ Column, Code, Value string }

var messyUsers = []string{"Ana Admin", "Boris Manager", "Chen Sales"}

// messyExport generates a source's files: their CSV text, the warnings
// each row must have (file → line → warnings), and the account they must
// make (accountLines). Duplicate contact rows and their lines are noted.
type messyExport struct {
	src      msource
	csv      map[string][]byte
	warnings map[string]map[int][]wantWarning
	rows     map[string]int // file → rows
	dups     map[string]int // file → duplicate rows (merged)
	want     []string       // the account, as accountLines renders it
}

func genMessyExport(t *testing.T, r *rand.Rand, src msource) *messyExport {
	t.Helper()
	x := &messyExport{src: src, csv: map[string][]byte{}, warnings: map[string]map[int][]wantWarning{}, rows: map[string]int{}, dups: map[string]int{}}
	inline := len(src.files) == 1 // the deals carry their person and organisation
	intlPhone := func(c *messy.Country) (string, string) {
		for {
			if p := messy.GenPhone(r, c, true); p.Kind == messy.PhoneIntl {
				sent, _, _ := p.Outcome("")
				return p.Written, sent
			}
		}
	}
	country := func() *messy.Country { return &messy.Countries[r.IntN(len(messy.Countries))] }
	// Companies, persons and deals.
	nCompanies, nPersons, nDeals := 25, 90, 80
	if inline {
		nCompanies, nPersons, nDeals = 20, 60, 120
	}
	var companies []*mCompany
	byID := map[string]*mCompany{}
	for i := range nCompanies {
		co := &mCompany{id: fmt.Sprintf("%s-C%03d", src.source[:2], i), name: fmt.Sprintf("%s %s %d", []string{"Acme", "Рога и копыта", "Globex", "Initech", "Umbrella", "Compañía"}[r.IntN(6)], []string{"GmbH", "ООО", "LLC", "S.A.", "Ltd"}[r.IntN(5)], i)}
		co.phoneText, co.phoneSent = intlPhone(country())
		companies = append(companies, co)
		byID[co.id] = co
	}
	missing := func(prefix string, i int) string { return fmt.Sprintf("%s-%s-X%03d", src.source[:2], prefix, i) } // in no file
	var persons []*mPerson
	personByID := map[string]*mPerson{}
	for i := range nPersons {
		p := &mPerson{id: fmt.Sprintf("%s-P%03d", src.source[:2], i), owner: messyUsers[r.IntN(3)]}
		p.given, p.family = messy.Name(r, i)
		p.country = country()
		p.cell, p.known = messy.CountryCell(r, p.country)
		national := src.region != "" && p.country.Region != src.region
		// A preset's region reads every national number: the export has
		// its own country's numbers without the code, the others with it.
		p.phone = messy.GenPhone(r, p.country, national)
		if r.IntN(3) == 0 {
			p.mobile = messy.GenPhone(r, p.country, national)
		}
		p.email = messy.GenEmail(r, []string{"ana", "ivan", "jose", "marie", "li", "omar"}[r.IntN(6)]+strconv.Itoa(i)+src.source[:2])
		switch n := r.IntN(100); {
		case n < 85:
			p.company = companies[r.IntN(len(companies))]
			p.companyRef = p.company.id
		case n < 92 && !inline:
			p.companyRef = missing("C", i) // a company of a file not given
		}
		persons = append(persons, p)
		personByID[p.id] = p
	}
	var deals []*mDeal
	for i := range nDeals {
		d := &mDeal{id: fmt.Sprintf("%s-D%03d", src.source[:2], i), name: fmt.Sprintf("%s %d", []string{"Сделка", "Proyecto", "Deal", "Negócio", "Auftrag"}[r.IntN(5)], i),
			stage: []string{"New", "Qualified", "Proposal"}[r.IntN(3)], owner: messyUsers[r.IntN(3)], amount: 100 * (1 + r.IntN(1000))}
		if inline {
			p := persons[r.IntN(len(persons))]
			d.contacts, d.company = []*mPerson{p}, p.company
		} else {
			switch n := r.IntN(100); {
			case n < 80:
				p := persons[r.IntN(len(persons))]
				d.contactRefs, d.contacts = []string{p.id}, []*mPerson{p}
				if src.source == "hubspot" && n < 15 {
					q := persons[r.IntN(len(persons))]
					if q != p {
						d.contactRefs, d.contacts = append(d.contactRefs, q.id), append(d.contacts, q)
					}
				}
			case n < 86:
				d.contactRefs = []string{missing("P", i)}
			case n < 90 && src.source == "hubspot":
				p := persons[r.IntN(len(persons))]
				d.contactRefs, d.contacts = []string{p.id, missing("P", i)}, []*mPerson{p}
			}
			switch n := r.IntN(100); {
			case n < 75:
				d.company = companies[r.IntN(len(companies))]
				d.companyRef = d.company.id
			case n < 82:
				d.companyRef = missing("C", i)
			}
		}
		deals = append(deals, d)
	}

	// The files.
	region := func(p *mPerson, f mfile) string {
		if src.region != "" {
			return src.region
		}
		if p.known && slices.ContainsFunc(f.cols, func(c mcol) bool { return c.kind == cCountry }) {
			return p.country.Region
		}
		return "US" // the emulator account's country
	}
	used := map[*mCompany]bool{}
	for _, f := range src.files {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Comma = f.comma
		header := make([]string, len(f.cols))
		for i, c := range f.cols {
			header[i] = c.header
		}
		w.Write(header)
		ws := map[int][]wantWarning{}
		line := 1
		emit := func(values []string, warns []wantWarning) {
			line++
			w.Write(values)
			if len(warns) > 0 {
				ws[line] = warns
			}
		}
		personCells := func(p *mPerson, id, emailText string, values []string, warns *[]wantWarning) {
			reg := region(p, f)
			for i, c := range f.cols {
				var ph *messy.Phone
				switch c.kind {
				case cID, cPersonID:
					values[i] = id
				case cGiven:
					values[i] = p.given
				case cFamily:
					values[i] = p.family
				case cFullName:
					values[i] = p.given + " " + p.family
					if src.region == "RU" { // amoCRM writes the family name first
						values[i] = p.family + " " + p.given
					}
				case cPhone:
					ph = &p.phone
				case cMobile:
					ph = &p.mobile
				case cEmail:
					values[i] = emailText
					if p.email.Code != "" {
						v := p.email.Written
						if c.lower {
							v = strings.ToLower(v)
						}
						*warns = append(*warns, wantWarning{c.header, p.email.Code, v})
					}
				case cCountry:
					values[i] = p.cell
				case cOwner:
					values[i] = p.owner
				case cFalse:
					values[i] = "false"
				case cCompanyRef:
					values[i] = p.companyRef
					if p.companyRef != "" && p.company == nil {
						*warns = append(*warns, wantWarning{c.header, mapping.WarnRefNotFound, p.companyRef})
					}
				}
				if ph != nil {
					values[i] = ph.Written
					if _, code, _ := ph.Outcome(reg); code != "" {
						*warns = append(*warns, wantWarning{c.header, code, ph.Written})
					}
				}
			}
		}
		switch f.entity {
		case kommo.EntityCompanies:
			for _, co := range companies {
				values := make([]string, len(f.cols))
				for i, c := range f.cols {
					switch c.kind {
					case cID:
						values[i] = co.id
					case cFalse:
						values[i] = "false"
					case cCompany:
						values[i] = co.name
					case cCompanyPhone:
						values[i] = co.phoneText
					case cOwner:
						values[i] = messyUsers[r.IntN(3)]
					}
				}
				emit(values, nil)
				used[co] = true
			}
		case kommo.EntityContacts:
			for _, p := range persons {
				values := make([]string, len(f.cols))
				var warns []wantWarning
				personCells(p, p.id, p.email.Written, values, &warns)
				emit(values, warns)
				// A duplicate: the same person again under another id, the
				// address in another case and with spaces.
				if p.email.Valid && r.IntN(100) < 8 {
					values := make([]string, len(f.cols))
					var warns []wantWarning
					personCells(p, p.id+"-dup", messy.Vary(r, p.email.Sent), values, &warns)
					emit(values, warns)
					x.dups[f.name]++
				}
			}
		case kommo.EntityLeads:
			for _, d := range deals {
				values := make([]string, len(f.cols))
				var warns []wantWarning
				for i, c := range f.cols {
					switch c.kind {
					case cID:
						values[i] = d.id
					case cFalse:
						values[i] = "false"
					case cDealName:
						values[i] = d.name
					case cAmount:
						values[i] = strconv.Itoa(d.amount)
					case cPipeline:
						values[i] = "Sales"
					case cStage:
						values[i] = d.stage
					case cOpen:
						values[i] = "open"
					case cOwner:
						values[i] = d.owner
					case cContactRefs:
						values[i] = strings.Join(d.contactRefs, ";")
						var lost []string
						for _, ref := range d.contactRefs {
							if personByID[ref] == nil {
								lost = append(lost, ref)
							}
						}
						switch {
						case len(lost) == len(d.contactRefs) && len(lost) > 0:
							warns = append(warns, wantWarning{c.header, mapping.WarnRefNotFound, values[i]})
						case len(lost) > 0:
							for _, ref := range lost {
								warns = append(warns, wantWarning{c.header, mapping.WarnRefNotFound, ref})
							}
						}
					case cDealCompany:
						values[i] = d.companyRef
						if d.companyRef != "" && d.company == nil {
							warns = append(warns, wantWarning{c.header, mapping.WarnRefNotFound, d.companyRef})
						}
					case cOrgID:
						if d.company != nil {
							values[i] = d.company.id
						}
					case cCompany:
						if d.company != nil {
							values[i] = d.company.name
							used[d.company] = true
						}
					}
				}
				if inline {
					p := d.contacts[0]
					pv := make([]string, len(f.cols))
					personCells(p, p.id, p.email.Written, pv, &warns)
					for i, c := range f.cols {
						switch c.kind {
						case cPersonID, cFullName, cGiven, cFamily, cPhone, cMobile, cEmail, cCountry:
							values[i] = pv[i]
						}
					}
				}
				emit(values, warns)
			}
		}
		w.Flush()
		x.csv[f.name] = buf.Bytes()
		x.warnings[f.name] = ws
		x.rows[f.name] = line - 1
	}

	// The account they make.
	personLine := func(p *mPerson) string {
		reg := region(p, mfile{cols: []mcol{{kind: cCountry}}})
		if inline && !slices.ContainsFunc(src.files[0].cols, func(c mcol) bool { return c.kind == cCountry }) {
			reg = region(p, mfile{})
		}
		var phones, emails []string
		kinds := []messy.Phone{p.phone}
		if slices.ContainsFunc(src.files, func(f mfile) bool {
			return slices.ContainsFunc(f.cols, func(c mcol) bool { return c.kind == cMobile })
		}) {
			kinds = append(kinds, p.mobile)
		}
		for _, ph := range kinds {
			if sent, _, _ := ph.Outcome(reg); sent != "" {
				phones = append(phones, sent)
			}
		}
		if p.email.Sent != "" {
			emails = append(emails, p.email.Sent)
			if inline && p.email.Code == "" {
				emails[0] = p.email.Sent
			}
		}
		var cos []string
		if p.company != nil {
			cos = append(cos, p.company.name)
		}
		return contactLine(p.given+" "+p.family, phones, emails, cos)
	}
	seen := map[*mPerson]bool{}
	for _, d := range deals {
		var cts, cos []string
		for _, p := range d.contacts {
			cts = append(cts, nameKey(p.given+" "+p.family))
			seen[p] = true
		}
		if d.company != nil {
			cos = append(cos, d.company.name)
		}
		x.want = append(x.want, leadLine(d.name, d.amount, "Sales/"+d.stage, d.owner, cts, cos))
	}
	for _, p := range persons {
		if !inline || seen[p] {
			x.want = append(x.want, personLine(p))
		}
	}
	for _, co := range companies {
		if !inline || used[co] {
			phones := []string{co.phoneSent}
			if inline {
				phones = nil // a deal's organisation has no phone column
			}
			x.want = append(x.want, companyLine(co.name, phones))
		}
	}
	sort.Strings(x.want)
	return x
}

// nameKey is a person's name with its words sorted: the order a
// split_name reads them in does not matter.
func nameKey(name string) string {
	w := strings.Fields(name)
	sort.Strings(w)
	return strings.Join(w, " ")
}

func contactLine(name string, phones, emails, companies []string) string {
	sort.Strings(phones)
	sort.Strings(emails)
	sort.Strings(companies)
	return fmt.Sprintf("contact %q phones=%q emails=%q companies=%q", nameKey(name), phones, emails, companies)
}

func leadLine(name string, price int, stage, owner string, contacts, companies []string) string {
	sort.Strings(contacts)
	sort.Strings(companies)
	return fmt.Sprintf("lead %q price=%d stage=%s owner=%s contacts=%q companies=%q", name, price, stage, owner, contacts, companies)
}

func companyLine(name string, phones []string) string {
	sort.Strings(phones)
	return fmt.Sprintf("company %q phones=%q", name, phones)
}

// accountLines renders what the account holds as the lines
// genMessyExport expects.
func accountLines(st kt.State) []string {
	users := map[int]string{}
	for _, u := range st.Users {
		users[u.ID] = u.Name
	}
	stages := map[[2]int]string{}
	for _, p := range st.Pipelines {
		for _, s := range p.Statuses {
			stages[[2]int{p.ID, s.ID}] = p.Name + "/" + s.Name
		}
	}
	values := func(fs []kt.FieldValues, code string) []string {
		var out []string
		for _, f := range fs {
			if f.FieldCode == code {
				for _, v := range f.Values {
					out = append(out, fmt.Sprint(v.Value))
				}
			}
		}
		return out
	}
	names := map[string]string{}
	for _, c := range st.Companies {
		names[fmt.Sprintf("companies/%d", c.ID)] = c.Name
	}
	contactName := func(c kt.Contact) string {
		if c.Name != "" {
			return c.Name
		}
		return c.FirstName + " " + c.LastName
	}
	for _, c := range st.Contacts {
		names[fmt.Sprintf("contacts/%d", c.ID)] = nameKey(contactName(c))
	}
	linked := map[string]map[string][]string{} // entity/id → linked entity type → names
	for _, l := range st.Links {
		from, to := fmt.Sprintf("%s/%d", l.EntityType, l.EntityID), fmt.Sprintf("%s/%d", l.ToEntityType, l.ToEntityID)
		for _, pair := range [][2]string{{from, to}, {to, from}} {
			typ := strings.Split(pair[1], "/")[0]
			if linked[pair[0]] == nil {
				linked[pair[0]] = map[string][]string{}
			}
			if n := names[pair[1]]; n != "" && !slices.Contains(linked[pair[0]][typ], n) {
				linked[pair[0]][typ] = append(linked[pair[0]][typ], n)
			}
		}
	}
	var out []string
	for _, c := range st.Companies {
		out = append(out, companyLine(c.Name, values(c.CustomFieldsValues, "PHONE")))
	}
	for _, c := range st.Contacts {
		k := fmt.Sprintf("contacts/%d", c.ID)
		out = append(out, contactLine(contactName(c), values(c.CustomFieldsValues, "PHONE"), values(c.CustomFieldsValues, "EMAIL"), linked[k]["companies"]))
	}
	for _, l := range st.Leads {
		k := fmt.Sprintf("leads/%d", l.ID)
		out = append(out, leadLine(l.Name, int(l.Price), stages[[2]int{l.PipelineID, l.StatusID}], users[l.ResponsibleUserID], linked[k]["contacts"], linked[k]["companies"]))
	}
	sort.Strings(out)
	return out
}

// Messy exports of each source land whole: every distinct record is in
// the account, merged where it is one, with exactly the values the
// defaults make of its cells, and every row has exactly the warnings its
// values call for. The landing rate per source is logged.
func TestMessyExportsLand(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 2026))
	var table []string
	for _, src := range messySources {
		x := genMessyExport(t, r, src)
		t.Run(src.source, func(t *testing.T) {
			e := newTestEnv(t)
			p, err := PresetFor(src.source)
			if err != nil {
				t.Fatal(err)
			}
			var files []File
			for _, f := range src.files {
				data := x.csv[f.name]
				open := func() (sheet.Table, error) {
					return sheet.Open(f.name, bytes.NewReader(data), int64(len(data)), sheet.ReadOptions{})
				}
				tb, err := open()
				if err != nil {
					t.Fatal(err)
				}
				header := tb.Header()
				tb.Close()
				ds := Detect([]*Preset{p}, f.name, header)
				if len(ds) == 0 || ds[0].Entity != f.entity {
					t.Fatalf("%s: detected %v, want %s", f.name, ds, f.entity)
				}
				fit := ds[0].File.Fit(header, DefaultIDField)
				mf := File{Name: f.name, Spec: fit.Spec, Open: open, FieldTypes: fit.Types}
				if len(fit.Skip) > 0 {
					mf.Skip = fit.Skips
				}
				files = append(files, mf)
			}
			results := map[string]*bulk.Result{}
			rep, err := Run(t.Context(), e.c, files, Options{CreateFields: true, Results: func(file string, res *bulk.Result) { results[file] = res }})
			if err != nil {
				t.Fatalf("Migrate: %v\nunmatched: %+v", err, rep.Unmatched)
			}

			// Every row: its outcome and its warnings.
			rows, landed, warned, failed := 0, 0, 0, 0
			for _, fr := range rep.Files {
				rows += fr.Rows
				landed += fr.Landed
				warned += fr.Warned
				failed += fr.Failed
				if fr.Rows != x.rows[fr.File] || fr.Landed != fr.Rows || fr.Failed != 0 || fr.Merged != x.dups[fr.File] {
					t.Errorf("%s: %d rows, %d landed, %d failed, %d merged; want %d rows, all landed, %d merged", fr.File, fr.Rows, fr.Landed, fr.Failed, fr.Merged, x.rows[fr.File], x.dups[fr.File])
				}
				res := results[fr.File]
				for line, rr := range res.Rows {
					if rr.Action == bulk.ActionError {
						t.Errorf("%s row %d failed: %v", fr.File, line, rr.Err)
						continue
					}
					var got []wantWarning
					for _, w := range rr.Warnings {
						got = append(got, wantWarning{w.Column, w.Code, w.Value})
					}
					// The mapping's come first, then the links': compared
					// in any order.
					want := slices.Clone(x.warnings[fr.File][line])
					order := func(a, b wantWarning) int {
						return strings.Compare(a.Column+"\x00"+a.Code+"\x00"+a.Value, b.Column+"\x00"+b.Code+"\x00"+b.Value)
					}
					slices.SortFunc(want, order)
					slices.SortFunc(got, order)
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s row %d: warnings (-want +got):\n%s", fr.File, line, diff)
					}
				}
			}
			if rate := float64(landed) / float64(rows); rate < 0.99 {
				t.Errorf("%d of %d rows landed (%.1f%%), want at least 99%%", landed, rows, 100*rate)
			}
			// The account, exactly.
			if diff := cmp.Diff(x.want, accountLines(e.emu.Snapshot())); diff != "" {
				t.Errorf("account (-want +got):\n%s", diff)
			}
			table = append(table, fmt.Sprintf("%-10s %4d rows: %4d landed (%.1f%%), %3d of them with warnings, %d failed", src.source, rows, landed, 100*float64(landed)/float64(rows), warned, failed))
		})
	}
	table = append(table, messyImport(t, r))
	t.Logf("landing rate of messy exports per source:\n%s", strings.Join(table, "\n"))
}

// messyImport imports a messy contacts file with a plain spec, upserting
// by e-mail, and checks it as TestMessyExportsLand checks migrations; the
// rows that fail are those whose e-mail cannot be the key with no phone to
// stand in. It returns the line of the landing table.
func messyImport(t *testing.T, r *rand.Rand) string {
	const spec = `entity: contacts
match: email
columns:
  - {column: Name, field: name}
  - {column: Phone, field: PHONE}
  - {column: Email, field: EMAIL}
  - {column: Company, entity: companies, field: name}
`
	type person struct {
		name, company    string
		phone            messy.Phone
		email            messy.Email
		region, cell     string
		phoneSent, pcode string
		phoneKey         bool
	}
	var persons []*person
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"Name", "Phone", "Country/Region", "Email", "Company"})
	wantWarn := map[int][]wantWarning{}
	wantFail := map[int]bool{}
	line := 1
	row := func(p *person, email string) {
		line++
		w.Write([]string{p.name, p.phone.Written, p.cell, email, p.company})
		var ws []wantWarning
		if p.pcode != "" {
			ws = append(ws, wantWarning{"Phone", p.pcode, p.phone.Written})
		}
		if p.email.Code != "" {
			if !p.phoneKey {
				wantFail[line] = true // no key to match by
				return
			}
			ws = append(ws, wantWarning{"Email", p.email.Code, p.email.Written}, wantWarning{"Email", mapping.WarnMatchKeyReplaced, p.email.Written})
		}
		if ws != nil {
			wantWarn[line] = ws
		}
	}
	for i := range 600 {
		given, family := messy.Name(r, i)
		c := &messy.Countries[r.IntN(len(messy.Countries))]
		p := &person{name: given + " " + family, region: "US", phone: messy.GenPhone(r, c, false),
			email: messy.GenEmail(r, []string{"ana", "ivan", "jose", "marie", "li", "omar"}[r.IntN(6)]+strconv.Itoa(i))}
		var known bool
		if p.cell, known = messy.CountryCell(r, c); known {
			p.region = c.Region
		}
		if r.IntN(4) > 0 {
			p.company = fmt.Sprintf("Company %d", r.IntN(40))
		}
		p.phoneSent, p.pcode, p.phoneKey = p.phone.Outcome(p.region)
		persons = append(persons, p)
		row(p, p.email.Written)
		if p.email.Valid && r.IntN(100) < 8 {
			row(p, messy.Vary(r, p.email.Sent)) // the same person again: updated, not created twice
		}
	}
	w.Flush()
	data := buf.Bytes()

	e := newTestEnv(t)
	schema, err := bulk.FetchSchema(t.Context(), e.c)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := sheet.Open("contacts.csv", bytes.NewReader(data), int64(len(data)), sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	s, err := mapping.ParseSpec([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Compile(s, schema, tb.Header())
	if err != nil {
		t.Fatal(err)
	}
	items := func(yield func(bulk.Item) bool) {
		for row, errs := range m.Rows(tb, "contacts.csv") {
			it := bulk.Item{Row: row, Errs: errs}
			if row == nil {
				it.Line = errs[0].Row
			}
			if !yield(it) {
				return
			}
		}
	}
	res, err := bulk.Import(t.Context(), e.c, items, e.opts("messy-import", kommo.EntityContacts, bulk.ModeUpsert))
	if err != nil {
		t.Fatal(err)
	}
	for l := 2; l <= line; l++ {
		rr, ok := res.Rows[l]
		switch {
		case !ok:
			t.Errorf("import row %d: no result", l)
		case wantFail[l] != (rr.Action == bulk.ActionError):
			t.Errorf("import row %d: %s (%v), want failed %v", l, rr.Action, rr.Err, wantFail[l])
		case rr.Action == bulk.ActionError && !strings.Contains(rr.Err.Error(), "it is the match key of contacts"):
			t.Errorf("import row %d failed for another reason: %v", l, rr.Err)
		default:
			var got []wantWarning
			for _, w := range rr.Warnings {
				got = append(got, wantWarning{w.Column, w.Code, w.Value})
			}
			if diff := cmp.Diff(wantWarn[l], got); diff != "" {
				t.Errorf("import row %d: warnings (-want +got):\n%s", l, diff)
			}
		}
	}
	// One contact per person that landed, with its company.
	var want []string
	cos := map[string]bool{}
	for _, p := range persons {
		if p.email.Code != "" && !p.phoneKey {
			continue
		}
		var phones, emails, companies []string
		if p.phoneSent != "" {
			phones = append(phones, p.phoneSent)
		}
		if p.email.Sent != "" {
			emails = append(emails, p.email.Sent)
		}
		if p.company != "" {
			companies, cos[p.company] = append(companies, p.company), true
		}
		want = append(want, contactLine(p.name, phones, emails, companies))
	}
	for co := range cos {
		want = append(want, companyLine(co, nil))
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, accountLines(e.emu.Snapshot())); diff != "" {
		t.Errorf("account after the import (-want +got):\n%s", diff)
	}
	rows, landed := line-1, res.Landed()
	if rate := float64(landed) / float64(rows); rate < 0.99 {
		t.Errorf("import: %d of %d rows landed (%.1f%%), want at least 99%%", landed, rows, 100*rate)
	}
	return fmt.Sprintf("%-10s %4d rows: %4d landed (%.1f%%), %3d of them with warnings, %d failed (an e-mail key that cannot be made, no phone to stand in)",
		"import", rows, landed, 100*float64(landed)/float64(rows), res.Warned, res.Failed)
}
