// Package kommotest is an in-memory emulator of the Kommo CRM REST API v4.
//
// A Server is an http.Handler: wrap it in httptest.NewServer and point a
// client at it. It keeps one account in memory (optionally persisted as
// JSON), answers like the real API (HAL lists, 204 on empty lists, thin write
// responses, validation errors per request_id, 429s as amoCRM's HTML page
// or Kommo's JSON with retry_after, a token bucket or Kommo's sliding
// window per IP, a 403 block of the IP after repeated 429s) and has fault
// knobs to drive retry paths.
package kommotest

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Options configure a Server. The zero value is usable: subdomain "example",
// no long-lived tokens, 7 requests/s with burst 7, the default seed and no
// persistence.
type Options struct {
	// Subdomain is used in _links hrefs (https://{sub}.kommo.com/api/v4/...).
	// Default "example".
	Subdomain string
	// Tokens are accepted long-lived bearer tokens. They act as the account's
	// current user.
	Tokens []string
	// NonAdminTokens are accepted long-lived bearer tokens that act as a
	// user without administrator rights, as an OAuth integration installed
	// by a manager does: the first active non-admin user of the account
	// (Boris in the default seed), or the current user stripped of admin
	// rights when there is none. GET /users and /users/{id} answer them
	// 403 "Insufficient rights to call this method"; the rest works.
	NonAdminTokens []string
	// AccountTimeZone is the account's IANA time zone ("Europe/Moscow",
	// "America/Bogota"). It replaces the zone of the seed or of a loaded
	// state, and is saved with the state; "" keeps theirs (UTC when they
	// have none). Date and birthday custom field values are stored as
	// midnight in this zone, as Kommo does.
	AccountTimeZone string
	// OAuthClients are the integrations accepted by POST /oauth2/access_token.
	OAuthClients []OAuthClient
	// AccessTokenTTL is the lifetime of OAuth access tokens. Default 24h.
	AccessTokenTTL time.Duration
	// Rate is the request rate enforced with a token bucket. 0 means 7;
	// rate.Inf disables the limit.
	Rate rate.Limit
	// Burst is the bucket size. 0 means 7.
	Burst int
	// Window, when > 0, replaces the token bucket (Rate, Burst) with
	// Kommo's documented limit as it counts it: at most Window requests
	// from one IP (the remote address's host, whatever the token) in any
	// sliding second of arrivals; the next answers 429. Answered 429s do
	// not count towards the window. Stats.WindowPeak reports the most
	// arrivals from one IP in any sliding second.
	Window int
	// ArrivalJitter delays every request by a random time in
	// [0, ArrivalJitter) before it arrives (counts for the limits), as a
	// network's jitter does.
	ArrivalJitter time.Duration
	// RateLimitJSON makes every 429 (the limits' and FailNext's) answer
	// Kommo's documented problem+json body, with "retry_after":
	// RetryAfter, instead of amoCRM's HTML page.
	RateLimitJSON bool
	// RetryAfter is the retry_after of JSON 429s in seconds; 0 means
	// 300, Kommo's example.
	RetryAfter int
	// RetryAfterHeader sends a Retry-After header with every 429 (in
	// seconds: RetryAfter, or 1 with HTML bodies), which Kommo is not
	// known to do.
	RetryAfterHeader bool
	// BlockAfter, when > 0, blocks an IP after that many 429 responses to
	// it: every request from it then answers 403 (nginx HTML, or
	// problem+json with BlockJSON) until Unblock, as Kommo documents ("you
	// will get 403 response on any API request" for the IP).
	BlockAfter int
	// BlockJSON makes block-mode 403s problem+json (Kommo does not show
	// its block page; amoCRM's is nginx's HTML).
	BlockJSON bool
	// NotModified304 makes a list sent with If-Modified-Since that has no
	// record changed since answer 304 Not Modified instead of 204.
	NotModified304 bool
	// PartialApply makes a create batch with invalid items write its
	// valid items anyway, while answering 400 with the validation errors
	// of the others: whether Kommo rejects the whole batch is not
	// confirmed, and a client must not create duplicates if it does not.
	PartialApply bool
	// MaxEventsLimit is the largest accepted events page size. 0 means
	// 250, Kommo's v4 limit.
	MaxEventsLimit int
	// Now is the clock used for timestamps, token expiry and the rate
	// limiter. Default time.Now.
	Now func() time.Time
	// Seed is the initial state. nil means DefaultSeed(). The seed is copied.
	Seed *Seed
	// StatePath, if set, is a JSON file loaded by NewServer when it exists
	// (instead of Seed) and saved atomically after every successful write.
	StatePath string
	// NotFound404 makes GET of an unknown id answer 404 instead of 204.
	NotFound404 bool
}

