package bulk

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// Standard field keys of the notes export's columns (besides StdID,
// StdEntityType, StdEntityID, StdCreatedAt, StdCreatedBy, StdCreatedByID,
// StdUpdatedAt, StdText and StdDuration): the note's type and the params
// of its type (see kommo.NoteParams), and all its params as JSON.
const (
	StdNoteType   = "note_type"
	StdPhone      = "phone"
	StdCallSource = "call_source"
	StdCallLink   = "call_link"
	StdCallID     = "call_uniq"
	StdCallResult = "call_result"
	StdCallStatus = "call_status"
	StdService    = "service"
	StdSubject    = "subject"
	StdParams     = "params"
)

// noteColumns are the notes export's columns, in order. Only ever append:
// files exported earlier are read back by their headers.
var noteColumns = []Column{
	std("ID", StdID, true),
	std("Entity type", StdEntityType, false),
	std("Entity ID", StdEntityID, false),
	std("Note type", StdNoteType, false),
	std("Created at", StdCreatedAt, false),
	std("Created by", StdCreatedBy, true),
	std("Created by ID", StdCreatedByID, false),
	std("Updated at", StdUpdatedAt, true),
	std("Text", StdText, false),
	std("Phone", StdPhone, false),
	std("Duration", StdDuration, false),
	std("Call source", StdCallSource, false),
	std("Call link", StdCallLink, false),
	std("Call ID", StdCallID, false),
	std("Call result", StdCallResult, false),
	std("Call status", StdCallStatus, false),
	std("Service", StdService, false),
	std("Subject", StdSubject, true),
	std("Params", StdParams, true),
}

// NoteExportColumns returns the notes export's layout.
func NoteExportColumns() []Column { return slices.Clone(noteColumns) }

// NoteExportOptions configure ExportNotes. The zero value exports every
// note of leads, contacts and companies.
type NoteExportOptions struct {
	// Entities are the record types whose notes are exported, in this
	// order; nil means leads, contacts and companies.
	Entities []kommo.EntityType
	// EntityIDs keeps the notes of these records (ids of the types in
	// Entities: give one type with them).
	EntityIDs []int
	// NoteTypes keeps notes of these types (kommo.NoteCommon, ...).
	NoteTypes []string
	// UpdatedAt is a range of last-change times (Kommo's filter);
	// CreatedAt a range of creation times, applied as the notes are read
	// (Kommo's notes list has no such filter).
	UpdatedAt *kommo.Range
	CreatedAt *kommo.Range
	// Schema names the authors (its users); nil means ExportNotes fetches
	// it with FetchSchema first.
	Schema *mapping.Schema
	// PageSize is the number of notes asked for per request; 0 means
	// kommo.MaxLimit.
	PageSize int
	// Location is the time zone of the dates; nil means the account's.
	Location *time.Location
	// Progress, if set, is called after each page is written.
	Progress func(ExportProgress)
}

// ExportNotes writes the notes of opts.Entities that match the filters
// to w: the header (NoteExportColumns), then one row per note, entity
// type after entity type, by id, a page in memory at a time. Like Export
// it does not close w, and on error the rows written so far stay.
func ExportNotes(ctx context.Context, c *kommo.Client, w sheet.TableWriter, opts NoteExportOptions) (ExportStats, error) {
	st := ExportStats{Entity: NotesJob}
	entities := opts.Entities
	if len(entities) == 0 {
		entities = SchemaEntities
	}
	for _, ent := range entities {
		switch ent {
		case kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityCustomers:
		default:
			return st, fmt.Errorf("export notes: %q have no notes (want leads, contacts, companies or customers)", ent)
		}
	}
	schema := opts.Schema
	if schema == nil {
		var err error
		if schema, err = FetchSchema(ctx, c); err != nil {
			return st, fmt.Errorf("export notes: schema: %w", err)
		}
	}
	e := &exporter{w: w, x: newSchemaIndex(schema), st: &st, cols: noteColumns, std: map[string]int{}, custom: map[int]int{},
		cells: make([]sheet.Cell, len(noteColumns)),
		opts:  ExportOptions{Entity: NotesJob, PageSize: opts.PageSize, Progress: opts.Progress, Filter: ExportFilter{IDs: opts.EntityIDs}}}
	e.acct = time.UTC
	if schema.Location != nil {
		e.acct = schema.Location
	}
	e.loc = opts.Location
	if e.loc == nil {
		e.loc = e.acct
	}
	st.Header = make([]string, len(noteColumns))
	for i, col := range noteColumns {
		st.Header[i] = col.Header
		e.std[col.Field] = i
	}
	if err := w.WriteHeader(st.Header); err != nil {
		return st, fmt.Errorf("export notes: %w", err)
	}
	for _, ent := range entities {
		o := &kommo.NoteListOptions{
			ListOptions: kommo.ListOptions{Limit: e.pageSize(kommo.MaxLimit)},
			NoteTypes:   opts.NoteTypes,
			UpdatedAt:   opts.UpdatedAt,
			Order:       &kommo.Order{Field: "id"},
		}
		// exportByIDs splits Filter.IDs (the records' ids) into runs
		// that keep each URL short.
		err := exportByIDs(ctx, e, func(run []int) { o.EntityIDs = run }, func(page int) ([]*kommo.Note, *kommo.Response, error) {
			o.Page = page
			return c.Notes.List(ctx, ent, o)
		}, func(n *kommo.Note) error {
			if !inRange(opts.CreatedAt, int64(n.CreatedAt)) {
				return nil
			}
			return e.note(ent, n)
		})
		if err != nil {
			return st, fmt.Errorf("export %s notes: %w", ent, err)
		}
	}
	return st, nil
}

// note writes one note's row.
func (e *exporter) note(ent kommo.EntityType, n *kommo.Note) error {
	e.begin()
	e.setInt(StdID, n.ID)
	e.setString(StdEntityType, string(ent))
	e.setInt(StdEntityID, n.EntityID)
	e.setString(StdNoteType, n.NoteType)
	e.setTime(StdCreatedAt, n.CreatedAt)
	e.setString(StdCreatedBy, e.x.userName(n.CreatedBy))
	e.setInt(StdCreatedByID, n.CreatedBy)
	e.setTime(StdUpdatedAt, n.UpdatedAt)
	// Params that are not an object are still written, as JSON.
	p, _ := n.DecodeParams()
	text := p.Text
	if text == "" {
		text = p.ContentSummary // an e-mail's
	}
	e.setString(StdText, text)
	e.setString(StdPhone, p.Phone)
	if n.NoteType == kommo.NoteCallIn || n.NoteType == kommo.NoteCallOut {
		e.set(StdDuration, sheet.IntCell(int64(p.Duration)))
	}
	e.setString(StdCallSource, p.Source)
	e.setString(StdCallLink, p.Link)
	e.setString(StdCallID, p.UniqueID)
	e.setString(StdCallResult, p.CallResult)
	e.setInt(StdCallStatus, int(p.CallStatus))
	e.setString(StdService, p.Service)
	e.setString(StdSubject, p.Subject)
	if s := compactJSON(n.Params); s != "" && s != "null" && s != "{}" && s != "[]" {
		e.setString(StdParams, s)
	}
	return e.writeRow()
}
