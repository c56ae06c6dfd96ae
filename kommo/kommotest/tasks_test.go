package kommotest

import (
	"testing"
	"time"
)

func TestTasks(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "L"}})
	due := e.clock.Now().Add(24 * time.Hour).Unix()
	r := e.must(200, "POST", "/api/v4/tasks", []any{
		map[string]any{"text": "Call", "complete_till": due, "entity_type": "leads", "entity_id": 10000001},
		map[string]any{"text": "Meet", "complete_till": due - 3600, "task_type_id": SeedTaskTypeMeeting, "responsible_user_id": SeedUserBoris},
		map[string]any{"text": "Quote", "complete_till": due + 3600, "task_type_id": SeedTaskTypeQuote, "entity_type": "leads", "entity_id": 10000001},
	})
	golden(t, "create", r.body)
	r = e.must(200, "GET", "/api/v4/tasks/40000001", nil)
	golden(t, "get", r.body)
	if res, ok := r.obj(t)["result"].([]any); !ok || len(res) != 0 {
		t.Errorf("empty result = %v, want []", r.obj(t)["result"])
	}
	if l := e.srv.Snapshot().Leads[0]; l.ClosestTaskAt == nil || *l.ClosestTaskAt != due {
		t.Errorf("closest_task_at = %v, want %d", l.ClosestTaskAt, due)
	}

	e.clock.Advance(time.Minute)
	r = e.must(200, "PATCH", "/api/v4/tasks/40000001", map[string]any{"is_completed": true, "result": map[string]any{"text": "done"}})
	if num(r.obj(t)["updated_at"]) != int(e.clock.Now().Unix()) {
		t.Errorf("updated_at = %s", r.body)
	}
	r = e.must(200, "GET", "/api/v4/tasks/40000001", nil)
	if dig(r.json(t), "result", "text") != "done" || dig(r.json(t), "is_completed") != true {
		t.Errorf("completed task = %s", r.body)
	}
	if l := e.srv.Snapshot().Leads[0]; l.ClosestTaskAt == nil || *l.ClosestTaskAt != due+3600 {
		t.Errorf("closest_task_at after completion = %v", l.ClosestTaskAt)
	}
	r = e.must(200, "PATCH", "/api/v4/tasks", []any{map[string]any{"id": 40000002, "text": "Meet later"}})
	golden(t, "patch", r.body)

	tests := []struct {
		name, query string
		want        []int
	}{
		{"completed", "filter[is_completed]=1", []int{40000001}},
		{"open", "filter[is_completed]=0", []int{40000002, 40000003}},
		{"type", "filter[task_type][]=2", []int{40000002}},
		{"entity", "filter[entity_type]=leads&filter[entity_id][]=10000001", []int{40000001, 40000003}},
		{"responsible", "filter[responsible_user_id]=1002", []int{40000002}},
		{"order complete_till", "order[complete_till]=asc", []int{40000002, 40000001, 40000003}},
		{"order desc", "order[complete_till]=desc&limit=1", []int{40000003}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.must(200, "GET", "/api/v4/tasks?"+tt.query, nil)
			jsonEqual(t, tt.query, ids(t, r, "tasks"), tt.want)
		})
	}
	e.must(400, "GET", "/api/v4/tasks?filter[entity_id][]=1", nil)

	bad := []struct {
		name  string
		item  map[string]any
		vpath string
	}{
		{"missing text", map[string]any{"complete_till": due}, "text"},
		{"missing complete_till", map[string]any{"text": "x"}, "complete_till"},
		{"bad type", map[string]any{"text": "x", "complete_till": due, "task_type_id": 77}, "task_type_id"},
		{"bad entity", map[string]any{"text": "x", "complete_till": due, "entity_type": "leads", "entity_id": 5}, "entity_id"},
		{"bad entity type", map[string]any{"text": "x", "complete_till": due, "entity_type": "deals", "entity_id": 5}, "entity_type"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.must(400, "POST", "/api/v4/tasks", []any{map[string]any{"text": "fine", "complete_till": due}, tt.item})
			if p := dig(r.json(t), "validation-errors", 0, "errors", 0, "path"); p != tt.vpath {
				t.Errorf("path = %v, want %s (%s)", p, tt.vpath, r.body)
			}
			if rid := dig(r.json(t), "validation-errors", 0, "request_id"); rid != "1" {
				t.Errorf("request_id = %v, want 1", rid)
			}
		})
	}
	if n := len(e.srv.Snapshot().Tasks); n != 3 {
		t.Errorf("tasks = %d, want 3", n)
	}
	e.must(400, "PATCH", "/api/v4/tasks", []any{map[string]any{"text": "no id"}})
	e.must(405, "DELETE", "/api/v4/tasks/40000001", nil)
}

