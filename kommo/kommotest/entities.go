package kommotest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// entityInput is one validated write item for a lead, contact or company.
type entityInput struct {
	reqID                string
	id                   int // target of an update; 0 on create
	name                 *string
	firstName, lastName  *string
	resp                 *int
	createdBy, updatedBy *int
	createdAt, updatedAt *int64
	cfv                  []cfChange
	tags                 tagOps
	price                *float64
	statusID, pipelineID int // resolved (leads); 0 = unchanged on update
	closedAt             *int64
	lossReason           *int64
	lossReasonSet        bool
	links                []pendingLink
}

type pendingLink struct {
	toType string
	toID   int
	isMain bool
}

// rec points at the common fields of a stored lead, contact or company.
type rec struct {
	name                 *string
	resp                 *int
	createdBy, updatedBy *int
	createdAt, updatedAt *int64
	cfv                  *[]FieldValues
	tags                 *[]Tag
	closestTaskAt        **int64
}

// recOf returns pointers into the stored record. s.mu must be held and the
// pointers must not be used after another record of the entity is created.
func (s *Server) recOf(entity string, id int) (rec, bool) {
	i, ok := s.idx[entity][id]
	if !ok {
		return rec{}, false
	}
	switch entity {
	case "leads":
		l := &s.st.Leads[i]
		return rec{&l.Name, &l.ResponsibleUserID, &l.CreatedBy, &l.UpdatedBy, &l.CreatedAt, &l.UpdatedAt,
			&l.CustomFieldsValues, &l.Tags, &l.ClosestTaskAt}, true
	case "contacts":
		c := &s.st.Contacts[i]
		return rec{&c.Name, &c.ResponsibleUserID, &c.CreatedBy, &c.UpdatedBy, &c.CreatedAt, &c.UpdatedAt,
			&c.CustomFieldsValues, &c.Tags, &c.ClosestTaskAt}, true
	case "companies":
		c := &s.st.Companies[i]
		return rec{&c.Name, &c.ResponsibleUserID, &c.CreatedBy, &c.UpdatedBy, &c.CreatedAt, &c.UpdatedAt,
			&c.CustomFieldsValues, &c.Tags, &c.ClosestTaskAt}, true
	}
	return rec{}, false
}

func (s *Server) exists(entity string, id int) bool {
	_, ok := s.idx[entity][id]
	return ok
}

// parseEntity validates one item. prefix is the path prefix (complex
// embeds); maxCF limits custom field entries (complex).
func (s *Server) parseEntity(entity string, m map[string]any, ck *checker, update bool, prefix string, maxCF int) *entityInput {
	in := &entityInput{}
	p := func(k string) string { return join(prefix, k) }
	if update {
		v := optInt(m, "id", ck, p("id"))
		switch {
		case v == nil:
			if _, has := m["id"]; !has || m["id"] == nil {
				ck.blank(p("id"))
			}
			return in
		case !s.exists(entity, int(*v)):
			ck.add(p("id"), CodeNotFound, "Entity not found.")
			return in
		}
		in.id = int(*v)
	}
	in.name = optString(m, "name", ck, p("name"))
	if entity == "contacts" {
		in.firstName = optString(m, "first_name", ck, p("first_name"))
		in.lastName = optString(m, "last_name", ck, p("last_name"))
	}
	in.resp = s.optUser(m, "responsible_user_id", ck, p("responsible_user_id"), false)
	in.createdBy = s.optUser(m, "created_by", ck, p("created_by"), true)
	in.updatedBy = s.optUser(m, "updated_by", ck, p("updated_by"), true)
	in.createdAt = optInt(m, "created_at", ck, p("created_at"))
	in.updatedAt = optInt(m, "updated_at", ck, p("updated_at"))
	in.cfv = s.parseCFV(entity, m["custom_fields_values"], ck, p("custom_fields_values"), maxCF)
	sub := &checker{}
	in.tags = s.parseTagOps(entity, m, sub)
	for _, e := range sub.errs {
		e.Path = join(prefix, e.Path)
		ck.errs = append(ck.errs, e)
	}
	if entity == "leads" {
		s.parseLeadFields(m, ck, in, prefix)
	}
	return in
}

