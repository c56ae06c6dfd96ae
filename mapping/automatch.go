package mapping

import (
	"sort"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// Confidence levels of a proposed column mapping.
const (
	ConfidenceExact      = 1.0 // the header is a field's name, code or standard name as written
	ConfidenceNormalized = 0.9 // the same after value.Normalize (case, accents, punctuation)
	ConfidenceAlias      = 0.8 // a known spelling of the field in some CRM's export or language
	ConfidenceFuzzy      = 0.7 // the best fuzzy match; fuzzy matches score 0.5 to 0.7
	ConfidenceValues     = 0.6 // no header match, but the values look like emails or phones
	MinConfidence        = 0.5 // below this a column is left unmapped
)

// A Proposal is a suggested mapping of a file's columns, made by Propose
// for a user to review, edit and save with Spec.
type Proposal struct {
	Entity  kommo.EntityType
	Key     string           // the column that looks like the source's own id, or ""
	Refs    []RefSpec        // columns that look like ids of related rows
	Columns []ColumnProposal // one per header column, in header order
}

// A ColumnProposal is the suggestion for one column. Field is "" when
// nothing matched well enough.
type ColumnProposal struct {
	Column     string
	Entity     kommo.EntityType
	Field      string  // as it would be written in a spec: "name", "PHONE", "Lead source"
	Enum       string  // for PHONE and EMAIL
	Confidence float64 // 0 to 1, see the Confidence constants
	Reason     string  // "exact", "normalized", "alias", "fuzzy", "values", "key", "ref"
	Values     string  // what the sample values look like: "email", "phone", "date", "number", "text", or "" without samples
}

// target is something a column can map to.
type target struct {
	ent   kommo.EntityType
	field string
	enum  string
	multi bool // several columns may map to it
	kind  string
}

type candidate struct {
	t      target
	names  []string // exact spellings
	keys   []string // value.Normalize(names)
	alias  []string // value.Normalize(alias spellings)
	isDate bool
}

// Propose suggests a mapping of header to the fields of entity (and of
// the entities that can come in the same row: a lead's contact and
// company, a contact's company) in schema. sample holds a few data rows,
// used to check and guess by the look of the values. Each column gets its
// best target, a single-valued field going to the column that matches it
// best.
func Propose(header []string, sample [][]string, entity kommo.EntityType, schema *Schema) *Proposal {
	if schema == nil {
		schema = &Schema{}
	}
	entity = ParseEntity(string(entity))
	if entity == "" {
		entity = kommo.EntityContacts
	}
	p := &Proposal{Entity: entity}
	cands := candidates(entity, schema)
	type scored struct {
		col  int
		c    *candidate
		conf float64
		why  string
	}
	var all []scored
	sniffs := make([]string, len(header))
	for i, h := range header {
		sniffs[i] = sniffColumn(sample, i)
		ent, rest := splitEntityPrefix(h)
		if ent == "" {
			ent = entity
		} else if !related(entity, ent) {
			continue
		}
		if isRef, refEnt := idColumn(rest, ent, entity); isRef {
			if refEnt == entity && p.Key == "" && ent == entity {
				p.Key = h
			} else if refEnt != entity {
				p.Refs = append(p.Refs, RefSpec{Column: h, Entity: refEnt})
			}
			continue
		}
		nk := value.Normalize(rest)
		for _, c := range cands {
			if hasPrefix(h) && c.t.ent != ent {
				continue
			}
			conf, why := score(rest, nk, c)
			if conf < MinConfidence {
				continue
			}
			if c.t.ent == entity {
				conf += 0.001 // prefer the primary entity on ties
			}
			conf, why = adjustByValues(conf, why, c, sniffs[i])
			all = append(all, scored{i, c, conf, why})
		}
		if s := sniffs[i]; s == "email" || s == "phone" {
			for _, c := range cands {
				if c.t.kind == s && c.t.enum != "" && (c.t.ent == ent) && (c.t.enum == kommo.PhoneWork) {
					all = append(all, scored{i, c, ConfidenceValues, "values"})
				}
			}
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].conf > all[b].conf })
	p.Columns = make([]ColumnProposal, len(header))
	for i, h := range header {
		p.Columns[i] = ColumnProposal{Column: h, Values: sniffs[i]}
		if h == p.Key {
			p.Columns[i].Reason = "key"
		}
		for _, r := range p.Refs {
			if r.Column == h {
				p.Columns[i].Reason = "ref"
			}
		}
	}
	taken := map[target]bool{}
	for _, s := range all {
		cp := &p.Columns[s.col]
		if cp.Field != "" || taken[s.c.t] {
			continue
		}
		if !s.c.t.multi {
			taken[s.c.t] = true
		}
		cp.Entity, cp.Field, cp.Enum = s.c.t.ent, s.c.t.field, s.c.t.enum
		cp.Confidence = min(1, float64(int(s.conf*1000+0.5))/1000)
		cp.Reason = s.why
	}
	return p
}

