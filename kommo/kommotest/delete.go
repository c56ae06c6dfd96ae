package kommotest

import (
	"fmt"
	"slices"
)

// Delete removes a lead, contact or company as a user does in Kommo's
// interface (the API has no delete for them): the record leaves every
// list and read, its links go, and a lead_deleted, contact_deleted or
// company_deleted event by user "by" is logged, which is how API clients
// learn of deletions. It is a test hook, not an API route.
func (s *Server) Delete(entity string, id, by int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.idx[entity][id]
	if !ok {
		return fmt.Errorf("kommotest: no %s %d", entity, id)
	}
	switch entity {
	case "leads":
		s.st.Leads = slices.Delete(s.st.Leads, i, i+1)
	case "contacts":
		s.st.Contacts = slices.Delete(s.st.Contacts, i, i+1)
	case "companies":
		s.st.Companies = slices.Delete(s.st.Companies, i, i+1)
	default:
		return fmt.Errorf("kommotest: cannot delete %s", entity)
	}
	s.st.Links = slices.DeleteFunc(s.st.Links, func(l Link) bool {
		return l.EntityType == entity && l.EntityID == id || l.ToEntityType == entity && l.ToEntityID == id
	})
	s.emit(singular[entity]+"_deleted", entity, id, by, nil, nil)
	s.reindex()
	if s.opts.StatePath != "" { // not an API write: Stats.Writes stays
		if err := saveState(s.opts.StatePath, &s.st); err != nil && s.saveErr == nil {
			s.saveErr = err
		}
	}
	return nil
}