// OAuthClient is an integration allowed to exchange codes for tokens.
type OAuthClient struct {
	ID          string
	Secret      string
	RedirectURI string
}

// Stats counts what a Server answered. ByStatus counts responses per HTTP
// status; ByEndpoint counts requests per "METHOD /api/v4/path" with numeric
// path segments replaced by {id}.
type Stats struct {
	Requests    int
	RateLimited int // 429 responses sent (limiter and injected)
	Blocked     int // 403 responses sent in block mode
	WindowPeak  int // most arrivals from one IP in a sliding second (Options.Window)
	Dropped     int // connections closed without a response
	Injected    int // responses produced by fault knobs
	Writes      int // successful write requests (state changed)
	ByStatus    map[int]int
	ByEndpoint  map[string]int
}

// Server emulates one Kommo account. It is safe for concurrent use; every
// API request is applied atomically with respect to the others. Create it
// with NewServer.
type Server struct {
	opts    Options
	now     func() time.Time
	sub     string
	limiter *rate.Limiter
	reqSeq  atomic.Int64
	loc     *time.Location // the account's zone (st.Account.TimeZone)

	mu      sync.Mutex // guards the fields below
	st      State
	idx     map[string]map[int]int // entity -> id -> index in the state slice
	seq     map[string]int         // entity -> last issued id
	codes   map[string]authCode
	saveErr error

	fmu   sync.Mutex // guards fault knobs and stats
	f     faults
	stats Stats
}

// NewServer returns a Server for opts. It loads Options.StatePath when the
// file exists; otherwise it starts from a copy of Options.Seed (or
// DefaultSeed).
func NewServer(opts Options) (*Server, error) {
	s := &Server{opts: opts, now: opts.Now, sub: opts.Subdomain, codes: map[string]authCode{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sub == "" {
		s.sub = "example"
	}
	if s.opts.AccessTokenTTL <= 0 {
		s.opts.AccessTokenTTL = 24 * time.Hour
	}
	if s.opts.MaxEventsLimit <= 0 {
		s.opts.MaxEventsLimit = 250
	}
	r, b := opts.Rate, opts.Burst
	if r == 0 {
		r = 7
	}
	if b <= 0 {
		b = 7
	}
	s.limiter = rate.NewLimiter(r, b)
	s.f.rnd = rand.New(rand.NewSource(1))
	s.f.jrnd = rand.New(rand.NewSource(2))
	s.f.ips = map[string]*ipState{}
	s.stats = Stats{ByStatus: map[int]int{}, ByEndpoint: map[string]int{}}

	loaded := false
	if opts.StatePath != "" {
		st, ok, err := loadState(opts.StatePath)
		if err != nil {
			return nil, err
		}
		if ok {
			s.st, loaded = st, true
		}
	}
	if !loaded {
		seed := opts.Seed
		if seed == nil {
			seed = DefaultSeed()
		}
		s.st = seed.clone()
	}
	if s.st.Account.Subdomain == "" {
		s.st.Account.Subdomain = s.sub
	}
	if opts.AccountTimeZone != "" {
		s.st.Account.TimeZone = opts.AccountTimeZone
	}
	s.loc = time.UTC
	if tz := s.st.Account.TimeZone; tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("kommotest: account time zone: %w", err)
		}
		s.loc = loc
	}
	s.reindex()
	return s, nil
}

