package mapping

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// ErrRequired is the reason of a RowError for an empty cell that the spec
// marks required, or a task without its text or deadline.
var ErrRequired = sheet.NewCoded("value required", "value_required")

// A Mapper turns the records of one file into Rows, following a Spec
// compiled against an account's Schema and the file's header. Every name
// is resolved by Compile, so Map only looks values up in prepared tables.
//
// A Mapper is immutable after Compile (apart from File and Sheet, which
// are set before use) and safe for concurrent use.
type Mapper struct {
	// File and Sheet are copied into every Row and RowError. Set them
	// before the first call to Map.
	File  string
	Sheet string

	entity    kommo.EntityType
	primary   int
	header    []string
	ops       []*op // columns and joins, then constants
	nconst    int   // the last nconst ops are constants
	keyIdx    int
	keyCol    string
	refs      []refOp
	required  []kommo.EntityType // the refs marked required
	ents      [numSlots]entPlan
	ix        *index
	region    string
	countries []int  // the columns holding the row's country, most likely first
	account   string // the account's region, from Schema.Country
	numfmt    value.NumberFormat
	dates     *value.DateParser
	acct      *time.Location // the account's zone: date and birthday fields are its midnights
	order     value.NameOrder
	sepSpec   string
	sh        *mapShared
	inline    []*inlineNote // the spec's notes
	nf        *noteFile     // a notes file's spec
}

type refOp struct {
	idx    int
	entity kommo.EntityType
	column string
	key    string // its Row.Columns key, "<entity>:ref"
}

// entPlan is what Compile knows about one entity of a row.
type entPlan struct {
	used    bool        // some column, join or constant targets it
	cols    bool        // some column or join targets it
	slots   []*cfTarget // custom fields, in first-use order
	cfKeys  []string    // "<entity>:custom_fields_values.<i>"
	valKeys [][]string  // cfKeys[i] + ".values.<k>", when a field has several sources
	match   MatchKind
	matchCF int // slot of the field behind email/phone/field matching
	fieldID int
	// explicit: the spec names the key (not a related contact's default).
	explicit bool
	// The other key of an email or phone key, for rows whose key cannot
	// be made: phone for email and email for phone; altCF is -1 when the
	// entity has no column for it.
	altKind MatchKind
	altCF   int
}

// cfTarget is one custom field of one entity.
type cfTarget struct {
	f       *kommo.CustomField
	kind    cfKind
	slot    int
	enums   *names
	scope   string // `field "Name"`, for errors
	sources int    // number of columns and joins that feed it
	key     bool   // its values are the entity's match key
	alt     bool   // its values are the entity's other key (see entPlan)
}

type opKind uint8

const (
	opColumn opKind = iota
	opJoin
	opConst
)

// op is one compiled column, join or constant mapping.
type op struct {
	kind     opKind
	src      []int
	sep      string
	column   string // source column(s), for errors and Row.Columns
	field    string // "<entity>.<field>" for errors
	value    string // constant value
	ent      int
	std      stdField
	cf       *cfTarget
	enum     string
	ch       chain
	vmap     *value.ValueMap
	def      string
	clear    bool
	required bool
	policy   policy // on_invalid
	path     string // "<entity>:<path>" of a standard field
}

// compiler holds the state of one Compile.
type compiler struct {
	m      *Mapper
	spec   *Spec
	errs   []error
	hdr    map[string]int
	hdrN   map[string][]int
	region string
	numfmt value.NumberFormat
	dates  *value.DateParser
	sep    string
	used   map[string]string // "<slot>/<field key>" → first path, for duplicates
	// onInvalid is options.on_invalid.
	onInvalid policy
}

func (c *compiler) fail(path string, err error) {
	c.errs = append(c.errs, &SpecError{Path: path, Err: err})
}

