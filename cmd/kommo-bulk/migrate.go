package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"cmp"
	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/engine"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

const migrateSynopsis = `migrate [--from SOURCE] FILE... [flags]

Moves the exports of another CRM into Kommo in one run: the files are classified
(by their headers, or their names), mapped by the source's preset, and imported in
dependency order (companies, contacts, leads, tasks). Source ids are kept in a
custom field (--id-field) and used as the upsert key, so records are linked across
files by them and a second run updates what the first wrote. Owners and stages are
matched by name, with tables for the rest (--tables, --user, --stage); any value that
matches nothing stops the run before anything is written. A report (Markdown, JSON
and a printable HTML page) lists what was migrated, merged and left out.

History files (notes, calls, e-mails, meetings, comments, as each source exports
them) come with the others, several of them: each row becomes a note on the record
the migration wrote for the source id it names, signed by its author (matched like
owners) and dated; attachments are listed in the report, not migrated. Done tasks
stay done with their result; open overdue ones as --overdue-tasks says.

Sources: hubspot, salesforce, pipedrive, zoho, bitrix24, amocrm (also Kommo's own).

Examples:

	kommo-bulk migrate --from hubspot contacts.csv companies.csv deals.csv --create-fields --dry-run
	kommo-bulk migrate --from hubspot contacts.csv companies.csv deals.csv --create-fields --sample 50
	kommo-bulk migrate --from bitrix24 --tables owners-stages.yaml COMPANY.csv CONTACT.csv DEAL.csv
	kommo-bulk migrate --from hubspot companies.csv contacts.csv deals.csv notes.csv calls.csv --tables tables.yaml
	kommo-bulk migrate --from pipedrive --dump-preset --entity leads --lang cs > deals.yaml
	kommo-bulk migrate --dump-preset deals.csv            # the spec each file would be mapped by
	kommo-bulk migrate --from hubspot --mapping deals.yaml contacts.csv deals.csv
	kommo-bulk migrate --from hubspot --delta state contacts.csv deals.csv   # a week later: the same, sends what changed

A tables file (--tables) is YAML:

	users:     {"Jane Roe": boris@example.com, "0055g00000A1b2C": Ana Admin}
	pipelines: {"Sales Pipeline": Sales}
	stages:    {"Appointment scheduled": Qualified, "Sales Pipeline/Contract sent": "Sales/Proposal"}

or the CSV that --unmatched-csv writes (kind, file, column, value, rows, closest
names), its Kommo column filled in a spreadsheet (saved as CSV or XLSX).

Flags:`

// MigrateCommand migrates another CRM's exports into Kommo.
type MigrateCommand struct {
	m *Main
	jsonFlag
}

// repeatFlag collects a repeated flag, one value per use.
type repeatFlag []string

func (l *repeatFlag) String() string     { return strings.Join(*l, ",") }
func (l *repeatFlag) Set(s string) error { *l = append(*l, s); return nil }

// migrateTables is the --tables file.
type migrateTables struct {
	Users     map[string]string `yaml:"users"`
	Pipelines map[string]string `yaml:"pipelines"`
	Stages    map[string]string `yaml:"stages"`
}

type migrateArgs struct {
	conn         connFlags
	from         string
	dump         bool
	lang         string
	entity       string
	mappings     repeatFlag
	tables       string
	users        repeatFlag
	stages       repeatFlag
	pipelines    repeatFlag
	idField      string
	createFields bool
	sample       int
	dryRun       bool
	jobID        string
	resume       string
	results      string
	report       string
	unmatchedCSV string
	batch        int
	workers      int
	encoding     string
	region       string
	timeZone     string
	asJSON       bool
	overdue      string
	delta        deltaArgs
	files        []string
}