// reindex rebuilds the id indexes and sequences from the state.
func (s *Server) reindex() {
	s.idx = map[string]map[int]int{}
	s.seq = map[string]int{
		"leads": 10000000, "contacts": 20000000, "companies": 30000000,
		"tasks": 40000000, "notes": 50000000, "tags": 80000, "custom_fields": 530000,
	}
	add := func(kind string, id, i int) {
		if s.idx[kind] == nil {
			s.idx[kind] = map[int]int{}
		}
		s.idx[kind][id] = i
		if id > s.seq[kind] {
			s.seq[kind] = id
		}
	}
	for i, l := range s.st.Leads {
		add("leads", l.ID, i)
	}
	for i, c := range s.st.Contacts {
		add("contacts", c.ID, i)
	}
	for i, c := range s.st.Companies {
		add("companies", c.ID, i)
	}
	for i, t := range s.st.Tasks {
		add("tasks", t.ID, i)
	}
	for i, n := range s.st.Notes {
		add("notes", n.ID, i)
	}
	for _, tags := range s.st.Tags {
		for _, t := range tags {
			if t.ID > s.seq["tags"] {
				s.seq["tags"] = t.ID
			}
		}
	}
	for _, fs := range s.st.CustomFields {
		for _, f := range fs {
			if f.ID > s.seq["custom_fields"] {
				s.seq["custom_fields"] = f.ID
			}
			for _, e := range f.Enums {
				if e.ID > s.seq["enums"] {
					s.seq["enums"] = e.ID
				}
			}
		}
	}
	for i := range s.st.Events {
		if s.st.EventSeq < i+1 {
			s.st.EventSeq = i + 1
		}
	}
	if s.seq["enums"] < 690000 {
		s.seq["enums"] = 690000
	}
}

func (s *Server) nextID(kind string) int {
	s.seq[kind]++
	return s.seq[kind]
}

// Snapshot returns a deep copy of the whole account state.
func (s *Server) Snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.clone()
}

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	out := s.stats
	out.ByStatus = make(map[int]int, len(s.stats.ByStatus))
	for k, v := range s.stats.ByStatus {
		out.ByStatus[k] = v
	}
	out.ByEndpoint = make(map[string]int, len(s.stats.ByEndpoint))
	for k, v := range s.stats.ByEndpoint {
		out.ByEndpoint[k] = v
	}
	return out
}

// Close saves the state when Options.StatePath is set and reports the first
// persistence error seen. The Server keeps serving afterwards.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.StatePath != "" {
		if err := saveState(s.opts.StatePath, &s.st); err != nil && s.saveErr == nil {
			s.saveErr = err
		}
	}
	return s.saveErr
}

// commit persists the state after a successful write. s.mu must be held.
func (s *Server) commit() {
	s.fmu.Lock()
	s.stats.Writes++
	s.fmu.Unlock()
	if s.opts.StatePath == "" {
		return
	}
	if err := saveState(s.opts.StatePath, &s.st); err != nil && s.saveErr == nil {
		s.saveErr = err
	}
}

func (s *Server) baseURL() string { return "https://" + s.sub + ".kommo.com" }

func (s *Server) href(path string) map[string]any {
	return map[string]any{"href": s.baseURL() + path}
}

func (s *Server) selfLinks(path string) map[string]any {
	return map[string]any{"self": s.href(path)}
}

// statusWriter records the status code of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP serves the API under /api/v4/ and the OAuth token endpoint
// /oauth2/access_token on any host.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &statusWriter{ResponseWriter: rw}
	w.Header().Set("X-Request-Id", fmt.Sprintf("%016x", s.reqSeq.Add(1)))
	defer func() {
		s.fmu.Lock()
		s.stats.Requests++
		if w.status != 0 {
			s.stats.ByStatus[w.status]++
		}
		s.stats.ByEndpoint[r.Method+" "+endpointKey(r.URL.Path)]++
		s.fmu.Unlock()
	}()

	if d := s.latency() + s.jitter(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if s.gate(w, r) {
		return
	}

	path := r.URL.Path
	if path == "/oauth2/access_token" {
		s.handleToken(w, r)
		return
	}
	if !strings.HasPrefix(path, "/api/v4/") {
		writeProblem(w, http.StatusNotFound, "Not Found")
		return
	}
	if s.injectFault(w, r) {
		return
	}
	userID, admin, ok := s.authenticate(r)
	if !ok {
		writeProblem(w, http.StatusUnauthorized, "Unauthorized: invalid or expired access token")
		return
	}
	if s.policyFault(w) {
		return
	}
	drop, afterApply := s.takeDrop()
	if drop {
		if afterApply {
			s.dispatch(discardWriter{h: http.Header{}}, r, userID, admin)
		}
		s.hijackClose(rw)
		return
	}
	s.dispatch(w, r, userID, admin)
}

