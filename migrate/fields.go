package migrate

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// fields finds the custom fields the specs name and the account lacks,
// and the IDField of every entity keyed by it. Without CreateFields they
// stop the run; with it they join the schema as stand-ins with negative
// ids, created for real by createFields once every check has passed.
func (m *migration) fields() error {
	type need struct {
		e      kommo.EntityType
		name   string
		typ    kommo.FieldType
		values map[string]int
	}
	var needs []*need
	byKey := map[string]*need{}
	add := func(f *migFile, e kommo.EntityType, name, col string) {
		if _, std, err := m.res.Field(e, name); std || err == nil {
			return
		}
		k := string(e) + "/" + value.Normalize(name)
		n := byKey[k]
		if n == nil {
			n = &need{e: e, name: name, values: map[string]int{}}
			byKey[k] = n
			needs = append(needs, n)
		}
		if t := f.FieldTypes[TypeKey(e, name)]; t != "" && n.typ == "" {
			n.typ = t
		}
		for v, c := range f.values[col] {
			n.values[v] += c
		}
	}
	for _, f := range m.files {
		for e, key := range matchFields(f.Spec) {
			add(f, e, key, "")
		}
		for _, c := range f.Spec.Columns {
			add(f, entityOf(f.Spec, c.Entity), c.Field, c.Column)
		}
		for _, j := range f.Spec.Join {
			add(f, entityOf(f.Spec, j.Entity), j.Field, joinName(j))
		}
	}
	if len(needs) == 0 {
		m.findIDFields()
		return nil
	}
	var want []CreatedField
	for _, n := range needs {
		if n.typ == "" {
			n.typ = guessType(n.values)
		}
		cf := CreatedField{Entity: n.e, Name: n.name, Type: n.typ}
		if n.typ.IsEnum() {
			for v := range n.values {
				cf.Options = append(cf.Options, v)
			}
			if n.typ == kommo.FieldMultiselect {
				cf.Options = splitOptions(cf.Options)
			}
			sort.Strings(cf.Options)
		}
		want = append(want, cf)
	}
	if !m.opts.CreateFields {
		return &MissingFieldsError{Fields: want}
	}
	if m.schema.Fields == nil {
		m.schema.Fields = map[kommo.EntityType][]*kommo.CustomField{}
	}
	for i, cf := range want {
		fake := -(i + 1)
		f := &kommo.CustomField{ID: fake, Name: cf.Name, Type: cf.Type, EntityType: cf.Entity}
		for j, o := range cf.Options {
			f.Enums = append(f.Enums, kommo.Enum{ID: fake*1000 - j, Value: o, Sort: 10 * (j + 1)})
		}
		m.schema.Fields[cf.Entity] = append(m.schema.Fields[cf.Entity], f)
	}
	m.rep.FieldsCreated = want
	m.res = mapping.NewResolver(m.schema)
	m.findIDFields()
	return nil
}

// createFields creates the stand-in fields in the account and compiles
// the files' specs again against the real ones.
func (m *migration) createFields(ctx context.Context) error {
	if len(m.rep.FieldsCreated) == 0 {
		return nil
	}
	for i := range m.rep.FieldsCreated {
		cf := &m.rep.FieldsCreated[i]
		var enums []kommo.Enum
		for j, o := range cf.Options {
			enums = append(enums, kommo.Enum{Value: o, Sort: 10 * (j + 1)})
		}
		res, _, err := m.c.CustomFields.Create(ctx, cf.Entity, []kommo.CustomFieldRequest{{Name: cf.Name, Type: cf.Type, Enums: enums}})
		if err != nil {
			return fmt.Errorf("create %s field %q: %w", cf.Entity.Singular(), cf.Name, err)
		}
		if len(res) != 1 {
			return fmt.Errorf("create %s field %q: no field in the answer", cf.Entity.Singular(), cf.Name)
		}
		made := res[0]
		if len(made.Enums) < len(enums) {
			// A thin answer: read the field back for its options.
			full, _, err := m.c.CustomFields.Get(ctx, cf.Entity, made.ID)
			if err != nil {
				return fmt.Errorf("read %s field %q back: %w", cf.Entity.Singular(), cf.Name, err)
			}
			made = full
		}
		cf.ID = made.ID
		fs := m.schema.Fields[cf.Entity]
		for k, f := range fs {
			if f.ID == -(i + 1) {
				fs[k] = made
			}
		}
	}
	m.res = mapping.NewResolver(m.schema)
	m.findIDFields()
	for _, f := range m.files {
		mp, err := mapping.Compile(f.Spec, m.schema, f.header)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		f.mapper = mp
	}
	return nil
}

// matchFields are the custom fields the specs match by: entity → name.
func matchFields(s *mapping.Spec) map[kommo.EntityType]string {
	out := map[kommo.EntityType]string{}
	add := func(e kommo.EntityType, k string) {
		if name, ok := strings.CutPrefix(k, "field:"); ok {
			out[e] = name
		}
	}
	add(s.Entity, s.Match.Primary)
	for e, k := range s.Match.ByEntity {
		add(e, k)
	}
	return out
}

func (m *migration) findIDFields() {
	for _, e := range []kommo.EntityType{kommo.EntityCompanies, kommo.EntityContacts, kommo.EntityLeads} {
		if f, _, err := m.res.Field(e, m.opts.IDField); err == nil && f != nil {
			m.idField[e] = f.ID
		}
	}
}

// guessType picks a field type from a column's values: numbers, dates, a
// few values repeated (a select), or text.
func guessType(values map[string]int) kommo.FieldType {
	if len(values) == 0 {
		return kommo.FieldText
	}
	num, date, rows := true, true, 0
	for v, n := range values {
		rows += n
		if _, err := value.ParseNumber(v, value.DecimalPoint); err != nil {
			num = false
		}
		if !looksDate(v) {
			date = false
		}
	}
	switch {
	case num:
		return kommo.FieldNumeric
	case date:
		return kommo.FieldDate
	case len(values) <= 30 && rows >= 2*len(values):
		return kommo.FieldSelect
	}
	return kommo.FieldText
}

func looksDate(v string) bool {
	digits, seps := 0, 0
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' || r == '-' || r == '/':
			seps++
		case r == ' ' || r == ':' || r == 'T' || r == 'Z':
		default:
			return false
		}
	}
	return digits >= 6 && seps >= 2
}

func splitOptions(vals []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vals {
		for _, p := range value.SplitValues(v, "") {
			if p = strings.TrimSpace(p); p != "" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}