// Run parses flags and migrates.
func (c *MigrateCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("migrate", migrateSynopsis)
	c.watch(fs, args)
	var a migrateArgs
	a.conn.register(fs)
	fs.StringVar(&a.from, "from", "", "source `CRM`: hubspot, salesforce, pipedrive, zoho, bitrix24 or amocrm (default detected from the headers)")
	fs.BoolVar(&a.dump, "dump-preset", false, "print the mapping spec of each FILE (or, without files, the preset of --from) as an editable YAML spec, and stop")
	fs.StringVar(&a.lang, "lang", "", "`language` of the report and summaries: en, es, pt-BR, ru (default from LANG); with --dump-preset and no files, of the source's headers: en, ru, cs, de, es, pt, api (default en)")
	fs.StringVar(&a.entity, "entity", "", "with --dump-preset: only this entity's spec (companies, contacts, leads, tasks)")
	fs.Var(&a.mappings, "mapping", "mapping spec `file` to use instead of the preset for the files of its entity (repeatable)")
	fs.StringVar(&a.tables, "tables", "", "YAML `file` with users, pipelines and stages tables for source values that match nothing by name, or the CSV of --unmatched-csv filled in")
	fs.StringVar(&a.unmatchedCSV, "unmatched-csv", "", "write the source values that match nothing to this CSV `file`: fill its Kommo column and pass it to --tables")
	fs.Var(&a.users, "user", "owner table entry `SOURCE=KOMMO` (user name, e-mail or id; repeatable)")
	fs.Var(&a.stages, "stage", "stage table entry `SOURCE=KOMMO` (\"Stage\" or \"Pipeline/Stage\" on both sides; repeatable)")
	fs.Var(&a.pipelines, "pipeline", "pipeline table entry `SOURCE=KOMMO` (repeatable)")
	fs.StringVar(&a.idField, "id-field", migrate.DefaultIDField, "custom field `name` that keeps the source ids (created with --create-fields)")
	fs.BoolVar(&a.createFields, "create-fields", false, "create the custom fields the account lacks (the id field included), with the right type and options")
	fs.IntVar(&a.sample, "sample", 0, "migrate only `N` records of the last file with the records they link to, show them and stop; run again without it for the rest")
	fs.BoolVar(&a.dryRun, "dry-run", false, "check, match and look everything up, and report what would happen, without writing")
	fs.StringVar(&a.jobID, "job", "", "migration `id`: names the journals and the report (default migrate-SOURCE-TIME)")
	fs.StringVar(&a.resume, "resume", "", "continue the stopped migration `ID` from its journals (same files and flags)")
	fs.StringVar(&a.results, "results", "", "`directory` for the journals and the report (default the first file's)")
	fs.StringVar(&a.report, "report", "", "report `path` without extension (default RESULTS/ID-report); .md, .json and .html are written")
	fs.IntVar(&a.batch, "batch", 50, "rows per write request (at most 250)")
	fs.IntVar(&a.workers, "workers", 4, "batches in flight (they share the rate limit)")
	fs.StringVar(&a.encoding, "encoding", "", "text encoding of the CSV files (default detected)")
	fs.StringVar(&a.region, "region", "", "ISO `country` of phones written without a country code (default the preset's: RU for Russian exports)")
	fs.StringVar(&a.timeZone, "time-zone", "", "IANA `zone` of the source's dates without an offset (default the preset's)")
	fs.StringVar(&a.overdue, "overdue-tasks", "open", "open tasks past their deadline: `open` (kept open with their deadline), done (written done) or skip (left out, listed in the report)")
	a.delta.registerMigrate(fs)
	fs.BoolVar(&a.asJSON, "json", false, "print the report as JSON on stdout (with each file's landed, warned and failed rows and warnings by cause)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	a.files = pos
	if a.dump {
		return c.dump(&a)
	}
	if len(a.files) == 0 {
		return &usageError{msg: "no files to migrate", hint: "kommo-bulk migrate --from hubspot contacts.csv companies.csv deals.csv"}
	}
	return c.migrate(ctx, &a)
}

// classified is one input file with its preset fit.
type classified struct {
	path   string
	source string
	entity kommo.EntityType
	conf   float64
	fit    *migrate.Fit
	spec   *mapping.Spec // set when --mapping replaces the preset
	mapped string
}

// openTable opens a CSV or XLSX file.
func openTable(path, encoding string) (sheet.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	t, err := sheet.Open(filepath.Base(path), f, st.Size(), sheet.ReadOptions{CSV: sheet.CSVOptions{Name: path, Encoding: encoding}})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &closeBoth{Table: t, f: f}, nil
}

type closeBoth struct {
	sheet.Table
	f *os.File
}

func (c *closeBoth) Close() error {
	err := c.Table.Close()
	if ferr := c.f.Close(); err == nil {
		err = ferr
	}
	return err
}

// classify finds the source and entity of every file.
func (c *MigrateCommand) classify(a *migrateArgs) ([]*classified, error) {
	presets := migrate.Presets()
	if a.from != "" {
		p, err := migrate.PresetFor(a.from)
		if err != nil {
			return nil, &usageError{msg: err.Error()}
		}
		presets = []*migrate.Preset{p}
	}
	specs := map[kommo.EntityType]*mapping.Spec{}
	specFile := map[kommo.EntityType]string{}
	for _, p := range a.mappings {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		s, err := mapping.ParseSpec(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		specs[s.Entity], specFile[s.Entity] = s, p
	}
	var out []*classified
	seen := map[kommo.EntityType]string{}
	for _, path := range a.files {
		t, err := openTable(path, a.encoding)
		if err != nil {
			return nil, err
		}
		header := t.Header()
		t.Close()
		ds := migrate.Detect(presets, path, header)
		if len(ds) == 0 || ds[0].Confidence < 0.3 {
			hint := "name the source with --from, or map the file with --mapping"
			return nil, &usageError{msg: fmt.Sprintf("%s: cannot tell which export this is (its columns match no preset)", path), hint: hint}
		}
		d := ds[0]
		if a.from == "" && len(out) > 0 && d.Source != out[0].source {
			return nil, &usageError{msg: fmt.Sprintf("%s looks like a %s export, %s like a %s one; migrate one source at a time or name it with --from", out[0].path, out[0].source, path, d.Source)}
		}
		// History files (notes, calls, e-mails...) may be several.
		if prev, dup := seen[d.Entity]; dup && d.Entity != migrate.EntityNotes {
			return nil, &usageError{msg: fmt.Sprintf("%s and %s both look like %s files; pass one file per entity", prev, path, d.Entity)}
		}
		seen[d.Entity] = path
		cl := &classified{path: path, source: d.Source, entity: d.Entity, conf: d.Confidence, fit: d.File.Fit(header, a.idField)}
		switch {
		case cl.fit.History != nil:
			cl.fit.History.Source = d.Preset.Name
		case len(cl.fit.Spec.Notes) > 0:
			cl.fit.History = &migrate.History{Source: d.Preset.Name}
		}
		if a.region != "" {
			cl.fit.Spec.Options.Region = a.region
		}
		if a.timeZone != "" {
			cl.fit.Spec.Options.TimeZone = a.timeZone
		}
		if s := specs[d.Entity]; s != nil {
			cl.spec, cl.mapped = s, specFile[d.Entity]
		}
		out = append(out, cl)
	}
	return out, nil
}

// dump prints specs: each file's fitted spec, or the preset's templates.
func (c *MigrateCommand) dump(a *migrateArgs) error {
	w := c.m.Stdout
	first := true
	emit := func(comment string, s *mapping.Spec) error {
		if !first {
			fmt.Fprintln(w, "---")
		}
		first = false
		fmt.Fprintln(w, comment)
		return s.WriteYAML(w)
	}
	if len(a.files) > 0 {
		cls, err := c.classify(a)
		if err != nil {
			return err
		}
		for _, cl := range cls {
			if a.entity != "" && string(cl.entity) != a.entity {
				continue
			}
			comment := fmt.Sprintf("# %s: %s %s export (confidence %.0f%%)", cl.path, cl.source, cl.entity, 100*cl.conf)
			if len(cl.fit.Ignored) > 0 {
				comment += "\n# columns the preset does not know (not migrated): " + strings.Join(cl.fit.Ignored, ", ")
			}
			if err := emit(comment, cl.fit.Spec); err != nil {
				return err
			}
		}
		return nil
	}
	if a.from == "" {
		return &usageError{msg: "--dump-preset needs --from SOURCE or files", hint: "kommo-bulk migrate --from hubspot --dump-preset"}
	}
	p, err := migrate.PresetFor(a.from)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	for _, f := range p.Files {
		if a.entity != "" && string(f.Entity) != a.entity {
			continue
		}
		fit := f.Template(cmp.Or(a.lang, "en"), a.idField)
		if err := emit(fmt.Sprintf("# %s %s export (%s headers)", p.Name, f.Entity, fit.Language), fit.Spec); err != nil {
			return err
		}
	}
	return nil
}

// parseTable reads SOURCE=KOMMO entries into t.
func parseTable(t map[string]string, entries []string, flag string) (map[string]string, error) {
	for _, e := range entries {
		k, v, ok := strings.Cut(e, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, &usageError{msg: fmt.Sprintf("--%s %q: want SOURCE=KOMMO", flag, e)}
		}
		if t == nil {
			t = map[string]string{}
		}
		t[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return t, nil
}

func (c *MigrateCommand) migrate(ctx context.Context, a *migrateArgs) error {
	if a.batch < 1 || a.batch > kommo.MaxBatch {
		return &usageError{msg: fmt.Sprintf("--batch %d: want 1 to %d", a.batch, kommo.MaxBatch)}
	}
	overdue, err := migrate.ParseOverduePolicy(a.overdue)
	if err != nil {
		return &usageError{msg: "--" + err.Error()}
	}
	cls, err := c.classify(a)
	if err != nil {
		return err
	}
	tables, tableRows, err := loadNameTables(a.tables, a.users, a.stages, a.pipelines)
	if err != nil {
		return err
	}
	results := a.results
	if results == "" {
		results = filepath.Dir(cls[0].path)
	}
	if err := os.MkdirAll(results, 0o755); err != nil {
		return err
	}
	source := cls[0].source
	if a.resume != "" {
		a.jobID = a.resume
	}
	if a.jobID == "" {
		a.jobID = "migrate-" + source + "-" + time.Now().Format("20060102-150405")
	}

	var files []migrate.File
	fmt.Fprintf(c.m.Stderr, "migrating from %s:\n", source)
	for _, cl := range cls {
		cl := cl
		spec := cl.fit.Spec
		how := fmt.Sprintf("%s preset, %.0f%% sure", cl.source, 100*cl.conf)
		if cl.spec != nil {
			spec, how = cl.spec, "mapping "+cl.mapped
		}
		fmt.Fprintf(c.m.Stderr, "  %-28s %-9s (%s)\n", filepath.Base(cl.path), cl.entity, how)
		if cl.spec == nil && len(cl.fit.Ignored) > 0 {
			fmt.Fprintf(c.m.Stderr, "    not migrated (no preset column): %s\n", strings.Join(cl.fit.Ignored, ", "))
		}
		fit := cl.fit
		journal := fmt.Sprintf("%s-%s.journal", a.jobID, cl.entity)
		if cl.entity == migrate.EntityNotes {
			journal = fmt.Sprintf("%s-notes-%s.journal", a.jobID, strings.TrimSuffix(filepath.Base(cl.path), filepath.Ext(cl.path)))
		}
		mf := migrate.File{
			Name:       filepath.Base(cl.path),
			Spec:       spec,
			Open:       func() (sheet.Table, error) { return openTable(cl.path, a.encoding) },
			FieldTypes: fit.Types,
			Journal:    filepath.Join(results, journal),
			History:    fit.History,
		}
		if len(fit.Skip) > 0 {
			mf.Skip = func(h, rec []string) (string, bool) { return fit.Skips(h, rec) }
		}
		files = append(files, mf)
	}

	client, err := a.conn.pacedClient(c.m)
	if err != nil {
		return err
	}
	// The engine runs the migration, as it runs the page's, through this
	// client (its OAuth refresh, the host's rate budget), with the files
	// opened here (and their journals).
	eng := engine.New()
	if err := eng.Configure(engine.Config{Client: client}); err != nil {
		return err
	}
	progress := newProgress(c.m.Stderr)
	params := engine.MigrateParams{
		JobID:        a.jobID,
		IDField:      a.idField,
		Users:        tables.Users,
		Pipelines:    tables.Pipelines,
		Stages:       tables.Stages,
		CreateFields: a.createFields,
		Sample:       a.sample,
		DryRun:       a.dryRun,
		OverdueTasks: string(overdue),
		BatchSize:    a.batch,
		Workers:      a.workers,
	}
	run := engine.MigrateRun{
		Files:    files,
		Resume:   a.resume != "",
		Progress: func(_ string, p bulk.Progress) { progress(p) },
	}
	if run.Delta, err = a.delta.migrateOptions(); err != nil {
		return err
	}
	rep, runErr := eng.Migrate(ctx, params, run)
	if rep != nil && run.Delta != nil {
		if derr := a.delta.migrateSummary(c.m, rep, filepath.Join(results, a.jobID+"-conflicts.csv")); runErr == nil {
			runErr = derr
		}
	}
	fmt.Fprintln(c.m.Stderr)
	if errors.Is(runErr, bulk.ErrJournalLocked) {
		return runErr // the process that holds the migration writes its report
	}
	reportBase := a.report
	if reportBase == "" {
		reportBase = filepath.Join(results, a.jobID+"-report")
	}
	var ue *migrate.UnmatchedError
	var mf *migrate.MissingFieldsError
	err = runErr
	switch {
	case errors.As(runErr, &ue):
		err = errors.New("stopped before writing: add the values above to the tables (--tables FILE, --user, --stage) or fix the files")
	case runErr == nil:
		failed := 0
		for _, f := range rep.Files {
			failed += f.Failed
		}
		if failed > 0 {
			err = errRowErrors
		}
	}
	// With --json, stdout carries the report alone (on failure Main
	// prints it with the error, as one object); the other lines go to
	// stderr.
	say := c.m.Stdout
	if a.asJSON {
		say = c.m.Stderr
	}
	if rep != nil {
		if werr := writeReport(reportBase, rep, cliLang(c.m, a.lang)); werr != nil {
			return werr
		}
		switch {
		case !a.asJSON:
			printMigration(c.m.Stdout, rep, cliLang(c.m, a.lang))
		case err == nil:
			rep.WriteJSON(c.m.Stdout)
		default:
			var js bytes.Buffer
			rep.WriteJSON(&js)
			err = &partialError{err: err, result: json.RawMessage(js.Bytes())}
		}
		fmt.Fprintf(say, "report: %s.md (and .json, .html)\n", reportBase)
		fmt.Fprintf(say, "report sections as CSV: %s\n", reportCSVNames(reportBase))
	}
	switch {
	case ue != nil:
		printUnmatched(c.m.Stderr, ue)
		writeUnmatchedCSV(c.m, a, ue, tableRows)
	case errors.As(runErr, &mf):
	case runErr != nil:
		if !a.dryRun && a.sample == 0 {
			fmt.Fprintf(c.m.Stderr, "stopped; after fixing the cause, continue with the same command and --resume %s\n", a.jobID)
		}
	case a.sample > 0 && !a.dryRun:
		fmt.Fprintln(say, "sample migrated; check it in Kommo, then run the same command without --sample for the rest (the sample is updated, not duplicated)")
	}
	return err
}

// writeReport writes the report as Markdown and HTML in language lang,
// and as JSON (English, with codes) and CSV tables.
func writeReport(base string, rep *migrate.Report, lang string) error {
	md := func(w io.Writer) error { return rep.WriteMarkdownLang(w, lang) }
	html := func(w io.Writer) error { return rep.WriteHTMLLang(w, lang) }
	for ext, write := range map[string]func(io.Writer) error{".md": md, ".json": rep.WriteJSON, ".html": html} {
		f, err := os.Create(base + ext)
		if err != nil {
			return err
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return writeReportCSV(base, rep)
}

// printMigration prints the counts, merges and sample records; the
// summaries by cause in language lang.
func printMigration(w io.Writer, rep *migrate.Report, lang string) {
	verb, land := "", "landed"
	if rep.DryRun {
		verb, land = "would be ", "would land"
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "warning: %s\n", n)
	}
	for _, f := range rep.Files {
		if f.Entity == migrate.EntityNotes && f.Notes != nil {
			fmt.Fprintf(w, "%-28s %-9s %d rows: %d notes %swritten, %d already there, %d failed, %d left out\n",
				f.File, f.Entity, f.Rows, f.Notes.Written, verb, f.Notes.Existing, f.Notes.Failed, f.Skipped-f.Notes.Existing)
			continue
		}
		fmt.Fprintf(w, "%-28s %-9s %d rows: %d %s, %d with warnings, %d failed (%d %screated, %d %supdated, %d merged, %d skipped)\n",
			f.File, f.Entity, f.Rows, f.Landed, land, f.Warned, f.Failed, f.Created, verb, f.Updated, verb, f.Merged, f.Skipped)
		printCauses(w, "  ", lang, f.Warnings, nil, f.Regions)
		if f.Notes != nil {
			fmt.Fprintf(w, "  notes: %d %swritten, %d already there, %d failed\n", f.Notes.Written, verb, f.Notes.Existing, f.Notes.Failed)
		}
	}
	if n := len(rep.Attachments); n > 0 {
		fmt.Fprintf(w, "%d attachments of notes not migrated (files are not carried): listed in the report\n", n)
	}
	if len(rep.FieldsCreated) > 0 {
		var names []string
		for _, f := range rep.FieldsCreated {
			names = append(names, fmt.Sprintf("%s.%s (%s)", f.Entity, f.Name, f.Type))
		}
		fmt.Fprintf(w, "custom fields %screated: %s\n", verb, strings.Join(names, ", "))
	}
	for _, m := range rep.Merges {
		fmt.Fprintf(w, "merged: %s row %d (%s) into %s, same %s\n", m.File, m.Line, m.Key, m.Into, m.By)
	}
	shown := 0
	for _, s := range rep.Skipped {
		if shown == 10 {
			fmt.Fprintf(w, "... %d more rows not migrated in the report\n", len(rep.Skipped)-shown)
			break
		}
		col := ""
		if s.Column != "" {
			col = fmt.Sprintf(" column %q", s.Column)
		}
		fmt.Fprintf(w, "not migrated: %s row %d%s: %s\n", s.File, s.Line, col, s.Reason)
		shown++
	}
	if len(rep.Records) > 0 {
		fmt.Fprintln(w, "sample records:")
		recs := append([]migrate.MigratedRecord(nil), rep.Records...)
		sort.SliceStable(recs, func(i, j int) bool { return recs[i].File < recs[j].File })
		for _, r := range recs {
			var ids []string
			for _, e := range []kommo.EntityType{kommo.EntityCompanies, kommo.EntityContacts, kommo.EntityLeads, kommo.EntityTasks} {
				if id, ok := r.IDs[e]; ok {
					ids = append(ids, fmt.Sprintf("%s %d", e, id))
				}
			}
			fmt.Fprintf(w, "  %s row %d (%s): %s %s\n", r.File, r.Line, r.Key, r.Action, strings.Join(ids, ", "))
		}
	}
}

// printUnmatched lists the values that match nothing, with a tables
// skeleton to fill in.
func printUnmatched(w io.Writer, ue *migrate.UnmatchedError) {
	fmt.Fprintln(w, "these source values match nothing in the account:")
	section := map[string][]string{}
	for _, u := range ue.Values {
		hint := ""
		if u.Reason != "" {
			hint = ": " + u.Reason
		}
		if len(u.Closest) > 0 {
			hint += "; closest: " + strings.Join(u.Closest, ", ")
		}
		fmt.Fprintf(w, "  %s, column %q: %s %q (%d rows)%s\n", u.File, u.Column, u.Kind, u.Value, u.Rows, hint)
		key := map[string]string{"user": "users", "pipeline": "pipelines", "stage": "stages"}[u.Kind]
		if key != "" {
			to := ""
			if len(u.Closest) > 0 {
				to = u.Closest[0]
			}
			section[key] = append(section[key], fmt.Sprintf("  %q: %q", u.Value, to))
		}
	}
	if len(section) == 0 {
		return
	}
	fmt.Fprintln(w, "a tables file to start from (--tables FILE):")
	for _, k := range []string{"users", "pipelines", "stages"} {
		if len(section[k]) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s:\n%s\n", k, strings.Join(section[k], "\n"))
	}
}
