package bulk

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// KeptField is a field Undo left as it is, because someone changed it in
// Kommo after the import wrote it: restoring it would overwrite their edit.
type KeptField struct {
	Entity kommo.EntityType `json:"e"`
	ID     int              `json:"id"`
	// Field is "name", "price", "status_id", "responsible_user_id",
	// "tags", "text", "complete_till" or "field {ID}" (a custom field).
	Field string `json:"field"`
	// By is the user who changed it (ByName their name when Kommo let us
	// read the users), At when (the last change).
	By     int    `json:"by"`
	ByName string `json:"by_name,omitempty"`
	At     int64  `json:"at"`
}

// String is the line a user reads: "lead 123 name: kept: changed by Ana
// Admin at 2026-12-03 14:02 UTC" (in loc; nil is UTC).
func (k KeptField) String() string { return k.Format(time.UTC) }

// Format is String with times in loc.
func (k KeptField) Format(loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	who := k.ByName
	if who == "" {
		who = "user " + strconv.Itoa(k.By)
	}
	return fmt.Sprintf("%s %d %s: kept: changed by %s at %s", k.Entity.Singular(), k.ID, k.Field, who,
		time.Unix(k.At, 0).In(loc).Format("2006-01-02 15:04 MST"))
}

// eventFields returns the restore-request fields an event changed.
func eventFields(ev *kommo.Event) []string {
	if id, ok := kommo.FieldChangeEventType(ev.Type); ok {
		return []string{"field " + strconv.Itoa(id)}
	}
	switch ev.Type {
	case kommo.EventNameFieldChanged:
		return []string{"name"}
	case kommo.EventSaleFieldChanged:
		return []string{"price"}
	case kommo.EventLeadStatusChanged:
		return []string{"status_id"}
	case kommo.EventEntityResponsibleChanged:
		return []string{"responsible_user_id"}
	case kommo.EventEntityTagAdded, kommo.EventEntityTagDeleted:
		return []string{"tags"}
	case kommo.EventTaskTextChanged:
		return []string{"text"}
	case kommo.EventTaskDeadlineChanged:
		return []string{"complete_till"}
	case kommo.EventCustomFieldValueChanged: // some field: which one is in its value
		var out []string
		for _, vs := range [][]byte{ev.ValueAfter, ev.ValueBefore} {
			vals, _ := decodeEventValues(vs)
			for _, v := range vals {
				if v.CustomFieldValue != nil {
					out = append(out, "field "+strconv.Itoa(v.CustomFieldValue.FieldID))
				}
			}
		}
		return out
	}
	return nil
}

func decodeEventValues(b json.RawMessage) ([]kommo.EventValue, error) {
	ev := kommo.Event{ValueAfter: b}
	return ev.After()
}

// stripKept removes the kept fields from a restore request (its JSON) and
// reports which it removed and whether anything is left to restore. cur
// is the record now, to name custom fields the request gave by code.
func stripKept(raw json.RawMessage, changed map[string]KeptField, cur *View) (json.RawMessage, []KeptField, bool, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, false, err
	}
	var kept []KeptField
	keep := func(field string) bool {
		k, ok := changed[field]
		if ok {
			k.Field = field
			kept = append(kept, k)
		}
		return ok
	}
	for _, f := range []string{"name", "price", "status_id", "responsible_user_id", "text", "complete_till"} {
		if _, ok := m[f]; ok && keep(f) {
			delete(m, f)
			if f == "status_id" {
				delete(m, "pipeline_id")
			}
		}
	}
	// A contact's name is also its first and last names.
	if _, ok := changed["name"]; ok {
		for _, f := range []string{"first_name", "last_name"} {
			if _, has := m[f]; has {
				if _, has := m["name"]; !has && !slices.ContainsFunc(kept, func(k KeptField) bool { return k.Field == "name" }) {
					keep("name")
				}
				delete(m, f)
			}
		}
	}
	if emb, ok := m["_embedded"].(map[string]any); ok {
		if _, has := emb["tags"]; has && keep("tags") {
			delete(emb, "tags")
			if len(emb) == 0 {
				delete(m, "_embedded")
			}
		}
	}
	if cfv, ok := m["custom_fields_values"].([]any); ok {
		var left []any
		for _, f := range cfv {
			fm, _ := f.(map[string]any)
			id := 0
			if n, ok := fm["field_id"].(float64); ok {
				id = int(n)
			}
			if code, _ := fm["field_code"].(string); id == 0 && code != "" && cur != nil {
				if c, ok := findCF(cur.CFV, kommo.CustomFieldValue{FieldCode: code}); ok {
					id = c.FieldID
				}
			}
			if id != 0 && keep("field "+strconv.Itoa(id)) {
				continue
			}
			left = append(left, f)
		}
		if len(left) == 0 {
			delete(m, "custom_fields_values")
		} else {
			m["custom_fields_values"] = left
		}
	}
	rest := 0
	for k := range m {
		if k != "id" && k != "request_id" {
			rest++
		}
	}
	out, err := json.Marshal(m)
	return out, kept, rest > 0, err
}

// undoTarget is a record Undo restores.
type undoTarget struct {
	e    kommo.EntityType
	id   int
	prev json.RawMessage
}

