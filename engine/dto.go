package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/i18n"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// The DTOs below cross the JS boundary as JSON; web/kommo-bulk.d.ts
// declares the same shapes. Field names are camelCase.

// OpenOptions configure openFile.
type OpenOptions struct {
	Sheet       string `json:"sheet,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
	Delimiter   string `json:"delimiter,omitempty"`
	PreviewRows int    `json:"previewRows,omitempty"`

	// Progress, if set, is told how far the copy of a workbook into the
	// engine has got (phase "load").
	Progress func(ReadProgress) `json:"-"`
}

// FileInfo describes an opened file.
type FileInfo struct {
	ID        int          `json:"id"`
	Name      string       `json:"name"`
	Format    string       `json:"format"`
	Size      int          `json:"size"`
	Sheets    []string     `json:"sheets"`
	Sheet     string       `json:"sheet"`
	Delimiter string       `json:"delimiter,omitempty"`
	Header    []string     `json:"header"`
	Preview   []PreviewRow `json:"preview"`
	// NeedsSave says which formula cells of the sheet were saved without
	// their values (they read as empty) and to save the file in Excel or
	// LibreOffice first; "" when none.
	NeedsSave string `json:"needsSave,omitempty"`

	// NeedsSaveMsg is NeedsSave as a message (messages.go).
	NeedsSaveMsg *i18n.Msg `json:"needsSaveMsg,omitempty"`
}

// PreviewRow is one row of a file with its row number.
type PreviewRow struct {
	Row    int      `json:"row"`
	Values []string `json:"values"`
}

// SchemaInfo is the account's schema as a page needs it: what a column can
// be mapped to, and what an export can be filtered by.
type SchemaInfo struct {
	Fields    map[string][]FieldInfo `json:"fields"`
	Users     []NamedID              `json:"users"`
	Pipelines []PipelineInfo         `json:"pipelines"`
	TaskTypes []NamedID              `json:"taskTypes"`
	// UsersHidden: the user list is admin-only, owners go by id.
	UsersHidden bool `json:"usersHidden,omitempty"`
	// TimeZone is the account's zone, "" when unknown (UTC).
	TimeZone string `json:"timeZone,omitempty"`
	// Notes say what the schema lacks (see mapping.Schema.Notes).
	Notes []string `json:"notes,omitempty"`
}

// FieldInfo is one field a column can be mapped to.
type FieldInfo struct {
	Field    string   `json:"field"` // as written in a spec
	Name     string   `json:"name"`  // as shown to a person
	ID       int      `json:"id,omitempty"`
	Type     string   `json:"type"`
	Standard bool     `json:"standard"`
	Enums    []string `json:"enums,omitempty"` // PHONE and EMAIL kinds
	// Keepable: on_invalid keep applies (the field can hold a value as
	// written), besides error and drop.
	Keepable bool `json:"keepable,omitempty"`
}

// NamedID is a user or a task type.
type NamedID struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// PipelineInfo is a pipeline with its stages.
type PipelineInfo struct {
	ID     int       `json:"id"`
	Name   string    `json:"name"`
	Stages []NamedID `json:"stages"`
}

// standardFields are the spec's standard field names per entity (see
// mapping.Target), in the order a person looks for them.
var standardFields = map[kommo.EntityType][]string{
	kommo.EntityLeads:     {"name", "price", "pipeline", "status", "responsible_user", "tags", "created_at", "closed_at", "id"},
	kommo.EntityContacts:  {"name", "first_name", "last_name", "responsible_user", "tags", "created_at", "id"},
	kommo.EntityCompanies: {"name", "responsible_user", "tags", "created_at", "id"},
	kommo.EntityTasks:     {"text", "task_type", "complete_till", "entity_type", "entity_id", "is_completed", "result", "duration", "responsible_user", "created_at", "id"},
}

func schemaInfo(s *mapping.Schema) *SchemaInfo {
	out := &SchemaInfo{Fields: map[string][]FieldInfo{}, Users: []NamedID{}, Pipelines: []PipelineInfo{}, TaskTypes: []NamedID{}}
	for _, ent := range []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityTasks} {
		fs := []FieldInfo{}
		for _, name := range standardFields[ent] {
			fs = append(fs, FieldInfo{Field: name, Name: name, Type: "standard", Standard: true, Keepable: mapping.Keepable(ent, name, nil)})
		}
		for _, cf := range s.Fields[ent] {
			if cf == nil {
				continue
			}
			fi := FieldInfo{Field: cf.Name, Name: cf.Name, ID: cf.ID, Type: string(cf.Type), Keepable: mapping.Keepable(ent, "", cf)}
			if cf.Code != "" {
				fi.Field = cf.Code
			}
			switch {
			case cf.Code == kommo.CodePhone || cf.Code == kommo.CodeEmail:
				for _, en := range cf.Enums {
					fi.Enums = append(fi.Enums, en.Value)
				}
			case cf.Type == kommo.FieldSmartAddress:
				fi.Enums = []string{kommo.AddressLine1, kommo.AddressLine2, kommo.AddressCity, kommo.AddressState, kommo.AddressZip, kommo.AddressCountry}
			}
			if !importable(s, ent, fi) {
				continue
			}
			fs = append(fs, fi)
		}
		out.Fields[string(ent)] = fs
	}
	for _, u := range s.Users {
		out.Users = append(out.Users, NamedID{ID: u.ID, Name: u.Name})
	}
	out.UsersHidden, out.Notes = s.UsersHidden, s.Notes
	if s.Location != nil {
		out.TimeZone = s.Location.String()
	}
	for _, p := range s.Pipelines {
		pi := PipelineInfo{ID: p.ID, Name: p.Name, Stages: []NamedID{}}
		for _, st := range p.Statuses() {
			pi.Stages = append(pi.Stages, NamedID{ID: st.ID, Name: st.Name})
		}
		out.Pipelines = append(out.Pipelines, pi)
	}
	for _, tt := range s.TaskTypes {
		out.TaskTypes = append(out.TaskTypes, NamedID{ID: tt.ID, Name: tt.Name})
	}
	return out
}

// importable reports whether the mapping layer takes f as a column's
// field (it refuses types such as legal entities that no cell can hold).
func importable(s *mapping.Schema, ent kommo.EntityType, f FieldInfo) bool {
	t := mapping.Target{Field: f.Field}
	if len(f.Enums) > 0 {
		t.Enum = f.Enums[0]
	}
	spec := &mapping.Spec{Entity: ent, Columns: []mapping.ColumnSpec{{Column: "A", Target: t}}}
	_, err := mapping.Compile(spec, s, []string{"A"})
	return err == nil
}

// ProposalInfo is a proposed mapping: per column the suggested field and
// how sure the match is, and the spec it makes.
type ProposalInfo struct {
	Entity   string           `json:"entity"`
	Key      string           `json:"key,omitempty"`
	Refs     []RefInfo        `json:"refs"`
	Columns  []ColumnProposal `json:"columns"`
	Spec     json.RawMessage  `json:"spec"`
	SpecYAML string           `json:"specYAML"`
}

// RefInfo is a column holding the key of a row of another file.
type RefInfo struct {
	Column string `json:"column"`
	Entity string `json:"entity"`
}

// ColumnProposal is the suggestion for one column; Field is "" when
// nothing matched well enough.
type ColumnProposal struct {
	Column     string  `json:"column"`
	Entity     string  `json:"entity,omitempty"`
	Field      string  `json:"field"`
	Enum       string  `json:"enum,omitempty"`
	Confidence float64 `json:"confidence"`
	Reason     string  `json:"reason,omitempty"`
	Values     string  `json:"values,omitempty"`
}

func proposalInfo(p *mapping.Proposal) (*ProposalInfo, error) {
	spec := p.Spec()
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	var y bytes.Buffer
	if err := spec.WriteYAML(&y); err != nil {
		return nil, err
	}
	out := &ProposalInfo{Entity: string(p.Entity), Key: p.Key, Refs: []RefInfo{}, Columns: []ColumnProposal{}, Spec: js, SpecYAML: y.String()}
	for _, r := range p.Refs {
		out.Refs = append(out.Refs, RefInfo{Column: r.Column, Entity: string(r.Entity)})
	}
	for _, c := range p.Columns {
		out.Columns = append(out.Columns, ColumnProposal{Column: c.Column, Entity: string(c.Entity), Field: c.Field, Enum: c.Enum,
			Confidence: c.Confidence, Reason: c.Reason, Values: c.Values})
	}
	return out, nil
}

// SpecYAML turns a spec (JSON or YAML) into YAML, for a saved mapping.
func SpecYAML(text string) (string, error) {
	spec, err := mapping.ParseSpec([]byte(text))
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := spec.WriteYAML(&b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// SpecJSON turns a spec (JSON or YAML, say an uploaded saved mapping) into
// JSON, the form a page edits.
func SpecJSON(text string) (json.RawMessage, error) {
	spec, err := mapping.ParseSpec([]byte(text))
	if err != nil {
		return nil, err
	}
	return json.Marshal(spec)
}

// ValidateOptions configure validate.
type ValidateOptions struct {
	// MaxRows is how many bad rows to return with their values (default
	// 100); every bad row is counted.
	MaxRows int `json:"maxRows,omitempty"`

	// Progress, if set, is told how far the pass has read the file (phase
	// "parse"), a few hundred times per pass.
	Progress func(ReadProgress) `json:"-"`
}

// ValidationInfo sums up a validation pass. A row lands (Good, which
// counts the Warned rows too) or fails (Bad); the rows that land with
// warnings are Warned.
type ValidationInfo struct {
	Rows     int            `json:"rows"`
	Good     int            `json:"good"`
	Warned   int            `json:"warned"`
	Bad      int            `json:"bad"`
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
	ByColumn map[string]int `json:"byColumn"`
	BadRows  []BadRow       `json:"badRows"`
	// WarnRows are the first rows that land with warnings, with their
	// values (their Errors are empty).
	WarnRows []BadRow `json:"warnRows"`
	// Causes group the warnings and the errors by column, code and
	// reason: errors first, then most rows first.
	Causes []CauseInfo `json:"causes"`
	// Regions are the regions phones without a country code were read
	// in, and where each came from.
	Regions []mapping.RegionCount `json:"regions"`
}

// BadRow is a row with errors, or with warnings, with its values.
type BadRow struct {
	Row      int           `json:"row"`
	Values   []string      `json:"values"`
	Errors   []CellError   `json:"errors"`
	Warnings []CellWarning `json:"warnings"`
}

// CellWarning is a value of a row that did not validate but did not cost
// the row: normalised, kept as written or left out.
type CellWarning struct {
	Column      string `json:"column,omitempty"`
	ColumnIndex int    `json:"columnIndex"` // -1 when not about one column
	Field       string `json:"field,omitempty"`
	Value       string `json:"value,omitempty"`
	Code        string `json:"code"`   // phone_kept_as_written, ...
	Action      string `json:"action"` // normalized, kept_as_written, left_out, key_replaced, not_linked
	Reason      string `json:"reason,omitempty"`
	Sent        string `json:"sent,omitempty"` // what was sent instead; "" when left out
	Message     string `json:"message"`

	// Msgs are Message as codes (messages.go).
	Msgs []i18n.Msg `json:"msgs"`
}

// CauseInfo is one line of a summary by cause: `Phone: 137 rows kept as
// written (no country code: add options.region or a country column)`.
type CauseInfo struct {
	Error    bool   `json:"error"`
	Column   string `json:"column"`
	Code     string `json:"code"`
	Reason   string `json:"reason"`
	Action   string `json:"action,omitempty"`
	Outcome  string `json:"outcome"` // "kept as written", "failed", ...
	Hint     string `json:"hint"`
	Rows     int    `json:"rows"`
	Values   int    `json:"values"`
	Example  string `json:"example"`
	FirstRow int    `json:"firstRow"`
	Text     string `json:"text"` // the whole line

	// HintMsgs are Hint as codes (messages.go).
	HintMsgs []i18n.Msg `json:"hintMsgs"`
}

func causeInfos(s mapping.Summary) []CauseInfo {
	out := []CauseInfo{}
	for _, c := range s.Causes() {
		out = append(out, CauseInfo{Error: c.Error, Column: c.Column, Code: c.Code, Reason: c.Reason, Action: c.Action, Outcome: c.Outcome(),
			Hint: c.Hint(), Rows: c.Rows, Values: c.Values, Example: c.Example, FirstRow: c.FirstRow, Text: c.String(), HintMsgs: causeHint(c)})
	}
	return out
}

func warnRow(header []string, rec sheet.Record, ws []*mapping.RowWarning) BadRow {
	br := BadRow{Row: rec.Row, Values: rec.Values, Errors: []CellError{}, Warnings: cellWarnings(header, ws)}
	if br.Values == nil {
		br.Values = []string{}
	}
	return br
}

func cellWarnings(header []string, ws []*mapping.RowWarning) []CellWarning {
	out := make([]CellWarning, 0, len(ws))
	for _, w := range ws {
		ci := -1
		if w.Column != "" {
			ci = columnIndex(header, w.Column)
		}
		out = append(out, CellWarning{Column: w.Column, ColumnIndex: ci, Field: w.Field, Value: w.Value, Code: w.Code, Action: w.Action,
			Reason: w.Reason, Sent: w.Sent, Message: w.Text(), Msgs: rowWarningMsgs(w)})
	}
	return out
}

// CellError is one error of a row, located by column.
type CellError struct {
	Column      string `json:"column,omitempty"`
	ColumnIndex int    `json:"columnIndex"` // -1 when not about one column
	Field       string `json:"field,omitempty"`
	Value       string `json:"value,omitempty"`
	Message     string `json:"message"`

	// Code, Reason and Msgs are the error's RowError.Code and Reason, and
	// Message as codes (messages.go).
	Code   string     `json:"code"`
	Reason string     `json:"reason,omitempty"`
	Msgs   []i18n.Msg `json:"msgs"`
}

func badRow(header []string, rec sheet.Record, errs []*sheet.RowError) BadRow {
	br := BadRow{Row: rec.Row, Values: rec.Values, Errors: make([]CellError, 0, len(errs)), Warnings: []CellWarning{}}
	if br.Values == nil {
		br.Values = []string{}
	}
	for _, re := range errs {
		ci := -1
		if re.Column != "" {
			ci = columnIndex(header, re.Column)
		}
		br.Errors = append(br.Errors, CellError{Column: re.Column, ColumnIndex: ci, Field: re.Field, Value: re.Value, Message: cellMessage(re),
			Code: re.Code(), Reason: re.Reason(), Msgs: rowErrorMsgs(re)})
	}
	return br
}

// cellMessage is a row error's reason without its position (the page
// shows the position itself).
func cellMessage(re *sheet.RowError) string {
	if re.Err == nil {
		return re.Error()
	}
	return re.Err.Error()
}

// FileBytes is a file made in the browser, to download. Data crosses the
// boundary as a Uint8Array named bytes, not as JSON.
type FileBytes struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Rows int    `json:"rows"`
	Data []byte `json:"-"`
}

