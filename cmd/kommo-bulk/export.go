package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/engine"
	"github.com/kommo-bulk/kommo-bulk/internal/atomicfile"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

const exportSynopsis = `export leads|contacts|companies|tasks|events|notes|pipelines|fields -o FILE [flags]

Writes every record of a dataset that matches the filters to a CSV or XLSX
file (the format follows the extension, or --format), reading Kommo page by
page: memory stays flat however many records there are.

Columns: the standard fields first (ID, Name, ..., Stage and Stage ID,
Responsible and Responsible ID, Created at, Tags, linked contact and company
ids), then one column per custom field, named after the field ("Name [ID]"
when two share a name). Dates are real dates in XLSX; several values of one
field are joined with "; ". A leads, contacts or companies export edited in
a spreadsheet re-imports with "kommo-bulk import --mode update" and no
mapping.

Names given to --pipeline, --stage, --responsible, --created-by and
--task-type are matched as an import matches them ("kommo-bulk schema"
lists them): case, accents and punctuation aside, users also by e-mail,
won and lost in any language ("Won", "Ganado", "Успешно реализовано": the
won leads of every pipeline, or of --pipeline's); ids work too. A stage
in several pipelines is the main pipeline's ("Pipeline / Stage" names
another). Dates are YYYY-MM-DD (a whole day, in --tz) or RFC 3339.

Examples:

	kommo-bulk export leads -o leads.xlsx
	kommo-bulk export leads --pipeline Sales --stage Qualified --created-from 2025-01-01 -o q.csv
	kommo-bulk export contacts --responsible boris@example.com --query "@example.com" -o - | head
	kommo-bulk export tasks --completed=false --entity leads -o open-tasks.csv
	kommo-bulk export events --event-types lead_status_changed --created-from 2025-06-01 -o moves.csv
	kommo-bulk export fields --entity contacts -o fields.csv --json
	kommo-bulk export notes -o history.csv                      # every note of leads, contacts, companies
	kommo-bulk export notes --entity leads --ids 101,102 --note-types call_in,call_out -o calls.xlsx
	kommo-bulk export notes --updated-from 2025-06-01 -o recent-notes.csv
	kommo-bulk export leads --for-edit -o leads.xlsx            # edit, then: kommo-bulk import leads.xlsx --mode update
	KOMMO_BULK_PASSWORD=... kommo-bulk export contacts --encrypt -o contacts.xlsx
` + exportNotesHelp + `
Flags:`

// ExportCommand exports a dataset to a CSV or XLSX file.
type ExportCommand struct {
	m *Main
	jsonFlag
	// now is the clock for the elapsed time; nil means time.Now.
	now func() time.Time
}

// listFlag is a repeatable string flag; split, if set, also splits each
// value on commas.
type listFlag struct {
	vals  []string
	split bool
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

func (l *listFlag) Set(v string) error {
	parts := []string{v}
	if l.split {
		parts = strings.Split(v, ",")
	}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			l.vals = append(l.vals, p)
		}
	}
	return nil
}

// parseInterspersed parses args allowing positional arguments between
// flags ("export leads -o x.csv" as well as "export -o x.csv leads") and
// returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		rest := fs.Args()
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// exportFlagScope lists the datasets each filter flag applies to.
var exportFlagScope = map[string][]kommo.EntityType{
	"pipeline":     {kommo.EntityLeads, bulk.ExportPipelines},
	"stage":        {kommo.EntityLeads},
	"responsible":  {kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, bulk.ExportTasks},
	"created-by":   {kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, bulk.ExportTasks, bulk.ExportEvents},
	"created-from": {kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, bulk.ExportTasks, bulk.ExportEvents, bulk.NotesJob},
	"created-to":   {kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, bulk.ExportTasks, bulk.ExportEvents, bulk.NotesJob},
	"updated-from": {kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, bulk.ExportTasks, bulk.NotesJob},
	"updated-to":   {kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, bulk.ExportTasks, bulk.NotesJob},
	"since-last":   {kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, bulk.ExportTasks},
	"query":        {kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies},
	"ids":          {kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, bulk.ExportTasks, bulk.NotesJob},
	"completed":    {bulk.ExportTasks},
	"task-type":    {bulk.ExportTasks},
	"event-types":  {bulk.ExportEvents},
	"entity":       {bulk.ExportTasks, bulk.ExportEvents, bulk.ExportFields, bulk.NotesJob},
	"note-types":   {bulk.NotesJob},
}

