package mapping

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// Notes: a spec of leads, contacts or companies may turn columns of each
// row into notes on the row's records (Spec.Notes), and a spec whose
// entity is notes maps a file of notes, one per row, each on a record the
// row names (its Kommo id, a key such as an e-mail, or the key of a row
// of another file). Both give Row.Notes; the bulk engine writes them.

// EntityNotes is the entity of a notes file's spec.
const EntityNotes kommo.EntityType = "notes"

// NoteSpec makes a note on a record of the row from one column or
// several (their non-empty cells joined with Separator); a row whose
// cells are all empty makes no note.
type NoteSpec struct {
	// Column is one column; Columns several. Either, or both.
	Column  string   `yaml:"column,omitempty" json:"column,omitempty"`
	Columns []string `yaml:"columns,omitempty" json:"columns,omitempty"`
	// Separator joins the cells (default a line break).
	Separator string `yaml:"separator,omitempty" json:"separator,omitempty"`
	// Labels writes each cell as "Header: value".
	Labels bool `yaml:"labels,omitempty" json:"labels,omitempty"`
	// Type is the note type: common (the default), service_message,
	// sms_in or sms_out: the types that carry a text.
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	// Service names the sender of a service_message (default
	// "kommo-bulk").
	Service string `yaml:"service,omitempty" json:"service,omitempty"`
	// Entity is the record of the row the note goes on (default the
	// spec's entity); a related entity gets it only when the row sends
	// that entity.
	Entity kommo.EntityType `yaml:"entity,omitempty" json:"entity,omitempty"`
	// Author is a column naming the note's author (a user's name, e-mail
	// or id, as owners are); a name that matches nobody stops an import
	// before it writes. AuthorMap maps source names to Kommo users first.
	Author    string            `yaml:"author,omitempty" json:"author,omitempty"`
	AuthorMap map[string]string `yaml:"author_map,omitempty" json:"author_map,omitempty"`
	// Date is a column holding the note's date (created_at), read with
	// the spec's options (date layouts, time zone).
	Date string `yaml:"date,omitempty" json:"date,omitempty"`
}

// A Note is one note a row writes: on a record of the row (a NoteSpec),
// or, in a notes file, on the record the row names by ID, Key or Ref.
type Note struct {
	// Entity is the type of the record: leads, contacts or companies.
	Entity kommo.EntityType
	// ID is the record's Kommo id when the row gives it (a notes file's
	// entity_id); 0 for a note on the row's own record, whose id the
	// engine knows once the record is written.
	ID int
	// Key finds the record by a match key of its entity (a notes file's
	// entity_key with the spec's match); nil if none.
	Key *MatchKey
	// Ref is the key of a row of another file (a notes file's refs),
	// found in the run or in the journals given; "" if none.
	Ref string
	// Type is a note type Kommo takes on create (kommo.NoteCommon, ...).
	Type   string
	Params kommo.NoteParams
	// CreatedAt (unix seconds) and CreatedBy (a user id) are 0 when the
	// row does not give them.
	CreatedAt int64
	CreatedBy int
	// SourceID is the note's id in the system it comes from: it makes
	// the note the same note across runs however its text changes.
	SourceID string
	// Column is the note's source column(s), for its errors.
	Column string
}

// Warning code and action of a value a note's type cannot carry.
const (
	// WarnNoteValueInText: a value the note's type cannot carry (a phone
	// on a common note, a subject, a text on a call, or the type itself
	// when Kommo does not take notes of it) was kept in the note's text
	// (a call's: its call_result) as a "Label: value" line. Reason is
	// where ("text" or "call_result"), Field the value's field
	// ("notes.phone", "notes.note_type", ...).
	WarnNoteValueInText = "note_value_in_text"
	// ActionKeptInText: kept in the note's text.
	ActionKeptInText = "kept_in_text"
)