// ImportParams configure runImport.
type ImportParams struct {
	Mode       string `json:"mode,omitempty"` // create (default), update, upsert, skip-existing
	BatchSize  int    `json:"batchSize,omitempty"`
	Workers    int    `json:"workers,omitempty"`
	DryRun     bool   `json:"dryRun,omitempty"`
	JobID      string `json:"jobId,omitempty"`
	MaxDetails int    `json:"maxDetails,omitempty"` // rows described in the result (default 200)
}

// ProgressInfo is a progress event of an import.
type ProgressInfo struct {
	Phase     string  `json:"phase"` // validating, importing, writing, done
	Rows      int     `json:"rows"`
	Expected  int     `json:"expected"`
	Created   int     `json:"created"`
	Updated   int     `json:"updated"`
	Skipped   int     `json:"skipped"`
	Failed    int     `json:"failed"`
	ElapsedMs int64   `json:"elapsedMs"`
	Rate      float64 `json:"rate"`  // rows per second
	ETAMs     int64   `json:"etaMs"` // 0 when unknown
	Paused    bool    `json:"paused"`
}

func progressInfo(p bulk.Progress) ProgressInfo {
	pi := ProgressInfo{Phase: "importing", Rows: p.Rows, Expected: p.Expected, Created: p.Created, Updated: p.Updated,
		Skipped: p.Skipped, Failed: p.Failed, ElapsedMs: p.Elapsed.Milliseconds()}
	if s := p.Elapsed.Seconds(); s > 0 {
		pi.Rate = float64(p.Rows) / s
	}
	if pi.Rate > 0 && p.Expected > p.Rows {
		pi.ETAMs = int64(float64(p.Expected-p.Rows) / pi.Rate * 1000)
	}
	return pi
}