// parseCreateLinks reads _embedded.contacts/companies of existing entities.
func (s *Server) parseCreateLinks(entity string, m map[string]any, ck *checker, in *entityInput, prefix string) {
	emb, _ := m["_embedded"].(map[string]any)
	if emb == nil {
		return
	}
	targets := map[string][]string{"leads": {"contacts", "companies"}, "contacts": {"companies"}, "companies": {"contacts"}}
	for _, to := range targets[entity] {
		raw, ok := emb[to]
		if !ok || raw == nil {
			continue
		}
		arr, ok := raw.([]any)
		p := join(prefix, "_embedded."+to)
		if !ok {
			ck.typ(p, "array")
			continue
		}
		if to == "companies" && len(arr) > 1 {
			ck.add(p, CodeTooMany, "This collection should contain 1 element or less.")
			continue
		}
		for i, e := range arr {
			ip := join(p, strconv.Itoa(i))
			obj, ok := e.(map[string]any)
			if !ok {
				ck.typ(ip, "object")
				continue
			}
			id := optInt(obj, "id", ck, join(ip, "id"))
			if id == nil {
				if _, has := obj["id"]; !has {
					ck.blank(join(ip, "id"))
				}
				continue
			}
			if !s.exists(to, int(*id)) {
				ck.choice(join(ip, "id"))
				continue
			}
			isMain, _ := obj["is_main"].(bool)
			in.links = append(in.links, pendingLink{toType: to, toID: int(*id), isMain: isMain})
		}
	}
}

// createRecord appends an empty record and returns its id. s.mu must be held.
func (s *Server) createRecord(entity string) int {
	id := s.nextID(entity)
	if s.idx[entity] == nil {
		s.idx[entity] = map[int]int{}
	}
	switch entity {
	case "leads":
		s.idx[entity][id] = len(s.st.Leads)
		s.st.Leads = append(s.st.Leads, Lead{ID: id})
	case "contacts":
		s.idx[entity][id] = len(s.st.Contacts)
		s.st.Contacts = append(s.st.Contacts, Contact{ID: id})
	case "companies":
		s.idx[entity][id] = len(s.st.Companies)
		s.st.Companies = append(s.st.Companies, Company{ID: id})
	}
	return id
}

// applyEntity writes a validated item and emits events; it returns the id
// and updated_at. s.mu must be held.
func (s *Server) applyEntity(entity string, in *entityInput, userID int) (int, int64) {
	now := s.nowUnix()
	created := in.id == 0
	id := in.id
	if created {
		id = s.createRecord(entity)
	}
	r, _ := s.recOf(entity, id)
	by := userID
	if in.updatedBy != nil {
		by = *in.updatedBy
	}
	if created {
		*r.createdBy, *r.createdAt, *r.resp = userID, now, userID
		if in.createdBy != nil {
			*r.createdBy = *in.createdBy
		}
		if in.createdAt != nil {
			*r.createdAt = *in.createdAt
		}
	}
	*r.updatedBy = by
	*r.updatedAt = now
	if in.updatedAt != nil {
		*r.updatedAt = *in.updatedAt
	} else if created && in.createdAt != nil {
		*r.updatedAt = *in.createdAt
	}
	updatedAt := *r.updatedAt

	if in.name != nil && *in.name != *r.name {
		if !created {
			s.emit("name_field_changed", entity, id, by,
				[]any{map[string]any{"name_field_value": map[string]any{"name": *r.name}}},
				[]any{map[string]any{"name_field_value": map[string]any{"name": *in.name}}})
			r, _ = s.recOf(entity, id)
		}
		*r.name = *in.name
	}
	if in.resp != nil && *in.resp != *r.resp {
		if !created {
			s.emit("entity_responsible_changed", entity, id, by,
				[]any{map[string]any{"responsible_user": map[string]any{"id": *r.resp}}},
				[]any{map[string]any{"responsible_user": map[string]any{"id": *in.resp}}})
			r, _ = s.recOf(entity, id)
		}
		*r.resp = *in.resp
	}
	next, diffs := applyCFV(*r.cfv, in.cfv)
	*r.cfv = next
	var added, removed []Tag
	if !in.tags.empty() {
		var tags []Tag
		tags, added, removed = s.applyTags(entity, *r.tags, in.tags)
		*r.tags = tags
	}
	switch entity {
	case "leads":
		s.applyLeadFields(id, in, created, by, now)
	case "contacts":
		s.applyContactFields(id, in, created)
	}
	if created {
		var after []any
		if entity == "leads" {
			l := s.st.Leads[s.idx["leads"][id]]
			after = []any{map[string]any{"lead_status": map[string]any{"id": l.StatusID, "pipeline_id": l.PipelineID}}}
		}
		s.emit(singular[entity]+"_added", entity, id, by, nil, after)
	} else {
		s.emitCF(entity, id, by, diffs)
		s.emitTags(entity, id, by, added, removed)
	}
	for _, l := range in.links {
		s.addLink(entity, id, l.toType, l.toID, l.isMain, by)
	}
	return id, updatedAt
}