// Spec returns the proposal as an editable spec: the columns with a
// field, the key and the refs, a match key for each entity (email, else
// phone, for contacts; name for companies), and empty options to fill in.
func (p *Proposal) Spec() *Spec {
	s := &Spec{Entity: p.Entity, Key: p.Key, Refs: p.Refs}
	has := map[kommo.EntityType]map[string]bool{}
	for _, c := range p.Columns {
		if c.Field == "" {
			continue
		}
		cs := ColumnSpec{Column: c.Column, Target: Target{Field: c.Field, Enum: c.Enum}}
		if c.Entity != p.Entity {
			cs.Entity = c.Entity
		}
		s.Columns = append(s.Columns, cs)
		if has[c.Entity] == nil {
			has[c.Entity] = map[string]bool{}
		}
		has[c.Entity][c.Field] = true
	}
	if h := has[p.Entity]; h != nil {
		switch p.Entity {
		case kommo.EntityContacts:
			if h[kommo.CodeEmail] {
				s.Match.Primary = "email"
			} else if h[kommo.CodePhone] {
				s.Match.Primary = "phone"
			}
		case kommo.EntityCompanies:
			if h["name"] {
				s.Match.Primary = "name"
			}
		}
	}
	return s
}

// score rates header h (Normalized nk) against candidate c.
func score(h, nk string, c *candidate) (float64, string) {
	for _, n := range c.names {
		if n == h {
			return ConfidenceExact, "exact"
		}
	}
	for _, k := range c.keys {
		if k == nk {
			return ConfidenceNormalized, "normalized"
		}
	}
	for _, a := range c.alias {
		if a == nk {
			return ConfidenceAlias, "alias"
		}
	}
	best := 0.0
	r := []rune(nk)
	for _, list := range [][]string{c.keys, c.alias} {
		for _, k := range list {
			kr := []rune(k)
			longest := max(len(r), len(kr))
			if longest < 4 {
				continue
			}
			sim := 1 - float64(value.Levenshtein(r, kr))/float64(longest)
			best = max(best, sim)
		}
	}
	const floor = 0.75
	if best < floor {
		return 0, ""
	}
	return MinConfidence + (best-floor)/(1-floor)*(ConfidenceFuzzy-MinConfidence) - 0.01, "fuzzy"
}

// adjustByValues raises the confidence of a match the sample values agree
// with, and lowers it when they contradict it.
func adjustByValues(conf float64, why string, c *candidate, sniff string) (float64, string) {
	switch {
	case sniff == "":
		return conf, why
	case c.t.kind == sniff || (c.isDate && sniff == "date") || (c.t.kind == "number" && sniff == "number"):
		return min(1, conf+0.05), why
	case c.t.kind == "email" || c.t.kind == "phone" || c.isDate:
		return conf - 0.2, why
	}
	return conf, why
}

// related reports whether rows of primary may carry ent.
func related(primary, ent kommo.EntityType) bool {
	if primary == ent {
		return true
	}
	switch primary {
	case kommo.EntityLeads:
		return ent == kommo.EntityContacts || ent == kommo.EntityCompanies
	case kommo.EntityContacts:
		return ent == kommo.EntityCompanies
	}
	return false
}

