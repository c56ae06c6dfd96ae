package mapping

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// build is the state of one Map call. Builds are pooled per Mapper (see
// mapShared): the row, its requests, the arena and the errors belong to
// the Row being built (or to the caller, for errors); the rest is scratch
// that Map copies out.
type build struct {
	rec     sheet.Record
	row     *Row // allocated with its primary request
	lead    *kommo.LeadRequest
	contact *kommo.ContactRequest
	company *kommo.CompanyRequest
	task    *kommo.TaskRequest
	present [numSlots]bool
	cfs     [numSlots][]slotBuild
	cols    []colPair // Row.Columns as written, in order
	colEnts uint8     // the entity slots in cols, as bits
	lastSet *colSet   // the Columns of the last row this build made
	errs    []*sheet.RowError
	arena   []byte   // the JSON of custom field values; owned by the Row
	est     int      // initial arena size
	parts   []string // scratch for joins
	split   []string // scratch for split values

	statusOp  *op
	statusRaw string
	taskCols  [2]string // columns of text and complete_till

	warns      []*RowWarning  // owned by the Row
	keyAlt     [numSlots]bool // the entity is matched by its other key
	region     RegionUse      // the row's region for phones, once regionDone
	regionDone bool
	regionUsed bool   // a phone without a country code used region
	countryRaw string // a country cell that was not understood
	// The last country cell looked up and its region, kept across rows.
	lastCountry, lastRegion string
}

// slotBuild collects the values of one custom field.
type slotBuild struct {
	vals  []kommo.FieldValue
	cols  []string // source column of each value
	strs  []string // each normalised value, for match keys (match slots only)
	clear bool
	bad   *sheet.RowError // the first value that could not be a match key
}

// newBuild returns a reset build for rec from m's pool; give it back with
// putBuild once nothing of it is in use.
func (m *Mapper) newBuild(rec sheet.Record) *build {
	b, _ := m.sh.builds.Get().(*build)
	if b == nil {
		b = &build{}
		for s := range numSlots {
			if n := len(m.ents[s].slots); n > 0 && m.ents[s].used {
				b.cfs[s] = make([]slotBuild, n)
			}
		}
	}
	b.rec = rec
	b.est = 16
	for _, v := range rec.Values {
		b.est += len(v) + 2
	}
	switch m.primary {
	case slotLeads:
		x := new(rowWith[kommo.LeadRequest])
		b.row, b.lead = &x.row, &x.req
	case slotContacts:
		x := new(rowWith[kommo.ContactRequest])
		b.row, b.contact = &x.row, &x.req
	case slotCompanies:
		x := new(rowWith[kommo.CompanyRequest])
		b.row, b.company = &x.row, &x.req
	case slotTasks:
		x := new(rowWith[kommo.TaskRequest])
		b.row, b.task = &x.row, &x.req
	}
	for s := range numSlots {
		if s == m.primary || !m.ents[s].used {
			continue
		}
		switch s {
		case slotLeads:
			b.lead = &kommo.LeadRequest{}
		case slotContacts:
			b.contact = &kommo.ContactRequest{}
		case slotCompanies:
			b.company = &kommo.CompanyRequest{}
		case slotTasks:
			b.task = &kommo.TaskRequest{}
		}
	}
	return b
}

// putBuild returns b to m's pool. The Row and errors made from b own its
// arena and errors, so b forgets them.
//
// The scratch slices keep their capacity and, until overwritten, the
// strings and values of the last row: one row's worth of memory per build
// in the pool.
func (m *Mapper) putBuild(b *build) {
	for s := range b.cfs {
		for i := range b.cfs[s] {
			sb := &b.cfs[s][i]
			sb.vals, sb.cols, sb.strs, sb.clear, sb.bad = sb.vals[:0], sb.cols[:0], sb.strs[:0], false, nil
		}
	}
	b.rec, b.row, b.lead, b.contact, b.company, b.task = sheet.Record{}, nil, nil, nil, nil, nil
	b.present = [numSlots]bool{}
	b.cols, b.colEnts, b.errs, b.arena = b.cols[:0], 0, nil, nil
	b.statusOp, b.statusRaw, b.taskCols = nil, "", [2]string{}
	b.warns, b.keyAlt = nil, [numSlots]bool{}
	b.region, b.regionDone, b.regionUsed, b.countryRaw = RegionUse{}, false, false, ""
	m.sh.builds.Put(b)
}

