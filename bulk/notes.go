package bulk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// WriteNotes adds notes exactly once. Each note gets a fingerprint (see
// NoteFingerprint), journaled before its request is sent and again with
// Kommo's id when the answer comes. So:
//
//   - a resumed or re-run job (same journal, Resume) sends nothing the
//     journal has an answer for;
//   - a note whose request was sent but whose answer never came (a crash,
//     a dropped connection, a 5xx) is reconciled: the record's notes are
//     read back and matched (see below); only a note found nowhere is sent
//     again, never blindly;
//   - with SkipExisting, every note is first matched against the notes its
//     record already has, so a run with another journal (or none) adds
//     nothing that is there.
//
// A note read back matches when it is on the same record with the same
// type and either the same call id (params.uniq: a call carries its
// SourceID there, or its fingerprint when it has none) or the same
// params (text trimmed) and the same created_at. Kommo is not known to
// keep a created_at sent on create (the official SDK sends it; Kommo's
// add-notes page does not show it): when reconciling a write whose
// answer was lost, a note created since the write was sent also matches.

// NotesJob is the JobHeader.Entity of a notes job.
const NotesJob kommo.EntityType = "notes"

// NoteItem is one note for WriteNotes.
type NoteItem struct {
	// Line is the note's source line, passed to its NoteResult.
	Line int
	// Entity (leads, contacts, companies or customers) and EntityID are
	// the record the note goes on.
	Entity   kommo.EntityType
	EntityID int
	// Type is the note type (kommo.NoteCommon, kommo.NoteCallIn, ...):
	// one Kommo documents writing (kommo.WritableNoteType).
	Type   string
	Params kommo.NoteParams
	// CreatedAt (unix seconds) and CreatedBy (a Kommo user id) date and
	// sign the note; 0 leaves them to Kommo (now, the token's user).
	CreatedAt int64
	CreatedBy int
	// SourceID is the note's id in the system it comes from, if any. It
	// fingerprints the note (so a changed text does not make it another
	// note), and a call without a call id carries it as params.uniq.
	SourceID string
}

// NoteOptions configure WriteNotes.
type NoteOptions struct {
	// Job identifies the job in the journal; Job.ID is required. Entity
	// and Mode are set by WriteNotes (NotesJob; ModeCreate, or
	// ModeSkipExisting with SkipExisting), and a resume checks them.
	Job JobHeader
	// Journal, Resume, Lock and NoSync are ImportOptions'.
	Journal string
	Resume  bool
	Lock    *JournalLock
	NoSync  bool
	// BatchSize is the number of notes per request (default 50, at most
	// kommo.MaxBatch).
	BatchSize int
	// SkipExisting matches every note against its record's notes first
	// and skips those already there.
	SkipExisting bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnNote, if set, receives each note's result as it is known (not in
	// input order), one call at a time; NotesResult.Notes is then not
	// kept.
	OnNote func(NoteResult)
}

// NoteResult is the outcome of one note.
type NoteResult struct {
	Line int
	// Index is the note's 1-based position in the input.
	Index       int
	Fingerprint string
	// Action is ActionCreate, ActionSkip (it was there already) or
	// ActionError; ID is the note's Kommo id.
	Action Action
	ID     int
	Err    error
	// Resumed says an earlier run of the job settled it.
	Resumed bool
	// Refused names the fields Kommo refused on this note (created_at,
	// created_by) and that were left out for it to land: it is then dated
	// when written or signed by the token's user.
	Refused []string
}

// NotesResult is the outcome of WriteNotes.
type NotesResult struct {
	Job JobHeader
	// Notes are the results in input order, unless NoteOptions.OnNote
	// took them.
	Notes                    []NoteResult
	Created, Skipped, Failed int
	// Refused counts, by field, the notes written without a field Kommo
	// refused (NoteResult.Refused).
	Refused map[string]int
	Resumed int
}

