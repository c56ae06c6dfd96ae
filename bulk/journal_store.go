package bulk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// A journal is kept in a JournalStore, by name. The CLI's store is the
// file system (OSStore: a name is a path, the lock is LockJournal's); the
// page's is the browser's Origin Private File System (wasm/). Whatever
// the store, a journal is the same bytes, so a journal written by the page
// resumes and undoes with the CLI and the other way round.

// JournalStore keeps journals by name.
type JournalStore interface {
	// Open opens the journal name for appending, creating it empty if
	// it does not exist.
	Open(name string) (JournalFile, error)
	// ReadFile returns the journal's bytes; an error wrapping
	// fs.ErrNotExist if there is no such journal.
	ReadFile(name string) ([]byte, error)
	// Remove deletes the journal.
	Remove(name string) error
	// Lock takes the journal's writer lock (the journal need not exist
	// yet), or fails with an error wrapping ErrJournalLocked. A store
	// with one writer by construction may return a lock that does
	// nothing.
	Lock(name string) (Unlocker, error)
}

// JournalFile is an open journal. Writes append; Sync makes what was
// written durable (the journal calls it before every write request it
// journals is sent).
type JournalFile interface {
	Write(p []byte) (int, error)
	Sync() error
	// Truncate cuts the journal to size bytes; later writes append
	// after them.
	Truncate(size int64) error
	Close() error
}

// Unlocker releases a journal's lock.
type Unlocker interface{ Unlock() error }

// OSStore keeps journals as files: a name is a path, and the lock is
// LockJournal's.
type OSStore struct{}

// Open implements JournalStore.
func (OSStore) Open(name string) (JournalFile, error) {
	return os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

// ReadFile implements JournalStore.
func (OSStore) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// Remove implements JournalStore.
func (OSStore) Remove(name string) error { return os.Remove(name) }

// Lock implements JournalStore.
func (OSStore) Lock(name string) (Unlocker, error) { return LockJournal(name) }

// storeOf is the store of a journal option: nil is the file system.
func storeOf(s JournalStore) JournalStore {
	if s == nil {
		return OSStore{}
	}
	return s
}

// MemStore keeps journals in memory (tests, and a page without storage).
// It tells what was synced from what was only written: SyncedCopy is what
// a killed process or a closed tab leaves.
type MemStore struct {
	mu     sync.Mutex
	files  map[string]*memJournal
	locked map[string]bool
}

type memJournal struct {
	data   []byte
	synced int
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{files: map[string]*memJournal{}, locked: map[string]bool{}}
}

// Open implements JournalStore.
func (s *MemStore) Open(name string) (JournalFile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files[name] == nil {
		s.files[name] = &memJournal{}
	}
	return &memFile{s: s, name: name}, nil
}

// ReadFile implements JournalStore.
func (s *MemStore) ReadFile(name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[name]
	if f == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(f.data), nil
}

// Remove implements JournalStore.
func (s *MemStore) Remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files[name] == nil {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(s.files, name)
	return nil
}

// Lock implements JournalStore: one holder per name.
func (s *MemStore) Lock(name string) (Unlocker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked[name] {
		return nil, &LockedError{Journal: name}
	}
	s.locked[name] = true
	return &memLock{s: s, name: name}, nil
}

// List lists the names of the store, sorted.
func (s *MemStore) List() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.files {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// SyncedCopy returns a store holding what this one has synced, without
// locks: what a process killed at this instant leaves to the next one.
func (s *MemStore) SyncedCopy() *MemStore {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := NewMemStore()
	for n, f := range s.files {
		out.files[n] = &memJournal{data: slices.Clone(f.data[:f.synced]), synced: f.synced}
	}
	return out
}

type memLock struct {
	s    *MemStore
	name string
	once sync.Once
}

func (l *memLock) Unlock() error {
	l.once.Do(func() {
		l.s.mu.Lock()
		delete(l.s.locked, l.name)
		l.s.mu.Unlock()
	})
	return nil
}

type memFile struct {
	s      *MemStore
	name   string
	closed bool
}

func (f *memFile) file() (*memJournal, error) {
	if f.closed {
		return nil, fs.ErrClosed
	}
	j := f.s.files[f.name]
	if j == nil {
		return nil, &fs.PathError{Op: "write", Path: f.name, Err: fs.ErrNotExist}
	}
	return j, nil
}

func (f *memFile) Write(p []byte) (int, error) {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	j, err := f.file()
	if err != nil {
		return 0, err
	}
	j.data = append(j.data, p...)
	return len(p), nil
}

func (f *memFile) Sync() error {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	j, err := f.file()
	if err != nil {
		return err
	}
	j.synced = len(j.data)
	return nil
}

func (f *memFile) Truncate(size int64) error {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	j, err := f.file()
	if err != nil {
		return err
	}
	if size < 0 || size > int64(len(j.data)) {
		return fmt.Errorf("truncate %s to %d: out of range", f.name, size)
	}
	j.data = j.data[:size]
	j.synced = min(j.synced, int(size))
	return nil
}

func (f *memFile) Close() error {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	f.closed = true
	return nil
}

// readJournalIn replays the journal name of store s.
func readJournalIn(s JournalStore, name string) (*replayed, error) {
	data, err := storeOf(s).ReadFile(name)
	if err != nil {
		return nil, err
	}
	st, err := replayJournal(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return st, nil
}

// JobSummary is what a journal says of its job, for a list of jobs.
type JobSummary struct {
	Header *JobHeader
	// Ended says the job finished; a job that has not can be resumed.
	Ended bool
	// Rows counts the rows done, by outcome.
	Rows, Created, Updated, Skipped, Failed int
	// Undone counts the records an undo restored; Undoing says an undo
	// ran (it may not have finished), UndoneAt when one finished.
	Undone   int
	Undoing  bool
	UndoneAt int64
	// Last is the latest time the journal records (Unix seconds).
	Last int64
}

// SummarizeJob reads the journal name of store s (nil: the file system).
func SummarizeJob(s JournalStore, name string) (*JobSummary, error) {
	st, err := readJournalIn(s, name)
	if err != nil {
		return nil, err
	}
	sum := &JobSummary{Header: st.header, Ended: st.ended, Rows: len(st.rows), Last: max(st.lastAt, st.endAt, st.header.Started)}
	for _, rr := range st.rows {
		switch rr.Action {
		case ActionCreate:
			sum.Created++
		case ActionUpdate:
			sum.Updated++
		case ActionSkip:
			sum.Skipped++
		case ActionError:
			sum.Failed++
		}
	}
	for _, u := range st.undo {
		sum.Undoing = true
		switch u.Op {
		case opUndone:
			sum.Undone++
		case opUndoEnd:
			sum.UndoneAt = u.At
		}
	}
	return sum, nil
}

// UndoStore is Undo of the journal name kept in store s (nil: the file
// system, where name is a path).
func UndoStore(ctx context.Context, c *kommo.Client, s JournalStore, name string) (*UndoResult, error) {
	s = storeOf(s)
	if _, err := s.ReadFile(name); err != nil {
		return nil, fmt.Errorf("undo: %w", err)
	}
	lock, err := s.Lock(name)
	if err != nil {
		return nil, fmt.Errorf("undo: %w", err)
	}
	defer lock.Unlock()
	return undo(ctx, c, s, name)
}

// errNoJournal is whether err says a journal does not exist.
func errNoJournal(err error) bool { return errors.Is(err, fs.ErrNotExist) }