// Map turns one record into a Row: the write requests of the primary
// entity and of the related entities that have a value in the row, their
// match keys, the row key, its refs, and the source column of every value
// sent. Empty cells send nothing (unless the spec says clear_if_empty).
//
// A row with any bad cell yields a nil Row and one *RowError per problem,
// each with the row, column, field and value; the caller reports them and
// goes on with the next record. A value that does not validate but that
// its column's on_invalid lets through (normalised, kept as written or
// left out) does not fail the row: it is a *RowWarning in Row.Warnings.
//
// Rows share their Columns map with the other rows of m that filled the
// same fields from the same columns; it must not be modified (see Row).
// Everything else in a Row is its own.
func (m *Mapper) Map(rec sheet.Record) (*Row, []*sheet.RowError) {
	if m.nf != nil {
		return m.mapNoteFile(rec, m.nf.ops)
	}
	b := m.newBuild(rec)
	defer m.putBuild(b)
	n := len(m.ops) - m.nconst
	for _, o := range m.ops[:n] {
		var raw string
		if o.kind == opJoin {
			b.parts = b.parts[:0]
			for _, idx := range o.src {
				v := ""
				if idx < len(rec.Values) {
					v = rec.Values[idx]
				}
				b.parts = append(b.parts, v)
			}
			raw = value.JoinColumns(o.sep, b.parts...)
		} else if idx := o.src[0]; idx < len(rec.Values) {
			raw = rec.Values[idx]
		}
		m.apply(b, o, raw)
	}
	for _, o := range m.ops[n:] {
		if o.ent == m.primary || b.present[o.ent] {
			m.apply(b, o, o.value)
		}
	}
	m.finishLead(b)
	m.finishTask(b)
	m.checkKeys(b)
	var notes []Note
	if len(m.inline) > 0 {
		notes = m.mapInline(b)
	}
	if len(b.errs) > 0 {
		return nil, b.errs
	}
	r := m.row(b)
	r.Notes = notes
	return r, nil
}

// apply reads raw for o and sets it in b.
func (m *Mapper) apply(b *build, o *op, raw string) {
	v := o.cellValue(raw)
	if v == "" && o.def != "" {
		v = o.cellValue(o.def)
	}
	if v == "" {
		m.empty(b, o)
		return
	}
	for _, fn := range o.ch.pre {
		w, err := fn(v)
		if err != nil {
			if m.refuse(b, o, raw, v, err) != refuseKeep {
				return
			}
			continue // kept: v goes on unchanged
		}
		v = w
	}
	if v == "" {
		m.empty(b, o)
		return
	}
	was := b.present[o.ent]
	if o.kind != opConst {
		b.present[o.ent] = true
	}
	var one [1]string
	vals := one[:]
	vals[0] = v
	if o.ch.split {
		if needsSplit(v, o.ch.sep) {
			vals = b.splitValues(v, o.ch.sep)
		}
	} else if o.multi() {
		if sep := m.sepFor(o); needsSplit(v, sep) {
			vals = b.splitValues(v, sep)
		}
	}
	dropped := false
	for _, fn := range o.ch.post {
		kept := vals[:0]
		for _, x := range vals {
			w, err := fn(x)
			if err != nil {
				switch m.refuse(b, o, raw, x, err) {
				case refuseFail:
					return
				case refuseDrop:
					dropped = true
					continue
				}
				w = x // kept as written
			}
			kept = append(kept, w)
		}
		vals = kept
	}
	if o.vmap != nil {
		kept := vals[:0]
		for _, v := range vals {
			if t, err := o.vmap.Lookup(v); err == nil {
				v = t
			}
			if v != "" { // a value mapped to "" is dropped
				kept = append(kept, v)
			}
		}
		vals = kept
	}
	if len(vals) == 0 {
		if dropped {
			b.present[o.ent] = was
		}
		m.empty(b, o)
		return
	}
	mk := b.mark(o)
	switch err := m.set(b, o, vals); {
	case err == nil && (o.cf == nil || b.mark(o).vals > mk.vals):
		return
	case err == nil:
		// Every value was left out.
	case o.policy == policyDrop && !o.required:
		b.truncate(o, mk)
		b.warn(m, o, raw, WarnValueLeftOut, ActionLeftOut, "", err)
	default:
		b.fail(m, o, raw, err)
		return
	}
	b.present[o.ent] = was
}

