package kommotest

import (
	"net/http"
	"strconv"
	"strings"
)

var taskEntityTypes = map[string]bool{"leads": true, "contacts": true, "companies": true}

type taskInput struct {
	reqID                string
	id                   int
	text                 *string
	completeTill         *int64
	taskType             *int
	entityType           *string
	entityID             *int
	resp                 *int
	createdBy, updatedBy *int
	createdAt, updatedAt *int64
	isCompleted          *bool
	result               *string
	duration             *int64
}

func (s *Server) taskTypeExists(id int) bool {
	for _, t := range s.st.TaskTypes {
		if t.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) parseTask(m map[string]any, ck *checker, update bool) *taskInput {
	in := &taskInput{}
	if update {
		v := optInt(m, "id", ck, "id")
		if v == nil {
			if m["id"] == nil {
				ck.blank("id")
			}
			return in
		}
		if !s.exists("tasks", int(*v)) {
			ck.add("id", CodeNotFound, "Entity not found.")
			return in
		}
		in.id = int(*v)
	}
	nerr := len(ck.errs)
	in.text = optString(m, "text", ck, "text")
	if !update && len(ck.errs) == nerr && (in.text == nil || strings.TrimSpace(*in.text) == "") {
		ck.blank("text")
	}
	if v, has := m["complete_till"]; has && v != nil {
		if t, ok := parseTime(v); ok {
			in.completeTill = &t
		} else {
			ck.typ("complete_till", "int")
		}
	} else if !update {
		ck.blank("complete_till")
	}
	if v := optInt(m, "task_type_id", ck, "task_type_id"); v != nil {
		if !s.taskTypeExists(int(*v)) {
			ck.choice("task_type_id")
		} else {
			t := int(*v)
			in.taskType = &t
		}
	}
	in.entityType = optString(m, "entity_type", ck, "entity_type")
	if in.entityType != nil && !taskEntityTypes[*in.entityType] {
		ck.choice("entity_type")
		in.entityType = nil
	}
	if v := optInt(m, "entity_id", ck, "entity_id"); v != nil {
		id := int(*v)
		et := in.entityType
		if et == nil && update {
			cur := s.st.Tasks[s.idx["tasks"][in.id]].EntityType
			if cur != "" {
				et = &cur
			}
		}
		switch {
		case et == nil:
			ck.blank("entity_type")
		case !s.exists(*et, id):
			ck.choice("entity_id")
		default:
			in.entityID = &id
		}
	} else if in.entityType != nil && !update {
		ck.blank("entity_id")
	}
	in.resp = s.optUser(m, "responsible_user_id", ck, "responsible_user_id", false)
	in.createdBy = s.optUser(m, "created_by", ck, "created_by", true)
	in.updatedBy = s.optUser(m, "updated_by", ck, "updated_by", true)
	in.createdAt = optInt(m, "created_at", ck, "created_at")
	in.updatedAt = optInt(m, "updated_at", ck, "updated_at")
	in.isCompleted = optBool(m, "is_completed", ck, "is_completed")
	in.duration = optInt(m, "duration", ck, "duration")
	if v, has := m["result"]; has && v != nil {
		switch r := v.(type) {
		case map[string]any:
			in.result = optString(r, "text", ck, "result.text")
		case []any:
			if len(r) > 0 {
				ck.typ("result", "object")
			}
		default:
			ck.typ("result", "object")
		}
	}
	return in
}

// applyTask writes a validated task. s.mu must be held.
func (s *Server) applyTask(in *taskInput, userID int) (int, int64) {
	now := s.nowUnix()
	created := in.id == 0
	if created {
		in.id = s.nextID("tasks")
		if s.idx["tasks"] == nil {
			s.idx["tasks"] = map[int]int{}
		}
		s.idx["tasks"][in.id] = len(s.st.Tasks)
		s.st.Tasks = append(s.st.Tasks, Task{ID: in.id, CreatedBy: userID, CreatedAt: now,
			ResponsibleUserID: userID, TaskTypeID: SeedTaskTypeFollowUp})
	}
	t := &s.st.Tasks[s.idx["tasks"][in.id]]
	oldEntity, oldEntityID := t.EntityType, t.EntityID
	by := userID
	if in.updatedBy != nil {
		by = *in.updatedBy
	}
	if created {
		if in.createdBy != nil {
			t.CreatedBy = *in.createdBy
		}
		if in.createdAt != nil {
			t.CreatedAt = *in.createdAt
		}
	}
	t.UpdatedBy, t.UpdatedAt = by, now
	if in.updatedAt != nil {
		t.UpdatedAt = *in.updatedAt
	} else if created && in.createdAt != nil {
		t.UpdatedAt = *in.createdAt
	}
	type ev struct {
		typ           string
		before, after []any
	}
	var evs []ev
	if in.text != nil && *in.text != t.Text {
		if !created {
			evs = append(evs, ev{"task_text_changed", []any{map[string]any{"text": t.Text}}, []any{map[string]any{"text": *in.text}}})
		}
		t.Text = *in.text
	}
	if in.completeTill != nil && *in.completeTill != t.CompleteTill {
		if !created {
			evs = append(evs, ev{"task_deadline_changed", []any{map[string]any{"task_deadline": map[string]any{"timestamp": t.CompleteTill}}},
				[]any{map[string]any{"task_deadline": map[string]any{"timestamp": *in.completeTill}}}})
		}
		t.CompleteTill = *in.completeTill
	}
	if in.taskType != nil && *in.taskType != t.TaskTypeID {
		if !created {
			evs = append(evs, ev{"task_type_changed", []any{map[string]any{"task_type": map[string]any{"id": t.TaskTypeID}}},
				[]any{map[string]any{"task_type": map[string]any{"id": *in.taskType}}}})
		}
		t.TaskTypeID = *in.taskType
	}
	if in.resp != nil && *in.resp != t.ResponsibleUserID {
		if !created {
			evs = append(evs, ev{"entity_responsible_changed", []any{map[string]any{"responsible_user": map[string]any{"id": t.ResponsibleUserID}}},
				[]any{map[string]any{"responsible_user": map[string]any{"id": *in.resp}}}})
		}
		t.ResponsibleUserID = *in.resp
	}
	if in.entityType != nil {
		t.EntityType = *in.entityType
	}
	if in.entityID != nil {
		t.EntityID = *in.entityID
	}
	if in.duration != nil {
		t.Duration = int(*in.duration)
	}
	if in.result != nil {
		if t.Result == nil || t.Result.Text != *in.result {
			evs = append(evs, ev{"task_result_added", nil, []any{map[string]any{"text": *in.result}}})
		}
		t.Result = &TaskResult{Text: *in.result}
	}
	if in.isCompleted != nil && *in.isCompleted != t.IsCompleted {
		t.IsCompleted = *in.isCompleted
		if t.IsCompleted {
			evs = append(evs, ev{"task_completed", []any{map[string]any{"task_status": map[string]any{"is_completed": false}}},
				[]any{map[string]any{"task_status": map[string]any{"is_completed": true}}}})
		}
	}
	id, updatedAt := t.ID, t.UpdatedAt
	newEntity, newEntityID := t.EntityType, t.EntityID
	if created {
		s.emit("task_added", "tasks", id, by, nil, []any{map[string]any{"text": t.Text}})
	}
	for _, e := range evs {
		s.emit(e.typ, "tasks", id, by, e.before, e.after)
	}
	s.recomputeClosestTask(oldEntity, oldEntityID)
	if newEntity != oldEntity || newEntityID != oldEntityID {
		s.recomputeClosestTask(newEntity, newEntityID)
	}
	return id, updatedAt
}

// recomputeClosestTask sets closest_task_at of an entity to the earliest
// open task deadline.
func (s *Server) recomputeClosestTask(entity string, id int) {
	if entity == "" || id == 0 {
		return
	}
	r, ok := s.recOf(entity, id)
	if !ok {
		return
	}
	var best *int64
	for _, t := range s.st.Tasks {
		if t.EntityType == entity && t.EntityID == id && !t.IsCompleted {
			if best == nil || t.CompleteTill < *best {
				v := t.CompleteTill
				best = &v
			}
		}
	}
	*r.closestTaskAt = best
}

func (s *Server) taskJSON(t Task) map[string]any {
	var result any = []any{}
	if t.Result != nil {
		result = map[string]any{"text": t.Result.Text}
	}
	var entityID, entityType any
	if t.EntityType != "" {
		entityID, entityType = t.EntityID, t.EntityType
	}
	return map[string]any{
		"id":                  t.ID,
		"created_by":          t.CreatedBy,
		"updated_by":          t.UpdatedBy,
		"created_at":          t.CreatedAt,
		"updated_at":          t.UpdatedAt,
		"responsible_user_id": t.ResponsibleUserID,
		"group_id":            t.GroupID,
		"entity_id":           entityID,
		"entity_type":         entityType,
		"duration":            t.Duration,
		"is_completed":        t.IsCompleted,
		"task_type_id":        t.TaskTypeID,
		"text":                t.Text,
		"result":              result,
		"complete_till":       t.CompleteTill,
		"account_id":          s.st.Account.ID,
		"_links":              s.selfLinks("/api/v4/tasks/" + strconv.Itoa(t.ID)),
	}
}

func (c *call) createTasks() {
	items, ok := c.batch(250)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep report
	inputs := make([]*taskInput, len(items))
	for i, m := range items {
		ck := &checker{}
		inputs[i] = s.parseTask(m, ck, false)
		inputs[i].reqID = requestID(m, i)
		rep.addItem(inputs[i].reqID, ck)
	}
	if rep.failed() {
		if s.opts.PartialApply && len(rep.items) < len(inputs) {
			for _, in := range inputs {
				if !rep.has(in.reqID) {
					s.applyTask(in, c.userID)
				}
			}
			s.commit()
		}
		writeValidation(c.w, rep.items)
		return
	}
	out := make([]any, 0, len(inputs))
	for _, in := range inputs {
		id, _ := s.applyTask(in, c.userID)
		out = append(out, map[string]any{"id": id, "request_id": in.reqID,
			"_links": s.selfLinks("/api/v4/tasks/" + strconv.Itoa(id))})
	}
	s.commit()
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_links":    s.selfLinks("/api/v4/tasks"),
		"_embedded": map[string]any{"tasks": out},
	})
}

