package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// WriteOrder is the order a row's entities are written in: what a later
// entity links to exists by the time it is sent.
var WriteOrder = []kommo.EntityType{kommo.EntityCompanies, kommo.EntityContacts, kommo.EntityLeads, kommo.EntityTasks}

// ErrJournalExists is returned when a job's journal exists and Resume is
// not set: the job ran before, and running it again from the start would
// write its rows twice.
var ErrJournalExists = errors.New("journal exists: resume the job instead of starting it again")

// claim makes the first row with a key the owner of the record that key
// names; later rows with the same key wait for the owner's write and use
// its id, so the file never creates one record twice.
type claim struct {
	owner int // source line
	batch int
	done  chan struct{}
	id    int
	err   error
}

func (c *claim) resolve(id int, err error) {
	select {
	case <-c.done:
	default:
		c.id, c.err = id, err
		close(c.done)
	}
}

// rowTask is a row in flight.
type rowTask struct {
	item   Item
	line   int
	order  int // 1-based position in the input
	own    map[kommo.EntityType]*claim
	follow map[kommo.EntityType]*claim
	ids    map[kommo.EntityType]int
	acts   map[kommo.EntityType]Action
	// written are entities a previous run wrote (resume).
	written map[kommo.EntityType]int
	pending map[kommo.EntityType]int64
	changes []FieldChange
	// warns are the import's warnings: a reference that named no record.
	warns  []*mapping.RowWarning
	failed bool
	column string
	err    error
}

func (rt *rowTask) fail(column string, err error) {
	if rt.failed {
		return
	}
	rt.failed, rt.column, rt.err = true, column, err
}

type batch struct {
	seq  int
	rows []*rowTask
}

// importer is one running import.
type importer struct {
	c    *kommo.Client
	opts ImportOptions
	j    *journal
	find *finder
	st   *replayed

	claims map[string]*claim // entity|indexKey → claim; producer only

	mu      sync.Mutex // guards res, waiting, next and progress
	res     *Result
	waiting map[int]RowResult // finished rows waiting for earlier ones (OnRow)
	next    int               // the order of the next row OnRow gets
	started time.Time
}

// Import writes items to Kommo and returns every row's outcome. It is
// synchronous: it returns when all its goroutines have. A row-level
// problem (mapping error, Kommo's validation error) fails that row only;
// an account-level one (401, 402, 403, a cancelled ctx) stops the job and
// is returned with the partial result, which a resume continues.
func Import(ctx context.Context, c *kommo.Client, items iter.Seq[Item], opts ImportOptions) (*Result, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	im := &importer{c: c, opts: opts, find: newFinder(c, opts.Lookup, opts.ExpectedRows, opts.ScanCache, opts.Now), claims: map[string]*claim{},
		res: &Result{Job: opts.Job, Rows: map[int]RowResult{}}, started: opts.Now()}
	lock, err := im.lockJournal()
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := im.openJournal(); err != nil {
		return nil, err
	}
	err = im.run(ctx, items)
	if err == nil {
		err = im.j.append(true, entry{Op: opEnd, At: opts.Now().Unix()})
	}
	if cerr := im.j.close(); err == nil {
		err = cerr
	}
	return im.res, err
}

// lockJournal takes the journal's lock for the import, unless the caller
// holds it (ImportOptions.Lock); it returns the lock Import must release.
func (im *importer) lockJournal() (Unlocker, error) {
	path := im.opts.Journal
	if path == "" || im.opts.DryRun {
		return noLock{}, nil
	}
	if l := im.opts.Lock; l != nil {
		if l.f == nil || l.Journal() != path {
			return nil, fmt.Errorf("import: ImportOptions.Lock holds %s, not the journal %s", l.Journal(), path)
		}
		return noLock{}, nil
	}
	return storeOf(im.opts.Store).Lock(path)
}

// noLock is a lock Import does not release.
type noLock struct{}

func (noLock) Unlock() error { return nil }

