package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// Job is a running import (or dry run). Pause holds its requests before
// they are sent (batches already on the wire finish); Cancel stops it, and
// Wait then returns the rows done so far with the result files.
type Job struct {
	jobBase
	res *ImportResult
	err error
}

// jobBase is what an import and a migration job share: an id, a gate in
// front of the job's own client, and a context Cancel ends (a job owns
// its run, so it holds the context its goroutine runs under).
type jobBase struct {
	ID     int
	gate   *gate
	client *kommo.Client
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// Pause holds the job's next requests until Resume.
func (j *jobBase) Pause() { j.gate.pause() }

// Resume lets a paused job go on.
func (j *jobBase) Resume() { j.gate.resume() }

// Cancel stops the job; Wait returns what it did.
func (j *jobBase) Cancel() { j.gate.resume(); j.cancel() }

// newJob numbers a job and gives it a client behind a gate of its own and
// a context, under ctx, that Cancel ends.
func (e *Engine) newJob(ctx context.Context) (jobBase, error) {
	g := newGate()
	e.mu.Lock()
	e.nextID++
	id := e.nextID
	e.mu.Unlock()
	client, err := e.jobClient(g)
	if err != nil {
		return jobBase{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	return jobBase{ID: id, gate: g, client: client, ctx: ctx, cancel: cancel, done: make(chan struct{})}, nil
}

// checkBatchSize refuses a job's batch size Kommo would not take (0 is
// the default).
func checkBatchSize(n int) error {
	if n < 0 || n > kommo.MaxBatch {
		return fmt.Errorf("batchSize %d: want 1 to %d", n, kommo.MaxBatch)
	}
	return nil
}

// run runs fn in the job's goroutine with the job's context; done is
// closed once fn has returned and the context is released.
func (j *jobBase) run(fn func(ctx context.Context)) {
	go func() {
		defer close(j.done)
		defer j.cancel()
		fn(j.ctx)
	}()
}

// Wait waits for the job and returns its result. A canceled or failed job
// still has a result (with Canceled or Error set) when its rows could be
// accounted for; err is set only when nothing could.
func (j *Job) Wait() (*ImportResult, error) {
	<-j.done
	return j.res, j.err
}

// gate is an open/closed door in front of a transport.
type gate struct {
	mu     sync.Mutex
	paused bool
	open   chan struct{} // closed while running
}

func newGate() *gate {
	g := &gate{open: make(chan struct{})}
	close(g.open)
	return g
}

func (g *gate) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.paused {
		g.paused = true
		g.open = make(chan struct{})
	}
}

func (g *gate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.paused {
		g.paused = false
		close(g.open)
	}
}

func (g *gate) isPaused() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paused
}

func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	ch := g.open
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) wrap(rt http.RoundTripper) http.RoundTripper {
	return gatedTransport{g: g, rt: rt}
}

type gatedTransport struct {
	g  *gate
	rt http.RoundTripper
}

func (t gatedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.g.wait(req.Context()); err != nil {
		return nil, err
	}
	return t.rt.RoundTrip(req)
}

var _ http.RoundTripper = gatedTransport{}

// StartImport starts importing (or dry-running) the file through the spec
// and returns at once; progress is called from the job's goroutines, one
// call at a time.
//
// With a job store (SetJobStore), an import that writes is journaled there
// as the CLI's is: a stopped one (a closed tab) continues with
// ResumeImport, and a finished one can be undone (UndoJob).
func (e *Engine) StartImport(ctx context.Context, id int, specText string, p ImportParams, progress func(ProgressInfo)) (*Job, error) {
	f, err := e.file(id)
	if err != nil {
		return nil, err
	}
	return e.startImport(ctx, f, specText, p, nil, progress)
}

// startImport starts a job, or with resume (its journal's header) continues
// one.
func (e *Engine) startImport(ctx context.Context, f *file, specText string, p ImportParams, resume *resumeOf, progress func(ProgressInfo)) (*Job, error) {
	var err error
	mode := bulk.ModeCreate
	if p.Mode != "" {
		if mode, err = bulk.ParseMode(p.Mode); err != nil {
			return nil, err
		}
	}
	if err := checkBatchSize(p.BatchSize); err != nil {
		return nil, err
	}
	spec, _, err := e.compile(ctx, f, specText)
	if err != nil {
		return nil, err
	}
	if mapping.IsNotesEntity(spec.Entity) {
		// Its notes journal is a file beside the job's (bulk.NotesJournal).
		return nil, errors.New("a notes file is imported by the CLI: kommo-bulk import FILE --mapping SPEC")
	}
	base, err := e.newJob(ctx)
	if err != nil {
		return nil, err
	}
	j := &Job{jobBase: base}
	e.mu.Lock()
	e.jobs[j.ID] = j
	e.mu.Unlock()
	name := p.JobID
	if name == "" {
		name = strings.TrimSuffix(f.name, pathExt(f.name)) + "-" + time.Now().UTC().Format("20060102-150405")
	}
	var jr *journalRun
	if store := e.jobStore(); store != nil && !p.DryRun {
		jr = &journalRun{store: store, spec: specText}
		if resume != nil {
			jr.resume, jr.hash, name = resume.header, resume.hash, resume.header.ID
		}
		jr.name = name + JournalExt
		if !e.claimJournal(jr.name) {
			j.cancel()
			e.mu.Lock()
			delete(e.jobs, j.ID)
			e.mu.Unlock()
			return nil, fmt.Errorf("job %s is running", name)
		}
	}
	report := func(pi ProgressInfo) {
		if progress != nil {
			pi.Paused = j.gate.isPaused()
			progress(pi)
		}
	}
	j.run(func(ctx context.Context) {
		defer func() {
			e.mu.Lock()
			delete(e.jobs, j.ID)
			if jr != nil {
				delete(e.journals, jr.name)
			}
			e.mu.Unlock()
		}()
		j.res, j.err = e.runImport(ctx, f, spec, mode, name, p, j.client, jr, report)
	})
	return j, nil
}

