package kommotest

import (
	"net/http"
	"strconv"
)

func (s *Server) statusJSON(st Status) map[string]any {
	return map[string]any{
		"id":          st.ID,
		"name":        st.Name,
		"sort":        st.Sort,
		"is_editable": st.IsEditable,
		"pipeline_id": st.PipelineID,
		"color":       st.Color,
		"type":        st.Type,
		"description": st.Description,
		"account_id":  s.st.Account.ID,
		"_links": s.selfLinks("/api/v4/leads/pipelines/" + strconv.Itoa(st.PipelineID) +
			"/statuses/" + strconv.Itoa(st.ID)),
	}
}

func (s *Server) pipelineJSON(p Pipeline) map[string]any {
	sts := make([]any, 0, len(p.Statuses))
	for _, st := range p.Statuses {
		sts = append(sts, s.statusJSON(st))
	}
	return map[string]any{
		"id":             p.ID,
		"name":           p.Name,
		"sort":           p.Sort,
		"is_main":        p.IsMain,
		"is_unsorted_on": p.IsUnsortedOn,
		"is_archive":     p.IsArchive,
		"account_id":     s.st.Account.ID,
		"_links":         s.selfLinks("/api/v4/leads/pipelines/" + strconv.Itoa(p.ID)),
		"_embedded":      map[string]any{"statuses": sts},
	}
}

func (c *call) listPipelines() {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	items := make([]any, 0, len(s.st.Pipelines))
	for _, p := range s.st.Pipelines {
		items = append(items, s.pipelineJSON(p))
	}
	if len(items) == 0 {
		noContent(c.w)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_total_items": len(items),
		"_links":       s.selfLinks("/api/v4/leads/pipelines"),
		"_embedded":    map[string]any{"pipelines": items},
	})
}

func (c *call) getPipeline(id int) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pipeline(id)
	if p == nil {
		c.notFound()
		return
	}
	writeJSON(c.w, http.StatusOK, s.pipelineJSON(*p))
}

func (c *call) listStatuses(pid int) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pipeline(pid)
	if p == nil {
		c.notFound()
		return
	}
	items := make([]any, 0, len(p.Statuses))
	for _, st := range p.Statuses {
		items = append(items, s.statusJSON(st))
	}
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_total_items": len(items),
		"_links":       s.selfLinks("/api/v4/leads/pipelines/" + strconv.Itoa(pid) + "/statuses"),
		"_embedded":    map[string]any{"statuses": items},
	})
}

func (c *call) getStatus(pid, sid int) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pipeline(pid); p != nil {
		for _, st := range p.Statuses {
			if st.ID == sid {
				writeJSON(c.w, http.StatusOK, s.statusJSON(st))
				return
			}
		}
	}
	c.notFound()
}

func (s *Server) userJSON(u User, with map[string]bool) map[string]any {
	view := "M"
	if u.IsAdmin {
		view = "A"
	}
	perm := map[string]any{"view": view, "edit": view, "add": "A", "delete": view, "export": view}
	out := map[string]any{
		"id":    u.ID,
		"name":  u.Name,
		"email": u.Email,
		"lang":  u.Lang,
		"rights": map[string]any{
			"leads": perm, "contacts": perm, "companies": perm, "tasks": map[string]any{"edit": view, "delete": view},
			"mail_access": false, "catalog_access": false, "status_rights": []any{},
			"is_admin": u.IsAdmin, "is_free": false, "is_active": u.IsActive, "group_id": nil, "role_id": nil,
		},
		"_links": s.selfLinks("/api/v4/users/" + strconv.Itoa(u.ID)),
	}
	emb := map[string]any{}
	if with["role"] {
		emb["roles"] = []any{}
	}
	if with["group"] {
		emb["groups"] = []any{map[string]any{"id": 0, "name": "Main"}}
	}
	if len(emb) > 0 {
		out["_embedded"] = emb
	}
	if with["uuid"] {
		out["uuid"] = nil
	}
	if with["amojo_id"] {
		out["amojo_id"] = nil
	}
	return out
}

