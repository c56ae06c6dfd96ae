package migrate

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// The history of a migration: history files (a spec of entity notes:
// each row a note, a call, an e-mail... on a record it names by its
// source id) and the notes a card file's spec makes (Spec.Notes: a
// column written as a note on the row's record). Their authors are
// matched to users with the owners, before anything is written; the
// notes are written after every record, each on the record the
// migration wrote for the source id it names, through bulk.WriteNotes:
// journaled, so a resumed run adds none twice. Every run (a resumed one
// too) first reads the notes the records it did not create already have,
// and leaves out those there: a second run adds none either, whether or
// not Kommo kept the created_at the first one sent. (On a resume, the
// notes the stopped run wrote on such records count as already there.)

// histFile is a history file during a migration.
type histFile struct {
	File
	idx    int
	header []string
	mapper *mapping.Mapper
	rows   int
	skip   map[int]string
	lock   *bulk.JournalLock
}

// NoteCounts count the notes of a file.
type NoteCounts struct {
	// Written are the notes written (in a dry run: that would be).
	Written int `json:"written"`
	// Existing are the notes left out because their record has them
	// already (an earlier run wrote them).
	Existing int `json:"existing"`
	// Failed are the notes not written; Report.Skipped says why.
	Failed int `json:"failed"`
	// Resumed are the notes an earlier run of the same migration
	// settled (counted in Written or Existing).
	Resumed int `json:"resumed,omitempty"`
}

// Attachment is a file a note of the source had, which the migration does
// not carry.
type Attachment struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Key    string `json:"key,omitempty"`
	Column string `json:"column"`
	Name   string `json:"name"`
}

// isHistory reports whether f is a history file.
func isHistory(f File) bool { return f.Spec != nil && isHistoryEntity(f.Spec.Entity) }

// notesJournal is the journal of the notes a card file's spec makes:
// bulk.NotesJournal of its import's, as an import's notes have.
func notesJournal(j string) string {
	if j == "" {
		return ""
	}
	return bulk.NotesJournal(j)
}

// lockHistory takes the journals of the history: the history files' and
// those of the card files' notes.
func (m *migration) lockHistory() error {
	for _, h := range m.history {
		if h.Journal == "" {
			continue
		}
		l, err := bulk.LockJournal(h.Journal)
		if err != nil {
			return err
		}
		h.lock = l
	}
	for _, f := range m.files {
		if len(f.Spec.Notes) == 0 || f.Journal == "" {
			continue
		}
		l, err := bulk.LockJournal(notesJournal(f.Journal))
		if err != nil {
			return err
		}
		if m.notesLocks == nil {
			m.notesLocks = map[*migFile]*bulk.JournalLock{}
		}
		m.notesLocks[f] = l
	}
	return nil
}

func (m *migration) unlockHistory() {
	for _, h := range m.history {
		h.lock.Unlock()
		h.lock = nil
	}
	for f, l := range m.notesLocks {
		l.Unlock()
		delete(m.notesLocks, f)
	}
}

// isAuthorField reports whether a notes file's field is the author.
func isAuthorField(f string) bool {
	switch value.Normalize(f) {
	case "author", "created by", "created_by":
		return true
	}
	return false
}

