package bulk

import (
	"fmt"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// Mode says what an import does with rows that match existing records.
type Mode string

// Import modes.
const (
	// ModeCreate creates every row's primary entity.
	ModeCreate Mode = "create"
	// ModeUpdate updates records by their Kommo id; a missing id is an error.
	ModeUpdate Mode = "update"
	// ModeUpsert updates the record that matches the row's key, or creates one.
	ModeUpsert Mode = "upsert"
	// ModeSkipExisting creates rows that match nothing and skips the others.
	ModeSkipExisting Mode = "skip-existing"
)

// ParseMode checks a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeCreate, ModeUpdate, ModeUpsert, ModeSkipExisting:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q (want create, update, upsert or skip-existing)", s)
}

// Action is what happened (or, in a dry run, would happen) to a row.
type Action string

// Row actions.
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionSkip   Action = "skip"
	ActionError  Action = "error"
)

// LookupStrategy says how existing records are found.
type LookupStrategy string

// Lookup strategies.
const (
	// LookupAuto picks whichever of the two costs fewer requests, from the
	// expected number of keys and a probe of the account's size.
	LookupAuto LookupStrategy = ""
	// LookupQuery asks Kommo once per key (query=...), then checks the
	// answers exactly: query is fuzzy and matches other fields too.
	LookupQuery LookupStrategy = "query"
	// LookupScan reads the whole entity list once (250 per page) into a
	// local index.
	LookupScan LookupStrategy = "scan"
)

// Item is one input row for Import: the mapped row, or the mapping errors
// that kept it from being mapped.
type Item struct {
	// Line is the source line; it is taken from Row when Row is set.
	Line int
	Row  *mapping.Row
	Errs []*sheet.RowError
	// Values are the source row's cells, passed through to RowResult for
	// result files written as the import goes (see OnRow).
	Values []string
}

// ImportOptions configure an import. The zero value of each field selects
// the default shown.
type ImportOptions struct {
	// Job identifies the job in the journal. Job.ID, Job.Entity and
	// Job.Mode are required; Input and InputHash let a resume check that
	// it continues the same file.
	Job JobHeader
	// BatchSize is the number of rows per write request (default 50, at
	// most kommo.MaxBatch).
	BatchSize int
	// Workers is the number of batches in flight (default 4). They all
	// wait on the client's rate limiter.
	Workers int
	// DryRun looks everything up and reports what would happen per row,
	// with the field-by-field changes of updates, without writing.
	DryRun bool
	// Journal is the journal file path; "" keeps no journal (dry runs,
	// tests). With Resume, an existing journal is continued; without it,
	// an existing journal is an error.
	Journal string
	Resume  bool
	// Store keeps Journal, by name; nil is the file system, where
	// Journal is a path. The page keeps its journals in the browser.
	Store JournalStore
	// Lock, if set, is the journal's lock, taken by the caller with
	// LockJournal (to hold it across more than the import, e.g. while it
	// writes result files); otherwise Import takes it and releases it
	// when it returns. Either way a journal another process holds stops
	// the import with a *LockedError before anything is read or written.
	Lock *JournalLock
	// NoSync skips fsync of the journal (benchmarks and tests: a crash
	// may lose its tail). It changes nothing else; waits before retries
	// are the client's (kommo.WithRetry, kommo.WithSleep).
	NoSync bool
	// Lookup selects how existing records are found (default LookupAuto).
	Lookup LookupStrategy
	// ScanCache, if set, is a directory where a scan lookup keeps what it
	// read (ids, updated_at and hashes of the match values; no values),
	// so that the next job on the same account within ScanCacheMaxAge (a
	// run after its dry run, tonight's file after the last) reads only
	// the records changed since, as Kommo asks of lists read again.
	ScanCache string
	// ExpectedRows is the number of rows in the input, if known; it sizes
	// the lookup strategy and the progress ETA.
	ExpectedRows int
	// Progress, if set, is called after every batch (from worker
	// goroutines, one call at a time).
	Progress func(Progress)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnRow, if set, receives every row's result in input order as soon
	// as the row and all rows before it are done; Result.Rows is then not
	// kept, so memory stays flat however long the input. It is called
	// from the engine's goroutines, one call at a time, and must not
	// block for long.
	OnRow func(RowResult)
	// Location is the account's time zone (mapping.Schema.Location), in
	// which the changes of date and birthday fields are shown as days;
	// nil is UTC. Whether such a field changes does not depend on it: a
	// value on the stored value's day changes nothing.
	Location *time.Location
	// Refs resolves a row's references to rows of other files
	// (Row.Refs: a contact's company key, a task's lead key) to Kommo ids,
	// typically from the journals of the jobs that imported those files
	// (see KeysFromJournal). A reference that does not resolve costs its
	// row that link only (a ref_not_found warning), unless the spec marks
	// it required (Row.RequiredRefs): then the row fails. Nil resolves
	// nothing.
	Refs func(e kommo.EntityType, key string) (int, bool)
}