func (c *call) updateTasks(id int) {
	items, ok := c.patchItems(id)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != 0 && !s.exists("tasks", id) {
		writeProblem(c.w, http.StatusNotFound, "Entity not found")
		return
	}
	var rep report
	inputs := make([]*taskInput, len(items))
	for i, m := range items {
		ck := &checker{}
		inputs[i] = s.parseTask(m, ck, true)
		inputs[i].reqID = requestID(m, i)
		rep.addItem(inputs[i].reqID, ck)
	}
	if rep.failed() {
		writeValidation(c.w, rep.items)
		return
	}
	out := make([]any, 0, len(inputs))
	for _, in := range inputs {
		tid, upd := s.applyTask(in, c.userID)
		out = append(out, map[string]any{"id": tid, "updated_at": upd, "request_id": in.reqID,
			"_links": s.selfLinks("/api/v4/tasks/" + strconv.Itoa(tid))})
	}
	s.commit()
	if id != 0 {
		item := out[0].(map[string]any)
		delete(item, "request_id")
		writeJSON(c.w, http.StatusOK, item)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_links":    s.selfLinks("/api/v4/tasks"),
		"_embedded": map[string]any{"tasks": out},
	})
}

func (c *call) getTask(id int) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.idx["tasks"][id]
	if !ok {
		c.notFound()
		return
	}
	writeJSON(c.w, http.StatusOK, s.taskJSON(s.st.Tasks[i]))
}