// Errors of notes, with their codes.
var (
	// ErrNoteNoRecord: a notes file's row names no record.
	ErrNoteNoRecord = sheet.NewCoded("the note names no record: fill entity_id, entity_key or a ref column", "note_no_record")
	// ErrNoteEntity: a note goes on leads, contacts or companies.
	ErrNoteEntity = sheet.NewCoded("a note goes on a lead, a contact or a company", "note_entity_invalid")
	// ErrNoteNoMatch: an entity_key for an entity the spec has no match
	// key for.
	ErrNoteNoMatch = sheet.NewCoded("the spec's match names no key for the note's entity (e.g. match: contacts: email)", "note_no_match_key")
	// ErrDurationInvalid: a call's duration is not seconds, mm:ss or
	// hh:mm:ss.
	ErrDurationInvalid = sheet.NewCoded("invalid duration: want seconds, mm:ss or hh:mm:ss", "duration_invalid")
	// ErrCallStatusInvalid: a call status is not 1 to 8.
	ErrCallStatusInvalid = sheet.NewCoded("invalid call status: want 1 to 8", "call_status_invalid")

	// The errors behind a WarnNoteValueInText.
	errNotCarried      = sheet.NewCoded("the note's type cannot carry it", "note_value_not_carried")
	errTypeNotWritable = sheet.NewCoded("Kommo does not take notes of this type: written as a common note", "note_type_not_writable")
)

// noteTypes are the types a note of a file may be written as; textTypes
// those a NoteSpec may name (they carry a text).
var (
	noteTypes = []string{kommo.NoteCommon, kommo.NoteCallIn, kommo.NoteCallOut, kommo.NoteServiceMsg, kommo.NoteSMSIn, kommo.NoteSMSOut}
	textTypes = []string{kommo.NoteCommon, kommo.NoteServiceMsg, kommo.NoteSMSIn, kommo.NoteSMSOut}
	// readOnlyTypes are the types Kommo lists that it does not take on
	// create here (§4.9 of the reference): a note of one is written as a
	// common note with its type and text, and a warning.
	readOnlyTypes = []string{"extended_service_message", "message_cashier", "geolocation", "attachment", "amomail_message",
		"chat", "site_visit", "targeting_in", "targeting_out", "transaction", "invoice_paid", "zoom_meeting",
		"dropbox_attachment", "link_followed", "bill_paid", "ai_result"}
)

// defaultService signs a service message without a service.
const defaultService = "kommo-bulk"

// noteType reads a note type as written: Kommo's code, any case. ok is
// false for a type Kommo lists but does not take on create.
func noteType(s string, allowed []string) (typ string, readOnly bool, err error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.ReplaceAll(strings.ReplaceAll(k, " ", "_"), "-", "_")
	for _, t := range allowed {
		if k == t {
			return t, false, nil
		}
	}
	for _, t := range readOnlyTypes {
		if k == t {
			return t, true, nil
		}
	}
	return "", false, &NameError{Kind: "note type", Name: s, Closest: value.Closest(s, allowed, 3)}
}

// noteField is a field of a notes file.
type noteField uint8

const (
	nfNone noteField = iota
	nfEntityType
	nfEntityID
	nfEntityKey
	nfType
	nfText
	nfCreatedAt
	nfAuthor
	nfDuration
	nfPhone
	nfLink
	nfSource
	nfUniq
	nfCallResult
	nfCallStatus
	nfService
	nfSubject
	nfSourceID
	numNoteFields
)

// noteFieldNames are the fields of a notes file by name (canonical name
// first for each field), and noteLabels the labels of values kept in a
// note's text.
var (
	noteFieldNames = map[string]noteField{
		"entity_type": nfEntityType, "parent_type": nfEntityType,
		"entity_id": nfEntityID, "parent_id": nfEntityID,
		"entity_key": nfEntityKey, "parent_key": nfEntityKey,
		"note_type": nfType, "type": nfType,
		"text":       nfText,
		"created_at": nfCreatedAt, "date": nfCreatedAt,
		"author": nfAuthor, "created_by": nfAuthor,
		"duration":  nfDuration,
		"phone":     nfPhone,
		"call_link": nfLink, "link": nfLink,
		"call_source": nfSource, "source": nfSource,
		"call_uniq": nfUniq, "uniq": nfUniq, "call_id": nfUniq,
		"call_result": nfCallResult,
		"call_status": nfCallStatus,
		"service":     nfService,
		"subject":     nfSubject,
		"source_id":   nfSourceID, "note_id": nfSourceID,
	}
	noteFieldList = []string{"entity_type", "entity_id", "entity_key", "note_type", "text", "created_at", "author", "duration",
		"phone", "call_link", "call_source", "call_uniq", "call_result", "call_status", "service", "subject", "source_id"}
	noteLabels = [numNoteFields]string{nfPhone: "Phone", nfDuration: "Duration", nfLink: "Call link", nfSource: "Call source",
		nfUniq: "Call ID", nfCallResult: "Call result", nfCallStatus: "Call status", nfService: "Service", nfSubject: "Subject",
		nfText: "Text", nfType: "Note type"}
)

