package kommotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

var singular = map[string]string{
	"leads": "lead", "contacts": "contact", "companies": "company", "tasks": "task",
	"customers": "customer", "notes": "note",
}

// fieldTypeIDs are the numeric custom field types used in event values.
var fieldTypeIDs = map[string]int{
	"text": 1, "numeric": 2, "checkbox": 3, "select": 4, "multiselect": 5, "date": 6, "url": 7,
	"multitext": 8, "textarea": 9, "radiobutton": 10, "streetaddress": 11, "smart_address": 13,
	"birthday": 14, "legal_entity": 15, "date_time": 19, "price": 20, "category": 21, "items": 22,
	"tracking_data": 23, "linked_entity": 24, "chained_list": 25, "monetary": 26, "file": 27,
}

// eventTypes lists the keys served by GET /api/v4/events/types and taken
// by filter[type]: Kommo's table of event types ("Tipos de eventos
// disponibles", 70 entries: these 69 and one custom_field_{ID}_value_changed
// per field). amoCRM's customer_*, transaction_added and
// message_to_cashier_note_added are not in it. The numeric types past 61
// are UNCONFIRMED.
var eventTypes = []struct {
	key  string
	typ  int
	lang string
}{
	{"lead_added", 1, "Lead added"}, {"lead_deleted", 2, "Lead deleted"}, {"lead_restored", 3, "Lead restored"},
	{"lead_status_changed", 4, "Lead status changed"}, {"lead_linked", 5, "Lead linked"},
	{"lead_unlinked", 6, "Lead unlinked"}, {"contact_added", 7, "Contact added"},
	{"contact_deleted", 8, "Contact deleted"}, {"contact_restored", 9, "Contact restored"},
	{"contact_linked", 10, "Contact linked"}, {"contact_unlinked", 11, "Contact unlinked"},
	{"company_added", 12, "Company added"}, {"company_deleted", 13, "Company deleted"},
	{"company_restored", 14, "Company restored"}, {"company_linked", 15, "Company linked"},
	{"company_unlinked", 16, "Company unlinked"}, {"task_added", 22, "Task added"},
	{"task_deleted", 23, "Task deleted"}, {"task_completed", 24, "Task completed"},
	{"task_type_changed", 25, "Task type changed"}, {"task_text_changed", 26, "Task text changed"},
	{"task_deadline_changed", 27, "Task deadline changed"}, {"task_result_added", 28, "Task result added"},
	{"incoming_call", 29, "Incoming call"}, {"outgoing_call", 30, "Outgoing call"},
	{"incoming_mail", 31, "Incoming email"}, {"outgoing_mail", 32, "Outgoing email"},
	{"incoming_chat_message", 33, "Incoming chat message"}, {"outgoing_chat_message", 34, "Outgoing chat message"},
	{"entity_direct_message", 35, "Direct message"}, {"incoming_sms", 36, "Incoming SMS"},
	{"outgoing_sms", 37, "Outgoing SMS"},
	{"entity_tag_added", 50, "Tag added"}, {"entity_tag_deleted", 51, "Tag deleted"},
	{"entity_linked", 52, "Entity linked"}, {"entity_unlinked", 53, "Entity unlinked"},
	{"sale_field_changed", 54, "Sale field changed"}, {"name_field_changed", 55, "Name field changed"},
	{"ltv_field_changed", 58, "LTV field changed"},
	{"custom_field_value_changed", 56, "Custom field value changed"},
	{"entity_responsible_changed", 57, "Responsible changed"}, {"robot_replied", 62, "Robot replied"},
	{"intent_identified", 63, "Intent identified"}, {"nps_rate_added", 64, "NPS rate added"},
	{"link_followed", 65, "Link followed"}, {"common_note_added", 60, "Note added"},
	{"common_note_deleted", 61, "Note deleted"}, {"attachment_note_added", 66, "File added"},
	{"targeting_in_note_added", 67, "Targeting in"}, {"targeting_out_note_added", 68, "Targeting out"},
	{"geo_note_added", 69, "Geolocation added"}, {"service_note_added", 70, "Service note added"},
	{"site_visit_note_added", 71, "Site visit"}, {"entity_merged", 72, "Entities merged"},
	{"video_opened", 73, "Video opened"}, {"video_closed", 74, "Video closed"},
	{"picture_opened", 75, "Picture opened"}, {"picture_closed", 76, "Picture closed"},
	{"zoom_conference", 77, "Zoom conference"}, {"key_action_completed", 78, "Key action completed"},
	{"ai_result", 79, "AI result"}, {"talk_created", 80, "Talk created"}, {"talk_closed", 81, "Talk closed"},
	{"conversation_answered", 82, "Conversation answered"},
	{"meta_chat_subscription_added", 83, "Meta chat subscription added"},
	{"meta_chat_subscription_removed", 84, "Meta chat subscription removed"},
	{"talk_missed_event", 85, "Talk missed"}, {"page_mention", 86, "Page mention"},
	{"dropbox_attachment", 87, "Dropbox attachment"},
}

