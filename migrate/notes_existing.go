package migrate

import (
	"context"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

func statFile(p string) (os.FileInfo, error) { return os.Stat(p) }

// noteCreated records that this run created record id of entity e: it
// has no notes from an earlier run to read back.
func (m *migration) noteCreated(e kommo.EntityType, rr *bulk.RowResult) {
	if rr == nil || rr.Action != bulk.ActionCreate || rr.IDs[e] == 0 {
		return
	}
	if m.created == nil {
		m.created = map[kommo.EntityType]map[int]bool{}
	}
	if m.created[e] == nil {
		m.created[e] = map[int]bool{}
	}
	m.created[e][rr.IDs[e]] = true
}

// existing are the notes the records of a run's notes already have, read
// back from Kommo for the records the run did not create: by record,
// type and text (a call: its call id), not by created_at, which Kommo
// may not keep.
type existing struct {
	m      *migration
	ctx    context.Context
	loaded map[kommo.EntityType]map[int]bool
	notes  map[string]int // noteKey → notes there not yet matched
}

// noteKey is what a note is compared by: a call by its call id, any
// other note by its text.
func noteKey(e kommo.EntityType, id int, typ string, p kommo.NoteParams) string {
	c := strings.TrimSpace(strings.ReplaceAll(p.Text, "\r\n", "\n"))
	if typ == kommo.NoteCallIn || typ == kommo.NoteCallOut {
		c = p.UniqueID
	}
	return string(e) + "\x00" + strconv.Itoa(id) + "\x00" + typ + "\x00" + c
}

// itemKey is the noteKey of a note WriteNotes is to write: a call
// without a call id gets its source id, or its fingerprint, as WriteNotes
// gives it.
func itemKey(it bulk.NoteItem) string {
	p := it.Params
	if (it.Type == kommo.NoteCallIn || it.Type == kommo.NoteCallOut) && p.UniqueID == "" {
		p.UniqueID = it.SourceID
		if p.UniqueID == "" {
			fp, _ := bulk.NoteFingerprint(it)
			p.UniqueID = "kommo-bulk:" + fp
		}
	}
	return noteKey(it.Entity, it.EntityID, it.Type, p)
}

// load reads the notes of the chunk's records not read yet and not
// created by this run.
func (x *existing) load(chunk []noteIn) error {
	if x.loaded == nil {
		x.loaded = map[kommo.EntityType]map[int]bool{}
		x.notes = map[string]int{}
	}
	want := map[kommo.EntityType][]int{}
	for _, n := range chunk {
		e, id := n.item.Entity, n.item.EntityID
		if id <= 0 || x.m.created[e][id] || x.loaded[e][id] {
			continue
		}
		if x.loaded[e] == nil {
			x.loaded[e] = map[int]bool{}
		}
		x.loaded[e][id] = true
		want[e] = append(want[e], id)
	}
	for _, e := range []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityCustomers} {
		for ids := range slices.Chunk(want[e], 50) {
			o := &kommo.NoteListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxLimit}, EntityIDs: ids, Order: &kommo.Order{Field: "id"}}
			for n, err := range x.m.c.Notes.ListIter(x.ctx, e, o) {
				if err != nil {
					return err
				}
				p, err := n.DecodeParams()
				if err != nil {
					continue
				}
				x.notes[noteKey(e, n.EntityID, n.NoteType, p)]++
			}
		}
	}
	return nil
}

// has reports whether the record has the note already (each note there
// matches one note to write).
func (x *existing) has(it bulk.NoteItem) bool {
	k := itemKey(it)
	if x.notes[k] > 0 {
		x.notes[k]--
		return true
	}
	return false
}

// attachmentTap lists the attachments of the rows of a history file as
// they are read: files are not migrated, and the report names them.
type attachmentTap struct {
	sheet.Table
	cols map[int]string
	file string
	rep  *Report
	skip map[int]string
}

func (t *attachmentTap) Next() (sheet.Record, error) {
	rec, err := t.Table.Next()
	if err != nil {
		return rec, err
	}
	if _, skipped := t.skip[rec.Row]; skipped {
		return rec, nil
	}
	idx := make([]int, 0, len(t.cols))
	for i := range t.cols {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		col := t.cols[i]
		if i >= len(rec.Values) {
			continue
		}
		for _, name := range splitRef(rec.Values[i]) {
			t.rep.Attachments = append(t.rep.Attachments, Attachment{File: t.file, Line: rec.Row, Column: col, Name: name})
		}
	}
	return rec, nil
}
