package kommotest

import (
	"net/http"
	"strconv"
)

// noteTypes are the note types of the official SDK's NoteFactory; Kommo
// answers a note of another type 400 NotSupportedChoice at note_type.
var noteTypes = map[string]bool{
	"common": true, "call_in": true, "call_out": true, "service_message": true, "extended_service_message": true,
	"message_cashier": true, "geolocation": true, "sms_in": true, "sms_out": true, "attachment": true,
	"amomail_message": true, "chat": true, "site_visit": true, "targeting_in": true, "targeting_out": true,
	"transaction": true, "invoice_paid": true, "zoom_meeting": true, "dropbox_attachment": true,
	"link_followed": true, "bill_paid": true, "ai_result": true,
}

// noteParamKinds are the params Kommo's notes-types page documents per
// writable type (and the SDK's call_result, call_status), with the JSON
// kind each must have: "string", "int" (a JSON number or numeric string)
// or "number" (a string or a number: coordinates, phones). Other keys are
// kept as sent. The types the page lists as needing params need them on
// create; of their keys only a common note's text is required: which keys
// Kommo requires is not documented, so the emulator accepts the rest
// missing.
var noteParamKinds = map[string]map[string]string{
	"common": {"text": "string"},
	"call_in": {"uniq": "string", "duration": "int", "source": "string", "link": "string", "phone": "number",
		"call_result": "string", "call_status": "int"},
	"call_out": {"uniq": "string", "duration": "int", "source": "string", "link": "string", "phone": "number",
		"call_result": "string", "call_status": "int"},
	"service_message":          {"service": "string", "text": "string"},
	"extended_service_message": {"service": "string", "text": "string"},
	"geolocation":              {"text": "string", "address": "string", "longitude": "number", "latitude": "number"},
	"sms_in":                   {"text": "string", "phone": "number"},
	"sms_out":                  {"text": "string", "phone": "number"},
	"attachment":               {"version_uuid": "string", "file_uuid": "string", "file_name": "string"},
}

// checkNoteParams checks the params of a note of type typ: the kind of
// each documented key, a call's duration (not negative) and call_status
// (the SDK's 1..8), and on create a common note's text. params is nil
// when the item sent none.
func checkNoteParams(typ string, params map[string]any, ck *checker, create bool) {
	kinds, ok := noteParamKinds[typ]
	if !ok {
		return
	}
	if params == nil {
		if create {
			ck.blank("params")
		}
		return
	}
	for k, kind := range kinds {
		v, has := params[k]
		if !has || v == nil {
			continue
		}
		path := "params." + k
		switch kind {
		case "string":
			if _, ok := v.(string); !ok {
				ck.typ(path, "string")
			}
		case "number":
			if _, ok := asFloat(v); !ok {
				if _, isStr := v.(string); !isStr {
					ck.typ(path, "string")
				}
			}
		case "int":
			n, ok := asInt(v)
			switch {
			case !ok:
				ck.typ(path, "int")
			case k == "duration" && n < 0:
				ck.choice(path)
			case k == "call_status" && (n < 1 || n > 8):
				ck.choice(path)
			}
		}
	}
	if typ == "common" && create {
		if v := params["text"]; v == nil || v == "" {
			ck.blank("params.text")
		}
	}
}

type noteInput struct {
	reqID                string
	id                   int
	entityID             int
	noteType             *string
	params               map[string]any
	resp                 *int
	createdBy, updatedBy *int
	createdAt            *int64
}

