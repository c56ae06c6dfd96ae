package kommotest

import (
	"net/http"
	"strings"
)

func (c *call) listTags(entity string) {
	page, limit, ok := c.paging(250)
	if !ok {
		return
	}
	ids, ok := c.q.intSet(false, "filter", "id")
	if !ok {
		c.badRequest("filter[id] must contain integers")
		return
	}
	name, hasName := c.q.str("filter", "name")
	query, _ := c.q.str("query")
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []any
	for _, t := range s.st.Tags[entity] {
		if ids != nil && !ids[t.ID] {
			continue
		}
		if hasName && !strings.EqualFold(t.Name, name) {
			continue
		}
		if query != "" && !strings.Contains(strings.ToLower(t.Name), strings.ToLower(query)) {
			continue
		}
		items = append(items, map[string]any{"id": t.ID, "name": t.Name, "color": t.Color})
	}
	c.writePage("tags", items, page, limit, nil)
}

func (c *call) createTags(entity string) {
	items, ok := c.batch(250)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep report
	type tagIn struct {
		name, reqID string
		color       *string
	}
	ins := make([]tagIn, len(items))
	for i, m := range items {
		ck := &checker{}
		name := optString(m, "name", ck, "name")
		if name == nil || strings.TrimSpace(*name) == "" {
			if len(ck.errs) == 0 {
				ck.blank("name")
			}
		} else {
			ins[i].name = strings.TrimSpace(*name)
		}
		ins[i].color = optString(m, "color", ck, "color")
		ins[i].reqID = requestID(m, i)
		rep.addItem(ins[i].reqID, ck)
	}
	if rep.failed() {
		writeValidation(c.w, rep.items)
		return
	}
	out := make([]any, 0, len(ins))
	for _, in := range ins {
		t := s.resolveTag(entity, tagRef{name: in.name})
		if in.color != nil {
			for i := range s.st.Tags[entity] {
				if s.st.Tags[entity][i].ID == t.ID && s.st.Tags[entity][i].Color == nil {
					col := *in.color
					s.st.Tags[entity][i].Color = &col
					t.Color = &col
				}
			}
		}
		out = append(out, map[string]any{"id": t.ID, "name": t.Name, "color": t.Color, "request_id": in.reqID})
	}
	s.commit()
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_total_items": len(out),
		"_links":       s.selfLinks("/api/v4/" + entity + "/tags"),
		"_embedded":    map[string]any{"tags": out},
	})
}