// noteOp is one compiled column, join or constant of a notes file.
type noteOp struct {
	src    []int
	sep    string
	column string
	field  noteField
	name   string // the field's canonical name
	value  string // a constant's
	konst  bool
	ch     chain
	vmap   *value.ValueMap
	def    string
	req    bool
}

// noteRef is a ref column of a notes file.
type noteRef struct {
	idx    int
	column string
	entity kommo.EntityType // "" takes the row's entity_type
}

// noteFile is the compiled spec of a notes file.
type noteFile struct {
	ops   []*noteOp
	refs  []noteRef
	match map[kommo.EntityType]parentKey
	cols  map[string]string // Row.Columns, shared by every row
}

// parentKey is how an entity_key finds its record.
type parentKey struct {
	kind    MatchKind
	fieldID int
}

// inlineNote is a compiled NoteSpec.
type inlineNote struct {
	src       []int
	labels    []string // the headers, with Labels
	sep       string
	column    string
	typ       string
	service   string
	ent       int
	author    int // column index, -1 if none
	authorCol string
	authorMap *value.ValueMap
	date      int
	dateCol   string
}

// IsNotesEntity reports whether a spec's entity is notes (or a synonym:
// note, примечания, notas).
func IsNotesEntity(e kommo.EntityType) bool {
	switch value.Normalize(string(e)) {
	case "notes", "note", "примечания", "примечание", "notas", "nota":
		return true
	}
	return false
}

// inlineNotes compiles spec.Notes.
func (c *compiler) inlineNotes() {
	m := c.m
	for i, ns := range c.spec.Notes {
		path := fmt.Sprintf("notes[%d]", i)
		in := &inlineNote{sep: ns.Separator, author: -1, date: -1, ent: m.primary, service: ns.Service}
		if in.sep == "" {
			in.sep = "\n"
		}
		if in.service == "" {
			in.service = defaultService
		}
		cols := ns.Columns
		if ns.Column != "" {
			cols = append([]string{ns.Column}, cols...)
		}
		if len(cols) == 0 {
			c.fail(path+".column", errors.New("no column given"))
			continue
		}
		ok := true
		var names []string
		for j, col := range cols {
			idx, found := c.column(fmt.Sprintf("%s.columns[%d]", path, j), col)
			if !found {
				ok = false
				continue
			}
			in.src = append(in.src, idx)
			names = append(names, m.header[idx])
		}
		if ns.Labels {
			in.labels = names
		}
		in.column = strings.Join(names, " + ")
		in.typ = kommo.NoteCommon
		if ns.Type != "" {
			t, ro, err := noteType(ns.Type, textTypes)
			if err != nil || ro {
				c.fail(path+".type", fmt.Errorf("note type %q: want common, service_message, sms_in or sms_out (a call's notes come from a notes file)", ns.Type))
				ok = false
			}
			in.typ = t
		}
		if ns.Entity != "" {
			e := ParseEntity(string(ns.Entity))
			s := entitySlot(e)
			switch {
			case s < 0 || e == kommo.EntityTasks:
				c.fail(path+".entity", fmt.Errorf("a note goes on leads, contacts or companies, not %q", ns.Entity))
				ok = false
			case !m.ents[s].used:
				c.fail(path+".entity", fmt.Errorf("no column maps to %s", e))
				ok = false
			default:
				in.ent = s
			}
		} else if m.entity == kommo.EntityTasks {
			c.fail(path, errors.New("a task has no notes; give the entity of the row the note goes on"))
			ok = false
		}
		if ns.Author != "" {
			if idx, found := c.column(path+".author", ns.Author); found {
				in.author, in.authorCol = idx, m.header[idx]
			} else {
				ok = false
			}
		}
		if len(ns.AuthorMap) > 0 {
			vm, err := value.NewValueMap(ns.AuthorMap)
			if err != nil {
				c.fail(path+".author_map", err)
				ok = false
			}
			in.authorMap = vm
		}
		if ns.Date != "" {
			if idx, found := c.column(path+".date", ns.Date); found {
				in.date, in.dateCol = idx, m.header[idx]
			} else {
				ok = false
			}
		}
		if ok {
			m.inline = append(m.inline, in)
		}
	}
}

