package kommotest

import (
	"strconv"
)

func (s *Server) pipeline(id int) *Pipeline {
	for i := range s.st.Pipelines {
		if s.st.Pipelines[i].ID == id {
			return &s.st.Pipelines[i]
		}
	}
	return nil
}

func (s *Server) mainPipeline() *Pipeline {
	for i := range s.st.Pipelines {
		if s.st.Pipelines[i].IsMain {
			return &s.st.Pipelines[i]
		}
	}
	if len(s.st.Pipelines) > 0 {
		return &s.st.Pipelines[0]
	}
	return nil
}

func (s *Server) statusIn(pid, sid int) bool {
	if sid == StatusWon || sid == StatusLost {
		return s.pipeline(pid) != nil
	}
	p := s.pipeline(pid)
	if p == nil {
		return false
	}
	for _, st := range p.Statuses {
		if st.ID == sid {
			return true
		}
	}
	return false
}

// firstStage is the first normal (type 0, open) status of a pipeline.
func firstStage(p *Pipeline) int {
	best, bestSort := 0, 0
	for _, st := range p.Statuses {
		if st.Type != 0 || st.ID == StatusWon || st.ID == StatusLost {
			continue
		}
		if best == 0 || st.Sort < bestSort {
			best, bestSort = st.ID, st.Sort
		}
	}
	if best == 0 && len(p.Statuses) > 0 {
		best = p.Statuses[0].ID
	}
	return best
}

func isClosed(sid int) bool { return sid == StatusWon || sid == StatusLost }

func (s *Server) parseLeadFields(m map[string]any, ck *checker, in *entityInput, prefix string) {
	p := func(k string) string { return join(prefix, k) }
	in.price = optFloat(m, "price", ck, p("price"))
	in.closedAt = optInt(m, "closed_at", ck, p("closed_at"))
	if v, has := m["loss_reason_id"]; has {
		in.lossReasonSet = true
		if v != nil {
			in.lossReason = optInt(m, "loss_reason_id", ck, p("loss_reason_id"))
		}
	}
	pidV := optInt(m, "pipeline_id", ck, p("pipeline_id"))
	sidV := optInt(m, "status_id", ck, p("status_id"))
	curP := 0
	if in.id != 0 {
		curP = s.st.Leads[s.idx["leads"][in.id]].PipelineID
	}
	if pidV != nil && s.pipeline(int(*pidV)) == nil {
		ck.choice(p("pipeline_id"))
		return
	}
	switch {
	case pidV != nil && sidV != nil:
		if !s.statusIn(int(*pidV), int(*sidV)) {
			ck.choice(p("status_id"))
			return
		}
		in.pipelineID, in.statusID = int(*pidV), int(*sidV)
	case sidV != nil:
		sid := int(*sidV)
		if curP != 0 && s.statusIn(curP, sid) {
			in.pipelineID, in.statusID = curP, sid
			return
		}
		if isClosed(sid) {
			if mp := s.mainPipeline(); mp != nil {
				in.pipelineID, in.statusID = mp.ID, sid
				return
			}
		}
		for _, pl := range s.st.Pipelines {
			if s.statusIn(pl.ID, sid) {
				in.pipelineID, in.statusID = pl.ID, sid
				return
			}
		}
		ck.choice(p("status_id"))
	case pidV != nil:
		pid := int(*pidV)
		if pid != curP {
			in.pipelineID, in.statusID = pid, firstStage(s.pipeline(pid))
		}
	default:
		if in.id == 0 {
			if mp := s.mainPipeline(); mp != nil {
				in.pipelineID, in.statusID = mp.ID, firstStage(mp)
			}
		}
	}
}

