package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// ExportRun is what a native front end (the CLI) gives an export besides
// the page's ExportParams: where the rows go and the options the page does
// not have. It is Go only, never JSON.
type ExportRun struct {
	// Writer returns the table the export writes to, once the account's
	// schema is read and the filters are resolved (an edit workbook needs
	// the schema); nothing is asked of it when they fail. ExportTo closes
	// the writer it returns. Required.
	Writer func(schema *mapping.Schema) (sheet.TableWriter, error)
	// PageSize is the number of records per request; 0 means Kommo's
	// maximum (bulk.ExportOptions.PageSize).
	PageSize int
	// EventTypes selects events by type key (bulk.ExportFilter.EventTypes).
	EventTypes []string
	// TaskEntityType, EventEntities and FieldEntities are the entity
	// filters of the tasks, events and fields datasets.
	TaskEntityType kommo.EntityType
	EventEntities  []string
	FieldEntities  []kommo.EntityType
	// NoteEntities and NoteTypes select the notes of the notes dataset
	// (bulk.NotesJob, not one of the page's): of these records' types
	// (default leads, contacts and companies; ExportFilterParams.IDs are
	// then the records' ids, of one type) and of these note types.
	NoteEntities []kommo.EntityType
	NoteTypes    []string
	// SchemaNotes, if set, is called with the schema's notes (what of
	// the account could not be read) once the schema is read.
	SchemaNotes func(notes []string)
	// Progress, if set, is called after each page is written.
	Progress func(ExportProgressInfo)
	// Since, if set, makes the export incremental (bulk.ExportSince): only
	// what changed since the export that returned Since.Prev (nil: the
	// first run, everything), deletions as rows.
	Since *ExportSince
}

// ExportSince is the state of an incremental export.
type ExportSince struct {
	Prev *bulk.SinceState
	// Now is the clock of the new state; nil means time.Now.
	Now func() time.Time
}

// ExportResult is what an export wrote.
type ExportResult struct {
	Header []string
	Rows   int // data rows written
	Pages  int // pages read from Kommo
	// Next is the state to keep for the next incremental export (with
	// ExportRun.Since), to save once the output is complete.
	Next *bulk.SinceState
}

// Export writes a dataset of the account to XLSX or CSV bytes: the page's
// export, ExportTo into memory.
func (e *Engine) Export(ctx context.Context, opts ExportParams, progress func(ExportProgressInfo)) (*FileBytes, error) {
	ent := kommo.EntityType(opts.Entity)
	isXLSX := true
	switch opts.Format {
	case "", "xlsx":
	case "csv":
		isXLSX = false
	default:
		return nil, fmt.Errorf("export: format %q: want xlsx or csv", opts.Format)
	}
	var buf bytes.Buffer
	res, err := e.ExportTo(ctx, opts, ExportRun{
		Writer: func(*mapping.Schema) (sheet.TableWriter, error) {
			if isXLSX {
				return xlsx.NewWriter(&buf, xlsx.WriteOptions{Sheet: string(ent)})
			}
			return sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{BOM: true})
		},
		Progress: progress,
	})
	if err != nil {
		return nil, err
	}
	ext := ".csv"
	if isXLSX {
		ext = ".xlsx"
	}
	name := "kommo-" + string(ent) + "-" + time.Now().UTC().Format("20060102-150405") + ext
	return &FileBytes{Name: name, Type: mimeType(isXLSX), Rows: res.Rows, Data: buf.Bytes()}, nil
}

// ExportTo writes a dataset of the account to the writer run.Writer
// returns: the export both front ends run. opts.Format is not read (the
// writer is the format). Names in the filters resolve as an import's do
// (bulk.ExportNames); an unknown one is a *bulk.ExportNameError. The
// result counts what was written, also when the export failed midway.
func (e *Engine) ExportTo(ctx context.Context, opts ExportParams, run ExportRun) (ExportResult, error) {
	ent := kommo.EntityType(opts.Entity)
	res := ExportResult{}
	if !slices.Contains(bulk.ExportEntities, ent) && ent != bulk.NotesJob {
		return res, fmt.Errorf("export: unknown entity %q", opts.Entity)
	}
	if run.Writer == nil {
		return res, errors.New("export: no writer")
	}
	if ent == bulk.NotesJob && run.Since != nil {
		return res, errors.New("export: notes have no incremental export")
	}
	s, err := e.accountSchema(ctx)
	if err != nil {
		return res, err
	}
	if run.SchemaNotes != nil {
		run.SchemaNotes(s.Notes)
	}
	// Date-times and date filters are in the asked zone, else the account's.
	loc := s.Location
	if opts.TimeZone != "" {
		if loc, err = time.LoadLocation(opts.TimeZone); err != nil {
			return res, fmt.Errorf("export: time zone: %w", err)
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	filter, err := opts.Filter.filter(s, loc)
	if err != nil {
		return res, err
	}
	filter.EventTypes = run.EventTypes
	filter.TaskEntityType = run.TaskEntityType
	filter.EventEntities = run.EventEntities
	filter.FieldEntities = run.FieldEntities
	c, err := e.client(nil)
	if err != nil {
		return res, err
	}
	w, err := run.Writer(s)
	if err != nil {
		return res, err
	}
	eo := bulk.ExportOptions{Entity: ent, Filter: filter, Schema: s, Location: loc, PageSize: run.PageSize}
	if run.Progress != nil {
		eo.Progress = func(p bulk.ExportProgress) { run.Progress(ExportProgressInfo{Rows: p.Rows, Pages: p.Pages}) }
	}
	var st bulk.ExportStats
	switch {
	case ent == bulk.NotesJob:
		st, err = bulk.ExportNotes(ctx, c, w, bulk.NoteExportOptions{Entities: run.NoteEntities, EntityIDs: filter.IDs,
			NoteTypes: run.NoteTypes, CreatedAt: filter.CreatedAt, UpdatedAt: filter.UpdatedAt,
			Schema: s, PageSize: run.PageSize, Location: loc, Progress: eo.Progress})
	case run.Since != nil:
		st, res.Next, err = bulk.ExportSince(ctx, c, w, eo, run.Since.Prev, bulk.SinceOptions{Now: run.Since.Now})
	default:
		st, err = bulk.Export(ctx, c, w, eo)
	}
	res.Header, res.Rows, res.Pages = st.Header, st.Rows, st.Pages
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		res.Next = nil
	}
	return res, err
}