// multi reports whether o's target takes several values, so that a cell
// is split without an explicit split transform.
func (o *op) multi() bool {
	if o.cf != nil {
		return o.cf.kind.multi()
	}
	return stdFields[o.std].multi
}

func (m *Mapper) sepFor(o *op) string {
	if o.cf != nil && (o.cf.kind == cfPhone || o.cf.kind == cfAddress) && m.sepSpec == "" {
		return ";" // phones may contain commas ("доб., 12"); addresses do
	}
	return m.sepSpec
}

// empty handles an empty value: required, clear, or nothing.
func (m *Mapper) empty(b *build, o *op) {
	switch {
	case o.required:
		b.fail(m, o, "", ErrRequired)
	case o.clear:
		if o.kind != opConst {
			b.present[o.ent] = true
		}
		if o.cf != nil {
			b.cfs[o.ent][o.cf.slot].clear = true
			if len(b.cfs[o.ent][o.cf.slot].cols) == 0 {
				b.cfs[o.ent][o.cf.slot].cols = append(b.cfs[o.ent][o.cf.slot].cols, o.column)
			}
			return
		}
		switch o.std {
		case stdTags:
			if o.ent == slotLeads {
				if b.lead.Embedded == nil {
					b.lead.Embedded = &kommo.LeadRequestEmbedded{}
				}
				b.lead.Embedded.Tags = []kommo.TagRef{}
			} else if emb := b.embedded(o.ent); emb != nil {
				emb.Tags = []kommo.TagRef{}
			}
			b.col(o.ent, embeddedTagsPath[o.ent], o.column)
		case stdPrice:
			var zero float64
			b.lead.Price = &zero
			b.col(o.ent, o.path, o.column)
		}
	}
}

// embedded returns the _embedded of a contact or company, creating it.
func (b *build) embedded(ent int) *kommo.EntityRequestEmbedded {
	switch ent {
	case slotContacts:
		if b.contact.Embedded == nil {
			b.contact.Embedded = &kommo.EntityRequestEmbedded{}
		}
		return b.contact.Embedded
	case slotCompanies:
		if b.company.Embedded == nil {
			b.company.Embedded = &kommo.EntityRequestEmbedded{}
		}
		return b.company.Embedded
	}
	return nil
}

// col records that path of entity slot ent came from column.
func (b *build) col(ent int, path, column string) {
	if column != "" {
		b.cols = append(b.cols, colPair{ent: ent, key: path, col: column})
		b.colEnts |= 1 << ent
	}
}

func (b *build) fail(m *Mapper, o *op, value string, err error) {
	b.errs = append(b.errs, &sheet.RowError{
		File: m.File, Sheet: m.Sheet, Row: b.rec.Row,
		Column: o.column, Field: o.field, Value: sheet.Truncate(value), Err: err,
	})
}

// one returns the single value of a one-value field.
func one(vals []string) (string, error) {
	if len(vals) != 1 {
		return "", fmt.Errorf("takes one value, got %d", len(vals))
	}
	return vals[0], nil
}