// cell is rec's value at idx, or "".
func cell(rec sheet.Record, idx int) string {
	if idx >= 0 && idx < len(rec.Values) {
		return rec.Values[idx]
	}
	return ""
}

// noteText joins the non-blank cells of src as a note's text: each cell
// as written, without the white space around it.
func noteText(rec sheet.Record, src []int, labels []string, sep string) string {
	var b strings.Builder
	for i, idx := range src {
		v := strings.TrimSpace(cell(rec, idx))
		if value.Blank(v) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		if labels != nil {
			b.WriteString(labels[i] + ": ")
		}
		b.WriteString(v)
	}
	return b.String()
}

// mapInline makes the notes of spec.Notes for a row; their errors go to
// b.errs. A note on a related entity the row does not send is not made.
func (m *Mapper) mapInline(b *build) []Note {
	var out []Note
	for _, in := range m.inline {
		if in.ent != m.primary && !b.present[in.ent] {
			continue
		}
		text := noteText(b.rec, in.src, in.labels, in.sep)
		if text == "" {
			continue
		}
		n := Note{Entity: slotEntities[in.ent], Type: in.typ, Params: kommo.NoteParams{Text: text}, Column: in.column}
		if in.typ == kommo.NoteServiceMsg {
			n.Params.Service = in.service
		}
		failed := false
		fail := func(col, field, v string, err error) {
			failed = true
			b.errs = append(b.errs, &sheet.RowError{File: m.File, Sheet: m.Sheet, Row: b.rec.Row, Column: col,
				Field: "notes." + field, Value: sheet.Truncate(v), Err: err})
		}
		if v := clean(cell(b.rec, in.author)); v != "" {
			id, err := m.author(v, in.authorMap)
			if err != nil {
				fail(in.authorCol, "author", v, err)
			}
			n.CreatedBy = id
		}
		if v := clean(cell(b.rec, in.date)); v != "" {
			t, err := m.date(v)
			if err != nil {
				fail(in.dateCol, "created_at", v, err)
			}
			n.CreatedAt = t.Unix()
		}
		if !failed {
			out = append(out, n)
		}
	}
	return out
}

// author resolves a note's author as owners are: a user's name, e-mail
// or id, after the author map.
func (m *Mapper) author(v string, vm *value.ValueMap) (int, error) {
	if vm != nil {
		if t, err := vm.Lookup(v); err == nil && t != "" {
			v = t
		}
	}
	return m.ix.users.lookup(v, "")
}

