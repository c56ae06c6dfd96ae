package migrate

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// accountIndex is what the account holds of one entity, by source id and
// by dedupe key.
type accountIndex struct {
	byKey   map[string]int  // source id → Kommo id
	byDedup map[string]int  // "email:x" → Kommo id
	extOf   map[int]string  // Kommo id → source id
	tasks   map[string]bool // tasks: natural keys
}

// dedupeKeys are a row's identities other than its source id: a
// contact's e-mails (lower-cased) and phones (E.164), a company's name.
func (m *migration) dedupeKeys(r *mapping.Row) []string {
	var out []string
	switch r.Entity {
	case kommo.EntityContacts:
		if r.Contact == nil {
			return nil
		}
		if f, ok := r.Contact.CustomFieldsValues.Field(m.fieldID(kommo.EntityContacts, kommo.CodeEmail), kommo.CodeEmail); ok {
			for _, s := range f.Strings() {
				if s = bulk.EmailKey(s); s != "" {
					out = append(out, "email "+s)
				}
			}
		}
		for _, s := range m.phoneKeys(r, kommo.EntityContacts) {
			out = append(out, "phone "+s)
		}
	case kommo.EntityCompanies:
		if r.Company != nil && r.Company.Name != "" {
			out = append(out, "name "+value.Normalize(r.Company.Name))
		}
	}
	return out
}

// multitext returns the PHONE and EMAIL values of a contact or company
// row.
func (m *migration) multitext(r *mapping.Row) kommo.CustomFieldValues {
	var cfv kommo.CustomFieldValues
	switch {
	case r.Entity == kommo.EntityContacts && r.Contact != nil:
		cfv = r.Contact.CustomFieldsValues
	case r.Entity == kommo.EntityCompanies && r.Company != nil:
		cfv = r.Company.CustomFieldsValues
	default:
		return nil
	}
	var out kommo.CustomFieldValues
	for _, code := range []string{kommo.CodePhone, kommo.CodeEmail} {
		if f, ok := cfv.Field(m.fieldID(r.Entity, code), code); ok {
			out = append(out, f)
		}
	}
	return out
}

// fold adds the phones and e-mails of folded duplicates to a row.
func fold(cfv *kommo.CustomFieldValues, extra kommo.CustomFieldValues) {
	for _, x := range extra {
		have, ok := cfv.Field(x.FieldID, x.FieldCode)
		if !ok {
			cfv.Set(x)
			continue
		}
		seen := map[string]bool{}
		for _, s := range have.Strings() {
			seen[strings.ToLower(strings.TrimSpace(s))] = true
		}
		for i, v := range x.Values {
			if s := x.Strings()[i]; !seen[strings.ToLower(strings.TrimSpace(s))] {
				seen[strings.ToLower(strings.TrimSpace(s))] = true
				have.Values = append(have.Values, v)
			}
		}
		cfv.Set(have)
	}
}

// fieldID is the id of a custom field of e by code, or 0.
func (m *migration) fieldID(e kommo.EntityType, code string) int {
	if f, _, err := m.res.Field(e, code); err == nil && f != nil {
		return f.ID
	}
	return 0
}

