package migrate

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// importFile imports one file through the engine.
func (m *migration) importFile(ctx context.Context, f *migFile) error {
	mode := bulk.ModeUpsert
	if f.Spec.Match.For(f.primary, true) == "" || f.primary == kommo.EntityTasks {
		mode = bulk.ModeCreate
	}
	fr := FileReport{File: f.Name, Entity: f.primary, Rows: f.rows}
	journal := f.Journal
	if m.opts.Sample > 0 || m.opts.DryRun {
		journal = ""
	}
	fr.Journal = journal
	fid := m.idField[f.primary]
	acc := m.account[f.primary]
	resume := false
	if journal != "" && m.opts.Resume {
		if _, err := os.Stat(journal); err == nil {
			resume = true // a journal bulk.Import cannot read stops it with the reason
		}
	}
	// The rows the journal knows of (done, written, or sent without an
	// answer) are the resumed import's: a task a stopped run created is
	// in the account, but it is this job's, not one that was there.
	var known func(line int) bool
	if resume && f.primary == kommo.EntityTasks {
		var err error
		if known, err = bulk.KnownRows(journal); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	extra := map[int][]string{} // line → further related keys (several ids in one cell)
	skipped, already := 0, 0
	items := func(yield func(bulk.Item) bool) {
		t, err := f.Open()
		if err != nil {
			yield(bulk.Item{Errs: []*sheet.RowError{{File: f.Name, Err: err}}})
			return
		}
		defer t.Close()
		for row, errs := range f.mapper.Rows(t, f.Name) {
			line := 0
			if row != nil {
				line = row.Line
			} else if len(errs) > 0 {
				line = errs[0].Row
			}
			if why, ok := f.skip[line]; ok {
				m.rep.Skipped = append(m.rep.Skipped, SkippedRow{File: f.Name, Line: line, Reason: "left out: " + why})
				skipped++
				continue
			}
			if f.select_ != nil && !f.select_[line] {
				continue
			}
			if _, ok := f.folded[line]; ok {
				// Written with the row it duplicates, warnings included.
				if row != nil && len(row.Warnings) > 0 {
					if f.foldWarn == nil {
						f.foldWarn = map[int][]*mapping.RowWarning{}
					}
					f.foldWarn[line] = row.Warnings
				}
				continue
			}
			if row != nil {
				m.relatedKey(row, f.primary)
				if x := f.extra[line]; len(x) > 0 {
					switch {
					case row.Contact != nil && f.primary == kommo.EntityContacts:
						fold(&row.Contact.CustomFieldsValues, x)
					case row.Company != nil && f.primary == kommo.EntityCompanies:
						fold(&row.Company.CustomFieldsValues, x)
					}
				}
				if alias := f.aliases[line]; alias != "" && fid != 0 {
					// Written into the record of the row it duplicates:
					// found by that row's id, which it keeps.
					row.Match[f.primary] = mapping.MatchKey{Kind: mapping.MatchField, FieldID: fid, Values: []string{alias}}
					dropField(row, f.primary, fid)
				}
				if f.primary == kommo.EntityTasks {
					if why, ok := m.taskState(row); ok {
						m.rep.Skipped = append(m.rep.Skipped, SkippedRow{File: f.Name, Line: line, Key: row.Key, Reason: "left out: " + why})
						skipped++
						continue
					}
				}
				if f.primary == kommo.EntityTasks && row.Task != nil && acc != nil && (known == nil || !known(line)) && !m.deltaKnows(f, row.Key) {
					if dup := m.existingTask(row); dup {
						m.rep.Skipped = append(m.rep.Skipped, SkippedRow{File: f.Name, Line: line, Key: row.Key, Reason: "already in Kommo (same text, deadline and record)"})
						skipped++
						already++
						continue
					}
				}
				for _, e := range bulk.WriteOrder {
					parts := splitRef(row.Refs[e])
					if len(parts) < 2 {
						continue
					}
					extra[line] = append(extra[line], string(e)+"\x00"+strings.Join(parts[1:], "\x00"))
					// Of several keys in a cell, the ones that name no
					// record are each a warning; when none does, the
					// import's one for the cell says so.
					var lost []string
					for _, p := range parts {
						if _, ok := m.ref(e, p); !ok {
							lost = append(lost, p)
						}
					}
					if len(lost) < len(parts) {
						for _, p := range lost {
							row.Warnings = append(slices.Clip(row.Warnings), row.RefNotFound(e, p))
						}
					}
				}
			}
			if row != nil {
				row.Notes = nil // written after the records (notes.go)
			}
			if !yield(bulk.Item{Row: row, Errs: errs, Line: line}) {
				return
			}
		}
	}
	opts := bulk.ImportOptions{
		Job:          bulk.JobHeader{ID: fmt.Sprintf("%s-%d-%s", m.opts.JobID, f.idx+1, f.primary), Entity: f.primary, Mode: mode, Input: f.Name},
		BatchSize:    m.opts.BatchSize,
		Workers:      m.opts.Workers,
		DryRun:       m.opts.DryRun,
		Journal:      journal,
		Lookup:       m.opts.Lookup,
		Location:     m.schema.Location,
		ExpectedRows: f.rows,
		Now:          m.opts.Now,
		Refs:         m.ref,
		Resume:       resume,
	}
	if journal != "" {
		opts.Lock = f.lock
	}
	if m.opts.Progress != nil {
		name := f.Name
		opts.Progress = func(p bulk.Progress) { m.opts.Progress(name, p) }
	}
	res, err := m.importRows(ctx, f, items, opts, &fr)
	if res != nil {
		m.collect(f, res, &fr)
		if m.opts.Results != nil {
			m.opts.Results(f.Name, res)
		}
	}
	fr.Skipped += skipped
	fr.Landed += already // in Kommo from an earlier run
	m.deltaCounts(f, res, &fr)
	m.rep.Files = append(m.rep.Files, fr)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	if !m.opts.DryRun {
		if err := m.extraLinks(ctx, f, res, extra); err != nil {
			return err
		}
	}
	return nil
}

// relatedKey gives a row's related contact without an e-mail another key,
// so that a contact met in several rows (or runs) is written once: its
// phones, or else its name.
func (m *migration) relatedKey(r *mapping.Row, primary kommo.EntityType) {
	if primary == kommo.EntityContacts || r.Contact == nil {
		return
	}
	if k, ok := r.Match[kommo.EntityContacts]; ok && (len(k.Values) > 0 || k.Kind == mapping.MatchField) {
		return
	}
	phones := m.phoneKeys(r, kommo.EntityContacts)
	if r.Match == nil {
		r.Match = map[kommo.EntityType]mapping.MatchKey{}
	}
	switch name := strings.TrimSpace(r.Contact.Name + " " + r.Contact.FirstName + " " + r.Contact.LastName); {
	case len(phones) > 0:
		r.Match[kommo.EntityContacts] = mapping.MatchKey{Kind: mapping.MatchPhone, Values: phones}
	case r.Contact.Name != "":
		r.Match[kommo.EntityContacts] = mapping.MatchKey{Kind: mapping.MatchName, Values: []string{value.Normalize(r.Contact.Name)}}
	case name != "":
		r.Match[kommo.EntityContacts] = mapping.MatchKey{Kind: mapping.MatchName, Values: []string{value.Normalize(name)}}
	}
}

// phoneKeys are the phones of entity e of a row that can identify it: the
// ones the mapping normalised to E.164. A phone kept as written (no
// country code, too short, ...) is sent, but two rows with the same text
// are not shown to be one person by it.
func (m *migration) phoneKeys(r *mapping.Row, e kommo.EntityType) []string {
	var cfv kommo.CustomFieldValues
	switch {
	case e == kommo.EntityContacts && r.Contact != nil:
		cfv = r.Contact.CustomFieldsValues
	case e == kommo.EntityCompanies && r.Company != nil:
		cfv = r.Company.CustomFieldsValues
	default:
		return nil
	}
	f, ok := cfv.Field(m.fieldID(e, kommo.CodePhone), kommo.CodePhone)
	if !ok {
		return nil
	}
	var out []string
	for _, s := range f.Strings() {
		if s = strings.TrimSpace(s); s != "" && !keptAsWritten(r, e, s) {
			out = append(out, s)
		}
	}
	return out
}

// keptAsWritten reports whether a row's warnings say that value v of a
// phone of entity e was sent as written.
func keptAsWritten(r *mapping.Row, e kommo.EntityType, v string) bool {
	for _, w := range r.Warnings {
		if w.Code == mapping.WarnPhoneKept && strings.HasPrefix(w.Field, string(e)+".") && strings.TrimSpace(w.Sent) == v {
			return true
		}
	}
	return false
}

// existingTask reports whether the account has the task already: a
// migration run again must not create its tasks twice.
func (m *migration) existingTask(r *mapping.Row) bool {
	acc := m.account[kommo.EntityTasks]
	t := r.Task
	et, eid := t.EntityType, t.EntityID
	if eid == 0 {
		for _, e := range []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies} {
			if k, ok := r.Refs[e]; ok && k != "" {
				if id, ok := m.ref(e, k); ok && id > 0 {
					et, eid = e, id
					break
				}
			}
		}
	}
	return acc.tasks[taskKey(et, eid, t.Text, t.CompleteTill)]
}