// compileNoteFile compiles the spec of a notes file: its columns, joins
// and constants name note fields (see noteFieldList), its refs the
// records by the key of a row of another file, its match how an
// entity_key finds its record.
func (c *compiler) compileNoteFile() {
	m, spec := c.m, c.spec
	nf := &noteFile{match: map[kommo.EntityType]parentKey{}, cols: map[string]string{}}
	m.nf = nf
	if len(spec.Notes) > 0 {
		c.fail("notes", errors.New("a notes file maps its columns to note fields; notes: is for leads, contacts and companies"))
	}
	if spec.Key != "" {
		if i, ok := c.column("key", spec.Key); ok {
			m.keyIdx, m.keyCol = i, m.header[i]
		}
	}
	add := func(o *noteOp, path string, t Target) bool {
		if t.Entity != "" && !IsNotesEntity(t.Entity) {
			c.fail(path+".entity", fmt.Errorf("a notes file has note fields only, not %s", t.Entity))
			return false
		}
		f, ok := noteFieldNames[strings.ToLower(strings.TrimSpace(t.Field))]
		if !ok {
			c.fail(path+".field", fmt.Errorf("unknown note field %q%s", t.Field, DidYouMean(t.Field, noteFieldList)))
			return false
		}
		o.field, o.name = f, noteFieldList[f-1]
		ch, err := c.compileTransforms(t.Transforms)
		if err != nil {
			c.fail(path+".transforms", err)
			return false
		}
		o.ch = ch
		if len(t.Map) > 0 {
			vm, err := value.NewValueMap(t.Map)
			if err != nil {
				c.fail(path+".map", err)
				return false
			}
			o.vmap = vm
		}
		o.def, o.req = t.Default, t.Required
		if o.column != "" {
			nf.cols["notes:"+o.name] = o.column
		}
		return true
	}
	for i, cs := range spec.Columns {
		path := fmt.Sprintf("columns[%d]", i)
		o := &noteOp{}
		idx, ok := c.column(path+".column", cs.Column)
		if ok {
			o.src, o.column = []int{idx}, m.header[idx]
		}
		if add(o, path, cs.Target) && ok {
			nf.ops = append(nf.ops, o)
		}
	}
	for i, js := range spec.Join {
		path := fmt.Sprintf("join[%d]", i)
		o := &noteOp{sep: js.Separator}
		var ok bool
		o.src, o.column, ok = c.joinColumns(path, js.Columns, m.header)
		if add(o, path, js.Target) && ok {
			if o.sep == "" {
				o.sep = " "
				if o.field == nfText || o.field == nfCallResult {
					o.sep = "\n"
				}
			}
			nf.ops = append(nf.ops, o)
		}
	}
	for i, k := range spec.Constants {
		path := fmt.Sprintf("constants[%d]", i)
		o := &noteOp{konst: true, value: k.Value}
		if add(o, path, Target{Entity: k.Entity, Field: k.Field}) {
			nf.ops = append(nf.ops, o)
		}
	}
	for i, r := range spec.Refs {
		path := fmt.Sprintf("refs[%d]", i)
		ref := noteRef{}
		if r.Entity != "" {
			ref.entity = ParseEntity(string(r.Entity))
			if s := entitySlot(ref.entity); s < 0 || ref.entity == kommo.EntityTasks {
				c.fail(path+".entity", fmt.Errorf("a note goes on leads, contacts or companies, not %q", r.Entity))
				continue
			}
		}
		if idx, ok := c.column(path+".column", r.Column); ok {
			ref.idx, ref.column = idx, m.header[idx]
			nf.refs = append(nf.refs, ref)
			if _, have := nf.cols["notes:ref"]; !have {
				nf.cols["notes:ref"] = ref.column
			}
		}
	}
	for _, e := range []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies} {
		k := spec.Match.For(e, true)
		if k == "" {
			continue
		}
		path := "match"
		if _, ok := spec.Match.ByEntity[e]; ok {
			path = "match." + string(e)
		}
		kind, arg, _ := strings.Cut(strings.TrimSpace(k), ":")
		switch strings.ToLower(kind) {
		case "", "none":
		case "email":
			nf.match[e] = parentKey{kind: MatchEmail}
		case "phone":
			nf.match[e] = parentKey{kind: MatchPhone}
		case "name":
			nf.match[e] = parentKey{kind: MatchName}
		case "id":
			nf.match[e] = parentKey{kind: MatchID}
		case "field":
			f, err := m.ix.field(e, strings.TrimSpace(arg))
			if err != nil {
				c.fail(path, err)
				continue
			}
			nf.match[e] = parentKey{kind: MatchField, fieldID: f.ID}
		default:
			c.fail(path, fmt.Errorf("unknown match key %q; want email, phone, name, id or field:<field>", k))
		}
	}
	for e := range spec.Match.ByEntity {
		if p := ParseEntity(string(e)); p != e || p == kommo.EntityTasks {
			c.fail("match", fmt.Errorf("write the entity as leads, contacts or companies, not %q", e))
		}
	}
	// A bad constant is a spec error, not a row error.
	if len(c.errs) == 0 {
		for _, o := range nf.ops {
			if !o.konst {
				continue
			}
			if _, errs := m.mapNoteFile(sheet.Record{}, []*noteOp{o}); len(errs) > 0 {
				for _, e := range errs {
					if e.Field == "notes."+o.name {
						c.fail("constants", fmt.Errorf("field %s: %w", o.name, e.Err))
					}
				}
			}
		}
	}
}

