package kommotest

import (
	"net/http"
	"strconv"
	"strings"
)

// fieldTypes are the custom field types accepted by POST custom_fields.
var fieldTypes = map[string]bool{
	"text": true, "numeric": true, "checkbox": true, "select": true, "multiselect": true, "multitext": true,
	"date": true, "url": true, "textarea": true, "radiobutton": true, "streetaddress": true,
	"smart_address": true, "birthday": true, "legal_entity": true, "date_time": true, "price": true,
	"category": true, "items": true, "tracking_data": true, "linked_entity": true, "org_legal_name": true,
	"monetary": true, "chained_list": true, "file": true, "payer": true, "supplier": true,
}

func (s *Server) customFieldJSON(entity string, f CustomField) map[string]any {
	var enums any
	if f.Enums != nil {
		list := make([]any, 0, len(f.Enums))
		for _, e := range f.Enums {
			m := map[string]any{"id": e.ID, "value": e.Value, "sort": e.Sort}
			if e.Code != "" && e.Code != e.Value {
				m["code"] = e.Code
			}
			list = append(list, m)
		}
		enums = list
	}
	return map[string]any{
		"id":                f.ID,
		"name":              f.Name,
		"type":              f.Type,
		"account_id":        s.st.Account.ID,
		"code":              nilIfEmpty(f.Code),
		"sort":              f.Sort,
		"is_api_only":       f.IsAPIOnly,
		"enums":             enums,
		"group_id":          nil,
		"required_statuses": []any{},
		"is_deletable":      f.IsDeletable,
		"is_predefined":     f.IsPredefined,
		"entity_type":       entity,
		"remind":            nil,
		"currency":          nil,
		"triggers":          []any{},
		"hidden_statuses":   []any{},
		"chained_lists":     nil,
		"tracking_callback": nil,
		"_links":            s.selfLinks("/api/v4/" + entity + "/custom_fields/" + strconv.Itoa(f.ID)),
	}
}

// cfPageSize is the most fields a custom fields page holds: amoCRM's docs
// say the list "returns up to 50 fields per request" whatever limit
// (≤ 250) says; clients follow _links.next. A smaller limit is kept.
const cfPageSize = 50

func (c *call) listCustomFields(entity string) {
	page, limit, ok := c.paging(250)
	if !ok {
		return
	}
	limit = min(limit, cfPageSize)
	var types map[string]bool
	if n := c.q.get("filter", "type"); n != nil {
		types = map[string]bool{}
		for _, v := range n.list(true) {
			types[v] = true
		}
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []any
	for _, f := range s.st.CustomFields[entity] {
		if types != nil && !types[f.Type] {
			continue
		}
		items = append(items, s.customFieldJSON(entity, f))
	}
	pages := (len(items) + limit - 1) / limit
	extra := map[string]any{"_total_items": len(items), "_page_count": pages}
	c.writePage("custom_fields", items, page, limit, extra)
}

func (c *call) getCustomField(entity string, id int) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fieldByID(entity, id)
	if f == nil {
		c.notFound()
		return
	}
	writeJSON(c.w, http.StatusOK, s.customFieldJSON(entity, *f))
}

func (c *call) createCustomFields(entity string) {
	items, ok := c.batch(250)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep report
	fields := make([]CustomField, len(items))
	reqIDs := make([]string, len(items))
	for i, m := range items {
		ck := &checker{}
		f := CustomField{Sort: 500, IsDeletable: true, EntityType: entity}
		if name := optString(m, "name", ck, "name"); name != nil && strings.TrimSpace(*name) != "" {
			f.Name = *name
		} else if len(ck.errs) == 0 {
			ck.blank("name")
		}
		typ := optString(m, "type", ck, "type")
		switch {
		case typ == nil:
			ck.blank("type")
		case !fieldTypes[*typ] || (*typ == "multitext" && entity == "leads"):
			ck.choice("type")
		default:
			f.Type = *typ
		}
		if code := optString(m, "code", ck, "code"); code != nil && *code != "" {
			if s.fieldByCode(entity, *code) != nil {
				ck.add("code", CodeNotSupportedChoice, "A field with this code already exists.")
			}
			f.Code = *code
		}
		if v := optInt(m, "sort", ck, "sort"); v != nil {
			f.Sort = int(*v)
		}
		if b := optBool(m, "is_api_only", ck, "is_api_only"); b != nil {
			f.IsAPIOnly = *b
		}
		if raw, has := m["enums"]; has && raw != nil {
			arr, isArr := raw.([]any)
			if !isArr {
				ck.typ("enums", "array")
			}
			for j, e := range arr {
				em, isObj := e.(map[string]any)
				p := "enums." + strconv.Itoa(j)
				if !isObj {
					ck.typ(p, "object")
					continue
				}
				val := optString(em, "value", ck, p+".value")
				if val == nil {
					ck.blank(p + ".value")
					continue
				}
				en := Enum{Value: *val, Sort: 500 + j}
				if v := optInt(em, "sort", ck, p+".sort"); v != nil {
					en.Sort = int(*v)
				}
				if code := optString(em, "code", ck, p+".code"); code != nil {
					en.Code = *code
				}
				f.Enums = append(f.Enums, en)
			}
		}
		fields[i] = f
		reqIDs[i] = requestID(m, i)
		rep.addItem(reqIDs[i], ck)
	}
	if rep.failed() {
		writeValidation(c.w, rep.items)
		return
	}
	out := make([]any, 0, len(fields))
	for i, f := range fields {
		f.ID = s.nextID("custom_fields")
		for j := range f.Enums {
			f.Enums[j].ID = s.nextID("enums")
		}
		s.st.CustomFields[entity] = append(s.st.CustomFields[entity], f)
		item := s.customFieldJSON(entity, f)
		item["request_id"] = reqIDs[i]
		out = append(out, item)
	}
	s.commit()
	writeJSON(c.w, http.StatusCreated, map[string]any{
		"_total_items": len(out),
		"_links":       s.selfLinks("/api/v4/" + entity + "/custom_fields"),
		"_embedded":    map[string]any{"custom_fields": out},
	})
}
