package migrate

import (
	"context"
	"fmt"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// validate compiles a file's final spec and maps every row: values that
// match nothing are collected, other row errors are left to the import
// (which reports them with the row); row keys and references are kept for
// dedupe, refs and samples.
func (m *migration) validate(ctx context.Context, f *migFile) error {
	mp, err := mapping.Compile(f.Spec, m.schema, f.header)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	f.mapper = mp
	f.keys = map[string]int{}
	f.refs = map[int]map[kommo.EntityType]string{}
	f.dedupe = map[int][]string{}
	t, err := f.Open()
	if err != nil {
		return err
	}
	defer t.Close()
	un := NewUnmatchedNames(f.Name, m.rep.Unmatched)
	for row, errs := range mp.Rows(t, f.Name) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(errs) > 0 {
			if _, skipped := f.skip[errs[0].Row]; !skipped {
				un.Add(errs)
			}
		}
		if row == nil {
			continue
		}
		if _, skipped := f.skip[row.Line]; skipped {
			continue
		}
		if u := row.PhoneRegion; u.Region != "" {
			if f.regions == nil {
				f.regions = map[mapping.RegionUse]int{}
			}
			f.regions[u]++
		}
		if row.Key != "" {
			if _, dup := f.keys[row.Key]; !dup {
				f.keys[row.Key] = row.Line
			}
		}
		if len(row.Refs) > 0 {
			f.refs[row.Line] = row.Refs
		}
		f.dedupe[row.Line] = m.dedupeKeys(row)
		if mv := m.multitext(row); len(mv) > 0 {
			if f.multi == nil {
				f.multi = map[int]kommo.CustomFieldValues{}
			}
			f.multi[row.Line] = mv
		}
	}
	m.rep.Unmatched = append(m.rep.Unmatched, un.Values()...)
	return nil
}
