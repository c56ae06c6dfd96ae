package kommo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"
)

const testToken = "tok-SECRET-123"

// setup starts a test server with a mux under a path prefix and returns a
// client pointed at it that never sleeps for real; sleeps are recorded.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, *[]time.Duration) {
	t.Helper()
	mux := http.NewServeMux()
	api := http.NewServeMux()
	api.Handle("/prefix/", http.StripPrefix("/prefix", mux))
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request to %s outside the base URL", r.URL)
		http.Error(w, "outside base URL", http.StatusBadGateway)
	})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	sleeps := &[]time.Duration{}
	base := []Option{
		WithToken(testToken),
		WithRateLimit(rate.Inf, 1),
		WithSleep(func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			*sleeps = append(*sleeps, d)
			mu.Unlock()
			return ctx.Err()
		}),
	}
	c, err := NewClient(srv.URL+"/prefix", append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	c.jitter = func() float64 { return 1 } // deterministic: full backoff
	return c, mux, sleeps
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	ct := "application/hal+json"
	if status >= 400 {
		ct = "application/problem+json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func TestNewClientBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "mycompany", want: "https://mycompany.kommo.com/"},
		{in: "MyCompany.kommo.com", want: "https://mycompany.kommo.com/"},
		{in: "http://127.0.0.1:8077", want: "http://127.0.0.1:8077/"},
		{in: "https://proxy.example/kommo/", want: "https://proxy.example/kommo/"},
		{in: "", err: true},
		{in: "bad_sub!", err: true},
		{in: "ftp://x.example", err: true},
		{in: "https://user:pass@x.example", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := NewClient(tt.in)
			if tt.err {
				if err == nil {
					t.Fatalf("NewClient(%q) = %v, want error", tt.in, c.BaseURL())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("NewClient(%q).BaseURL() = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckResponse(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		ctype, body string
		header      map[string]string
		is          []error
		isNot       []error
		contains    string
		validation  []ValidationError
	}{
		{
			name: "validation", status: 400, ctype: "application/problem+json",
			body: `{"validation-errors":[{"request_id":"0","errors":[{"code":"NotSupportedChoice","path":"custom_fields_values.6.values.0.value","detail":"The value you selected is not a valid choice."}]}],"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"Request validation failed"}`,
			is:   []error{ErrValidation, ErrBadRequest}, isNot: []error{ErrServer},
			contains: "request_id 0: custom_fields_values.6.values.0.value: NotSupportedChoice",
			validation: []ValidationError{{RequestID: "0", Errors: []FieldError{{Code: "NotSupportedChoice",
				Path: "custom_fields_values.6.values.0.value", Detail: "The value you selected is not a valid choice."}}}},
		},
		{
			name: "validation numeric request id", status: 400, ctype: "application/problem+json",
			body:       `{"validation-errors":[{"request_id":7,"errors":[{"code":"X","path":"name","detail":"d"}]}],"status":400}`,
			is:         []error{ErrValidation},
			validation: []ValidationError{{RequestID: "7", Errors: []FieldError{{Code: "X", Path: "name", Detail: "d"}}}},
		},
		{
			name: "401", status: 401, ctype: "application/problem+json",
			body: `{"title":"Unauthorized","type":"https://httpstatus.es/401","status":401,"detail":"Invalid user name or password"}`,
			is:   []error{ErrUnauthorized}, isNot: []error{ErrForbidden}, contains: "Invalid user name or password",
		},
		{name: "402", status: 402, ctype: "application/problem+json", body: `{"title":"Payment Required","status":402,"detail":"Account is not paid"}`, is: []error{ErrPaymentRequired}},
		{name: "403 rights", status: 403, ctype: "application/problem+json", body: `{"title":"Forbidden","status":403,"detail":"no rights"}`, is: []error{ErrForbidden}, isNot: []error{ErrAccountBlocked}},
		{
			name: "403 blocked html", status: 403, ctype: "text/html",
			body: "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>",
			is:   []error{ErrForbidden, ErrAccountBlocked}, contains: "403 Forbidden nginx",
		},
		{name: "404", status: 404, ctype: "application/problem+json", body: `{"title":"Not Found","status":404}`, is: []error{ErrNotFound}},
		{
			name: "429 html", status: 429, ctype: "text/html", body: "<html><body><h1>429 Too Many Requests</h1></body></html>",
			is: []error{ErrRateLimited}, contains: "429 Too Many Requests",
		},
		{name: "500 plain", status: 500, ctype: "text/plain", body: "oops", is: []error{ErrServer}, isNot: []error{ErrGatewayTimeout}},
		{name: "502 empty", status: 502, is: []error{ErrServer}},
		{name: "504", status: 504, ctype: "text/html", body: "<h1>504 Gateway Time-out</h1>", is: []error{ErrServer, ErrGatewayTimeout}},
		{name: "json content type, broken body", status: 500, ctype: "application/json", body: `{"title":`, is: []error{ErrServer}, contains: `{"title":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if tt.ctype != "" {
				rec.Header().Set("Content-Type", tt.ctype)
			}
			rec.Header().Set("X-Request-Id", "rid-1")
			rec.WriteHeader(tt.status)
			io.WriteString(rec, tt.body)
			err := CheckResponse(rec.Result())
			if err == nil {
				t.Fatal("CheckResponse = nil, want error")
			}
			for _, target := range tt.is {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false, want true", err, target)
				}
			}
			for _, target := range tt.isNot {
				if errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = true, want false", err, target)
				}
			}
			if tt.contains != "" && !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
			var er *ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("errors.As(%T, *ErrorResponse) = false", err)
			}
			if er.Status != tt.status || er.RequestID != "rid-1" {
				t.Errorf("status, request id = %d, %q; want %d, rid-1", er.Status, er.RequestID, tt.status)
			}
			if diff := cmp.Diff(tt.validation, er.ValidationErrors); diff != "" {
				t.Errorf("validation errors (-want +got):\n%s", diff)
			}
			if tt.status == 429 {
				var rl *RateLimitError
				if !errors.As(err, &rl) || rl.RetryAfter != 0 {
					t.Errorf("429: got %T with RetryAfter, want *RateLimitError with 0", err)
				}
			}
		})
	}
}

func TestCheckResponseBodyIsBounded(t *testing.T) {
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "text/html")
	rec.WriteHeader(502)
	io.WriteString(rec, "<p>"+strings.Repeat("x", 1<<20)+"</p>")
	err := CheckResponse(rec.Result())
	if n := len(err.Error()); n > 1000 {
		t.Errorf("error text is %d bytes, want a short snippet", n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"-1", 0}, {"x", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRequestsCarryTokenOnlyInHeader(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v4/account", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization = %q", got)
		}
		if strings.Contains(r.URL.String(), testToken) {
			t.Errorf("token in URL %s", r.URL)
		}
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "kommo-bulk/") {
			t.Errorf("User-Agent = %q", ua)
		}
		writeJSON(w, 401, `{"title":"Unauthorized","status":401,"detail":"Token expired"}`)
	})
	_, _, err := c.Account.Get(t.Context())
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(fmt.Sprintf("%#v", err), testToken) {
		t.Errorf("error leaks the token: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "kommo: get account: GET /prefix/api/v4/account: 401 Unauthorized: Token expired") {
		t.Errorf("error = %q", err)
	}
}

func TestRetryReadsOn5xxAndNetwork(t *testing.T) {
	c, mux, sleeps := setup(t)
	var n atomic.Int32
	mux.HandleFunc("/api/v4/leads/7", func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			writeJSON(w, 502, `{"status":502}`)
		case 2:
			// A broken answer: Go's transport does not resend this one
			// itself (it would for a connection closed with no bytes).
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			io.WriteString(conn, "garbage\r\n\r\n")
			conn.Close()
		case 3:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(429)
		default:
			writeJSON(w, 200, `{"id":7,"name":"L"}`)
		}
	})
	lead, resp, err := c.Leads.Get(t.Context(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if lead.ID != 7 || resp.Attempts != 4 {
		t.Errorf("lead %d after %d attempts, want 7 after 4", lead.ID, resp.Attempts)
	}
	// Backoff 500ms, 1s, then a 429 waits at least RateLimitWait (1s) but
	// the third backoff (2s) is longer.
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}
	if diff := cmp.Diff(want, *sleeps); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestRetryGivesUp(t *testing.T) {
	c, mux, sleeps := setup(t, WithRetry(RetryPolicy{MaxRetries: 2, MinWait: time.Second, MaxWait: 4 * time.Second}))
	var n atomic.Int32
	mux.HandleFunc("/api/v4/leads", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 503, `{"title":"Service Unavailable","status":503}`)
	})
	_, _, err := c.Leads.List(t.Context(), nil)
	if !errors.Is(err, ErrServer) {
		t.Fatalf("err = %v, want ErrServer", err)
	}
	if n.Load() != 3 || len(*sleeps) != 2 {
		t.Errorf("%d requests, %d sleeps; want 3, 2", n.Load(), len(*sleeps))
	}
}

func TestWritesRetryOnlyOn429(t *testing.T) {
	tests := []struct {
		name      string
		first     int
		wantCalls int32
		wantErr   error
	}{
		{name: "429 is not processed: resend", first: 429, wantCalls: 2},
		{name: "500 may be applied: give up", first: 500, wantCalls: 1, wantErr: ErrServer},
		{name: "504 may be applied: give up", first: 504, wantCalls: 1, wantErr: ErrGatewayTimeout},
		{name: "400 never", first: 400, wantCalls: 1, wantErr: ErrBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t)
			var n atomic.Int32
			var bodies []string
			mux.HandleFunc("/api/v4/contacts", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, "POST")
				b, _ := io.ReadAll(r.Body)
				bodies = append(bodies, string(b))
				if n.Add(1) == 1 {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(tt.first)
					io.WriteString(w, "<html>busy</html>")
					return
				}
				writeJSON(w, 200, `{"_embedded":{"contacts":[{"id":11,"request_id":"r1"}]}}`)
			})
			res, _, err := c.Contacts.Create(t.Context(), []ContactRequest{{Name: "A", RequestID: "r1"}})
			if n.Load() != tt.wantCalls {
				t.Errorf("%d requests, want %d", n.Load(), tt.wantCalls)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res[0].ID != 11 || res[0].RequestID != "r1" {
				t.Errorf("result = %+v", res[0])
			}
			if bodies[0] != bodies[1] || bodies[0] != `[{"name":"A","request_id":"r1"}]` {
				t.Errorf("bodies differ or wrong: %q", bodies)
			}
		})
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	c, mux, _ := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	var n atomic.Int32
	mux.HandleFunc("/api/v4/leads", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		cancel()
		writeJSON(w, 500, `{}`)
	})
	_, _, err := c.Leads.List(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d requests, want 1", n.Load())
	}
}

func TestRateLimiterSpacesRequests(t *testing.T) {
	// The limiter is the one thing in these tests that uses real time; keep
	// it short: 5 requests at 100/s with burst 1 take at least 40 ms.
	c, mux, _ := setup(t, WithRateLimit(100, 1))
	mux.HandleFunc("/api/v4/account", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"id":1}`) })
	start := time.Now()
	for range 5 {
		if _, _, err := c.Account.Get(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 35*time.Millisecond {
		t.Errorf("5 requests at 100/s took %v, want ≥ 40ms", el)
	}
}

func TestListIterFollowsNextAndStaysOnHost(t *testing.T) {
	c, mux, _ := setup(t)
	var pages []string
	mux.HandleFunc("/api/v4/leads", func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Query().Get("page")
		pages = append(pages, r.URL.RawQuery)
		switch p {
		case "", "1":
			// The next link names Kommo's host; the client must stay on ours.
			writeJSON(w, 200, `{"_page":1,"_links":{"next":{"href":"https://evil.example/api/v4/leads?limit=2&page=2&query=x"}},"_embedded":{"leads":[{"id":1},{"id":2}]}}`)
		case "2":
			writeJSON(w, 200, `{"_page":2,"_links":{"next":{"href":"https://example.kommo.com/api/v4/leads?limit=2&page=3&query=x"}},"_embedded":{"leads":[{"id":3},{"id":4}]}}`)
		default:
			w.WriteHeader(204)
		}
	})
	var ids []int
	for l, err := range c.Leads.ListIter(t.Context(), &LeadListOptions{ListOptions: ListOptions{Limit: 2}, EntityFilters: EntityFilters{Query: "x"}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	want := []string{"limit=2&query=x", "limit=2&page=2&query=x", "limit=2&page=3&query=x"}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

func TestListIterStopsEarly(t *testing.T) {
	c, mux, _ := setup(t)
	var n atomic.Int32
	mux.HandleFunc("/api/v4/contacts", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 200, `{"_page":1,"_links":{"next":{"href":"/api/v4/contacts?page=2"}},"_embedded":{"contacts":[{"id":1},{"id":2}]}}`)
	})
	for c := range c.Contacts.ListIter(t.Context(), nil) {
		if c.ID == 1 {
			break
		}
	}
	if n.Load() != 1 {
		t.Errorf("%d requests after break, want 1", n.Load())
	}
}

func TestEmptyListIs204(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v4/companies", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/api/v4/companies/5", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	got, resp, err := c.Companies.List(t.Context(), nil)
	if err != nil || len(got) != 0 || resp.StatusCode != 204 {
		t.Errorf("List = %v, %v, %v; want empty, 204, nil", got, resp.StatusCode, err)
	}
	if _, _, err := c.Companies.Get(t.Context(), 5); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(204) err = %v, want ErrNotFound", err)
	}
}

func TestListQueryEncoding(t *testing.T) {
	yes := true
	tests := []struct {
		name string
		got  url.Values
		want string
	}{
		{
			name: "leads",
			got: (&LeadListOptions{
				ListOptions: ListOptions{Page: 2, Limit: 250},
				EntityFilters: EntityFilters{Query: "+7 999", IDs: []int{1, 2}, Names: []string{"A"}, CreatedBy: []int{3},
					UpdatedBy: []int{4}, ResponsibleUserID: []int{5}, CreatedAt: &Range{From: 10, To: 20}, UpdatedAt: &Range{From: 30},
					ClosestTaskAt: &Range{To: 40}, Order: &Order{Field: "updated_at", Desc: true}},
				Price:       &Range{From: 100, To: 200},
				Statuses:    []StatusFilter{{PipelineID: 7, StatusID: 142}, {PipelineID: 8, StatusID: 80}},
				PipelineIDs: []int{7},
				ClosedAt:    &Range{From: 50, To: 60},
				With:        []string{"contacts", "loss_reason"},
			}).values(),
			want: "filter[closed_at][from]=50&filter[closed_at][to]=60&filter[closest_task_at][to]=40&filter[created_at][from]=10&filter[created_at][to]=20&filter[created_by][]=3&filter[id][]=1&filter[id][]=2&filter[name][]=A&filter[pipeline_id][]=7&filter[price][from]=100&filter[price][to]=200&filter[responsible_user_id][]=5&filter[statuses][0][pipeline_id]=7&filter[statuses][0][status_id]=142&filter[statuses][1][pipeline_id]=8&filter[statuses][1][status_id]=80&filter[updated_at][from]=30&filter[updated_by][]=4&limit=250&order[updated_at]=desc&page=2&query=+7 999&with=contacts,loss_reason",
		},
		{name: "exact price", got: (&LeadListOptions{Price: &Range{From: 5, To: 5}}).values(), want: "filter[price]=5"},
		{name: "nil options", got: (*LeadListOptions)(nil).values(), want: ""},
		{
			name: "tasks",
			got: (&TaskListOptions{IsCompleted: &yes, TaskTypes: []int{1, 2}, EntityType: EntityLeads, EntityIDs: []int{9},
				ResponsibleUserID: []int{3}, UpdatedAt: &Range{From: 1}, Order: &Order{Field: "complete_till"}}).values(),
			want: "filter[entity_id][]=9&filter[entity_type]=leads&filter[is_completed]=1&filter[responsible_user_id][]=3&filter[task_type][]=1&filter[task_type][]=2&filter[updated_at][from]=1&order[complete_till]=asc",
		},
		{
			name: "events",
			got: func() url.Values {
				q, err := (&EventListOptions{ListOptions: ListOptions{Limit: 100}, Types: []string{EventLeadAdded, EventLeadStatusChanged},
					Entities: []string{"lead"}, EntityIDs: []int{1, 2}, CreatedAt: &Range{From: 5, To: 6}, With: []string{"lead_name"}}).values()
				if err != nil {
					t.Fatal(err)
				}
				return q
			}(),
			want: "filter[created_at][from]=5&filter[created_at][to]=6&filter[entity]=lead&filter[entity_id]=1,2&filter[type]=lead_added,lead_status_changed&limit=100&with=lead_name",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := url.QueryUnescape(tt.got.Encode())
			if got != tt.want {
				t.Errorf("query =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEventOptionsChecked(t *testing.T) {
	for _, o := range []*EventListOptions{
		{ListOptions: ListOptions{Limit: 251}},
		{EntityIDs: []int{1}},
		{Types: []string{CustomFieldValueChanged(55), EventLeadAdded}},
		{Types: []string{CustomFieldValueChanged(55), CustomFieldValueChanged(56)}},
		{Entities: []string{"lead", "contact"}, EntityIDs: []int{1}},
		{Entities: []string{"lead"}, EntityIDs: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	} {
		if _, err := o.values(); err == nil {
			t.Errorf("values(%+v) = nil error, want one", o)
		}
	}
}

func TestCustomFieldValuesJSON(t *testing.T) {
	when := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	cfv := CustomFieldValues{
		{FieldCode: CodePhone, Values: []FieldValue{Multitext("+15550001", PhoneWork), Multitext("+15550002", PhoneMobile)}},
		{FieldID: 10, FieldCode: "IGNORED", Values: []FieldValue{Text("hello")}},
		{FieldID: 11, Values: []FieldValue{EnumID(17), EnumCode("B"), OptionText("Gold")}},
		{FieldID: 12, Values: []FieldValue{Date(when)}},
		{FieldID: 13, Values: []FieldValue{Checkbox(true)}},
		{FieldID: 14, Values: []FieldValue{Number(12.5)}},
		{FieldID: 15, Values: []FieldValue{AddressPart(AddressCity, "Berlin")}},
		{FieldID: 16, Values: []FieldValue{LegalEntityValue(LegalEntity{Name: "ACME", EntityType: 2, VATID: "DE1"})}},
		ClearField(17),
		{FieldID: 18, Values: []FieldValue{}},
		{FieldID: 19, Values: []FieldValue{ChainedList(3, 4)}},
	}
	b, err := json.Marshal(cfv)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"field_code":"PHONE","values":[{"value":"+15550001","enum_code":"WORK"},{"value":"+15550002","enum_code":"MOB"}]},` +
		`{"field_id":10,"values":[{"value":"hello"}]},` +
		`{"field_id":11,"values":[{"enum_id":17},{"enum_code":"B"},{"value":"Gold"}]},` +
		`{"field_id":12,"values":[{"value":1577836800}]},` +
		`{"field_id":13,"values":[{"value":true}]},` +
		`{"field_id":14,"values":[{"value":12.5}]},` +
		`{"field_id":15,"values":[{"value":"Berlin","enum_code":"city"}]},` +
		`{"field_id":16,"values":[{"value":{"name":"ACME","entity_type":2,"vat_id":"DE1"}}]},` +
		`{"field_id":17,"values":null},{"field_id":18,"values":null},` +
		`{"field_id":19,"values":[{"catalog_id":3,"catalog_element_id":4}]}]`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
}

func TestCustomFieldValuesReadTolerance(t *testing.T) {
	var c Contact
	err := json.Unmarshal([]byte(`{"id":1,"custom_fields_values":[
		{"field_id":5,"field_name":"Phone","field_code":"PHONE","field_type":"multitext","values":[{"value":"+1 555","enum_id":"48224","enum_code":"WORK"},{"value":"+2","enum":"MOB"}]},
		{"field_id":6,"field_code":null,"field_type":"date","values":[{"value":"2020-01-01T00:00:00+00:00"}]},
		{"field_id":7,"field_code":null,"field_type":"numeric","values":[{"value":"12.50"}]},
		{"field_id":8,"field_type":"checkbox","values":[{"value":true}]},
		{"field_id":9,"field_type":"legal_entity","values":[{"value":{"name":"ACME","vat_id":"1"}}]},
		{"field_id":10,"field_type":"date","values":null},
		{"field_id":11,"field_type":"birthday","values":[{"value":946684800}]}
	]}`), &c)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := c.CustomFieldsValues.Field(0, "phone")
	if !ok || f.Values[0].EnumID != 48224 || f.Values[1].EnumCode != "MOB" || f.FieldType != FieldMultitext {
		t.Errorf("phone = %+v", f)
	}
	if diff := cmp.Diff([]string{"+1 555", "+2"}, f.Strings()); diff != "" {
		t.Errorf("Strings (-want +got):\n%s", diff)
	}
	d, _ := c.CustomFieldsValues.Field(6, "")
	if tm, ok := d.Values[0].Time(); !ok || tm.Unix() != 1577836800 {
		t.Errorf("date Time() = %v, %v", tm, ok)
	}
	n, _ := c.CustomFieldsValues.Field(7, "")
	if v, ok := n.Values[0].Float(); !ok || v != 12.5 {
		t.Errorf("numeric Float() = %v, %v", v, ok)
	}
	cb, _ := c.CustomFieldsValues.Field(8, "")
	if v, ok := cb.Values[0].Bool(); !ok || !v {
		t.Errorf("checkbox Bool() = %v, %v", v, ok)
	}
	le, _ := c.CustomFieldsValues.Field(9, "")
	if v, ok := le.Values[0].LegalEntity(); !ok || v.Name != "ACME" || v.VATID != "1" {
		t.Errorf("LegalEntity() = %+v, %v", v, ok)
	}
	if e, _ := c.CustomFieldsValues.Field(10, ""); e.Values != nil {
		t.Errorf("null values = %#v, want nil", e.Values)
	}
	bd, _ := c.CustomFieldsValues.Field(11, "")
	if tm, ok := bd.Values[0].Time(); !ok || tm.Year() != 2000 {
		t.Errorf("birthday = %v", tm)
	}
	var empty Contact
	if err := json.Unmarshal([]byte(`{"id":2,"custom_fields_values":null,"closest_task_at":null}`), &empty); err != nil || empty.CustomFieldsValues != nil {
		t.Errorf("null custom fields: %v, %v", empty.CustomFieldsValues, err)
	}
}

func TestCustomFieldValuesSet(t *testing.T) {
	var cf CustomFieldValues
	cf.Set(CustomFieldValue{FieldID: 1, Values: []FieldValue{Text("a")}})
	cf.Set(CustomFieldValue{FieldCode: "EMAIL", Values: []FieldValue{Text("x@y")}})
	cf.Set(CustomFieldValue{FieldID: 1, Values: []FieldValue{Text("b")}})
	cf.Set(CustomFieldValue{FieldCode: "email", Values: []FieldValue{Text("z@y")}})
	if len(cf) != 2 || cf[0].Values[0].String() != "b" || cf[1].Values[0].String() != "z@y" {
		t.Errorf("Set = %+v", cf)
	}
}

func TestLenientDecoding(t *testing.T) {
	var task Task
	if err := json.Unmarshal([]byte(`{"id":1,"result":[],"complete_till":"1700000000"}`), &task); err != nil {
		t.Fatal(err)
	}
	if task.Result == nil || task.Result.Text != "" || task.CompleteTill != 1700000000 {
		t.Errorf("task = %+v", task)
	}
	if err := json.Unmarshal([]byte(`{"id":1,"result":{"text":"done"}}`), &task); err != nil || task.Result.Text != "done" {
		t.Errorf("task result = %+v, %v", task.Result, err)
	}
	var f CustomField
	if err := json.Unmarshal([]byte(`{"id":1,"type":"select","group_id":null,"enums":{"1":{"id":20,"value":"B","sort":2},"0":{"id":10,"value":"A","sort":1}}}`), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Enums) != 2 || f.Enums[0].Value != "A" {
		t.Errorf("enums = %+v", f.Enums)
	}
	var r ComplexResult
	if err := json.Unmarshal([]byte(`{"id":9,"contact_id":null,"company_id":12,"request_id":["1","2"],"merged":true}`), &r); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ComplexResult{ID: 9, CompanyID: 12, RequestIDs: []string{"1", "2"}, Merged: true}, r); diff != "" {
		t.Errorf("complex result (-want +got):\n%s", diff)
	}
}

func TestComplexLeadJSON(t *testing.T) {
	price := 100.0
	cl := ComplexLead{
		LeadRequest: LeadRequest{Name: "Deal", Price: &price, RequestID: "r1",
			Embedded: &LeadRequestEmbedded{Tags: []TagRef{{Name: "import"}}}},
		Contact: &ContactRequest{FirstName: "Ann", CustomFieldsValues: CustomFieldValues{{FieldCode: "EMAIL", Values: []FieldValue{Multitext("a@b.c", EmailWork)}}}},
		Company: &CompanyRequest{Name: "ACME"},
	}
	b, err := json.Marshal(cl)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"Deal","price":100,"request_id":"r1","_embedded":{"companies":[{"name":"ACME"}],"contacts":[{"first_name":"Ann","custom_fields_values":[{"field_code":"EMAIL","values":[{"value":"a@b.c","enum_code":"WORK"}]}]}],"tags":[{"name":"import"}]}}`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	b, _ = json.Marshal(ComplexLead{Contact: &ContactRequest{Name: "X"}})
	if string(b) != `{"_embedded":{"contacts":[{"name":"X"}]}}` {
		t.Errorf("bare complex = %s", b)
	}
}

func TestTokenRedacted(t *testing.T) {
	tok := Token{TokenType: "Bearer", AccessToken: "AAA-secret", RefreshToken: "RRR-secret"}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok), tok.LogValue().String()} {
		if strings.Contains(s, "secret") {
			t.Errorf("token printed: %s", s)
		}
	}
}

func TestOAuthRefreshOn401AndExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var saved []Token
	cfg := OAuthConfig{ClientID: "cid", ClientSecret: "csecret", RedirectURI: "https://app.example/cb"}
	c, mux, _ := setup(t, WithOAuth(cfg, Token{AccessToken: "old", RefreshToken: "r1", Expiry: now.Add(time.Hour)},
		func(tk Token) error { saved = append(saved, tk); return nil }),
		WithClock(func() time.Time { return now }))
	var refreshes atomic.Int32
	mux.HandleFunc("/oauth2/access_token", func(w http.ResponseWriter, r *http.Request) {
		var body tokenRequest
		json.NewDecoder(r.Body).Decode(&body)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("token endpoint got an Authorization header")
		}
		n := refreshes.Add(1)
		if body.GrantType != "refresh_token" || body.RefreshToken != fmt.Sprintf("r%d", n) || body.RedirectURI != cfg.RedirectURI || body.ClientSecret != "csecret" {
			t.Errorf("refresh body = %+v", body)
		}
		writeJSON(w, 200, fmt.Sprintf(`{"token_type":"Bearer","expires_in":86400,"access_token":"a%d","refresh_token":"r%d"}`, n+1, n+1))
	})
	var seen []string
	mux.HandleFunc("/api/v4/account", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") == "Bearer old" {
			writeJSON(w, 401, `{"status":401,"detail":"expired"}`)
			return
		}
		writeJSON(w, 200, `{"id":1}`)
	})
	if _, _, err := c.Account.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Past expiry: refreshed before sending.
	now = now.Add(25 * time.Hour)
	if _, _, err := c.Account.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Bearer old", "Bearer a2", "Bearer a3"}, seen); diff != "" {
		t.Errorf("authorization headers (-want +got):\n%s", diff)
	}
	if len(saved) != 2 || saved[0].RefreshToken != "r2" || saved[1].RefreshToken != "r3" {
		t.Errorf("persisted tokens = %v", saved)
	}
	if !saved[1].Expiry.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("expiry = %v", saved[1].Expiry)
	}
}