// set puts the values of o into b.
func (m *Mapper) set(b *build, o *op, vals []string) error {
	if o.cf != nil {
		return m.setCustom(b, o, vals)
	}
	if o.std == stdTags {
		tags := make([]kommo.TagRef, len(vals))
		for i, v := range vals {
			tags[i] = kommo.TagRef{Name: v}
		}
		switch o.ent {
		case slotLeads:
			addTags(&b.lead.TagsToAdd, tags)
		case slotContacts:
			addTags(&b.contact.TagsToAdd, tags)
		case slotCompanies:
			addTags(&b.company.TagsToAdd, tags)
		}
		b.col(o.ent, o.path, o.column)
		return nil
	}
	v, err := one(vals)
	if err != nil {
		return err
	}
	switch o.std {
	case stdID, stdEntityID:
		id, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not a Kommo id (a positive whole number)", v)
		}
		if o.std == stdEntityID {
			b.task.EntityID = id
		} else {
			b.setID(o.ent, id)
		}
	case stdName:
		switch o.ent {
		case slotLeads:
			b.lead.Name = v
		case slotContacts:
			if o.ch.splitName {
				n, err := value.SplitName(v, m.order)
				if err != nil {
					return err
				}
				b.contact.Name = v
				b.contact.FirstName = strings.TrimSpace(n.First + " " + n.Middle)
				b.contact.LastName = n.Last
				b.col(slotContacts, "contacts:first_name", o.column)
				b.col(slotContacts, "contacts:last_name", o.column)
			} else {
				b.contact.Name = v
			}
		case slotCompanies:
			b.company.Name = v
		}
	case stdFirstName:
		b.contact.FirstName = v
	case stdLastName:
		b.contact.LastName = v
	case stdPrice:
		p, err := m.number(v) // cents are kept: Kommo takes a decimal price
		if err != nil {
			return err
		}
		if p < 0 {
			return fmt.Errorf("price %s is negative", strconv.FormatFloat(p, 'f', -1, 64))
		}
		b.lead.Price = &p
	case stdStatus:
		b.statusOp, b.statusRaw = o, v
		return nil // resolved with the pipeline in finishLead
	case stdPipeline:
		id, err := m.ix.pipelines.lookup(v, "")
		if err != nil {
			return err
		}
		b.lead.PipelineID = id
	case stdResponsible:
		id, err := m.ix.users.lookup(v, "")
		if err != nil {
			return err
		}
		b.setResponsible(o.ent, id)
	case stdCreatedAt, stdUpdatedAt, stdClosedAt, stdCompleteTill:
		t, err := m.date(v)
		if err != nil {
			return err
		}
		u := t.Unix()
		switch o.std {
		case stdCreatedAt:
			b.setCreated(o.ent, u)
		case stdUpdatedAt:
			b.setUpdated(o.ent, u)
		case stdClosedAt:
			b.lead.ClosedAt = u
		case stdCompleteTill:
			b.task.CompleteTill = u
			b.taskCols[1] = o.column
		}
	case stdText:
		b.task.Text = v
		b.taskCols[0] = o.column
	case stdTaskType:
		id, err := m.ix.taskTypes.lookup(v, "")
		if err != nil {
			return err
		}
		b.task.TaskTypeID = id
	case stdEntityType:
		e := ParseEntity(v)
		if !taskEntityTypes[e] {
			return fmt.Errorf("unknown entity type %q; want leads, contacts or companies", v)
		}
		b.task.EntityType = e
	case stdIsCompleted:
		done, err := parseBool(v)
		if err != nil {
			return err
		}
		b.task.IsCompleted = &done
	case stdResult:
		b.task.Result = &kommo.TaskResult{Text: v}
	case stdDuration:
		d, err := m.integer(v)
		if err != nil {
			return err
		}
		if d < 0 || d > 1<<31-1 {
			return fmt.Errorf("duration %d out of range", d)
		}
		di := int(d)
		b.task.Duration = &di
	}
	b.col(o.ent, o.path, o.column)
	return nil
}

