package bulk

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// DefaultIDField is the custom field that keeps the source system's ids
// of migrated records.
const DefaultIDField = "External ID"

// MigrationFile is one file of a migration: its mapping spec (usually a
// preset fitted to its header) and how to read it.
type MigrationFile struct {
	// Name names the file in reports and errors.
	Name string
	// Spec maps the file. Its Key column holds the source ids; with a
	// "field:<IDField>" match they are kept in Kommo and found again.
	Spec *mapping.Spec
	// Open opens the file from its start; Migrate reads it several times.
	Open func() (mapping.Table, error)
	// FieldTypes are the types of custom fields to create when the account
	// lacks them ("<entity>/<field>" → type); fields not listed get a type
	// guessed from their values.
	FieldTypes map[string]kommo.FieldType
	// Skip, if set, leaves a record out before it is mapped, with a reason
	// for the report (a deleted record).
	Skip func(header []string, rec []string) (string, bool)
	// Journal is the import journal of the file ("" keeps none).
	Journal string
}

// MigrateOptions configure a migration. The zero value of each field
// selects the default shown.
type MigrateOptions struct {
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
	Lookup    LookupStrategy
	// Progress, if set, is called after every batch of every file.
	Progress func(file string, p Progress)
	// Results, if set, is given each file's import result when the file's
	// import ends (a stopped one too), with a row result for every row the
	// import saw: for result files in the input's columns (WriteResults).
	Results func(file string, res *Result)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// MigrationReport is what a migration did, for the consultant and the
// client: counts per entity, merged duplicates, rows left out and why, and
// values that matched nothing.
type MigrationReport struct {
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
	// Regions are the regions the file's phones without a country code
	// were read in, with where each came from, and how many rows.
	Regions  []RegionCount `json:"regions,omitempty"`
	Resumed  int           `json:"resumed,omitempty"`
	Journal  string        `json:"journal,omitempty"`
	Selected int           `json:"selected,omitempty"` // sample runs: rows in the sample
}

// RegionCount is how many rows read their phones without a country code
// in a region (see mapping.RegionUse).
type RegionCount struct {
	Region string               `json:"region"` // ISO 3166 code
	From   mapping.RegionSource `json:"from"`   // spec, column or account
	Column string               `json:"column,omitempty"`
	Rows   int                  `json:"rows"`
}

// String reads like `US (column "Country"): 120 rows`.
func (c RegionCount) String() string {
	rows := "rows"
	if c.Rows == 1 {
		rows = "row"
	}
	return fmt.Sprintf("%s: %d %s", mapping.RegionUse{Region: c.Region, From: c.From, Column: c.Column}, c.Rows, rows)
}

// RegionCounts lists a report's regions, most rows first.
func RegionCounts(regions map[mapping.RegionUse]int) []RegionCount {
	out := make([]RegionCount, 0, len(regions))
	for u, n := range regions {
		out = append(out, RegionCount{Region: u.Region, From: u.From, Column: u.Column, Rows: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rows != out[j].Rows {
			return out[i].Rows > out[j].Rows
		}
		return out[i].String() < out[j].String()
	})
	return out
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
	Action Action                   `json:"action"`
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
		names[i] = fmt.Sprintf("%s %q (%s)", singular(f.Entity), f.Name, f.Type)
	}
	return "the account has no custom fields " + strings.Join(names, ", ") + "; create them (--create-fields) or leave their columns out of the mapping"
}

// migFile is the state of one file during a migration.
type migFile struct {
	MigrationFile
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
	lock    *JournalLock                    // the journal's, for the whole run
	// regions counts the rows whose phones without a country code were
	// read in each region (the validation pass).
	regions map[mapping.RegionUse]int
	// foldWarn are the warnings of folded duplicates (line → warnings):
	// they land with the row they duplicate.
	foldWarn map[int][]*mapping.RowWarning
}

type stageTuple struct {
	pipeline string
	cells    []string
	rows     int
}

// stagePlan is where a leads file's pipeline and stage come from.
type stagePlan struct {
	pipelineCol string // "" without
	// pipelineConst is the spec's constant pipeline when it has no
	// pipeline column: stages are found in it, and it stays the rows'.
	pipelineConst string
	pipelineMap   map[string]string
	cols          []string            // status columns, in order
	maps          []map[string]string // the spec's value map of each column
	removeCols    []int               // spec.Columns indexes to drop
	removeJoins   []int
}

// migration is one running Migrate.
type migration struct {
	c       *kommo.Client
	opts    MigrateOptions
	schema  *mapping.Schema
	res     *mapping.Resolver
	files   []*migFile
	rep     *MigrationReport
	idField map[kommo.EntityType]int // entity → id of IDField (negative: would be created)
	account map[kommo.EntityType]*accountIndex
	keys    map[kommo.EntityType]map[string]int // source key → Kommo id
	claims  []claimWrite
}

// accountIndex is what the account holds of one entity, by source id and
// by dedupe key.
type accountIndex struct {
	byKey   map[string]int  // source id → Kommo id
	byDedup map[string]int  // "email:x" → Kommo id
	extOf   map[int]string  // Kommo id → source id
	tasks   map[string]bool // tasks: natural keys
}

// claimWrite gives an existing record the source id of the row merged
// into it, so that the import (and every later run) finds it by that id.
type claimWrite struct {
	entity kommo.EntityType
	id     int
	key    string
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
func Migrate(ctx context.Context, c *kommo.Client, files []MigrationFile, opts MigrateOptions) (*MigrationReport, error) {
	if opts.IDField == "" {
		opts.IDField = DefaultIDField
	}
	if opts.JobID == "" {
		opts.JobID = "migration"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &migration{c: c, opts: opts, idField: map[kommo.EntityType]int{}, account: map[kommo.EntityType]*accountIndex{},
		keys: map[kommo.EntityType]map[string]int{},
		rep:  &MigrationReport{Started: opts.Now(), DryRun: opts.DryRun, Sample: opts.Sample, IDField: opts.IDField}}
	for i, f := range files {
		if f.Spec == nil || f.Open == nil {
			return m.rep, fmt.Errorf("migrate: file %q has no spec or no reader", f.Name)
		}
		mf := &migFile{MigrationFile: f, idx: i, primary: f.Spec.Entity}
		if _, ok := migrationOrder[mf.primary]; !ok {
			return m.rep, fmt.Errorf("migrate: %s: cannot migrate %q", f.Name, mf.primary)
		}
		m.files = append(m.files, mf)
	}
	slices.SortStableFunc(m.files, func(a, b *migFile) int { return cmp.Compare(migrationOrder[a.primary], migrationOrder[b.primary]) })
	// The run holds every file's journal from the start: a second run of
	// the same migration must not create fields or write records either.
	if !opts.DryRun {
		for _, f := range m.files {
			if f.Journal == "" {
				continue
			}
			l, err := LockJournal(f.Journal)
			if err != nil {
				m.unlock()
				return m.rep, fmt.Errorf("migrate: %w", err)
			}
			f.lock = l
		}
		defer m.unlock()
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
}

func (m *migration) run(ctx context.Context) error {
	schema, err := FetchSchema(ctx, m.c)
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
	if len(m.rep.Unmatched) > 0 {
		sort.SliceStable(m.rep.Unmatched, func(i, j int) bool { return m.rep.Unmatched[i].File < m.rep.Unmatched[j].File })
		return &UnmatchedError{Values: m.rep.Unmatched}
	}
	if !m.opts.DryRun {
		if err := m.createFields(ctx); err != nil {
			return err
		}
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
	return nil
}

// eachRecord reads f's good records; bad rows are left to the validation
// pass, which reports them. A read error that ends the file (a cell over
// the limit, say) or a cancelled ctx stops it.
func (f *migFile) eachRecord(ctx context.Context, fn func(mapping.Record)) error {
	t, err := f.Open()
	if err != nil {
		return err
	}
	defer t.Close()
	f.header = t.Header()
	for rec, err := range mapping.Records(t) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if !mapping.EndsTable(err) {
				continue // reported by the validation pass
			}
			if errors.As(err, new(*mapping.RowError)) {
				return err // it names the file, row and column
			}
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		fn(rec)
	}
	return nil
}

// interesting are the columns whose distinct values the pre-pass keeps:
// owners, and custom fields the account may lack.
func (m *migration) interesting(f *migFile) map[string]bool {
	cols := map[string]bool{}
	for _, c := range f.Spec.Columns {
		e := entityOf(f.Spec, c.Entity)
		if mapping.Normalize(c.Field) == "responsible user" {
			cols[c.Column] = true
			continue
		}
		if _, std, err := m.res.Field(e, c.Field); !std && err != nil {
			cols[c.Column] = true
		}
	}
	for _, j := range f.Spec.Join {
		e := entityOf(f.Spec, j.Entity)
		if _, std, err := m.res.Field(e, j.Field); !std && err != nil {
			cols[joinName(j)] = true
		}
	}
	return cols
}

func joinName(j mapping.JoinSpec) string { return strings.Join(j.Columns, " + ") }

func entityOf(s *mapping.Spec, e kommo.EntityType) kommo.EntityType {
	if e == "" {
		return s.Entity
	}
	return e
}

// prepass reads a file once: its header, rows to skip, the distinct values
// of the columns that need resolving, and the stage tuples of leads.
func (m *migration) prepass(ctx context.Context, f *migFile) error {
	t, err := f.Open()
	if err != nil {
		return err
	}
	f.header = t.Header()
	t.Close()
	f.values = map[string]map[string]int{}
	f.tuples = map[string]*stageTuple{}
	f.skip = map[int]string{}
	idx := map[string]int{}
	for i, h := range f.header {
		if _, ok := idx[h]; !ok {
			idx[h] = i
		}
	}
	cols := m.interesting(f)
	if f.primary == kommo.EntityLeads {
		f.stage = stageColumns(f.Spec)
	}
	cell := func(rec mapping.Record, col string) string {
		if i, ok := idx[col]; ok && i < len(rec.Values) {
			return strings.TrimSpace(rec.Values[i])
		}
		return ""
	}
	return f.eachRecord(ctx, func(rec mapping.Record) {
		f.rows++
		if f.Skip != nil {
			if why, ok := f.Skip(f.header, rec.Values); ok {
				f.skip[rec.Row] = why
				return
			}
		}
		for col := range cols {
			var v string
			if strings.Contains(col, " + ") {
				var parts []string
				for _, c := range strings.Split(col, " + ") {
					parts = append(parts, cell(rec, c))
				}
				v = mapping.JoinColumns(" ", parts...)
			} else {
				v = cell(rec, col)
			}
			if v == "" {
				continue
			}
			if f.values[col] == nil {
				f.values[col] = map[string]int{}
			}
			f.values[col][v]++
		}
		if f.stage != nil {
			tp := &stageTuple{pipeline: f.stage.pipelineConst}
			if f.stage.pipelineCol != "" {
				tp.pipeline = cell(rec, f.stage.pipelineCol)
			}
			for _, c := range f.stage.cols {
				tp.cells = append(tp.cells, cell(rec, c))
			}
			k := f.stage.key(tp)
			if k == "" {
				return
			}
			if have := f.tuples[k]; have != nil {
				have.rows++
			} else {
				tp.rows = 1
				f.tuples[k] = tp
			}
		}
	})
}

// stageColumns finds where a leads spec takes pipeline and stage from.
func stageColumns(s *mapping.Spec) *stagePlan {
	p := &stagePlan{}
	for i, c := range s.Columns {
		if c.Entity != "" && c.Entity != kommo.EntityLeads {
			continue
		}
		switch mapping.Normalize(c.Field) {
		case "pipeline", "pipeline id":
			if p.pipelineCol == "" {
				p.pipelineCol, p.pipelineMap = c.Column, c.Map
				p.removeCols = append(p.removeCols, i)
			}
		case "status", "status id", "stage":
			p.cols = append(p.cols, c.Column)
			p.maps = append(p.maps, c.Map)
			p.removeCols = append(p.removeCols, i)
		}
	}
	for i, j := range s.Join {
		if j.Entity != "" && j.Entity != kommo.EntityLeads {
			continue
		}
		if n := mapping.Normalize(j.Field); n == "status" || n == "stage" || n == "status id" {
			p.cols = append(p.cols, j.Columns...)
			for range j.Columns {
				p.maps = append(p.maps, j.Map)
			}
			p.removeJoins = append(p.removeJoins, i)
		}
	}
	if p.pipelineCol == "" && len(p.cols) == 0 {
		return nil
	}
	if p.pipelineCol == "" {
		for _, c := range s.Constants {
			if n := mapping.Normalize(c.Field); (c.Entity == "" || c.Entity == kommo.EntityLeads) && (n == "pipeline" || n == "pipeline id") {
				p.pipelineConst = c.Value
			}
		}
	}
	return p
}

// mapped applies the spec's value maps of the stage columns to a tuple
// (Bitrix24's "Сделка успешна" → won).
func (p *stagePlan) mapped(t *stageTuple) *stageTuple {
	out := &stageTuple{pipeline: t.pipeline, rows: t.rows, cells: slices.Clone(t.cells)}
	if p.pipelineConst != "" {
		return p.mappedCells(out) // the constant is the pipeline, as written
	}
	if to, ok := lookupTable(p.pipelineMap, t.pipeline); ok && t.pipeline != "" {
		out.pipeline = to
	}
	return p.mappedCells(out)
}

// mappedCells applies the value maps of the stage columns to t's cells.
func (p *stagePlan) mappedCells(out *stageTuple) *stageTuple {
	for i, c := range out.cells {
		if i < len(p.maps) && c != "" {
			if to, ok := lookupTable(p.maps[i], c); ok {
				out.cells[i] = to
			}
		}
	}
	return out
}

// columns are the columns of the joins that replace the stage columns.
func (p *stagePlan) columns() []string {
	if p.pipelineCol == "" {
		return p.cols
	}
	return append([]string{p.pipelineCol}, p.cols...)
}

// key is the value the replacing joins see for a tuple.
func (p *stagePlan) key(t *stageTuple) string {
	parts := t.cells
	if p.pipelineCol != "" {
		parts = append([]string{t.pipeline}, t.cells...)
	}
	return mapping.JoinColumns(" | ", parts...)
}

// fields finds the custom fields the specs name and the account lacks,
// and the IDField of every entity keyed by it. Without CreateFields they
// stop the run; with it they join the schema as stand-ins with negative
// ids, created for real by createFields once every check has passed.
func (m *migration) fields() error {
	type need struct {
		e      kommo.EntityType
		name   string
		typ    kommo.FieldType
		values map[string]int
	}
	var needs []*need
	byKey := map[string]*need{}
	add := func(f *migFile, e kommo.EntityType, name, col string) {
		if _, std, err := m.res.Field(e, name); std || err == nil {
			return
		}
		k := string(e) + "/" + mapping.Normalize(name)
		n := byKey[k]
		if n == nil {
			n = &need{e: e, name: name, values: map[string]int{}}
			byKey[k] = n
			needs = append(needs, n)
		}
		if t := f.FieldTypes[mapping.TypeKey(e, name)]; t != "" && n.typ == "" {
			n.typ = t
		}
		for v, c := range f.values[col] {
			n.values[v] += c
		}
	}
	for _, f := range m.files {
		for e, key := range matchFields(f.Spec) {
			add(f, e, key, "")
		}
		for _, c := range f.Spec.Columns {
			add(f, entityOf(f.Spec, c.Entity), c.Field, c.Column)
		}
		for _, j := range f.Spec.Join {
			add(f, entityOf(f.Spec, j.Entity), j.Field, joinName(j))
		}
	}
	if len(needs) == 0 {
		m.findIDFields()
		return nil
	}
	var want []CreatedField
	for _, n := range needs {
		if n.typ == "" {
			n.typ = guessType(n.values)
		}
		cf := CreatedField{Entity: n.e, Name: n.name, Type: n.typ}
		if n.typ.IsEnum() {
			for v := range n.values {
				cf.Options = append(cf.Options, v)
			}
			if n.typ == kommo.FieldMultiselect {
				cf.Options = splitOptions(cf.Options)
			}
			sort.Strings(cf.Options)
		}
		want = append(want, cf)
	}
	if !m.opts.CreateFields {
		return &MissingFieldsError{Fields: want}
	}
	if m.schema.Fields == nil {
		m.schema.Fields = map[kommo.EntityType][]*kommo.CustomField{}
	}
	for i, cf := range want {
		fake := -(i + 1)
		f := &kommo.CustomField{ID: fake, Name: cf.Name, Type: cf.Type, EntityType: cf.Entity}
		for j, o := range cf.Options {
			f.Enums = append(f.Enums, kommo.Enum{ID: fake*1000 - j, Value: o, Sort: 10 * (j + 1)})
		}
		m.schema.Fields[cf.Entity] = append(m.schema.Fields[cf.Entity], f)
	}
	m.rep.FieldsCreated = want
	m.res = mapping.NewResolver(m.schema)
	m.findIDFields()
	return nil
}

// createFields creates the stand-in fields in the account and compiles
// the files' specs again against the real ones.
func (m *migration) createFields(ctx context.Context) error {
	if len(m.rep.FieldsCreated) == 0 {
		return nil
	}
	for i := range m.rep.FieldsCreated {
		cf := &m.rep.FieldsCreated[i]
		var enums []kommo.Enum
		for j, o := range cf.Options {
			enums = append(enums, kommo.Enum{Value: o, Sort: 10 * (j + 1)})
		}
		res, _, err := m.c.CustomFields.Create(ctx, cf.Entity, []kommo.CustomFieldRequest{{Name: cf.Name, Type: cf.Type, Enums: enums}})
		if err != nil {
			return fmt.Errorf("create %s field %q: %w", singular(cf.Entity), cf.Name, err)
		}
		if len(res) != 1 {
			return fmt.Errorf("create %s field %q: no field in the answer", singular(cf.Entity), cf.Name)
		}
		made := res[0]
		if len(made.Enums) < len(enums) {
			// A thin answer: read the field back for its options.
			full, _, err := m.c.CustomFields.Get(ctx, cf.Entity, made.ID)
			if err != nil {
				return fmt.Errorf("read %s field %q back: %w", singular(cf.Entity), cf.Name, err)
			}
			made = full
		}
		cf.ID = made.ID
		fs := m.schema.Fields[cf.Entity]
		for k, f := range fs {
			if f.ID == -(i + 1) {
				fs[k] = made
			}
		}
	}
	m.res = mapping.NewResolver(m.schema)
	m.findIDFields()
	for _, f := range m.files {
		mp, err := mapping.Compile(f.Spec, m.schema, f.header)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		f.mapper = mp
	}
	return nil
}

// matchFields are the custom fields the specs match by: entity → name.
func matchFields(s *mapping.Spec) map[kommo.EntityType]string {
	out := map[kommo.EntityType]string{}
	add := func(e kommo.EntityType, k string) {
		if name, ok := strings.CutPrefix(k, "field:"); ok {
			out[e] = name
		}
	}
	add(s.Entity, s.Match.Primary)
	for e, k := range s.Match.ByEntity {
		add(e, k)
	}
	return out
}

func (m *migration) findIDFields() {
	for _, e := range []kommo.EntityType{kommo.EntityCompanies, kommo.EntityContacts, kommo.EntityLeads} {
		if f, _, err := m.res.Field(e, m.opts.IDField); err == nil && f != nil {
			m.idField[e] = f.ID
		}
	}
}

// guessType picks a field type from a column's values: numbers, dates, a
// few values repeated (a select), or text.
func guessType(values map[string]int) kommo.FieldType {
	if len(values) == 0 {
		return kommo.FieldText
	}
	num, date, rows := true, true, 0
	for v, n := range values {
		rows += n
		if _, err := mapping.ParseNumber(v, mapping.DecimalPoint); err != nil {
			num = false
		}
		if !looksDate(v) {
			date = false
		}
	}
	switch {
	case num:
		return kommo.FieldNumeric
	case date:
		return kommo.FieldDate
	case len(values) <= 30 && rows >= 2*len(values):
		return kommo.FieldSelect
	}
	return kommo.FieldText
}

func looksDate(v string) bool {
	digits, seps := 0, 0
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' || r == '-' || r == '/':
			seps++
		case r == ' ' || r == ':' || r == 'T' || r == 'Z':
		default:
			return false
		}
	}
	return digits >= 6 && seps >= 2
}

func splitOptions(vals []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vals {
		for _, p := range mapping.SplitValues(v, "") {
			if p = strings.TrimSpace(p); p != "" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// owners resolves every owner value of every file: by the Users table,
// then by the account's user names and e-mails. The columns get a value
// map to the user ids.
func (m *migration) owners() {
	seen := map[string]bool{}
	for _, f := range m.files {
		for i, c := range f.Spec.Columns {
			if mapping.Normalize(c.Field) != "responsible user" {
				continue
			}
			vm := map[string]string{}
			for _, v := range slices.Sorted(maps.Keys(f.values[c.Column])) { // a stable report
				rows := f.values[c.Column][v]
				src := v
				if t, ok := lookupTable(c.Map, v); ok {
					src = t
				}
				to, by := src, "name"
				if t, ok := lookupTable(m.opts.Users, src); ok {
					to, by = t, "table"
				}
				id, err := m.res.User(to)
				if err != nil {
					u := Unmatched{File: f.Name, Column: c.Column, Kind: "user", Value: v, Rows: rows}
					var ne *mapping.NameError
					if errors.As(err, &ne) {
						u.Closest = ne.Closest
					}
					if errors.Is(err, mapping.ErrUsersHidden) {
						u.Reason = mapping.ErrUsersHidden.Error()
					} else if len(u.Closest) == 0 {
						u.Closest = mapping.Closest(to, m.res.Users(), 3)
					}
					m.addUnmatched(u)
					continue
				}
				vm[v] = strconv.Itoa(id)
				if !seen[v] {
					seen[v] = true
					m.rep.Owners = append(m.rep.Owners, ValueMatch{Value: v, To: m.userName(id), By: by})
				}
			}
			f.Spec.Columns[i].Map = vm
		}
	}
	sort.Slice(m.rep.Owners, func(i, j int) bool { return m.rep.Owners[i].Value < m.rep.Owners[j].Value })
}

func (m *migration) userName(id int) string {
	for _, u := range m.schema.Users {
		if u.ID == id {
			return u.Name
		}
	}
	return strconv.Itoa(id)
}

// lookupTable finds v in a table whose keys compare after Normalize (or
// lower-cased, for e-mails and ids).
func lookupTable(t map[string]string, v string) (string, bool) {
	if len(t) == 0 {
		return "", false
	}
	if to, ok := t[v]; ok {
		return to, true
	}
	nv := mapping.Normalize(v)
	for k, to := range t {
		if mapping.Normalize(k) == nv && nv != "" || strings.EqualFold(strings.TrimSpace(k), strings.TrimSpace(v)) {
			return to, true
		}
	}
	return "", false
}

// Outcome words of exports that keep a deal's status apart from its stage
// (Pipedrive's "Deal - Status"): won and lost are 142 and 143, open means
// "look at the stage".
var (
	outcomeWon  = []string{"won", "vyhraný", "vyhráno", "gewonnen", "ganado", "ganho", "выиграна", "успешно"}
	outcomeLost = []string{"lost", "prohraný", "prohráno", "verloren", "perdido", "проиграна", "провалена"}
	outcomeOpen = []string{"open", "otevřený", "otevřeno", "offen", "abierto", "aberto", "открыта", "в работе", "deleted", "smazaný"}
)

func isOneOf(v string, list []string) bool {
	n := mapping.Normalize(v)
	for _, w := range list {
		if mapping.Normalize(w) == n {
			return true
		}
	}
	return false
}

// stages resolves the (pipeline, stage) tuples of every leads file and
// replaces its stage columns with two joins mapped to the ids.
func (m *migration) stages() {
	seen := map[string]bool{}
	for _, f := range m.files {
		p := f.stage
		if p == nil {
			continue
		}
		pm, sm := map[string]string{}, map[string]string{}
		keys := make([]string, 0, len(f.tuples))
		for k := range f.tuples {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			tp := f.tuples[k]
			pid, sid, by, u := m.resolveStage(p.mapped(tp))
			if u != nil {
				u.File, u.Rows = f.Name, tp.rows
				for ; u != nil; u = u.also {
					u.File, u.Rows = f.Name, tp.rows
					if u.Kind == "pipeline" && p.pipelineCol != "" {
						u.Column = p.pipelineCol
					} else {
						u.Column = strings.Join(p.cols, " + ")
					}
					m.addUnmatched(*u)
				}
				continue
			}
			pm[k], sm[k] = "", ""
			if pid != 0 {
				pm[k] = strconv.Itoa(pid)
			}
			if sid != 0 {
				sm[k] = strconv.Itoa(sid)
			}
			if !seen[k] {
				seen[k] = true
				m.rep.Stages = append(m.rep.Stages, ValueMatch{Value: k, To: m.stageName(pid, sid), By: by})
			}
		}
		s := f.Spec
		var cols []mapping.ColumnSpec
		for i, c := range s.Columns {
			if !slices.Contains(p.removeCols, i) {
				cols = append(cols, c)
			}
		}
		var joins []mapping.JoinSpec
		for i, j := range s.Join {
			if !slices.Contains(p.removeJoins, i) {
				joins = append(joins, j)
			}
		}
		src := p.columns()
		if p.pipelineConst == "" {
			joins = append(joins, mapping.JoinSpec{Columns: src, Separator: " | ", Target: mapping.Target{Field: "pipeline", Map: pm}})
		}
		joins = append(joins, mapping.JoinSpec{Columns: src, Separator: " | ", Target: mapping.Target{Field: "status", Map: sm}})
		s.Columns, s.Join = cols, joins
	}
}

// addUnmatched records a value that matches nothing, once per file,
// column, kind and value.
func (m *migration) addUnmatched(u Unmatched) {
	for i, have := range m.rep.Unmatched {
		if have.File == u.File && have.Column == u.Column && have.Kind == u.Kind && have.Value == u.Value {
			m.rep.Unmatched[i].Rows += u.Rows
			return
		}
	}
	u.also = nil
	m.rep.Unmatched = append(m.rep.Unmatched, u)
}

// stageName names a pipeline's stage for the report.
func (m *migration) stageName(pid, sid int) string {
	if pid == 0 && sid == 0 {
		return "(none)"
	}
	for _, p := range m.schema.Pipelines {
		if p.ID != pid {
			continue
		}
		for _, st := range p.Statuses() {
			if st.ID == sid {
				return p.Name + " / " + st.Name
			}
		}
		if sid == 0 {
			return p.Name
		}
		return p.Name + " / " + strconv.Itoa(sid)
	}
	return fmt.Sprintf("%d / %d", pid, sid)
}

// resolveStage finds the pipeline and status of one tuple: the Stages
// table first, then the names in the account; an outcome column's won or
// lost wins over the stage.
func (m *migration) resolveStage(tp *stageTuple) (pid, sid int, by string, u *Unmatched) {
	if tp.pipeline != "" {
		to, pby := tp.pipeline, "name"
		if t, ok := lookupTable(m.opts.Pipelines, tp.pipeline); ok {
			to, pby = t, "table"
		}
		id, err := m.res.Pipeline(to)
		if err != nil {
			pu := &Unmatched{Kind: "pipeline", Value: tp.pipeline}
			var ne *mapping.NameError
			if errors.As(err, &ne) {
				pu.Closest = ne.Closest
			}
			// Report the stage too, when it matches nothing anywhere.
			notp := *tp
			notp.pipeline = ""
			if _, _, _, su := m.resolveStage(&notp); su != nil {
				pu.also = su
			}
			return 0, 0, "", pu
		}
		pid, by = id, pby
	}
	var lastErr error
	var last string
	for _, c := range tp.cells {
		if c == "" {
			continue
		}
		target, tby := c, "name"
		if t, ok := lookupTable(m.opts.Stages, tp.pipeline+"/"+c); ok && tp.pipeline != "" {
			target, tby = t, "table"
		} else if t, ok := lookupTable(m.opts.Stages, c); ok {
			target, tby = t, "table"
		} else if isOneOf(c, outcomeOpen) {
			continue
		} else if isOneOf(c, outcomeWon) {
			target = "won"
		} else if isOneOf(c, outcomeLost) {
			target = "lost"
		}
		p2, s2, err := m.stageTarget(target, pid)
		if err == nil {
			if tby == "table" || by == "" {
				by = tby
			}
			return p2, s2, by, nil
		}
		lastErr, last = err, c
		if tby == "table" {
			break
		}
	}
	if lastErr == nil {
		return pid, 0, by, nil // only "open": the pipeline's first stage
	}
	u = &Unmatched{Kind: "stage", Value: last}
	var ne *mapping.NameError
	if errors.As(lastErr, &ne) {
		u.Closest = ne.Closest
		if ne.Kind == "pipeline" {
			u.Kind = "pipeline"
		}
	}
	if len(u.Closest) == 0 {
		u.Closest = mapping.Closest(last, m.res.Stages(pid), 3)
	}
	return 0, 0, "", u
}

// stageTarget resolves a stage as written in the Stages table or the
// file: "Stage", "Pipeline/Stage", won, lost or a status id.
func (m *migration) stageTarget(s string, pid int) (int, int, error) {
	if i := strings.Index(s, "/"); i > 0 {
		if p, err := m.res.Pipeline(strings.TrimSpace(s[:i])); err == nil {
			return m.res.Stage(strings.TrimSpace(s[i+1:]), p)
		}
	}
	return m.res.Stage(s, pid)
}

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

// UnmatchedNames collects the names a file's rows hold that match nothing
// in the account (owners, pipelines, stages, options, task types, ...)
// from the rows' errors: each once per column, kind and value, with its
// rows and the closest names. Migrate and an import stop on them before
// writing, so that one unmatched name never fails its rows one by one.
type UnmatchedNames struct {
	file     string
	resolved map[string]bool // kinds matched value by value before
	byKey    map[[3]string]*Unmatched
	order    [][3]string
}

// NewUnmatchedNames collects the unmatched names of file. The kinds of
// the values in before (found when owners and stages were matched value
// by value: MatchNames) are left out: their rows fail for them again,
// and they are reported already.
func NewUnmatchedNames(file string, before []Unmatched) *UnmatchedNames {
	u := &UnmatchedNames{file: file, resolved: map[string]bool{}, byKey: map[[3]string]*Unmatched{}}
	for _, b := range before {
		if b.File == file {
			u.resolved[b.Kind] = true
		}
	}
	if u.resolved["pipeline"] || u.resolved["stage"] {
		u.resolved["pipeline"], u.resolved["stage"] = true, true
	}
	return u
}

// Add counts the names of one row's errors that match nothing; it
// reports whether there were any.
func (u *UnmatchedNames) Add(errs []*mapping.RowError) bool {
	found := false
	for _, e := range errs {
		var ne *mapping.NameError
		if !errors.As(e, &ne) || u.resolved[ne.Kind] {
			continue
		}
		found = true
		k := [3]string{e.Column, ne.Kind, ne.Name}
		if have := u.byKey[k]; have != nil {
			have.Rows++
			continue
		}
		un := &Unmatched{File: u.file, Column: e.Column, Kind: ne.Kind, Value: ne.Name, Rows: 1, Closest: ne.Closest}
		if len(ne.Ambiguous) > 0 {
			un.Closest = ne.Ambiguous
		}
		u.byKey[k] = un
		u.order = append(u.order, k)
	}
	return found
}

// Values are the names collected, in the order they were first met.
func (u *UnmatchedNames) Values() []Unmatched {
	out := make([]Unmatched, 0, len(u.order))
	for _, k := range u.order {
		out = append(out, *u.byKey[k])
	}
	return out
}

// NameTables map the source values that match nothing by name to Kommo's
// (MigrateOptions' Users, Pipelines and Stages).
type NameTables struct {
	Users, Pipelines, Stages map[string]string
}

// NameMatch is how MatchNames matched a file's names.
type NameMatch struct {
	// Spec is the file's spec with its owner columns mapped to user ids
	// and its stage columns to pipeline and stage ids (a copy: the spec
	// given is left alone).
	Spec *mapping.Spec
	// Owners and Stages are how each source value was matched.
	Owners, Stages []ValueMatch
	// Unmatched are the values that match nothing; with any, MatchNames
	// returns an *UnmatchedError too.
	Unmatched []Unmatched
}

// MatchNames matches the owners, pipelines and stages of one file to the
// account's as Migrate does, before anything is written: every distinct
// value once, by the tables first, then by name (an outcome column's won
// and lost included). Values that match nothing are returned all at once,
// with their rows and the closest names, in an *UnmatchedError (with the
// NameMatch); rows then never fail one by one for them. The other names
// (options, task types) are left to the rows' errors: UnmatchedNames
// collects them. Reading stops at a limit or when ctx is done.
func MatchNames(ctx context.Context, schema *mapping.Schema, file MigrationFile, tables NameTables) (*NameMatch, error) {
	spec, err := cloneSpec(file.Spec)
	if err != nil {
		return nil, err
	}
	file.Spec = spec
	m := &migration{opts: MigrateOptions{Users: tables.Users, Pipelines: tables.Pipelines, Stages: tables.Stages},
		schema: schema, res: mapping.NewResolver(schema), rep: &MigrationReport{}}
	f := &migFile{MigrationFile: file, primary: spec.Entity}
	m.files = []*migFile{f}
	if err := m.prepass(ctx, f); err != nil {
		return nil, err
	}
	m.owners()
	m.stages()
	nm := &NameMatch{Spec: spec, Owners: m.rep.Owners, Stages: m.rep.Stages, Unmatched: m.rep.Unmatched}
	if len(nm.Unmatched) > 0 {
		return nm, &UnmatchedError{Values: nm.Unmatched}
	}
	return nm, nil
}

// cloneSpec is a deep copy of s.
func cloneSpec(s *mapping.Spec) (*mapping.Spec, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	out := &mapping.Spec{}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	return out, nil
}

// dedupeKeys are a row's identities other than its source id: a
// contact's e-mails (lower-cased) and phones (E.164), a company's name.
func (m *migration) dedupeKeys(r *mapping.Row) []string {
	var out []string
	switch r.Entity {
	case kommo.EntityContacts:
		if r.Contact == nil {
			return nil
		}
		if f, ok := r.Contact.CustomFieldsValues.Field(m.fieldID(kommo.EntityContacts, kommo.CodeEmail), kommo.CodeEmail); ok {
			for _, s := range f.Strings() {
				if s = normEmail(s); s != "" {
					out = append(out, "email "+s)
				}
			}
		}
		for _, s := range m.phoneKeys(r, kommo.EntityContacts) {
			out = append(out, "phone "+s)
		}
	case kommo.EntityCompanies:
		if r.Company != nil && r.Company.Name != "" {
			out = append(out, "name "+mapping.Normalize(r.Company.Name))
		}
	}
	return out
}

// multitext returns the PHONE and EMAIL values of a contact or company
// row.
func (m *migration) multitext(r *mapping.Row) kommo.CustomFieldValues {
	var cfv kommo.CustomFieldValues
	switch {
	case r.Entity == kommo.EntityContacts && r.Contact != nil:
		cfv = r.Contact.CustomFieldsValues
	case r.Entity == kommo.EntityCompanies && r.Company != nil:
		cfv = r.Company.CustomFieldsValues
	default:
		return nil
	}
	var out kommo.CustomFieldValues
	for _, code := range []string{kommo.CodePhone, kommo.CodeEmail} {
		if f, ok := cfv.Field(m.fieldID(r.Entity, code), code); ok {
			out = append(out, f)
		}
	}
	return out
}

// fold adds the phones and e-mails of folded duplicates to a row.
func fold(cfv *kommo.CustomFieldValues, extra kommo.CustomFieldValues) {
	for _, x := range extra {
		have, ok := cfv.Field(x.FieldID, x.FieldCode)
		if !ok {
			cfv.Set(x)
			continue
		}
		seen := map[string]bool{}
		for _, s := range have.Strings() {
			seen[strings.ToLower(strings.TrimSpace(s))] = true
		}
		for i, v := range x.Values {
			if s := x.Strings()[i]; !seen[strings.ToLower(strings.TrimSpace(s))] {
				seen[strings.ToLower(strings.TrimSpace(s))] = true
				have.Values = append(have.Values, v)
			}
		}
		cfv.Set(have)
	}
}

// fieldID is the id of a custom field of e by code, or 0.
func (m *migration) fieldID(e kommo.EntityType, code string) int {
	if f, _, err := m.res.Field(e, code); err == nil && f != nil {
		return f.ID
	}
	return 0
}

// scanAccount indexes the records the account already has, for every
// entity the migration writes: by source id, and by e-mail, phone or name.
func (m *migration) scanAccount(ctx context.Context) error {
	need := map[kommo.EntityType]bool{}
	for _, f := range m.files {
		need[f.primary] = true
		for _, refs := range f.refs {
			for e := range refs {
				need[e] = true
			}
		}
	}
	for e := range need {
		idx := &accountIndex{byKey: map[string]int{}, byDedup: map[string]int{}, extOf: map[int]string{}, tasks: map[string]bool{}}
		m.account[e] = idx
		fid := m.idField[e]
		if e != kommo.EntityTasks && fid <= 0 && e != kommo.EntityContacts && e != kommo.EntityCompanies {
			continue
		}
		for v, err := range listViews(ctx, m.c, e, kommo.EntityFilters{}, kommo.MaxBatch) {
			if err != nil {
				return fmt.Errorf("read the account's %s: %w", e, err)
			}
			if e == kommo.EntityTasks {
				idx.tasks[taskKey(v.EntityType, v.EntityID, v.Text, v.CompleteTill)] = true
				continue
			}
			if fid > 0 {
				if f, ok := v.CFV.Field(fid, ""); ok {
					for _, s := range f.Strings() {
						if s = strings.TrimSpace(s); s != "" {
							idx.byKey[s] = v.ID
							idx.extOf[v.ID] = s
						}
					}
				}
			}
			row := &mapping.Row{Entity: e}
			switch e {
			case kommo.EntityContacts:
				row.Contact = &kommo.ContactRequest{CustomFieldsValues: v.CFV}
			case kommo.EntityCompanies:
				row.Company = &kommo.CompanyRequest{Name: v.Name}
			}
			for _, k := range m.dedupeKeys(row) {
				if _, ok := idx.byDedup[k]; !ok {
					idx.byDedup[k] = v.ID
				}
			}
		}
	}
	return nil
}

func taskKey(e kommo.EntityType, id int, text string, till int64) string {
	return fmt.Sprintf("%s|%d|%s|%d", e, id, mapping.Normalize(text), till)
}

// dedupe finds the rows of contacts and companies files that are the same
// person or company as an earlier row, or as a record the account has: by
// e-mail (lower-cased), phone (E.164) or, for companies, name. Such a row
// is written into that record instead of creating another.
func (m *migration) dedupe() {
	for _, f := range m.files {
		if f.primary != kommo.EntityContacts && f.primary != kommo.EntityCompanies {
			continue
		}
		if m.idField[f.primary] == 0 || f.Spec.Key == "" {
			continue
		}
		f.aliases = map[int]string{}
		acc := m.account[f.primary]
		owner := map[string]string{} // dedupe key → source key of its first row
		ownerLine := map[string]int{}
		lines := make([]int, 0, len(f.dedupe))
		for l := range f.dedupe {
			lines = append(lines, l)
		}
		sort.Ints(lines)
		claimed := map[int]bool{}
		for _, line := range lines {
			key := keyAt(f, line)
			if key == "" {
				continue
			}
			ids := f.dedupe[line]
			if _, migrated := acc.byKey[key]; migrated {
				for _, d := range ids {
					if _, ok := owner[d]; !ok {
						owner[d], ownerLine[d] = key, line
					}
				}
				continue
			}
			merged := false
			for _, d := range ids {
				if k0, ok := owner[d]; ok && k0 != key {
					f.aliases[line] = k0
					if l0, ok := f.keys[k0]; ok && l0 == ownerLine[d] {
						if f.folded == nil {
							f.folded, f.extra = map[int]int{}, map[int]kommo.CustomFieldValues{}
						}
						f.folded[line] = l0
						f.extra[l0] = append(f.extra[l0], f.multi[line]...)
					}
					m.rep.Merges = append(m.rep.Merges, Merge{File: f.Name, Line: line, Entity: f.primary, Key: key, By: d,
						Into: fmt.Sprintf("row %d (%s %s)", ownerLine[d], f.Spec.Key, k0)})
					merged = true
					break
				}
				if id, ok := acc.byDedup[d]; ok {
					if ext := acc.extOf[id]; ext != "" && ext != key {
						f.aliases[line] = ext
					} else if !claimed[id] {
						claimed[id] = true
						m.claims = append(m.claims, claimWrite{entity: f.primary, id: id, key: key})
						acc.byKey[key], acc.extOf[id] = id, key
					}
					m.rep.Merges = append(m.rep.Merges, Merge{File: f.Name, Line: line, Entity: f.primary, Key: key, By: d,
						Into: fmt.Sprintf("Kommo %s %d", singular(f.primary), id)})
					merged = true
					break
				}
			}
			into := key
			if a := f.aliases[line]; a != "" {
				into = a
			}
			for _, d := range ids {
				if _, ok := owner[d]; !ok {
					owner[d], ownerLine[d] = into, line
				}
			}
			_ = merged
		}
	}
}

// sample picks the rows of a sample run: the first Sample rows of the last
// file, and the rows of the other files they refer to (and the tasks that
// refer to them).
func (m *migration) sample() {
	if len(m.files) == 0 {
		return
	}
	want := map[kommo.EntityType]map[string]bool{}
	mark := func(e kommo.EntityType, k string) {
		if want[e] == nil {
			want[e] = map[string]bool{}
		}
		for _, p := range splitRef(k) {
			want[e][p] = true
		}
	}
	top := m.files[len(m.files)-1]
	for i := len(m.files) - 1; i >= 0; i-- {
		if m.files[i].primary != kommo.EntityTasks {
			top = m.files[i]
			break
		}
	}
	for i := len(m.files) - 1; i >= 0; i-- {
		f := m.files[i]
		f.select_ = map[int]bool{}
		lines := sortedLines(f.keys)
		for _, l := range lines {
			key := keyAt(f, l)
			pick := f == top && len(f.select_) < m.opts.Sample
			if !pick && want[f.primary][key] {
				pick = true
			}
			if f.primary == kommo.EntityTasks {
				for e, k := range f.refs[l] {
					for _, p := range splitRef(k) {
						if want[e][p] {
							pick = true
						}
					}
				}
			}
			if !pick {
				continue
			}
			f.select_[l] = true
			mark(f.primary, key)
			for e, k := range f.refs[l] {
				mark(e, k)
			}
		}
		// Rows without a key are only migrated by full runs.
	}
	// Tasks come after their deals: pick them once the others are known.
	for _, f := range m.files {
		if f.primary != kommo.EntityTasks {
			continue
		}
		for l, refs := range f.refs {
			for e, k := range refs {
				for _, p := range splitRef(k) {
					if want[e][p] {
						f.select_[l] = true
					}
				}
			}
		}
	}
}

func sortedLines(keys map[string]int) []int {
	out := make([]int, 0, len(keys))
	for _, l := range keys {
		out = append(out, l)
	}
	sort.Ints(out)
	return out
}

// keyAt is the key of the row at line: "" if it has none or repeats the
// key of an earlier row. It reverses f.keys (complete once validate has
// read the file) on first use, so a lookup costs the same at any size.
func keyAt(f *migFile, line int) string {
	if f.keyOf == nil {
		f.keyOf = make(map[int]string, len(f.keys))
		for k, l := range f.keys {
			f.keyOf[l] = k
		}
	}
	return f.keyOf[line]
}

// splitRef splits a cell of several related ids ("101;102", "101, 102").
func splitRef(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// writeClaims gives the existing records that rows were merged into the
// rows' source ids.
func (m *migration) writeClaims(ctx context.Context) error {
	for _, cw := range m.claims {
		fid := m.idField[cw.entity]
		cfv := kommo.CustomFieldValues{{FieldID: fid, Values: []kommo.FieldValue{kommo.Text(cw.key)}}}
		var err error
		switch cw.entity {
		case kommo.EntityContacts:
			_, _, err = m.c.Contacts.Update(ctx, []kommo.ContactRequest{{ID: cw.id, CustomFieldsValues: cfv}})
		case kommo.EntityCompanies:
			_, _, err = m.c.Companies.Update(ctx, []kommo.CompanyRequest{{ID: cw.id, CustomFieldsValues: cfv}})
		}
		if err != nil {
			return fmt.Errorf("mark %s %d with %s %q: %w", singular(cw.entity), cw.id, m.opts.IDField, cw.key, err)
		}
	}
	return nil
}

// ref resolves a reference to a row of another file: this run's keys,
// then the account's records by source id. Cells with several ids use
// the first that resolves.
func (m *migration) ref(e kommo.EntityType, key string) (int, bool) {
	for _, k := range splitRef(key) {
		if id := m.keys[e][k]; id != 0 {
			return id, true
		}
		if acc := m.account[e]; acc != nil {
			if id := acc.byKey[k]; id != 0 {
				return id, true
			}
		}
		if m.opts.DryRun {
			for _, f := range m.files {
				if f.primary == e {
					if _, ok := f.keys[k]; ok {
						return -1, true // would be created by this run
					}
				}
			}
		}
	}
	return 0, false
}

// importFile imports one file through the engine.
func (m *migration) importFile(ctx context.Context, f *migFile) error {
	mode := ModeUpsert
	if f.Spec.Match.For(f.primary, true) == "" || f.primary == kommo.EntityTasks {
		mode = ModeCreate
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
			resume = true // a journal Import cannot read stops it with the reason
		}
	}
	// The rows the journal knows of (done, written, or sent without an
	// answer) are the resumed import's: a task a stopped run created is
	// in the account, but it is this job's, not one that was there.
	var known func(line int) bool
	if resume && f.primary == kommo.EntityTasks {
		st, err := readJournal(journal)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		known = func(line int) bool {
			_, done := st.rows[line]
			return done || len(st.written[line]) > 0 || len(st.pending[line]) > 0
		}
	}
	extra := map[int][]string{} // line → further related keys (several ids in one cell)
	skipped, already := 0, 0
	items := func(yield func(Item) bool) {
		t, err := f.Open()
		if err != nil {
			yield(Item{Errs: []*mapping.RowError{{File: f.Name, Err: err}}})
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
				if f.primary == kommo.EntityTasks && row.Task != nil && acc != nil && (known == nil || !known(line)) {
					if dup := m.existingTask(row); dup {
						m.rep.Skipped = append(m.rep.Skipped, SkippedRow{File: f.Name, Line: line, Key: row.Key, Reason: "already in Kommo (same text, deadline and record)"})
						skipped++
						already++
						continue
					}
				}
				for _, e := range writeOrder {
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
			if !yield(Item{Row: row, Errs: errs, Line: line}) {
				return
			}
		}
	}
	opts := ImportOptions{
		Job:          JobHeader{ID: fmt.Sprintf("%s-%d-%s", m.opts.JobID, f.idx+1, f.primary), Entity: f.primary, Mode: mode, Input: f.Name},
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
		opts.Progress = func(p Progress) { m.opts.Progress(name, p) }
	}
	res, err := Import(ctx, m.c, items, opts)
	if res != nil {
		m.collect(f, res, &fr)
		if m.opts.Results != nil {
			m.opts.Results(f.Name, res)
		}
	}
	fr.Skipped += skipped
	fr.Landed += already // in Kommo from an earlier run
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
		r.Match[kommo.EntityContacts] = mapping.MatchKey{Kind: mapping.MatchName, Values: []string{mapping.Normalize(r.Contact.Name)}}
	case name != "":
		r.Match[kommo.EntityContacts] = mapping.MatchKey{Kind: mapping.MatchName, Values: []string{mapping.Normalize(name)}}
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
func (m *migration) collect(f *migFile, res *Result, fr *FileReport) {
	fr.Created, fr.Updated, fr.Skipped, fr.Failed, fr.Resumed = res.Created, res.Updated, res.Skipped, res.Failed, res.Resumed
	fr.Landed, fr.Warned, fr.Warnings = res.Landed(), res.Warned, res.Warnings
	fr.Regions = RegionCounts(f.regions)
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
			if !ok || rr.Action == ActionError {
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
		if rr.Action == ActionError {
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
		if m.opts.Sample > 0 {
			m.rep.Records = append(m.rep.Records, MigratedRecord{File: f.Name, Line: l, Key: rr.Key, Entity: f.primary, Action: rr.Action, IDs: rr.IDs})
		}
	}
}

// extraLinks links the records a row names beyond the first in a cell of
// several ids (a deal with two contacts).
func (m *migration) extraLinks(ctx context.Context, f *migFile, res *Result, extra map[int][]string) error {
	var links []kommo.EntityLink
	for line, list := range extra {
		rr, ok := res.Rows[line]
		if !ok || rr.Action == ActionError {
			continue
		}
		from := rr.IDs[f.primary]
		if from == 0 {
			continue
		}
		for _, item := range list {
			parts := strings.Split(item, "\x00")
			e := kommo.EntityType(parts[0])
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

// Totals sums the files' counts per entity.
func (r *MigrationReport) Totals() map[kommo.EntityType]FileReport {
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