// ImportResult is the outcome of an import or dry run.
type ImportResult struct {
	Job     string `json:"job"`
	DryRun  bool   `json:"dryRun"`
	Entity  string `json:"entity"`
	Mode    string `json:"mode"`
	Rows    int    `json:"rows"`
	Created int    `json:"created"`
	Updated int    `json:"updated"`
	Skipped int    `json:"skipped"`
	Failed  int    `json:"failed"`
	// Landed counts the rows created, updated or skipped; Warned, those of
	// them with warnings, which Warnings groups by cause.
	Landed      int         `json:"landed"`
	Warned      int         `json:"warned"`
	Warnings    []CauseInfo `json:"warnings"`
	Pending     int         `json:"pending"`
	Seconds     float64     `json:"seconds"`
	Canceled    bool        `json:"canceled"`
	Error       string      `json:"error,omitempty"`
	Details     []RowDetail `json:"details"`
	SuccessFile *FileBytes  `json:"successFile,omitempty"`
	ErrorsFile  *FileBytes  `json:"errorsFile,omitempty"`
	// Notes are the schema's warnings (no user list, no time zone).
	Notes []string `json:"notes,omitempty"`
	// NotesWritten counts the notes of the spec's notes:, written on the
	// rows' records after them (a dry run counts those it would write).
	NotesWritten *NotesInfo `json:"notesWritten,omitempty"`
}