func (b *build) setID(ent, id int) {
	switch ent {
	case slotLeads:
		b.lead.ID = id
	case slotContacts:
		b.contact.ID = id
	case slotCompanies:
		b.company.ID = id
	case slotTasks:
		b.task.ID = id
	}
}

func (b *build) setResponsible(ent, id int) {
	switch ent {
	case slotLeads:
		b.lead.ResponsibleUserID = id
	case slotContacts:
		b.contact.ResponsibleUserID = id
	case slotCompanies:
		b.company.ResponsibleUserID = id
	case slotTasks:
		b.task.ResponsibleUserID = id
	}
}

func (b *build) setCreated(ent int, u int64) {
	switch ent {
	case slotLeads:
		b.lead.CreatedAt = u
	case slotContacts:
		b.contact.CreatedAt = u
	case slotCompanies:
		b.company.CreatedAt = u
	case slotTasks:
		b.task.CreatedAt = u
	}
}

func (b *build) setUpdated(ent int, u int64) {
	switch ent {
	case slotLeads:
		b.lead.UpdatedAt = u
	case slotContacts:
		b.contact.UpdatedAt = u
	case slotCompanies:
		b.company.UpdatedAt = u
	}
}

// setCustom converts the values of a custom field.
func (m *Mapper) setCustom(b *build, o *op, vals []string) error {
	t := o.cf
	if !t.kind.multi() && len(vals) != 1 {
		return fmt.Errorf("field %q takes one value, got %d", t.f.Name, len(vals))
	}
	sb := &b.cfs[o.ent][t.slot]
	if !t.kind.multi() && len(sb.vals) > 0 {
		return fmt.Errorf("field %q takes one value", t.f.Name)
	}
	for _, v := range vals {
		var fv kommo.FieldValue
		str := v        // the value as text, for match keys
		keyable := true // str is normalised, so it can be a match key
		switch t.kind {
		case cfText:
			fv = kommo.FieldValue{Value: b.jsonText(v)}
		case cfNumber:
			f, err := m.number(v)
			if err != nil {
				return err
			}
			fv = b.number(f)
		case cfBool:
			x, err := parseBool(v)
			if err != nil {
				return err
			}
			fv = b.checkbox(x)
		case cfDate:
			d, err := m.date(v)
			if err != nil {
				return err
			}
			if t.f.Type != kommo.FieldDateTime {
				d = m.day(d)
			}
			fv = b.date(d)
		case cfSelect, cfMultiselect:
			id, err := t.enums.lookup(v, t.scope)
			if err != nil {
				return err
			}
			fv = kommo.EnumID(id)
			if t.key {
				str = strconv.Itoa(id)
			}
		case cfPhone, cfEmail:
			sent, key, err := m.contact(b, o, v)
			if err != nil {
				return err
			}
			if sent == "" {
				continue // left out
			}
			fv, str, keyable = kommo.FieldValue{Value: b.jsonText(sent), EnumCode: o.enum}, sent, key
		case cfMultitext:
			fv = kommo.FieldValue{Value: b.jsonText(v), EnumCode: o.enum}
		case cfAddress:
			fv = kommo.FieldValue{Value: b.jsonText(v), EnumCode: o.enum}
		}
		sb.vals = append(sb.vals, fv)
		sb.cols = append(sb.cols, o.column)
		if (t.key || t.alt) && keyable {
			sb.strs = append(sb.strs, str)
		}
	}
	return nil
}

// finishLead resolves the stage, now that the pipeline is known.
func (m *Mapper) finishLead(b *build) {
	if b.statusOp == nil || b.lead == nil {
		return
	}
	o := b.statusOp
	pid, sid, err := m.ix.stage(b.statusRaw, b.lead.PipelineID)
	if err != nil && o.policy == policyDrop && !o.required {
		b.warn(m, o, b.statusRaw, WarnValueLeftOut, ActionLeftOut, "", err)
		return
	}
	if err != nil {
		b.fail(m, o, b.statusRaw, err)
		return
	}
	b.lead.StatusID = sid
	b.col(slotLeads, "leads:status_id", o.column)
	if b.lead.PipelineID == 0 {
		b.lead.PipelineID = pid
		b.col(slotLeads, "leads:pipeline_id", o.column)
	}
}

