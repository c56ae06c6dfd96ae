package kommotest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLeadsCreateAndRead(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/contacts", []any{map[string]any{"name": "Ann"}})
	e.must(200, "POST", "/api/v4/companies", []any{map[string]any{"name": "Acme"}})
	r := e.must(200, "POST", "/api/v4/leads", []any{
		map[string]any{
			"name": "Deal", "price": 1500, "responsible_user_id": SeedUserBoris,
			"custom_fields_values": []any{
				map[string]any{"field_id": SeedLeadSource, "field_code": nil, "values": []any{map[string]any{"enum_code": "REFERRAL"}}},
				map[string]any{"field_id": SeedLeadProducts, "values": []any{map[string]any{"enum_id": 620011}, map[string]any{"value": "Services"}}},
				map[string]any{"field_id": SeedLeadCloseDate, "values": []any{map[string]any{"value": "2024-01-02T00:00:00+00:00"}}},
				map[string]any{"field_id": SeedLeadBudget, "values": []any{map[string]any{"value": "12.5"}}},
				map[string]any{"field_id": SeedLeadPriority, "values": []any{map[string]any{"value": true}}},
				map[string]any{"field_id": SeedLeadChannel, "values": []any{map[string]any{"value": "Chat"}}},
			},
			"_embedded": map[string]any{
				"tags":      []any{map[string]any{"name": "vip"}},
				"contacts":  []any{map[string]any{"id": 20000001, "is_main": true}},
				"companies": []any{map[string]any{"id": 30000001}},
			},
			"request_id": "row-1",
		},
		map[string]any{},
	})
	golden(t, "create", r.body)
	got := ids(t, r, "leads")
	if len(got) != 2 || got[0] != 10000001 || got[1] != 10000002 {
		t.Fatalf("created ids = %v", got)
	}

	r = e.must(200, "GET", "/api/v4/leads/10000001?with=contacts", nil)
	golden(t, "get", r.body)
	m := r.obj(t)
	if num(m["status_id"]) != SeedStatusSalesNew || num(m["pipeline_id"]) != SeedPipelineSales {
		t.Errorf("default status = %v/%v", m["status_id"], m["pipeline_id"])
	}
	if dig(m, "_embedded", "contacts", 0, "is_main") != true || num(dig(m, "_embedded", "companies", 0, "id")) != 30000001 {
		t.Errorf("embedded = %v", m["_embedded"])
	}
	r = e.must(200, "GET", "/api/v4/leads/10000002", nil)
	m = r.obj(t)
	if m["custom_fields_values"] != nil {
		t.Errorf("empty custom_fields_values = %v, want null", m["custom_fields_values"])
	}
	if tags, _ := dig(m, "_embedded", "tags").([]any); tags == nil || len(tags) != 0 {
		t.Errorf("_embedded.tags = %v, want []", dig(m, "_embedded", "tags"))
	}
	if _, has := dig(m, "_embedded").(map[string]any)["contacts"]; has {
		t.Error("contacts present without with=contacts")
	}

	st := e.srv.Snapshot()
	l := st.Leads[0]
	if l.Price != 1500 || l.ResponsibleUserID != SeedUserBoris || len(l.Tags) != 1 || l.Tags[0].Name != "vip" {
		t.Errorf("stored lead = %+v", l)
	}
	byID := map[int]FieldValues{}
	for _, fv := range l.CustomFieldsValues {
		byID[fv.FieldID] = fv
	}
	if v := byID[SeedLeadCloseDate].Values[0].Value; v != int64(1704153600) {
		t.Errorf("date stored = %#v, want int64 1704153600", v)
	}
	if v := byID[SeedLeadSource].Values[0]; v.EnumID != 620002 || v.Value != "Referral" {
		t.Errorf("select stored = %+v", v)
	}
	if n := len(byID[SeedLeadProducts].Values); n != 2 {
		t.Errorf("multiselect values = %d, want 2", n)
	}
	if v := byID[SeedLeadPriority].Values[0].Value; v != true {
		t.Errorf("checkbox = %#v", v)
	}
}