func TestOAuthPersistFailureFailsRequest(t *testing.T) {
	cfg := OAuthConfig{ClientID: "cid", ClientSecret: "cs"}
	c, mux, _ := setup(t, WithOAuth(cfg, Token{RefreshToken: "r1"}, func(Token) error { return errors.New("disk full") }))
	mux.HandleFunc("/oauth2/access_token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"access_token":"a","refresh_token":"r2","expires_in":60}`)
	})
	_, _, err := c.Account.Get(t.Context())
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v, want persist failure", err)
	}
}

func TestExchangeCode(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/oauth2/access_token", func(w http.ResponseWriter, r *http.Request) {
		var body tokenRequest
		json.NewDecoder(r.Body).Decode(&body)
		if body.GrantType != "authorization_code" || body.Code != "code1" {
			writeJSON(w, 400, `{"title":"Bad Request","status":400,"detail":"invalid grant"}`)
			return
		}
		writeJSON(w, 200, `{"token_type":"Bearer","expires_in":86400,"access_token":"a","refresh_token":"r"}`)
	})
	tok, err := c.ExchangeCode(t.Context(), OAuthConfig{ClientID: "c", ClientSecret: "s"}, "code1")
	if err != nil || tok.RefreshToken != "r" {
		t.Fatalf("ExchangeCode = %v, %v", tok, err)
	}
	if _, err := c.ExchangeCode(t.Context(), OAuthConfig{ClientID: "c", ClientSecret: "s"}, "bad"); !errors.Is(err, ErrBadRequest) {
		t.Errorf("bad code err = %v", err)
	}
}

