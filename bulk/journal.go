package bulk

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// The journal is a job's state on disk: an append-only file of JSON lines,
// synced to disk before every write request is sent and after its answer
// is recorded. A crash (even kill -9) leaves at most a torn last line,
// which replay ignores. Resume replays it to learn which rows are done,
// which entities were written (with their Kommo ids) and which writes were
// sent without an answer: those are reconciled by reading back, never
// blindly sent again.

// journal entry ops.
const (
	opStart = "start" // the job's header
	opSent  = "sent"  // a write request is about to be sent
	opAck   = "ack"   // entities written, with their ids
	opPrev  = "prev"  // previous values of an entity an update changes
	opRow   = "row"   // a row's final outcome
	opEnd   = "end"   // the job finished
	// Undo's own progress (see undo_keep.go): the restore it is about to
	// send for a record, and that it was written.
	opUndoSent = "undo_sent"
	opUndone   = "undone"
	// An undo finished (readers that predate it ignore it).
	opUndoEnd = "undo_end"
)

// JobHeader identifies a job and what it imports, so a resume can refuse
// to continue with another input or mode.
type JobHeader struct {
	ID     string           `json:"id"`
	Entity kommo.EntityType `json:"entity"`
	Mode   Mode             `json:"mode"`
	Input  string           `json:"input,omitempty"`
	// InputHash fingerprints the input file (see HashFile).
	InputHash string `json:"input_hash,omitempty"`
	// Mapping is the mapping spec file the job was started with, and
	// Sheet the worksheet, so a resume can find them.
	Mapping string `json:"mapping,omitempty"`
	Sheet   string `json:"sheet,omitempty"`
	Started int64  `json:"started"`
	// InputSize is the input file's size in bytes, which a resume checks
	// before it hashes the file.
	InputSize int64 `json:"input_size,omitempty"`
	// Spec is the mapping spec's text when the job has no spec file (the
	// page's jobs), so a resume needs only the input file.
	Spec string `json:"spec,omitempty"`
	// Account is the account the job wrote to (its subdomain).
	Account string `json:"account,omitempty"`
	// Extra is the front end's own settings of the job (the page's read
	// options and cell fixes); bulk does not read it.
	Extra json.RawMessage `json:"extra,omitempty"`
}

type entry struct {
	Op     string           `json:"op"`
	Job    *JobHeader       `json:"job,omitempty"`
	Entity kommo.EntityType `json:"e,omitempty"`
	Action Action           `json:"a,omitempty"`
	At     int64            `json:"at,omitempty"`
	// Rows are the source lines a sent write covers.
	Rows []int `json:"rows,omitempty"`
	// IDs maps source line → Kommo id for acked writes.
	IDs map[int]int `json:"ids,omitempty"`
	// Row outcome.
	Row     int                      `json:"row,omitempty"`
	Key     string                   `json:"key,omitempty"`
	Outcome Action                   `json:"res,omitempty"`
	RowIDs  map[kommo.EntityType]int `json:"row_ids,omitempty"`
	Column  string                   `json:"col,omitempty"`
	Reason  string                   `json:"err,omitempty"`
	// Unlinked are the entities the row's references named but no
	// record had (ref_not_found): the row landed without those links.
	Unlinked []kommo.EntityType `json:"unlinked,omitempty"`
	// Prev is an update's undo: the request that restores the old values.
	ID   int             `json:"id,omitempty"`
	Prev json.RawMessage `json:"prev,omitempty"`
	// Kept are the fields an undo left as someone changed them.
	Kept []KeptField `json:"kept,omitempty"`
}

// journal appends entries; safe for concurrent use.
type journal struct {
	mu   sync.Mutex
	f    JournalFile
	w    *bufio.Writer
	sync bool
}

func createJournal(path string, fsync bool) (*journal, error) {
	return openJournalIn(OSStore{}, path, fsync)
}

// openJournalIn opens the journal name of store s for appending.
func openJournalIn(s JournalStore, name string, fsync bool) (*journal, error) {
	f, err := s.Open(name)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &journal{f: f, w: bufio.NewWriter(f), sync: fsync}, nil
}