// entityPrefixes are the "Entity - " prefixes of Pipedrive-style headers.
var entityPrefixes = map[string]kommo.EntityType{
	"deal": kommo.EntityLeads, "obchod": kommo.EntityLeads, "сделка": kommo.EntityLeads, "negocio": kommo.EntityLeads, "negocio ": kommo.EntityLeads,
	"lead": kommo.EntityLeads, "opportunity": kommo.EntityLeads, "geschaft": kommo.EntityLeads,
	"person": kommo.EntityContacts, "osoba": kommo.EntityContacts, "контакт": kommo.EntityContacts, "persona": kommo.EntityContacts,
	"pessoa": kommo.EntityContacts, "contact": kommo.EntityContacts, "kontakt": kommo.EntityContacts, "person ": kommo.EntityContacts,
	"organization": kommo.EntityCompanies, "organisation": kommo.EntityCompanies, "organizace": kommo.EntityCompanies,
	"организация": kommo.EntityCompanies, "organizacion": kommo.EntityCompanies, "organizacao": kommo.EntityCompanies,
	"company": kommo.EntityCompanies, "компания": kommo.EntityCompanies, "empresa": kommo.EntityCompanies, "firma": kommo.EntityCompanies,
}

// splitEntityPrefix splits "Person - Email (Work)" into contacts and
// "Email (Work)".
func splitEntityPrefix(h string) (kommo.EntityType, string) {
	if i := strings.Index(h, " - "); i > 0 {
		if e, ok := entityPrefixes[value.Normalize(h[:i])]; ok {
			return e, strings.TrimSpace(h[i+3:])
		}
	}
	return "", h
}

func hasPrefix(h string) bool {
	e, _ := splitEntityPrefix(h)
	return e != ""
}

// idColumn reports whether h names an id column, and of which entity.
func idColumn(h string, ent, primary kommo.EntityType) (bool, kommo.EntityType) {
	k := value.Normalize(h)
	switch k {
	case "id", "record id", "id записи", "external id", "source id":
		return true, ent
	}
	words := strings.Fields(k)
	if len(words) < 2 || words[len(words)-1] != "id" {
		if len(words) == 1 && strings.HasSuffix(k, "id") && len(k) > 2 {
			words = []string{k[:len(k)-2], "id"} // "AccountId", "OwnerId"
		} else {
			return false, ""
		}
	}
	w := strings.Join(words[:len(words)-1], " ")
	w = strings.TrimPrefix(w, "associated ")
	if e := ParseEntity(w); e != "" {
		return true, e
	}
	if e, ok := entityPrefixes[w]; ok {
		return true, e
	}
	if w == "account" {
		return true, kommo.EntityCompanies
	}
	return false, ""
}

// sniffColumn says what the non-empty sample values of column i look
// like when at least 80% of them agree: "email", "phone", "date",
// "number"; "text" when they agree on none, "" when there are none.
func sniffColumn(sample [][]string, i int) string {
	counts := map[string]int{}
	n := 0
	dp, _ := value.NewDateParser(value.DateOptions{Layouts: []string{"dd.mm.yyyy", "mm/dd/yyyy", "dd/mm/yyyy", "d mmm yyyy"}})
	for _, row := range sample {
		if i >= len(row) {
			continue
		}
		v := value.CollapseSpace(row[i])
		if v == "" {
			continue
		}
		n++
		if strings.Contains(v, "@") {
			if _, err := value.ParseEmail(v); err == nil {
				counts["email"]++
			}
			continue
		}
		if _, err := dp.Parse(v); err == nil {
			counts["date"]++
		} else if looksPhone(v) {
			counts["phone"]++
		} else if _, err := value.ParseNumber(v, value.DecimalPoint); err == nil {
			counts["number"]++
		}
	}
	for _, k := range []string{"email", "phone", "date", "number"} {
		if n > 0 && counts[k]*5 >= n*4 {
			return k
		}
	}
	if n > 0 {
		return "text"
	}
	return ""
}

// looksPhone reports whether v is written like a phone number: 7 to 15
// digits with phone punctuation, and a "+", a separator or at least ten
// digits to tell it from a plain number.
func looksPhone(v string) bool {
	digits, marks := 0, false
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == '(' || r == ')' || r == '-' || r == ' ' || r == '.':
			marks = marks || r != '.'
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15 && (marks || digits >= 10)
}

