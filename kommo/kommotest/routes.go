package kommotest

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// route is one endpoint of the API, or a few: a net/http.ServeMux pattern
// and its handler. Wildcards whose name ends in "id" are ids: a positive
// integer, or the route does not exist (404); the others named in
// wildcardValues take one of the values listed there.
type route struct {
	pattern string
	h       func(c *call)
}

// wildcardValues are the values of the wildcards that are not ids. {list}
// lets one pattern serve GET /leads/{id}/links and /leads/{id}/notes,
// which as two patterns would conflict with /leads/notes/{note_id} (both
// match /leads/notes/notes, and the mux does not know that ids are
// numbers).
// {notes} does the same for GET /leads/{id}/notes/{note_id}, which
// would conflict with /leads/pipelines/{pipeline_id}/statuses.
var wildcardValues = map[string][]string{"list": {"links", "notes"}, "notes": {"notes"}}

// routes lists the endpoints the emulator serves. A path that matches no
// pattern answers 404, and one that matches only with another method 405.
func routes() []route {
	rs := []route{
		{"POST /api/v4/leads/complex", func(c *call) { c.createComplex() }},
		{"GET /api/v4/leads/pipelines", func(c *call) { c.listPipelines() }},
		{"GET /api/v4/leads/pipelines/{pipeline_id}", func(c *call) { c.getPipeline(c.id("pipeline_id")) }},
		{"GET /api/v4/leads/pipelines/{pipeline_id}/statuses", func(c *call) { c.listStatuses(c.id("pipeline_id")) }},
		{"GET /api/v4/leads/pipelines/{pipeline_id}/statuses/{status_id}", func(c *call) { c.getStatus(c.id("pipeline_id"), c.id("status_id")) }},

		{"GET /api/v4/tasks", func(c *call) { c.listTasks() }},
		{"POST /api/v4/tasks", func(c *call) { c.createTasks() }},
		{"PATCH /api/v4/tasks", func(c *call) { c.updateTasks(0) }},
		{"GET /api/v4/tasks/{id}", func(c *call) { c.getTask(c.id("id")) }},
		{"PATCH /api/v4/tasks/{id}", func(c *call) { c.updateTasks(c.id("id")) }},

		{"GET /api/v4/users", func(c *call) { c.listUsers() }},
		{"GET /api/v4/users/{id}", func(c *call) { c.getUser(c.id("id")) }},
		{"GET /api/v4/account", func(c *call) { c.getAccount() }},
		{"GET /api/v4/events", func(c *call) { c.listEvents() }},
		{"GET /api/v4/events/types", func(c *call) { c.listEventTypes() }},
		{"GET /api/v4/events/{event}", func(c *call) { c.getEvent(c.routed.PathValue("event")) }},
	}
	for _, entity := range []string{"leads", "contacts", "companies"} {
		p := "/api/v4/" + entity
		rs = append(rs, []route{
			{"GET " + p, func(c *call) { c.listEntities(entity) }},
			{"POST " + p, func(c *call) { c.createEntities(entity) }},
			{"PATCH " + p, func(c *call) { c.updateEntities(entity, 0) }},
			{"GET " + p + "/{id}", func(c *call) { c.getEntity(entity, c.id("id")) }},
			{"PATCH " + p + "/{id}", func(c *call) { c.updateEntities(entity, c.id("id")) }},
			{"POST " + p + "/{id}/link", func(c *call) { c.linkEntities(entity, c.id("id"), false) }},
			{"POST " + p + "/{id}/unlink", func(c *call) { c.linkEntities(entity, c.id("id"), true) }},
			{"GET " + p + "/{id}/{list}", func(c *call) {
				if c.routed.PathValue("list") == "links" {
					c.listLinks(entity, c.id("id"))
				} else {
					c.listNotes(entity, c.id("id"))
				}
			}},
			{"POST " + p + "/{id}/notes", func(c *call) { c.createNotes(entity, c.id("id")) }},
			{"GET " + p + "/{id}/{notes}/{note_id}", func(c *call) { c.getNote(entity, c.id("id"), c.id("note_id")) }},
			{"POST " + p + "/link", func(c *call) { c.linkEntities(entity, 0, false) }},
			{"POST " + p + "/unlink", func(c *call) { c.linkEntities(entity, 0, true) }},
			{"GET " + p + "/tags", func(c *call) { c.listTags(entity) }},
			{"POST " + p + "/tags", func(c *call) { c.createTags(entity) }},
			{"GET " + p + "/notes", func(c *call) { c.listNotes(entity, 0) }},
			{"POST " + p + "/notes", func(c *call) { c.createNotes(entity, 0) }},
			{"PATCH " + p + "/notes", func(c *call) { c.updateNotes(entity, 0) }},
			{"GET " + p + "/notes/{note_id}", func(c *call) { c.getNote(entity, 0, c.id("note_id")) }},
			{"PATCH " + p + "/notes/{note_id}", func(c *call) { c.updateNotes(entity, c.id("note_id")) }},
			{"GET " + p + "/custom_fields", func(c *call) { c.listCustomFields(entity) }},
			{"POST " + p + "/custom_fields", func(c *call) { c.createCustomFields(entity) }},
			{"GET " + p + "/custom_fields/{field_id}", func(c *call) { c.getCustomField(entity, c.id("field_id")) }},
		}...)
	}
	return rs
}