// exportSummary is the --json output.
type exportSummary struct {
	Entity  string   `json:"entity"`
	File    string   `json:"file"`
	Format  string   `json:"format"`
	Rows    int      `json:"rows"`
	Pages   int      `json:"pages"`
	Header  []string `json:"header"`
	Seconds float64  `json:"seconds"`
	Notes   []string `json:"notes,omitempty"` // the schema's (see printNotes)
}

// exportProgress is how far a failed export got (with --json).
type exportProgress struct {
	Entity string `json:"entity"`
	Rows   int    `json:"rows"`
	Pages  int    `json:"pages"`
}

func entityNames(es []kommo.EntityType) string {
	ss := make([]string, len(es))
	for i, e := range es {
		ss[i] = string(e)
	}
	return strings.Join(ss, "|")
}

// Run parses the flags, exports and reports.
func (c *ExportCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("export", exportSynopsis)
	c.watch(fs, args)
	var conn connFlags
	conn.register(fs)
	var out string
	fs.StringVar(&out, "o", "", "output `file` (.csv or .xlsx); - writes CSV to stdout")
	fs.StringVar(&out, "out", "", "output `file`, same as -o")
	format := fs.String("format", "", "`csv` or xlsx (default: from the file's extension)")
	delim := fs.String("delimiter", ",", "CSV field `delimiter` (\",\", \";\" or \"\\t\")")
	bom := fs.Bool("bom", false, "start the CSV with a UTF-8 byte order mark (for Excel)")
	tz := fs.String("tz", "", "IANA time `zone` of the date-times written and of date-only filters, e.g. Europe/Madrid (default the account's)")
	pageSize := fs.Int("page-size", 0, "records per request (default and maximum 250)")
	jsonOut := fs.Bool("json", false, "print a JSON summary on stdout (needs -o FILE)")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	var xo xlsxOptions
	fs.BoolVar(&xo.forEdit, "for-edit", false, "XLSX to edit and import back with --mode update: dropdowns, locked and linked ID column, autofilter, frozen header")
	fs.BoolVar(&xo.encrypt, "encrypt", false, "encrypt the XLSX file with $"+passwordEnv+" (or --password)")
	fs.StringVar(&xo.password, "password", "", "encrypt the XLSX file with this password (prefer --encrypt and $"+passwordEnv+": flags show in ps)")
	var pipelineF string
	fs.StringVar(&pipelineF, "pipeline", "", "leads in this pipeline (`NAME|ID`); for pipelines, only this one")
	stages := &listFlag{}
	fs.Var(stages, "stage", "leads in this stage (`NAME|ID`, repeatable; with --pipeline, of that pipeline)")
	resp := &listFlag{}
	fs.Var(resp, "responsible", "records of this user (`NAME|EMAIL|ID`, repeatable)")
	createdBy := &listFlag{}
	fs.Var(createdBy, "created-by", "records (or events) created by this user (`NAME|EMAIL|ID`, repeatable)")
	createdFrom := fs.String("created-from", "", "created on or after `DATE` (YYYY-MM-DD or RFC 3339)")
	createdTo := fs.String("created-to", "", "created on or before `DATE` (a date includes its whole day)")
	updatedFrom := fs.String("updated-from", "", "changed on or after `DATE`")
	updatedTo := fs.String("updated-to", "", "changed on or before `DATE`")
	sinceLast := fs.String("since-last", "", "incremental: only what changed since the export that wrote this `STATE` file, deletions as rows with _deleted TRUE; the first run exports all and creates it")
	query := fs.String("query", "", "Kommo full-text `search` (names, phones, emails, fields; fuzzy)")
	ids := &listFlag{split: true}
	fs.Var(ids, "ids", "only these record `IDS` (comma-separated, repeatable)")
	completed := fs.String("completed", "", "tasks: `true` for done tasks, false for open ones")
	taskTypes := &listFlag{}
	fs.Var(taskTypes, "task-type", "tasks of this type (`NAME|ID`, repeatable)")
	eventTypes := &listFlag{split: true}
	fs.Var(eventTypes, "event-types", "events of these `TYPES` (comma-separated, e.g. lead_added,lead_status_changed)")
	entityF := &listFlag{split: true}
	fs.Var(entityF, "entity", "tasks: attached to leads|contacts|companies; events: of lead,contact,company,task; fields and notes: of leads,contacts,companies (`LIST`)")
	noteTypes := &listFlag{split: true}
	fs.Var(noteTypes, "note-types", "notes of these `TYPES` (comma-separated, e.g. common,call_in,call_out)")

	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	hint := "kommo-bulk export -h"
	if len(pos) == 0 {
		return &usageError{msg: "export what? name a dataset: " + entityNames(bulk.ExportEntities), hint: "kommo-bulk export leads -o leads.xlsx"}
	}
	if len(pos) > 1 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", pos[1]), hint: hint}
	}
	entity := kommo.EntityType(strings.ToLower(pos[0]))
	if !slices.Contains(bulk.ExportEntities, entity) && entity != bulk.NotesJob {
		return &usageError{msg: fmt.Sprintf("unknown dataset %q: want %s or notes", pos[0], entityNames(bulk.ExportEntities)), hint: hint}
	}
	var scopeErr error
	fs.Visit(func(f *flag.Flag) {
		if scope, ok := exportFlagScope[f.Name]; ok && !slices.Contains(scope, entity) && scopeErr == nil {
			scopeErr = &usageError{msg: fmt.Sprintf("--%s does not apply to %s (only to %s)", f.Name, entity, entityNames(scope)), hint: hint}
		}
	})
	if scopeErr != nil {
		return scopeErr
	}

	// Output.
	if out == "" {
		return &usageError{msg: "no output: give -o FILE.csv, -o FILE.xlsx or -o - (CSV on stdout)", hint: "kommo-bulk export " + string(entity) + " -o " + string(entity) + ".xlsx"}
	}
	if *jsonOut && out == "-" {
		return &usageError{msg: "--json needs -o FILE: stdout carries the data", hint: hint}
	}
	fmtName := strings.ToLower(*format)
	if fmtName == "" {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".xlsx":
			fmtName = "xlsx"
		case ".csv", ".txt", "":
			fmtName = "csv"
		case ".tsv":
			fmtName = "csv"
			if !isFlagSet(fs, "delimiter") {
				*delim = "\t"
			}
		default:
			return &usageError{msg: fmt.Sprintf("cannot tell the format of %q: use a .csv or .xlsx name, or --format", out), hint: hint}
		}
	}
	if fmtName != "csv" && fmtName != "xlsx" {
		return &usageError{msg: fmt.Sprintf("unknown --format %q: want csv or xlsx", *format), hint: hint}
	}
	comma, err := parseDelimiter(*delim)
	if err != nil {
		return &usageError{msg: err.Error(), hint: hint}
	}
	if err := xo.check(c.m, fmtName, entity); err != nil {
		return err
	}
	var loc *time.Location // nil: the account's, once the schema is read
	if *tz != "" {
		if loc, err = time.LoadLocation(*tz); err != nil {
			return &usageError{msg: fmt.Sprintf("--tz %q: unknown time zone", *tz), hint: "--tz Europe/Madrid"}
		}
	}
	var completedP *bool
	if *completed != "" {
		b, err := strconv.ParseBool(*completed)
		if err != nil {
			return &usageError{msg: fmt.Sprintf("--completed %q: want true or false", *completed), hint: hint}
		}
		completedP = &b
	}
	var filter bulk.ExportFilter
	filter.Query = *query
	for _, t := range eventTypes.vals {
		if err := checkEventType(t); err != nil {
			return err
		}
	}
	filter.EventTypes = eventTypes.vals
	filter.IsCompleted = completedP
	for _, s := range ids.vals {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return &usageError{msg: fmt.Sprintf("--ids: %q is not an id", s), hint: "--ids 101,102"}
		}
		filter.IDs = append(filter.IDs, n)
	}
	// Dates are checked before anything is asked of Kommo, in UTC when
	// the zone is the account's; the engine reads them again in the
	// export's zone once it is known.
	parseRanges := func(loc *time.Location) (err error) {
		if filter.CreatedAt, err = parseRange("created", *createdFrom, *createdTo, loc); err != nil {
			return err
		}
		filter.UpdatedAt, err = parseRange("updated", *updatedFrom, *updatedTo, loc)
		return err
	}
	if err := parseRanges(cmp.Or(loc, time.UTC)); err != nil {
		return err
	}
	var noteOpts bulk.NoteExportOptions
	if entity == bulk.NotesJob {
		if noteOpts, err = noteExportOptions(filter, entityF.vals, noteTypes.vals); err != nil {
			return err
		}
	} else if err := setEntityFilter(&filter, entity, entityF.vals); err != nil {
		return err
	}

	if *sinceLast != "" && filter.UpdatedAt != nil {
		return &usageError{msg: "--since-last reads what changed since its state file: drop --updated-from/--updated-to",
			hint: "kommo-bulk export leads --since-last leads.state.json -o changes.csv"}
	}
	now := c.now
	if now == nil {
		now = time.Now
	}
	since, err := readSince(*sinceLast, now)
	if err != nil {
		return err
	}

	client, err := conn.client(c.m)
	if err != nil {
		return err
	}
	// The engine runs the export, as it runs the page's, through this
	// client (its OAuth refresh, the host's rate budget). It reads the
	// schema, resolves names as an import does (bulk.ExportNames) and the
	// dates in --tz or the account's zone, then asks for the writer.
	eng := engine.New()
	if err := eng.Configure(engine.Config{Client: client}); err != nil {
		return err
	}
	params := engine.ExportParams{Entity: string(entity), TimeZone: *tz, Filter: engine.ExportFilterParams{
		Query: filter.Query, IDs: filter.IDs, IsCompleted: filter.IsCompleted,
		CreatedFrom: *createdFrom, CreatedTo: *createdTo, UpdatedFrom: *updatedFrom, UpdatedTo: *updatedTo,
		Pipeline: pipelineF, Stages: stages.vals, Responsible: resp.vals, CreatedBy: createdBy.vals, TaskTypeNames: taskTypes.vals,
	}}
	size := *pageSize
	if size <= 0 {
		size = kommo.MaxLimit
		if entity == bulk.ExportEvents {
			size = kommo.MaxEventsLimit
		}
	}
	// One progress line about every 1000 rows or every 2 seconds.
	progress := &rate.Sometimes{Every: max(1, 1000/size), Interval: 2 * time.Second}
	var (
		notes  []string
		file   *atomicfile.File
		finish = func() error { return nil }
		start  time.Time
		opened bool // the writer is: errors from here on are the export's
	)
	defer func() {
		if file != nil {
			file.Abort()
		}
	}()
	run := engine.ExportRun{
		PageSize: *pageSize, EventTypes: filter.EventTypes, TaskEntityType: filter.TaskEntityType,
		EventEntities: filter.EventEntities, FieldEntities: filter.FieldEntities, Since: since,
		SchemaNotes: func(n []string) { notes = n; printNoteLines(c.m, n) },
		// The destination: stdout, or a temporary file renamed into place
		// once the export is complete, so a failed run leaves no half file
		// behind.
		Writer: func(schema *mapping.Schema) (w sheet.TableWriter, err error) {
			var dst io.Writer = c.m.Stdout
			if out != "-" {
				if file, err = atomicfile.Create(out); err != nil {
					return nil, err
				}
				dst = file
			}
			if fmtName == "xlsx" {
				w, finish, err = xo.writer(dst, entity, schema, client.BaseURL())
			} else {
				w, err = sheet.NewCSVWriter(dst, sheet.CSVWriteOptions{Comma: comma, BOM: *bom})
			}
			opened, start = err == nil, now()
			return w, err
		},
	}
	if !*quiet {
		run.Progress = func(p engine.ExportProgressInfo) {
			progress.Do(func() {
				fmt.Fprintf(c.m.Stderr, "export %s: %d rows, %d pages, %s\n", entity, p.Rows, p.Pages, now().Sub(start).Round(time.Millisecond))
			})
		}
	}
	if entity == bulk.NotesJob {
		run.NoteEntities, run.NoteTypes = noteOpts.Entities, noteOpts.NoteTypes
	}
	st, err := eng.ExportTo(ctx, params, run)
	if err != nil && !opened {
		// The schema, a name of the filters, or the destination.
		return exportNameError(err)
	}
	if err == nil {
		err = finish()
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w (%d rows written before the error)", err, st.Rows)
		}
		// No file is left behind; with --json the counts come with the error.
		return &partialError{err: err, result: exportProgress{Entity: string(entity), Rows: st.Rows, Pages: st.Pages}}
	}
	if file != nil {
		if err := file.Commit(); err != nil {
			return err
		}
	}
	if err := saveSince(*sinceLast, st.Next); err != nil {
		return err
	}
	elapsed := now().Sub(start)
	if !*quiet {
		where := out
		if out == "-" {
			where = "stdout"
		}
		fmt.Fprintf(c.m.Stderr, "exported %d %s to %s in %s\n", st.Rows, entity, where, elapsed.Round(time.Millisecond))
	}
	if *jsonOut {
		enc := json.NewEncoder(c.m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(exportSummary{Entity: string(entity), File: out, Format: fmtName, Rows: st.Rows,
			Pages: st.Pages, Header: st.Header, Seconds: elapsed.Seconds(), Notes: notes})
	}
	return nil
}

