package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/i18n"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/migrate"
)

// A migration in the browser: the exports of another CRM, opened with
// OpenFile, are classified by the presets (DetectMigration), checked with a
// dry run of bulk.Migrate (values that match nothing, fields to create,
// what would happen), then migrated (a sample first, then the rest) as a
// MigrationJob. bulk.Migrate reads the files through Open functions, so
// the bytes stay in memory.

// minConfidence is the detection below which a file is not classified
// (the CLI's threshold).
const minConfidence = 0.3

// DetectMigration finds the source and kind of each file. With from set
// only that source's presets are tried; otherwise the files are taken to
// come from the one source that fits them best together, and each file is
// classified within it.
func (e *Engine) DetectMigration(ids []int, from, idField string) (*MigrationDetection, error) {
	presets := migrate.Presets()
	if from != "" {
		p, err := migrate.PresetFor(from)
		if err != nil {
			return nil, err
		}
		presets = []*migrate.Preset{p}
	}
	if idField == "" {
		idField = migrate.DefaultIDField
	}
	out := &MigrationDetection{Sources: sourceInfos(migrate.Presets()), Files: []FileDetection{}}
	type found struct {
		f  *file
		ds []migrate.Detection
	}
	var all []found
	score := map[string]float64{}
	for _, id := range ids {
		f, err := e.file(id)
		if err != nil {
			return nil, err
		}
		ds := migrate.Detect(presets, f.name, f.header)
		// A source scores its best kind of each file.
		best := map[string]float64{}
		for _, d := range ds {
			best[d.Source] = max(best[d.Source], d.Confidence)
		}
		for s, c := range best {
			score[s] += c
		}
		all = append(all, found{f, ds})
	}
	for s, c := range score {
		if c > score[out.Source] || c == score[out.Source] && s < out.Source {
			out.Source = s
		}
	}
	for _, fd := range all {
		det := FileDetection{FileID: fd.f.id, Name: fd.f.name, Candidates: []DetectionCandidate{}, Ignored: []string{}}
		for _, d := range fd.ds {
			if len(det.Candidates) < 5 {
				det.Candidates = append(det.Candidates, DetectionCandidate{Source: d.Source, Entity: string(d.Entity), Confidence: d.Confidence})
			}
			if d.Source != out.Source || det.Source != "" || d.Confidence < minConfidence {
				continue
			}
			det.Source, det.Entity, det.Confidence = d.Source, string(d.Entity), d.Confidence
			if fit := d.File.Fit(fd.f.header, idField); len(fit.Ignored) > 0 {
				det.Ignored = fit.Ignored
			}
		}
		out.Files = append(out.Files, det)
	}
	return out, nil
}

func sourceInfos(presets []*migrate.Preset) []SourceInfo {
	out := make([]SourceInfo, 0, len(presets))
	for _, p := range presets {
		si := SourceInfo{Source: p.Source, Name: p.Name, Entities: []string{}}
		for _, f := range p.Files {
			if !slices.Contains(si.Entities, string(f.Entity)) { // several history kinds are one: notes
				si.Entities = append(si.Entities, string(f.Entity))
			}
		}
		out = append(out, si)
	}
	return out
}