// ---- HTTP handlers ----

func (c *call) createEntities(entity string) {
	items, ok := c.batch(250)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep report
	inputs := make([]*entityInput, len(items))
	for i, m := range items {
		ck := &checker{}
		inputs[i] = s.parseEntity(entity, m, ck, false, "", 0)
		s.parseCreateLinks(entity, m, ck, inputs[i], "")
		inputs[i].reqID = requestID(m, i)
		rep.addItem(inputs[i].reqID, ck)
	}
	if rep.failed() {
		if s.opts.PartialApply && len(rep.items) < len(inputs) {
			for _, in := range inputs {
				if !rep.has(in.reqID) {
					s.applyEntity(entity, in, c.userID)
				}
			}
			s.commit()
		}
		writeValidation(c.w, rep.items)
		return
	}
	out := make([]any, 0, len(inputs))
	for _, in := range inputs {
		id, _ := s.applyEntity(entity, in, c.userID)
		item := map[string]any{"id": id, "request_id": in.reqID,
			"_links": s.selfLinks("/api/v4/" + entity + "/" + strconv.Itoa(id))}
		if entity != "leads" {
			item["is_deleted"] = false
			item["is_unsorted"] = false
		}
		out = append(out, item)
	}
	s.commit()
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_links":    s.selfLinks("/api/v4/" + entity),
		"_embedded": map[string]any{entity: out},
	})
}

// patchItems reads a PATCH body: an array of items for the collection
// (id == 0), or one object for /{id}, which gets that id. It has answered
// the request when ok is false.
func (c *call) patchItems(id int) (items []map[string]any, ok bool) {
	if id == 0 {
		return c.batch(250)
	}
	m, ok := c.object()
	if !ok {
		return nil, false
	}
	m["id"] = jsonInt(id)
	return []map[string]any{m}, true
}

// updateEntities handles PATCH /{entity} (id == 0, array body) and
// PATCH /{entity}/{id} (object body).
func (c *call) updateEntities(entity string, id int) {
	items, ok := c.patchItems(id)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != 0 && !s.exists(entity, id) {
		writeProblem(c.w, http.StatusNotFound, "Entity not found")
		return
	}
	var rep report
	inputs := make([]*entityInput, len(items))
	for i, m := range items {
		ck := &checker{}
		inputs[i] = s.parseEntity(entity, m, ck, true, "", 0)
		inputs[i].reqID = requestID(m, i)
		rep.addItem(inputs[i].reqID, ck)
	}
	if rep.failed() {
		writeValidation(c.w, rep.items)
		return
	}
	out := make([]any, 0, len(inputs))
	for _, in := range inputs {
		eid, upd := s.applyEntity(entity, in, c.userID)
		out = append(out, map[string]any{"id": eid, "updated_at": upd, "request_id": in.reqID,
			"_links": s.selfLinks("/api/v4/" + entity + "/" + strconv.Itoa(eid))})
	}
	s.commit()
	if id != 0 {
		item := out[0].(map[string]any)
		delete(item, "request_id")
		writeJSON(c.w, http.StatusOK, item)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_links":    s.selfLinks("/api/v4/" + entity),
		"_embedded": map[string]any{entity: out},
	})
}

func (c *call) getEntity(entity string, id int) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.exists(entity, id) {
		c.notFound()
		return
	}
	writeJSON(c.w, http.StatusOK, s.entityJSON(entity, id, c.with()))
}