func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func parseDelimiter(s string) (rune, error) {
	switch s {
	case "", ",":
		return ',', nil
	case `\t`, "\t", "tab":
		return '\t', nil
	}
	r := []rune(s)
	if len(r) != 1 {
		return 0, fmt.Errorf("--delimiter %q: want one character", s)
	}
	return r[0], nil
}

// parseDate reads YYYY-MM-DD (midnight in loc, or the day's last second
// when end is set) or RFC 3339.
func parseDate(s string, loc *time.Location, end bool) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		if end {
			t = t.AddDate(0, 0, 1).Add(-time.Second)
		}
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// parseRange builds a range from the --NAME-from and --NAME-to flags.
func parseRange(name, from, to string, loc *time.Location) (*kommo.Range, error) {
	if from == "" && to == "" {
		return nil, nil
	}
	r := &kommo.Range{}
	for _, b := range []struct {
		flag, v string
		end     bool
		dst     *int64
	}{{name + "-from", from, false, &r.From}, {name + "-to", to, true, &r.To}} {
		if b.v == "" {
			continue
		}
		t, err := parseDate(b.v, loc, b.end)
		if err != nil {
			return nil, &usageError{msg: fmt.Sprintf("--%s %q: want YYYY-MM-DD or RFC 3339 (2025-01-31T18:00:00+01:00)", b.flag, b.v), hint: "--" + b.flag + " 2025-01-31"}
		}
		*b.dst = t.Unix()
	}
	if r.From != 0 && r.To != 0 && r.From > r.To {
		return nil, &usageError{msg: fmt.Sprintf("--%s-from is after --%s-to", name, name)}
	}
	return r, nil
}