// restoreKeeping writes back the previous values of the records in ts,
// except the fields someone changed in Kommo after the job wrote them
// (res.Kept). A record's own updated_at tells whether it changed since
// the job's write (the ack's time, Kommo's clock); only for those that
// did, the events list tells which fields and who. Each record's restore
// is journaled before it is sent and when it is written, so a second run
// sends nothing already restored and re-sends, unchecked, what was sent
// without an answer: the same restore, exactly once in effect.
//
// An edit made in the same second as the job's write cannot be told from
// it and is not kept.
func restoreKeeping(ctx context.Context, c *kommo.Client, s JournalStore, path string, st *replayed, ts []undoTarget, res *UndoResult) error {
	type key struct {
		e  kommo.EntityType
		id int
	}
	done := map[key]bool{}
	sent := map[key]json.RawMessage{}
	for _, u := range st.undo {
		k := key{u.Entity, u.ID}
		switch u.Op {
		case opUndoSent:
			sent[k] = u.Prev
			res.Kept = append(res.Kept, u.Kept...)
		case opUndone:
			done[k] = true
		}
	}
	j, err := openJournalIn(s, path, true)
	if err != nil {
		return err
	}
	defer j.close()

	// Journals written before acks had a time: the job's end, else its
	// last time (a stopped job's last send).
	fallback := cmp.Or(st.endAt, st.lastAt)
	var names map[int]string
	for _, e := range WriteOrder {
		var todo []undoTarget
		var resend []undoTarget
		for _, t := range ts {
			if t.e != e || done[key{e, t.id}] {
				continue
			}
			if raw, ok := sent[key{e, t.id}]; ok {
				resend = append(resend, undoTarget{e, t.id, raw})
				continue
			}
			todo = append(todo, t)
		}
		if len(todo)+len(resend) == 0 {
			continue
		}
		ackAt := func(id int) int64 {
			if at := st.ackedAt[e][id]; at != 0 {
				return at
			}
			return fallback
		}
		var ids []int
		for _, t := range todo {
			ids = append(ids, t.id)
		}
		cur, err := fetchViews(ctx, c, e, ids)
		if err != nil {
			return fmt.Errorf("read %s: %w", e, err)
		}
		var touched []int
		from := int64(0)
		for _, id := range ids {
			if v := cur[id]; v != nil && v.UpdatedAt > ackAt(id) {
				touched = append(touched, id)
				if from == 0 || ackAt(id) < from {
					from = ackAt(id)
				}
			}
		}
		changed := map[int]map[string]KeptField{}
		for chunk := range slices.Chunk(touched, 10) {
			opts := &kommo.EventListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxEventsLimit},
				Entities: []string{e.Singular()}, EntityIDs: chunk, CreatedAt: &kommo.Range{From: from + 1}}
			for ev, err := range c.Events.ListIter(ctx, opts) {
				if err != nil {
					return fmt.Errorf("read the events of %s: %w", e, err)
				}
				at := int64(ev.CreatedAt)
				if at <= ackAt(ev.EntityID) {
					continue
				}
				for _, f := range eventFields(ev) {
					if changed[ev.EntityID] == nil {
						changed[ev.EntityID] = map[string]KeptField{}
					}
					if old, ok := changed[ev.EntityID][f]; !ok || at >= old.At {
						changed[ev.EntityID][f] = KeptField{Entity: e, ID: ev.EntityID, By: ev.CreatedBy, At: at}
					}
				}
			}
		}
		if len(changed) > 0 && names == nil {
			names = userNames(ctx, c)
		}
		var plan []entry
		for _, t := range todo {
			raw, kept := t.prev, []KeptField(nil)
			left := true
			if ch := changed[t.id]; len(ch) > 0 {
				if raw, kept, left, err = stripKept(t.prev, ch, cur[t.id]); err != nil {
					return fmt.Errorf("journal entry for %s %d: %w", e, t.id, err)
				}
				for i := range kept {
					kept[i].ByName = names[kept[i].By]
				}
			}
			res.Kept = append(res.Kept, kept...)
			if !left {
				raw = nil // all kept: nothing to send
			}
			plan = append(plan, entry{Op: opUndoSent, Entity: e, ID: t.id, Prev: raw, Kept: kept})
		}
		if err := j.append(true, plan...); err != nil {
			return err
		}
		for _, p := range plan {
			resend = append(resend, undoTarget{e, p.ID, p.Prev})
		}
		var reqs []kommo.EntityRequest
		var reqIDs []int
		var nothing []entry
		for _, t := range resend {
			if len(t.prev) == 0 || string(t.prev) == "null" {
				nothing = append(nothing, entry{Op: opUndone, Entity: e, ID: t.id})
				continue
			}
			req, err := decodeRequest(e, t.prev)
			if err != nil {
				return fmt.Errorf("journal entry for %s %d: %w", e, t.id, err)
			}
			reqs = append(reqs, req)
			reqIDs = append(reqIDs, t.id)
		}
		if err := j.append(true, nothing...); err != nil {
			return err
		}
		n := kommo.MaxBatch / 5
		for i := 0; i < len(reqs); i += n {
			end := min(i+n, len(reqs))
			if _, err := updateBatch(ctx, c, e, reqs[i:end]); err != nil {
				return fmt.Errorf("restore %s: %w", e, err)
			}
			var acks []entry
			for _, id := range reqIDs[i:end] {
				acks = append(acks, entry{Op: opUndone, Entity: e, ID: id})
			}
			if err := j.append(true, acks...); err != nil {
				return err
			}
			res.Restored += end - i
		}
	}
	return nil
}

// userNames maps user ids to names; empty when the token may not list
// users (a non-admin's: then messages say "user {ID}").
func userNames(ctx context.Context, c *kommo.Client) map[int]string {
	out := map[int]string{}
	for u, err := range c.Users.ListIter(ctx, nil) {
		if err != nil {
			break
		}
		out[u.ID] = u.Name
	}
	return out
}