// append writes entries and, with durable, flushes and syncs them.
func (j *journal) append(durable bool, es ...entry) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range es {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		j.w.Write(b)
		j.w.WriteByte('\n')
	}
	if !durable {
		return nil
	}
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if j.sync {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
	return nil
}

func (j *journal) close() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	ferr := j.w.Flush()
	if err := j.f.Close(); ferr == nil {
		ferr = err
	}
	return ferr
}

// replayed is what a journal says about a job.
type replayed struct {
	header *JobHeader
	// done rows and their outcomes, and the references each landed
	// without (entry.Unlinked).
	rows     map[int]RowResult
	unlinked map[int][]kommo.EntityType
	// written[line][entity] is the id of an entity acked for a row, and
	// wrote[line][entity] whether it was created or updated.
	written map[int]map[kommo.EntityType]int
	wrote   map[int]map[kommo.EntityType]Action
	// pending[line][entity] is the time a create was sent without an answer.
	pending map[int]map[kommo.EntityType]int64
	// prev are the undo records of updates.
	prev []entry
	// created lists the records created, per entity type.
	created map[kommo.EntityType][]int
	// ackedAt[entity][id] is when the job's last write of a record was
	// acknowledged: Kommo's updated_at (absent in older journals).
	ackedAt map[kommo.EntityType]map[int]int64
	// undo are Undo's own entries.
	undo  []entry
	ended bool
	endAt int64
	// lastAt is the latest time any entry gives.
	lastAt int64
	// size is the length of the journal's complete lines: what follows
	// is a torn tail. unterminated says the last complete line lacks its
	// newline (a crash between the two).
	size         int64
	unterminated bool
	// total is the length of the journal as read, torn tail included.
	total int64
}