// NotesInfo counts the notes an import wrote from its spec's notes:.
type NotesInfo struct {
	Created int `json:"created"`
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
}

// RowDetail is what happened (or would happen) to one row.
type RowDetail struct {
	Row     int            `json:"row"`
	Key     string         `json:"key,omitempty"`
	Action  string         `json:"action"`
	IDs     map[string]int `json:"ids"`
	Column  string         `json:"column,omitempty"`
	Error   string         `json:"error,omitempty"`
	Changes []string       `json:"changes,omitempty"`
	// Warnings are the row's warnings, as "Column: text".
	Warnings []string `json:"warnings,omitempty"`

	// ErrorMsgs and WarningMsgs are Error and Warnings as codes
	// (messages.go).
	ErrorMsgs   []ColumnMsgs `json:"errorMsgs,omitempty"`
	WarningMsgs []ColumnMsgs `json:"warningMsgs,omitempty"`
}

// ExportParams configure export.
type ExportParams struct {
	Entity   string             `json:"entity"`
	Format   string             `json:"format,omitempty"` // xlsx (default) or csv
	TimeZone string             `json:"timeZone,omitempty"`
	Filter   ExportFilterParams `json:"filter"`
}

// ExportFilterParams select the exported records; dates are YYYY-MM-DD
// (days of the export's time zone) or RFC 3339.
type ExportFilterParams struct {
	Query              string        `json:"query,omitempty"`
	IDs                []int         `json:"ids,omitempty"`
	ResponsibleUserIDs []int         `json:"responsibleUserIds,omitempty"`
	PipelineIDs        []int         `json:"pipelineIds,omitempty"`
	Statuses           []StatusParam `json:"statuses,omitempty"`
	CreatedFrom        string        `json:"createdFrom,omitempty"`
	CreatedTo          string        `json:"createdTo,omitempty"`
	UpdatedFrom        string        `json:"updatedFrom,omitempty"`
	UpdatedTo          string        `json:"updatedTo,omitempty"`
	IsCompleted        *bool         `json:"isCompleted,omitempty"`
	TaskTypes          []int         `json:"taskTypes,omitempty"`

	// The same filters by name (or id), matched as an import matches
	// them (bulk.ExportNames): case and accents aside, won and lost in
	// any language; they add to the ids above.
	Pipeline      string   `json:"pipeline,omitempty"`
	Stages        []string `json:"stages,omitempty"`
	Responsible   []string `json:"responsible,omitempty"`
	CreatedBy     []string `json:"createdBy,omitempty"`
	TaskTypeNames []string `json:"taskTypeNames,omitempty"`
}