func (c *call) listTasks() {
	page, limit, ok := c.paging(250)
	if !ok {
		return
	}
	sets := map[string]map[int]bool{}
	for _, k := range []string{"id", "responsible_user_id", "task_type", "entity_id", "created_by"} {
		set, good := c.q.intSet(false, "filter", k)
		if !good {
			c.badRequest("filter[" + k + "] must contain integers")
			return
		}
		sets[k] = set
	}
	entityType, hasET := c.q.str("filter", "entity_type")
	if sets["entity_id"] != nil && !hasET {
		c.badRequest("filter[entity_id] requires filter[entity_type]")
		return
	}
	var completed *bool
	if v, has := c.q.str("filter", "is_completed"); has {
		b := v == "1" || strings.EqualFold(v, "true")
		completed = &b
	}
	updatedAt, ok1 := c.q.rangeAt(false, "filter", "updated_at")
	createdAt, ok2 := c.q.rangeAt(false, "filter", "created_at")
	if !ok1 || !ok2 {
		c.badRequest("date filter is invalid")
		return
	}
	since := c.ifModifiedSince()
	field, desc := c.order("complete_till", "created_at", "updated_at", "id")
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	in := func(set map[int]bool, x int) bool { return set == nil || set[x] }
	var ts []Task
	for _, t := range s.st.Tasks {
		if !in(sets["id"], t.ID) || !in(sets["responsible_user_id"], t.ResponsibleUserID) ||
			!in(sets["task_type"], t.TaskTypeID) || !in(sets["entity_id"], t.EntityID) || !in(sets["created_by"], t.CreatedBy) {
			continue
		}
		if hasET && t.EntityType != entityType {
			continue
		}
		if completed != nil && t.IsCompleted != *completed {
			continue
		}
		if !updatedAt.match(t.UpdatedAt) || !createdAt.match(t.CreatedAt) || (since != 0 && t.UpdatedAt <= since) {
			continue
		}
		ts = append(ts, t)
	}
	if c.notModified(since, len(ts)) {
		return
	}
	orderBy(ts, func(t Task) (int64, int) {
		switch field {
		case "complete_till":
			return t.CompleteTill, t.ID
		case "created_at":
			return t.CreatedAt, t.ID
		case "updated_at":
			return t.UpdatedAt, t.ID
		}
		return int64(t.ID), t.ID
	}, desc)
	items := make([]any, len(ts))
	for i, t := range ts {
		items[i] = s.taskJSON(t)
	}
	c.writePage("tasks", items, page, limit, nil)
}
