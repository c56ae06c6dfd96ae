package migrate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// DefaultIDField is the custom field that keeps the source system's ids
// of migrated records.
const DefaultIDField = "External ID"

// File is one file of a migration: its mapping spec (usually a
// preset fitted to its header) and how to read it.
type File struct {
	// Name names the file in reports and errors.
	Name string
	// Spec maps the file. Its Key column holds the source ids; with a
	// "field:<IDField>" match they are kept in Kommo and found again.
	Spec *mapping.Spec
	// Open opens the file from its start; Migrate reads it several times.
	Open func() (sheet.Table, error)
	// FieldTypes are the types of custom fields to create when the account
	// lacks them ("<entity>/<field>" → type); fields not listed get a type
	// guessed from their values.
	FieldTypes map[string]kommo.FieldType
	// Skip, if set, leaves a record out before it is mapped, with a reason
	// for the report (a deleted record).
	Skip func(header []string, rec []string) (string, bool)
	// Journal is the import journal of the file ("" keeps none).
	Journal string
	// History, if set, says more of a history file (a Spec of entity
	// notes) or of the notes a card file's Spec makes: see History.
	History *History
}

// Options configure a migration. The zero value of each field
// selects the default shown.
type Options struct {
	// JobID prefixes the job ids of the files' imports (default
	// "migration").
	JobID string
	// IDField is the custom field holding source ids (default
	// DefaultIDField).
	IDField string
	// Users maps source owner names, e-mails or ids to Kommo users (name,
	// e-mail or id), for owners that do not match a user by themselves.
	Users map[string]string
	// Pipelines maps source pipeline names to Kommo pipelines.
	Pipelines map[string]string
	// Stages maps source stages ("Stage", or "Pipeline/Stage" for one
	// pipeline's) to Kommo stages ("Stage", "Pipeline/Stage", "won",
	// "lost" or a status id).
	Stages map[string]string
	// CreateFields creates the custom fields the specs name and the
	// account lacks (the IDField included); without it they stop the run.
	CreateFields bool
	// Sample, when positive, migrates only that many records of the last
	// file (the deals, usually) with the records they link to in the other
	// files, so they can be checked before the rest.
	Sample int
	// DryRun checks and looks everything up without writing.
	DryRun bool
	// Resume continues the files' imports from their journals.
	Resume bool
	// BatchSize, Workers and Lookup are passed to each import.
	BatchSize int
	Workers   int
	Lookup    bulk.LookupStrategy
	// Progress, if set, is called after every batch of every file.
	Progress func(file string, p bulk.Progress)
	// Results, if set, is given each file's import result when the file's
	// import ends (a stopped one too), with a row result for every row the
	// import saw: for result files in the input's columns (WriteResults).
	Results func(file string, res *bulk.Result)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OverdueTasks says what becomes of open tasks past their deadline
	// (default OverdueOpen: open, the deadline kept); see taskState.
	OverdueTasks OverduePolicy
	// Delta, if set, makes the run a delta run (see DeltaOptions): the
	// files' rows unchanged since the last run with the same Delta.Dir
	// are not sent, and fields changed both in the source and in Kommo
	// are conflicts, not overwritten.
	Delta *DeltaOptions
}

// Report is what a migration did, for the consultant and the
// client: counts per entity, merged duplicates, rows left out and why, and
// values that matched nothing.
type Report struct {
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
	DryRun   bool         `json:"dry_run,omitempty"`
	Sample   int          `json:"sample,omitempty"`
	IDField  string       `json:"id_field"`
	Files    []FileReport `json:"files"`
	// Merges are records written into another record: duplicates within
	// the files and records the account already had.
	Merges []Merge `json:"merges"`
	// Skipped are the rows not migrated, with the reason.
	Skipped []SkippedRow `json:"skipped"`
	// Attachments are the files of the source's notes, which are not
	// migrated.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Unmatched are source values (owners, stages, options) that match
	// nothing in the account; a migration with any stops before writing.
	Unmatched []Unmatched `json:"unmatched"`
	// FieldsCreated are the custom fields the migration created.
	FieldsCreated []CreatedField `json:"fields_created"`
	// Owners and Stages are how each source value was matched.
	Owners []ValueMatch `json:"owners"`
	Stages []ValueMatch `json:"stages"`
	// Records are the migrated rows of a sample run, with their Kommo ids.
	Records []MigratedRecord `json:"records,omitempty"`
	// Notes are the schema's warnings: no user list (owners by id only),
	// no time zone (UTC).
	Notes []string `json:"notes,omitempty"`
	// Conflicts and Gone are a delta run's (Options.Delta): the fields
	// changed both in the source and in Kommo, and the rows gone from the
	// source.
	Conflicts []Conflict `json:"conflicts,omitempty"`
	Gone      []GoneRow  `json:"gone,omitempty"`
}

