package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
)

// The page's imports are journaled as the CLI's are, in a JobStore (the
// browser's Origin Private File System, see wasm/): the same journal, so
// a closed tab's job continues where it stopped (ResumeImport), a job is
// undone (UndoJob), and a journal downloaded from the page resumes and
// undoes with the CLI. A job keeps, beside its journal JOB.journal, its
// result files as JOB~NAME.

// JournalExt ends the name of a job's journal in a JobStore.
const JournalExt = ".journal"

// resultSep joins a job's name and the name of one of its result files.
const resultSep = "~"

// JobStore keeps the journals of a page's imports and their result files.
type JobStore interface {
	bulk.JournalStore
	// List returns the names of everything the store keeps.
	List() ([]string, error)
}

// JournalFile and Unlocker are bulk's, for a JobStore made outside the
// engine (wasm/).
type (
	JournalFile = bulk.JournalFile
	Unlocker    = bulk.Unlocker
)

// JobLockedError is the error of a JobStore's Lock when another holder
// (another tab) has the journal name.
func JobLockedError(name, holder string) error {
	return &bulk.LockedError{Journal: name, Holder: bulk.LockHolder{Command: holder}}
}

// ErrNotSameFile is returned by ResumeImport when the file given is not
// the one the job started with (its size or hash differ).
var ErrNotSameFile = errors.New("this is not the file the job started with")

// SetJobStore sets where imports keep their journals; nil keeps none.
func (e *Engine) SetJobStore(s JobStore) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.store = s
}

func (e *Engine) jobStore() JobStore {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.store
}

// claimJournal marks a journal as written by a job of this engine, unless
// one is.
func (e *Engine) claimJournal(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.journals[name] {
		return false
	}
	e.journals[name] = true
	return true
}

// journalRun is the journal of one run of a job.
type journalRun struct {
	store JobStore
	name  string
	// resume is the header of the journal a resume continues; nil for a
	// new job.
	resume *bulk.JobHeader
	spec   string
	// hash is the input's, when a resume has computed it.
	hash string
}

// resumeOf is what startImport needs of a job it resumes: its journal's
// header and the input's hash.
type resumeOf struct {
	header *bulk.JobHeader
	hash   string
}

// pageJob is what the page's job needs besides the spec to be run again:
// JobHeader.Extra.
type pageJob struct {
	Encoding  string                    `json:"encoding,omitempty"`
	Delimiter string                    `json:"delimiter,omitempty"`
	Fixes     map[int]map[string]string `json:"fixes,omitempty"`
	BatchSize int                       `json:"batchSize,omitempty"`
	Workers   int                       `json:"workers,omitempty"`
}

// journalOptions points an import at its journal: a new job's header
// records the file (size and hash), the spec, the account and the page's
// settings; a resume continues the journal's header.
func (e *Engine) journalOptions(ctx context.Context, f *file, jr *journalRun, opts *bulk.ImportOptions) error {
	hash := jr.hash
	if hash == "" {
		var err error
		if hash, err = hashSource(f.src); err != nil {
			return fmt.Errorf("read %s: %w", f.name, err)
		}
	}
	opts.Store, opts.Journal = jr.store, jr.name
	if jr.resume != nil {
		h := *jr.resume
		h.InputHash = hash
		opts.Job, opts.Resume = h, true
		return nil
	}
	opts.Job.InputHash, opts.Job.InputSize, opts.Job.Spec = hash, f.src.Size(), jr.spec
	opts.Job.Account = e.accountName(ctx)
	pj := pageJob{Encoding: f.opts.CSV.Encoding, BatchSize: opts.BatchSize, Workers: opts.Workers}
	if f.opts.CSV.Comma != 0 {
		pj.Delimiter = string(f.opts.CSV.Comma)
	}
	if fixes, err := e.Fixes(f.id); err == nil && len(fixes) > 0 {
		pj.Fixes = fixes
	}
	var err error
	opts.Job.Extra, err = json.Marshal(pj)
	return err
}

