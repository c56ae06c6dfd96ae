package bulk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// maxAmbiguous bounds how often one batch is re-sent after failures whose
// outcome was unknown (5xx, 504, dropped connections).
const maxAmbiguous = 6

func requestID(line int) string { return "row-" + strconv.Itoa(line) }

// writeCreates creates the works' entities, in batches of at most
// BatchSize, splitting around invalid items and reconciling ambiguous
// failures before anything is sent again.
func (im *importer) writeCreates(ctx context.Context, e kommo.EntityType, ws []*work) error {
	if len(ws) == 0 {
		return nil
	}
	if im.opts.DryRun {
		for _, w := range ws {
			w.action = ActionCreate
			w.id = -w.rt.line // a placeholder, so later rows can follow it
		}
		return nil
	}
	for chunk := range slices.Chunk(ws, im.opts.BatchSize) {
		if err := im.sendCreates(ctx, e, chunk, 0); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) sendCreates(ctx context.Context, e kommo.EntityType, ws []*work, tries int) error {
	ws = slices.DeleteFunc(slices.Clone(ws), func(w *work) bool { return w.rt.failed || w.id != 0 })
	if len(ws) == 0 {
		return nil
	}
	reqs := make([]kommo.EntityRequest, len(ws))
	lines := make([]int, len(ws))
	for i, w := range ws {
		w.req.SetRequestID(requestID(w.rt.line))
		reqs[i] = w.req
		lines[i] = w.rt.line
	}
	sentAt := im.opts.Now().Unix()
	if err := im.j.append(true, entry{Op: opSent, Entity: e, Action: ActionCreate, Rows: lines, At: sentAt}); err != nil {
		return err
	}
	res, err := createBatch(ctx, im.c, e, reqs)
	if err == nil {
		return im.ack(e, ws, res)
	}
	return im.handleWriteError(ctx, e, ws, err, tries, sentAt, true)
}

// ack records the ids Kommo gave, matched by request_id (and by position
// when Kommo echoes none).
func (im *importer) ack(e kommo.EntityType, ws []*work, res []*kommo.WriteResult) error {
	byRID := map[string]int{}
	at := im.opts.Now().Unix() // Kommo's updated_at when it gives one
	for _, r := range res {
		if r.RequestID != "" {
			byRID[r.RequestID] = r.ID
		}
		if r.UpdatedAt > 0 {
			at = r.UpdatedAt
		}
	}
	ids := map[int]int{}
	for i, w := range ws {
		id := byRID[requestID(w.rt.line)]
		if id == 0 && i < len(res) && res[i].RequestID == "" {
			id = res[i].ID
		}
		if id == 0 {
			w.rt.fail("", fmt.Errorf("Kommo answered without an id for this %s", e.Singular()))
			continue
		}
		w.id = id
		ids[w.rt.line] = id
		if len(w.key.Values) > 0 {
			im.find.learn(e, w.key, id)
		}
	}
	return im.j.append(true, entry{Op: opAck, Entity: e, Action: ActionCreate, IDs: ids, At: at})
}

// handleWriteError decides what a failed write means for its works.
func (im *importer) handleWriteError(ctx context.Context, e kommo.EntityType, ws []*work, err error, tries int, sentAt int64, create bool) error {
	resend := func(part []*work) error {
		if create {
			return im.sendCreates(ctx, e, part, tries+1)
		}
		return im.sendUpdates(ctx, e, part, tries+1)
	}
	var er *kommo.ErrorResponse
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &er) && len(er.ValidationErrors) > 0:
		// Fail the bad items with Kommo's reason and send the rest again.
		var good []*work
		for _, w := range ws {
			if fes := er.ItemErrors(requestID(w.rt.line)); len(fes) > 0 {
				w.rt.fail(im.column(w, e, fes[0].Path), kommoReason(fes))
			} else {
				good = append(good, w)
			}
		}
		if len(good) == len(ws) {
			// The errors name no item we sent: isolate by halving.
			return im.split(ctx, e, ws, err, sentAt, create, resend)
		}
		if create {
			if err := im.settleRejected(ctx, e, ws, sentAt); err != nil {
				return err
			}
		}
		return resend(good)
	case errors.Is(err, kommo.ErrBadRequest):
		return im.split(ctx, e, ws, err, sentAt, create, resend)
	case errors.Is(err, kommo.ErrRateLimited):
		// Kommo answers 429 before processing, and the client sends a
		// write again on nothing else: none of it was written. The job
		// stops, to be resumed once Kommo's wait is over.
		if create {
			if err := im.j.append(true, entry{Op: opAck, Entity: e, Rows: lines(ws)}); err != nil {
				return err
			}
		}
		return fatal(err)
	case errors.Is(err, kommo.ErrUnauthorized), errors.Is(err, kommo.ErrPaymentRequired),
		errors.Is(err, kommo.ErrForbidden):
		return fatal(err)
	case errors.As(err, &er) && er.Status >= 400 && er.Status < 500 && er.Status != http.StatusRequestTimeout:
		// Any other 4xx (422 for more than 250 entities, 404, 413, ...)
		// is a definitive rejection: nothing was written, and sending
		// it again would be rejected again.
		for _, w := range ws {
			w.rt.fail("", fmt.Errorf("Kommo rejected the %s (%d %s): %s", e.Singular(), er.Status, http.StatusText(er.Status), errorDetail(err)))
		}
		if create {
			return im.j.append(true, entry{Op: opAck, Entity: e, Rows: lines(ws)})
		}
		return nil
	}
	// The write may or may not have happened: 5xx, 504, a network error.
	if tries >= maxAmbiguous {
		return fatal(fmt.Errorf("giving up after %d failed attempts: %w", tries+1, err))
	}
	if err := im.c.WaitBackoff(ctx, tries+1); err != nil {
		return err
	}
	if create {
		if err := im.reconcile(ctx, e, ws, sentAt); err != nil {
			return err
		}
	}
	if errors.Is(err, kommo.ErrGatewayTimeout) && len(ws) > 1 {
		// Kommo says 504 means "batch too big": halve it.
		h := len(ws) / 2
		if err := resend(ws[:h]); err != nil {
			return err
		}
		return resend(ws[h:])
	}
	return resend(ws)
}