// repairTail cuts the torn tail off the journal name of store s (a line a
// crash cut short: nothing was told of it) and ends a complete last line
// that lacks its newline, then syncs, so that what a resume appends starts
// a line of its own: appended to a torn line, it would be lost with it and
// make the journal unreadable past that line. The journal's lock is held.
func repairTail(s JournalStore, name string, st *replayed) error {
	if st.total == st.size && !st.unterminated {
		return nil
	}
	f, err := s.Open(name)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(st.size); err != nil {
		return fmt.Errorf("journal: cut the torn tail of %s: %w", name, err)
	}
	if st.unterminated {
		if _, err := f.Write([]byte{'\n'}); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		st.size++
		st.unterminated = false
	}
	st.total = st.size
	if err := f.Sync(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return f.Close()
}

// readJournal replays the journal file at path.
func readJournal(path string) (*replayed, error) { return readJournalIn(OSStore{}, path) }

// KnownRows reads the journal at path and returns whether it knows a row
// (its 1-based line): done, written, or sent without an answer.
func KnownRows(path string) (func(line int) bool, error) {
	st, err := readJournal(path)
	if err != nil {
		return nil, err
	}
	return func(line int) bool {
		_, done := st.rows[line]
		return done || len(st.written[line]) > 0 || len(st.pending[line]) > 0
	}, nil
}

// ReadJobHeader returns the header of the journal at path.
func ReadJobHeader(path string) (*JobHeader, error) {
	st, err := readJournal(path)
	if err != nil {
		return nil, err
	}
	return st.header, nil
}

// KeysFromJournal returns the Kommo id of every row key a job imported:
// keys[entity][key] = id, for the job's primary entity and the related
// entities of its rows. Later jobs resolve their references to the rows of
// this file through it (ImportOptions.Refs).
func KeysFromJournal(path string) (map[kommo.EntityType]map[string]int, error) {
	st, err := readJournal(path)
	if err != nil {
		return nil, err
	}
	out := map[kommo.EntityType]map[string]int{}
	for _, rr := range st.rows {
		if rr.Key == "" || rr.Action == ActionError {
			continue
		}
		if id := rr.IDs[st.header.Entity]; id != 0 {
			if out[st.header.Entity] == nil {
				out[st.header.Entity] = map[string]int{}
			}
			out[st.header.Entity][rr.Key] = id
		}
	}
	return out, nil
}

// JobStatus reads the journal at path: the job's header and whether it
// finished (a stopped job has not, and can be resumed).
func JobStatus(path string) (*JobHeader, bool, error) {
	st, err := readJournal(path)
	if err != nil {
		return nil, false, err
	}
	return st.header, st.ended, nil
}

// HashFile fingerprints a file for JobHeader.InputHash.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// entryStart is how every journal line begins (json.Marshal of entry;
// inside a string value the quotes would be escaped).
var entryStart = []byte(`{"op":`)

// parseEntry decodes a journal line. A line that holds a torn entry
// followed by a whole one is the whole one: earlier versions appended
// after a torn tail without cutting it.
func parseEntry(line []byte, e *entry) error {
	err := json.Unmarshal(line, e)
	if err == nil {
		return nil
	}
	if i := bytes.LastIndex(line, entryStart); i > 0 {
		*e = entry{}
		if json.Unmarshal(line[i:], e) == nil {
			return nil
		}
	}
	return err
}

// replayJournal reads a journal. A torn last line (a crash mid-write) is
// ignored; a bad line elsewhere is an error.
func replayJournal(data []byte) (*replayed, error) {
	st := &replayed{rows: map[int]RowResult{}, unlinked: map[int][]kommo.EntityType{}, written: map[int]map[kommo.EntityType]int{}, pending: map[int]map[kommo.EntityType]int64{},
		wrote: map[int]map[kommo.EntityType]Action{}, created: map[kommo.EntityType][]int{},
		ackedAt: map[kommo.EntityType]map[int]int64{}}
	st.total = int64(len(data))
	lines := bytes.Split(data, []byte{'\n'})
	var off int64
	for i, line := range lines {
		last := i == len(lines)-1
		off += int64(len(line))
		if !last {
			off++ // its newline
		}
		if len(bytes.TrimSpace(line)) == 0 {
			st.size = off
			continue
		}
		var e entry
		if err := parseEntry(line, &e); err != nil {
			if last {
				break // torn tail
			}
			return nil, fmt.Errorf("journal line %d: %w", i+1, err)
		}
		st.size, st.unterminated = off, last
		st.lastAt = max(st.lastAt, e.At)
		switch e.Op {
		case opStart:
			if st.header == nil {
				st.header = e.Job
			}
		case opSent:
			if e.Action != ActionCreate {
				continue // updates are idempotent: re-sending is safe
			}
			for _, row := range e.Rows {
				if st.pending[row] == nil {
					st.pending[row] = map[kommo.EntityType]int64{}
				}
				st.pending[row][e.Entity] = e.At
			}
		case opAck:
			for row, id := range e.IDs {
				if st.written[row] == nil {
					st.written[row] = map[kommo.EntityType]int{}
				}
				st.written[row][e.Entity] = id
				if st.wrote[row] == nil {
					st.wrote[row] = map[kommo.EntityType]Action{}
				}
				if st.wrote[row][e.Entity] != ActionCreate {
					st.wrote[row][e.Entity] = e.Action // an update after the create leaves it created
				}
				delete(st.pending[row], e.Entity)
				if e.Action == ActionCreate {
					st.created[e.Entity] = append(st.created[e.Entity], id)
				}
				if e.At != 0 {
					if st.ackedAt[e.Entity] == nil {
						st.ackedAt[e.Entity] = map[int]int64{}
					}
					st.ackedAt[e.Entity][id] = e.At
				}
			}
			for _, row := range e.Rows { // acked as "nothing was written"
				delete(st.pending[row], e.Entity)
			}
		case opPrev:
			st.prev = append(st.prev, e)
		case opRow:
			rr := RowResult{Line: e.Row, Key: e.Key, Action: e.Outcome, IDs: e.RowIDs, Column: e.Column}
			if e.Reason != "" {
				rr.Err = errors.New(e.Reason)
			}
			st.rows[e.Row] = rr
			if len(e.Unlinked) > 0 {
				st.unlinked[e.Row] = e.Unlinked
			}
		case opUndoSent, opUndone, opUndoEnd:
			st.undo = append(st.undo, e)
		case opEnd:
			st.ended = true
			st.endAt = e.At
		}
	}
	if st.header == nil {
		return nil, errors.New("journal has no job header")
	}
	return st, nil
}