func (s *Server) entityJSON(entity string, id int, with map[string]bool) map[string]any {
	switch entity {
	case "leads":
		return s.leadJSON(s.st.Leads[s.idx[entity][id]], with)
	case "contacts":
		return s.contactJSON(s.st.Contacts[s.idx[entity][id]], with)
	default:
		return s.companyJSON(s.st.Companies[s.idx[entity][id]], with)
	}
}

// view is the filterable projection of a lead, contact or company.
type view struct {
	id, resp, createdBy, updatedBy int
	createdAt, updatedAt           int64
	closedAt, closestTaskAt        *int64
	name                           string
	cfv                            []FieldValues
	price                          float64
	statusID, pipelineID           int
	isLead                         bool
}

func (s *Server) views(entity string) []view {
	var out []view
	switch entity {
	case "leads":
		for _, l := range s.st.Leads {
			out = append(out, view{l.ID, l.ResponsibleUserID, l.CreatedBy, l.UpdatedBy, l.CreatedAt, l.UpdatedAt,
				l.ClosedAt, l.ClosestTaskAt, l.Name, l.CustomFieldsValues, l.Price, l.StatusID, l.PipelineID, true})
		}
	case "contacts":
		for _, x := range s.st.Contacts {
			out = append(out, view{id: x.ID, resp: x.ResponsibleUserID, createdBy: x.CreatedBy, updatedBy: x.UpdatedBy,
				createdAt: x.CreatedAt, updatedAt: x.UpdatedAt, closestTaskAt: x.ClosestTaskAt, name: x.Name,
				cfv: x.CustomFieldsValues})
		}
	case "companies":
		for _, x := range s.st.Companies {
			out = append(out, view{id: x.ID, resp: x.ResponsibleUserID, createdBy: x.CreatedBy, updatedBy: x.UpdatedBy,
				createdAt: x.CreatedAt, updatedAt: x.UpdatedAt, closestTaskAt: x.ClosestTaskAt, name: x.Name,
				cfv: x.CustomFieldsValues})
		}
	}
	return out
}

// entityFilter is the parsed filter of an entity list.
type entityFilter struct {
	ids, createdBy, updatedBy, resp, pipelines map[int]bool
	names                                      map[string]bool
	price, createdAt, updatedAt                *rng
	closedAt, closestTaskAt                    *rng
	statuses                                   [][2]int // pipeline, status (0 = any)
	query                                      string
	since                                      int64
}

func (c *call) entityFilter() (*entityFilter, bool) {
	f := &entityFilter{}
	ok := true
	sets := []struct {
		key string
		dst *map[int]bool
	}{{"id", &f.ids}, {"created_by", &f.createdBy}, {"updated_by", &f.updatedBy},
		{"responsible_user_id", &f.resp}, {"pipeline_id", &f.pipelines}}
	for _, st := range sets {
		set, good := c.q.intSet(false, "filter", st.key)
		if !good {
			c.badRequest("filter[" + st.key + "] must contain integers")
			return nil, false
		}
		*st.dst = set
	}
	if n := c.q.get("filter", "name"); n != nil {
		f.names = map[string]bool{}
		for _, v := range n.list(false) {
			f.names[strings.ToLower(v)] = true
		}
	}
	ranges := []struct {
		key string
		dst **rng
	}{{"price", &f.price}, {"created_at", &f.createdAt}, {"updated_at", &f.updatedAt},
		{"closed_at", &f.closedAt}, {"closest_task_at", &f.closestTaskAt}}
	for _, r := range ranges {
		if *r.dst, ok = c.q.rangeAt(false, "filter", r.key); !ok {
			c.badRequest("filter[" + r.key + "] is invalid")
			return nil, false
		}
	}
	for _, n := range c.q.get("filter", "statuses").indexedKids() {
		p, _ := strconv.Atoi(firstVal(n.get("pipeline_id")))
		st, _ := strconv.Atoi(firstVal(n.get("status_id")))
		f.statuses = append(f.statuses, [2]int{p, st})
	}
	f.query, _ = c.q.str("query")
	f.since = c.ifModifiedSince()
	return f, true
}