func lines(ws []*work) []int {
	out := make([]int, len(ws))
	for i, w := range ws {
		out[i] = w.rt.line
	}
	return out
}

// split isolates the invalid items of a batch Kommo rejected without
// naming them: each half is sent alone, down to single items. A create
// batch is settled first (settleRejected).
func (im *importer) split(ctx context.Context, e kommo.EntityType, ws []*work, err error, sentAt int64, create bool, resend func([]*work) error) error {
	if len(ws) == 1 {
		ws[0].rt.fail("", fmt.Errorf("Kommo rejected the %s: %v", e.Singular(), errorDetail(err)))
		if create {
			return im.j.append(true, entry{Op: opAck, Entity: e, Rows: lines(ws)})
		}
		return nil
	}
	if create {
		if err := im.settleRejected(ctx, e, ws, sentAt); err != nil {
			return err
		}
	}
	h := len(ws) / 2
	if err := resend(ws[:h]); err != nil {
		return err
	}
	return resend(ws[h:])
}

// settleRejected settles a create batch Kommo answered 400 before its good
// items are sent again. Kommo is thought to reject the whole batch for one
// bad item, but that is not confirmed: the records the batch may have
// created are read back (narrowed by name, see reconcile) and matched, so
// a partial apply never makes a duplicate. The rest is journaled as not
// written.
func (im *importer) settleRejected(ctx context.Context, e kommo.EntityType, ws []*work, sentAt int64) error {
	if err := im.reconcileBy(ctx, e, ws, sentAt, true); err != nil {
		return err
	}
	var none []*work
	for _, w := range ws {
		if w.id == 0 {
			none = append(none, w)
		}
	}
	if len(none) == 0 {
		return nil
	}
	return im.j.append(true, entry{Op: opAck, Entity: e, Rows: lines(none)})
}

