package kommotest

import (
	"testing"
)

func phoneCF(vals ...map[string]any) map[string]any {
	list := make([]any, len(vals))
	for i, v := range vals {
		list[i] = v
	}
	return map[string]any{"field_code": "PHONE", "field_id": nil, "values": list}
}

func TestContacts(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(200, "POST", "/api/v4/contacts", []any{
		map[string]any{"first_name": "Ann", "last_name": "Lee", "custom_fields_values": []any{
			phoneCF(map[string]any{"value": "+1 (555) 000-1234", "enum_code": "MOB"}, map[string]any{"value": "+15550009999"}),
			map[string]any{"field_code": "EMAIL", "values": []any{map[string]any{"value": "Ann@Example.com", "enum_id": 600012}}},
			map[string]any{"field_id": SeedContactBirthday, "values": []any{map[string]any{"value": 631152000}}},
			map[string]any{"field_id": SeedContactPosition, "values": []any{map[string]any{"value": "CEO"}}},
		}},
		map[string]any{"name": "Bob"},
	})
	golden(t, "create", r.body)
	if got := ids(t, r, "contacts"); len(got) != 2 || got[0] != 20000001 {
		t.Fatalf("ids = %v", got)
	}
	r = e.must(200, "GET", "/api/v4/contacts/20000001", nil)
	golden(t, "get", r.body)
	c := e.srv.Snapshot().Contacts[0]
	if c.Name != "Ann Lee" {
		t.Errorf("composed name = %q, want Ann Lee", c.Name)
	}
	ph := c.CustomFieldsValues[0]
	if ph.FieldCode != "PHONE" || ph.Values[0].EnumCode != "MOB" || ph.Values[1].EnumCode != "WORK" || ph.Values[0].Value != "+1 (555) 000-1234" {
		t.Errorf("phone = %+v", ph)
	}
	if em := c.CustomFieldsValues[1].Values[0]; em.EnumCode != "PRIV" {
		t.Errorf("email = %+v", em)
	}

	tests := []struct {
		name, query string
		want        []int
	}{
		{"phone digits", "5550001234", []int{20000001}},
		{"phone formatted", "555-000-1234", []int{20000001}},
		{"phone tail", "1234", []int{20000001}},
		{"email case", "ann@example.COM", []int{20000001}},
		{"name", "bob", []int{20000002}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.must(200, "GET", "/api/v4/contacts?query="+tt.query, nil)
			jsonEqual(t, "ids", ids(t, r, "contacts"), tt.want)
		})
	}
	e.must(204, "GET", "/api/v4/contacts?query=999999", nil)

	e.must(200, "PATCH", "/api/v4/contacts", []any{map[string]any{"id": 20000002, "last_name": "Brown"}})
	if c := e.srv.Snapshot().Contacts[1]; c.Name != "Bob Brown" && c.Name != "Brown" {
		t.Errorf("name after last_name patch = %q", c.Name)
	}

	bad := []struct {
		name  string
		item  map[string]any
		vpath string
	}{
		{"bad multitext enum", map[string]any{"custom_fields_values": []any{phoneCF(map[string]any{"value": "1", "enum_code": "MOBILE"})}},
			"custom_fields_values.0.values.0.enum_code"},
		{"multitext missing value", map[string]any{"custom_fields_values": []any{phoneCF(map[string]any{"enum_code": "WORK"})}},
			"custom_fields_values.0.values.0.value"},
		{"values missing", map[string]any{"custom_fields_values": []any{map[string]any{"field_id": SeedContactPosition}}},
			"custom_fields_values.0.values"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.must(400, "POST", "/api/v4/contacts", []any{tt.item})
			if p := dig(r.json(t), "validation-errors", 0, "errors", 0, "path"); p != tt.vpath {
				t.Errorf("path = %v, want %s", p, tt.vpath)
			}
		})
	}
	r = e.must(200, "GET", "/api/v4/contacts/20000001?with=leads", nil)
	if l, ok := dig(r.json(t), "_embedded", "leads").([]any); !ok || len(l) != 0 {
		t.Errorf("with=leads embedded = %v", dig(r.json(t), "_embedded"))
	}
}

