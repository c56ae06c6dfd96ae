package kommotest

import (
	"net/http"
	"strings"
	"testing"
)

// clientRoutes are the requests package kommo's client sends (one example
// path per endpoint), and the few more the emulator serves.
var clientRoutes = []struct{ method, path string }{
	{"GET", "/api/v4/account"},
	{"GET", "/api/v4/users"},
	{"GET", "/api/v4/users/1002"},
	{"GET", "/api/v4/events"},
	{"GET", "/api/v4/events/types"},
	{"GET", "/api/v4/events/01abc"},
	{"GET", "/api/v4/tasks"},
	{"POST", "/api/v4/tasks"},
	{"PATCH", "/api/v4/tasks"},
	{"GET", "/api/v4/tasks/40000001"},
	{"PATCH", "/api/v4/tasks/40000001"},
	{"POST", "/api/v4/leads/complex"},
	{"GET", "/api/v4/leads/pipelines"},
	{"GET", "/api/v4/leads/pipelines/3001"},
	{"GET", "/api/v4/leads/pipelines/3001/statuses"},
	{"GET", "/api/v4/leads/pipelines/3001/statuses/142"},
}

// entityRoutes are the requests the client sends for each of leads,
// contacts and companies ("{e}").
var entityRoutes = []struct{ method, path string }{
	{"GET", "/api/v4/{e}"},
	{"POST", "/api/v4/{e}"},
	{"PATCH", "/api/v4/{e}"},
	{"GET", "/api/v4/{e}/7"},
	{"PATCH", "/api/v4/{e}/7"},
	{"POST", "/api/v4/{e}/7/link"},
	{"POST", "/api/v4/{e}/7/unlink"},
	{"GET", "/api/v4/{e}/7/links"},
	{"GET", "/api/v4/{e}/7/notes"},
	{"POST", "/api/v4/{e}/7/notes"},
	{"GET", "/api/v4/{e}/7/notes/8"},
	{"POST", "/api/v4/{e}/link"},
	{"POST", "/api/v4/{e}/unlink"},
	{"GET", "/api/v4/{e}/tags"},
	{"POST", "/api/v4/{e}/tags"},
	{"GET", "/api/v4/{e}/notes"},
	{"POST", "/api/v4/{e}/notes"},
	{"PATCH", "/api/v4/{e}/notes"},
	{"GET", "/api/v4/{e}/notes/8"},
	{"PATCH", "/api/v4/{e}/notes/8"},
	{"GET", "/api/v4/{e}/custom_fields"},
	{"POST", "/api/v4/{e}/custom_fields"},
	{"GET", "/api/v4/{e}/custom_fields/9"},
}

func allRoutes() []struct{ method, path string } {
	all := append([]struct{ method, path string }(nil), clientRoutes...)
	for _, e := range []string{"leads", "contacts", "companies"} {
		for _, r := range entityRoutes {
			all = append(all, struct{ method, path string }{r.method, strings.ReplaceAll(r.path, "{e}", e)})
		}
	}
	return all
}

// TestRoutesReachHandlers sends every route over HTTP and checks that its
// handler answers (not 404 or 405: with the default options no handler
// answers either), that a method the path does not serve answers 405
// problem+json, and that every pattern of the router is in the list.
func TestRoutesReachHandlers(t *testing.T) {
	e := newEnv(t, nil)
	served := map[string]bool{}
	for _, rt := range allRoutes() {
		r := e.do(rt.method, rt.path, nil)
		if r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed {
			t.Errorf("%s %s = %d, want its handler's answer: %s", rt.method, rt.path, r.status, r.body)
		}
		req, _ := http.NewRequest(rt.method, "http://x"+rt.path, nil)
		if _, p := apiMux.Handler(req); p != "" {
			served[p] = true
		}
		for _, m := range []string{"DELETE", "PUT", "HEAD"} {
			r := e.do(m, rt.path, nil)
			if r.status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s = %d, want 405", m, rt.path, r.status)
			}
			if m != "HEAD" {
				if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("%s %s: Content-Type %q, want application/problem+json", m, rt.path, ct)
				}
				if o := r.obj(t); num(o["status"]) != 405 || o["title"] != "Method Not Allowed" {
					t.Errorf("%s %s: body %s", m, rt.path, r.body)
				}
			}
		}
	}
	for _, rt := range routes() {
		if !served[rt.pattern] {
			t.Errorf("route %q is not in the list", rt.pattern)
		}
	}
}

// TestRoutesUnknownPaths checks the paths that are no route: 404
// problem+json whatever the method, also when a method would be wrong, and
// paths with a trailing slash served as without.
func TestRoutesUnknownPaths(t *testing.T) {
	e := newEnv(t, nil)
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/v4/nothing", 404},
		{"DELETE", "/api/v4/nothing", 404},
		{"GET", "/api/v4/", 404},
		{"GET", "/api/v4/leads/0", 404},
		{"GET", "/api/v4/leads/-1", 404},
		{"GET", "/api/v4/leads/abc", 404},
		{"DELETE", "/api/v4/leads/abc", 404},
		{"PATCH", "/api/v4/leads/abc", 404},
		{"GET", "/api/v4/leads/7/other", 404},
		{"DELETE", "/api/v4/leads/7/other", 404},
		{"GET", "/api/v4/leads/notes/abc", 404},
		{"GET", "/api/v4/leads/notes/notes", 404},
		{"GET", "/api/v4/leads/pipelines/links", 404},
		{"GET", "/api/v4/contacts/pipelines", 404},
		{"POST", "/api/v4/contacts/complex", 404},
		{"GET", "/api/v4/leads/pipelines/3001/statuses/x", 404},
		{"GET", "/api/v4/tasks/1/notes", 404},
		{"GET", "/api/v4/account/1", 404},
		{"GET", "/api/v4/events/types/1", 404},
		{"GET", "/api/v4/leads//7", 404},
		{"GET", "/api/v4/leads/./7", 404},
		{"GET", "/api/v4/leads/", 204},
		{"GET", "/api/v4//leads", 204},
		{"GET", "/api/v4/users/1002/", 200},
		{"DELETE", "/api/v4/leads/", 405},
	} {
		r := e.do(tt.method, tt.path, nil)
		if r.status != tt.want {
			t.Errorf("%s %s = %d, want %d: %s", tt.method, tt.path, r.status, tt.want, r.body)
			continue
		}
		if tt.want == 404 && !strings.Contains(string(r.body), "<pre>Cannot "+tt.method+" ") {
			t.Errorf("%s %s: body %s, want Kommo's \"Cannot %s <path>\"", tt.method, tt.path, r.body, tt.method)
		}
	}
}