// finishTask checks that a new task has its text and deadline.
func (m *Mapper) finishTask(b *build) {
	t := b.task
	if t == nil || t.ID != 0 || (m.primary != slotTasks && !b.present[slotTasks]) {
		return
	}
	for i, missing := range []bool{t.Text == "", t.CompleteTill == 0} {
		if !missing {
			continue
		}
		f := [...]string{"tasks.text", "tasks.complete_till"}[i]
		b.errs = append(b.errs, &sheet.RowError{
			File: m.File, Sheet: m.Sheet, Row: b.rec.Row, Column: b.taskCols[i], Field: f,
			Err: fmt.Errorf("%w: a new task needs %s", ErrRequired, f[len("tasks."):]),
		})
	}
}

// row assembles the Row from a build without errors. It makes the few
// allocations a Row needs: the Row with its primary request, each related
// request sent, one array for all custom field values and one for their
// values; Columns comes from m's cache of column maps.
func (m *Mapper) row(b *build) *Row {
	var sent [numSlots]bool
	nv, nc, nkeys := 0, 0, 0
	for s := range numSlots {
		if !m.ents[s].used || (s != m.primary && !b.present[s]) {
			continue
		}
		sent[s] = true
		nkeys += m.matchCount(b, s)
		for i := range b.cfs[s] {
			if sb := &b.cfs[s][i]; len(sb.vals) > 0 || sb.clear {
				nc++
				nv += len(sb.vals)
			}
		}
	}
	var fvs []kommo.FieldValue
	var cfvs kommo.CustomFieldValues
	var keys []string // the match values of all entities
	if nkeys > 0 {
		keys = make([]string, 0, nkeys)
	}
	if nv > 0 {
		fvs = make([]kommo.FieldValue, nv)
	}
	if nc > 0 {
		cfvs = make(kommo.CustomFieldValues, nc)
	}

	r := b.row
	r.File, r.Sheet, r.Line, r.Entity = m.File, m.Sheet, b.rec.Row, m.entity
	r.Warnings = b.warns
	if b.regionUsed {
		r.PhoneRegion = b.region
	}
	if m.keyIdx >= 0 && m.keyIdx < len(b.rec.Values) {
		r.Key = clean(b.rec.Values[m.keyIdx])
	}
	hasRefs := false
	for _, ref := range m.refs {
		if ref.idx >= len(b.rec.Values) {
			continue
		}
		if v := clean(b.rec.Values[ref.idx]); v != "" {
			if r.Refs == nil {
				r.Refs = make(map[kommo.EntityType]string, len(m.refs))
				r.RequiredRefs = m.required
			}
			r.Refs[ref.entity] = v
			hasRefs = true
		}
	}
	for s := range numSlots {
		if !sent[s] {
			continue
		}
		cfv := m.customValues(b, s, &fvs, &cfvs)
		switch s {
		case slotLeads:
			b.lead.CustomFieldsValues = cfv
			r.Lead = b.lead
		case slotContacts:
			b.contact.CustomFieldsValues = cfv
			r.Contact = b.contact
		case slotCompanies:
			b.company.CustomFieldsValues = cfv
			r.Company = b.company
		case slotTasks:
			r.Task = b.task
		}
		if p := &m.ents[s]; p.match != MatchNone {
			if r.Match == nil {
				r.Match = make(map[kommo.EntityType]MatchKey, 2)
			}
			_, kind := m.matchSlot(b, s)
			r.Match[slotEntities[s]] = MatchKey{Kind: kind, FieldID: p.fieldID, Values: m.matchValues(b, s, &keys)}
		}
	}
	// The columns of an entity that is not sent are left out.
	for s := range numSlots {
		if b.colEnts&(1<<s) != 0 && !sent[s] {
			kept := b.cols[:0]
			for _, c := range b.cols {
				if sent[c.ent] {
					kept = append(kept, c)
				}
			}
			b.cols = kept
			break
		}
	}
	if hasRefs {
		// A reference's column, for its warning or error: "<entity>:ref".
		for _, ref := range m.refs {
			if r.Refs[ref.entity] != "" {
				b.cols = append(b.cols, colPair{ent: entitySlot(ref.entity), key: ref.key, col: ref.column})
			}
		}
	}
	r.Columns = m.sh.cols.get(b.cols, &b.lastSet)
	return r
}

