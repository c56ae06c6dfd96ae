package kommotest

import (
	"strconv"
	"strings"
	"testing"
)

// TestDeleteLogsAnEvent: Delete removes a lead from lists and reads and
// logs lead_deleted by the given user; it is not an API write.
func TestDeleteLogsAnEvent(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(200, "POST", "/api/v4/leads", `[{"name":"Gone"},{"name":"Stays"}]`)
	id := int(dig(r.json(t), "_embedded", "leads", 0, "id").(float64))
	writes := e.srv.Stats().Writes
	if err := e.srv.Delete("leads", id, SeedUserBoris); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Delete("leads", id, SeedUserBoris); err == nil {
		t.Error("deleting twice: no error")
	}
	if w := e.srv.Stats().Writes; w != writes {
		t.Errorf("Delete counted %d API writes", w-writes)
	}
	e.must(204, "GET", "/api/v4/leads/"+strconv.Itoa(id), nil)
	list := string(e.must(200, "GET", "/api/v4/leads", nil).body)
	if strings.Contains(list, `"Gone"`) || !strings.Contains(list, `"Stays"`) {
		t.Errorf("list after delete: %s", list)
	}
	ev := string(e.must(200, "GET", "/api/v4/events?filter[type]=lead_deleted", nil).body)
	if !strings.Contains(ev, `"entity_id":`+strconv.Itoa(id)) || !strings.Contains(ev, `"created_by":1002`) {
		t.Errorf("events: %s", ev)
	}
}