// checkEventType refuses an --event-types value that is not one of
// Kommo's event types (kommo.EventTypes, or custom_field_{ID}_value_changed),
// naming the closest ones.
func checkEventType(t string) error {
	if kommo.IsEventType(t) {
		return nil
	}
	msg := fmt.Sprintf("--event-types: %q is not a Kommo event type", t)
	if slices.Contains(kommo.AmoCRMEventTypes, t) {
		msg = fmt.Sprintf("--event-types: %q is an amoCRM event type, not in Kommo's list", t)
	}
	if c := value.Closest(t, kommo.EventTypes, 3); len(c) > 0 {
		msg += "; closest: " + strings.Join(c, ", ")
	}
	return &usageError{msg: msg, hint: "--event-types lead_added,lead_status_changed (custom_field_ID_value_changed: changes of one field)"}
}

// singular names an entity type the way the events list wants it.
func singular(s string) string {
	switch s = strings.ToLower(s); s {
	case "leads":
		return "lead"
	case "contacts":
		return "contact"
	case "companies":
		return "company"
	case "tasks":
		return "task"
	case "customers":
		return "customer"
	}
	return s
}

// plural names an entity type the way tasks and fields want it.
func plural(s string) kommo.EntityType {
	switch s = strings.ToLower(s); s {
	case "lead":
		return kommo.EntityLeads
	case "contact":
		return kommo.EntityContacts
	case "company":
		return kommo.EntityCompanies
	}
	return kommo.EntityType(s)
}

