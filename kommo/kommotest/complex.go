package kommotest

import (
	"net/http"
	"strings"
)

// complexItem is one validated lead of POST /leads/complex.
type complexItem struct {
	reqID            string
	lead             *entityInput
	contact, company *entityInput
	contactID        int // existing contact given by id
	companyID        int // existing company given by id
}

// complexEmbed parses _embedded.<key> of a complex lead: at most one full
// object, or {id} of an existing entity.
func (s *Server) complexEmbed(entity string, emb map[string]any, ck *checker) (*entityInput, int) {
	raw, ok := emb[entity]
	if !ok || raw == nil {
		return nil, 0
	}
	p := "_embedded." + entity
	arr, ok := raw.([]any)
	if !ok {
		ck.typ(p, "array")
		return nil, 0
	}
	if len(arr) == 0 {
		return nil, 0
	}
	if len(arr) > 1 {
		ck.add(p, CodeTooMany, "This collection should contain 1 element or less.")
		return nil, 0
	}
	m, ok := arr[0].(map[string]any)
	if !ok {
		ck.typ(p+".0", "object")
		return nil, 0
	}
	if id := optInt(m, "id", ck, p+".0.id"); id != nil {
		if !s.exists(entity, int(*id)) {
			ck.choice(p + ".0.id")
			return nil, 0
		}
		return nil, int(*id)
	}
	return s.parseEntity(entity, m, ck, false, p+".0", 40), 0
}

// contactKeys returns the digits of phones and lower-cased emails sent in a
// contact's custom fields.
func contactKeys(in *entityInput) (phones, emails []string) {
	for _, ch := range in.cfv {
		for _, v := range ch.values {
			str, _ := v.Value.(string)
			switch ch.def.Code {
			case "PHONE":
				if d := digits(str); d != "" {
					phones = append(phones, d)
				}
			case "EMAIL":
				if e := strings.ToLower(strings.TrimSpace(str)); e != "" {
					emails = append(emails, e)
				}
			}
		}
	}
	return phones, emails
}

// findDuplicate looks for a stored contact (among the first n) with one of
// the phones or emails.
func (s *Server) findDuplicate(n int, phones, emails []string) int {
	if len(phones) == 0 && len(emails) == 0 {
		return 0
	}
	for _, c := range s.st.Contacts[:n] {
		for _, fv := range c.CustomFieldsValues {
			if fv.FieldCode != "PHONE" && fv.FieldCode != "EMAIL" {
				continue
			}
			for _, v := range fv.Values {
				str, _ := v.Value.(string)
				if fv.FieldCode == "PHONE" {
					d := digits(str)
					for _, p := range phones {
						if d != "" && d == p {
							return c.ID
						}
					}
				} else {
					e := strings.ToLower(strings.TrimSpace(str))
					for _, x := range emails {
						if e == x {
							return c.ID
						}
					}
				}
			}
		}
	}
	return 0
}

func (c *call) createComplex() {
	items, ok := c.batch(50)
	if !ok {
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep report
	cis := make([]complexItem, len(items))
	for i, m := range items {
		ck := &checker{}
		ci := complexItem{reqID: requestID(m, i)}
		ci.lead = s.parseEntity("leads", m, ck, false, "", 40)
		if emb, isObj := m["_embedded"].(map[string]any); isObj {
			ci.contact, ci.contactID = s.complexEmbed("contacts", emb, ck)
			ci.company, ci.companyID = s.complexEmbed("companies", emb, ck)
		}
		cis[i] = ci
		rep.addItem(ci.reqID, ck)
	}
	if rep.failed() {
		writeValidation(c.w, rep.items)
		return
	}
	stored := len(s.st.Contacts)
	out := make([]any, 0, len(cis))
	for _, ci := range cis {
		merged := false
		companyID, contactID := ci.companyID, ci.contactID
		newCompany, newContact := false, false
		if ci.company != nil {
			companyID, _ = s.applyEntity("companies", ci.company, c.userID)
			newCompany = true
		}
		if ci.contact != nil {
			phones, emails := contactKeys(ci.contact)
			if dup := s.findDuplicate(stored, phones, emails); dup != 0 {
				contactID, merged = dup, true
			} else {
				contactID, _ = s.applyEntity("contacts", ci.contact, c.userID)
				newContact = true
			}
		}
		if contactID != 0 {
			ci.lead.links = append(ci.lead.links, pendingLink{toType: "contacts", toID: contactID, isMain: true})
		}
		if companyID != 0 {
			ci.lead.links = append(ci.lead.links, pendingLink{toType: "companies", toID: companyID})
		}
		leadID, _ := s.applyEntity("leads", ci.lead, c.userID)
		if newContact && newCompany {
			s.addLink("contacts", contactID, "companies", companyID, false, c.userID)
		}
		var cid, coid any
		if contactID != 0 {
			cid = contactID
		}
		if companyID != 0 {
			coid = companyID
		}
		out = append(out, map[string]any{"id": leadID, "contact_id": cid, "company_id": coid,
			"request_id": []string{ci.reqID}, "merged": merged})
	}
	s.commit()
	writeJSON(c.w, http.StatusOK, out)
}
