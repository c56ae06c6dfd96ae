package kommotest

import (
	"testing"
)

func TestLinks(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "L"}, map[string]any{"name": "L2"}})
	e.must(200, "POST", "/api/v4/contacts", []any{map[string]any{"name": "C1"}, map[string]any{"name": "C2"}})
	e.must(200, "POST", "/api/v4/companies", []any{map[string]any{"name": "Co1"}, map[string]any{"name": "Co2"}})

	r := e.must(200, "POST", "/api/v4/leads/10000001/link", []any{
		map[string]any{"to_entity_id": 20000001, "to_entity_type": "contacts"},
		map[string]any{"to_entity_id": 20000002, "to_entity_type": "contacts", "metadata": map[string]any{"is_main": true}},
		map[string]any{"to_entity_id": 30000001, "to_entity_type": "companies"},
	})
	golden(t, "link", r.body)
	// A lead has one company: linking another replaces it.
	e.must(200, "POST", "/api/v4/leads/link", []any{map[string]any{"entity_id": 10000001, "to_entity_id": 30000002, "to_entity_type": "companies"}})
	r = e.must(200, "GET", "/api/v4/leads/10000001?with=contacts", nil)
	m := r.obj(t)
	jsonEqual(t, "companies", dig(m, "_embedded", "companies", 0, "id"), 30000002)
	if n := len(dig(m, "_embedded", "companies").([]any)); n != 1 {
		t.Errorf("companies = %d, want 1", n)
	}
	if dig(m, "_embedded", "contacts", 0, "is_main") != false || dig(m, "_embedded", "contacts", 1, "is_main") != true {
		t.Errorf("main contact = %v", dig(m, "_embedded", "contacts"))
	}

	r = e.must(200, "GET", "/api/v4/leads/10000001/links?filter[to_entity_type]=contacts", nil)
	if n := len(dig(r.json(t), "_embedded", "links").([]any)); n != 2 {
		t.Errorf("contact links = %d, want 2", n)
	}
	r = e.must(200, "GET", "/api/v4/contacts/20000002/links", nil)
	jsonEqual(t, "reverse link", dig(r.json(t), "_embedded", "links", 0), map[string]any{"entity_id": 20000002, "entity_type": "contacts",
		"to_entity_id": 10000001, "to_entity_type": "leads", "metadata": map[string]any{"main_contact": true}})

	e.must(204, "POST", "/api/v4/leads/10000001/unlink", []any{map[string]any{"to_entity_id": 20000001, "to_entity_type": "contacts"}})
	e.must(204, "POST", "/api/v4/contacts/unlink", []any{map[string]any{"entity_id": 20000002, "to_entity_id": 10000001, "to_entity_type": "leads"}})
	e.must(204, "GET", "/api/v4/leads/10000001/links?filter[to_entity_type]=contacts", nil)

	bad := []struct {
		name, path string
		item       map[string]any
		vpath      string
	}{
		{"unknown target", "/api/v4/leads/10000001/link", map[string]any{"to_entity_id": 1, "to_entity_type": "contacts"}, "to_entity_id"},
		{"bad type", "/api/v4/leads/10000001/link", map[string]any{"to_entity_id": 10000002, "to_entity_type": "leads"}, "to_entity_type"},
		{"mass unknown entity", "/api/v4/leads/link", map[string]any{"entity_id": 1, "to_entity_id": 20000001, "to_entity_type": "contacts"}, "entity_id"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.must(400, "POST", tt.path, []any{tt.item})
			if p := dig(r.json(t), "validation-errors", 0, "errors", 0, "path"); p != tt.vpath {
				t.Errorf("path = %v, want %s", p, tt.vpath)
			}
		})
	}
	e.must(404, "POST", "/api/v4/leads/1/link", []any{map[string]any{"to_entity_id": 20000001, "to_entity_type": "contacts"}})
}

func TestNotes(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "L"}})
	r := e.must(200, "POST", "/api/v4/leads/notes", []any{map[string]any{"entity_id": 10000001, "note_type": "common", "params": map[string]any{"text": "hello"}}})
	golden(t, "create", r.body)
	e.must(200, "POST", "/api/v4/leads/10000001/notes", []any{map[string]any{"note_type": "call_in", "params": map[string]any{"phone": "+1", "duration": 60}}})
	r = e.must(200, "GET", "/api/v4/leads/10000001/notes", nil)
	golden(t, "list", r.body)
	r = e.must(200, "GET", "/api/v4/leads/notes?filter[note_type]=call_in", nil)
	jsonEqual(t, "ids", ids(t, r, "notes"), []int{50000002})
	e.must(200, "PATCH", "/api/v4/leads/notes/50000001", map[string]any{"params": map[string]any{"text": "edited"}})
	if n := e.srv.Snapshot().Notes[0]; n.Params["text"] != "edited" || n.EntityType != "leads" {
		t.Errorf("note = %+v", n)
	}
	e.must(200, "GET", "/api/v4/leads/notes/50000001", nil)
	e.must(204, "GET", "/api/v4/contacts/notes/50000001", nil)
	e.must(400, "POST", "/api/v4/leads/notes", []any{map[string]any{"entity_id": 1, "note_type": "common"}})
	e.must(400, "POST", "/api/v4/leads/notes", []any{map[string]any{"entity_id": 10000001, "note_type": "poem"}})
	e.must(204, "GET", "/api/v4/contacts/notes", nil)
}

func TestTags(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(200, "POST", "/api/v4/leads/tags", []any{map[string]any{"name": "alpha", "color": "#fff"}, map[string]any{"name": "beta"}})
	golden(t, "create", r.body)
	e.must(200, "POST", "/api/v4/contacts", []any{map[string]any{"name": "C", "_embedded": map[string]any{"tags": []any{map[string]any{"name": "alpha"}}}}})
	tests := []struct {
		name, path string
		want       []int
	}{
		{"all", "/api/v4/leads/tags", []int{80001, 80002}},
		{"by name", "/api/v4/leads/tags?filter[name]=BETA", []int{80002}},
		{"by id", "/api/v4/leads/tags?filter[id][]=80001", []int{80001}},
		{"query", "/api/v4/leads/tags?query=lph", []int{80001}},
		{"per entity", "/api/v4/contacts/tags", []int{80003}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.must(200, "GET", tt.path, nil)
			jsonEqual(t, tt.path, ids(t, r, "tags"), tt.want)
		})
	}
	e.must(204, "GET", "/api/v4/companies/tags", nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"_embedded": map[string]any{"tags": []any{map[string]any{"id": 80002}, "gamma"}}}})
	if got := tagNames(e.srv.Snapshot().Leads[0].Tags); got != "beta,gamma" {
		t.Errorf("lead tags = %s", got)
	}
}
