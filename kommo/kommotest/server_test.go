package kommotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestAuth(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"valid", testToken, http.StatusOK},
		{"missing", "", http.StatusUnauthorized},
		{"unknown", "nope", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.doToken("GET", "/api/v4/account", nil, tt.token)
			if r.status != tt.want {
				t.Fatalf("GET /account with %q = %d, want %d", tt.token, r.status, tt.want)
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Error("X-Request-Id header missing")
			}
			if tt.want == http.StatusUnauthorized {
				if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q, want application/problem+json", ct)
				}
				m := r.obj(t)
				if num(m["status"]) != 401 || m["type"] != "https://httpstatus.es/401" || m["title"] != "Unauthorized" {
					t.Errorf("401 body = %s", r.body)
				}
			} else if ct := r.header.Get("Content-Type"); ct != "application/hal+json" {
				t.Errorf("Content-Type = %q, want application/hal+json", ct)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name, method, path string
		want               int
	}{
		{"unknown route", "GET", "/api/v4/nothing", 404},
		{"outside api", "GET", "/foo", 404},
		{"no delete tasks", "DELETE", "/api/v4/tasks/1", 405},
		{"unknown lead 204", "GET", "/api/v4/leads/999", 204},
		{"unknown task 204", "GET", "/api/v4/tasks/999", 204},
		{"empty leads 204", "GET", "/api/v4/leads", 204},
		{"limit too big", "GET", "/api/v4/leads?limit=251", 422},
		{"limit max ok", "GET", "/api/v4/leads?limit=250", 204},
		{"events limit too big", "GET", "/api/v4/events?limit=251", 422},
		{"events limit max ok", "GET", "/api/v4/events?limit=250", 204},
		{"users", "GET", "/api/v4/users", 200},
		{"user", "GET", "/api/v4/users/1002", 200},
		{"event types", "GET", "/api/v4/events/types", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			r := e.do(tt.method, tt.path, nil)
			if r.status != tt.want {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, r.status, tt.want, r.body)
			}
			if r.status == 204 && len(r.body) != 0 {
				t.Errorf("204 body = %q, want empty", r.body)
			}
		})
	}
	t.Run("NotFound404", func(t *testing.T) {
		e := newEnv(t, func(o *Options) { o.NotFound404 = true })
		e.must(404, "GET", "/api/v4/leads/1", nil)
	})
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Rate = 7; o.Burst = 7; o.BlockAfter = 3 })
	for i := 0; i < 7; i++ {
		e.must(200, "GET", "/api/v4/account", nil)
	}
	r := e.do("GET", "/api/v4/account", nil)
	if r.status != 429 {
		t.Fatalf("8th request = %d, want 429", r.status)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("429 Content-Type = %q, want text/html", ct)
	}
	if ra := r.header.Get("Retry-After"); ra != "" {
		t.Errorf("429 Retry-After = %q, want none", ra)
	}
	if !strings.Contains(string(r.body), "429 Too Many Requests") {
		t.Errorf("429 body = %q", r.body)
	}
	e.clock.Advance(time.Second)
	e.must(200, "GET", "/api/v4/account", nil)

	// Two more 429s reach BlockAfter=3: block mode.
	for i := 0; i < 20; i++ {
		e.do("GET", "/api/v4/account", nil)
	}
	if !e.srv.Blocked() {
		t.Fatal("server not blocked after 3 429s")
	}
	e.clock.Advance(time.Hour)
	r = e.do("GET", "/api/v4/account", nil)
	if r.status != 403 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("blocked request = %d %q, want 403 HTML", r.status, r.header.Get("Content-Type"))
	}
	e.srv.Unblock()
	e.must(200, "GET", "/api/v4/account", nil)
	st := e.srv.Stats()
	if st.RateLimited != 3 || st.Blocked < 1 || st.ByStatus[429] != 3 {
		t.Errorf("Stats = %+v, want 3 rate limited and some blocked", st)
	}
}