func TestUpdateOneAcceptsRootAndWrapped(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("/api/v4/leads/1", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "PATCH")
		b, _ := io.ReadAll(r.Body)
		if string(b) != `{"name":"N"}` {
			t.Errorf("body = %s", b)
		}
		writeJSON(w, 200, `{"id":1,"updated_at":100}`)
	})
	mux.HandleFunc("/api/v4/leads/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"_embedded":{"leads":[{"id":2,"updated_at":200}]}}`)
	})
	for id, want := range map[int]int64{1: 100, 2: 200} {
		res, _, err := c.Leads.UpdateOne(t.Context(), id, LeadRequest{ID: 99, Name: "N"})
		if err != nil || res.ID != id || res.UpdatedAt != want {
			t.Errorf("UpdateOne(%d) = %+v, %v", id, res, err)
		}
	}
}

func TestBatchLimitsCheckedBeforeSending(t *testing.T) {
	c, _, _ := setup(t)
	if _, _, err := c.Leads.Create(t.Context(), make([]LeadRequest, MaxBatch+1)); err == nil {
		t.Error("Create(251) = nil error")
	}
	if _, _, err := c.Leads.Create(t.Context(), nil); err == nil {
		t.Error("Create(0) = nil error")
	}
	if _, _, err := c.Leads.AddComplex(t.Context(), make([]ComplexLead, MaxComplexBatch+1)); err == nil {
		t.Error("AddComplex(51) = nil error")
	}
	if _, _, err := c.Leads.Update(t.Context(), []LeadRequest{{Name: "no id"}}); err == nil {
		t.Error("Update without id = nil error")
	}
	if _, _, err := c.Tasks.Create(t.Context(), []TaskRequest{{Text: "no deadline"}}); err == nil {
		t.Error("task without complete_till = nil error")
	}
}