// Journal entry ops of a notes job: a note's request is about to be sent;
// its answer (entry.ID and entry.Outcome: created, skipped as already
// there, or failed; no outcome means not written, to be sent again).
const (
	opNoteSent = "note_sent"
	opNoteAck  = "note_ack"
)

// noteTask is a note in flight.
type noteTask struct {
	item  NoteItem
	index int
	fp    string
	req   kommo.NoteRequest
	// content is the note's comparable content (noteContent).
	content string
	// sentAt is when a request with the note was last sent without an
	// answer (by this run or, from the journal, a crashed one); 0 if none.
	sentAt int64
	id     int
	done   bool
	// refused are the fields left out after Kommo refused them.
	refused []string
}

type noteWriter struct {
	c    *kommo.Client
	opts NoteOptions
	j    *journal
	res  *NotesResult
	// done and pending are what the journal says of each fingerprint;
	// known are the note ids it holds, which no other note may match.
	done    map[string]entry
	pending map[string]int64
	known   map[int]bool
	seen    map[string]int // base fingerprint → occurrences so far
}

// WriteNotes writes notes to Kommo; see the comment above NotesJob. A
// note that cannot be written (an unknown type, a missing record, Kommo's
// validation) fails alone; an account-level problem (401, 402, 403, 429,
// a cancelled ctx, repeated 5xx) stops the job and is returned with the
// results so far: resume it with the same journal.
func WriteNotes(ctx context.Context, c *kommo.Client, notes iter.Seq[NoteItem], opts NoteOptions) (*NotesResult, error) {
	if opts.Job.ID == "" {
		return nil, errors.New("notes: no job id")
	}
	opts.Job.Entity, opts.Job.Mode = NotesJob, ModeCreate
	if opts.SkipExisting {
		opts.Job.Mode = ModeSkipExisting
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 50
	}
	opts.BatchSize = min(opts.BatchSize, kommo.MaxBatch)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// The journal is opened as an import's is: the same lock, header
	// checks and repair of a torn tail.
	im := &importer{opts: ImportOptions{Job: opts.Job, Journal: opts.Journal, Resume: opts.Resume, Lock: opts.Lock,
		NoSync: opts.NoSync, Now: opts.Now}, res: &Result{}}
	lock, err := im.lockJournal()
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := im.openJournal(); err != nil {
		return nil, err
	}
	w := &noteWriter{c: c, opts: opts, j: im.j, res: &NotesResult{Job: im.res.Job},
		done: map[string]entry{}, pending: map[string]int64{}, known: map[int]bool{}, seen: map[string]int{}}
	if im.st != nil {
		if err := w.replay(opts.Journal); err != nil {
			return w.res, err
		}
	}
	err = w.run(ctx, notes)
	if err == nil {
		err = w.j.append(true, entry{Op: opEnd, At: opts.Now().Unix()})
	}
	if cerr := w.j.close(); err == nil {
		err = cerr
	}
	if w.res.Notes != nil {
		slices.SortFunc(w.res.Notes, func(a, b NoteResult) int { return a.Index - b.Index })
	}
	return w.res, err
}

// replay reads the note entries of a resumed job's journal.
func (w *noteWriter) replay(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	lines := bytes.Split(data, []byte{'\n'})
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e entry
		if err := parseEntry(line, &e); err != nil {
			if i == len(lines)-1 {
				break // a torn tail
			}
			return fmt.Errorf("%s: journal line %d: %w", path, i+1, err)
		}
		switch e.Op {
		case opNoteSent:
			w.pending[e.Key] = e.At
		case opNoteAck:
			delete(w.pending, e.Key)
			if e.Outcome != "" {
				w.done[e.Key] = e
				if e.ID != 0 {
					w.known[e.ID] = true
				}
			}
		}
	}
	return nil
}