// knownEventType reports whether t is in eventTypes or is a
// custom_field_{ID}_value_changed type (then perField is true).
func knownEventType(t string) (known, perField bool) {
	if mid, ok := strings.CutPrefix(t, "custom_field_"); ok {
		if mid, ok = strings.CutSuffix(mid, "_value_changed"); ok && mid != "" && strings.Trim(mid, "0123456789") == "" {
			return true, true
		}
	}
	for _, e := range eventTypes {
		if e.key == t {
			return true, false
		}
	}
	return false, false
}

// checkEventTypes validates filter[type] as Kommo's table has it: every
// type known, and a custom_field_{ID}_value_changed type alone ("if this
// type is passed, other types can't be passed"). It answers 400 with a
// validation-errors body itself and reports false.
func (c *call) checkEventTypes(types []string) bool {
	ck := &checker{}
	for i, t := range types {
		p := "filter.type." + strconv.Itoa(i)
		known, perField := knownEventType(t)
		switch {
		case !known:
			ck.choice(p)
		case perField && len(types) > 1:
			ck.add(p, CodeNotSupportedChoice, "If this type is passed, other types can't be passed.")
		}
	}
	if len(ck.errs) == 0 {
		return true
	}
	var rep report
	rep.addItem("0", ck)
	writeValidation(c.w, rep.items)
	return false
}

// emit appends an event. before and after are marshalled as the event's
// value_before/value_after arrays. s.mu must be held.
func (s *Server) emit(typ, entity string, id, by int, before, after []any) {
	s.st.EventSeq++
	raw := func(v []any) json.RawMessage {
		if v == nil {
			v = []any{}
		}
		b, _ := json.Marshal(v)
		return b
	}
	ent := singular[entity]
	if ent == "" {
		ent = entity
	}
	s.st.Events = append(s.st.Events, Event{
		ID:          fmt.Sprintf("01ev%022d", s.st.EventSeq),
		Type:        typ,
		EntityID:    id,
		EntityType:  ent,
		CreatedBy:   by,
		CreatedAt:   s.nowUnix(),
		ValueAfter:  raw(after),
		ValueBefore: raw(before),
	})
}

func cfEventValues(def *CustomField, vals []FieldValue) []any {
	out := []any{}
	for _, v := range vals {
		cv := map[string]any{"field_id": def.ID, "field_type": fieldTypeIDs[def.Type], "text": valueText(v.Value)}
		if v.EnumID != 0 {
			cv["enum_id"] = v.EnumID
		} else {
			cv["enum_id"] = nil
		}
		out = append(out, map[string]any{"custom_field_value": cv})
	}
	return out
}

// emitCF emits custom_field_{ID}_value_changed events for diffs.
func (s *Server) emitCF(entity string, id, by int, diffs []cfDiff) {
	for _, d := range diffs {
		s.emit(fmt.Sprintf("custom_field_%d_value_changed", d.def.ID), entity, id, by,
			cfEventValues(d.def, d.before), cfEventValues(d.def, d.after))
	}
}

func (s *Server) emitTags(entity string, id, by int, added, removed []Tag) {
	for _, t := range added {
		s.emit("entity_tag_added", entity, id, by, nil, []any{map[string]any{"tag": map[string]any{"name": t.Name}}})
	}
	for _, t := range removed {
		s.emit("entity_tag_deleted", entity, id, by, []any{map[string]any{"tag": map[string]any{"name": t.Name}}}, nil)
	}
}

func (s *Server) eventJSON(e Event, with map[string]bool) map[string]any {
	ent := map[string]any{"id": e.EntityID}
	plural := ""
	for p, sg := range singular {
		if sg == e.EntityType {
			plural = p
		}
	}
	if plural != "" {
		ent["_links"] = s.selfLinks("/api/v4/" + plural + "/" + strconv.Itoa(e.EntityID))
	}
	if with[e.EntityType+"_name"] {
		if name, ok := s.entityName(plural, e.EntityID); ok {
			ent["name"] = name
		}
	}
	return map[string]any{
		"id":           e.ID,
		"type":         e.Type,
		"entity_id":    e.EntityID,
		"entity_type":  e.EntityType,
		"created_by":   e.CreatedBy,
		"created_at":   e.CreatedAt,
		"value_after":  e.ValueAfter,
		"value_before": e.ValueBefore,
		"account_id":   s.st.Account.ID,
		"_links":       s.selfLinks("/api/v4/events/" + e.ID),
		"_embedded":    map[string]any{"entity": ent},
	}
}

// entityName returns the name of a lead, contact or company.
func (s *Server) entityName(entity string, id int) (string, bool) {
	i, ok := s.idx[entity][id]
	if !ok {
		return "", false
	}
	switch entity {
	case "leads":
		return s.st.Leads[i].Name, true
	case "contacts":
		return s.st.Contacts[i].Name, true
	case "companies":
		return s.st.Companies[i].Name, true
	case "tasks":
		return s.st.Tasks[i].Text, true
	}
	return "", false
}