// rowWith is a Row allocated together with its primary request.
type rowWith[T any] struct {
	row Row
	req T
}

// customValues compacts the custom field slots of entity s into the
// front of fvs and cfvs, which it advances, and records their columns.
func (m *Mapper) customValues(b *build, s int, fvs *[]kommo.FieldValue, cfvs *kommo.CustomFieldValues) kommo.CustomFieldValues {
	p := &m.ents[s]
	n := 0
	for i := range b.cfs[s] {
		if sb := &b.cfs[s][i]; len(sb.vals) > 0 || sb.clear {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := (*cfvs)[:n:n]
	*cfvs = (*cfvs)[n:]
	j := 0
	for i := range b.cfs[s] {
		sb := &b.cfs[s][i]
		if len(sb.vals) == 0 && !sb.clear {
			continue
		}
		t := p.slots[i]
		var vals []kommo.FieldValue // nil clears the field
		if k := len(sb.vals); k > 0 {
			vals = (*fvs)[:k:k]
			*fvs = (*fvs)[k:]
			copy(vals, sb.vals)
		}
		out[j] = kommo.CustomFieldValue{FieldID: t.f.ID, Values: vals}
		b.col(s, p.cfKeys[j], sb.cols[0])
		if t.sources > 1 {
			for k, c := range sb.cols {
				if c != sb.cols[0] {
					b.col(s, p.valueKey(j, k), c)
				}
			}
		}
		j++
	}
	return out
}

// matchValues appends the normalised match values of entity s to arena
// and returns them, capped, or nil when there are none.
func (m *Mapper) matchValues(b *build, s int, arena *[]string) []string {
	p := &m.ents[s]
	start := len(*arena)
	switch p.match {
	case MatchID:
		id := 0
		switch s {
		case slotLeads:
			id = b.lead.ID
		case slotContacts:
			id = b.contact.ID
		case slotCompanies:
			id = b.company.ID
		case slotTasks:
			id = b.task.ID
		}
		if id > 0 {
			*arena = append(*arena, strconv.Itoa(id))
		}
	case MatchName:
		var name string
		switch s {
		case slotLeads:
			name = b.lead.Name
		case slotContacts:
			name = b.contact.Name
			if name == "" {
				name = b.contact.FirstName + " " + b.contact.LastName
			}
		case slotCompanies:
			name = b.company.Name
		}
		if k := value.Normalize(name); k != "" {
			*arena = append(*arena, k)
		}
	case MatchEmail, MatchPhone, MatchField:
		cf, kind := m.matchSlot(b, s)
		for _, x := range b.cfs[s][cf].strs {
			switch kind {
			case MatchPhone:
				x, _, _ = strings.Cut(x, " ext. ")
			case MatchField:
				x = clean(x)
			}
			if x != "" {
				*arena = append(*arena, x)
			}
		}
	}
	if len(*arena) == start {
		return nil
	}
	return (*arena)[start:len(*arena):len(*arena)]
}

// matchCount is how many match values entity s may have in b.
func (m *Mapper) matchCount(b *build, s int) int {
	switch p := &m.ents[s]; p.match {
	case MatchNone:
		return 0
	case MatchEmail, MatchPhone, MatchField:
		cf, _ := m.matchSlot(b, s)
		return len(b.cfs[s][cf].strs)
	}
	return 1
}
