package kommotest

import (
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPipelines(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(200, "GET", "/api/v4/leads/pipelines", nil)
	golden(t, "list", r.body)
	m := r.obj(t)
	if num(m["_total_items"]) != 2 || dig(m, "_embedded", "pipelines", 0, "is_main") != true {
		t.Errorf("pipelines = %s", r.body)
	}
	r = e.must(200, "GET", path("/api/v4/leads/pipelines/%d/statuses", SeedPipelinePartners), nil)
	sts := dig(r.json(t), "_embedded", "statuses").([]any)
	last := sts[len(sts)-1]
	if num(dig(last, "id")) != StatusLost || dig(last, "is_editable") != false || num(dig(last, "sort")) != 11000 {
		t.Errorf("last status = %v", last)
	}
	r = e.must(200, "GET", path("/api/v4/leads/pipelines/%d/statuses/%d", SeedPipelineSales, SeedStatusSalesIncoming), nil)
	if num(r.obj(t)["type"]) != 1 || r.obj(t)["description"] == nil {
		t.Errorf("incoming status = %s", r.body)
	}
	e.must(200, "GET", path("/api/v4/leads/pipelines/%d", SeedPipelineSales), nil)
	e.must(204, "GET", "/api/v4/leads/pipelines/1", nil)
	e.must(204, "GET", path("/api/v4/leads/pipelines/%d/statuses/1", SeedPipelineSales), nil)
}

func TestAccountAndUsers(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(200, "GET", "/api/v4/account?with=task_types,users_groups", nil)
	golden(t, "account", r.body)
	tts := dig(r.json(t), "_embedded", "task_types").([]any)
	if len(tts) != 3 || dig(tts, 0, "code") != "FOLLOW_UP" || num(dig(tts, 1, "id")) != 2 {
		t.Errorf("task types = %v", tts)
	}
	r = e.must(200, "GET", "/api/v4/users?limit=2", nil)
	m := r.obj(t)
	if num(m["_total_items"]) != 3 || num(m["_page_count"]) != 2 || dig(m, "_links", "next") == nil {
		t.Errorf("users page = %s", r.body)
	}
	r = e.must(200, "GET", "/api/v4/users/1001", nil)
	if r.obj(t)["email"] != "ana@example.com" {
		t.Errorf("user = %s", r.body)
	}
}

func TestCustomFields(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(200, "GET", "/api/v4/contacts/custom_fields?limit=3", nil)
	golden(t, "contacts_page1", r.body)
	m := r.obj(t)
	if num(m["_total_items"]) != 11 || num(m["_page_count"]) != 4 || num(m["_page"]) != 1 {
		t.Errorf("page = %v %v %v", m["_total_items"], m["_page_count"], m["_page"])
	}
	r = e.must(200, "GET", "/api/v4/contacts/custom_fields?filter[type][]=multitext", nil)
	jsonEqual(t, "multitext", ids(t, r, "custom_fields"), []int{SeedContactPhone, SeedContactEmail})
	r = e.must(200, "GET", path("/api/v4/contacts/custom_fields/%d", SeedContactEmail), nil)
	if r.obj(t)["code"] != "EMAIL" || len(r.obj(t)["enums"].([]any)) != 3 {
		t.Errorf("EMAIL = %s", r.body)
	}
	e.must(204, "GET", "/api/v4/leads/custom_fields/1", nil)

	r = e.must(201, "POST", "/api/v4/leads/custom_fields", []any{map[string]any{"name": "Region", "type": "select",
		"enums": []any{map[string]any{"value": "North"}, map[string]any{"value": "South"}}}})
	golden(t, "create", r.body)
	id := ids(t, r, "custom_fields")[0]
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"custom_fields_values": []any{
		map[string]any{"field_id": id, "values": []any{map[string]any{"value": "South"}}}}}})
	e.must(400, "POST", "/api/v4/leads/custom_fields", []any{map[string]any{"name": "Bad", "type": "multitext"}})
	e.must(400, "POST", "/api/v4/leads/custom_fields", []any{map[string]any{"type": "text"}})
}