// dropField removes a custom field's value from entity e of a row.
func dropField(r *mapping.Row, e kommo.EntityType, fid int) {
	drop := func(cfv kommo.CustomFieldValues) kommo.CustomFieldValues {
		return slices.DeleteFunc(cfv, func(v kommo.CustomFieldValue) bool { return v.FieldID == fid })
	}
	switch e {
	case kommo.EntityContacts:
		if r.Contact != nil {
			r.Contact.CustomFieldsValues = drop(r.Contact.CustomFieldsValues)
		}
	case kommo.EntityCompanies:
		if r.Company != nil {
			r.Company.CustomFieldsValues = drop(r.Company.CustomFieldsValues)
		}
	case kommo.EntityLeads:
		if r.Lead != nil {
			r.Lead.CustomFieldsValues = drop(r.Lead.CustomFieldsValues)
		}
	}
}

// collect adds a file's import result to the report and its keys to the
// run's keys.
func (m *migration) collect(f *migFile, res *bulk.Result, fr *FileReport) {
	fr.Created, fr.Updated, fr.Skipped, fr.Failed, fr.Resumed = res.Created, res.Updated, res.Skipped, res.Failed, res.Resumed
	fr.Landed, fr.Warned, fr.Warnings = res.Landed(), res.Warned, res.Warnings
	fr.Regions = mapping.RegionCounts(f.regions)
	if f.select_ != nil {
		fr.Selected = len(f.select_)
	}
	lines := make([]int, 0, len(res.Rows))
	for l := range res.Rows {
		lines = append(lines, l)
	}
	sort.Ints(lines)
	if m.keys[f.primary] == nil {
		m.keys[f.primary] = map[string]int{}
	}
	defer func() {
		// Folded duplicates are the record of the row they duplicate.
		for line, l0 := range f.folded {
			rr, ok := res.Rows[l0]
			if !ok || rr.Action == bulk.ActionError {
				continue
			}
			fr.Merged++
			fr.Landed++
			if ws := f.foldWarn[line]; len(ws) > 0 {
				fr.Warned++
				fr.Warnings.AddWarnings(ws)
			}
			if id := rr.IDs[f.primary]; id != 0 {
				m.keys[f.primary][keyAt(f, line)] = id
			}
		}
	}()
	for _, l := range lines {
		rr := res.Rows[l]
		if rr.Action == bulk.ActionError {
			reason := ""
			if rr.Err != nil {
				reason = rr.Err.Error()
			}
			m.rep.Skipped = append(m.rep.Skipped, SkippedRow{File: f.Name, Line: l, Key: rr.Key, Column: rr.Column, Reason: reason})
			continue
		}
		if f.aliases[l] != "" {
			fr.Merged++
		}
		if id := rr.IDs[f.primary]; id != 0 && rr.Key != "" {
			m.keys[f.primary][rr.Key] = id
		}
		m.noteCreated(f.primary, &rr)
		if m.opts.Sample > 0 {
			m.rep.Records = append(m.rep.Records, MigratedRecord{File: f.Name, Line: l, Key: rr.Key, Entity: f.primary, Action: rr.Action, IDs: rr.IDs})
		}
	}
}