// migrationFiles fits each file's preset and makes the files of a
// bulk.Migrate: read from memory, with the user's cell fixes.
func (e *Engine) migrationFiles(p MigrateParams) ([]migrate.File, error) {
	if len(p.Files) == 0 {
		return nil, errors.New("migrate: no files")
	}
	idField := p.IDField
	if idField == "" {
		idField = migrate.DefaultIDField
	}
	var files []migrate.File
	seen := map[kommo.EntityType]string{}
	for _, mf := range p.Files {
		f, err := e.file(mf.FileID)
		if err != nil {
			return nil, err
		}
		if mf.Source == "" || mf.Entity == "" {
			return nil, fmt.Errorf("migrate: %s: say which source and which kind of export it is", f.name)
		}
		preset, err := migrate.PresetFor(mf.Source)
		if err != nil {
			return nil, err
		}
		ent, pf, err := presetKind(preset, mf.Entity, f.name, f.header)
		if err != nil {
			return nil, fmt.Errorf("migrate: %s: %w", f.name, err)
		}
		if pf == nil {
			return nil, fmt.Errorf("migrate: %s: the %s preset has no %s export", f.name, preset.Name, ent)
		}
		if prev, dup := seen[ent]; dup && ent != migrate.EntityNotes {
			return nil, fmt.Errorf("migrate: %s and %s are both %s files; migrate one file per kind", prev, f.name, ent)
		}
		seen[ent] = f.name
		// A new fit every time: Migrate changes the spec it is given.
		fit := pf.Fit(f.header, idField)
		if p.Region != "" {
			fit.Spec.Options.Region = p.Region
		}
		if p.TimeZone != "" {
			fit.Spec.Options.TimeZone = p.TimeZone
		}
		switch {
		case fit.History != nil:
			fit.History.Source = preset.Name
		case len(fit.Spec.Notes) > 0:
			fit.History = &migrate.History{Source: preset.Name}
		}
		bf := migrate.File{Name: f.name, Spec: fit.Spec, Open: f.open, FieldTypes: fit.Types, History: fit.History}
		if len(fit.Skip) > 0 {
			bf.Skip = fit.Skips
		}
		files = append(files, bf)
	}
	return files, nil
}

// presetKind is the kind of export of a file: the preset's kind of entity
// e; of the history kinds (notes, calls, e-mails, ...), the one the
// file's name and header fit best.
func presetKind(p *migrate.Preset, e, name string, header []string) (kommo.EntityType, *migrate.PresetFile, error) {
	if kommo.EntityType(e) != migrate.EntityNotes {
		ent, err := ParseEntity(e)
		if err != nil {
			return "", nil, err
		}
		return ent, p.File(ent), nil
	}
	for _, d := range migrate.Detect([]*migrate.Preset{p}, name, header) {
		if d.Entity == migrate.EntityNotes {
			return d.Entity, d.File, nil
		}
	}
	return migrate.EntityNotes, p.File(migrate.EntityNotes), nil
}

// MigrationJob is a running migration. Pause holds its requests before
// they are sent; Cancel stops it, and Wait then returns what it did.
type MigrationJob struct {
	jobBase
	res *MigrationResult
}

// Wait waits for the migration and returns its result; a migration that
// stopped has one too, with its Status and Error.
func (j *MigrationJob) Wait() *MigrationResult {
	<-j.done
	return j.res
}