// setEntityFilter applies --entity as the dataset understands it.
func setEntityFilter(f *bulk.ExportFilter, entity kommo.EntityType, vals []string) error {
	if len(vals) == 0 {
		return nil
	}
	bad := func(v, want string) error {
		return &usageError{msg: fmt.Sprintf("--entity %q: %s takes %s", v, entity, want), hint: "kommo-bulk export -h"}
	}
	switch entity {
	case bulk.ExportTasks:
		if len(vals) > 1 {
			return bad(strings.Join(vals, ","), "one of leads, contacts, companies")
		}
		e := plural(vals[0])
		if !slices.Contains(bulk.SchemaEntities, e) {
			return bad(vals[0], "one of leads, contacts, companies")
		}
		f.TaskEntityType = e
	case bulk.ExportEvents:
		for _, v := range vals {
			s := singular(v)
			if !slices.Contains([]string{"lead", "contact", "company", "task", "customer"}, s) && !strings.HasPrefix(s, "catalog_") {
				return bad(v, "lead, contact, company, task, customer or catalog_ID")
			}
			f.EventEntities = append(f.EventEntities, s)
		}
	case bulk.ExportFields:
		for _, v := range vals {
			e := plural(v)
			if !slices.Contains(bulk.SchemaEntities, e) {
				return bad(v, "leads, contacts or companies")
			}
			f.FieldEntities = append(f.FieldEntities, e)
		}
	}
	return nil
}

// exportNameError turns a filter's unknown or ambiguous name into a usage
// error that says which flag, with the schema listing as the hint.
func exportNameError(err error) error {
	var ne *bulk.ExportNameError
	if !errors.As(err, &ne) {
		return err
	}
	hint := map[string]string{"pipeline": "kommo-bulk schema pipelines", "stage": "kommo-bulk schema stages",
		"task-type": "kommo-bulk schema task-types"}[ne.Filter]
	if hint == "" {
		hint = "kommo-bulk schema users"
		if errors.Is(err, mapping.ErrUsersHidden) {
			hint = "--" + ne.Filter + " 12345 (a user id)"
		}
	}
	return &usageError{msg: "--" + ne.Filter + ": " + ne.Err.Error(), hint: hint}
}