func (s *Server) parseNote(entity string, entityID int, m map[string]any, ck *checker, update bool) *noteInput {
	in := &noteInput{entityID: entityID}
	if update {
		v := optInt(m, "id", ck, "id")
		if v == nil {
			if m["id"] == nil {
				ck.blank("id")
			}
			return in
		}
		i, ok := s.idx["notes"][int(*v)]
		if !ok || s.st.Notes[i].EntityType != entity {
			ck.add("id", CodeNotFound, "Entity not found.")
			return in
		}
		in.id = int(*v)
	} else if entityID == 0 {
		v := optInt(m, "entity_id", ck, "entity_id")
		switch {
		case v == nil:
			if m["entity_id"] == nil {
				ck.blank("entity_id")
			}
		case !s.exists(entity, int(*v)):
			ck.choice("entity_id")
		default:
			in.entityID = int(*v)
		}
	}
	in.noteType = optString(m, "note_type", ck, "note_type")
	switch {
	case in.noteType != nil && !noteTypes[*in.noteType]:
		ck.choice("note_type")
	case in.noteType == nil && !update && m["note_type"] == nil:
		ck.blank("note_type")
	}
	var raw map[string]any
	if v, has := m["params"]; has && v != nil {
		p, ok := v.(map[string]any)
		if !ok {
			ck.typ("params", "object")
		} else {
			raw = p
			in.params = plainJSON(p).(map[string]any)
		}
	}
	// Params that are not an object are reported above; an update that
	// sends none keeps the stored ones.
	sentBad := m["params"] != nil && raw == nil
	if typ := s.noteTypeOf(in, update); typ != "" && !sentBad && (raw != nil || !update) {
		checkNoteParams(typ, raw, ck, !update)
	}
	in.resp = s.optUser(m, "responsible_user_id", ck, "responsible_user_id", false)
	in.createdBy = s.optUser(m, "created_by", ck, "created_by", true)
	in.updatedBy = s.optUser(m, "updated_by", ck, "updated_by", true)
	in.createdAt = optInt(m, "created_at", ck, "created_at")
	return in
}

// noteTypeOf is the type a parsed note will have: the one it sends, or
// on update the stored one; "" when unknown (an invalid item).
func (s *Server) noteTypeOf(in *noteInput, update bool) string {
	if in.noteType != nil {
		if noteTypes[*in.noteType] {
			return *in.noteType
		}
		return ""
	}
	if update && in.id != 0 {
		return s.st.Notes[s.idx["notes"][in.id]].NoteType
	}
	return ""
}

func (s *Server) applyNote(entity string, in *noteInput, userID int) (int, int64) {
	now := s.nowUnix()
	created := in.id == 0
	if created {
		in.id = s.nextID("notes")
		if s.idx["notes"] == nil {
			s.idx["notes"] = map[int]int{}
		}
		s.idx["notes"][in.id] = len(s.st.Notes)
		s.st.Notes = append(s.st.Notes, Note{ID: in.id, EntityID: in.entityID, EntityType: entity,
			CreatedBy: userID, CreatedAt: now, ResponsibleUserID: userID, Params: map[string]any{}})
	}
	n := &s.st.Notes[s.idx["notes"][in.id]]
	by := userID
	if in.updatedBy != nil {
		by = *in.updatedBy
	}
	if created && in.createdBy != nil {
		n.CreatedBy = *in.createdBy
	}
	if created && in.createdAt != nil {
		n.CreatedAt = *in.createdAt
	}
	n.UpdatedBy, n.UpdatedAt = by, now
	if in.noteType != nil {
		n.NoteType = *in.noteType
	}
	if in.params != nil {
		n.Params = in.params
	}
	if in.resp != nil {
		n.ResponsibleUserID = *in.resp
	}
	id, upd, typ, eid := n.ID, n.UpdatedAt, n.NoteType, n.EntityID
	if created && typ == "common" {
		s.emit("common_note_added", entity, eid, by, nil, []any{map[string]any{"note": map[string]any{"id": id}}})
	}
	return id, upd
}

// noteJSON is a note as Kommo reads it; with "is_pinned" adds whether
// it is pinned (the emulator pins nothing).
func (s *Server) noteJSON(n Note, with map[string]bool) map[string]any {
	params := n.Params
	if params == nil {
		params = map[string]any{}
	}
	out := map[string]any{
		"id":                  n.ID,
		"entity_id":           n.EntityID,
		"created_by":          n.CreatedBy,
		"updated_by":          n.UpdatedBy,
		"created_at":          n.CreatedAt,
		"updated_at":          n.UpdatedAt,
		"responsible_user_id": n.ResponsibleUserID,
		"group_id":            n.GroupID,
		"note_type":           n.NoteType,
		"params":              params,
		"account_id":          s.st.Account.ID,
		"_links":              s.selfLinks("/api/v4/" + n.EntityType + "/" + strconv.Itoa(n.EntityID) + "/notes/" + strconv.Itoa(n.ID)),
	}
	if with["is_pinned"] {
		out["is_pinned"] = false
	}
	return out
}