func TestFaults(t *testing.T) {
	lead := []any{map[string]any{"name": "x"}}
	tests := []struct {
		name     string
		setup    func(s *Server)
		method   string
		body     any
		want     int
		html     bool
		applied  bool
		dropped  bool
		nextWant int
	}{
		{"fail next 500", func(s *Server) { s.FailNext(1, 500) }, "POST", lead, 500, false, false, false, 200},
		{"fail next 502 html", func(s *Server) { s.FailNext(1, 502) }, "POST", lead, 502, true, false, false, 200},
		{"fail next 429 html", func(s *Server) { s.FailNext(1, 429) }, "GET", nil, 429, true, false, false, 204},
		{"error rate 1", func(s *Server) { s.SetErrorRate(1, 503, 1) }, "GET", nil, 503, false, false, false, 503},
		{"payment", func(s *Server) { s.SetPaymentRequired(true) }, "GET", nil, 402, false, false, false, 402},
		{"forbidden", func(s *Server) { s.SetForbidden(true) }, "GET", nil, 403, false, false, false, 403},
		{"504 above", func(s *Server) { s.Set504Above(0); s.Set504Above(1) }, "POST",
			[]any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}, 504, true, false, false, 504},
		{"drop before apply", func(s *Server) { s.DropNext(1, false) }, "POST", lead, 0, false, false, true, 200},
		{"drop after apply", func(s *Server) { s.DropNext(1, true) }, "POST", lead, 0, false, true, true, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			tt.setup(e.srv)
			path := "/api/v4/leads"
			if tt.dropped {
				req, _ := http.NewRequest(tt.method, e.ts.URL+path, strings.NewReader(`[{"name":"x"}]`))
				req.Header.Set("Authorization", "Bearer "+testToken)
				res, err := e.ts.Client().Do(req)
				if err == nil {
					res.Body.Close()
					t.Fatalf("dropped request answered %d, want a transport error", res.StatusCode)
				}
			} else {
				r := e.do(tt.method, path, tt.body)
				if r.status != tt.want {
					t.Fatalf("status = %d, want %d: %s", r.status, tt.want, r.body)
				}
				ct := r.header.Get("Content-Type")
				if tt.html != strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type = %q, html want %v", ct, tt.html)
				}
				if !tt.html && ct != "application/problem+json" {
					t.Errorf("Content-Type = %q, want problem+json", ct)
				}
			}
			if got := len(e.srv.Snapshot().Leads); (got > 0) != tt.applied {
				t.Errorf("leads stored = %d, applied want %v", got, tt.applied)
			}
			if r := e.do(tt.method, path, tt.body); r.status != tt.nextWant {
				t.Errorf("next request = %d, want %d", r.status, tt.nextWant)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.SetLatency(30 * time.Millisecond)
	start := time.Now()
	e.must(200, "GET", "/api/v4/account", nil)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("request took %v, want >= 30ms", d)
	}
	e.srv.SetLatency(0)
}

func TestStats(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Rate = rate.Inf })
	e.must(200, "POST", "/api/v4/leads", []any{map[string]any{"name": "a"}})
	e.must(200, "PATCH", "/api/v4/leads/10000001", map[string]any{"name": "b"})
	st := e.srv.Stats()
	if st.Requests != 2 || st.Writes != 2 || st.ByEndpoint["PATCH /api/v4/leads/{id}"] != 1 || st.ByStatus[200] != 2 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestConcurrentWrites(t *testing.T) {
	e := newEnv(t, nil)
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			var batch []any
			for j := 0; j < 25; j++ {
				batch = append(batch, map[string]any{"name": "x", "_embedded": map[string]any{"tags": []any{"shared"}}})
			}
			body, _ := json.Marshal(batch)
			req, _ := http.NewRequest("POST", e.ts.URL+"/api/v4/leads", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			res, err := e.ts.Client().Do(req)
			if err != nil {
				done <- err
				return
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				err = fmt.Errorf("status %d", res.StatusCode)
			}
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Errorf("concurrent POST: %v", err)
		}
	}
	st := e.srv.Snapshot()
	seen := map[int]bool{}
	for _, l := range st.Leads {
		if seen[l.ID] {
			t.Fatalf("duplicate id %d", l.ID)
		}
		seen[l.ID] = true
	}
	if len(st.Leads) != 200 || len(st.Tags["leads"]) != 1 {
		t.Errorf("leads = %d tags = %d, want 200 and 1", len(st.Leads), len(st.Tags["leads"]))
	}
}
