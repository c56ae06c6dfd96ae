package bulk

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A job's journal is written by one process at a time. The process holds
// an OS lock on JOURNAL.lock, a file beside the journal, for as long as it
// writes the journal (an import, a resume, a migration, an undo): the
// kernel releases it when the process ends, however it ends (kill -9
// included), so a lock is never stale. The lock file names its holder, so
// a second process can say who has the job. Readers (JobStatus,
// KeysFromJournal) take no lock: they tolerate the torn tail a writer may
// be in the middle of.

// ErrJournalLocked is returned (wrapped in a *LockedError) when another
// process holds a job's journal.
var ErrJournalLocked = errors.New("journal is in use by another process")

// LockHolder describes the process that holds a journal.
type LockHolder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host,omitempty"`
	Started time.Time `json:"started"`
	// Command is the program and its subcommand ("kommo-bulk import"),
	// never its flags (they may hold a token).
	Command string `json:"command,omitempty"`
}

func (h LockHolder) String() string {
	if h.PID == 0 {
		return "another process (it has not said which yet)"
	}
	s := fmt.Sprintf("pid %d", h.PID)
	if h.Command != "" {
		s = h.Command + ", " + s
	}
	if h.Host != "" {
		s += " on " + h.Host
	}
	if !h.Started.IsZero() {
		s += ", since " + h.Started.Format("2006-01-02 15:04:05 -0700")
	}
	return s
}

// LockedError says which process holds a journal. It wraps
// ErrJournalLocked.
type LockedError struct {
	Journal string
	Holder  LockHolder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is in use by %s; wait for it to end (a killed process releases it at once) or stop it", e.Journal, e.Holder)
}

func (e *LockedError) Unwrap() error { return ErrJournalLocked }

// JournalLock is a journal held by this process; see LockJournal.
type JournalLock struct {
	journal string
	path    string
	f       *os.File
}

// LockJournal takes the lock of the journal at path (which need not exist
// yet) for this process, or returns a *LockedError naming the process
// that has it. It does not wait. Unlock releases it; so does the end of
// the process. Locks are per open file, not per process: a second
// LockJournal of the same journal in one process fails too.
func LockJournal(path string) (*JournalLock, error) {
	lp := path + ".lock"
	for {
		f, err := lockFile(lp)
		if err != nil {
			if errors.Is(err, errLocked) {
				// A holder writes its name just after it takes the lock.
				h := readHolder(lp)
				for i := 0; h.PID == 0 && i < 50; i++ {
					time.Sleep(10 * time.Millisecond)
					h = readHolder(lp)
				}
				return nil, &LockedError{Journal: path, Holder: h}
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The holder before us may have removed the file between our open
		// and our lock: then what we hold is no longer the lock file.
		if !sameFile(f, lp) {
			f.Close()
			continue
		}
		l := &JournalLock{journal: path, path: lp, f: f}
		if err := l.writeHolder(); err != nil {
			l.Unlock()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return l, nil
	}
}

// Journal is the path of the journal the lock holds.
func (l *JournalLock) Journal() string { return l.journal }

// Unlock releases the lock and removes the lock file. It is safe to call
// more than once.
func (l *JournalLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f, l.path)
	l.f = nil
	return err
}

func (l *JournalLock) writeHolder() error {
	h := LockHolder{PID: os.Getpid(), Started: time.Now().Truncate(time.Second), Command: commandName()}
	h.Host, _ = os.Hostname()
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err = l.f.WriteAt(append(b, '\n'), 0)
	return err
}

// readHolder reads a lock file's holder; a holder that has not written it
// yet is the zero LockHolder.
func readHolder(path string) LockHolder {
	var h LockHolder
	b, err := os.ReadFile(path)
	if err == nil {
		_ = json.Unmarshal(b, &h)
	}
	return h
}

// commandName is the program's name and its subcommand, without flags.
func commandName() string {
	if len(os.Args) == 0 {
		return ""
	}
	name := filepath.Base(os.Args[0])
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		name += " " + os.Args[1]
	}
	return name
}

// errLocked is lockFile's answer when another open file holds the lock.
var errLocked = errors.New("locked")