func (c *call) listEvents() {
	s := c.s
	page, limit, ok := c.paging(s.opts.MaxEventsLimit)
	if !ok {
		return
	}
	ids := map[string]bool{}
	for _, v := range c.q.get("filter", "id").list(true) {
		ids[v] = true
	}
	types := c.q.get("filter", "type").list(true)
	if !c.checkEventTypes(types) {
		return
	}
	entities := map[string]bool{}
	for _, v := range c.q.get("filter", "entity").list(true) {
		if sg, isPlural := singular[v]; isPlural {
			v = sg
		}
		entities[v] = true
	}
	entityIDs, ok := c.q.intSet(true, "filter", "entity_id")
	if !ok {
		c.badRequest("filter[entity_id] must be integers")
		return
	}
	if entityIDs != nil {
		if len(entityIDs) > 10 {
			c.badRequest("filter[entity_id] accepts at most 10 ids")
			return
		}
		if len(entities) != 1 {
			c.badRequest("filter[entity_id] requires exactly one filter[entity]")
			return
		}
	}
	createdBy, ok := c.q.intSet(true, "filter", "created_by")
	if !ok || len(createdBy) > 10 {
		c.badRequest("filter[created_by] must be at most 10 integers")
		return
	}
	createdAt, ok := c.q.rangeAt(true, "filter", "created_at")
	if !ok {
		c.badRequest("filter[created_at] is invalid")
		return
	}
	with := c.with()

	s.mu.Lock()
	defer s.mu.Unlock()
	var items []any
	for i := len(s.st.Events) - 1; i >= 0; i-- {
		e := s.st.Events[i]
		if len(ids) > 0 && !ids[e.ID] {
			continue
		}
		if len(types) > 0 && !typeMatches(types, e.Type) {
			continue
		}
		if len(entities) > 0 && !entities[e.EntityType] {
			continue
		}
		if entityIDs != nil && !entityIDs[e.EntityID] {
			continue
		}
		if createdBy != nil && !createdBy[e.CreatedBy] {
			continue
		}
		if !createdAt.match(e.CreatedAt) {
			continue
		}
		if !valueMatches(c.q.get("filter", "value_after"), e.ValueAfter) || !valueMatches(c.q.get("filter", "value_before"), e.ValueBefore) {
			continue
		}
		items = append(items, s.eventJSON(e, with))
	}
	c.writePage("events", items, page, limit, nil)
}

// typeMatches matches event types; custom_field_value_changed also matches
// every custom_field_{ID}_value_changed.
func typeMatches(types []string, t string) bool {
	for _, want := range types {
		if want == t {
			return true
		}
		if want == "custom_field_value_changed" && strings.HasPrefix(t, "custom_field_") && strings.HasSuffix(t, "_value_changed") {
			return true
		}
	}
	return false
}

func (c *call) getEvent(id string) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.st.Events {
		if e.ID == id {
			writeJSON(c.w, http.StatusOK, s.eventJSON(e, c.with()))
			return
		}
	}
	c.notFound()
}

func (c *call) listEventTypes() {
	var items []any
	for _, t := range eventTypes {
		items = append(items, map[string]any{"key": t.key, "type": t.typ, "lang": t.lang})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_total_items": len(items),
		"_links":       c.s.selfLinks("/api/v4/events/types"),
		"_embedded":    map[string]any{"events_types": items},
	})
}

// valueMatches implements filter[value_after|value_before] for
// [leads_statuses][i][pipeline_id|status_id], [responsible_user_id] and
// [custom_field_values] (enum id). Other keys are ignored (UNCONFIRMED).
func valueMatches(f *qnode, raw json.RawMessage) bool {
	if f == nil {
		return true
	}
	var vals []map[string]map[string]any
	_ = json.Unmarshal(raw, &vals)
	num := func(v any) string {
		if x, ok := v.(float64); ok {
			return strconv.FormatInt(int64(x), 10)
		}
		return ""
	}
	if pairs := f.get("leads_statuses").indexedKids(); len(pairs) > 0 {
		hit := false
		for _, p := range pairs {
			pid, sid := firstVal(p.get("pipeline_id")), firstVal(p.get("status_id"))
			for _, v := range vals {
				ls := v["lead_status"]
				if ls != nil && (pid == "" || num(ls["pipeline_id"]) == pid) && (sid == "" || num(ls["id"]) == sid) {
					hit = true
				}
			}
		}
		if !hit {
			return false
		}
	}
	if want, ok := f.str("responsible_user_id"); ok {
		hit := false
		for _, v := range vals {
			if ru := v["responsible_user"]; ru != nil && num(ru["id"]) == want {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	if want, ok := f.str("custom_field_values"); ok {
		hit := false
		for _, v := range vals {
			if cv := v["custom_field_value"]; cv != nil && num(cv["enum_id"]) == want {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	return true
}