// ifModifiedSince reads the If-Modified-Since header (an HTTP date, or
// RFC 3339) as unix seconds; 0 when absent or unreadable. Kommo recommends
// it for lists of leads, contacts, companies and tasks; what it answers is
// not documented. The emulator lists only the records updated after it
// (strictly, as HTTP's "modified since"), and answers 204 (or 304, with
// Options.NotModified304) when there is none.
func (c *call) ifModifiedSince() int64 {
	ims := c.r.Header.Get("If-Modified-Since")
	if ims == "" {
		return 0
	}
	if t, err := http.ParseTime(ims); err == nil {
		return t.Unix()
	}
	if t, err := time.Parse(time.RFC3339, ims); err == nil {
		return t.Unix()
	}
	return 0
}

// notModified answers a list sent with If-Modified-Since that has nothing
// changed since: 304 with Options.NotModified304, else 204. It reports
// whether it answered.
func (c *call) notModified(since int64, n int) bool {
	if since == 0 || n > 0 {
		return false
	}
	if c.s.opts.NotModified304 {
		c.w.WriteHeader(http.StatusNotModified)
	} else {
		noContent(c.w)
	}
	return true
}

func firstVal(n *qnode) string {
	if n == nil || len(n.vals) == 0 {
		return ""
	}
	return n.vals[0]
}

func (f *entityFilter) match(v view) bool {
	in := func(set map[int]bool, x int) bool { return set == nil || set[x] }
	if !in(f.ids, v.id) || !in(f.createdBy, v.createdBy) || !in(f.updatedBy, v.updatedBy) || !in(f.resp, v.resp) {
		return false
	}
	if f.names != nil && !f.names[strings.ToLower(v.name)] {
		return false
	}
	if !f.createdAt.match(v.createdAt) || !f.updatedAt.match(v.updatedAt) {
		return false
	}
	if f.since != 0 && v.updatedAt <= f.since {
		return false
	}
	optMatch := func(r *rng, x *int64) bool {
		if r == nil {
			return true
		}
		return x != nil && r.match(*x)
	}
	if !optMatch(f.closestTaskAt, v.closestTaskAt) {
		return false
	}
	if v.isLead {
		if !f.price.matchFloat(v.price) || !in(f.pipelines, v.pipelineID) || !optMatch(f.closedAt, v.closedAt) {
			return false
		}
		if len(f.statuses) > 0 {
			hit := false
			for _, ps := range f.statuses {
				if (ps[0] == 0 || ps[0] == v.pipelineID) && (ps[1] == 0 || ps[1] == v.statusID) {
					hit = true
					break
				}
			}
			if !hit {
				return false
			}
		}
	}
	if f.query != "" && !matchQuery(f.query, v.name, v.cfv) {
		return false
	}
	return true
}

func sortViews(vs []view, field string, desc bool) {
	orderBy(vs, func(v view) (int64, int) {
		switch field {
		case "created_at":
			return v.createdAt, v.id
		case "updated_at":
			return v.updatedAt, v.id
		}
		return int64(v.id), v.id
	}, desc)
}

// orderBy sorts xs stably by key, ties broken by id, as Kommo's
// order[field]=asc|desc does.
func orderBy[T any](xs []T, key func(T) (k int64, id int), desc bool) {
	sort.SliceStable(xs, func(i, j int) bool {
		a, ai := key(xs[i])
		b, bi := key(xs[j])
		if a == b {
			a, b = int64(ai), int64(bi)
		}
		if desc {
			return a > b
		}
		return a < b
	})
}

func (c *call) listEntities(entity string) {
	page, limit, ok := c.paging(250)
	if !ok {
		return
	}
	f, ok := c.entityFilter()
	if !ok {
		return
	}
	field, desc := c.order("id", "created_at", "updated_at")
	with := c.with()
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if with["only_deleted"] {
		noContent(c.w)
		return
	}
	var vs []view
	for _, v := range s.views(entity) {
		if f.match(v) {
			vs = append(vs, v)
		}
	}
	if c.notModified(f.since, len(vs)) {
		return
	}
	sortViews(vs, field, desc)
	start := (page - 1) * limit
	items := make([]any, len(vs))
	for i, v := range vs {
		if i >= start && i < start+limit {
			items[i] = s.entityJSON(entity, v.id, with)
		}
	}
	c.writePage(entity, items, page, limit, nil)
}

// jsonInt returns an int as the json.Number the body decoder produces.
func jsonInt(i int) any { return json.Number(strconv.Itoa(i)) }
