package kommotest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// noteErrors returns the validation errors of a 400 answer as
// "request_id code path" strings.
func noteErrors(t *testing.T, r resp) []string {
	t.Helper()
	if r.status != http.StatusBadRequest || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("status %d %s, want 400 problem+json: %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	var out []string
	for _, it := range dig(r.json(t), "validation-errors").([]any) {
		for _, e := range dig(it, "errors").([]any) {
			out = append(out, fmt.Sprintf("%v %v %v", dig(it, "request_id"), dig(e, "code"), dig(e, "path")))
		}
	}
	return out
}

// TestNoteValidation: a note of an unknown type, or with params of the
// wrong kind for its type, is answered 400 in Kommo's validation shape,
// per request_id, and the whole batch is rejected. What Kommo does not
// document as required (a call's uniq, source, link) may be left out.
func TestNoteValidation(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "L"}})
	const lead = 10000001
	note := func(typ string, params any) map[string]any {
		m := map[string]any{"entity_id": lead, "note_type": typ}
		if params != nil {
			m["params"] = params
		}
		return m
	}
	tests := []struct {
		name string
		item map[string]any
		want string // "" accepted
	}{
		{"unknown type", note("poem", map[string]any{"text": "x"}), "0 NotSupportedChoice note_type"},
		{"no type", map[string]any{"entity_id": lead, "params": map[string]any{"text": "x"}}, "0 NotBlank note_type"},
		{"common without params", note("common", nil), "0 NotBlank params"},
		{"common without text", note("common", map[string]any{"text": ""}), "0 NotBlank params.text"},
		{"common text not a string", note("common", map[string]any{"text": 5}), "0 InvalidType params.text"},
		{"params not an object", note("common", []any{"x"}), "0 InvalidType params"},
		{"call duration not a number", note("call_in", map[string]any{"duration": "long"}), "0 InvalidType params.duration"},
		{"call duration negative", note("call_out", map[string]any{"duration": -1}), "0 NotSupportedChoice params.duration"},
		{"call status out of range", note("call_in", map[string]any{"call_status": 9}), "0 NotSupportedChoice params.call_status"},
		{"call uniq not a string", note("call_in", map[string]any{"uniq": 7}), "0 InvalidType params.uniq"},
		{"sms phone an object", note("sms_in", map[string]any{"phone": map[string]any{}, "text": "x"}), "0 InvalidType params.phone"},
		{"service text a list", note("service_message", map[string]any{"service": "S", "text": []any{}}), "0 InvalidType params.text"},
		{"call with phone only", note("call_in", map[string]any{"phone": "+1", "duration": 60}), ""},
		{"call as the SDK sends it", note("call_out", map[string]any{"uniq": "u-1", "duration": "0", "source": "pbx", "link": nil,
			"phone": 79990001122, "call_result": "ok", "call_status": 4}), ""},
		{"sms", note("sms_out", map[string]any{"phone": "+1", "text": "hi"}), ""},
		{"geolocation with numbers", note("geolocation", map[string]any{"text": "t", "address": "a", "longitude": -13.5, "latitude": "32"}), ""},
		{"read-only type with any params", note("amomail_message", map[string]any{"subject": "s"}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.srv.Snapshot().Notes)
			good := note("common", map[string]any{"text": "fine"})
			good["request_id"] = "ok"
			r := e.do("POST", "/api/v4/leads/notes", []any{tt.item, good})
			after := len(e.srv.Snapshot().Notes)
			if tt.want == "" {
				if r.status != 200 || after != before+2 {
					t.Fatalf("status %d, %d notes added: %s", r.status, after-before, r.body)
				}
				return
			}
			if got := noteErrors(t, r); len(got) != 1 || got[0] != tt.want {
				t.Errorf("errors = %q, want [%q]", got, tt.want)
			}
			if after != before {
				t.Errorf("%d notes added by a rejected batch", after-before)
			}
		})
	}
	// An update checks the params against the stored type.
	id := ids(t, e.must(200, "POST", "/api/v4/leads/notes", []any{note("call_in", map[string]any{"phone": "+1"})}), "notes")[0]
	r := e.do("PATCH", "/api/v4/leads/notes", []any{map[string]any{"id": id, "params": map[string]any{"duration": "x"}}})
	if got := noteErrors(t, r); len(got) != 1 || got[0] != "0 InvalidType params.duration" {
		t.Errorf("update errors = %q", got)
	}
	e.must(200, "PATCH", "/api/v4/leads/notes", []any{map[string]any{"id": id, "note_type": "call_in", "params": map[string]any{"duration": 30}}})
}