// checkHistory reads the history files before anything is written:
// their authors (and those of the card files' notes) are matched to the
// account's users as owners are, the ones that match nothing stop the
// run with them; every row is mapped, and the names that match nothing
// (a note type) stop it too.
func (m *migration) checkHistory(ctx context.Context) error {
	seen := map[string]bool{}
	for _, o := range m.rep.Owners {
		seen[o.Value] = true
	}
	for _, h := range m.history {
		t, err := h.Open()
		if err != nil {
			return err
		}
		h.header = t.Header()
		t.Close()
		idx := map[string]int{}
		for i, c := range h.header {
			if _, ok := idx[c]; !ok {
				idx[c] = i
			}
		}
		authors := map[string]map[string]int{} // column → value → rows
		var cols []int
		for i, c := range h.Spec.Columns {
			if isAuthorField(c.Field) && (c.Entity == "" || isHistoryEntity(c.Entity)) {
				cols = append(cols, i)
				authors[c.Column] = map[string]int{}
			}
		}
		h.skip = map[int]string{}
		mf := &migFile{File: h.File}
		err = mf.eachRecord(ctx, func(rec sheet.Record) {
			h.rows++
			if h.Skip != nil {
				if why, ok := h.Skip(h.header, rec.Values); ok {
					h.skip[rec.Row] = why
					return
				}
			}
			for _, i := range cols {
				c := h.Spec.Columns[i].Column
				if j, ok := idx[c]; ok && j < len(rec.Values) {
					if v := strings.TrimSpace(rec.Values[j]); !value.Blank(v) {
						authors[c][v]++
					}
				}
			}
		})
		if err != nil {
			return err
		}
		for _, i := range cols {
			c := &h.Spec.Columns[i]
			c.Map = m.userMap(h.Name, c.Column, c.Map, authors[c.Column], seen)
		}
	}
	// The authors of the card files' notes.
	for _, f := range m.files {
		for i, n := range f.Spec.Notes {
			if n.Author == "" {
				continue
			}
			vals := map[string]int{}
			col := -1
			for j, h := range f.header {
				if h == n.Author {
					col = j
					break
				}
			}
			if col < 0 {
				continue // the compile reports it
			}
			err := f.eachRecord(ctx, func(rec sheet.Record) {
				if col < len(rec.Values) {
					if v := strings.TrimSpace(rec.Values[col]); !value.Blank(v) {
						vals[v]++
					}
				}
			})
			if err != nil {
				return err
			}
			f.Spec.Notes[i].AuthorMap = m.userMap(f.Name, n.Author, n.AuthorMap, vals, seen)
		}
	}
	for _, h := range m.history {
		if err := m.validateHistory(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

// validateHistory compiles a history file's spec and maps its rows: the
// names that match nothing are collected with the run's.
func (m *migration) validateHistory(ctx context.Context, h *histFile) error {
	mp, err := mapping.Compile(h.Spec, m.schema, h.header)
	if err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	h.mapper = mp
	t, err := h.Open()
	if err != nil {
		return err
	}
	defer t.Close()
	un := NewUnmatchedNames(h.Name, m.rep.Unmatched)
	for row, errs := range mp.Rows(t, h.Name) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		line := 0
		if row != nil {
			line = row.Line
		} else if len(errs) > 0 {
			line = errs[0].Row
		}
		if _, skipped := h.skip[line]; !skipped && len(errs) > 0 {
			un.Add(errs)
		}
	}
	m.rep.Unmatched = append(m.rep.Unmatched, un.Values()...)
	return nil
}

// noteIn is one note to write, with its row.
type noteIn struct {
	item bulk.NoteItem
	key  string
}

// writeHistory writes the notes of the card files' specs and of the
// history files, after every record.
func (m *migration) writeHistory(ctx context.Context) error {
	for _, f := range m.files {
		if len(f.Spec.Notes) == 0 || f.mapper == nil {
			continue
		}
		if err := m.writeCardNotes(ctx, f); err != nil {
			return err
		}
	}
	for _, h := range m.history {
		if err := m.writeHistoryFile(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

// writeCardNotes writes the notes a card file's rows make, each on the
// record its row landed in.
func (m *migration) writeCardNotes(ctx context.Context, f *migFile) error {
	nc := &NoteCounts{}
	var src iter.Seq[noteIn] = func(yield func(noteIn) bool) {
		t, err := f.Open()
		if err != nil {
			m.noteFailed(f.Name, 0, "", err.Error(), nc)
			return
		}
		defer t.Close()
		for row := range f.mapper.Rows(t, f.Name) {
			if ctx.Err() != nil {
				return
			}
			if row == nil || len(row.Notes) == 0 {
				continue
			}
			if _, ok := f.skip[row.Line]; ok {
				continue
			}
			if f.select_ != nil && !f.select_[row.Line] {
				continue
			}
			key := row.Key
			if l0, ok := f.folded[row.Line]; ok && key == "" {
				key = keyAt(f, l0)
			}
			for i, n := range row.Notes {
				e := n.Entity
				if e == "" {
					e = f.primary
				}
				id := 0
				switch {
				case e == f.primary && key != "":
					id, _ = m.ref(e, key)
				case row.Refs[e] != "":
					id, _ = m.ref(e, row.Refs[e])
				}
				if id == 0 {
					// The row's record did not land: its row says why.
					continue
				}
				sid := ""
				if key != "" {
					sid = fmt.Sprintf("%s:%s:%d", f.primary, key, i+1)
				}
				it := m.noteItem(row.Line, e, id, n, sid, f.History)
				if !yield(noteIn{item: it, key: key}) {
					return
				}
			}
		}
	}
	job := bulk.JobHeader{ID: fmt.Sprintf("%s-%d-%s-notes", m.opts.JobID, f.idx+1, f.primary), Input: f.Name}
	journal := notesJournal(f.Journal)
	err := m.writeNotes(ctx, f.Name, job, journal, m.notesLocks[f], src, nc)
	for i := range m.rep.Files {
		if m.rep.Files[i].File == f.Name && m.rep.Files[i].Entity == f.primary {
			m.rep.Files[i].Notes = nc
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("%s: notes: %w", f.Name, err)
	}
	return nil
}

// writeHistoryFile writes a history file's notes.
func (m *migration) writeHistoryFile(ctx context.Context, h *histFile) error {
	fr := FileReport{File: h.Name, Entity: EntityNotes, Rows: h.rows}
	nc := &NoteCounts{}
	hist := h.History
	if hist == nil {
		hist = &History{}
	}
	attCols := map[int]string{}
	for i, c := range h.header {
		if slices.Contains(hist.Attachments, c) {
			attCols[i] = c
		}
	}
	selected := 0
	var src iter.Seq[noteIn] = func(yield func(noteIn) bool) {
		t, err := h.Open()
		if err != nil {
			m.noteFailed(h.Name, 0, "", err.Error(), nc)
			return
		}
		defer t.Close()
		if len(attCols) > 0 {
			t = &attachmentTap{Table: t, cols: attCols, file: h.Name, rep: m.rep, skip: h.skip}
		}
		for row, errs := range h.mapper.Rows(t, h.Name) {
			if ctx.Err() != nil {
				return
			}
			line := 0
			if row != nil {
				line = row.Line
			} else if len(errs) > 0 {
				line = errs[0].Row
			}
			if why, ok := h.skip[line]; ok {
				m.rep.Skipped = append(m.rep.Skipped, SkippedRow{File: h.Name, Line: line, Reason: "left out: " + why})
				fr.Skipped++
				continue
			}
			if row == nil {
				e := errs[0]
				reason := e.Error()
				if e.Value != "" {
					reason += fmt.Sprintf(" (%q)", e.Value)
				}
				m.noteFailed(h.Name, line, e.Column, reason, nc)
				continue
			}
			for _, n := range row.Notes {
				e, id, reason := m.noteRecord(n, hist)
				if id == 0 {
					if m.opts.Sample > 0 {
						continue // a record not in the sample
					}
					m.rep.Skipped = append(m.rep.Skipped, SkippedRow{File: h.Name, Line: line, Key: row.Key, Column: n.Column, Reason: reason})
					nc.Failed++
					continue
				}
				if hist.DurationMS && n.Params.Duration > 0 {
					n.Params.Duration = (n.Params.Duration + 500) / 1000
				}
				if (n.Type == kommo.NoteCallIn || n.Type == kommo.NoteCallOut) && n.Params.Source == "" {
					n.Params.Source = cmpOr(hist.Source, "kommo-bulk")
				}
				sid := n.SourceID
				if sid != "" && hist.Kind != "" {
					sid = hist.Kind + ":" + sid
				}
				selected++
				if !yield(noteIn{item: m.noteItem(line, e, id, n, sid, hist), key: row.Key}) {
					return
				}
			}
		}
	}
	job := bulk.JobHeader{ID: fmt.Sprintf("%s-%d-notes", m.opts.JobID, h.idx+1), Input: h.Name}
	err := m.writeNotes(ctx, h.Name, job, h.Journal, h.lock, src, nc)
	fr.Created, fr.Failed = nc.Written, nc.Failed
	fr.Skipped += nc.Existing
	fr.Landed = nc.Written + nc.Existing
	fr.Resumed = nc.Resumed
	fr.Notes = nc
	if m.opts.Sample > 0 {
		fr.Selected = selected
	}
	if !m.opts.DryRun && m.opts.Sample == 0 {
		fr.Journal = h.Journal
	}
	m.rep.Files = append(m.rep.Files, fr)
	if err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	return ctx.Err()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// noteFailed counts a note that could not be made, with the reason.
func (m *migration) noteFailed(file string, line int, column, reason string, nc *NoteCounts) {
	m.rep.Skipped = append(m.rep.Skipped, SkippedRow{File: file, Line: line, Column: column, Reason: reason})
	nc.Failed++
}

// noteRecord finds the Kommo id of the record a note of a history file
// names: the record this migration (or an earlier run of it) wrote for
// the source id, or a Kommo id given as such: its entity and id, or 0
// and why.
func (m *migration) noteRecord(n mapping.Note, hist *History) (kommo.EntityType, int, string) {
	if n.ID > 0 {
		return n.Entity, n.ID, ""
	}
	if n.Key != nil {
		return "", 0, "a note of a migration names its record by the source id (refs), not by entity_key"
	}
	if id, ok := m.ref(n.Entity, n.Ref); ok && id != 0 {
		return n.Entity, id, ""
	}
	if hist.AnyEntity {
		for _, e := range []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies} {
			if e == n.Entity {
				continue
			}
			if id, ok := m.ref(e, n.Ref); ok && id != 0 {
				return e, id, ""
			}
		}
	}
	return "", 0, fmt.Sprintf("its %s %s is in no file of this migration and not in the account; the note was not written", n.Entity.Singular(), n.Ref)
}

// noteItem is the note to write for n on record id: its author and
// original date in a first line of its text too, since whether Kommo
// keeps a created_at sent on create is unconfirmed.
func (m *migration) noteItem(line int, e kommo.EntityType, id int, n mapping.Note, sourceID string, hist *History) bulk.NoteItem {
	p := n.Params
	if head := m.noteHead(n, hist); head != "" {
		slot := &p.Text
		if n.Type == kommo.NoteCallIn || n.Type == kommo.NoteCallOut {
			slot = &p.CallResult
		}
		if *slot == "" {
			*slot = head
		} else {
			*slot = head + "\n" + *slot
		}
	}
	return bulk.NoteItem{Line: line, Entity: e, EntityID: id, Type: n.Type, Params: p, CreatedAt: n.CreatedAt, CreatedBy: n.CreatedBy, SourceID: sourceID}
}

// noteHead is a note's first line: "Ana Admin, 2024-03-15 14:02, from
// HubSpot" (what of it is known); "" when neither author nor date is.
func (m *migration) noteHead(n mapping.Note, hist *History) string {
	var parts []string
	if n.CreatedBy != 0 {
		parts = append(parts, m.userName(n.CreatedBy))
	}
	if n.CreatedAt != 0 {
		parts = append(parts, time.Unix(n.CreatedAt, 0).In(m.location()).Format("2006-01-02 15:04"))
	}
	if len(parts) == 0 {
		return ""
	}
	if hist != nil && hist.Source != "" {
		parts = append(parts, "from "+hist.Source)
	}
	return strings.Join(parts, ", ")
}

// writeNotes writes the notes of one file through bulk.WriteNotes
// (journaled unless the run is a dry run or a sample), after leaving out
// those their records already have; a dry run only counts them.
func (m *migration) writeNotes(ctx context.Context, file string, job bulk.JobHeader, journal string, lock *bulk.JournalLock, src iter.Seq[noteIn], nc *NoteCounts) error {
	if m.opts.Sample > 0 || m.opts.DryRun {
		journal = ""
	}
	resume := false
	if journal != "" && m.opts.Resume {
		if _, err := statFile(journal); err == nil {
			resume = true
		}
	}
	keys := map[int]string{} // line → row key, for the failures
	var checkErr error
	pending := func(yield func(bulk.NoteItem) bool) {
		ex := &existing{m: m, ctx: ctx}
		var chunk []noteIn
		flush := func() bool {
			// On a resume too: the notes an earlier job wrote are not in
			// this job's journal.
			if err := ex.load(chunk); err != nil {
				checkErr = err
				return false
			}
			for _, n := range chunk {
				if ex.has(n.item) {
					nc.Existing++
					continue
				}
				if m.opts.DryRun {
					nc.Written++
					continue
				}
				if n.key != "" {
					keys[n.item.Line] = n.key
				}
				if !yield(n.item) {
					return false
				}
			}
			chunk = chunk[:0]
			return true
		}
		for n := range src {
			chunk = append(chunk, n)
			if len(chunk) == 250 {
				if !flush() {
					return
				}
			}
		}
		flush()
	}
	if m.opts.DryRun {
		for range pending {
		}
		return checkErr
	}
	res, err := bulk.WriteNotes(ctx, m.c, pending, bulk.NoteOptions{
		Job: job, Journal: journal, Resume: resume, Lock: lock, BatchSize: m.opts.BatchSize, Now: m.opts.Now,
		OnNote: func(r bulk.NoteResult) {
			if r.Resumed {
				nc.Resumed++
			}
			switch r.Action {
			case bulk.ActionCreate:
				nc.Written++
			case bulk.ActionSkip:
				nc.Existing++
			default:
				reason := "not written"
				if r.Err != nil {
					reason = r.Err.Error()
				}
				m.rep.Skipped = append(m.rep.Skipped, SkippedRow{File: file, Line: r.Line, Key: keys[r.Line], Reason: reason})
				nc.Failed++
			}
		},
	})
	_ = res
	if err == nil {
		err = checkErr
	}
	return err
}
