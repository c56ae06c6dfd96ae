package kommotest

import (
	"net/http"
	"strconv"
)

var linkRank = map[string]int{"leads": 0, "contacts": 1, "companies": 2, "customers": 3, "catalog_elements": 4}

// allowedLinks lists the to_entity_type values each entity may link.
var allowedLinks = map[string]map[string]bool{
	"leads":     {"contacts": true, "companies": true, "catalog_elements": true},
	"contacts":  {"leads": true, "companies": true, "customers": true, "catalog_elements": true},
	"companies": {"leads": true, "contacts": true, "customers": true, "catalog_elements": true},
}

func orient(l Link, entity string, id int) (Link, bool) {
	switch {
	case l.EntityType == entity && l.EntityID == id:
		return l, true
	case l.ToEntityType == entity && l.ToEntityID == id:
		return Link{EntityID: id, EntityType: entity, ToEntityID: l.EntityID, ToEntityType: l.EntityType,
			Metadata: l.Metadata}, true
	}
	return Link{}, false
}

// linksOf returns the links of an entity oriented from it. s.mu must be held.
func (s *Server) linksOf(entity string, id int) []Link {
	var out []Link
	for _, l := range s.st.Links {
		if o, ok := orient(l, entity, id); ok {
			out = append(out, o)
		}
	}
	return out
}

func canonical(from string, fromID int, to string, toID int) Link {
	if linkRank[from] > linkRank[to] {
		from, fromID, to, toID = to, toID, from, fromID
	}
	return Link{EntityType: from, EntityID: fromID, ToEntityType: to, ToEntityID: toID}
}

func (s *Server) findLink(c Link) int {
	for i, l := range s.st.Links {
		if l.EntityType == c.EntityType && l.EntityID == c.EntityID && l.ToEntityType == c.ToEntityType && l.ToEntityID == c.ToEntityID {
			return i
		}
	}
	return -1
}

// addLink links two entities (idempotent) and emits entity_linked. A lead
// keeps at most one company; the first contact of a lead becomes its main
// contact. s.mu must be held.
func (s *Server) addLink(from string, fromID int, to string, toID int, isMain bool, by int) Link {
	c := canonical(from, fromID, to, toID)
	leadContact := c.EntityType == "leads" && c.ToEntityType == "contacts"
	if i := s.findLink(c); i >= 0 {
		if leadContact && isMain {
			s.setMainContact(c.EntityID, c.ToEntityID)
		}
		o, _ := orient(s.st.Links[s.findLink(c)], from, fromID)
		return o
	}
	if c.EntityType == "leads" && c.ToEntityType == "companies" {
		kept := s.st.Links[:0]
		for _, l := range s.st.Links {
			if !(l.EntityType == "leads" && l.EntityID == c.EntityID && l.ToEntityType == "companies") {
				kept = append(kept, l)
			}
		}
		s.st.Links = kept
	}
	if leadContact {
		hasContacts := false
		for _, l := range s.st.Links {
			if l.EntityType == "leads" && l.EntityID == c.EntityID && l.ToEntityType == "contacts" {
				hasContacts = true
			}
		}
		c.Metadata = &LinkMetadata{MainContact: !hasContacts}
	}
	s.st.Links = append(s.st.Links, c)
	if leadContact && isMain {
		s.setMainContact(c.EntityID, c.ToEntityID)
	}
	s.emit("entity_linked", from, fromID, by, nil,
		[]any{map[string]any{"link": map[string]any{"entity": map[string]any{"id": toID, "type": singularOf(to)}}}})
	o, _ := orient(s.st.Links[s.findLink(c)], from, fromID)
	return o
}

func singularOf(entity string) string {
	if sg, ok := singular[entity]; ok {
		return sg
	}
	return entity
}

func (s *Server) setMainContact(leadID, contactID int) {
	for i, l := range s.st.Links {
		if l.EntityType == "leads" && l.EntityID == leadID && l.ToEntityType == "contacts" {
			s.st.Links[i].Metadata = &LinkMetadata{MainContact: l.ToEntityID == contactID}
		}
	}
}

func (s *Server) removeLink(from string, fromID int, to string, toID int, by int) {
	c := canonical(from, fromID, to, toID)
	i := s.findLink(c)
	if i < 0 {
		return
	}
	s.st.Links = append(s.st.Links[:i:i], s.st.Links[i+1:]...)
	s.emit("entity_unlinked", from, fromID, by, nil,
		[]any{map[string]any{"link": map[string]any{"entity": map[string]any{"id": toID, "type": singularOf(to)}}}})
}