// candidates lists the targets of entity and its related entities.
func candidates(entity kommo.EntityType, schema *Schema) []*candidate {
	var out []*candidate
	seen := map[target]*candidate{}
	add := func(t target, names, alias []string, isDate bool) {
		c := seen[t]
		if c == nil {
			c = &candidate{t: t, isDate: isDate}
			seen[t] = c
			out = append(out, c)
		}
		for _, n := range names {
			c.names = append(c.names, n)
			c.keys = append(c.keys, value.Normalize(n))
		}
		for _, a := range alias {
			c.alias = append(c.alias, value.Normalize(a))
		}
	}
	for _, e := range slotEntities {
		if !related(entity, e) {
			continue
		}
		s := entitySlot(e)
		for f := stdID + 1; f <= stdDuration; f++ {
			info := stdFields[f]
			if info.ents&(1<<s) == 0 || f == stdUpdatedAt || f == stdEntityID {
				continue
			}
			kind := ""
			isDate := f == stdCreatedAt || f == stdClosedAt || f == stdCompleteTill
			if f == stdPrice {
				kind = "number"
			}
			add(target{ent: e, field: info.name, multi: info.multi, kind: kind}, []string{info.name}, nil, isDate)
		}
		for _, f := range schema.Fields[e] {
			if f == nil {
				continue
			}
			kind, ok := cfKindOf(f)
			if !ok {
				continue
			}
			name := f.Name
			if f.Code != "" {
				name = f.Code
			}
			names := []string{f.Name}
			if f.Code != "" {
				names = append(names, f.Code)
			}
			t := target{ent: e, field: name, multi: kind.multi()}
			switch kind {
			case cfPhone, cfEmail:
				t.kind = map[cfKind]string{cfPhone: "phone", cfEmail: "email"}[kind]
				def := kommo.PhoneWork
				for _, en := range f.Enums {
					tt := t
					tt.enum = en.Value
					if en.Value == def {
						add(tt, names, nil, false)
					}
				}
			case cfNumber:
				t.kind = "number"
				add(t, names, nil, false)
			default:
				add(t, names, nil, kind == cfDate)
			}
		}
	}
	for _, a := range aliasTable {
		if !related(entity, a.ent) && a.ent != "" {
			continue
		}
		ents := []kommo.EntityType{a.ent}
		if a.ent == "" {
			ents = nil
			for _, e := range slotEntities {
				if related(entity, e) {
					ents = append(ents, e)
				}
			}
		}
		for _, e := range ents {
			t := target{ent: e, field: a.field, enum: a.enum}
			c := seen[t]
			if c == nil {
				// A standard field of another entity, or a custom field
				// the account does not have.
				if f, ok := lookupStd(a.field, entitySlot(e)); ok {
					t.multi = stdFields[f].multi
					if f == stdPrice {
						t.kind = "number"
					}
					add(t, nil, a.words, f == stdCreatedAt || f == stdClosedAt || f == stdCompleteTill)
					continue
				}
				if cf := fieldByCode(schema, e, a.field); cf != nil {
					kind, _ := cfKindOf(cf)
					t.multi = kind.multi()
					t.kind = map[cfKind]string{cfPhone: "phone", cfEmail: "email"}[kind]
					add(t, nil, a.words, false)
				}
				continue
			}
			add(t, nil, a.words, c.isDate)
		}
	}
	return out
}

func fieldByCode(s *Schema, e kommo.EntityType, code string) *kommo.CustomField {
	for _, f := range s.Fields[e] {
		if f != nil && strings.EqualFold(f.Code, code) {
			return f
		}
	}
	return nil
}

// aliasEntry lists spellings of one target seen in CRM exports; ent ""
// means any entity of the row.
type aliasEntry struct {
	ent   kommo.EntityType
	field string
	enum  string
	words []string
}