// insufficientRights answers a non-admin token's call of an admin-only
// method (the users API) as Kommo does, and reports whether it did.
func (c *call) insufficientRights() bool {
	if c.admin {
		return false
	}
	writeProblem(c.w, http.StatusForbidden, "Insufficient rights to call this method")
	return true
}

func (c *call) listUsers() {
	if c.insufficientRights() {
		return
	}
	page, limit, ok := c.paging(250)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	with := c.with()
	var items []any
	for _, u := range s.st.Users {
		items = append(items, s.userJSON(u, with))
	}
	pages := (len(items) + limit - 1) / limit
	c.writePage("users", items, page, limit, map[string]any{"_total_items": len(items), "_page_count": pages})
}

func (c *call) getUser(id int) {
	if c.insufficientRights() {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.st.Users {
		if u.ID == id {
			writeJSON(c.w, http.StatusOK, s.userJSON(u, c.with()))
			return
		}
	}
	c.notFound()
}

// getAccount serves GET /api/v4/account. Kommo's with values are
// amojo_id, amojo_rights, users_groups, task_types, version, entity_names,
// datetime_settings and drive_url; others (amoCRM's invoices_settings and
// is_api_filter_enabled, typos) are ignored, not refused.
func (c *call) getAccount() {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.Account
	with := c.with()
	out := map[string]any{
		"id":                         a.ID,
		"name":                       a.Name,
		"subdomain":                  a.Subdomain,
		"created_at":                 a.CreatedAt,
		"created_by":                 a.CreatedBy,
		"updated_at":                 a.CreatedAt,
		"updated_by":                 a.CreatedBy,
		"current_user_id":            c.userID,
		"country":                    a.Country,
		"currency":                   a.Currency,
		"currency_symbol":            a.CurrencySymbol,
		"customers_mode":             "disabled",
		"is_unsorted_on":             true,
		"is_loss_reason_enabled":     true,
		"is_helpbot_enabled":         false,
		"is_technical_account":       false,
		"contact_name_display_order": 1,
		"_links":                     s.selfLinks("/api/v4/account"),
	}
	emb := map[string]any{}
	if with["task_types"] {
		var tts []any
		for _, t := range s.st.TaskTypes {
			tts = append(tts, map[string]any{"id": t.ID, "name": t.Name, "color": t.Color, "icon_id": t.IconID, "code": t.Code})
		}
		emb["task_types"] = tts
	}
	if with["users_groups"] {
		emb["users_groups"] = []any{map[string]any{"id": 0, "name": "Main", "uuid": nil}}
	}
	if with["amojo_id"] {
		out["amojo_id"] = "00000000-0000-0000-0000-000000000000"
	}
	if with["amojo_rights"] {
		out["amojo_rights"] = map[string]any{"can_direct": false, "can_create_groups": false}
	}
	if with["version"] {
		out["version"] = 1
	}
	if with["entity_names"] { // shape UNCONFIRMED
		names := map[string]any{}
		for ent, one := range singular {
			if ent == "leads" || ent == "contacts" || ent == "companies" {
				names[ent] = map[string]any{"en": map[string]any{"gender": "m",
					"singular_form": map[string]any{"default": one}, "plural_form": map[string]any{"default": ent}}}
			}
		}
		emb["entity_names"] = names
	}
	if with["datetime_settings"] {
		// The members of the SDK's DateTimeSettings; the patterns are
		// examples (UNCONFIRMED), the zone is the account's.
		emb["datetime_settings"] = map[string]any{
			"date_pattern": "d.m.Y H:i", "short_date_pattern": "d.m.Y", "short_time_pattern": "H:i",
			"date_format": "d.m.Y", "time_format": "H:i",
			"timezone": s.loc.String(), "timezone_offset": s.now().In(s.loc).Format("-07:00")}
	}
	if with["drive_url"] {
		out["drive_url"] = "https://drive-a.kommo.com"
	}
	if len(emb) > 0 {
		out["_embedded"] = emb
	}
	writeJSON(c.w, http.StatusOK, out)
}