func TestOAuth(t *testing.T) {
	client := OAuthClient{ID: "cid", Secret: "sec", RedirectURI: "https://app.test/cb"}
	e := newEnv(t, func(o *Options) { o.OAuthClients = []OAuthClient{client}; o.AccessTokenTTL = time.Hour })
	token := func(body map[string]any) resp {
		return e.doToken("POST", "/oauth2/access_token", body, "")
	}
	base := func(grant string) map[string]any {
		return map[string]any{"client_id": "cid", "client_secret": "sec", "grant_type": grant, "redirect_uri": client.RedirectURI}
	}
	code := e.srv.IssueAuthCode("cid")
	req := base("authorization_code")
	req["code"] = code
	r := token(req)
	if r.status != 200 {
		t.Fatalf("code exchange = %d %s", r.status, r.body)
	}
	m := r.obj(t)
	if m["token_type"] != "Bearer" || num(m["expires_in"]) != 3600 || num(m["server_time"]) != int(e.clock.Now().Unix()) {
		t.Errorf("token response = %s", r.body)
	}
	access, refresh := m["access_token"].(string), m["refresh_token"].(string)
	if strings.Count(access, ".") != 2 {
		t.Errorf("access token %q is not JWT-shaped", access)
	}
	if r := e.doToken("GET", "/api/v4/account", nil, access); r.status != 200 {
		t.Errorf("access token rejected: %d", r.status)
	}
	if r := token(req); r.status != 400 {
		t.Errorf("reused code = %d, want 400", r.status)
	}

	ref := base("refresh_token")
	ref["refresh_token"] = refresh
	r = token(ref)
	if r.status != 200 {
		t.Fatalf("refresh = %d %s", r.status, r.body)
	}
	newRefresh := r.obj(t)["refresh_token"].(string)
	if newRefresh == refresh {
		t.Error("refresh token did not rotate")
	}
	tests := []struct {
		name   string
		mod    func(map[string]any)
		status int
	}{
		{"reused refresh token", func(m map[string]any) {}, 400},
		{"bad secret", func(m map[string]any) { m["client_secret"] = "x"; m["refresh_token"] = newRefresh }, 401},
		{"redirect mismatch", func(m map[string]any) { m["redirect_uri"] = "https://evil"; m["refresh_token"] = newRefresh }, 400},
		{"bad grant", func(m map[string]any) { m["grant_type"] = "password" }, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := base("refresh_token")
			body["refresh_token"] = refresh
			tt.mod(body)
			r := token(body)
			if r.status != tt.status || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("status = %d %q, want %d problem+json", r.status, r.header.Get("Content-Type"), tt.status)
			}
		})
	}
	e.clock.Advance(2 * time.Hour)
	if r := e.doToken("GET", "/api/v4/account", nil, access); r.status != 401 {
		t.Errorf("expired access token = %d, want 401", r.status)
	}
	code = e.srv.IssueAuthCode("cid")
	e.clock.Advance(21 * time.Minute)
	req["code"] = code
	if r := token(req); r.status != 400 {
		t.Errorf("expired code = %d, want 400", r.status)
	}
	// Form-encoded bodies are accepted too.
	form := url.Values{"client_id": {"cid"}, "client_secret": {"sec"}, "grant_type": {"refresh_token"},
		"refresh_token": {newRefresh}, "redirect_uri": {client.RedirectURI}}
	res, err := http.Post(e.ts.URL+"/oauth2/access_token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("form refresh = %d", res.StatusCode)
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	statePath := filepath.Join(dir, "state.json")
	clock := newClock()
	opts := func(o *Options) { o.StatePath = statePath; o.Now = clock.Now }
	e := newEnv(t, opts)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "Persisted", "custom_fields_values": []any{
		map[string]any{"field_id": SeedLeadCloseDate, "values": []any{map[string]any{"value": 1699920000}}}, // a date: a midnight
		map[string]any{"field_id": SeedLeadPriority, "values": []any{map[string]any{"value": true}}},
	}, "_embedded": map[string]any{"tags": []any{map[string]any{"name": "t"}}}}})
	e.must(200, "POST", "/api/v4/companies", []any{map[string]any{"name": "Co", "custom_fields_values": []any{
		map[string]any{"field_id": SeedCompanyLegal, "values": []any{map[string]any{"value": map[string]any{"name": "Co LLC", "entity_type": 2}}}}}}})
	e.must(200, "POST", "/api/v4/leads/10000001/link", []any{map[string]any{"to_entity_id": 30000001, "to_entity_type": "companies"}})
	before := e.srv.Snapshot()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := newEnv(t, opts)
	after := e2.srv.Snapshot()
	if !reflect.DeepEqual(before, after) {
		t.Errorf("state after reload differs:\nbefore %+v\nafter  %+v", before.Leads, after.Leads)
	}
	if v := after.Leads[0].CustomFieldsValues[0].Values[0].Value; v != int64(1699920000) {
		t.Errorf("reloaded date = %#v, want int64", v)
	}
	// Ids continue after the loaded records.
	r := e2.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "Next"}})
	jsonEqual(t, "next id", ids(t, r, "leads"), []int{10000002})
	r = e2.must(200, "GET", "/api/v4/leads?filter[id]=10000001", nil)
	if dig(r.json(t), "_embedded", "leads", 0, "_embedded", "tags", 0, "name") != "t" {
		t.Errorf("reloaded lead = %s", r.body)
	}
}

func TestSnapshotIsCopy(t *testing.T) {
	e := newEnv(t, nil)
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "A"}})
	st := e.srv.Snapshot()
	st.Leads[0].Name = "mutated"
	st.Users[0].Name = "mutated"
	if got := e.srv.Snapshot(); got.Leads[0].Name != "A" || got.Users[0].Name != "Ana Admin" {
		t.Error("Snapshot shares memory with the server")
	}
	// A snapshot seeds another server.
	e2 := newEnv(t, func(o *Options) { o.Seed = &st })
	e2.must(200, "GET", "/api/v4/leads/10000001", nil)
}