var aliasTable = []aliasEntry{
	{kommo.EntityContacts, "name", "", []string{"full name", "contact name", "contact", "person", "person name", "полное имя", "полное имя контакта", "фио", "контакт", "основной контакт", "имя контакта", "nombre completo", "nome completo", "vollstandiger name", "cele jmeno", "nom complet"}},
	{kommo.EntityContacts, "first_name", "", []string{"first name", "firstname", "given name", "имя", "nombre", "nome", "primeiro nome", "vorname", "jmeno", "krestni jmeno", "prenom"}},
	{kommo.EntityContacts, "last_name", "", []string{"last name", "lastname", "surname", "family name", "фамилия", "apellido", "apellidos", "sobrenome", "nachname", "prijmeni", "nom de famille"}},
	{kommo.EntityContacts, "PHONE", "WORK", []string{"phone", "phone number", "telephone", "tel", "work phone", "business phone", "phone work", "телефон", "рабочий телефон", "номер телефона", "telefono", "telefone", "telefon", "telefonnummer", "telefonni cislo"}},
	{kommo.EntityContacts, "PHONE", "MOB", []string{"mobile", "mobile phone", "mobile phone number", "mobilephone", "cell", "cell phone", "phone mobile", "мобильный", "мобильный телефон", "movil", "celular", "telefone celular", "handy", "mobil", "mobilni telefon"}},
	{kommo.EntityContacts, "PHONE", "HOME", []string{"home phone", "phone home", "домашний телефон", "telefono fijo", "telefone residencial"}},
	{kommo.EntityContacts, "PHONE", "FAX", []string{"fax", "факс"}},
	{kommo.EntityContacts, "EMAIL", "WORK", []string{"email", "e mail", "email address", "e mail address", "mail", "work email", "work e mail", "email work", "рабочий e mail", "эл почта", "электронная почта", "почта", "email адрес", "correo", "correo electronico", "e mail adresse", "emailova adresa"}},
	{kommo.EntityContacts, "EMAIL", "PRIV", []string{"personal email", "private email", "personal e mail", "email personal", "email home", "частный e mail", "личный e mail", "личная почта"}},
	{kommo.EntityContacts, "POSITION", "", []string{"job title", "position", "должность", "cargo", "puesto", "pozice", "funkce", "jobtitel", "position title"}},
	{kommo.EntityCompanies, "name", "", []string{"company", "company name", "associated company", "account name", "account", "organization", "organisation", "organization name", "компания", "название компании", "компания контакта", "организация", "empresa", "nombre de la empresa", "nome da empresa", "firma", "firmenname", "unternehmen", "spolecnost", "organizace", "nazev firmy"}},
	{kommo.EntityCompanies, "WEB", "", []string{"website", "web site", "web", "site", "url", "domain", "company domain name", "сайт", "веб сайт", "sitio web", "webseite", "web stranky"}},
	{kommo.EntityCompanies, "ADDRESS", "", []string{"address", "адрес", "direccion", "endereco", "adresse", "adresa", "street address"}},
	{kommo.EntityLeads, "name", "", []string{"deal name", "lead name", "deal title", "lead title", "opportunity name", "title", "название сделки", "название лида", "сделка", "nombre del negocio", "titulo", "nazev", "deal"}},
	{kommo.EntityLeads, "price", "", []string{"amount", "value", "deal value", "budget", "sale", "price", "бюджет", "сумма", "сумма сделки", "valor", "monto", "importe", "betrag", "wert", "hodnota", "revenue"}},
	{kommo.EntityLeads, "status", "", []string{"stage", "deal stage", "lead status", "status", "stage name", "stagename", "этап", "этап сделки", "статус", "стадия", "etapa", "fase", "phase", "faze"}},
	{kommo.EntityLeads, "pipeline", "", []string{"pipeline", "sales pipeline", "воронка", "embudo", "funil", "trichter"}},
	{"", "responsible_user", "", []string{"owner", "contact owner", "deal owner", "lead owner", "account owner", "company owner", "responsible", "responsible user", "assigned to", "ответственный", "ответственный пользователь", "responsable", "responsavel", "verantwortlich", "besitzer", "vlastnik", "odpovedna osoba"}},
	{"", "tags", "", []string{"tags", "tag", "теги", "метки", "etiquetas", "labels", "label", "stitky"}},
	{"", "created_at", "", []string{"create date", "created", "created at", "date created", "creation date", "created date", "createddate", "дата создания", "fecha de creacion", "data de criacao", "erstellt am", "datum vytvoreni"}},
	{kommo.EntityLeads, "closed_at", "", []string{"close date", "closing date", "closed", "date closed", "closedate", "дата закрытия", "fecha de cierre", "data de fechamento", "datum uzavreni"}},
	{kommo.EntityTasks, "text", "", []string{"task", "text", "description", "subject", "задача", "текст задачи", "описание", "tarea", "descripcion", "tarefa", "betreff", "ukol"}},
	{kommo.EntityTasks, "complete_till", "", []string{"due date", "deadline", "due", "срок", "срок выполнения", "fecha de vencimiento", "prazo", "fallig", "termin"}},
	{kommo.EntityTasks, "task_type", "", []string{"task type", "type", "тип задачи", "tipo de tarea", "tipo de tarefa", "typ"}},
	{kommo.EntityTasks, "is_completed", "", []string{"completed", "done", "is completed", "выполнена", "завершена", "completada", "concluida", "erledigt"}},
	{kommo.EntityTasks, "result", "", []string{"result", "результат", "resultado", "ergebnis"}},
}