func errorDetail(err error) string {
	var er *kommo.ErrorResponse
	if errors.As(err, &er) {
		if er.Detail != "" {
			return er.Detail
		}
		return strconv.Itoa(er.Status) + " " + er.Title
	}
	return err.Error()
}

func kommoReason(fes []kommo.FieldError) error {
	parts := make([]string, len(fes))
	for i, fe := range fes {
		parts[i] = fe.String()
	}
	return errors.New("Kommo: " + strings.Join(parts, "; "))
}

// writeUpdates patches existing records, journaling first the values each
// update replaces so Undo can restore them.
func (im *importer) writeUpdates(ctx context.Context, e kommo.EntityType, ws []*work) error {
	ws = slices.DeleteFunc(ws, func(w *work) bool { return w.rt.failed || w.id <= 0 })
	if len(ws) == 0 {
		return nil
	}
	ids := make([]int, len(ws))
	for i, w := range ws {
		ids[i] = w.id
	}
	old, err := fetchViews(ctx, im.c, e, ids)
	if err != nil {
		return fatal(err)
	}
	var send []*work
	var prevs []entry
	for _, w := range ws {
		o := old[w.id]
		if o == nil {
			w.rt.fail("", fmt.Errorf("%s %d does not exist in Kommo", e.Singular(), w.id))
			continue
		}
		keepMultitextTypes(o, w.req)
		changes, restore := diff(e, o, w.req)
		if e == im.opts.Job.Entity {
			w.rt.changes = append(w.rt.changes, changes...)
		}
		if len(changes) == 0 {
			w.action = ActionSkip // nothing to change
			continue
		}
		w.req.SetID(w.id)
		send = append(send, w)
		prevs = append(prevs, entry{Op: opPrev, Entity: e, ID: w.id, Row: w.rt.line, Prev: marshalPrev(restore)})
	}
	if im.opts.DryRun || len(send) == 0 {
		return nil
	}
	if err := im.j.append(true, prevs...); err != nil {
		return err
	}
	for chunk := range slices.Chunk(send, im.opts.BatchSize) {
		if err := im.sendUpdates(ctx, e, chunk, 0); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) sendUpdates(ctx context.Context, e kommo.EntityType, ws []*work, tries int) error {
	ws = slices.DeleteFunc(slices.Clone(ws), func(w *work) bool { return w.rt.failed })
	if len(ws) == 0 {
		return nil
	}
	reqs := make([]kommo.EntityRequest, len(ws))
	for i, w := range ws {
		w.req.SetRequestID(requestID(w.rt.line))
		reqs[i] = w.req
	}
	if err := im.j.append(true, entry{Op: opSent, Entity: e, Action: ActionUpdate, Rows: lines(ws), At: im.opts.Now().Unix()}); err != nil {
		return err
	}
	res, err := updateBatch(ctx, im.c, e, reqs)
	if err != nil {
		// Updates are idempotent: sending one again is safe.
		return im.handleWriteError(ctx, e, ws, err, tries, 0, false)
	}
	ids := map[int]int{}
	got := map[int]bool{}
	// at is Kommo's time of the write (its updated_at), which undo and
	// delta runs compare later edits with; our clock if it gave none.
	var at int64
	for _, r := range res {
		got[r.ID] = true
		at = max(at, r.UpdatedAt)
	}
	if at == 0 {
		at = im.opts.Now().Unix()
	}
	for _, w := range ws {
		if len(res) > 0 && !got[w.id] {
			w.rt.fail("", fmt.Errorf("Kommo did not confirm the update of %d", w.id))
			continue
		}
		ids[w.rt.line] = w.id
	}
	return im.j.append(true, entry{Op: opAck, Entity: e, Action: ActionUpdate, IDs: ids, At: at})
}

// reconcilePending settles creates a previous run sent without an answer:
// whatever the account now holds for them is taken as written; the rest
// is created again.
func (im *importer) reconcilePending(ctx context.Context, e kommo.EntityType, ws []*work) error {
	var pend []*work
	var since int64
	for _, w := range ws {
		if at, ok := w.rt.pending[e]; ok && w.id == 0 && !w.rt.failed {
			pend = append(pend, w)
			if since == 0 || at < since {
				since = at
			}
		}
	}
	if len(pend) == 0 {
		return nil
	}
	if err := im.reconcile(ctx, e, pend, since); err != nil {
		return err
	}
	for _, w := range pend {
		if w.id != 0 {
			w.action = ActionCreate // it was created, by the run that crashed
		}
	}
	return nil
}

// reconcile reads back the records created since sentAt and matches each
// work to one of them: by its match key when it has one, otherwise by its
// name (or task text and deadline) and custom field values. Matched works
// take the record's id and are journaled as written. A request that sets
// its own created_at (a migration's source dates) creates a record
// created then (and, for a task, updated then): the read back starts at
// the earliest of those.
func (im *importer) reconcile(ctx context.Context, e kommo.EntityType, ws []*work, sentAt int64) error {
	return im.reconcileBy(ctx, e, ws, sentAt, false)
}

// reconcileBy is reconcile; byName narrows the read back to the names the
// requests sent (filter[name], with leads, contacts and companies whose
// requests all carry one), so that settling a rejected batch reads a page,
// not every record created meanwhile.
func (im *importer) reconcileBy(ctx context.Context, e kommo.EntityType, ws []*work, sentAt int64, byName bool) error {
	var open []*work
	var names []string
	for _, w := range ws {
		if w.id == 0 && !w.rt.failed {
			open = append(open, w)
			if at := w.req.Created(); at > 0 && at < sentAt {
				sentAt = at
			}
			if n := reqView(w.req).Name; n != "" {
				names = append(names, n)
			} else {
				byName = false
			}
		}
	}
	if len(open) == 0 {
		return nil
	}
	since := sentAt - clockSkew
	f := kommo.EntityFilters{CreatedAt: &kommo.Range{From: since}, Order: &kommo.Order{Field: "id"}}
	if byName {
		f.Names = slices.Compact(slices.Sorted(slices.Values(names)))
	}
	if e == kommo.EntityTasks {
		f = kommo.EntityFilters{UpdatedAt: &kommo.Range{From: since}}
	}
	taken := map[int]bool{}
	ids := map[int]int{}
	for v, err := range ListViews(ctx, im.c, e, f, kommo.MaxLimit) {
		if err != nil {
			return fatal(err)
		}
		for _, w := range open {
			if w.id != 0 || taken[v.ID] || !sameRecord(v, w) {
				continue
			}
			w.id = v.ID
			taken[v.ID] = true
			ids[w.rt.line] = v.ID
			break
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return im.j.append(true, entry{Op: opAck, Entity: e, Action: ActionCreate, IDs: ids})
}

// sameRecord reports whether a read record is what a work's request
// created.
func sameRecord(v *View, w *work) bool {
	want := reqView(w.req)
	if len(w.key.Values) > 0 && w.key.Kind != mapping.MatchName {
		have := matchValues(v, w.key)
		for _, k := range w.key.Values {
			if slices.Contains(have, keyValue(w.key.Kind, k)) {
				return true
			}
		}
		return false
	}
	if want.Text != "" || want.CompleteTill != 0 {
		return v.Text == want.Text && v.CompleteTill == want.CompleteTill && (want.EntityID == 0 || v.EntityID == want.EntityID)
	}
	if value.Normalize(v.displayName()) != value.Normalize(want.displayName()) {
		return false
	}
	for _, f := range want.CFV {
		have, ok := findCF(v.CFV, f)
		if len(f.Values) > 0 && (!ok || !sameValues(have, f)) {
			return false
		}
	}
	return true
}