// StatusParam is one stage of one pipeline.
type StatusParam struct {
	PipelineID int `json:"pipelineId"`
	StatusID   int `json:"statusId"`
}

// ExportProgressInfo is a progress event of an export.
type ExportProgressInfo struct {
	Rows  int `json:"rows"`
	Pages int `json:"pages"`
}

// filter reads the filters, names against schema and YYYY-MM-DD dates as
// days of loc.
func (p ExportFilterParams) filter(schema *mapping.Schema, loc *time.Location) (bulk.ExportFilter, error) {
	f := bulk.ExportFilter{Query: p.Query, IDs: p.IDs, ResponsibleUserIDs: p.ResponsibleUserIDs, PipelineIDs: p.PipelineIDs,
		IsCompleted: p.IsCompleted, TaskTypes: p.TaskTypes}
	for _, s := range p.Statuses {
		f.Statuses = append(f.Statuses, kommo.StatusFilter{PipelineID: s.PipelineID, StatusID: s.StatusID})
	}
	names := bulk.ExportNames{Pipeline: p.Pipeline, Stages: p.Stages, Responsible: p.Responsible, CreatedBy: p.CreatedBy, TaskTypes: p.TaskTypeNames}
	if err := names.Resolve(schema, &f); err != nil {
		return f, fmt.Errorf("export: %w", err)
	}
	var err error
	if f.CreatedAt, err = dateRange(p.CreatedFrom, p.CreatedTo, loc); err != nil {
		return f, fmt.Errorf("created: %w", err)
	}
	if f.UpdatedAt, err = dateRange(p.UpdatedFrom, p.UpdatedTo, loc); err != nil {
		return f, fmt.Errorf("updated: %w", err)
	}
	return f, nil
}