// Compile checks spec against the account's schema and the file's header
// and prepares a Mapper: every column must exist in header, every field,
// stage, pipeline, user, task type and option named in the spec must exist
// in schema (case and accents do not matter). Errors are *SpecError
// values naming the closest candidates, joined with errors.Join so that
// all of them are reported at once.
func Compile(spec *Spec, schema *Schema, header []string) (*Mapper, error) {
	if spec == nil {
		return nil, &SpecError{Err: errors.New("no spec")}
	}
	m := &Mapper{header: header, keyIdx: -1, ix: newIndex(schema), sh: &mapShared{}, acct: schema.location(), account: schema.region()}
	c := &compiler{m: m, spec: spec, hdr: map[string]int{}, hdrN: map[string][]int{}, used: map[string]string{}}
	for i, h := range header {
		if _, ok := c.hdr[h]; !ok {
			c.hdr[h] = i
		}
		k := value.Normalize(h)
		c.hdrN[k] = append(c.hdrN[k], i)
	}
	if IsNotesEntity(spec.Entity) {
		m.entity, m.primary = EntityNotes, -1
		c.options()
		c.compileNoteFile()
		if len(c.errs) > 0 {
			return nil, errors.Join(c.errs...)
		}
		return m, nil
	}
	m.entity = ParseEntity(string(spec.Entity))
	m.primary = entitySlot(m.entity)
	if m.primary < 0 {
		c.fail("entity", fmt.Errorf("unknown entity %q; want leads, contacts, companies, tasks or notes", spec.Entity))
		return nil, errors.Join(c.errs...)
	}
	m.ents[m.primary].used = true
	c.options()

	if spec.Key != "" {
		if i, ok := c.column("key", spec.Key); ok {
			m.keyIdx, m.keyCol = i, header[i]
		}
	}
	for i, r := range spec.Refs {
		path := fmt.Sprintf("refs[%d]", i)
		e := ParseEntity(string(r.Entity))
		if entitySlot(e) < 0 {
			c.fail(path+".entity", fmt.Errorf("unknown entity %q%s", r.Entity, DidYouMean(string(r.Entity), entityChoices)))
			continue
		}
		if idx, ok := c.column(path+".column", r.Column); ok {
			m.refs = append(m.refs, refOp{idx: idx, entity: e, column: header[idx], key: string(e) + ":ref"})
			if r.Required {
				m.required = append(m.required, e)
			}
		}
	}
	for i, cs := range spec.Columns {
		path := fmt.Sprintf("columns[%d]", i)
		o := &op{kind: opColumn}
		idx, ok := c.column(path+".column", cs.Column)
		if ok {
			o.src, o.column = []int{idx}, header[idx]
		}
		if c.target(o, path, cs.Target) && ok {
			m.ops = append(m.ops, o)
		}
	}
	for i, js := range spec.Join {
		path := fmt.Sprintf("join[%d]", i)
		o := &op{kind: opJoin, sep: js.Separator}
		if o.sep == "" {
			o.sep = " "
		}
		var ok bool
		o.src, o.column, ok = c.joinColumns(path, js.Columns, header)
		if c.target(o, path, js.Target) && ok {
			m.ops = append(m.ops, o)
		}
	}
	for i, k := range spec.Constants {
		path := fmt.Sprintf("constants[%d]", i)
		o := &op{kind: opConst, value: k.Value}
		if c.target(o, path, Target{Entity: k.Entity, Field: k.Field, Enum: k.Enum}) {
			m.ops = append(m.ops, o)
			m.nconst++
		}
	}
	for s := range numSlots {
		if s != m.primary && m.ents[s].used && !m.ents[s].cols {
			c.fail("constants", fmt.Errorf("constants for %s, but no column maps to %s; a related entity is only sent when a column has a value for it", slotEntities[s], slotEntities[s]))
		}
		if s != m.primary && !m.ents[s].used {
			continue
		}
		c.matchPlan(s)
	}
	for e := range spec.Match.ByEntity {
		s := entitySlot(ParseEntity(string(e)))
		switch {
		case s < 0:
			c.fail("match", fmt.Errorf("unknown entity %q%s", e, DidYouMean(string(e), entityChoices)))
		case slotEntities[s] != e:
			c.fail("match", fmt.Errorf("write the entity as %q, not %q", slotEntities[s], e))
		case s != m.primary && !m.ents[s].used:
			c.fail("match."+string(e), fmt.Errorf("no column maps to %s", e))
		}
	}
	for s := range numSlots {
		p := &m.ents[s]
		multi := false
		for i, t := range p.slots {
			p.cfKeys = append(p.cfKeys, string(slotEntities[s])+":custom_fields_values."+strconv.Itoa(i))
			multi = multi || t.sources > 1
		}
		for i := range p.slots {
			if !multi {
				break
			}
			keys := make([]string, valueKeys)
			for k := range keys {
				keys[k] = p.cfKeys[i] + ".values." + strconv.Itoa(k)
			}
			p.valKeys = append(p.valKeys, keys)
		}
		if p.match == MatchEmail || p.match == MatchPhone || p.match == MatchField {
			p.slots[p.matchCF].key = true
		}
		if p.altCF >= 0 && (p.match == MatchEmail || p.match == MatchPhone) {
			p.slots[p.altCF].alt = true
		}
	}
	c.inlineNotes()
	// Check constants once: a bad constant is a spec error, not a row error.
	if len(c.errs) == 0 && m.nconst > 0 {
		b := m.newBuild(sheet.Record{})
		for _, o := range m.ops[len(m.ops)-m.nconst:] {
			m.apply(b, o, o.value)
		}
		pipelineColumn := false
		for _, o := range m.ops[:len(m.ops)-m.nconst] {
			pipelineColumn = pipelineColumn || o.std == stdPipeline
		}
		if !pipelineColumn {
			m.finishLead(b)
		}
		for _, e := range b.errs {
			c.fail("constants", fmt.Errorf("field %s: %w", e.Field, e.Err))
		}
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return m, nil
}

// options compiles spec.Options.
func (c *compiler) options() {
	o := c.spec.Options
	if o.Region != "" {
		c.region = strings.ToUpper(strings.TrimSpace(o.Region))
		if !value.IsPhoneRegion(c.region) {
			c.fail("options.region", fmt.Errorf("unknown phone region %q; want an ISO 3166 code such as RU, BR, US", o.Region))
		}
	}
	switch strings.ToLower(strings.TrimSpace(o.Locale)) {
	case "", "point", ".":
		c.numfmt = value.DecimalPoint
	case "comma", ",":
		c.numfmt = value.DecimalComma
	default:
		c.numfmt = value.NumberFormatFor(o.Locale)
	}
	// Without a zone of its own, a spec reads dates in the account's.
	loc, err := c.m.acct, error(nil)
	if strings.TrimSpace(o.TimeZone) != "" {
		if loc, err = value.ParseZone(o.TimeZone); err != nil {
			c.fail("options.time_zone", err)
		}
	}
	serial := value.SerialNone
	switch strings.ToLower(strings.TrimSpace(o.DateSerial)) {
	case "", "none":
	case "excel", "excel1900":
		serial = value.SerialExcel1900
	case "excel1904":
		serial = value.SerialExcel1904
	case "unix":
		serial = value.SerialUnix
	case "unix_ms", "unixms", "unix_milli":
		serial = value.SerialUnixMilli
	default:
		c.fail("options.date_serial", fmt.Errorf("unknown date serial %q; want none, excel, excel1904, unix or unix_ms", o.DateSerial))
	}
	c.dates, err = value.NewDateParser(value.DateOptions{Layouts: o.DateLayouts, Location: loc, Serial: serial})
	if err != nil {
		c.fail("options.date_layouts", err)
		c.dates, _ = value.NewDateParser(value.DateOptions{Location: loc})
	}
	c.sep = o.Separator
	c.m.sepSpec = o.Separator
	switch value.Normalize(o.NameOrder) {
	case "", "given first", "first last":
		c.m.order = value.GivenFirst
	case "family first", "last first":
		c.m.order = value.FamilyFirst
	default:
		c.fail("options.name_order", fmt.Errorf("unknown name order %q; want given_first or family_first", o.NameOrder))
	}
	c.m.region, c.m.numfmt, c.m.dates = c.region, c.numfmt, c.dates
	if p, err := parsePolicy(o.OnInvalid); err != nil {
		c.fail("options.on_invalid", err)
	} else {
		c.onInvalid = p
	}
	switch cc := strings.TrimSpace(o.CountryColumn); {
	case strings.EqualFold(cc, "none"):
	case cc != "":
		if i, ok := c.column("options.country_column", cc); ok {
			c.m.countries = []int{i}
		}
	default:
		c.m.countries = value.CountryColumns(c.m.header)
	}
}

// column finds a spec column in the header: exactly, then by Normalize.
// joinColumns finds the columns of a join at path: their indexes and
// their names joined with " + " (the column a value names); ok is false,
// with the reasons failed, when there are none or one is not in header.
func (c *compiler) joinColumns(path string, names []string, header []string) (src []int, column string, ok bool) {
	ok = len(names) > 0
	if !ok {
		c.fail(path+".columns", errors.New("no columns to join"))
	}
	var cols []string
	for j, name := range names {
		idx, found := c.column(fmt.Sprintf("%s.columns[%d]", path, j), name)
		if found {
			src = append(src, idx)
			cols = append(cols, header[idx])
		}
		ok = ok && found
	}
	return src, strings.Join(cols, " + "), ok
}

func (c *compiler) column(path, name string) (int, bool) {
	if name == "" {
		c.fail(path, errors.New("no column given"))
		return 0, false
	}
	if i, ok := c.hdr[name]; ok {
		return i, true
	}
	if is := c.hdrN[value.Normalize(name)]; len(is) == 1 {
		return is[0], true
	}
	c.fail(path, fmt.Errorf("column %q is not in the file%s", name, DidYouMean(name, c.m.header)))
	return 0, false
}

// target compiles where o's value goes; it reports whether it succeeded.
func (c *compiler) target(o *op, path string, t Target) (ok bool) {
	m := c.m
	ok = true
	e := m.entity
	if t.Entity != "" {
		e = ParseEntity(string(t.Entity))
		if entitySlot(e) < 0 {
			c.fail(path+".entity", fmt.Errorf("unknown entity %q%s", t.Entity, DidYouMean(string(t.Entity), entityChoices)))
			return false
		}
	}
	o.ent = entitySlot(e)
	o.field = string(e) + "." + t.Field
	if t.Field == "" {
		c.fail(path+".field", errors.New("no field given"))
		return false
	}
	ch, err := c.compileTransforms(t.Transforms)
	if err != nil {
		c.fail(path+".transforms", err)
		ok = false
	}
	o.ch = ch
	if len(t.Map) > 0 {
		vm, err := value.NewValueMap(t.Map)
		if err != nil {
			c.fail(path+".map", err)
			ok = false
		}
		o.vmap = vm
	}
	o.def, o.clear, o.required = t.Default, t.ClearIfEmpty, t.Required
	o.enum = strings.TrimSpace(t.Enum)
	defer func() {
		if ok && !c.policy(o, path, t.OnInvalid) {
			ok = false
		}
	}()

	var dupKey string
	multi := false
	if f, found := lookupStd(t.Field, o.ent); found {
		info := stdFields[f]
		o.std = f
		o.path = string(e) + ":" + info.path
		dupKey, multi = "std:"+info.name, info.multi
		if o.clear && !info.clearable {
			c.fail(path+".clear_if_empty", fmt.Errorf("field %s cannot be cleared", info.name))
			ok = false
		}
		if o.enum != "" {
			c.fail(path+".enum", fmt.Errorf("enum applies to PHONE, EMAIL and address fields, not %s", info.name))
			ok = false
		}
		if o.ch.splitName && !(f == stdName && o.ent == slotContacts) {
			c.fail(path+".transforms", errors.New("split_name applies to the name of contacts"))
			ok = false
		}
		if f == stdFirstName || f == stdLastName || f == stdName {
			dupKey = "std:name:" + info.name
		}
		if o.ch.splitName {
			for _, k := range []string{"std:name:first_name", "std:name:last_name"} {
				if prev, dup := c.used[strconv.Itoa(o.ent)+"/"+k]; dup {
					c.fail(path+".field", fmt.Errorf("split_name fills first_name and last_name, already mapped by %s", prev))
					ok = false
				}
				c.used[strconv.Itoa(o.ent)+"/"+k] = path
			}
		}
	} else {
		cf, err := m.ix.field(e, t.Field)
		if err != nil {
			if ne, isName := err.(*NameError); isName && len(ne.Ambiguous) == 0 {
				ne.Closest = value.Closest(t.Field, append(stdFieldNames(e), m.ix.fields[e].knownNames()...), 3)
			}
			c.fail(path+".field", err)
			return false
		}
		kind, supported := cfKindOf(cf)
		if !supported {
			c.fail(path+".field", fmt.Errorf("field %q has type %s, which cannot be imported from a cell", cf.Name, cf.Type))
			return false
		}
		if o.ch.splitName {
			c.fail(path+".transforms", errors.New("split_name applies to the name of contacts"))
			ok = false
		}
		p := &m.ents[o.ent]
		var tgt *cfTarget
		for _, s := range p.slots {
			if s.f.ID == cf.ID {
				tgt = s
			}
		}
		if tgt == nil {
			tgt = &cfTarget{f: cf, kind: kind, slot: len(p.slots), scope: fmt.Sprintf("field %q", cf.Name)}
			if kind == cfSelect || kind == cfMultiselect {
				tgt.enums = enumIndex(cf)
			}
			p.slots = append(p.slots, tgt)
		}
		if o.kind != opConst {
			tgt.sources++
		}
		o.cf = tgt
		if kind == cfPhone {
			// A PHONE field reads its numbers itself: in options.region,
			// the row's country or the account's, by its on_invalid, and
			// says which region it used. A phone transform without a
			// region would read them in options.region only, first.
			if l := withoutPhoneTransform(t.Transforms); len(l) < len(t.Transforms) {
				if ch, err := c.compileTransforms(l); err == nil {
					o.ch = ch
				}
			}
		}
		dupKey, multi = "cf:"+strconv.Itoa(cf.ID), kind.multi()
		if !c.checkEnum(o, path) {
			ok = false
		}
	}
	if !multi {
		k := strconv.Itoa(o.ent) + "/" + dupKey
		if prev, dup := c.used[k]; dup {
			c.fail(path+".field", fmt.Errorf("field %s of %s is already mapped by %s; map it once, or use join", t.Field, e, prev))
			ok = false
		} else {
			c.used[k] = path
		}
	}
	if ok {
		m.ents[o.ent].used = true
		if o.kind != opConst {
			m.ents[o.ent].cols = true
		}
	}
	return ok
}

// knownNames returns the field names and codes of fi, or nil.
func (fi *fieldIndex) knownNames() []string {
	if fi == nil {
		return nil
	}
	return fi.known
}

// checkEnum validates o.enum for o's custom field and sets the default.
func (c *compiler) checkEnum(o *op, path string) bool {
	f := o.cf.f
	switch o.cf.kind {
	case cfPhone, cfEmail, cfMultitext:
		var codes []string
		for _, en := range f.Enums {
			code := en.Value
			if en.Code != "" {
				code = en.Code
			}
			codes = append(codes, code)
			if o.enum != "" && strings.EqualFold(code, o.enum) {
				o.enum = code
				return true
			}
		}
		if o.enum == "" {
			for _, code := range codes {
				if code == kommo.PhoneWork {
					o.enum = code
				}
			}
			return true
		}
		if len(codes) == 0 {
			o.enum = strings.ToUpper(o.enum)
			return true
		}
		c.fail(path+".enum", fmt.Errorf("field %q has no enum %q%s", f.Name, o.enum, DidYouMean(o.enum, codes)))
		return false
	case cfAddress:
		for _, p := range addressParts {
			if strings.EqualFold(p, o.enum) {
				o.enum = p
				return true
			}
		}
		c.fail(path+".enum", fmt.Errorf("address field %q needs enum, one of %s", f.Name, strings.Join(addressParts, ", ")))
		return false
	}
	if o.enum != "" {
		c.fail(path+".enum", fmt.Errorf("enum applies to PHONE, EMAIL and address fields, not %q", f.Name))
		return false
	}
	return true
}

var matchKinds = []string{"email", "phone", "name", "id", "field:"}

// matchPlan compiles the match key of entity slot s.
func (c *compiler) matchPlan(s int) {
	m := c.m
	e := slotEntities[s]
	p := &m.ents[s]
	spec := c.spec.Match.For(e, s == m.primary)
	path := "match"
	if _, ok := c.spec.Match.ByEntity[e]; ok {
		path = "match." + string(e)
	}
	findCF := func(code string) int {
		for _, t := range p.slots {
			if strings.EqualFold(t.f.Code, code) && t.sources > 0 {
				return t.slot
			}
		}
		return -1
	}
	hasStd := func(fs ...stdField) bool {
		for _, o := range m.ops {
			for _, f := range fs {
				if o.ent == s && o.std == f && o.kind != opConst {
					return true
				}
			}
		}
		return false
	}
	p.altCF = -1
	defer func() {
		switch p.match {
		case MatchEmail:
			p.altKind, p.altCF = MatchPhone, findCF(kommo.CodePhone)
		case MatchPhone:
			p.altKind, p.altCF = MatchEmail, findCF(kommo.CodeEmail)
		}
	}()
	if spec == "" && s != m.primary {
		switch s {
		case slotContacts:
			if i := findCF(kommo.CodeEmail); i >= 0 {
				p.match, p.matchCF = MatchEmail, i
			} else if i := findCF(kommo.CodePhone); i >= 0 {
				p.match, p.matchCF = MatchPhone, i
			} else if hasStd(stdName, stdFirstName, stdLastName) {
				p.match = MatchName
			}
		case slotCompanies:
			if hasStd(stdName) {
				p.match = MatchName
			}
		}
		return
	}
	kind, arg, _ := strings.Cut(strings.TrimSpace(spec), ":")
	switch strings.ToLower(kind) {
	case "", "none":
		p.match = MatchNone
	case "email", "phone":
		code, mk := kommo.CodeEmail, MatchEmail
		if strings.EqualFold(kind, "phone") {
			code, mk = kommo.CodePhone, MatchPhone
		}
		i := findCF(code)
		if i < 0 {
			c.fail(path, fmt.Errorf("match %s for %s needs a column mapped to the %s field of %s", kind, e, code, e))
			return
		}
		p.match, p.matchCF, p.explicit = mk, i, true
	case "name":
		if !hasStd(stdName, stdFirstName, stdLastName) {
			c.fail(path, fmt.Errorf("match name for %s needs a column mapped to its name", e))
			return
		}
		p.match = MatchName
	case "id":
		if !hasStd(stdID) {
			c.fail(path, fmt.Errorf("match id for %s needs a column mapped to its id", e))
			return
		}
		p.match = MatchID
	case "field":
		cf, err := m.ix.field(e, arg)
		if err != nil {
			c.fail(path, err)
			return
		}
		for _, t := range p.slots {
			if t.f.ID == cf.ID && t.sources > 0 {
				p.match, p.matchCF, p.fieldID = MatchField, t.slot, cf.ID
				return
			}
		}
		c.fail(path, fmt.Errorf("match field %q for %s needs a column mapped to that field", cf.Name, e))
	default:
		c.fail(path, fmt.Errorf("unknown match key %q%s", spec, DidYouMean(kind, matchKinds)))
	}
}

// Entity returns the primary entity of the rows m makes.
func (m *Mapper) Entity() kommo.EntityType { return m.entity }

// Header returns the header m was compiled for.
func (m *Mapper) Header() []string { return m.header }