// accountName is the account's subdomain, read once per Configure; ""
// if it cannot be read (the job goes on without it).
func (e *Engine) accountName(ctx context.Context) string {
	e.mu.Lock()
	name := e.account
	e.mu.Unlock()
	if name != "" {
		return name
	}
	c, err := e.client(nil)
	if err != nil {
		return ""
	}
	a, _, err := c.Account.Get(ctx)
	if err != nil || a == nil {
		return ""
	}
	name = a.Subdomain
	if name == "" {
		name = a.Name
	}
	e.mu.Lock()
	e.account = name
	e.mu.Unlock()
	return name
}

// hashSource is bulk.HashFile of a Source, read in chunks (in the
// browser each read of a Blob is a round trip).
func hashSource(src Source) (string, error) {
	h := sha256.New()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(src, 0, src.Size()), make([]byte, chunkSize)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keepResults stores a finished job's result files beside its journal.
func (jr *journalRun) keepResults(out *ImportResult) error {
	job := strings.TrimSuffix(jr.name, JournalExt)
	for _, fb := range []*FileBytes{out.SuccessFile, out.ErrorsFile} {
		if fb == nil {
			continue
		}
		if err := writeWhole(jr.store, job+resultSep+fb.Name, fb.Data); err != nil {
			return fmt.Errorf("keep %s: %w", fb.Name, err)
		}
	}
	return nil
}

// writeWhole replaces a file of the store.
func writeWhole(s JobStore, name string, data []byte) error {
	w, err := s.Open(name)
	if err != nil {
		return err
	}
	if err := w.Truncate(0); err != nil {
		w.Close()
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return err
	}
	if err := w.Sync(); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// JobInfo is one job of the history: what its journal says.
type JobInfo struct {
	// Journal is the journal's name in the store (JOB.journal).
	Journal string `json:"journal"`
	ID      string `json:"id"`
	// File is the input file's name (a CLI job's is its path), Size its
	// size in bytes (0 when the journal does not say).
	File    string `json:"file"`
	Size    int64  `json:"size,omitempty"`
	Sheet   string `json:"sheet,omitempty"`
	Entity  string `json:"entity"`
	Mode    string `json:"mode"`
	Account string `json:"account,omitempty"`
	// Started and Last are Unix seconds: the job's start and the latest
	// time its journal records.
	Started int64 `json:"started"`
	Last    int64 `json:"last"`
	// Finished says the job ended; one that did not can be resumed
	// (Resumable: the journal has the spec, which a CLI job's lacks).
	Finished  bool `json:"finished"`
	Resumable bool `json:"resumable"`
	Running   bool `json:"running"`
	Rows      int  `json:"rows"`
	Created   int  `json:"created"`
	Updated   int  `json:"updated"`
	Skipped   int  `json:"skipped"`
	Failed    int  `json:"failed"`
	// UndoneAt is when an undo of the job finished (Unix seconds), 0 if
	// none did.
	UndoneAt int64 `json:"undoneAt,omitempty"`
	// Files are the result files kept with the job; Bytes counts what
	// the job keeps, journal included.
	Files []StoredFile `json:"files"`
	Bytes int64        `json:"bytes"`
	// Error says why the journal cannot be read (its other fields are
	// then empty but Journal and Bytes).
	Error string `json:"error,omitempty"`
}

// StoredFile is a file kept in the job store.
type StoredFile struct {
	// Name is its name in the store (for JobFile), Label the name to
	// save it as.
	Name  string `json:"name"`
	Label string `json:"label"`
	Bytes int64  `json:"bytes"`
}

// Jobs lists the jobs of the store, newest first.
func (e *Engine) Jobs() ([]JobInfo, error) {
	s := e.jobStore()
	if s == nil {
		return []JobInfo{}, nil
	}
	names, err := s.List()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	running := maps.Clone(e.journals)
	e.mu.Unlock()
	out := []JobInfo{}
	for _, n := range names {
		if !strings.HasSuffix(n, JournalExt) || strings.Contains(n, resultSep) {
			continue
		}
		out = append(out, jobInfo(s, n, names, running[n]))
	}
	slices.SortStableFunc(out, func(a, b JobInfo) int {
		return cmp.Or(cmp.Compare(b.Started, a.Started), strings.Compare(b.Journal, a.Journal))
	})
	return out, nil
}

func jobInfo(s JobStore, journal string, names []string, running bool) JobInfo {
	ji := JobInfo{Journal: journal, Running: running, Files: []StoredFile{}}
	data, err := s.ReadFile(journal)
	ji.Bytes = int64(len(data))
	job := strings.TrimSuffix(journal, JournalExt)
	for _, n := range names {
		if label, ok := strings.CutPrefix(n, job+resultSep); ok {
			b, _ := s.ReadFile(n)
			ji.Files = append(ji.Files, StoredFile{Name: n, Label: label, Bytes: int64(len(b))})
			ji.Bytes += int64(len(b))
		}
	}
	if err != nil {
		ji.Error = err.Error()
		return ji
	}
	sum, err := bulk.SummarizeJob(s, journal)
	if err != nil {
		ji.Error = err.Error()
		return ji
	}
	h := sum.Header
	ji.ID, ji.File, ji.Size, ji.Sheet, ji.Entity, ji.Mode, ji.Account = h.ID, h.Input, h.InputSize, h.Sheet, string(h.Entity), string(h.Mode), h.Account
	ji.Started, ji.Last, ji.Finished = h.Started, sum.Last, sum.Ended
	ji.Resumable = !sum.Ended && h.Spec != ""
	ji.Rows, ji.Created, ji.Updated, ji.Skipped, ji.Failed = sum.Rows, sum.Created, sum.Updated, sum.Skipped, sum.Failed
	ji.UndoneAt = sum.UndoneAt
	return ji
}

// ResumeImport continues the stopped job of the journal: src must be the
// job's input file (ErrNotSameFile otherwise), which is opened as the job
// opened it, with the cells the user fixed then. The writes whose answers
// never came are reconciled by reading back, as the CLI's resume does; the
// rows done are not written again.
func (e *Engine) ResumeImport(ctx context.Context, journal string, src Source, progress func(ProgressInfo)) (*Job, error) {
	s := e.jobStore()
	if s == nil {
		return nil, errors.New("resume: no job store")
	}
	sum, err := bulk.SummarizeJob(s, journal)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	h := sum.Header
	if sum.Ended {
		return nil, fmt.Errorf("resume: job %s finished", h.ID)
	}
	if h.Spec == "" {
		return nil, fmt.Errorf("resume: job %s has no mapping spec in its journal: resume it with kommo-bulk import --resume", h.ID)
	}
	if h.InputSize != 0 && src.Size() != h.InputSize {
		return nil, fmt.Errorf("resume: %w (%s, %d bytes; this one has %d)", ErrNotSameFile, h.Input, h.InputSize, src.Size())
	}
	hash, err := hashSource(src)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	if h.InputHash != "" && hash != h.InputHash {
		return nil, fmt.Errorf("resume: %w (%s)", ErrNotSameFile, h.Input)
	}
	var pj pageJob
	if len(h.Extra) > 0 {
		if err := json.Unmarshal(h.Extra, &pj); err != nil {
			return nil, fmt.Errorf("resume: %s: %w", journal, err)
		}
	}
	info, err := e.OpenSource(src, h.Input, OpenOptions{Sheet: h.Sheet, Encoding: pj.Encoding, Delimiter: pj.Delimiter, PreviewRows: 1})
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	f, err := e.file(info.ID)
	if err != nil {
		return nil, err
	}
	for row, cols := range pj.Fixes {
		for col, v := range cols {
			if err := e.SetCell(info.ID, row, col, v); err != nil {
				return nil, fmt.Errorf("resume: fix of row %d: %w", row, err)
			}
		}
	}
	p := ImportParams{Mode: string(h.Mode), BatchSize: pj.BatchSize, Workers: pj.Workers, JobID: h.ID}
	j, err := e.startImport(ctx, f, h.Spec, p, &resumeOf{header: h, hash: hash}, progress)
	if err != nil {
		e.CloseFile(info.ID)
		return nil, err
	}
	// The file was opened for the job: forgotten when it ends.
	go func() {
		<-j.done
		e.CloseFile(info.ID)
	}()
	return j, nil
}

// UndoInfo is what UndoJob did (bulk.UndoResult).
type UndoInfo struct {
	Restored int              `json:"restored"`
	Created  map[string][]int `json:"created"`
	Tag      string           `json:"tag"`
	// Kept are the fields left as someone changed them in Kommo since
	// the import, as lines a person reads.
	Kept []string `json:"kept"`
}

// UndoJob undoes the job of the journal: records it updated get their
// previous values back (except fields someone changed since, which are
// kept), records it created are tagged for deletion.
func (e *Engine) UndoJob(ctx context.Context, journal string) (*UndoInfo, error) {
	s := e.jobStore()
	if s == nil {
		return nil, errors.New("undo: no job store")
	}
	e.mu.Lock()
	running := e.journals[journal]
	e.mu.Unlock()
	if running {
		return nil, fmt.Errorf("undo: %s is running", strings.TrimSuffix(journal, JournalExt))
	}
	c, err := e.client(nil)
	if err != nil {
		return nil, err
	}
	res, err := bulk.UndoStore(ctx, c, s, journal)
	if res == nil {
		return nil, err
	}
	out := &UndoInfo{Restored: res.Restored, Created: map[string][]int{}, Tag: res.Tag, Kept: []string{}}
	for ent, ids := range res.Created {
		out.Created[string(ent)] = ids
	}
	for _, k := range res.Kept {
		out.Kept = append(out.Kept, k.String())
	}
	return out, err
}

// JobFile returns a file the store keeps (a journal, a result file) to
// download.
func (e *Engine) JobFile(name string) (*FileBytes, error) {
	s := e.jobStore()
	if s == nil {
		return nil, errors.New("no job store")
	}
	data, err := s.ReadFile(name)
	if err != nil {
		return nil, err
	}
	label, typ := name, "application/x-ndjson"
	if _, after, ok := strings.Cut(name, resultSep); ok {
		label, typ = after, "text/csv"
		if strings.HasSuffix(after, ".xlsx") {
			typ = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
	}
	return &FileBytes{Name: label, Type: typ, Data: data}, nil
}

// RemoveJob deletes a job's journal and result files from the store. A
// running job's are kept.
func (e *Engine) RemoveJob(journal string) error {
	s := e.jobStore()
	if s == nil {
		return errors.New("no job store")
	}
	e.mu.Lock()
	running := e.journals[journal]
	e.mu.Unlock()
	if running {
		return fmt.Errorf("%s is running", strings.TrimSuffix(journal, JournalExt))
	}
	l, err := s.Lock(journal)
	if err != nil {
		return err
	}
	defer l.Unlock()
	names, err := s.List()
	if err != nil {
		return err
	}
	job := strings.TrimSuffix(journal, JournalExt)
	for _, n := range names {
		if n == journal || strings.HasPrefix(n, job+resultSep) {
			if err := s.Remove(n); err != nil {
				return err
			}
		}
	}
	return nil
}

// ImportJournal adds a journal from elsewhere (the CLI's) to the store, so
// the history shows it and it can be undone or resumed from the page.
func (e *Engine) ImportJournal(name string, data []byte) (*JobInfo, error) {
	s := e.jobStore()
	if s == nil {
		return nil, errors.New("no job store")
	}
	name = strings.ReplaceAll(strings.ReplaceAll(name, "/", "_"), `\`, "_")
	if !strings.HasSuffix(name, JournalExt) {
		name += JournalExt
	}
	if _, err := s.ReadFile(name); err == nil {
		return nil, fmt.Errorf("%s: %w", name, bulk.ErrJournalExists)
	}
	if err := writeWhole(s, name, data); err != nil {
		return nil, err
	}
	names, _ := s.List()
	ji := jobInfo(s, name, names, false)
	if ji.Error != "" {
		_ = s.Remove(name)
		return nil, fmt.Errorf("%s: %s", name, ji.Error)
	}
	return &ji, nil
}
