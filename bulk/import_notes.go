package bulk

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// Notes of an import: the notes a spec's notes: makes on each row's
// records, written after the records (RowNoteItems and WriteNotes), and
// the notes of a notes file, each on the record its row names
// (ImportNotes).

// NotesJournal is the journal of the notes of the import whose journal
// is path: "leads-1.journal" → "leads-1.notes.journal", beside it.
func NotesJournal(path string) string {
	return strings.TrimSuffix(path, ".journal") + ".notes.journal"
}

// RowNoteItems are the notes of the rows of an import (Row.Notes of a
// spec's notes:), each on its row's record: ids gives the Kommo ids of a
// line's records, as the import's RowResult.IDs has them. A note whose
// record has no id (its row failed or was not done) is left out.
func RowNoteItems(rows iter.Seq[*mapping.Row], ids func(line int) map[kommo.EntityType]int) iter.Seq[NoteItem] {
	return func(yield func(NoteItem) bool) {
		for row := range rows {
			if row == nil || len(row.Notes) == 0 {
				continue
			}
			got := ids(row.Line)
			for _, n := range row.Notes {
				id := got[n.Entity]
				if id == 0 {
					continue
				}
				if !yield(noteItem(row.Line, n, id)) {
					return
				}
			}
		}
	}
}

func noteItem(line int, n mapping.Note, id int) NoteItem {
	return NoteItem{Line: line, Entity: n.Entity, EntityID: id, Type: n.Type, Params: n.Params, CreatedAt: n.CreatedAt,
		CreatedBy: n.CreatedBy, SourceID: n.SourceID}
}

// NoteImportOptions configure ImportNotes.
type NoteImportOptions struct {
	// Notes are WriteNotes' options (OnNote is ImportNotes' own).
	Notes NoteOptions
	// Refs resolves a note's Ref (the key of a row of another file) to
	// its record's id, as ImportOptions.Refs does.
	Refs func(e kommo.EntityType, key string) (int, bool)
	// Lookup, ExpectedRows and ScanCache are ImportOptions': how a note's
	// Key finds its record.
	Lookup       LookupStrategy
	ExpectedRows int
	ScanCache    string
}

// ImportNotes writes the notes of a notes file: items are its rows,
// mapped by a spec whose entity is notes (mapping.EntityNotes), each with
// one note on the record it names by Kommo id, by key (looked up in
// Kommo as an import's match keys are) or by a row key of another file
// (Refs). A row whose record cannot be found fails alone. The notes are
// written through WriteNotes, so a resumed or re-run job adds none twice.
//
// The Result has one RowResult per row: the note's id as IDs[notes] and
// its record's as IDs[entity]. An account-level problem stops the job
// and is returned with the results so far.
func ImportNotes(ctx context.Context, c *kommo.Client, items iter.Seq[Item], opts NoteImportOptions) (*Result, error) {
	res := &Result{Rows: map[int]RowResult{}}
	find := newFinder(c, opts.Lookup, opts.ExpectedRows, opts.ScanCache, opts.Notes.Now)
	type pending struct {
		key      string
		entity   kommo.EntityType
		parent   int
		warnings []*mapping.RowWarning
	}
	byLine := map[int]pending{}
	fail := func(line int, key, column string, err error) {
		res.Rows[line] = RowResult{Line: line, Key: key, Action: ActionError, Column: column, Err: err}
		res.Failed++
	}
	var stop error
	notes := func(yield func(NoteItem) bool) {
		for it := range items {
			if err := ctx.Err(); err != nil {
				stop = err
				return
			}
			if len(it.Errs) > 0 || it.Row == nil {
				line := it.Line
				if it.Row != nil {
					line = it.Row.Line
				}
				var column string
				var msgs []string
				for _, e := range it.Errs {
					if column == "" {
						column = e.Column
					}
					msgs = append(msgs, e.Error())
				}
				fail(line, "", column, errors.New(strings.Join(msgs, "; ")))
				continue
			}
			row := it.Row
			for _, n := range row.Notes {
				id, column, err := resolveParent(ctx, find, opts.Refs, row, n)
				if err != nil {
					if errors.Is(err, errFatalLookup) {
						stop = err
						return
					}
					fail(row.Line, row.Key, column, err)
					continue
				}
				byLine[row.Line] = pending{key: row.Key, entity: n.Entity, parent: id, warnings: row.Warnings}
				if !yield(noteItem(row.Line, n, id)) {
					return
				}
			}
		}
	}
	wo := opts.Notes
	wo.OnNote = func(r NoteResult) {
		p := byLine[r.Line]
		delete(byLine, r.Line)
		rr := RowResult{Line: r.Line, Key: p.key, Action: r.Action, Err: r.Err}
		if r.Action != ActionError {
			rr.IDs = map[kommo.EntityType]int{NotesJob: r.ID, p.entity: p.parent}
			rr.Warnings = p.warnings
			if len(p.warnings) > 0 {
				res.Warned++
				res.Warnings.AddWarnings(p.warnings)
			}
		}
		res.Rows[r.Line] = rr
		for _, f := range r.Refused {
			if res.NotesRefused == nil {
				res.NotesRefused = map[string]int{}
			}
			res.NotesRefused[f]++
		}
		if r.Resumed {
			res.Resumed++
		}
		switch r.Action {
		case ActionCreate:
			res.Created++
		case ActionSkip:
			res.Skipped++
		default:
			res.Failed++
		}
	}
	nr, err := WriteNotes(ctx, c, notes, wo)
	if nr != nil {
		res.Job = nr.Job
	}
	if stop != nil && err == nil {
		err = stop
	}
	return res, err
}