// FileReport counts one file's rows.
type FileReport struct {
	File    string           `json:"file"`
	Entity  kommo.EntityType `json:"entity"`
	Rows    int              `json:"rows"`
	Created int              `json:"created"`
	Updated int              `json:"updated"`
	Merged  int              `json:"merged"`
	Skipped int              `json:"skipped"`
	Failed  int              `json:"failed"`
	// Landed counts the rows that are in Kommo: created, updated, skipped
	// as already there, or merged into another row's record; Warned, those
	// of them with warnings, which Warnings groups by cause.
	Landed   int             `json:"landed"`
	Warned   int             `json:"warned"`
	Warnings mapping.Summary `json:"warnings,omitempty"`
	// Notes count the file's notes: a history file's, or those its
	// spec makes of a card file's columns.
	Notes *NoteCounts `json:"notes,omitempty"`
	// Regions are the regions the file's phones without a country code
	// were read in, with where each came from, and how many rows.
	Regions  []mapping.RegionCount `json:"regions,omitempty"`
	Resumed  int                   `json:"resumed,omitempty"`
	Journal  string                `json:"journal,omitempty"`
	Selected int                   `json:"selected,omitempty"` // sample runs: rows in the sample
	// Delta is what a delta run did with the file.
	Delta *FileDelta `json:"delta,omitempty"`
}

// Merge is one row written into a record that another row (or the
// account) already had.
type Merge struct {
	File   string           `json:"file"`
	Line   int              `json:"line"`
	Entity kommo.EntityType `json:"entity"`
	Key    string           `json:"key"`
	By     string           `json:"by"`   // "email ana@x.io"
	Into   string           `json:"into"` // "row 3 (key 101)" or "Kommo contact 123"
}