func TestLeadsUpdate(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "A", "custom_fields_values": []any{
		map[string]any{"field_id": SeedLeadExternalID, "values": []any{map[string]any{"value": "X1"}}},
		map[string]any{"field_id": SeedLeadBudget, "values": []any{map[string]any{"value": 10}}},
	}, "_embedded": map[string]any{"tags": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}}})
	e.clock.Advance(time.Minute)

	tests := []struct {
		name  string
		body  map[string]any
		check func(t *testing.T, l Lead)
	}{
		{"rename", map[string]any{"name": "B"}, func(t *testing.T, l Lead) {
			if l.Name != "B" || len(l.CustomFieldsValues) != 2 {
				t.Errorf("lead = %+v", l)
			}
		}},
		{"clear field null", map[string]any{"custom_fields_values": []any{
			map[string]any{"field_id": SeedLeadBudget, "values": nil}}}, func(t *testing.T, l Lead) {
			if len(l.CustomFieldsValues) != 1 || l.CustomFieldsValues[0].FieldID != SeedLeadExternalID {
				t.Errorf("cfv = %+v", l.CustomFieldsValues)
			}
		}},
		{"replace values", map[string]any{"custom_fields_values": []any{
			map[string]any{"field_id": SeedLeadExternalID, "values": []any{map[string]any{"value": "X2"}}}}}, func(t *testing.T, l Lead) {
			if l.CustomFieldsValues[0].Values[0].Value != "X2" {
				t.Errorf("cfv = %+v", l.CustomFieldsValues)
			}
		}},
		{"clear field empty", map[string]any{"custom_fields_values": []any{
			map[string]any{"field_id": SeedLeadExternalID, "values": []any{}}}}, func(t *testing.T, l Lead) {
			if l.CustomFieldsValues != nil {
				t.Errorf("cfv = %+v, want nil", l.CustomFieldsValues)
			}
		}},
		{"tags add delete", map[string]any{"tags_to_add": []any{map[string]any{"name": "c"}}, "tags_to_delete": []any{map[string]any{"name": "a"}}},
			func(t *testing.T, l Lead) {
				if names := tagNames(l.Tags); names != "b,c" {
					t.Errorf("tags = %s, want b,c", names)
				}
			}},
		{"tags replace", map[string]any{"_embedded": map[string]any{"tags": []any{map[string]any{"name": "z"}}}}, func(t *testing.T, l Lead) {
			if names := tagNames(l.Tags); names != "z" {
				t.Errorf("tags = %s, want z", names)
			}
		}},
		{"tags null clears", map[string]any{"_embedded": map[string]any{"tags": nil}}, func(t *testing.T, l Lead) {
			if len(l.Tags) != 0 {
				t.Errorf("tags = %v", l.Tags)
			}
		}},
		{"move status", map[string]any{"status_id": SeedStatusSalesQualified}, func(t *testing.T, l Lead) {
			if l.StatusID != SeedStatusSalesQualified || l.ClosedAt != nil {
				t.Errorf("lead = %+v", l)
			}
		}},
		{"close won", map[string]any{"status_id": StatusWon}, func(t *testing.T, l Lead) {
			if l.StatusID != StatusWon || l.ClosedAt == nil || l.PipelineID != SeedPipelineSales {
				t.Errorf("lead = %+v", l)
			}
		}},
		{"other pipeline", map[string]any{"pipeline_id": SeedPipelinePartners}, func(t *testing.T, l Lead) {
			if l.StatusID != SeedStatusPartnersContacted || l.ClosedAt != nil {
				t.Errorf("lead = %+v", l)
			}
		}},
		{"responsible", map[string]any{"responsible_user_id": SeedUserChen, "price": 99}, func(t *testing.T, l Lead) {
			if l.ResponsibleUserID != SeedUserChen || l.Price != 99 {
				t.Errorf("lead = %+v", l)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.must(200, "PATCH", "/api/v4/leads/10000001", tt.body)
			m := r.obj(t)
			if num(m["id"]) != 10000001 || num(m["updated_at"]) != int(e.clock.Now().Unix()) {
				t.Errorf("PATCH response = %s", r.body)
			}
			tt.check(t, e.srv.Snapshot().Leads[0])
		})
	}
	t.Run("collection", func(t *testing.T) {
		e := e.sub(t)
		r := e.must(200, "PATCH", "/api/v4/leads", []any{map[string]any{"id": 10000001, "name": "C", "request_id": "r1"}})
		golden(t, "patch_collection", r.body)
	})
}

func tagNames(tags []Tag) string {
	var n []string
	for _, t := range tags {
		n = append(n, t.Name)
	}
	return strings.Join(n, ",")
}

