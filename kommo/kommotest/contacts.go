package kommotest

import (
	"strconv"
	"strings"
)

// applyContactFields sets first/last name and composes name from them when
// no name was sent. s.mu must be held.
func (s *Server) applyContactFields(id int, in *entityInput, created bool) {
	c := &s.st.Contacts[s.idx["contacts"][id]]
	changed := false
	if in.firstName != nil {
		c.FirstName, changed = *in.firstName, true
	}
	if in.lastName != nil {
		c.LastName, changed = *in.lastName, true
	}
	if in.name == nil && changed {
		c.Name = strings.TrimSpace(c.FirstName + " " + c.LastName)
	}
	if created && in.name != nil && in.firstName == nil && in.lastName == nil {
		c.FirstName = *in.name
	}
}

func (s *Server) contactJSON(x Contact, with map[string]bool) map[string]any {
	companies := []any{}
	var leads []any
	for _, ln := range s.linksOf("contacts", x.ID) {
		switch ln.ToEntityType {
		case "companies":
			companies = append(companies, map[string]any{"id": ln.ToEntityID,
				"_links": s.selfLinks("/api/v4/companies/" + strconv.Itoa(ln.ToEntityID))})
		case "leads":
			leads = append(leads, map[string]any{"id": ln.ToEntityID,
				"_links": s.selfLinks("/api/v4/leads/" + strconv.Itoa(ln.ToEntityID))})
		}
	}
	emb := map[string]any{"tags": tagsJSON(x.Tags), "companies": companies}
	if with["leads"] {
		if leads == nil {
			leads = []any{}
		}
		emb["leads"] = leads
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
		"first_name":           x.FirstName,
		"last_name":            x.LastName,
		"responsible_user_id":  x.ResponsibleUserID,
		"group_id":             x.GroupID,
		"created_by":           x.CreatedBy,
		"updated_by":           x.UpdatedBy,
		"created_at":           x.CreatedAt,
		"updated_at":           x.UpdatedAt,
		"closest_task_at":      x.ClosestTaskAt,
		"is_deleted":           x.IsDeleted,
		"is_unsorted":          x.IsUnsorted,
		"custom_fields_values": cfvJSON(x.CustomFieldsValues),
		"account_id":           s.st.Account.ID,
		"_links":               s.selfLinks("/api/v4/contacts/" + strconv.Itoa(x.ID)),
		"_embedded":            emb,
	}
}