// NoteFingerprint identifies a note across runs: its record, and its
// SourceID when it has one, else its type, created_at and params (as
// noteContent compares them). WriteNotes makes the fingerprints of one
// input unique: the second note with the same fingerprint gets "#2".
func NoteFingerprint(it NoteItem) (string, error) {
	content, err := noteContent(it.Type, it.Params)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", it.Entity, it.EntityID)
	if it.SourceID != "" {
		fmt.Fprintf(h, "source\x00%s", it.SourceID)
	} else {
		fmt.Fprintf(h, "%s\x00%d\x00%s", it.Type, it.CreatedAt, content)
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// noteContent is a note's params as WriteNotes compares them: those its
// type sends, with the text's line ends and outer spaces normalised, as
// canonical JSON.
func noteContent(typ string, p kommo.NoteParams) (string, error) {
	p.Text = strings.TrimSpace(strings.ReplaceAll(p.Text, "\r\n", "\n"))
	m, err := p.Map(typ)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(m) // map keys are sorted
	return string(b), err
}

func isCall(typ string) bool { return typ == kommo.NoteCallIn || typ == kommo.NoteCallOut }

// prepare checks an item and builds its request.
func (w *noteWriter) prepare(it NoteItem, index int) (*noteTask, error) {
	switch it.Entity {
	case kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityCustomers:
	default:
		return nil, fmt.Errorf("a note goes on leads, contacts, companies or customers, not %q", it.Entity)
	}
	if it.EntityID <= 0 {
		return nil, fmt.Errorf("the note's %s has no Kommo id", it.Entity.Singular())
	}
	fp, err := NoteFingerprint(it)
	if err != nil {
		return nil, err
	}
	w.seen[fp]++
	if n := w.seen[fp]; n > 1 {
		fp += "#" + strconv.Itoa(n)
	}
	if isCall(it.Type) && it.Params.UniqueID == "" {
		// The call's id is how a read back finds it again.
		it.Params.UniqueID = it.SourceID
		if it.SourceID == "" {
			it.Params.UniqueID = "kommo-bulk:" + fp
		}
	}
	req, err := kommo.NewNote(it.EntityID, it.Type, it.Params)
	if err != nil {
		return nil, err
	}
	req.CreatedAt = it.CreatedAt
	if it.CreatedBy != 0 {
		by := it.CreatedBy
		req.CreatedBy = &by
	}
	req.RequestID = "note-" + strconv.Itoa(index)
	content, _ := noteContent(it.Type, it.Params)
	return &noteTask{item: it, index: index, fp: fp, req: req, content: content, sentAt: w.pending[fp]}, nil
}

// run reads the notes, settles those the journal knows, and writes the
// others in batches of one entity type.
func (w *noteWriter) run(ctx context.Context, notes iter.Seq[NoteItem]) error {
	groups := map[kommo.EntityType][]*noteTask{}
	index := 0
	for it := range notes {
		if err := ctx.Err(); err != nil {
			return err
		}
		index++
		t, err := w.prepare(it, index)
		if err != nil {
			w.finish(NoteResult{Line: it.Line, Index: index, Action: ActionError, Err: err})
			continue
		}
		if e, ok := w.done[t.fp]; ok {
			r := NoteResult{Line: it.Line, Index: index, Fingerprint: t.fp, Action: e.Outcome, ID: e.ID, Resumed: true}
			if e.Reason != "" {
				r.Err = errors.New(e.Reason)
			}
			w.finish(r)
			continue
		}
		g := append(groups[it.Entity], t)
		if len(g) < w.opts.BatchSize {
			groups[it.Entity] = g
			continue
		}
		delete(groups, it.Entity)
		if err := w.flush(ctx, it.Entity, g); err != nil {
			return err
		}
	}
	for _, e := range []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityCustomers} {
		if err := w.flush(ctx, e, groups[e]); err != nil {
			return err
		}
	}
	return nil
}

// flush settles a group of notes of one entity type: notes a crashed run
// sent are reconciled, with SkipExisting every note is matched against
// its record's notes, and the rest are sent.
func (w *noteWriter) flush(ctx context.Context, e kommo.EntityType, ts []*noteTask) error {
	if len(ts) == 0 {
		return nil
	}
	var match []*noteTask
	for _, t := range ts {
		if t.sentAt != 0 || w.opts.SkipExisting {
			match = append(match, t)
		}
	}
	if len(match) > 0 {
		found, err := w.match(ctx, e, match)
		if err != nil {
			return err
		}
		var acks []entry
		for _, t := range found {
			act := ActionSkip
			if t.sentAt != 0 {
				act = ActionCreate // the run that crashed created it
			}
			acks = append(acks, entry{Op: opNoteAck, Entity: e, Key: t.fp, ID: t.id, Outcome: act})
		}
		if err := w.ack(acks, ts); err != nil {
			return err
		}
	}
	return w.send(ctx, e, slices.DeleteFunc(slices.Clone(ts), func(t *noteTask) bool { return t.done }), 0)
}

// match reads the notes of the tasks' records back and gives each task
// that one matches its id (t.id). A note read back matches one task at
// most, and never one the journal already holds.
func (w *noteWriter) match(ctx context.Context, e kommo.EntityType, ts []*noteTask) ([]*noteTask, error) {
	var ids []int
	var types []string
	for _, t := range ts {
		if t.id == 0 && !t.done {
			ids = append(ids, t.item.EntityID)
			types = append(types, t.item.Type)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	o := &kommo.NoteListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxLimit}, Order: &kommo.Order{Field: "id"},
		EntityIDs: slices.Compact(slices.Sorted(slices.Values(ids))), NoteTypes: slices.Compact(slices.Sorted(slices.Values(types)))}
	var found []*noteTask
	for n, err := range w.c.Notes.ListIter(ctx, e, o) {
		if err != nil {
			return found, err
		}
		if w.known[n.ID] {
			continue
		}
		p, err := n.DecodeParams()
		if err != nil {
			continue
		}
		for _, t := range ts {
			if t.id != 0 || t.done || !sameNote(n, p, t) {
				continue
			}
			t.id = n.ID
			w.known[n.ID] = true
			found = append(found, t)
			break
		}
	}
	return found, nil
}

// sameNote reports whether note n (with params p) read back is task t.
// A note created since t was sent (t.sentAt) matches whatever created_at
// t asked for: Kommo may not keep it.
func sameNote(n *kommo.Note, p kommo.NoteParams, t *noteTask) bool {
	it := t.item
	if n.EntityID != it.EntityID || n.NoteType != it.Type {
		return false
	}
	if isCall(it.Type) {
		return p.UniqueID == t.req.Params["uniq"]
	}
	if c, err := noteContent(n.NoteType, p); err != nil || c != t.content {
		return false
	}
	at := int64(n.CreatedAt)
	return it.CreatedAt == 0 || at == it.CreatedAt || (t.sentAt > 0 && at >= t.sentAt-clockSkew)
}

// ack journals entries and then finishes their tasks.
func (w *noteWriter) ack(acks []entry, ts []*noteTask) error {
	if len(acks) == 0 {
		return nil
	}
	if err := w.j.append(true, acks...); err != nil {
		return err
	}
	byFP := map[string]*noteTask{}
	for _, t := range ts {
		byFP[t.fp] = t
	}
	for _, a := range acks {
		t := byFP[a.Key]
		delete(w.pending, a.Key)
		if t == nil || a.Outcome == "" {
			continue
		}
		t.done = true
		r := NoteResult{Line: t.item.Line, Index: t.index, Fingerprint: t.fp, Action: a.Outcome, ID: a.ID, Refused: t.refused}
		if a.Reason != "" {
			r.Err = errors.New(a.Reason)
		}
		w.finish(r)
	}
	return nil
}

func (w *noteWriter) finish(r NoteResult) {
	switch r.Action {
	case ActionCreate:
		w.res.Created++
	case ActionSkip:
		w.res.Skipped++
	default:
		w.res.Failed++
	}
	if r.Resumed {
		w.res.Resumed++
	}
	for _, f := range r.Refused {
		if w.res.Refused == nil {
			w.res.Refused = map[string]int{}
		}
		w.res.Refused[f]++
	}
	if w.opts.OnNote != nil {
		w.opts.OnNote(r)
		return
	}
	w.res.Notes = append(w.res.Notes, r)
}

// failAll journals tasks as failed with err's reason.
func (w *noteWriter) failAll(e kommo.EntityType, ts []*noteTask, reason string) error {
	acks := make([]entry, len(ts))
	for i, t := range ts {
		acks[i] = entry{Op: opNoteAck, Entity: e, Key: t.fp, Outcome: ActionError, Reason: reason}
	}
	return w.ack(acks, ts)
}

// send writes tasks in one request (at most BatchSize), journaling them
// first, and settles what Kommo answers.
func (w *noteWriter) send(ctx context.Context, e kommo.EntityType, ts []*noteTask, tries int) error {
	ts = slices.DeleteFunc(slices.Clone(ts), func(t *noteTask) bool { return t.done })
	if len(ts) == 0 {
		return nil
	}
	sentAt := w.opts.Now().Unix()
	sent := make([]entry, len(ts))
	reqs := make([]kommo.NoteRequest, len(ts))
	for i, t := range ts {
		sent[i] = entry{Op: opNoteSent, Entity: e, Key: t.fp, At: sentAt}
		reqs[i] = t.req
		t.sentAt = sentAt
	}
	if err := w.j.append(true, sent...); err != nil {
		return err
	}
	res, _, err := w.c.Notes.Create(ctx, e, reqs)
	if err != nil {
		return w.writeError(ctx, e, ts, err, tries)
	}
	byRID := map[string]int{}
	for _, r := range res {
		byRID[r.RequestID] = r.ID
	}
	var acks []entry
	for i, t := range ts {
		id := byRID[t.req.RequestID]
		if id == 0 && i < len(res) && res[i].RequestID == "" {
			id = res[i].ID
		}
		if id == 0 {
			// Whether it was written is unknown: the journal keeps it
			// sent, so a resume reads it back.
			t.done = true
			w.finish(NoteResult{Line: t.item.Line, Index: t.index, Fingerprint: t.fp, Action: ActionError,
				Err: errors.New("Kommo answered without an id for this note; resume the job to check whether it landed")})
			continue
		}
		w.known[id] = true
		acks = append(acks, entry{Op: opNoteAck, Entity: e, Key: t.fp, ID: id, Outcome: ActionCreate, At: sentAt})
	}
	return w.ack(acks, ts)
}

// writeError settles a failed write as the import's handleWriteError
// does: Kommo's validation fails the notes it names, a rejection without
// names is split down to the note, a 429 stops the job with nothing
// written, an answer whose outcome is unknown (5xx, 504, a dropped
// connection) is reconciled by reading back before anything is sent
// again.
func (w *noteWriter) writeError(ctx context.Context, e kommo.EntityType, ts []*noteTask, err error, tries int) error {
	var er *kommo.ErrorResponse
	notWritten := func(part []*noteTask) error {
		acks := make([]entry, len(part))
		for i, t := range part {
			acks[i] = entry{Op: opNoteAck, Entity: e, Key: t.fp}
		}
		return w.ack(acks, part)
	}
	halves := func() error {
		h := len(ts) / 2
		if err := w.send(ctx, e, ts[:h], tries+1); err != nil {
			return err
		}
		return w.send(ctx, e, ts[h:], tries+1)
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &er) && len(er.ValidationErrors) > 0:
		var good, bad []*noteTask
		var acks []entry
		dropped := false
		for _, t := range ts {
			fes := er.ItemErrors(t.req.RequestID)
			switch {
			case len(fes) > 0 && t.dropRefused(fes):
				dropped = true
				good = append(good, t)
			case len(fes) > 0:
				bad = append(bad, t)
				acks = append(acks, entry{Op: opNoteAck, Entity: e, Key: t.fp, Outcome: ActionError, Reason: kommoReason(fes).Error()})
			default:
				good = append(good, t)
			}
		}
		if len(bad) == 0 && !dropped {
			if len(ts) == 1 {
				return w.failAll(e, ts, "Kommo rejected the note: "+errorDetail(err))
			}
			if err := w.settle(ctx, e, ts); err != nil {
				return err
			}
			return halves()
		}
		if err := w.ack(acks, bad); err != nil {
			return err
		}
		if err := w.settle(ctx, e, good); err != nil {
			return err
		}
		return w.send(ctx, e, good, tries+1)
	case errors.Is(err, kommo.ErrBadRequest):
		if len(ts) == 1 {
			return w.failAll(e, ts, "Kommo rejected the note: "+errorDetail(err))
		}
		if err := w.settle(ctx, e, ts); err != nil {
			return err
		}
		return halves()
	case errors.Is(err, kommo.ErrRateLimited):
		// Answered before processing: nothing was written.
		if err := notWritten(ts); err != nil {
			return err
		}
		return err
	case errors.Is(err, kommo.ErrUnauthorized), errors.Is(err, kommo.ErrPaymentRequired), errors.Is(err, kommo.ErrForbidden):
		return err
	case errors.As(err, &er) && er.Status >= 400 && er.Status < 500 && er.Status != http.StatusRequestTimeout:
		return w.failAll(e, ts, fmt.Sprintf("Kommo rejected the note (%d %s): %s", er.Status, http.StatusText(er.Status), errorDetail(err)))
	}
	// The write may or may not have happened.
	if tries >= maxAmbiguous {
		return fmt.Errorf("giving up after %d failed attempts: %w", tries+1, err)
	}
	if err := w.c.WaitBackoff(ctx, tries+1); err != nil {
		return err
	}
	if err := w.settle(ctx, e, ts); err != nil {
		return err
	}
	if errors.Is(err, kommo.ErrGatewayTimeout) && len(ts) > 1 {
		return halves() // Kommo: 504 means the batch was too big
	}
	return w.send(ctx, e, ts, tries+1)
}