func TestLeadsValidation(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "existing"}})
	cf := func(field any, vals ...any) map[string]any {
		return map[string]any{"custom_fields_values": []any{map[string]any{"field_id": field, "values": vals}}}
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   int
		code   string
		vpath  string
	}{
		{"object to collection", "POST", "/api/v4/leads", map[string]any{"name": "x"}, 400, "", ""},
		{"array to id", "PATCH", "/api/v4/leads/10000001", []any{}, 400, "", ""},
		{"too many", "POST", "/api/v4/leads", make([]any, 251), 422, "", ""},
		{"bad json", "POST", "/api/v4/leads", "[{", 400, "", ""},
		{"unknown field id", "POST", "/api/v4/leads", []any{cf(1, map[string]any{"value": "x"})}, 400, "NotSupportedChoice", "custom_fields_values.0.field_id"},
		{"unknown field code", "POST", "/api/v4/leads", []any{map[string]any{"custom_fields_values": []any{
			map[string]any{"field_id": nil, "field_code": "NOPE", "values": []any{map[string]any{"value": "x"}}}}}}, 400, "NotSupportedChoice", "custom_fields_values.0.field_code"},
		{"bad enum id", "POST", "/api/v4/leads", []any{cf(SeedLeadSource, map[string]any{"enum_id": 1})}, 400, "NotSupportedChoice", "custom_fields_values.0.values.0.enum_id"},
		{"bad enum code", "POST", "/api/v4/leads", []any{cf(SeedLeadSource, map[string]any{"enum_code": "NO"})}, 400, "NotSupportedChoice", "custom_fields_values.0.values.0.enum_code"},
		{"bad option text", "POST", "/api/v4/leads", []any{cf(SeedLeadChannel, map[string]any{"value": "Fax"})}, 400, "NotSupportedChoice", "custom_fields_values.0.values.0.value"},
		{"bad numeric", "POST", "/api/v4/leads", []any{cf(SeedLeadBudget, map[string]any{"value": "abc"})}, 400, "InvalidType", "custom_fields_values.0.values.0.value"},
		{"bad date", "POST", "/api/v4/leads", []any{cf(SeedLeadCloseDate, map[string]any{"value": "soon"})}, 400, "InvalidType", "custom_fields_values.0.values.0.value"},
		{"bad checkbox", "POST", "/api/v4/leads", []any{cf(SeedLeadPriority, map[string]any{"value": "yes"})}, 400, "InvalidType", "custom_fields_values.0.values.0.value"},
		{"bad text", "POST", "/api/v4/leads", []any{cf(SeedLeadExternalID, map[string]any{"value": true})}, 400, "InvalidType", "custom_fields_values.0.values.0.value"},
		{"status not in pipeline", "POST", "/api/v4/leads", []any{map[string]any{"pipeline_id": SeedPipelinePartners, "status_id": SeedStatusSalesNew}}, 400, "NotSupportedChoice", "status_id"},
		{"unknown status", "POST", "/api/v4/leads", []any{map[string]any{"status_id": 5}}, 400, "NotSupportedChoice", "status_id"},
		{"unknown user", "POST", "/api/v4/leads", []any{map[string]any{"responsible_user_id": 4242}}, 400, "NotSupportedChoice", "responsible_user_id"},
		{"bad price", "POST", "/api/v4/leads", []any{map[string]any{"price": "lots"}}, 400, "InvalidType", "price"},
		{"patch without id", "PATCH", "/api/v4/leads", []any{map[string]any{"name": "x"}}, 400, "NotBlank", "id"},
		{"patch unknown id", "PATCH", "/api/v4/leads", []any{map[string]any{"id": 5, "name": "x"}}, 400, "NotFound", "id"},
		{"unknown tag id", "POST", "/api/v4/leads", []any{map[string]any{"_embedded": map[string]any{"tags": []any{map[string]any{"id": 1}}}}}, 400, "NotSupportedChoice", "_embedded.tags.0.id"},
		{"unknown contact", "POST", "/api/v4/leads", []any{map[string]any{"_embedded": map[string]any{"contacts": []any{map[string]any{"id": 1}}}}}, 400, "NotSupportedChoice", "_embedded.contacts.0.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.do(tt.method, tt.path, tt.body)
			if r.status != tt.want {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, r.status, tt.want, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.code == "" {
				return
			}
			m := r.obj(t)
			errs := dig(m, "validation-errors", 0, "errors", 0)
			if dig(m, "validation-errors", 0, "request_id") != "0" || dig(errs, "code") != tt.code || dig(errs, "path") != tt.vpath {
				t.Errorf("validation error = %s, want code %s path %s", r.body, tt.code, tt.vpath)
			}
		})
	}
	if n := len(e.srv.Snapshot().Leads); n != 1 {
		t.Errorf("leads stored = %d, want 1", n)
	}
}