// errFatalLookup marks a lookup that failed for the account, not the row.
var errFatalLookup = errors.New("notes: finding the records failed")

// resolveParent finds the id of the record note n of row goes on, and
// the column that named it.
func resolveParent(ctx context.Context, find *finder, refs func(kommo.EntityType, string) (int, bool), row *mapping.Row, n mapping.Note) (int, string, error) {
	one := n.Entity.Singular()
	switch {
	case n.ID > 0:
		return n.ID, row.Columns["notes:entity_id"], nil
	case n.Key != nil:
		column := row.Columns["notes:entity_key"]
		ids, err := find.find(ctx, n.Entity, []mapping.MatchKey{*n.Key})
		if err != nil {
			return 0, column, fmt.Errorf("%w: %w", errFatalLookup, err)
		}
		if ids[0] == 0 {
			return 0, column, fmt.Errorf("no %s with %s %q in Kommo", one, n.Key.Kind, strings.Join(n.Key.Values, ", "))
		}
		return ids[0], column, nil
	case n.Ref != "":
		column := row.Columns["notes:ref"]
		if refs != nil {
			if id, ok := refs(n.Entity, n.Ref); ok && id > 0 {
				return id, column, nil
			}
		}
		return 0, column, fmt.Errorf("no %s %q in this run or the journals given", one, n.Ref)
	}
	return 0, "", mapping.ErrNoteNoRecord
}

// noteImportFields are the note fields of the notes export's columns,
// by the column's field key: what NoteExportSpec maps.
var noteImportFields = map[string]string{
	StdNoteType: "note_type", StdText: "text", StdCreatedAt: "created_at", StdCreatedBy: "author",
	StdPhone: "phone", StdDuration: "duration", StdCallSource: "call_source", StdCallLink: "call_link",
	StdCallID: "call_uniq", StdCallResult: "call_result", StdCallStatus: "call_status", StdService: "service",
	StdSubject: "subject", StdID: "source_id", StdEntityType: "entity_type",
}

// IsNoteExportLayout reports whether header is a notes export's
// (ExportNotes): its ID, Entity type, Entity ID, Note type and Text
// columns at least.
func IsNoteExportLayout(header []string) bool {
	have := map[string]bool{}
	for _, h := range header {
		have[h] = true
	}
	for _, c := range noteColumns {
		switch c.Field {
		case StdID, StdEntityType, StdEntityID, StdNoteType, StdText:
			if !have[c.Header] {
				return false
			}
		}
	}
	return true
}

// NoteExportSpec is the spec that imports a notes export (ExportNotes)
// into an account: each note on the record that the import of the
// exported records made, found by the exported record id (Entity ID) as
// a row key of those imports (their journals, given as Refs, key the
// records by the exported ID); the exported note id is the note's source
// id, so a note is never written twice; the author by name.
func NoteExportSpec(header []string) *mapping.Spec {
	s := &mapping.Spec{Entity: mapping.EntityNotes}
	byHeader := map[string]string{}
	for _, c := range noteColumns {
		byHeader[c.Header] = c.Field
	}
	for _, h := range header {
		f, ok := byHeader[h]
		if !ok {
			continue
		}
		if f == StdEntityID {
			s.Refs = append(s.Refs, mapping.RefSpec{Column: h})
			continue
		}
		if nf := noteImportFields[f]; nf != "" {
			s.Columns = append(s.Columns, mapping.ColumnSpec{Column: h, Target: mapping.Target{Field: nf}})
		}
	}
	return s
}