// dateRange reads a from/to pair of dates; a bare date is a day of loc,
// and as "to" it includes its whole day.
func dateRange(from, to string, loc *time.Location) (*kommo.Range, error) {
	if from == "" && to == "" {
		return nil, nil
	}
	var r kommo.Range
	if from != "" {
		t, _, err := parseDay(from, loc)
		if err != nil {
			return nil, err
		}
		r.From = t.Unix()
	}
	if to != "" {
		t, day, err := parseDay(to, loc)
		if err != nil {
			return nil, err
		}
		if day {
			t = t.AddDate(0, 0, 1).Add(-time.Second)
		}
		r.To = t.Unix()
	}
	if r.From != 0 && r.To != 0 && r.To < r.From {
		return nil, fmt.Errorf("%s is before %s", to, from)
	}
	return &r, nil
}

func parseDay(s string, loc *time.Location) (time.Time, bool, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, true, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, false, fmt.Errorf("date %q: want YYYY-MM-DD or RFC 3339", s)
	}
	return t, false, nil
}

// SourceInfo is a CRM the presets know, with the kinds of export it has.
type SourceInfo struct {
	Source   string   `json:"source"`
	Name     string   `json:"name"`
	Entities []string `json:"entities"`
}

// DetectionCandidate is one guess of a file's source and kind.
type DetectionCandidate struct {
	Source     string  `json:"source"`
	Entity     string  `json:"entity"`
	Confidence float64 `json:"confidence"`
}

// FileDetection is the source and kind a file was classified as ("" when
// nothing fits well enough), the best guesses, and the columns its preset
// does not know (not migrated).
type FileDetection struct {
	FileID     int                  `json:"fileId"`
	Name       string               `json:"name"`
	Source     string               `json:"source"`
	Entity     string               `json:"entity"`
	Confidence float64              `json:"confidence"`
	Candidates []DetectionCandidate `json:"candidates"`
	Ignored    []string             `json:"ignored"`
}