// noteValues are the values of one row of a notes file, by field, with
// the column each came from.
type noteValues struct {
	v   [numNoteFields]string
	col [numNoteFields]string
}

// mapNoteFile maps one row of a notes file with ops (all of m's but for
// checking a constant).
func (m *Mapper) mapNoteFile(rec sheet.Record, ops []*noteOp) (*Row, []*sheet.RowError) {
	nf := m.nf
	var errs []*sheet.RowError
	var warns []*RowWarning
	fail := func(col string, f noteField, v string, err error) {
		name := ""
		if f > nfNone {
			name = "notes." + noteFieldList[f-1]
		}
		errs = append(errs, &sheet.RowError{File: m.File, Sheet: m.Sheet, Row: rec.Row, Column: col, Field: name,
			Value: sheet.Truncate(v), Err: err})
	}
	var nv noteValues
	for _, o := range ops {
		raw := o.value
		if !o.konst {
			if len(o.src) == 1 {
				raw = cell(rec, o.src[0])
			} else {
				raw = noteText(rec, o.src, nil, o.sep)
			}
		}
		v := raw
		if o.field == nfText || o.field == nfCallResult || o.field == nfSubject {
			v = strings.TrimSpace(v)
			if value.Blank(v) {
				v = ""
			}
		} else {
			v = clean(v)
		}
		if v == "" && o.def != "" {
			v = o.def
		}
		if v == "" {
			if o.req {
				fail(o.column, o.field, "", ErrRequired)
			}
			continue
		}
		bad := false
		for _, fn := range append(o.ch.pre[:len(o.ch.pre):len(o.ch.pre)], o.ch.post...) {
			w, err := fn(v)
			if err != nil {
				fail(o.column, o.field, raw, err)
				bad = true
				break
			}
			v = w
		}
		if bad {
			continue
		}
		if o.vmap != nil {
			if t, err := o.vmap.Lookup(v); err == nil {
				v = t
			}
		}
		if v == "" {
			continue
		}
		if nv.v[o.field] != "" && o.field == nfText {
			nv.v[o.field] += "\n" + v // several text columns
		} else {
			nv.v[o.field] = v
		}
		if nv.col[o.field] == "" {
			nv.col[o.field] = o.column
		}
	}
	for f := nfNone + 1; f < numNoteFields; f++ {
		if nv.col[f] == "" {
			nv.col[f] = nf.cols["notes:"+noteFieldList[f-1]] // an empty cell's column
		}
	}
	n := Note{Type: kommo.NoteCommon, Column: nv.col[nfText]}
	p := &n.Params
	readOnly := "" // a type Kommo does not take, written as common
	// The type.
	if v := nv.v[nfType]; v != "" {
		t, ro, err := noteType(v, noteTypes)
		switch {
		case err != nil:
			fail(nv.col[nfType], nfType, v, err)
		case ro:
			warns = append(warns, m.noteWarning(rec, nv.col[nfType], "note_type", v, "text"))
			readOnly = t
		default:
			n.Type = t
		}
	}
	// The record.
	if v := nv.v[nfEntityType]; v != "" {
		n.Entity = ParseEntity(v)
		if n.Entity == "" || n.Entity == kommo.EntityTasks {
			fail(nv.col[nfEntityType], nfEntityType, v, ErrNoteEntity)
		}
	}
	parentCol := ""
	switch {
	case nv.v[nfEntityID] != "":
		v := nv.v[nfEntityID]
		parentCol = nv.col[nfEntityID]
		id, err := strconv.Atoi(v)
		if err != nil || id <= 0 {
			fail(parentCol, nfEntityID, v, fmt.Errorf("not a Kommo id: %q", v))
		}
		n.ID = id
	case nv.v[nfEntityKey] != "":
		v := nv.v[nfEntityKey]
		parentCol = nv.col[nfEntityKey]
		if n.Entity == "" {
			fail(nv.col[nfEntityType], nfEntityType, "", ErrNoteEntity)
			break
		}
		k, err := m.parentKey(n.Entity, v)
		if err != nil {
			fail(parentCol, nfEntityKey, v, err)
		}
		n.Key = k
	default:
		for _, r := range nf.refs {
			v := clean(cell(rec, r.idx))
			if v == "" {
				continue
			}
			n.Ref, parentCol = v, r.column
			if r.entity != "" && n.Entity == "" {
				n.Entity = r.entity
			}
			break
		}
	}
	if n.ID == 0 && n.Key == nil && n.Ref == "" && len(errs) == 0 {
		fail(parentCol, nfNone, "", ErrNoteNoRecord)
	}
	if n.Entity == "" && len(errs) == 0 {
		fail(nv.col[nfEntityType], nfEntityType, "", ErrNoteEntity)
	}
	// Author and date.
	if v := nv.v[nfAuthor]; v != "" {
		id, err := m.author(v, nil)
		if err != nil {
			fail(nv.col[nfAuthor], nfAuthor, v, err)
		}
		n.CreatedBy = id
	}
	if v := nv.v[nfCreatedAt]; v != "" {
		t, err := m.date(v)
		if err != nil {
			fail(nv.col[nfCreatedAt], nfCreatedAt, v, err)
		}
		n.CreatedAt = t.Unix()
	}
	// The params.
	if v := nv.v[nfDuration]; v != "" {
		d, err := parseCallDuration(v)
		if err != nil {
			fail(nv.col[nfDuration], nfDuration, v, err)
		}
		p.Duration = d
	}
	if v := nv.v[nfCallStatus]; v != "" {
		s, err := strconv.Atoi(v)
		if err != nil || s < 1 || s > 8 {
			fail(nv.col[nfCallStatus], nfCallStatus, v, ErrCallStatusInvalid)
		}
		p.CallStatus = kommo.CallStatus(s)
	}
	n.SourceID = nv.v[nfSourceID]
	if n.SourceID == "" && m.keyIdx >= 0 {
		n.SourceID = clean(cell(rec, m.keyIdx))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	warns = append(warns, m.noteParams(rec, &n, &nv, readOnly)...)
	if n.Type == kommo.NoteCommon && p.Text == "" || (n.Type == kommo.NoteSMSIn || n.Type == kommo.NoteSMSOut) && p.Text == "" && p.Phone == "" {
		fail(nv.col[nfText], nfText, "", ErrRequired)
		return nil, errs
	}
	r := &Row{File: m.File, Sheet: m.Sheet, Line: rec.Row, Entity: EntityNotes, Key: n.SourceID, Notes: []Note{n},
		Columns: nf.cols}
	if len(warns) > 0 {
		r.Warnings = warns
	}
	return r, nil
}

// noteParams sets the params of n's type from nv and keeps the values
// the type cannot carry in its text (a call's: call_result), each with a
// warning.
func (m *Mapper) noteParams(rec sheet.Record, n *Note, nv *noteValues, readOnly string) []*RowWarning {
	p := &n.Params
	carries := map[noteField]bool{}
	switch n.Type {
	case kommo.NoteCommon:
		carries[nfText] = true
	case kommo.NoteCallIn, kommo.NoteCallOut:
		for _, f := range []noteField{nfPhone, nfDuration, nfLink, nfSource, nfUniq, nfCallResult, nfCallStatus} {
			carries[f] = true
		}
	case kommo.NoteServiceMsg:
		carries[nfText], carries[nfService] = true, true
	case kommo.NoteSMSIn, kommo.NoteSMSOut:
		carries[nfText], carries[nfPhone] = true, true
	}
	set := func(f noteField, v string) {
		switch f {
		case nfText:
			p.Text = v
		case nfPhone:
			p.Phone = v
		case nfLink:
			p.Link = v
		case nfSource:
			p.Source = v
		case nfUniq:
			p.UniqueID = v
		case nfCallResult:
			p.CallResult = v
		case nfService:
			p.Service = v
		}
	}
	var head, extra []string
	var warns []*RowWarning
	into := "text"
	if n.Type == kommo.NoteCallIn || n.Type == kommo.NoteCallOut {
		into = "call_result"
	}
	keep := func(f noteField, v string) {
		switch {
		case f == nfSubject:
			head = append(head, noteLabels[f]+": "+v)
		case f == nfText && into == "call_result":
			head = append(head, v)
		default:
			extra = append(extra, noteLabels[f]+": "+v)
		}
		warns = append(warns, m.noteWarning(rec, nv.col[f], noteFieldList[f-1], v, into))
	}
	if readOnly != "" {
		head = append(head, "["+readOnly+"]")
	}
	// The subject heads the text, as an e-mail's does.
	if v := nv.v[nfSubject]; v != "" {
		keep(nfSubject, v)
	}
	for _, f := range []noteField{nfText, nfPhone, nfDuration, nfLink, nfSource, nfUniq, nfCallResult, nfCallStatus, nfService} {
		v := nv.v[f]
		if v == "" {
			continue
		}
		if carries[f] {
			set(f, v)
			continue
		}
		switch f {
		case nfDuration:
			v = strconv.Itoa(p.Duration) + " s"
			p.Duration = 0
		case nfCallStatus:
			p.CallStatus = 0
		}
		keep(f, v)
	}
	if n.Type == kommo.NoteServiceMsg && p.Service == "" {
		p.Service = defaultService
	}
	if len(head)+len(extra) > 0 {
		slot := &p.Text
		if into == "call_result" {
			slot = &p.CallResult
		}
		lines := head
		if *slot != "" {
			lines = append(lines, *slot)
		}
		*slot = strings.Join(append(lines, extra...), "\n")
	}
	return warns
}

// noteWarning is the warning of a value of field kept in a note's text
// (into: "text", or a call's "call_result"): its Reason.
func (m *Mapper) noteWarning(rec sheet.Record, column, field, v, into string) *RowWarning {
	err := errNotCarried
	if field == "note_type" {
		err, into = errTypeNotWritable, "text"
	}
	return &RowWarning{File: m.File, Sheet: m.Sheet, Row: rec.Row, Column: column, Field: "notes." + field,
		Value: sheet.Truncate(v), Code: WarnNoteValueInText, Action: ActionKeptInText, Reason: into,
		Params: map[string]string{"field": field}, Err: err}
}

// parentKey is the match key of an entity_key value.
func (m *Mapper) parentKey(e kommo.EntityType, v string) (*MatchKey, error) {
	pk, ok := m.nf.match[e]
	if !ok {
		return nil, ErrNoteNoMatch
	}
	k := &MatchKey{Kind: pk.kind, FieldID: pk.fieldID}
	switch pk.kind {
	case MatchEmail:
		s, err := value.ParseEmail(v)
		if err != nil {
			return nil, err
		}
		k.Values = []string{s}
	case MatchPhone:
		ph, err := value.ParsePhone(v, m.phoneRegionOf())
		if err != nil {
			return nil, err
		}
		k.Values = []string{ph.E164}
	case MatchName:
		k.Values = []string{value.Normalize(v)}
	case MatchID:
		if id, err := strconv.Atoi(v); err != nil || id <= 0 {
			return nil, fmt.Errorf("not a Kommo id: %q", v)
		}
		k.Values = []string{v}
	default:
		k.Values = []string{v}
	}
	return k, nil
}

// phoneRegionOf is the region of phones without a country code in a
// notes file: options.region, else the account's.
func (m *Mapper) phoneRegionOf() string {
	if m.region != "" {
		return m.region
	}
	return m.account
}

// parseCallDuration reads a call's duration: seconds, mm:ss or hh:mm:ss.
func parseCallDuration(s string) (int, error) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, ErrDurationInvalid
	}
	total := 0
	for i, part := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 0 || (i > 0 && n > 59) {
			if len(parts) == 1 {
				if f, ferr := strconv.ParseFloat(part, 64); ferr == nil && f >= 0 {
					return int(f + 0.5), nil
				}
			}
			return 0, ErrDurationInvalid
		}
		total = total*60 + n
	}
	return total, nil
}