// TestNoteDatesAndAuthors: created_at and created_by sent on create are
// kept (updated_at is the time of the write); an unknown author is
// refused.
func TestNoteDatesAndAuthors(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/contacts", []any{map[string]any{"name": "C"}})
	const dated = 1710511320
	r := e.must(200, "POST", "/api/v4/contacts/notes", []any{
		map[string]any{"entity_id": 20000001, "note_type": "common", "params": map[string]any{"text": "old"}, "created_at": dated, "created_by": SeedUserBoris},
		map[string]any{"entity_id": 20000001, "note_type": "common", "params": map[string]any{"text": "new"}},
	})
	got := ids(t, r, "notes")
	one := e.must(200, "GET", fmt.Sprintf("/api/v4/contacts/20000001/notes/%d", got[0]), nil).obj(t)
	if num(one["created_at"]) != dated || num(one["created_by"]) != SeedUserBoris || num(one["updated_at"]) != int(e.clock.Now().Unix()) {
		t.Errorf("dated note = %v", one)
	}
	two := e.must(200, "GET", fmt.Sprintf("/api/v4/contacts/notes/%d", got[1]), nil).obj(t)
	if num(two["created_at"]) != int(e.clock.Now().Unix()) || num(two["created_by"]) != SeedUserAna {
		t.Errorf("undated note = %v", two)
	}
	bad := e.do("POST", "/api/v4/contacts/notes", []any{map[string]any{"entity_id": 20000001, "note_type": "common", "params": map[string]any{"text": "x"}, "created_by": 999}})
	if errs := noteErrors(t, bad); len(errs) != 1 || !strings.HasSuffix(errs[0], " created_by") {
		t.Errorf("unknown author: %q", errs)
	}
	// The per-entity path serves the entity's notes only.
	e.must(204, "GET", fmt.Sprintf("/api/v4/contacts/20000002/notes/%d", got[0]), nil)
	e.must(204, "GET", fmt.Sprintf("/api/v4/leads/20000001/notes/%d", got[0]), nil)
	e.must(404, "POST", "/api/v4/contacts/20000009/notes", []any{map[string]any{"note_type": "common", "params": map[string]any{"text": "x"}}})
}

// TestNoteListFilters checks the notes list's filters, ordering, paging
// and with=is_pinned.
func TestNoteListFilters(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "A"}, map[string]any{"name": "B"}})
	t0 := e.clock.Now().Unix()
	add := func(lead int, typ string, params map[string]any) {
		e.must(200, "POST", "/api/v4/leads/notes", []any{map[string]any{"entity_id": lead, "note_type": typ, "params": params}})
		e.clock.Advance(time.Minute)
	}
	add(10000001, "common", map[string]any{"text": "1"})                   // 50000001 at t0
	add(10000001, "call_in", map[string]any{"phone": "+1"})                // 50000002 at t0+60
	add(10000002, "call_out", map[string]any{"phone": "+2"})               // 50000003 at t0+120
	add(10000002, "common", map[string]any{"text": "4"})                   // 50000004 at t0+180
	add(10000002, "sms_in", map[string]any{"phone": "+3", "text": "five"}) // 50000005 at t0+240
	tests := []struct {
		name, query string
		want        []int
	}{
		{"all", "", []int{50000001, 50000002, 50000003, 50000004, 50000005}},
		{"types", "filter[note_type][]=call_in&filter[note_type][]=call_out", []int{50000002, 50000003}},
		{"type plain", "filter[note_type]=common", []int{50000001, 50000004}},
		{"entity ids", "filter[entity_id][]=10000002", []int{50000003, 50000004, 50000005}},
		{"ids", "filter[id][]=50000002&filter[id][]=50000005", []int{50000002, 50000005}},
		{"updated since", fmt.Sprintf("filter[updated_at]=%d", t0+120), []int{50000003, 50000004, 50000005}},
		{"updated range", fmt.Sprintf("filter[updated_at][from]=%d&filter[updated_at][to]=%d", t0+60, t0+120), []int{50000002, 50000003}},
		{"order desc", "order[id]=desc&filter[entity_id][]=10000001", []int{50000002, 50000001}},
		{"page 2", "limit=2&page=2", []int{50000003, 50000004}},
		{"types and entity", "filter[note_type][]=common&filter[entity_id][]=10000002", []int{50000004}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.must(200, "GET", "/api/v4/leads/notes?"+tt.query, nil)
			jsonEqual(t, tt.query, ids(t, r, "notes"), tt.want)
		})
	}
	r := e.must(200, "GET", "/api/v4/leads/notes?limit=2&page=2", nil)
	if next, _ := dig(r.json(t), "_links", "next", "href").(string); !strings.Contains(next, "page=3") {
		t.Errorf("next = %q", next)
	}
	r = e.must(200, "GET", "/api/v4/leads/notes?limit=2&page=3", nil)
	if dig(r.json(t), "_links", "next") != nil {
		t.Errorf("last page has a next link: %s", r.body)
	}
	e.must(204, "GET", "/api/v4/leads/notes?limit=2&page=4", nil)
	e.must(422, "GET", "/api/v4/leads/notes?limit=251", nil)
	r = e.must(200, "GET", "/api/v4/leads/10000002/notes?filter[note_type][]=sms_in&with=is_pinned", nil)
	if n := dig(r.json(t), "_embedded", "notes", 0); dig(n, "is_pinned") != false || dig(n, "params", "text") != "five" {
		t.Errorf("with=is_pinned: %s", r.body)
	}
	r = e.must(200, "GET", "/api/v4/leads/10000002/notes", nil)
	if _, has := dig(r.json(t), "_embedded", "notes", 0).(map[string]any)["is_pinned"]; has {
		t.Errorf("is_pinned without with: %s", r.body)
	}
}