// SkippedRow is a row that was not migrated.
type SkippedRow struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Key    string `json:"key,omitempty"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// Unmatched is a source value that matches nothing in the account.
type Unmatched struct {
	File    string   `json:"file"`
	Column  string   `json:"column"`
	Kind    string   `json:"kind"` // user, pipeline, stage, option, ...
	Value   string   `json:"value"`
	Rows    int      `json:"rows"`
	Closest []string `json:"closest,omitempty"`
	// Reason says why, when the value is not simply unknown: an owner
	// name with a token that cannot read the user list.
	Reason string     `json:"reason,omitempty"`
	also   *Unmatched // a stage that fails with its pipeline
}

// CreatedField is a custom field the migration created (or, in a dry
// run, would create).
type CreatedField struct {
	Entity  kommo.EntityType `json:"entity"`
	Name    string           `json:"name"`
	Type    kommo.FieldType  `json:"type"`
	ID      int              `json:"id,omitempty"`
	Options []string         `json:"options,omitempty"`
}

// ValueMatch is how one source value was matched.
type ValueMatch struct {
	Value string `json:"value"`
	To    string `json:"to"`
	By    string `json:"by"` // "name", "table"
}

// MigratedRecord is one row of a sample run.
type MigratedRecord struct {
	File   string                   `json:"file"`
	Line   int                      `json:"line"`
	Key    string                   `json:"key"`
	Entity kommo.EntityType         `json:"entity"`
	Action bulk.Action              `json:"action"`
	IDs    map[kommo.EntityType]int `json:"ids"`
}

// UnmatchedError stops a migration whose files hold values that match
// nothing in the account; nothing was written.
type UnmatchedError struct {
	Values []Unmatched
}

func (e *UnmatchedError) Error() string {
	return fmt.Sprintf("%d source values match nothing in the account (nothing was written)", len(e.Values))
}

// MissingFieldsError stops a migration whose specs name custom fields the
// account lacks, when they are not to be created.
type MissingFieldsError struct {
	Fields []CreatedField
}

func (e *MissingFieldsError) Error() string {
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = fmt.Sprintf("%s %q (%s)", f.Entity.Singular(), f.Name, f.Type)
	}
	return "the account has no custom fields " + strings.Join(names, ", ") + "; create them (--create-fields) or leave their columns out of the mapping"
}

// migFile is the state of one file during a migration.
type migFile struct {
	File
	idx     int
	header  []string
	mapper  *mapping.Mapper
	primary kommo.EntityType
	// pre-pass
	values  map[string]map[string]int // column → raw value → rows
	tuples  map[string]*stageTuple    // stage key → tuple
	stage   *stagePlan
	rows    int
	keys    map[string]int // row key → line
	keyOf   map[int]string // line → row key: keys reversed, by keyAt
	refs    map[int]map[kommo.EntityType]string
	dedupe  map[int][]string // line → "email:x", "phone:y", "name:z"
	aliases map[int]string   // line → key of the row it merges into
	// folded are duplicates of an earlier row of the file: line → that
	// row's line. Their phones and e-mails are added to that row, which is
	// written once.
	folded  map[int]int
	multi   map[int]kommo.CustomFieldValues // line → PHONE and EMAIL values
	extra   map[int]kommo.CustomFieldValues // line → values folded into it
	skip    map[int]string                  // line → reason
	select_ map[int]bool                    // sample: lines to migrate
	lock    *bulk.JournalLock               // the journal's, for the whole run
	// regions counts the rows whose phones without a country code were
	// read in each region (the validation pass).
	regions map[mapping.RegionUse]int
	// foldWarn are the warnings of folded duplicates (line → warnings):
	// they land with the row they duplicate.
	foldWarn map[int][]*mapping.RowWarning
}

// migration is one running Migrate.
type migration struct {
	// The history (notes.go).
	history    []*histFile
	notesLocks map[*migFile]*bulk.JournalLock
	created    map[kommo.EntityType]map[int]bool

	c       *kommo.Client
	opts    Options
	schema  *mapping.Schema
	res     *mapping.Resolver
	files   []*migFile
	rep     *Report
	idField map[kommo.EntityType]int // entity → id of IDField (negative: would be created)
	account map[kommo.EntityType]*accountIndex
	keys    map[kommo.EntityType]map[string]int // source key → Kommo id
	claims  []claimWrite
	delta   *deltaRun // Options.Delta's states
}

var migrationOrder = map[kommo.EntityType]int{kommo.EntityCompanies: 0, kommo.EntityContacts: 1, kommo.EntityLeads: 2, kommo.EntityTasks: 3}

// Migrate moves the exports of another CRM into Kommo: the files are
// imported in dependency order (companies, contacts, leads, tasks), each
// upserted by its source ids (kept in opts.IDField), rows linked to the
// rows of the other files they name by those ids.
//
// Before anything is written, every file is read: owners are matched to
// the account's users and stages to its pipelines (with opts' tables for
// the rest), missing custom fields are created (opts.CreateFields) or
// reported, and duplicates are found within the files and against the
// account (contacts by e-mail and phone, companies by name). Any value
// that matches nothing stops the run with an *UnmatchedError; nothing
// falls into a default.
//
// Running a migration again updates what the last run wrote; each file's
// import journals its writes and resumes like any import. Migrate is
// synchronous and returns the report even when it fails.
func Run(ctx context.Context, c *kommo.Client, files []File, opts Options) (*Report, error) {
	if opts.IDField == "" {
		opts.IDField = DefaultIDField
	}
	if opts.JobID == "" {
		opts.JobID = "migration"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := opts.normalizeOverdue(); err != nil {
		return &Report{}, fmt.Errorf("migrate: %w", err)
	}
	m := &migration{c: c, opts: opts, idField: map[kommo.EntityType]int{}, account: map[kommo.EntityType]*accountIndex{},
		keys: map[kommo.EntityType]map[string]int{},
		rep:  &Report{Started: opts.Now(), DryRun: opts.DryRun, Sample: opts.Sample, IDField: opts.IDField}}
	for i, f := range files {
		if f.Spec == nil || f.Open == nil {
			return m.rep, fmt.Errorf("migrate: file %q has no spec or no reader", f.Name)
		}
		if isHistory(f) {
			m.history = append(m.history, &histFile{File: f, idx: i})
			continue
		}
		mf := &migFile{File: f, idx: i, primary: f.Spec.Entity}
		if _, ok := migrationOrder[mf.primary]; !ok {
			return m.rep, fmt.Errorf("migrate: %s: cannot migrate %q", f.Name, mf.primary)
		}
		m.files = append(m.files, mf)
	}
	slices.SortStableFunc(m.files, func(a, b *migFile) int { return cmp.Compare(migrationOrder[a.primary], migrationOrder[b.primary]) })
	if err := m.checkDelta(); err != nil {
		return m.rep, err
	}
	// The run holds every file's journal from the start: a second run of
	// the same migration must not create fields or write records either.
	if !opts.DryRun {
		for _, f := range m.files {
			if f.Journal == "" {
				continue
			}
			l, err := bulk.LockJournal(f.Journal)
			if err != nil {
				m.unlock()
				return m.rep, fmt.Errorf("migrate: %w", err)
			}
			f.lock = l
		}
		defer m.unlock()
		if err := m.lockHistory(); err != nil {
			return m.rep, fmt.Errorf("migrate: %w", err)
		}
	}
	err := m.run(ctx)
	m.rep.Finished = opts.Now()
	return m.rep, err
}

func (m *migration) unlock() {
	for _, f := range m.files {
		f.lock.Unlock()
		f.lock = nil
	}
	m.unlockHistory()
}

func (m *migration) run(ctx context.Context) error {
	schema, err := bulk.FetchSchema(ctx, m.c)
	if err != nil {
		return fmt.Errorf("read the account's schema: %w", err)
	}
	m.schema, m.res = schema, mapping.NewResolver(schema)
	m.rep.Notes = schema.Notes
	for _, f := range m.files {
		if err := m.prepass(ctx, f); err != nil {
			return err
		}
	}
	// Fields to create are stand-ins (negative ids) until every check has
	// passed: nothing is written before then.
	if err := m.fields(); err != nil {
		return err
	}
	m.owners()
	m.stages()
	for _, f := range m.files {
		if err := m.validate(ctx, f); err != nil {
			return err
		}
	}
	if err := m.checkHistory(ctx); err != nil {
		return err
	}
	if len(m.rep.Unmatched) > 0 {
		sort.SliceStable(m.rep.Unmatched, func(i, j int) bool { return m.rep.Unmatched[i].File < m.rep.Unmatched[j].File })
		return &UnmatchedError{Values: m.rep.Unmatched}
	}
	if !m.opts.DryRun {
		if err := m.createFields(ctx); err != nil {
			return err
		}
	}
	if err := m.loadDelta(); err != nil {
		return err
	}
	if err := m.scanAccount(ctx); err != nil {
		return err
	}
	m.dedupe()
	if m.opts.Sample > 0 {
		m.sample()
	}
	if !m.opts.DryRun {
		if err := m.writeClaims(ctx); err != nil {
			return err
		}
	}
	for _, f := range m.files {
		if err := m.importFile(ctx, f); err != nil {
			return err
		}
	}
	return m.writeHistory(ctx)
}

// Totals sums the files' counts per entity.
func (r *Report) Totals() map[kommo.EntityType]FileReport {
	out := map[kommo.EntityType]FileReport{}
	for _, f := range r.Files {
		t := out[f.Entity]
		t.Entity = f.Entity
		t.Rows += f.Rows
		t.Created += f.Created
		t.Updated += f.Updated
		t.Merged += f.Merged
		t.Skipped += f.Skipped
		t.Failed += f.Failed
		t.Landed += f.Landed
		t.Warned += f.Warned
		t.Warnings.Merge(f.Warnings)
		out[f.Entity] = t
	}
	return out
}