// createNotes handles POST /{entity}/notes and POST /{entity}/{id}/notes.
func (c *call) createNotes(entity string, entityID int) {
	items, ok := c.batch(250)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if entityID != 0 && !s.exists(entity, entityID) {
		writeProblem(c.w, http.StatusNotFound, "Entity not found")
		return
	}
	c.writeNotes(entity, entityID, items, false)
}

// updateNotes handles PATCH /{entity}/notes and PATCH /{entity}/notes/{id}.
func (c *call) updateNotes(entity string, id int) {
	items, ok := c.patchItems(id)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c.writeNotes(entity, 0, items, true)
}

func (c *call) writeNotes(entity string, entityID int, items []map[string]any, update bool) {
	s := c.s
	var rep report
	inputs := make([]*noteInput, len(items))
	for i, m := range items {
		ck := &checker{}
		inputs[i] = s.parseNote(entity, entityID, m, ck, update)
		inputs[i].reqID = requestID(m, i)
		rep.addItem(inputs[i].reqID, ck)
	}
	if rep.failed() {
		writeValidation(c.w, rep.items)
		return
	}
	out := make([]any, 0, len(inputs))
	for _, in := range inputs {
		id, upd := s.applyNote(entity, in, c.userID)
		n := s.st.Notes[s.idx["notes"][id]]
		item := map[string]any{"id": id, "entity_id": n.EntityID, "request_id": in.reqID,
			"_links": s.selfLinks("/api/v4/" + entity + "/" + strconv.Itoa(n.EntityID) + "/notes/" + strconv.Itoa(id))}
		if update {
			item["updated_at"] = upd
		}
		out = append(out, item)
	}
	s.commit()
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_links":    s.selfLinks("/api/v4/" + entity + "/notes"),
		"_embedded": map[string]any{"notes": out},
	})
}

// getNote handles GET /{entity}/notes/{id} and, with entityID,
// GET /{entity}/{entity_id}/notes/{id} (the official SDK's getOne).
func (c *call) getNote(entity string, entityID, id int) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.idx["notes"][id]
	if !ok || s.st.Notes[i].EntityType != entity || (entityID != 0 && s.st.Notes[i].EntityID != entityID) {
		c.notFound()
		return
	}
	writeJSON(c.w, http.StatusOK, s.noteJSON(s.st.Notes[i], c.with()))
}

// listNotes handles GET /{entity}/notes and GET /{entity}/{id}/notes.
func (c *call) listNotes(entity string, entityID int) {
	page, limit, ok := c.paging(250)
	if !ok {
		return
	}
	ids, ok1 := c.q.intSet(false, "filter", "id")
	eids, ok2 := c.q.intSet(false, "filter", "entity_id")
	// A single updated_at is "edited after" (Kommo's notes list, as its
	// events list says of created_at); [from]/[to] bound it.
	upd, ok3 := c.q.rangeAt(true, "filter", "updated_at")
	if !ok1 || !ok2 || !ok3 {
		c.badRequest("filter is invalid")
		return
	}
	var types map[string]bool
	if n := c.q.get("filter", "note_type"); n != nil {
		types = map[string]bool{}
		for _, v := range n.list(true) {
			types[v] = true
		}
	}
	field, desc := c.order("id", "updated_at", "created_at")
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if entityID != 0 && !s.exists(entity, entityID) {
		c.notFound()
		return
	}
	var items []any
	var notes []Note
	for _, n := range s.st.Notes {
		if n.EntityType != entity || (entityID != 0 && n.EntityID != entityID) {
			continue
		}
		if (ids != nil && !ids[n.ID]) || (eids != nil && !eids[n.EntityID]) || (types != nil && !types[n.NoteType]) || !upd.match(n.UpdatedAt) {
			continue
		}
		notes = append(notes, n)
	}
	if desc || field != "id" {
		key := func(n Note) int64 {
			switch field {
			case "updated_at":
				return n.UpdatedAt
			case "created_at":
				return n.CreatedAt
			}
			return int64(n.ID)
		}
		sortBy(notes, func(a, b Note) bool {
			x, y := key(a), key(b)
			if x == y {
				x, y = int64(a.ID), int64(b.ID)
			}
			if desc {
				return x > y
			}
			return x < y
		})
	}
	with := c.with()
	for _, n := range notes {
		items = append(items, s.noteJSON(n, with))
	}
	c.writePage("notes", items, page, limit, nil)
}