// extraLinks links the records a row names beyond the first in a cell of
// several ids (a deal with two contacts).
func (m *migration) extraLinks(ctx context.Context, f *migFile, res *bulk.Result, extra map[int][]string) error {
	if res == nil {
		return nil // a delta run that sent nothing
	}
	var links []kommo.EntityLink
	for line, list := range extra {
		rr, ok := res.Rows[line]
		if !ok || rr.Action == bulk.ActionError {
			continue
		}
		from := rr.IDs[f.primary]
		if from == 0 {
			continue
		}
		for _, item := range list {
			parts := strings.Split(item, "\x00")
			e := kommo.EntityType(parts[0])
			if rr.IDs[e] == 0 {
				continue // the import linked no e (a delta run's unchanged references)
			}
			for _, k := range parts[1:] {
				if id, ok := m.ref(e, k); ok && id > 0 {
					links = append(links, kommo.EntityLink{EntityID: from, ToEntityID: id, ToEntityType: e})
				}
			}
		}
	}
	if len(links) == 0 || f.primary == kommo.EntityTasks {
		return nil
	}
	for chunk := range slices.Chunk(links, kommo.MaxBatch) {
		if _, _, err := m.c.Links.LinkMany(ctx, f.primary, chunk); err != nil {
			return fmt.Errorf("%s: link further related records: %w", f.Name, err)
		}
	}
	return nil
}