func TestCompanies(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(200, "POST", "/api/v4/companies", []any{map[string]any{"name": "Acme", "custom_fields_values": []any{
		map[string]any{"field_code": "WEB", "values": []any{map[string]any{"value": "https://acme.test"}}},
		map[string]any{"field_id": SeedCompanySmartAddr, "values": []any{
			map[string]any{"value": "1 Main St", "enum_code": "address_line_1"},
			map[string]any{"value": "Springfield", "enum_code": "city"},
		}},
		map[string]any{"field_id": SeedCompanyLegal, "values": []any{map[string]any{"value": map[string]any{
			"name": "Acme LLC", "entity_type": 2, "vat_id": "123"}}}},
		map[string]any{"field_id": SeedCompanyEmployees, "values": []any{map[string]any{"value": 42}}},
	}}})
	if got := ids(t, r, "companies"); len(got) != 1 || got[0] != 30000001 {
		t.Fatalf("ids = %v", got)
	}
	r = e.must(200, "GET", "/api/v4/companies/30000001", nil)
	golden(t, "get", r.body)
	c := e.srv.Snapshot().Companies[0]
	legal := c.CustomFieldsValues[2].Values[0].Value.(map[string]any)
	if legal["name"] != "Acme LLC" || legal["entity_type"] != float64(2) {
		t.Errorf("legal entity = %#v", legal)
	}
	if v := c.CustomFieldsValues[3].Values[0].Value; v != "42" {
		t.Errorf("numeric = %#v, want \"42\"", v)
	}
	e.must(400, "POST", "/api/v4/companies", []any{map[string]any{"custom_fields_values": []any{
		map[string]any{"field_id": SeedCompanyLegal, "values": []any{map[string]any{"value": map[string]any{"vat_id": "1"}}}}}}})
	e.must(400, "POST", "/api/v4/companies", []any{map[string]any{"custom_fields_values": []any{
		map[string]any{"field_id": SeedCompanySmartAddr, "values": []any{map[string]any{"value": "x", "enum_code": "planet"}}}}}})
}

func TestComplex(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/contacts", []any{map[string]any{"name": "Existing", "custom_fields_values": []any{
		phoneCF(map[string]any{"value": "+7 999 111-22-33"})}}})
	item := func(name, phone string) map[string]any {
		return map[string]any{"name": name, "price": 10, "_embedded": map[string]any{
			"contacts":  []any{map[string]any{"first_name": name + " person", "custom_fields_values": []any{phoneCF(map[string]any{"value": phone})}}},
			"companies": []any{map[string]any{"name": name + " Inc"}},
			"tags":      []any{map[string]any{"name": "web"}},
		}}
	}
	r := e.must(200, "POST", "/api/v4/leads/complex", []any{
		item("New", "+1 555 777"),
		item("Dup", "79991112233"),
		item("Twin", "+1 555 777"), // same as item 0 but dedup is only against stored data
	})
	golden(t, "complex", r.body)
	res := r.json(t).([]any)
	if dig(res, 0, "merged") != false || dig(res, 1, "merged") != true || dig(res, 2, "merged") != false {
		t.Errorf("merged flags = %s", r.body)
	}
	if num(dig(res, 1, "contact_id")) != 20000001 {
		t.Errorf("dup contact_id = %v, want 20000001", dig(res, 1, "contact_id"))
	}
	if rid := dig(res, 0, "request_id", 0); rid != "0" {
		t.Errorf("request_id = %v", rid)
	}
	st := e.srv.Snapshot()
	if len(st.Leads) != 3 || len(st.Contacts) != 3 || len(st.Companies) != 3 {
		t.Errorf("counts leads=%d contacts=%d companies=%d", len(st.Leads), len(st.Contacts), len(st.Companies))
	}
	leadID := num(dig(res, 0, "id"))
	r = e.must(200, "GET", path("/api/v4/leads/%d?with=contacts", leadID), nil)
	m := r.obj(t)
	if dig(m, "_embedded", "contacts", 0, "id") != dig(res, 0, "contact_id") || dig(m, "_embedded", "companies", 0, "id") != dig(res, 0, "company_id") {
		t.Errorf("complex lead links = %v", m["_embedded"])
	}
	r = e.must(200, "GET", path("/api/v4/contacts/%d", num(dig(res, 0, "contact_id"))), nil)
	if dig(r.json(t), "_embedded", "companies", 0, "id") != dig(res, 0, "company_id") {
		t.Error("new contact not linked to new company")
	}

	tooMany := make([]any, 51)
	for i := range tooMany {
		tooMany[i] = map[string]any{"name": "x"}
	}
	e.must(400, "POST", "/api/v4/leads/complex", tooMany)
	r = e.must(400, "POST", "/api/v4/leads/complex", []any{map[string]any{"_embedded": map[string]any{
		"contacts": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}}})
	if p := dig(r.json(t), "validation-errors", 0, "errors", 0, "path"); p != "_embedded.contacts" {
		t.Errorf("two contacts path = %v", p)
	}
	r = e.must(400, "POST", "/api/v4/leads/complex", []any{map[string]any{"_embedded": map[string]any{
		"contacts": []any{map[string]any{"custom_fields_values": []any{phoneCF(map[string]any{"value": "1", "enum_code": "X"})}}}}}})
	if p := dig(r.json(t), "validation-errors", 0, "errors", 0, "path"); p != "_embedded.contacts.0.custom_fields_values.0.values.0.enum_code" {
		t.Errorf("embedded contact path = %v", p)
	}
	if n := len(e.srv.Snapshot().Leads); n != 3 {
		t.Errorf("leads after rejected complex = %d", n)
	}
}
