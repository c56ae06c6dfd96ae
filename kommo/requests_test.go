package kommo

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEntityRequests: every kind's request carries the id and request_id
// the interface sets into its JSON, and says its kind.
func TestEntityRequests(t *testing.T) {
	for _, e := range []EntityType{EntityLeads, EntityContacts, EntityCompanies, EntityTasks} {
		req, err := NewRequest(e)
		if err != nil {
			t.Fatal(err)
		}
		if req.Kind() != e {
			t.Errorf("NewRequest(%s).Kind() = %s", e, req.Kind())
		}
		req.SetID(42)
		req.SetRequestID("r-7")
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"id":42`) || !strings.Contains(string(b), `"request_id":"r-7"`) {
			t.Errorf("%s request = %s, want its id and request_id", e, b)
		}
		if err := json.Unmarshal([]byte(`{"created_at":1700000000}`), req); err != nil || req.Created() != 1700000000 {
			t.Errorf("%s: Created() = %d, %v; want 1700000000", e, req.Created(), err)
		}
	}
	if _, err := NewRequest(EntityCustomers); err == nil {
		t.Error("NewRequest(customers) = nil error")
	}
}