func (s *Server) applyLeadFields(id int, in *entityInput, created bool, by int, now int64) {
	l := &s.st.Leads[s.idx["leads"][id]]
	if in.price != nil && *in.price != l.Price {
		old := l.Price
		l.Price = *in.price
		if !created {
			s.emit("sale_field_changed", "leads", id, by,
				[]any{map[string]any{"sale_field_value": map[string]any{"sale": old}}},
				[]any{map[string]any{"sale_field_value": map[string]any{"sale": l.Price}}})
			l = &s.st.Leads[s.idx["leads"][id]]
		}
	}
	if in.statusID != 0 && (in.statusID != l.StatusID || in.pipelineID != l.PipelineID) {
		oldS, oldP := l.StatusID, l.PipelineID
		l.StatusID, l.PipelineID = in.statusID, in.pipelineID
		switch {
		case isClosed(l.StatusID) && (created || !isClosed(oldS)):
			t := now
			l.ClosedAt = &t
		case !isClosed(l.StatusID) && isClosed(oldS):
			l.ClosedAt = nil
		}
		if !created {
			s.emit("lead_status_changed", "leads", id, by,
				[]any{map[string]any{"lead_status": map[string]any{"id": oldS, "pipeline_id": oldP}}},
				[]any{map[string]any{"lead_status": map[string]any{"id": in.statusID, "pipeline_id": in.pipelineID}}})
			l = &s.st.Leads[s.idx["leads"][id]]
		}
	}
	if in.closedAt != nil {
		t := *in.closedAt
		l.ClosedAt = &t
	}
	if in.lossReasonSet {
		if in.lossReason == nil {
			l.LossReasonID = nil
		} else {
			v := int(*in.lossReason)
			l.LossReasonID = &v
		}
	}
}

func (s *Server) leadJSON(l Lead, with map[string]bool) map[string]any {
	self := "/api/v4/leads/" + strconv.Itoa(l.ID)
	companies := []any{}
	var contacts []any
	for _, ln := range s.linksOf("leads", l.ID) {
		switch ln.ToEntityType {
		case "companies":
			companies = append(companies, map[string]any{"id": ln.ToEntityID,
				"_links": s.selfLinks("/api/v4/companies/" + strconv.Itoa(ln.ToEntityID))})
		case "contacts":
			contacts = append(contacts, map[string]any{"id": ln.ToEntityID,
				"is_main": ln.Metadata != nil && ln.Metadata.MainContact,
				"_links":  s.selfLinks("/api/v4/contacts/" + strconv.Itoa(ln.ToEntityID))})
		}
	}
	emb := map[string]any{"tags": tagsJSON(l.Tags), "companies": companies}
	if with["contacts"] {
		if contacts == nil {
			contacts = []any{}
		}
		emb["contacts"] = contacts
	}
	if with["loss_reason"] {
		emb["loss_reason"] = []any{}
	}
	if with["catalog_elements"] {
		emb["catalog_elements"] = []any{}
	}
	out := map[string]any{
		"id":                   l.ID,
		"name":                 l.Name,
		"price":                int64(l.Price), // whole units (UNCONFIRMED: truncated or rounded)
		"responsible_user_id":  l.ResponsibleUserID,
		"group_id":             l.GroupID,
		"status_id":            l.StatusID,
		"pipeline_id":          l.PipelineID,
		"loss_reason_id":       l.LossReasonID,
		"created_by":           l.CreatedBy,
		"updated_by":           l.UpdatedBy,
		"created_at":           l.CreatedAt,
		"updated_at":           l.UpdatedAt,
		"closed_at":            l.ClosedAt,
		"closest_task_at":      l.ClosestTaskAt,
		"is_deleted":           l.IsDeleted,
		"custom_fields_values": cfvJSON(l.CustomFieldsValues),
		"score":                nil,
		"account_id":           s.st.Account.ID,
		"labor_cost":           nil,
		"is_price_computed":    false,
		"_links":               s.selfLinks(self),
		"_embedded":            emb,
	}
	// Kommo (2026) also serves the amount with its cents; the official SDK
	// reads it in preference to price.
	out["price_with_minor_units"] = l.Price
	if with["source_id"] {
		out["source_id"] = l.SourceID
	}
	if with["is_price_modified_by_robot"] {
		out["is_price_modified_by_robot"] = false
	}
	return out
}