func TestEvents(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "L"}})
	e.clock.Advance(time.Minute)
	e.must(200, "POST", "/api/v4/contacts", []any{map[string]any{"name": "C"}})
	e.clock.Advance(time.Minute)
	e.must(200, "PATCH", "/api/v4/leads/10000001", map[string]any{
		"status_id": SeedStatusSalesQualified, "responsible_user_id": SeedUserChen, "price": 5, "name": "L2",
		"custom_fields_values": []any{map[string]any{"field_id": SeedLeadSource, "values": []any{map[string]any{"enum_id": 620001}}}},
		"tags_to_add":          []any{map[string]any{"name": "hot"}},
	})
	e.must(200, "POST", "/api/v4/leads/10000001/link", []any{map[string]any{"to_entity_id": 20000001, "to_entity_type": "contacts"}})
	e.must(200, "POST", "/api/v4/tasks", []any{map[string]any{"text": "t", "complete_till": 1}})
	e.must(200, "PATCH", "/api/v4/tasks/40000001", map[string]any{"is_completed": true})

	r := e.must(200, "GET", "/api/v4/events?limit=100", nil)
	golden(t, "list", r.body)
	evs := dig(r.json(t), "_embedded", "events").([]any)
	if dig(evs, 0, "type") != "task_completed" || dig(evs, len(evs)-1, "type") != "lead_added" {
		t.Errorf("order: first %v last %v", dig(evs, 0, "type"), dig(evs, len(evs)-1, "type"))
	}
	if _, isStr := dig(evs, 0, "id").(string); !isStr {
		t.Error("event id is not a string")
	}
	if m := r.obj(t); m["_total_items"] != nil {
		t.Error("events list has _total_items")
	}

	typesOf := func(r resp) []any {
		var out []any
		for _, ev := range dig(r.json(t), "_embedded", "events").([]any) {
			out = append(out, dig(ev, "type"))
		}
		return out
	}
	created := e.clock.Now().Unix()
	tests := []struct {
		name, query string
		want        []any
	}{
		{"type array", "filter[type][]=lead_added&filter[type][]=contact_added", []any{"contact_added", "lead_added"}},
		{"type comma", "filter[type]=lead_added,contact_added", []any{"contact_added", "lead_added"}},
		{"custom field generic", "filter[type]=custom_field_value_changed", []any{path("custom_field_%d_value_changed", SeedLeadSource)}},
		{"status changed", "filter[type]=lead_status_changed", []any{"lead_status_changed"}},
		{"entity contact", "filter[entity]=contact", []any{"contact_added"}},
		{"entity id", "filter[entity]=lead&filter[entity_id]=10000001&filter[type]=entity_linked,sale_field_changed",
			[]any{"entity_linked", "sale_field_changed"}},
		{"created_at since", path("filter[created_at]=%d&filter[entity]=task", created), []any{"task_completed", "task_added"}},
		{"created_at range", path("filter[created_at][from]=%d&filter[created_at][to]=%d", created-120, created-90), []any{"lead_added"}},
		{"created_by", "filter[created_by]=1001&filter[type]=contact_added", []any{"contact_added"}},
		{"value_after status", path("filter[value_after][leads_statuses][0][pipeline_id]=%d&filter[value_after][leads_statuses][0][status_id]=%d&filter[type]=lead_status_changed", SeedPipelineSales, SeedStatusSalesQualified), []any{"lead_status_changed"}},
		{"value_after status miss", path("filter[value_after][leads_statuses][0][pipeline_id]=%d&filter[value_after][leads_statuses][0][status_id]=%d&filter[type]=lead_status_changed", SeedPipelineSales, SeedStatusSalesNew), nil},
		{"value_after responsible", "filter[value_after][responsible_user_id]=1003", []any{"entity_responsible_changed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			if tt.want == nil {
				e.must(204, "GET", "/api/v4/events?"+tt.query, nil)
				return
			}
			r := e.must(200, "GET", "/api/v4/events?"+tt.query, nil)
			jsonEqual(t, tt.query, typesOf(r), tt.want)
		})
	}
	e.must(400, "GET", "/api/v4/events?filter[entity_id]=1", nil)
	e.must(400, "GET", "/api/v4/events?filter[entity]=lead,contact&filter[entity_id]=1", nil)
	e.must(400, "GET", "/api/v4/events?filter[entity]=lead&filter[entity_id]=1,2,3,4,5,6,7,8,9,10,11", nil)
	e.must(204, "GET", "/api/v4/events?filter[type]=lead_deleted", nil)

	r = e.must(200, "GET", "/api/v4/events?filter[type]=lead_status_changed&with=lead_name", nil)
	ev := dig(r.json(t), "_embedded", "events", 0)
	jsonEqual(t, "value_after", dig(ev, "value_after"), []any{map[string]any{"lead_status": map[string]any{"id": SeedStatusSalesQualified, "pipeline_id": SeedPipelineSales}}})
	jsonEqual(t, "value_before", dig(ev, "value_before"), []any{map[string]any{"lead_status": map[string]any{"id": SeedStatusSalesNew, "pipeline_id": SeedPipelineSales}}})
	if dig(ev, "_embedded", "entity", "name") != "L2" || dig(ev, "entity_type") != "lead" {
		t.Errorf("event = %v", ev)
	}
	id := dig(ev, "id").(string)
	r = e.must(200, "GET", "/api/v4/events/"+id, nil)
	if dig(r.json(t), "id") != id {
		t.Errorf("GET event = %s", r.body)
	}
	e.must(204, "GET", "/api/v4/events/nope", nil)
}
