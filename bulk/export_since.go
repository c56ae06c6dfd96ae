package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/kommo-bulk/kommo-bulk/internal/atomicfile"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// DeletedColumn is the last column of an incremental export (ExportSince):
// TRUE on a tombstone row, a record deleted in Kommo since the last export
// (only its id is set), empty on the rows of live records.
const DeletedColumn = "_deleted"

// DefaultSinceOverlap is how far before its cursor an incremental export
// reads again, for the clocks of Kommo and of this machine to disagree
// without losing a change: a record changed in that overlap is exported
// again (a warehouse upserts by id).
const DefaultSinceOverlap = time.Minute

// SinceState is the cursor of incremental exports, kept in a JSON file
// (see ExportSince and SaveSinceState).
type SinceState struct {
	Entity kommo.EntityType `json:"entity"`
	// Cursor is when the last export started (unix seconds): the next
	// one reads what changed from Cursor minus the overlap.
	Cursor int64 `json:"cursor"`
	// Rows and Deleted are what the last export wrote.
	Rows    int `json:"rows"`
	Deleted int `json:"deleted"`
}

// SinceOptions configure ExportSince.
type SinceOptions struct {
	// Overlap replaces DefaultSinceOverlap when > 0.
	Overlap time.Duration
	// Now is the clock of the cursor; nil means time.Now.
	Now func() time.Time
}

// sinceEvents are the deletion event types per dataset.
var sinceEvents = map[kommo.EntityType]string{
	kommo.EntityLeads: kommo.EventLeadDeleted, kommo.EntityContacts: kommo.EventContactDeleted,
	kommo.EntityCompanies: kommo.EventCompanyDeleted, ExportTasks: kommo.EventTaskDeleted,
}

// ReadSinceState reads the state file at path; (nil, nil) when there is
// none yet (the first export is a full one).
func ReadSinceState(path string) (*SinceState, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("export state: %w", err)
	}
	var st SinceState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("export state %s: %w", path, err)
	}
	return &st, nil
}

// SaveSinceState writes the state file atomically (a synced temporary
// file renamed over it), creating its directory. Call it only once the export's file is complete
// and closed: a run that fails before leaves the old cursor, and the next
// run reads the same changes again.
func SaveSinceState(path string, st *SinceState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o755); err != nil {
		return fmt.Errorf("export state %s: %w", path, err)
	}
	return nil
}

// ExportSince is an incremental Export of leads, contacts, companies or
// tasks: with prev (the state of the last run, from ReadSinceState) it
// writes only the records changed since prev.Cursor (Kommo's updated_at
// filter, and If-Modified-Since), then one tombstone row per record
// deleted since (the *_deleted events): its id and TRUE in DeletedColumn,
// the last column of every row. With prev nil it exports everything
// (and no tombstones). Either way it returns the state to save with
// SaveSinceState once the caller has closed w. The requests are those of
// the changed records' pages and of the deletion events' pages: in
// proportion to the change, not to the account.
func ExportSince(ctx context.Context, c *kommo.Client, w sheet.TableWriter, opts ExportOptions, prev *SinceState, so SinceOptions) (ExportStats, *SinceState, error) {
	st := ExportStats{Entity: opts.Entity}
	delType, ok := sinceEvents[opts.Entity]
	if !ok {
		return st, nil, fmt.Errorf("export: --since-last works for leads, contacts, companies and tasks, not %s", opts.Entity)
	}
	if prev != nil && prev.Entity != "" && prev.Entity != opts.Entity {
		return st, nil, fmt.Errorf("export: the state file is of a %s export, not %s", prev.Entity, opts.Entity)
	}
	now := so.Now
	if now == nil {
		now = time.Now
	}
	overlap := so.Overlap
	if overlap <= 0 {
		overlap = DefaultSinceOverlap
	}
	next := &SinceState{Entity: opts.Entity, Cursor: now().Unix()}
	if opts.Schema == nil {
		schema, err := FetchSchema(ctx, c)
		if err != nil {
			return st, nil, fmt.Errorf("export %s: schema: %w", opts.Entity, err)
		}
		opts.Schema = schema
	}
	var from int64
	if prev != nil {
		from = prev.Cursor - int64(overlap/time.Second)
		opts.Filter.UpdatedAt = &kommo.Range{From: from}
	}
	idCol := slices.IndexFunc(ExportColumns(opts.Entity, opts.Schema), func(c Column) bool { return c.Field == StdID })
	tw := &tombstoneWriter{w: w}
	st, err := Export(ctx, c, tw, opts)
	if err != nil {
		return st, nil, err
	}
	next.Rows = st.Rows
	if prev == nil {
		return st, next, nil
	}
	seen := map[int]bool{}
	eo := &kommo.EventListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxEventsLimit},
		Types: []string{delType}, CreatedAt: &kommo.Range{From: from}}
	for ev, err := range c.Events.ListIter(ctx, eo) {
		if err != nil {
			return st, nil, fmt.Errorf("export %s: deletions: %w", opts.Entity, err)
		}
		if seen[ev.EntityID] {
			continue
		}
		seen[ev.EntityID] = true
		cells := make([]sheet.Cell, len(tw.header)-1)
		cells[idCol] = sheet.IntCell(int64(ev.EntityID))
		if err := tw.tombstone(cells); err != nil {
			return st, nil, fmt.Errorf("export %s: %w", opts.Entity, err)
		}
		st.Rows++
		next.Deleted++
	}
	return st, next, nil
}

// tombstoneWriter adds DeletedColumn to every row.
type tombstoneWriter struct {
	w      sheet.TableWriter
	header []string
	row    []sheet.Cell
}

func (t *tombstoneWriter) WriteHeader(names []string) error {
	t.header = append(slices.Clone(names), DeletedColumn)
	return t.w.WriteHeader(t.header)
}

func (t *tombstoneWriter) WriteRow(cells []sheet.Cell) error {
	t.row = append(append(t.row[:0], cells...), sheet.EmptyCell())
	return t.w.WriteRow(t.row)
}

func (t *tombstoneWriter) tombstone(cells []sheet.Cell) error {
	return t.w.WriteRow(append(cells, sheet.BoolCell(true)))
}

func (t *tombstoneWriter) Close() error { return t.w.Close() }