func (s *Server) linkJSON(l Link) map[string]any {
	var meta any
	if l.Metadata != nil {
		m := map[string]any{}
		if l.EntityType == "leads" && l.ToEntityType == "contacts" || l.EntityType == "contacts" && l.ToEntityType == "leads" {
			m["main_contact"] = l.Metadata.MainContact
		}
		if l.Metadata.Quantity != nil {
			m["quantity"] = *l.Metadata.Quantity
		}
		if l.Metadata.CatalogID != nil {
			m["catalog_id"] = *l.Metadata.CatalogID
		}
		meta = m
	}
	return map[string]any{"entity_id": l.EntityID, "entity_type": l.EntityType, "to_entity_id": l.ToEntityID,
		"to_entity_type": l.ToEntityType, "metadata": meta}
}

type linkReq struct {
	fromID, toID int
	to           string
	isMain       bool
	quantity     *float64
	catalogID    *int
}

// linkEntities handles POST /{entity}/{id}/link|unlink (id > 0) and the mass
// POST /{entity}/link|unlink (id == 0, items carry entity_id).
func (c *call) linkEntities(entity string, id int, unlink bool) {
	items, ok := c.batch(250)
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
	reqs := make([]linkReq, len(items))
	for i, m := range items {
		ck := &checker{}
		r := linkReq{fromID: id}
		if id == 0 {
			if v := optInt(m, "entity_id", ck, "entity_id"); v == nil {
				if m["entity_id"] == nil {
					ck.blank("entity_id")
				}
			} else if !s.exists(entity, int(*v)) {
				ck.choice("entity_id")
			} else {
				r.fromID = int(*v)
			}
		}
		to := optString(m, "to_entity_type", ck, "to_entity_type")
		switch {
		case to == nil:
			ck.blank("to_entity_type")
		case !allowedLinks[entity][*to]:
			ck.choice("to_entity_type")
		default:
			r.to = *to
		}
		if v := optInt(m, "to_entity_id", ck, "to_entity_id"); v == nil {
			if m["to_entity_id"] == nil {
				ck.blank("to_entity_id")
			}
		} else {
			r.toID = int(*v)
			if _, known := linkRank[r.to]; known && r.to != "customers" && r.to != "catalog_elements" && !s.exists(r.to, r.toID) {
				ck.choice("to_entity_id")
			}
		}
		if meta, isObj := m["metadata"].(map[string]any); isObj {
			if b := optBool(meta, "is_main", ck, "metadata.is_main"); b != nil {
				r.isMain = *b
			}
			if b := optBool(meta, "main_contact", ck, "metadata.main_contact"); b != nil {
				r.isMain = r.isMain || *b
			}
			if q, has := meta["quantity"]; has && q != nil {
				if f, ok := asFloat(q); ok {
					r.quantity = &f
				} else {
					ck.typ("metadata.quantity", "numeric")
				}
			}
			if v := optInt(meta, "catalog_id", ck, "metadata.catalog_id"); v != nil {
				cid := int(*v)
				r.catalogID = &cid
			}
		}
		reqs[i] = r
		rep.addItem(requestID(m, i), ck)
	}
	if rep.failed() {
		writeValidation(c.w, rep.items)
		return
	}
	var out []any
	for _, r := range reqs {
		if unlink {
			s.removeLink(entity, r.fromID, r.to, r.toID, c.userID)
			continue
		}
		l := s.addLink(entity, r.fromID, r.to, r.toID, r.isMain, c.userID)
		if r.quantity != nil || r.catalogID != nil {
			if i := s.findLink(canonical(entity, r.fromID, r.to, r.toID)); i >= 0 {
				md := LinkMetadata{}
				if s.st.Links[i].Metadata != nil {
					md = *s.st.Links[i].Metadata
				}
				md.Quantity, md.CatalogID = r.quantity, r.catalogID
				s.st.Links[i].Metadata = &md
				l.Metadata = &md
			}
		}
		out = append(out, s.linkJSON(l))
	}
	s.commit()
	if unlink {
		noContent(c.w)
		return
	}
	path := "/api/v4/" + entity + "/link"
	if id != 0 {
		path = "/api/v4/" + entity + "/" + strconv.Itoa(id) + "/link"
	}
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_total_items": len(out),
		"_links":       s.selfLinks(path),
		"_embedded":    map[string]any{"links": out},
	})
}

func (c *call) listLinks(entity string, id int) {
	toIDs, ok := c.q.intSet(false, "filter", "to_entity_id")
	if !ok {
		c.badRequest("filter[to_entity_id] must contain integers")
		return
	}
	toType, _ := c.q.str("filter", "to_entity_type")
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.exists(entity, id) {
		c.notFound()
		return
	}
	var out []any
	for _, l := range s.linksOf(entity, id) {
		if toType != "" && l.ToEntityType != toType {
			continue
		}
		if toIDs != nil && !toIDs[l.ToEntityID] {
			continue
		}
		out = append(out, s.linkJSON(l))
	}
	if len(out) == 0 {
		noContent(c.w)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_total_items": len(out),
		"_links":       s.selfLinks("/api/v4/" + entity + "/" + strconv.Itoa(id) + "/links"),
		"_embedded":    map[string]any{"links": out},
	})
}