// openJournal reads the journal of a resumed job, mends a torn tail, and
// opens the journal for appending. The journal's lock is held.
func (im *importer) openJournal() error {
	path := im.opts.Journal
	if path == "" || im.opts.DryRun {
		return nil
	}
	store := storeOf(im.opts.Store)
	if data, err := store.ReadFile(path); err == nil {
		if !im.opts.Resume {
			return fmt.Errorf("%s: %w", path, ErrJournalExists)
		}
		st, err := replayJournal(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		h := st.header
		if h.ID != im.opts.Job.ID || h.Entity != im.opts.Job.Entity || h.Mode != im.opts.Job.Mode {
			return fmt.Errorf("%s: journal is for job %s (%s, %s), not %s (%s, %s)", path, h.ID, h.Entity, h.Mode,
				im.opts.Job.ID, im.opts.Job.Entity, im.opts.Job.Mode)
		}
		if h.InputHash != "" && im.opts.Job.InputHash != "" && h.InputHash != im.opts.Job.InputHash {
			return fmt.Errorf("%s: the input file changed since the job started (it was %s); resuming would mix two files", path, h.Input)
		}
		if err := repairTail(store, path, st); err != nil {
			return err
		}
		im.st = st
		im.res.Job = *h
	} else if !errNoJournal(err) {
		return fmt.Errorf("journal: %w", err)
	} else if im.opts.Resume {
		return fmt.Errorf("%s: no journal to resume", path)
	}
	j, err := openJournalIn(store, path, !im.opts.NoSync)
	if err != nil {
		return err
	}
	im.j = j
	if im.st == nil {
		h := im.opts.Job
		h.Started = im.opts.Now().Unix()
		im.res.Job = h
		return j.append(true, entry{Op: opStart, Job: &h})
	}
	return nil
}

// run is the MD5All pipeline: a producer turns items into batches in file
// order, workers write them.
func (im *importer) run(ctx context.Context, items iter.Seq[Item]) error {
	g, ctx := errgroup.WithContext(ctx)
	batches := make(chan *batch)
	g.Go(func() error {
		defer close(batches)
		seq := 0
		cur := &batch{seq: seq}
		send := func() error {
			if len(cur.rows) == 0 {
				return nil
			}
			select {
			case batches <- cur:
			case <-ctx.Done():
				return ctx.Err()
			}
			seq++
			cur = &batch{seq: seq}
			return nil
		}
		order := 0
		for it := range items {
			// Checked for every item: a file of bad or resumed rows
			// sends no batch, and must stop on ctx too.
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if it.Row != nil {
				it.Line = it.Row.Line
			}
			order++
			if im.st != nil {
				if rr, ok := im.st.rows[it.Line]; ok {
					rr.Values = it.Values
					if rr.Action != ActionError && it.Row != nil {
						rr.Warnings = it.Row.Warnings
						for _, e := range im.st.unlinked[it.Line] {
							rr.Warnings = append(slices.Clip(rr.Warnings), it.Row.RefNotFound(e, it.Row.Refs[e]))
						}
					}
					im.finish(rr, order, true)
					continue
				}
			}
			if it.Row == nil || len(it.Errs) > 0 {
				rt := mappingFailure(it)
				rt.order = order
				im.finishRow(rt)
				continue
			}
			rt := im.newTask(it, cur.seq)
			rt.order = order
			cur.rows = append(cur.rows, rt)
			if len(cur.rows) >= im.opts.BatchSize {
				if err := send(); err != nil {
					return err
				}
			}
		}
		return send()
	})
	for range im.opts.Workers {
		g.Go(func() error {
			for b := range batches {
				if err := im.process(ctx, b); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err := g.Wait()
	if err != nil {
		// Keep what is known: rows of batches never processed are not in the
		// result; a resume picks them up.
		_ = im.j.append(true)
	}
	return err
}

func mappingFailure(it Item) *rowTask {
	rt := &rowTask{item: it, line: it.Line}
	if len(it.Errs) == 0 {
		rt.fail("", errors.New("row could not be mapped"))
		return rt
	}
	msgs := make([]string, len(it.Errs))
	errs := make([]error, len(it.Errs))
	for i, e := range it.Errs {
		msgs[i], errs[i] = e.Error(), e
		if e.Column != "" && rt.column == "" {
			rt.column = e.Column
		}
	}
	col := rt.column
	rt.fail(col, &rowErrors{msg: strings.Join(msgs, "; "), errs: errs})
	return rt
}

// newTask registers the row's keys: the first row with a key owns it, the
// others follow. Producer goroutine only.
func (im *importer) newTask(it Item, seq int) *rowTask {
	rt := &rowTask{item: it, line: it.Line, own: map[kommo.EntityType]*claim{}, follow: map[kommo.EntityType]*claim{},
		ids: map[kommo.EntityType]int{}, acts: map[kommo.EntityType]Action{}}
	if im.st != nil {
		rt.written = im.st.written[it.Line]
		rt.pending = im.st.pending[it.Line]
	}
	for _, e := range WriteOrder {
		req := it.Row.Request(e)
		if req == nil || !im.dedupes(it.Row, e) {
			continue
		}
		k := im.matchKey(it.Row, e, req)
		if len(k.Values) == 0 {
			continue
		}
		var found *claim
		for _, v := range k.Values {
			if c := im.claims[string(e)+"|"+indexKey(k, keyValue(k.Kind, v))]; c != nil {
				found = c
				break
			}
		}
		if found == nil {
			found = &claim{owner: it.Line, batch: seq, done: make(chan struct{})}
			rt.own[e] = found
		} else {
			rt.follow[e] = found
		}
		for _, v := range k.Values {
			key := string(e) + "|" + indexKey(k, keyValue(k.Kind, v))
			if im.claims[key] == nil {
				im.claims[key] = found
			}
		}
	}
	return rt
}

// dedupes reports whether entity e of a row is matched against the file
// and the account: related entities always (a company named in many rows
// is one company), the primary one in upsert and skip-existing modes.
func (im *importer) dedupes(r *mapping.Row, e kommo.EntityType) bool {
	if e == kommo.EntityTasks {
		return false
	}
	if e != im.opts.Job.Entity {
		return true
	}
	return im.opts.Job.Mode != ModeCreate
}

// matchKey is the row's key for entity e; related entities without one
// are matched by name.
func (im *importer) matchKey(r *mapping.Row, e kommo.EntityType, req kommo.EntityRequest) mapping.MatchKey {
	k, ok := r.Match[e]
	primary := e == im.opts.Job.Entity
	if ok && k.Kind != mapping.MatchNone && (k.Kind != mapping.MatchID) == (!primary || im.opts.Job.Mode != ModeUpdate) {
		// By id in update mode (two rows with one id update it in
		// turn), by the spec's key otherwise.
		return k
	}
	if e != im.opts.Job.Entity {
		if n := reqView(req).displayName(); n != "" {
			return mapping.MatchKey{Kind: mapping.MatchName, Values: []string{value.Normalize(n)}}
		}
	}
	return mapping.MatchKey{}
}

// work is one entity of one row in a batch step.
type work struct {
	rt     *rowTask
	req    kommo.EntityRequest
	key    mapping.MatchKey
	id     int
	action Action
	// sameBatch: follows an owner in this batch.
	sameBatch *claim
}

// process writes one batch, entity by entity in WriteOrder.
func (im *importer) process(ctx context.Context, b *batch) (err error) {
	defer func() {
		// Every claim this batch owns is resolved, whatever happened, so
		// followers never wait forever.
		for _, rt := range b.rows {
			for e, c := range rt.own {
				id := rt.ids[e]
				var cerr error
				if id == 0 {
					cerr = rt.err
					if cerr == nil {
						cerr = errors.New("not written")
					}
					if err != nil {
						// The job stops: the rows that wait for this
						// one are not done either (a resume does them).
						cerr = &stoppedError{err: err}
					}
				}
				c.resolve(id, cerr)
			}
		}
	}()
	im.resolveRefs(b)
	for _, e := range WriteOrder {
		if err := im.step(ctx, b, e); err != nil {
			return err
		}
	}
	if err := im.links(ctx, b); err != nil {
		return err
	}
	var ends []entry
	rrs := make([]RowResult, len(b.rows))
	for i, rt := range b.rows {
		rrs[i] = im.rowResult(rt)
		if !im.opts.DryRun {
			ends = append(ends, rowEntry(rrs[i]))
		}
	}
	// The outcomes are on disk before anyone is told of them.
	if err := im.j.append(true, ends...); err != nil {
		return err
	}
	for i, rt := range b.rows {
		im.finish(rrs[i], rt.order, false)
	}
	im.report()
	return nil
}

func rowEntry(rr RowResult) entry {
	e := entry{Op: opRow, Row: rr.Line, Key: rr.Key, Outcome: rr.Action, RowIDs: rr.IDs, Column: rr.Column}
	if rr.Err != nil {
		e.Reason = rr.Err.Error()
	}
	for _, w := range rr.Warnings {
		if w.Code == mapping.WarnRefNotFound {
			e.Unlinked = append(e.Unlinked, kommo.EntityType(w.Params["entity"]))
		}
	}
	return e
}

func (im *importer) rowResult(rt *rowTask) RowResult {
	for i, c := range rt.changes {
		if isDay(c.Type) {
			rt.changes[i].Old, rt.changes[i].New = dayText(c.Old, im.opts.Location), dayText(c.New, im.opts.Location)
		}
	}
	rr := RowResult{Line: rt.line, IDs: realIDs(rt.ids), Changes: rt.changes, Values: rt.item.Values}
	if rt.item.Row != nil {
		rr.Key = rt.item.Row.Key
	}
	if rt.failed {
		rr.Action, rr.Column, rr.Err = ActionError, rt.column, rt.err
		return rr
	}
	if rt.item.Row != nil {
		rr.Warnings = rt.item.Row.Warnings
	}
	if len(rt.warns) > 0 {
		rr.Warnings = append(slices.Clip(rr.Warnings), rt.warns...)
	}
	rr.Action = rt.acts[im.opts.Job.Entity]
	if rr.Action == "" {
		rr.Action = ActionSkip
	}
	return rr
}

// resolveRefs gives each row the ids of the rows of other files it refers
// to, unless the row carries that entity itself. A reference that names
// no record costs the row that link, with a warning, unless it is
// required: then the row fails.
func (im *importer) resolveRefs(b *batch) {
	for _, rt := range b.rows {
		row := rt.item.Row
		for _, e := range WriteOrder {
			key := row.Refs[e]
			if key == "" || row.Request(e) != nil {
				continue
			}
			var id int
			ok := false
			if im.opts.Refs != nil {
				id, ok = im.opts.Refs(e, key)
			}
			if ok && id != 0 {
				rt.ids[e], rt.acts[e] = id, ActionSkip
				continue
			}
			if slices.Contains(row.RequiredRefs, e) {
				rt.fail(row.Column(e, "ref"), fmt.Errorf("refers to %s %q, which no imported row has (the reference is required)", e.Singular(), key))
				break
			}
			rt.warns = append(rt.warns, row.RefNotFound(e, key))
		}
	}
}

// step resolves, looks up and writes entity e of every row of the batch.
func (im *importer) step(ctx context.Context, b *batch, e kommo.EntityType) error {
	var ws []*work
	for _, rt := range b.rows {
		if rt.failed {
			continue
		}
		req := rt.item.Row.Request(e)
		if req == nil {
			continue
		}
		w := &work{rt: rt, req: req}
		if im.dedupes(rt.item.Row, e) {
			w.key = im.matchKey(rt.item.Row, e, req)
		}
		ws = append(ws, w)
	}
	if len(ws) == 0 {
		return nil
	}
	if err := im.resolve(ctx, b, e, ws); err != nil {
		return err
	}
	im.link(e, ws)
	var creates, updates []*work
	for _, w := range ws {
		if w.rt.failed {
			continue
		}
		switch {
		case w.sameBatch != nil:
			// Written after its owner, below.
		case w.action == ActionCreate:
			creates = append(creates, w)
		case w.action == ActionUpdate:
			updates = append(updates, w)
		}
	}
	if err := im.writeCreates(ctx, e, creates); err != nil {
		return err
	}
	// Rows that follow an owner in this batch get its id now.
	var late []*work
	for _, w := range ws {
		if w.sameBatch != nil {
			owner := ownerWork(ws, w.sameBatch)
			if owner == nil || owner.id == 0 {
				reason := "not written"
				if owner != nil && owner.rt.err != nil {
					reason = owner.rt.err.Error()
				}
				w.rt.fail("", fmt.Errorf("same %s as row %d, which failed: %s", keyLabel(w.key), w.sameBatch.owner, reason))
				continue
			}
			w.id = owner.id
			im.follow(e, w)
			if w.action == ActionUpdate {
				late = append(late, w)
			}
		}
	}
	if err := im.writeUpdates(ctx, e, updates); err != nil {
		return err
	}
	// Then the rows that repeat a key of this batch, in file order, each
	// over what the row before it wrote.
	for _, w := range late {
		if err := im.writeUpdates(ctx, e, []*work{w}); err != nil {
			return err
		}
	}
	for _, w := range ws {
		if !w.rt.failed && w.id != 0 {
			w.rt.ids[e] = w.id
			if w.rt.acts[e] == "" {
				w.rt.acts[e] = w.action
			}
		}
	}
	return nil
}

// realIDs drops the placeholder ids a dry run gives the records it would
// create.
func realIDs(ids map[kommo.EntityType]int) map[kommo.EntityType]int {
	var out map[kommo.EntityType]int
	for e, id := range ids {
		if id > 0 {
			if out == nil {
				out = make(map[kommo.EntityType]int, len(ids))
			}
			out[e] = id
		}
	}
	return out
}

func ownerWork(ws []*work, c *claim) *work {
	for _, w := range ws {
		if w.rt.own != nil && w.rt.own[w.entityOf()] == c {
			return w
		}
	}
	return nil
}

// entityOf is the entity type of a work's request.
func (w *work) entityOf() kommo.EntityType { return w.req.Kind() }

func keyLabel(k mapping.MatchKey) string {
	if len(k.Values) == 0 {
		return "key"
	}
	return string(k.Kind) + " " + strconv.Quote(k.Values[0])
}

// resolve decides each work's action: what a previous run wrote, what an
// earlier row owns, what the account has, and what the mode says.
func (im *importer) resolve(ctx context.Context, b *batch, e kommo.EntityType, ws []*work) error {
	primary := e == im.opts.Job.Entity
	var look []*work
	for _, w := range ws {
		rt := w.rt
		if id := rt.written[e]; id != 0 {
			w.id, w.action = id, ActionSkip
			rt.acts[e] = ActionSkip
			if primary {
				rt.acts[e] = im.previousAction(rt)
			}
			continue
		}
		if c := rt.follow[e]; c != nil {
			if c.batch == b.seq {
				w.sameBatch = c
				w.action = im.actionForExisting(primary)
				continue
			}
			select {
			case <-c.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			var stopped *stoppedError
			if errors.As(c.err, &stopped) {
				return stopped.err // this batch stops too: none of its rows is journaled
			}
			if c.err != nil {
				rt.fail("", fmt.Errorf("same %s as row %d, which failed: %v", keyLabel(w.key), c.owner, c.err))
				continue
			}
			w.id = c.id
			im.follow(e, w)
			continue
		}
		if primary && im.opts.Job.Mode == ModeUpdate {
			k := rt.item.Row.Match[e]
			if k.Kind != mapping.MatchID || len(k.Values) == 0 {
				rt.fail("", errors.New("update mode needs the Kommo id of every row"))
				continue
			}
			id, err := strconv.Atoi(k.Values[0])
			if err != nil || id <= 0 {
				rt.fail("", fmt.Errorf("invalid Kommo id %q", k.Values[0]))
				continue
			}
			w.id, w.action = id, ActionUpdate
			continue
		}
		if len(w.key.Values) > 0 {
			look = append(look, w)
			continue
		}
		w.action = ActionCreate
	}
	if primary && im.opts.Job.Mode == ModeUpdate {
		if err := im.checkIDs(ctx, e, ws); err != nil {
			return err
		}
	}
	// Creates a previous run sent without an answer: read back first.
	if err := im.reconcilePending(ctx, e, ws); err != nil {
		return err
	}
	if len(look) > 0 {
		keys := make([]mapping.MatchKey, len(look))
		for i, w := range look {
			keys[i] = w.key
		}
		ids, err := im.find.find(ctx, e, keys)
		if err != nil {
			return fatal(err)
		}
		for i, w := range look {
			if w.id != 0 {
				continue // reconciled
			}
			if ids[i] != 0 {
				w.id = ids[i]
				w.action = im.actionForExisting(primary)
			} else {
				w.action = ActionCreate
			}
		}
	}
	return nil
}

// follow sets the action of a row whose record an earlier row owns.
func (im *importer) follow(e kommo.EntityType, w *work) {
	w.action = im.actionForExisting(e == im.opts.Job.Entity)
}

func (im *importer) actionForExisting(primary bool) Action {
	if primary && (im.opts.Job.Mode == ModeUpsert || im.opts.Job.Mode == ModeUpdate) {
		return ActionUpdate
	}
	return ActionSkip // related entities are reused as they are
}

// previousAction is what a previous run did with a row whose primary
// entity it wrote but whose outcome it never recorded: the journal says
// whether it created or updated the record.
func (im *importer) previousAction(rt *rowTask) Action {
	if a := im.st.wrote[rt.line][im.opts.Job.Entity]; a == ActionCreate || a == ActionUpdate {
		return a
	}
	if im.opts.Job.Mode == ModeUpdate || im.opts.Job.Mode == ModeUpsert {
		return ActionUpdate
	}
	return ActionCreate
}

// checkIDs fails update rows whose id does not exist.
func (im *importer) checkIDs(ctx context.Context, e kommo.EntityType, ws []*work) error {
	var ids []int
	for _, w := range ws {
		if w.action == ActionUpdate && !w.rt.failed && w.sameBatch == nil {
			ids = append(ids, w.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	have, err := fetchViews(ctx, im.c, e, ids)
	if err != nil {
		return fatal(err)
	}
	for _, w := range ws {
		if w.action == ActionUpdate && !w.rt.failed && w.sameBatch == nil && have[w.id] == nil {
			w.rt.fail(im.column(w, e, "id"), fmt.Errorf("%s %d does not exist in Kommo", e.Singular(), w.id))
		}
	}
	return nil
}

// link fills the ids of entities written earlier in the row into the
// requests that refer to them.
func (im *importer) link(e kommo.EntityType, ws []*work) {
	for _, w := range ws {
		ids := w.rt.ids
		switch r := w.req.(type) {
		case *kommo.LeadRequest:
			if w.action != ActionCreate {
				continue // existing leads are linked through the links API
			}
			if ids[kommo.EntityContacts] != 0 || ids[kommo.EntityCompanies] != 0 {
				if r.Embedded == nil {
					r.Embedded = &kommo.LeadRequestEmbedded{}
				}
				if id := ids[kommo.EntityContacts]; id != 0 && !hasRef(r.Embedded.Contacts, id) {
					r.Embedded.Contacts = append(r.Embedded.Contacts, kommo.EntityRef{ID: id, IsMain: true})
				}
				if id := ids[kommo.EntityCompanies]; id != 0 && len(r.Embedded.Companies) == 0 {
					r.Embedded.Companies = []kommo.EntityRef{{ID: id}}
				}
			}
		case *kommo.TaskRequest:
			if r.EntityID != 0 {
				continue
			}
			for _, target := range []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies} {
				if id := ids[target]; id != 0 {
					r.EntityID, r.EntityType = id, target
					break
				}
			}
		}
	}
}

func hasRef(refs []kommo.EntityRef, id int) bool {
	return slices.ContainsFunc(refs, func(r kommo.EntityRef) bool { return r.ID == id })
}

// links connects, after the batch's writes, the entities of each row that
// were not linked on creation: contacts to their company, and existing
// leads to their contact and company. Linking is idempotent.
func (im *importer) links(ctx context.Context, b *batch) error {
	if im.opts.DryRun {
		return nil
	}
	var contactLinks, leadLinks []kommo.EntityLink
	for _, rt := range b.rows {
		if rt.failed {
			continue
		}
		ids := rt.ids
		if ct, co := ids[kommo.EntityContacts], ids[kommo.EntityCompanies]; ct != 0 && co != 0 &&
			(rt.acts[kommo.EntityContacts] == ActionCreate || rt.acts[kommo.EntityCompanies] == ActionCreate || rt.acts[kommo.EntityContacts] == ActionUpdate) {
			contactLinks = append(contactLinks, kommo.EntityLink{EntityID: ct, ToEntityID: co, ToEntityType: kommo.EntityCompanies})
		}
		if l := ids[kommo.EntityLeads]; l != 0 && rt.acts[kommo.EntityLeads] != ActionCreate {
			if ct := ids[kommo.EntityContacts]; ct != 0 {
				leadLinks = append(leadLinks, kommo.EntityLink{EntityID: l, ToEntityID: ct, ToEntityType: kommo.EntityContacts})
			}
			if co := ids[kommo.EntityCompanies]; co != 0 {
				leadLinks = append(leadLinks, kommo.EntityLink{EntityID: l, ToEntityID: co, ToEntityType: kommo.EntityCompanies})
			}
		}
	}
	for _, l := range []struct {
		e     kommo.EntityType
		links []kommo.EntityLink
	}{{kommo.EntityContacts, contactLinks}, {kommo.EntityLeads, leadLinks}} {
		for chunk := range slices.Chunk(l.links, im.opts.BatchSize) {
			if err := im.linkMany(ctx, l.e, chunk, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// linkMany links, retrying failures whose outcome is unknown: linking is
// idempotent, so sending a link again is safe.
func (im *importer) linkMany(ctx context.Context, e kommo.EntityType, links []kommo.EntityLink, tries int) error {
	_, _, err := im.c.Links.LinkMany(ctx, e, links)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if ok, _ := kommo.Retryable(err, true); !ok || tries >= maxAmbiguous {
		return fatal(err)
	}
	if err := im.c.WaitBackoff(ctx, tries+1); err != nil {
		return err
	}
	if errors.Is(err, kommo.ErrGatewayTimeout) && len(links) > 1 {
		h := len(links) / 2
		if err := im.linkMany(ctx, e, links[:h], tries+1); err != nil {
			return err
		}
		links = links[h:]
	}
	return im.linkMany(ctx, e, links, tries+1)
}

// column is the source column behind a request path of a work's entity.
func (im *importer) column(w *work, e kommo.EntityType, path string) string {
	return w.rt.item.Row.Column(e, path)
}

// finish records a row's final result: kept in the Result, or, with
// OnRow, handed over in source order (order is the row's 1-based position
// in the input) through a reorder buffer no larger than the rows in
// flight.
func (im *importer) finish(rr RowResult, order int, resumed bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.count(rr.Action, 1)
	if rr.Action != ActionError && len(rr.Warnings) > 0 {
		im.res.Warned++
		im.res.Warnings.AddWarnings(rr.Warnings)
	}
	if resumed {
		im.res.Resumed++
	}
	if im.opts.OnRow == nil {
		rr.Values = nil
		im.res.Rows[rr.Line] = rr
		return
	}
	if im.waiting == nil {
		im.waiting = map[int]RowResult{}
		im.next = 1
	}
	im.waiting[order] = rr
	for {
		r, ok := im.waiting[im.next]
		if !ok {
			return
		}
		delete(im.waiting, im.next)
		im.next++
		im.opts.OnRow(r)
	}
}

func (im *importer) finishRow(rt *rowTask) {
	rr := im.rowResult(rt)
	if !im.opts.DryRun {
		_ = im.j.append(false, rowEntry(rr))
	}
	im.finish(rr, rt.order, false)
}

func (im *importer) count(a Action, n int) {
	switch a {
	case ActionCreate:
		im.res.Created += n
	case ActionUpdate:
		im.res.Updated += n
	case ActionSkip:
		im.res.Skipped += n
	case ActionError:
		im.res.Failed += n
	}
}

func (im *importer) report() {
	if im.opts.Progress == nil {
		return
	}
	im.mu.Lock()
	p := Progress{Rows: im.res.Created + im.res.Updated + im.res.Skipped + im.res.Failed, Expected: im.opts.ExpectedRows, Created: im.res.Created, Updated: im.res.Updated,
		Skipped: im.res.Skipped, Failed: im.res.Failed, Elapsed: im.opts.Now().Sub(im.started)}
	im.opts.Progress(p)
	im.mu.Unlock()
}

// stoppedError is the error of a claim whose owner's batch stopped with
// the job (a cancel, an account-level error): the rows that follow it are
// not done, and must not be journaled as failed.
type stoppedError struct{ err error }

func (e *stoppedError) Error() string { return "not written: " + e.err.Error() }
func (e *stoppedError) Unwrap() error { return e.err }

// fatalError marks an error that stops the job (account-level).
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

func fatal(err error) error {
	var f *fatalError
	if err == nil || errors.As(err, &f) {
		return err
	}
	return &fatalError{err: err}
}

// marshalPrev encodes an undo request.
func marshalPrev(req any) json.RawMessage {
	b, _ := json.Marshal(req)
	return b
}