// Job returns a running job by id.
func (e *Engine) Job(id int) (*Job, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	j := e.jobs[id]
	if j == nil {
		return nil, fmt.Errorf("no running job %d", id)
	}
	return j, nil
}

// runImport runs a page's job through Import, the CLI's import: the
// file in the engine, the job's own client, its journal in the store.
func (e *Engine) runImport(ctx context.Context, f *file, spec *mapping.Spec, mode bulk.Mode, name string, p ImportParams, client *kommo.Client, jr *journalRun, progress func(ProgressInfo)) (*ImportResult, error) {
	start := time.Now()
	progress(ProgressInfo{Phase: "validating"})
	schema, err := e.accountSchema(ctx) // cached by compile
	if err != nil {
		return nil, err
	}
	opts := bulk.ImportOptions{
		Job:       bulk.JobHeader{ID: name, Entity: spec.Entity, Mode: mode, Input: f.name, Sheet: f.opts.XLSX.Sheet},
		BatchSize: p.BatchSize,
		Workers:   p.Workers,
		DryRun:    p.DryRun,
		Refs:      e.refs,
	}
	if jr != nil {
		if err := e.journalOptions(ctx, f, jr, &opts); err != nil {
			return nil, err
		}
	}
	// The page's check step validated the rows: the first pass counts
	// them, for the ETA and the lookup strategy.
	expected := 0
	opts.Progress = func(bp bulk.Progress) { progress(progressInfo(bp)) }
	out, runErr := e.Import(ctx, ImportRun{
		Name: f.name, Sheet: f.opts.XLSX.Sheet, Open: f.open, Spec: spec, Options: opts, client: client, Counted: true,
		Checked: func(rep *mapping.Report) error {
			expected = rep.Rows
			progress(ProgressInfo{Phase: "importing", Expected: expected})
			return nil
		},
	})
	if out == nil || out.Result == nil {
		if runErr == nil {
			runErr = errors.New("import: nothing was run")
		}
		return nil, runErr
	}
	res := out.Result
	if !p.DryRun {
		e.remember(res)
	}
	progress(ProgressInfo{Phase: "writing", Rows: len(res.Rows), Expected: expected,
		Created: res.Created, Updated: res.Updated, Skipped: res.Skipped, Failed: res.Failed, ElapsedMs: time.Since(start).Milliseconds()})
	result := &ImportResult{
		Job: name, DryRun: p.DryRun, Entity: string(spec.Entity), Mode: string(mode),
		Rows: len(res.Rows), Created: res.Created, Updated: res.Updated, Skipped: res.Skipped, Failed: res.Failed,
		Landed: res.Landed(), Warned: res.Warned, Warnings: causeInfos(res.Warnings),
		Details: details(res, p.MaxDetails), Notes: schema.Notes,
	}
	if n := out.Notes; n != nil {
		result.NotesWritten = &NotesInfo{Created: n.Created, Skipped: n.Skipped, Failed: n.Failed}
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		result.Canceled = true
	case runErr != nil:
		result.Error = runErr.Error()
	}
	okKind, errKind := "success", "errors"
	if p.DryRun {
		okKind, errKind = "dry-run", "dry-run-errors"
	}
	if result.SuccessFile, err = f.resultFile(res, okKind, false); err != nil {
		return nil, fmt.Errorf("write the result file: %w", err)
	}
	if res.Failed > 0 {
		if result.ErrorsFile, err = f.resultFile(res, errKind, true); err != nil {
			return nil, fmt.Errorf("write the errors file: %w", err)
		}
	}
	if jr != nil && runErr == nil {
		if err := jr.keepResults(result); err != nil {
			return nil, err
		}
	}
	result.Pending = expected - len(res.Rows)
	if result.Pending < 0 {
		result.Pending = 0
	}
	result.Seconds = time.Since(start).Seconds()
	progress(ProgressInfo{Phase: "done", Rows: result.Rows, Expected: expected, Created: result.Created, Updated: result.Updated,
		Skipped: result.Skipped, Failed: result.Failed, ElapsedMs: time.Since(start).Milliseconds()})
	return result, nil
}

func pathExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// details lists what happened to the first rows, in file order.
func details(res *bulk.Result, max int) []RowDetail {
	if max <= 0 {
		max = 200
	}
	lines := make([]int, 0, len(res.Rows))
	for l := range res.Rows {
		lines = append(lines, l)
	}
	slices.Sort(lines)
	if len(lines) > max {
		lines = lines[:max]
	}
	out := make([]RowDetail, 0, len(lines))
	for _, l := range lines {
		rr := res.Rows[l]
		d := RowDetail{Row: l, Key: rr.Key, Action: string(rr.Action), Column: rr.Column, IDs: map[string]int{}}
		for ent, id := range rr.IDs {
			d.IDs[string(ent)] = id
		}
		if rr.Err != nil {
			d.Error = rr.Err.Error()
		}
		for _, c := range rr.Changes {
			d.Changes = append(d.Changes, c.String())
		}
		for _, w := range rr.Warnings {
			t := w.Text()
			if w.Column != "" {
				t = w.Column + ": " + t
			}
			d.Warnings = append(d.Warnings, t)
		}
		rowDetailMsgs(&d, &rr)
		out = append(out, d)
	}
	return out
}