func TestWholeBatchRejected(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("POST", "/api/v4/leads", []any{
		map[string]any{"name": "ok"},
		map[string]any{"name": "bad", "request_id": "b", "custom_fields_values": []any{
			map[string]any{"field_id": SeedLeadSource, "values": []any{map[string]any{"value": "Nope"}}}}},
		map[string]any{"responsible_user_id": 1},
	})
	if r.status != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", r.status)
	}
	golden(t, "validation_error", r.body)
	st := e.srv.Snapshot()
	if len(st.Leads) != 0 || len(st.Events) != 0 || len(st.Tags["leads"]) != 0 {
		t.Errorf("state changed by a rejected batch: %d leads %d events", len(st.Leads), len(st.Events))
	}
}

func TestLeadsList(t *testing.T) {
	e := newEnv(t, nil)
	var batch []any
	for i := 0; i < 5; i++ {
		batch = append(batch, map[string]any{"name": path("Lead %d", i), "price": i * 100})
		e.clock.Advance(time.Second)
	}
	batch[3].(map[string]any)["status_id"] = SeedStatusSalesProposal
	batch[4].(map[string]any)["pipeline_id"] = SeedPipelinePartners
	e.must(200, "POST", "/api/v4/leads", batch)
	e.clock.Advance(time.Hour)
	e.must(200, "PATCH", "/api/v4/leads/10000002", map[string]any{"responsible_user_id": SeedUserChen,
		"custom_fields_values": []any{map[string]any{"field_id": SeedLeadExternalID, "values": []any{map[string]any{"value": "EXT-77"}}}}})

	r := e.must(200, "GET", "/api/v4/leads?limit=2&page=2", nil)
	golden(t, "page2", r.body)
	m := r.obj(t)
	if m["_total_items"] != nil || dig(m, "_links", "next") == nil || dig(m, "_links", "prev") == nil || num(m["_page"]) != 2 {
		t.Errorf("page 2 = %s", r.body)
	}
	e.must(204, "GET", "/api/v4/leads?limit=2&page=4", nil)

	since := e.clock.Now().Unix() - 60
	tests := []struct {
		name  string
		query string
		want  []int
	}{
		{"id brackets", "filter[id][]=10000001&filter[id][]=10000003", []int{10000001, 10000003}},
		{"id indexed", "filter[id][0]=10000002", []int{10000002}},
		{"name", "filter[name]=lead%204", []int{10000005}},
		{"price range", "filter[price][from]=100&filter[price][to]=300", []int{10000002, 10000003, 10000004}},
		{"price exact", "filter[price]=200", []int{10000003}},
		{"responsible", "filter[responsible_user_id][]=1003", []int{10000002}},
		{"updated_at", path("filter[updated_at][from]=%d", since), []int{10000002}},
		{"pipeline", path("filter[pipeline_id][]=%d", SeedPipelinePartners), []int{10000005}},
		{"statuses", path("filter[statuses][0][pipeline_id]=%d&filter[statuses][0][status_id]=%d", SeedPipelineSales, SeedStatusSalesProposal), []int{10000004}},
		{"query cf", "query=ext-77", []int{10000002}},
		{"query name", "query=LEAD%203", []int{10000004}},
		{"order desc", "order[id]=desc&limit=2", []int{10000005, 10000004}},
		{"order updated", "order[updated_at]=desc&limit=1", []int{10000002}},
		{"created_by", "filter[created_by][]=1001&limit=1", []int{10000001}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.must(200, "GET", "/api/v4/leads?"+tt.query, nil)
			jsonEqual(t, tt.query, ids(t, r, "leads"), tt.want)
		})
	}
	e.must(204, "GET", "/api/v4/leads?query=zzz", nil)
	e.must(400, "GET", "/api/v4/leads?filter[id][]=x", nil)
}