func TestBackoffCappedWithJitter(t *testing.T) {
	p := RetryPolicy{MinWait: time.Second, MaxWait: 8 * time.Second}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 10: 8 * time.Second} {
		if got := p.Backoff(attempt, func() float64 { return 1 }); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempt, got, want)
		}
		if got := p.Backoff(attempt, func() float64 { return 0 }); got != want*3/4 {
			t.Errorf("Backoff(%d) low jitter = %v, want %v", attempt, got, want*3/4)
		}
	}
}

// TestTimedOutReadsAreRetried: a GET that outlives the HTTP client's
// Timeout, before its answer or halfway through it, is sent again; a
// write that times out is not (it may have been applied), and the
// caller's context ending stops at once.
func TestTimedOutReadsAreRetried(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name      string
		method    string
		handler   func(n int32, w http.ResponseWriter, hang func())
		ctx       func(context.Context) (context.Context, context.CancelFunc)
		wantCalls int32
		wantSleep int
		wantErr   func(error) bool
	}{
		{name: "no answer twice, then one", method: "GET", wantCalls: 3, wantSleep: 2,
			handler: func(n int32, w http.ResponseWriter, hang func()) {
				if n <= 2 {
					hang()
					return
				}
				writeJSON(w, 200, `{"id":7,"name":"L"}`)
			}},
		{name: "an answer cut short, then a whole one", method: "GET", wantCalls: 2, wantSleep: 1,
			handler: func(n int32, w http.ResponseWriter, hang func()) {
				if n == 1 {
					writeJSON(w, 200, `{"id":7,"price":100,"name":"Par`)
					w.(http.Flusher).Flush()
					hang()
					return
				}
				writeJSON(w, 200, `{"id":7,"name":"L"}`)
			}},
		{name: "a write is not sent again", method: "POST", wantCalls: 1,
			handler: func(n int32, w http.ResponseWriter, hang func()) { hang() },
			wantErr: func(err error) bool {
				var ne *NetworkError
				ok, why := Retryable(err, false)
				return errors.As(err, &ne) && ne.Timeout() && !ok && why == "timeout on a write: it may have been applied"
			}},
		{name: "the caller's deadline is not retried", method: "GET", wantCalls: 1,
			handler: func(n int32, w http.ResponseWriter, hang func()) { hang() },
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, timeout/3)
			},
			wantErr: func(err error) bool {
				var ne *NetworkError
				return errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &ne)
			}},
		{name: "the caller's cancel is not retried", method: "GET", wantCalls: 1,
			handler: func(n int32, w http.ResponseWriter, hang func()) { hang() },
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(ctx)
				time.AfterFunc(timeout/3, cancel)
				return ctx, cancel
			},
			wantErr: func(err error) bool { return errors.Is(err, context.Canceled) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, sleeps := setup(t, WithHTTPClient(&http.Client{Timeout: timeout}))
			release := make(chan struct{})
			t.Cleanup(func() { close(release) }) // before the server closes
			var n atomic.Int32
			var bodies []string
			var mu sync.Mutex
			handle := func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, tt.method)
				b, _ := io.ReadAll(r.Body) // then the server sees the client leave
				mu.Lock()
				bodies = append(bodies, string(b))
				mu.Unlock()
				// hang holds the request until the client gives up on it.
				hang := func() {
					select {
					case <-r.Context().Done():
					case <-release:
					}
				}
				tt.handler(n.Add(1), w, hang)
			}
			mux.HandleFunc("/api/v4/leads/7", handle)
			mux.HandleFunc("/api/v4/contacts", handle)
			ctx := t.Context()
			if tt.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tt.ctx(ctx)
				defer cancel()
			}
			var err error
			if tt.method == "GET" {
				var lead *Lead
				var resp *Response
				lead, resp, err = c.Leads.Get(ctx, 7)
				if tt.wantErr == nil {
					if err != nil {
						t.Fatal(err)
					}
					if lead.ID != 7 || lead.Name != "L" || lead.Price != 0 || resp.Attempts != int(tt.wantCalls) {
						t.Errorf("lead %+v after %d attempts, want 7 \"L\" with no price (nothing of the cut answer) after %d", lead, resp.Attempts, tt.wantCalls)
					}
				}
			} else {
				_, _, err = c.Contacts.Create(ctx, []ContactRequest{{Name: "A", RequestID: "r1"}})
			}
			if tt.wantErr != nil && (err == nil || !tt.wantErr(err)) {
				t.Errorf("err = %v (%T), not the one wanted", err, errors.Unwrap(err))
			}
			if got := n.Load(); got != tt.wantCalls {
				t.Errorf("%d requests on the wire, want %d", got, tt.wantCalls)
			}
			if len(*sleeps) != tt.wantSleep {
				t.Errorf("%d waits before retries (%v), want %d", len(*sleeps), *sleeps, tt.wantSleep)
			}
			mu.Lock()
			for _, b := range bodies {
				if b != bodies[0] {
					t.Errorf("bodies differ between attempts: %q", bodies)
				}
			}
			mu.Unlock()
		})
	}
}

func TestWaitBackoff(t *testing.T) {
	c, _, sleeps := setup(t, WithRetry(RetryPolicy{MinWait: 10 * time.Millisecond, MaxWait: 25 * time.Millisecond}))
	for attempt := 1; attempt <= 3; attempt++ {
		if err := c.WaitBackoff(t.Context(), attempt); err != nil {
			t.Fatalf("WaitBackoff(%d) = %v", attempt, err)
		}
	}
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond}
	if diff := cmp.Diff(want, *sleeps); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.WaitBackoff(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitBackoff(canceled) = %v, want context.Canceled", err)
	}
}