func (o *ImportOptions) defaults() error {
	if o.Job.ID == "" {
		return fmt.Errorf("import: no job id")
	}
	switch o.Job.Entity {
	case kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityTasks:
	default:
		return fmt.Errorf("import: cannot import %q (want leads, contacts, companies or tasks)", o.Job.Entity)
	}
	if _, err := ParseMode(string(o.Job.Mode)); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 50
	}
	if o.BatchSize > kommo.MaxBatch {
		o.BatchSize = kommo.MaxBatch
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// RowResult is the outcome of one row.
type RowResult struct {
	Line   int
	Key    string // the row's key (Row.Key)
	Action Action
	// IDs are the Kommo ids of the row's entities.
	IDs map[kommo.EntityType]int
	// Column and Err explain an ActionError.
	Column string
	Err    error
	// Warnings are what a row that landed lost or had changed on the way:
	// the mapping's (Row.Warnings: values normalised, kept as written or
	// left out) and the import's (a reference that named no record:
	// mapping.WarnRefNotFound). Nil for a failed row.
	Warnings []*mapping.RowWarning
	// Changes are an update's field-by-field changes (dry runs).
	Changes []FieldChange
	// Values are the source row's cells (Item.Values), given to OnRow.
	Values []string
}

// FieldChange is one field an update changes. Date and birthday fields
// show their days (YYYY-MM-DD in ImportOptions.Location).
type FieldChange struct {
	Entity kommo.EntityType
	Field  string
	Old    string
	New    string
	// Type is a custom field's type, when the record has the field; ""
	// for standard fields.
	Type kommo.FieldType
}

func (c FieldChange) String() string {
	return fmt.Sprintf("%s.%s: %q → %q", c.Entity, c.Field, c.Old, c.New)
}

// Progress is a snapshot of a running import.
type Progress struct {
	Rows     int // rows finished (any outcome)
	Expected int // ExpectedRows, if known
	Created  int
	Updated  int
	Skipped  int
	Failed   int
	Elapsed  time.Duration
}

// Result is the outcome of an import: one RowResult per input row (unless
// they were streamed to ImportOptions.OnRow), and the counts.
type Result struct {
	Job  JobHeader
	Rows map[int]RowResult
	// Counts per action.
	Created, Updated, Skipped, Failed int
	// Warned counts the rows that landed (created, updated or skipped)
	// with warnings, and Warnings groups their warnings by cause.
	Warned   int
	Warnings mapping.Summary
	// Resumed counts the rows a resume found already done.
	Resumed int
	// NotesRefused counts, by field (created_at, created_by), the notes
	// written without a field Kommo refused (see NoteResult.Refused).
	NotesRefused map[string]int
}

// Landed is the number of rows that landed: created, updated or skipped,
// with or without warnings.
func (r *Result) Landed() int { return r.Created + r.Updated + r.Skipped }

// Row returns the result of a source line.
func (r *Result) Row(line int) (RowResult, bool) {
	rr, ok := r.Rows[line]
	return rr, ok
}
