package kommotest

import "strconv"

func (s *Server) companyJSON(x Company, with map[string]bool) map[string]any {
	var leads, contacts []any
	for _, ln := range s.linksOf("companies", x.ID) {
		switch ln.ToEntityType {
		case "leads":
			leads = append(leads, map[string]any{"id": ln.ToEntityID,
				"_links": s.selfLinks("/api/v4/leads/" + strconv.Itoa(ln.ToEntityID))})
		case "contacts":
			contacts = append(contacts, map[string]any{"id": ln.ToEntityID,
				"_links": s.selfLinks("/api/v4/contacts/" + strconv.Itoa(ln.ToEntityID))})
		}
	}
	emb := map[string]any{"tags": tagsJSON(x.Tags)}
	if with["leads"] {
		if leads == nil {
			leads = []any{}
		}
		emb["leads"] = leads
	}
	if with["contacts"] {
		if contacts == nil {
			contacts = []any{}
		}
		emb["contacts"] = contacts
	}
	if with["catalog_elements"] {
		emb["catalog_elements"] = []any{}
	}
	if with["customers"] {
		emb["customers"] = []any{}
	}
	return map[string]any{
		"id":                   x.ID,
		"name":                 x.Name,
		"responsible_user_id":  x.ResponsibleUserID,
		"group_id":             x.GroupID,
		"created_by":           x.CreatedBy,
		"updated_by":           x.UpdatedBy,
		"created_at":           x.CreatedAt,
		"updated_at":           x.UpdatedAt,
		"closest_task_at":      x.ClosestTaskAt,
		"is_deleted":           x.IsDeleted,
		"custom_fields_values": cfvJSON(x.CustomFieldsValues),
		"account_id":           s.st.Account.ID,
		"_links":               s.selfLinks("/api/v4/companies/" + strconv.Itoa(x.ID)),
		"_embedded":            emb,
	}
}