// scanAccount indexes the records the account already has, for every
// entity the migration writes: by source id, and by e-mail, phone or name.
func (m *migration) scanAccount(ctx context.Context) error {
	need := map[kommo.EntityType]bool{}
	for _, f := range m.files {
		need[f.primary] = true
		for _, refs := range f.refs {
			for e := range refs {
				need[e] = true
			}
		}
	}
	if len(m.history) > 0 {
		// History files name records of any entity, which an earlier
		// migration may have written.
		for _, e := range []kommo.EntityType{kommo.EntityCompanies, kommo.EntityContacts, kommo.EntityLeads} {
			need[e] = true
		}
	}
	for e := range need {
		idx := &accountIndex{byKey: map[string]int{}, byDedup: map[string]int{}, extOf: map[int]string{}, tasks: map[string]bool{}}
		m.account[e] = idx
		if !m.needScan(e) {
			continue // a delta run knows every record it needs of e
		}
		fid := m.idField[e]
		if e != kommo.EntityTasks && fid <= 0 && e != kommo.EntityContacts && e != kommo.EntityCompanies {
			continue
		}
		for v, err := range bulk.ListViews(ctx, m.c, e, kommo.EntityFilters{}, kommo.MaxBatch) {
			if err != nil {
				return fmt.Errorf("read the account's %s: %w", e, err)
			}
			if e == kommo.EntityTasks {
				idx.tasks[taskKey(v.EntityType, v.EntityID, v.Text, v.CompleteTill)] = true
				continue
			}
			if fid > 0 {
				if f, ok := v.CFV.Field(fid, ""); ok {
					for _, s := range f.Strings() {
						if s = strings.TrimSpace(s); s != "" {
							idx.byKey[s] = v.ID
							idx.extOf[v.ID] = s
						}
					}
				}
			}
			row := &mapping.Row{Entity: e}
			switch e {
			case kommo.EntityContacts:
				row.Contact = &kommo.ContactRequest{CustomFieldsValues: v.CFV}
			case kommo.EntityCompanies:
				row.Company = &kommo.CompanyRequest{Name: v.Name}
			}
			for _, k := range m.dedupeKeys(row) {
				if _, ok := idx.byDedup[k]; !ok {
					idx.byDedup[k] = v.ID
				}
			}
		}
	}
	return nil
}

func taskKey(e kommo.EntityType, id int, text string, till int64) string {
	return fmt.Sprintf("%s|%d|%s|%d", e, id, value.Normalize(text), till)
}

// dedupe finds the rows of contacts and companies files that are the same
// person or company as an earlier row, or as a record the account has: by
// e-mail (lower-cased), phone (E.164) or, for companies, name. Such a row
// is written into that record instead of creating another.
func (m *migration) dedupe() {
	for _, f := range m.files {
		if f.primary != kommo.EntityContacts && f.primary != kommo.EntityCompanies {
			continue
		}
		if m.idField[f.primary] == 0 || f.Spec.Key == "" {
			continue
		}
		f.aliases = map[int]string{}
		acc := m.account[f.primary]
		owner := map[string]string{} // dedupe key → source key of its first row
		ownerLine := map[string]int{}
		lines := make([]int, 0, len(f.dedupe))
		for l := range f.dedupe {
			lines = append(lines, l)
		}
		sort.Ints(lines)
		claimed := map[int]bool{}
		for _, line := range lines {
			key := keyAt(f, line)
			if key == "" {
				continue
			}
			ids := f.dedupe[line]
			if _, migrated := acc.byKey[key]; migrated {
				for _, d := range ids {
					if _, ok := owner[d]; !ok {
						owner[d], ownerLine[d] = key, line
					}
				}
				continue
			}
			merged := false
			for _, d := range ids {
				if k0, ok := owner[d]; ok && k0 != key {
					f.aliases[line] = k0
					if l0, ok := f.keys[k0]; ok && l0 == ownerLine[d] {
						if f.folded == nil {
							f.folded, f.extra = map[int]int{}, map[int]kommo.CustomFieldValues{}
						}
						f.folded[line] = l0
						f.extra[l0] = append(f.extra[l0], f.multi[line]...)
					}
					m.rep.Merges = append(m.rep.Merges, Merge{File: f.Name, Line: line, Entity: f.primary, Key: key, By: d,
						Into: fmt.Sprintf("row %d (%s %s)", ownerLine[d], f.Spec.Key, k0)})
					merged = true
					break
				}
				if id, ok := acc.byDedup[d]; ok {
					if ext := acc.extOf[id]; ext != "" && ext != key {
						f.aliases[line] = ext
					} else if !claimed[id] {
						claimed[id] = true
						m.claims = append(m.claims, claimWrite{entity: f.primary, id: id, key: key})
						acc.byKey[key], acc.extOf[id] = id, key
					}
					m.rep.Merges = append(m.rep.Merges, Merge{File: f.Name, Line: line, Entity: f.primary, Key: key, By: d,
						Into: fmt.Sprintf("Kommo %s %d", f.primary.Singular(), id)})
					merged = true
					break
				}
			}
			into := key
			if a := f.aliases[line]; a != "" {
				into = a
			}
			for _, d := range ids {
				if _, ok := owner[d]; !ok {
					owner[d], ownerLine[d] = into, line
				}
			}
			_ = merged
		}
	}
}