// endpointKey replaces numeric path segments with {id}.
func endpointKey(p string) string {
	segs := strings.Split(p, "/")
	for i, sg := range segs {
		if _, err := strconv.Atoi(sg); err == nil && sg != "" {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

// call is the context of one API request.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	userID int
	admin  bool // the token's user has administrator rights
	q      *qnode
	routed *http.Request // r as the route matched it, with its path values
}

// ---- responses ----

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/hal+json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{
		"title":  http.StatusText(status),
		"type":   fmt.Sprintf("https://httpstatus.es/%d", status),
		"status": status,
		"detail": detail,
	})
}

func writeHTML(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	t := fmt.Sprintf("%d %s", status, http.StatusText(status))
	fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", t, t)
}

func noContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}

// notFound answers a GET of an unknown id: 204, or 404 with NotFound404.
func (c *call) notFound() {
	if c.s.opts.NotFound404 {
		writeProblem(c.w, http.StatusNotFound, "Not Found")
		return
	}
	noContent(c.w)
}

func (c *call) badRequest(detail string) {
	writeProblem(c.w, http.StatusBadRequest, detail)
}

// tooMany answers a write of more than max entities or a list limit over
// max as Kommo does: 422 problem+json "Limit 250 per page".
func (c *call) tooMany(max int) {
	writeProblem(c.w, http.StatusUnprocessableEntity, fmt.Sprintf("Limit %d per page", max))
}

// discardWriter swallows a response (used by DropNext with afterApply).
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

// ---- request bodies ----

const maxBody = 32 << 20

// decodeBody parses the JSON body with numbers kept as json.Number.
func (c *call) decodeBody() (any, bool) {
	b, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody))
	if err != nil {
		c.badRequest("cannot read request body")
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.badRequest("Request body is not valid JSON")
		return nil, false
	}
	return v, true
}

// batch decodes a collection write body: a non-empty JSON array of at most
// max objects. It answers the error itself and reports ok=false.
func (c *call) batch(max int) ([]map[string]any, bool) {
	v, ok := c.decodeBody()
	if !ok {
		return nil, false
	}
	arr, isArr := v.([]any)
	if !isArr {
		c.badRequest("Request body must be a JSON array")
		return nil, false
	}
	if len(arr) == 0 {
		c.badRequest("Request body must not be empty")
		return nil, false
	}
	if len(arr) > max {
		if max < 250 { // /leads/complex: Kommo documents its limit (50), not the error
			c.badRequest(fmt.Sprintf("Too many entities in request: %d, maximum is %d", len(arr), max))
		} else {
			c.tooMany(max)
		}
		return nil, false
	}
	if c.s.tooBig(len(arr)) {
		writeHTML(c.w, http.StatusGatewayTimeout)
		return nil, false
	}
	items := make([]map[string]any, len(arr))
	for i, e := range arr {
		m, isObj := e.(map[string]any)
		if !isObj {
			c.badRequest(fmt.Sprintf("Item %d must be a JSON object", i))
			return nil, false
		}
		items[i] = m
	}
	return items, true
}

// object decodes a single-object write body (PATCH /{entity}/{id}).
func (c *call) object() (map[string]any, bool) {
	v, ok := c.decodeBody()
	if !ok {
		return nil, false
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		c.badRequest("Request body must be a JSON object")
		return nil, false
	}
	return m, true
}

// requestID returns the item's request_id or its index as a string.
func requestID(m map[string]any, i int) string {
	switch v := m["request_id"].(type) {
	case string:
		if v != "" {
			return v
		}
	case json.Number:
		return v.String()
	}
	return strconv.Itoa(i)
}

// nowUnix is the current emulated time in unix seconds.
func (s *Server) nowUnix() int64 { return s.now().Unix() }
