package migrate

import (
	"context"
	"fmt"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// claimWrite gives an existing record the source id of the row merged
// into it, so that the import (and every later run) finds it by that id.
type claimWrite struct {
	entity kommo.EntityType
	id     int
	key    string
}

// writeClaims gives the existing records that rows were merged into the
// rows' source ids.
func (m *migration) writeClaims(ctx context.Context) error {
	for _, cw := range m.claims {
		fid := m.idField[cw.entity]
		cfv := kommo.CustomFieldValues{{FieldID: fid, Values: []kommo.FieldValue{kommo.Text(cw.key)}}}
		var err error
		switch cw.entity {
		case kommo.EntityContacts:
			_, _, err = m.c.Contacts.Update(ctx, []kommo.ContactRequest{{ID: cw.id, CustomFieldsValues: cfv}})
		case kommo.EntityCompanies:
			_, _, err = m.c.Companies.Update(ctx, []kommo.CompanyRequest{{ID: cw.id, CustomFieldsValues: cfv}})
		}
		if err != nil {
			return fmt.Errorf("mark %s %d with %s %q: %w", cw.entity.Singular(), cw.id, m.opts.IDField, cw.key, err)
		}
	}
	return nil
}

// ref resolves a reference to a row of another file: this run's keys,
// then the account's records by source id. Cells with several ids use
// the first that resolves.
func (m *migration) ref(e kommo.EntityType, key string) (int, bool) {
	for _, k := range splitRef(key) {
		if id := m.keys[e][k]; id != 0 {
			return id, true
		}
		if acc := m.account[e]; acc != nil {
			if id := acc.byKey[k]; id != 0 {
				return id, true
			}
		}
		if m.opts.DryRun {
			for _, f := range m.files {
				if f.primary == e {
					if _, ok := f.keys[k]; ok {
						return -1, true // would be created by this run
					}
				}
			}
		}
	}
	return 0, false
}