// dropRefused leaves out of the note's request the dating fields Kommo
// refused, when those are all it refused: Kommo documents created_by on
// notes but not created_at (the official SDK sends both), so a note must
// not be lost for either. The note is sent again without them, dated when
// written or signed by the token's user, and its NoteResult says so. A
// note read back after a lost answer still matches (sameNote accepts a
// note created since it was sent).
func (t *noteTask) dropRefused(fes []kommo.FieldError) bool {
	var atRefused, byRefused bool
	for _, fe := range fes {
		switch {
		case fieldPath(fe.Path, "created_at") && t.req.CreatedAt != 0:
			atRefused = true
		case fieldPath(fe.Path, "created_by") && t.req.CreatedBy != nil:
			byRefused = true
		default:
			return false
		}
	}
	if atRefused {
		t.req.CreatedAt = 0
		t.refused = append(t.refused, "created_at")
	}
	if byRefused {
		t.req.CreatedBy = nil
		t.refused = append(t.refused, "created_by")
	}
	return atRefused || byRefused
}

// fieldPath says whether a validation error's path names the item's
// field: "created_at", or with the item's index before it.
func fieldPath(path, field string) bool {
	return path == field || strings.HasSuffix(path, "."+field)
}

// settle reads back the notes a request may have created and journals
// those found as created; the rest stay to be sent again.
func (w *noteWriter) settle(ctx context.Context, e kommo.EntityType, ts []*noteTask) error {
	found, err := w.match(ctx, e, ts)
	if err != nil {
		return err
	}
	acks := make([]entry, len(found))
	for i, t := range found {
		acks[i] = entry{Op: opNoteAck, Entity: e, Key: t.fp, ID: t.id, Outcome: ActionCreate}
	}
	return w.ack(acks, ts)
}