// CheckMigration is a dry run of the migration: it reads every file,
// matches owners and stages, finds the fields to create and the records
// to create, update and merge, and writes nothing.
func (e *Engine) CheckMigration(ctx context.Context, p MigrateParams) (*MigrationResult, error) {
	p.DryRun = true
	j, err := e.StartMigration(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	return j.Wait(), nil
}

// MigrateRun is what a native front end (the CLI) gives a migration
// besides the page's MigrateParams: files it opened itself and the
// options the page does not have. It is Go only, never JSON.
type MigrateRun struct {
	// Files, if set, are the files to migrate as the front end opened
	// them (from disk, with their journals); MigrateParams.Files, Region
	// and TimeZone are then not read. Migrate changes their specs: give
	// it files fitted for this run.
	Files []migrate.File
	// Resume continues the files' imports from their journals.
	Resume bool
	// Delta, if set, makes the run a delta run (migrate.DeltaOptions).
	Delta *migrate.DeltaOptions
	// Progress, if set, is called after every batch of every file, from
	// the imports' goroutines.
	Progress func(file string, p bulk.Progress)
	// Results, if set, is given each file's import result when its import
	// ends (migrate.Options.Results).
	Results func(file string, res *bulk.Result)

	// client is a job's own client (StartMigration's, which pauses); nil
	// means the engine's (Config.Client, if set).
	client *kommo.Client
}

// checkMigrate checks the options of a migration and returns its policy
// for overdue tasks.
func checkMigrate(p MigrateParams) (migrate.OverduePolicy, error) {
	if err := checkBatchSize(p.BatchSize); err != nil {
		return "", err
	}
	if p.Sample < 0 {
		return "", fmt.Errorf("sample %d: want a positive number of records", p.Sample)
	}
	overdue, err := migrate.ParseOverduePolicy(p.OverdueTasks)
	if err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	return overdue, nil
}

// Migrate runs a migration to its end (a sample with p.Sample, a dry run
// with p.DryRun) and returns its report: the migration both front ends
// run. The CLI calls it with its own files and client (Config.Client);
// the page's StartMigration calls it in its job, with the files opened
// in the engine and the job's client. The report comes with the error
// of a run that stopped (*migrate.UnmatchedError,
// *migrate.MissingFieldsError, ...) when the run got that far.
func (e *Engine) Migrate(ctx context.Context, p MigrateParams, run MigrateRun) (*migrate.Report, error) {
	overdue, err := checkMigrate(p)
	if err != nil {
		return nil, err
	}
	files := run.Files
	if files == nil {
		if files, err = e.migrationFiles(p); err != nil {
			return nil, err
		}
	}
	client := run.client
	if client == nil {
		if client, err = e.client(nil); err != nil {
			return nil, err
		}
	}
	jobID := p.JobID
	if jobID == "" {
		jobID = "migration-" + time.Now().UTC().Format("20060102-150405")
	}
	opts := migrate.Options{
		JobID: jobID, IDField: p.IDField, Users: p.Users, Pipelines: p.Pipelines, Stages: p.Stages,
		CreateFields: p.CreateFields, Sample: p.Sample, DryRun: p.DryRun, Resume: run.Resume,
		BatchSize: p.BatchSize, Workers: p.Workers, OverdueTasks: overdue, Delta: run.Delta,
		Progress: run.Progress, Results: run.Results,
	}
	rep, err := migrate.Run(ctx, client, files, opts)
	if !p.DryRun {
		// Fields may have been created: the next schema() reads them.
		e.mu.Lock()
		e.schema = nil
		e.mu.Unlock()
	}
	return rep, err
}

// StartMigration starts a migration (a sample with p.Sample, a dry run
// with p.DryRun) and returns at once; progress is called from the job's
// goroutines, one call at a time. The job runs Migrate with the files
// opened in the engine and a client of its own (it pauses), and keeps the
// report and result files in memory.
func (e *Engine) StartMigration(ctx context.Context, p MigrateParams, progress func(MigrationProgress)) (*MigrationJob, error) {
	if _, err := checkMigrate(p); err != nil {
		return nil, err
	}
	files, err := e.migrationFiles(p)
	if err != nil {
		return nil, err
	}
	base, err := e.newJob(ctx)
	if err != nil {
		return nil, err
	}
	j := &MigrationJob{jobBase: base}
	j.run(func(ctx context.Context) {
		j.res = e.migrate(ctx, j.client, files, p, func(mp MigrationProgress) {
			if progress != nil {
				mp.Paused = j.gate.isPaused()
				progress(mp)
			}
		})
	})
	return j, nil
}

// migrate runs Migrate in a job and gathers its result for the page.
func (e *Engine) migrate(ctx context.Context, client *kommo.Client, files []migrate.File, p MigrateParams, progress func(MigrationProgress)) *MigrationResult {
	start := time.Now()
	byName := map[string]*file{}
	for _, mf := range p.Files {
		if f, err := e.file(mf.FileID); err == nil {
			byName[f.name] = f
		}
	}
	jobID := p.JobID
	if jobID == "" {
		jobID = "migration-" + start.UTC().Format("20060102-150405")
	}
	p.JobID = jobID
	var mu sync.Mutex // Progress and Results come from the imports' goroutines
	results := map[string]*bulk.Result{}
	var order []string
	var done MigrationProgress // the counts of the files finished
	var last MigrationProgress
	progress(MigrationProgress{Phase: "checking", Files: len(files)})
	run := MigrateRun{
		Files:  files,
		client: client,
		Progress: func(name string, bp bulk.Progress) {
			mu.Lock()
			defer mu.Unlock()
			if len(order) == 0 || order[len(order)-1] != name {
				order = append(order, name)
				done = last
			}
			mp := MigrationProgress{Phase: "migrating", File: name, FileIndex: len(order), Files: len(files),
				Rows: done.Rows + bp.Rows, Created: done.Created + bp.Created, Updated: done.Updated + bp.Updated,
				Skipped: done.Skipped + bp.Skipped, Failed: done.Failed + bp.Failed,
				FileRows: bp.Rows, FileExpected: bp.Expected, ElapsedMs: time.Since(start).Milliseconds()}
			last = mp
			progress(mp)
		},
		Results: func(name string, res *bulk.Result) {
			mu.Lock()
			results[name] = res
			mu.Unlock()
		},
	}
	rep, runErr := e.Migrate(ctx, p, run)
	out := &MigrationResult{Job: jobID, DryRun: p.DryRun, Sample: p.Sample, Status: "done", Report: rep,
		MissingFields: []migrate.CreatedField{}, ReportFiles: []*FileBytes{}, ResultFiles: []*FileBytes{}}
	var ue *migrate.UnmatchedError
	var mf *migrate.MissingFieldsError
	switch {
	case runErr == nil:
	case errors.As(runErr, &ue):
		out.Status = "unmatched"
	case errors.As(runErr, &mf):
		out.Status, out.MissingFields = "missingFields", mf.Fields
	case errors.Is(runErr, context.Canceled):
		out.Status = "canceled"
	default:
		out.Status = "stopped"
	}
	if runErr != nil {
		out.Error = runErr.Error()
	}
	out.Tables, out.Warnings = tables(rep), fileCauses(rep)
	progress(MigrationProgress{Phase: "reporting", Files: len(files), Rows: last.Rows, Created: last.Created, Updated: last.Updated,
		Skipped: last.Skipped, Failed: last.Failed, ElapsedMs: time.Since(start).Milliseconds()})
	if rep != nil {
		out.ReportFiles = reportFiles(rep, jobID, p.Lang)
	}
	// Result files in each input's format, in the order the files ran.
	for _, name := range order {
		res, f := results[name], byName[name]
		if res == nil || f == nil {
			continue
		}
		okKind, errKind := "success", "errors"
		if p.DryRun {
			okKind, errKind = "dry-run", "dry-run-errors"
		}
		if rf, err := f.resultFile(res, okKind, false); err == nil {
			out.ResultFiles = append(out.ResultFiles, rf)
		} else if out.Error == "" {
			out.Error = "write the result file of " + name + ": " + err.Error()
		}
		if res.Failed > 0 {
			if rf, err := f.resultFile(res, errKind, true); err == nil {
				out.ResultFiles = append(out.ResultFiles, rf)
			}
		}
	}
	out.Seconds = time.Since(start).Seconds()
	progress(MigrationProgress{Phase: "done", Files: len(files), Rows: last.Rows, Created: last.Created, Updated: last.Updated,
		Skipped: last.Skipped, Failed: last.Failed, ElapsedMs: time.Since(start).Milliseconds()})
	return out
}

// reportFiles writes the report as Markdown, JSON and HTML files.
func reportFiles(rep *migrate.Report, jobID, lang string) []*FileBytes {
	var out []*FileBytes
	for _, r := range []struct {
		ext, typ string
		write    func(w *bytes.Buffer) error
	}{
		{".md", "text/markdown", func(w *bytes.Buffer) error { return rep.WriteMarkdownLang(w, i18n.Negotiate(lang)) }},
		{".json", "application/json", func(w *bytes.Buffer) error { return rep.WriteJSON(w) }},
		{".html", "text/html", func(w *bytes.Buffer) error { return rep.WriteHTMLLang(w, i18n.Negotiate(lang)) }},
	} {
		var buf bytes.Buffer
		if err := r.write(&buf); err != nil {
			continue
		}
		out = append(out, &FileBytes{Name: jobID + "-report" + r.ext, Type: r.typ, Data: buf.Bytes()})
	}
	return out
}

// tables are the table entries a page starts from for the values that
// matched nothing: each value with its closest match ("" when none).
func tables(rep *migrate.Report) MigrationTables {
	out := MigrationTables{Users: map[string]string{}, Pipelines: map[string]string{}, Stages: map[string]string{}}
	if rep == nil {
		return out
	}
	for _, u := range rep.Unmatched {
		to := ""
		if len(u.Closest) > 0 {
			to = u.Closest[0]
		}
		switch u.Kind {
		case "user":
			out.Users[u.Value] = to
		case "pipeline":
			out.Pipelines[u.Value] = to
		case "stage":
			out.Stages[u.Value] = to
		}
	}
	return out
}