// apiMux routes the API's requests.
var apiMux = newMux(routes())

// routeMethods are the methods of the routes, tried in turn to tell a
// 405 from a 404.
var routeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPatch}

// routing is what dispatch passes to the mux's handlers in the request's
// context: the call to serve, or, when probe is set, a question whether
// the route exists (answered in found, the handler not run).
type routing struct {
	c     *call
	probe bool
	found bool
}

type routingKey struct{}

// newMux registers rs on a ServeMux. Each handler checks the route's id
// wildcards, then runs the route, or answers a probe.
func newMux(rs []route) *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range rs {
		var ids []string
		for _, seg := range strings.Split(rt.pattern, "/") {
			if name, ok := strings.CutPrefix(seg, "{"); ok {
				if name = strings.TrimSuffix(name, "}"); strings.HasSuffix(name, "id") {
					ids = append(ids, name)
				}
			}
		}
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			x := r.Context().Value(routingKey{}).(*routing)
			if !matches(r, ids) {
				if !x.probe {
					routeNotFound(w, r)
				}
				return
			}
			if x.probe {
				x.found = true
				return
			}
			x.c.routed = r
			rt.h(x.c)
		})
	}
	return mux
}

// matches reports whether the path values of r are the route's: ids
// (the names of its id wildcards) positive integers, and the wildcards of
// wildcardValues one of their values.
func matches(r *http.Request, ids []string) bool {
	for _, name := range ids {
		if v, err := strconv.Atoi(r.PathValue(name)); err != nil || v <= 0 {
			return false
		}
	}
	for name, vals := range wildcardValues {
		if v := r.PathValue(name); v != "" && !slices.Contains(vals, v) {
			return false
		}
	}
	return true
}

// dispatch serves an authenticated API request by its route.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, userID int, admin bool) {
	c := &call{s: s, w: w, r: r, userID: userID, admin: admin, q: parseQuery(r.URL.RawQuery)}
	rr, ok := routedRequest(r)
	if !ok {
		routeNotFound(w, r)
		return
	}
	// The mux serves HEAD with a GET route; Kommo's API has no HEAD.
	if r.Method != http.MethodHead {
		if _, p := apiMux.Handler(rr); p != "" {
			apiMux.ServeHTTP(w, rr.WithContext(context.WithValue(rr.Context(), routingKey{}, &routing{c: c})))
			return
		}
	}
	for _, m := range routeMethods {
		if m == r.Method {
			continue
		}
		pr := rr.Clone(context.WithValue(rr.Context(), routingKey{}, &routing{probe: true}))
		pr.Method = m
		if _, p := apiMux.Handler(pr); p == "" {
			continue
		}
		apiMux.ServeHTTP(discardWriter{h: http.Header{}}, pr)
		if pr.Context().Value(routingKey{}).(*routing).found {
			writeProblem(w, http.StatusMethodNotAllowed, "Method Not Allowed")
			return
		}
	}
	routeNotFound(w, r)
}

// routedRequest returns r with the path the routes match: the API path
// without leading or trailing slashes after /api/v4/ (Kommo serves
// /api/v4/leads/ as /api/v4/leads). It reports false for a path with an
// empty, "." or ".." segment, which no route has (the mux would redirect
// them to the cleaned path instead).
func routedRequest(r *http.Request) (*http.Request, bool) {
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/v4/"), "/")
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return nil, false
		}
	}
	rr := r.WithContext(r.Context())
	u := *r.URL
	u.Path, u.RawPath = "/api/v4/"+rest, ""
	rr.URL = &u
	return rr, true
}

// routeNotFound answers a path that is not a route of the API as Kommo
// does: the text "Cannot GET <path>" is confirmed (kommo-api.md,
// Corrections), its wrapping is not; this is the HTML page the Express
// server that text comes from sends.
func routeNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot %s %s</pre>\n</body>\n</html>\n",
		r.Method, html.EscapeString(r.URL.Path))
}

// id is the value of the route's id wildcard name, checked by the mux's
// handler.
func (c *call) id(name string) int {
	v, _ := strconv.Atoi(c.routed.PathValue(name))
	return v
}