// MigrationDetection is detectMigration's answer.
type MigrationDetection struct {
	// Source is the CRM the files come from, as a whole.
	Source  string          `json:"source"`
	Sources []SourceInfo    `json:"sources"`
	Files   []FileDetection `json:"files"`
}

// DetectParams configure detectMigration.
type DetectParams struct {
	FileIDs []int  `json:"fileIds"`
	From    string `json:"from,omitempty"`
	IDField string `json:"idField,omitempty"`
}

// MigrateFile is one file of a migration and what it is.
type MigrateFile struct {
	FileID int    `json:"fileId"`
	Source string `json:"source"`
	Entity string `json:"entity"`
}

// MigrateParams configure checkMigration and runMigration.
type MigrateParams struct {
	Files        []MigrateFile     `json:"files"`
	Users        map[string]string `json:"users,omitempty"`
	Pipelines    map[string]string `json:"pipelines,omitempty"`
	Stages       map[string]string `json:"stages,omitempty"`
	IDField      string            `json:"idField,omitempty"`
	CreateFields bool              `json:"createFields,omitempty"`
	Sample       int               `json:"sample,omitempty"`
	DryRun       bool              `json:"dryRun,omitempty"`
	Region       string            `json:"region,omitempty"`
	TimeZone     string            `json:"timeZone,omitempty"`
	JobID        string            `json:"jobId,omitempty"`
	BatchSize    int               `json:"batchSize,omitempty"`
	Workers      int               `json:"workers,omitempty"`
	// Lang is the language of the report's Markdown and HTML (en, es,
	// pt-BR, ru; default English). Its JSON stays English, with codes.
	Lang string `json:"lang,omitempty"`
	// OverdueTasks is what becomes of open tasks past their deadline:
	// open (the default: kept open with their deadline), done or skip.
	OverdueTasks string `json:"overdueTasks,omitempty"`
}

// MigrationProgress is a progress event of a migration; the counts are
// over the files so far.
type MigrationProgress struct {
	Phase        string `json:"phase"` // checking, migrating, reporting, done
	File         string `json:"file,omitempty"`
	FileIndex    int    `json:"fileIndex"` // 1-based, in the order the files run
	Files        int    `json:"files"`
	FileRows     int    `json:"fileRows"`
	FileExpected int    `json:"fileExpected"`
	Rows         int    `json:"rows"`
	Created      int    `json:"created"`
	Updated      int    `json:"updated"`
	Skipped      int    `json:"skipped"`
	Failed       int    `json:"failed"`
	ElapsedMs    int64  `json:"elapsedMs"`
	Paused       bool   `json:"paused"`
}

// MigrationTables are owner, pipeline and stage tables (source value →
// Kommo name).
type MigrationTables struct {
	Users     map[string]string `json:"users"`
	Pipelines map[string]string `json:"pipelines"`
	Stages    map[string]string `json:"stages"`
}

// MigrationResult is the outcome of a migration, its check or its sample.
// Report is the JSON of the report file (snake_case, as bulk writes it).
type MigrationResult struct {
	Job    string `json:"job"`
	DryRun bool   `json:"dryRun"`
	Sample int    `json:"sample"`
	// Status is done, unmatched (values match nothing: nothing written),
	// missingFields (fields to create without createFields), canceled or
	// stopped (Error says why).
	Status        string                 `json:"status"`
	Error         string                 `json:"error,omitempty"`
	Report        *migrate.Report        `json:"report"`
	MissingFields []migrate.CreatedField `json:"missingFields"`
	// Tables are the entries to fill in for the unmatched values, each
	// with its closest match.
	Tables      MigrationTables `json:"tables"`
	Seconds     float64         `json:"seconds"`
	ReportFiles []*FileBytes    `json:"reportFiles"` // .md, .json, .html
	ResultFiles []*FileBytes    `json:"resultFiles"` // per input: success and errors files

	// Warnings are the files' warnings by cause, with codes (messages.go).
	Warnings []FileCauses `json:"warnings"`
}
