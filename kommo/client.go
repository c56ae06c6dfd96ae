package kommo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

const (
	// DefaultRate is Kommo's documented request limit: "not more than 7
	// requests per second" per IP. The client's sliding window (see
	// DefaultWindowMargin) keeps it within 7 in any second as Kommo counts
	// arrivals.
	DefaultRate rate.Limit = 7
	// DefaultBurst is the limiter burst used with DefaultRate. A burst of one
	// spaces requests evenly, so the server's bucket never sees a spike.
	DefaultBurst = 1
	// MaxBatch is the most entities Kommo accepts in one POST or PATCH.
	MaxBatch = 250
	// MaxLimit is the largest page size Kommo accepts for most lists.
	MaxLimit = 250
	// MaxEventsLimit is the largest page size of the events list: 250 in
	// Kommo's v4 events-list (the 100 of older notes came from the legacy
	// /api/v2/events page).
	MaxEventsLimit = 250
	// MaxComplexBatch is the most leads /leads/complex accepts at once.
	MaxComplexBatch = 50

	userAgent = "kommo-bulk/1 (+https://github.com/kommo-bulk/kommo-bulk)"

	// maxErrorBody bounds how much of an error body is read.
	maxErrorBody = 64 << 10

	// BlockWindow is how long after a 429 a 403 is taken for Kommo's
	// block of the IP (ErrAccountBlocked), whatever its body.
	BlockWindow = 10 * time.Minute
)

// A Client talks to one Kommo account. It is safe for concurrent use by
// multiple goroutines; all of them share its rate limiter and credentials.
type Client struct {
	doer      Doer
	baseURL   *url.URL // always ends in "/"
	userAgent string
	limiter   *rate.Limiter
	pacer     *pacer // WithAdaptiveRate; nil: the limiter keeps its rate
	retry     RetryPolicy
	creds     credentials

	window       *window        // the sliding-window guard (nil: none)
	sharedDir    string         // WithSharedBudget
	windowMargin *time.Duration // WithWindowMargin

	pauseMu    sync.Mutex
	pauseUntil time.Time    // no request leaves before (a 429's wait)
	last429    atomic.Int64 // when the last 429 came (c.now, unix ns)

	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	jitter func() float64 // in [0, 1)

	common service

	Leads        *LeadsService
	Contacts     *ContactsService
	Companies    *CompaniesService
	Tasks        *TasksService
	CustomFields *CustomFieldsService
	Pipelines    *PipelinesService
	Users        *UsersService
	Account      *AccountService
	Tags         *TagsService
	Events       *EventsService
	Links        *LinksService
	Notes        *NotesService
}

type service struct{ client *Client }

// An Option configures a Client in NewClient.
type Option func(*Client) error

// A Doer sends one HTTP request and returns its response, as
// (*http.Client).Do does; *http.Client is the usual one. The client calls Do
// once per attempt, so a Doer need not retry, and it closes every response
// body it is given. A Doer must be safe for concurrent use.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// WithHTTPClient sets the HTTP client used for every request (tests and
// proxies pass their own). The default, in native builds, is a new client
// with a 60 s timeout; there is no package-level client. It is WithDoer for
// an *http.Client.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("nil http client")
		}
		c.doer = hc
		return nil
	}
}

// WithDoer sends every request through d instead of an *http.Client.
//
// In native builds the default (when neither WithDoer nor WithHTTPClient is
// given) is an *http.Client with a 60 s timeout. Under GOOS=js there is no
// default: linking one would pull net/http's native transport (HTTP/1, HTTP/2,
// TLS) into the WebAssembly module although the browser's fetch carries the
// requests, so NewClient fails unless the caller passes a Doer over fetch.
func WithDoer(d Doer) Option {
	return func(c *Client) error {
		if d == nil {
			return errors.New("nil doer")
		}
		c.doer = d
		return nil
	}
}

// WithToken authenticates with a long-lived token (or any access token that
// is not refreshed by this client).
func WithToken(token string) Option {
	return func(c *Client) error {
		if token == "" {
			return errors.New("empty token")
		}
		c.creds = &staticToken{tok: token}
		return nil
	}
}

// WithRateLimit sets the client's request rate and burst. Use rate.Inf to
// turn limiting off (tests only: Kommo blocks accounts that ignore it).
func WithRateLimit(r rate.Limit, burst int) Option {
	return func(c *Client) error {
		if burst < 1 {
			burst = 1
		}
		c.limiter = rate.NewLimiter(r, burst)
		return nil
	}
}

// WithLimiter makes the client wait on l, so several clients of one account
// (say, one per token) share one budget.
func WithLimiter(l *rate.Limiter) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("nil limiter")
		}
		c.limiter = l
		return nil
	}
}

// WithRetry sets the retry policy. See RetryPolicy for the defaults.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error {
		c.retry = p
		return nil
	}
}

// WithSleep replaces the function the client waits with between retries, so
// tests never sleep for real. It must return ctx.Err() if ctx ends first.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) error {
		c.sleep = sleep
		return nil
	}
}

// WithClock sets the client's clock (used to decide when an OAuth token has
// expired).
func WithClock(now func() time.Time) Option {
	return func(c *Client) error {
		c.now = now
		return nil
	}
}

// WithUserAgent sets a User-Agent prefix, such as "myapp/1.2".
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		c.userAgent = ua + " " + userAgent
		return nil
	}
}

// errNoDoer is NewClient's error under GOOS=js when no option set a Doer.
var errNoDoer = errors.New("kommo: no HTTP client: pass WithDoer (in js/wasm the caller supplies a fetch-based one)")

var subdomainRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// NewClient returns a client for the account at baseURL, which is either a
// subdomain ("mycompany", giving https://mycompany.kommo.com) or any URL of
// a Kommo-compatible server (an emulator or a proxy): "/api/v4/..." is
// appended to its path.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("kommo: %w", err)
	}
	c := &Client{
		doer:      defaultDoer(),
		baseURL:   u,
		userAgent: userAgent,
		limiter:   rate.NewLimiter(DefaultRate, DefaultBurst),
		retry:     DefaultRetryPolicy(),
		sleep:     sleepCtx,
		now:       time.Now,
		jitter:    rand.Float64,
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, fmt.Errorf("kommo: %w", err)
		}
	}
	if c.doer == nil {
		return nil, errNoDoer
	}
	if c.pacer != nil {
		c.pacer.start(c.limiter)
	}
	if err := c.setupWindow(); err != nil {
		return nil, fmt.Errorf("kommo: %w", err)
	}
	c.common.client = c
	c.Leads = (*LeadsService)(&c.common)
	c.Contacts = (*ContactsService)(&c.common)
	c.Companies = (*CompaniesService)(&c.common)
	c.Tasks = (*TasksService)(&c.common)
	c.CustomFields = (*CustomFieldsService)(&c.common)
	c.Pipelines = (*PipelinesService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Account = (*AccountService)(&c.common)
	c.Tags = (*TagsService)(&c.common)
	c.Events = (*EventsService)(&c.common)
	c.Links = (*LinksService)(&c.common)
	c.Notes = (*NotesService)(&c.common)
	return c, nil
}

func parseBaseURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty base URL")
	}
	if !strings.Contains(s, "/") && !strings.Contains(s, ":") {
		sub := strings.ToLower(strings.TrimSuffix(s, ".kommo.com"))
		if !subdomainRE.MatchString(sub) {
			return nil, fmt.Errorf("invalid subdomain %q", s)
		}
		s = "https://" + sub + ".kommo.com"
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("base URL %q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("base URL %q has no host", s)
	}
	if u.User != nil {
		return nil, errors.New("base URL must not carry credentials")
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// BaseURL returns the account URL requests are sent to.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// Limiter returns the client's rate limiter, which callers (the bulk engine)
// may slow down and speed up again when other integrations share the budget.
func (c *Client) Limiter() *rate.Limiter { return c.limiter }

// WaitBackoff waits before retry number attempt (1-based) of a request the
// caller sends again itself, such as the bulk engine's writes whose outcome
// was unknown: the wait of the client's retry policy (RetryPolicy.Backoff,
// with the client's jitter), slept with the client's sleep (WithSleep). It
// returns ctx.Err() if ctx ends first.
func (c *Client) WaitBackoff(ctx context.Context, attempt int) error {
	return c.sleep(ctx, c.retry.Backoff(attempt, c.jitter))
}

// NewRequest builds a request for path, which is relative to the base URL
// (e.g. "api/v4/leads"). A non-nil body is encoded as JSON.
func (c *Client) NewRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	if strings.HasPrefix(path, "/") || strings.Contains(path, "://") {
		return nil, fmt.Errorf("kommo: path %q must be relative", path)
	}
	u, err := c.baseURL.Parse(path)
	if err != nil {
		return nil, err
	}
	var buf io.Reader
	var raw []byte
	if body != nil {
		raw, err = json.Marshal(body)
		if err != nil {
			return nil, err
		}
		buf = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), buf)
	if err != nil {
		return nil, err
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	}
	req.Header.Set("Accept", "application/hal+json, application/json")
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// Response wraps the HTTP response of a call, with Kommo's paging.
type Response struct {
	*http.Response

	// Page is the page number the list answered (Kommo's _page).
	Page int
	// NextURL is the _links.next.href of a list page, "" on the last page.
	NextURL string
	// RequestID is the X-Request-Id header Kommo sets, for support tickets.
	RequestID string
	// Attempts is how many times the request was sent (1 without retries).
	Attempts int
	// NotModified reports that a list sent with If-Modified-Since was
	// answered 304 Not Modified, or 204 No Content: nothing changed since.
	NotModified bool
}

func newResponse(r *http.Response) *Response {
	resp := &Response{Response: r}
	if r != nil {
		resp.RequestID = r.Header.Get("X-Request-Id")
	}
	return resp
}

// Do sends req, retrying as the policy allows, and decodes a successful JSON
// body into v (if v is non-nil). A 204 leaves v untouched. Errors come from
// CheckResponse; if ctx ended, ctx.Err() is returned. With OAuth
// credentials, a 401 refreshes the token once and sends the request again.
// A read whose answer times out halfway is sent again like one that timed
// out before its answer began, v cleared of the partial answer first.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	ctx := req.Context()
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	var (
		resp     *Response
		err      error
		attempt  int
		reauthed bool
		partial  bool          // v holds part of an answer that timed out
		first429 time.Time     // when this request first drew a 429
		waited   time.Duration // the 429 waits it slept
		slept    time.Time     // the end of the pause it set and slept
	)
	for {
		attempt++
		resp, err = c.send(req, slept)
		if resp != nil {
			resp.Attempts = attempt
		}
		if err == nil {
			if err = decode(resp, v, partial); err == nil {
				return resp, nil
			}
			if !idempotent || ctx.Err() != nil || !isTimeout(err) {
				return resp, err
			}
			partial = true
			err = &NetworkError{Op: req.Method + " " + req.URL.Path, Err: err}
		}
		var rl *RateLimitError
		if errors.Is(err, ErrUnauthorized) && !reauthed && c.creds != nil && c.creds.canRefresh() {
			reauthed = true
			used := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
			if _, rerr := c.creds.token(ctx, c, used); rerr != nil {
				return resp, rerr
			}
		} else if errors.As(err, &rl) {
			// Every request of the client waits with this one: a 429
			// means the budget is spent, whoever sees it.
			now := c.now()
			if first429.IsZero() {
				first429 = now
			}
			wait := c.retry.rateLimitWait(attempt, rl, c.jitter)
			if c.retry.MaxElapsed > 0 && wait <= 0 {
				wait = time.Second
			}
			until := now.Add(wait)
			c.pause(until, wait)
			if c.retry.MaxElapsed > 0 {
				elapsed := max(now.Sub(first429), waited)
				if elapsed+wait > c.retry.MaxElapsed {
					return resp, &RetryLaterError{Op: req.Method + " " + req.URL.Path, Wait: wait, Until: until, Waited: elapsed, Last: rl}
				}
			} else if attempt > c.retry.MaxRetries {
				break
			}
			if err := c.sleep(ctx, wait); err != nil {
				return resp, err
			}
			waited += wait
			slept = until
		} else {
			retry, wait := c.retry.decide(attempt, idempotent, err, c.jitter)
			if !retry {
				break
			}
			if err := c.sleep(ctx, wait); err != nil {
				return resp, err
			}
		}
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				return resp, gerr
			}
			req.Body = body
		}
	}
	return resp, err
}

// decode reads a successful answer's JSON body into v (a 204, or a nil v,
// is drained) and closes the body. With reset, v's pointee is zeroed first.
func decode(resp *Response, v any, reset bool) error {
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified || v == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	if rv := reflect.ValueOf(v); reset && rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv.Elem().SetZero()
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil && err != io.EOF {
		return fmt.Errorf("decode %s response: %w", resp.Request.URL.Path, err)
	}
	return nil
}

// send makes one attempt: wait out a 429's pause (but for one ending by
// slept, which the caller has waited out already), the limiter and the
// sliding window, authenticate, round-trip and check the status. On error
// the body is closed.
func (c *Client) send(req *http.Request, slept time.Time) (*Response, error) {
	ctx := req.Context()
	op := req.Method + " " + req.URL.Path
	if err := c.waitPause(ctx, op, slept); err != nil {
		return nil, err
	}
	if err := c.limiter.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if c.creds != nil {
		tok, err := c.creds.token(ctx, c, "")
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if c.window != nil {
		if err := c.window.wait(ctx, op, c.retry.MaxElapsed); err != nil {
			return nil, err
		}
	}
	r, err := c.doer.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &NetworkError{Op: op, Err: scrubURLError(err)}
	}
	if c.pacer != nil {
		c.pacer.observe(r.StatusCode)
	}
	resp := newResponse(r)
	if req.Header.Get("If-Modified-Since") != "" && r.StatusCode == http.StatusNotModified {
		resp.NotModified = true
		return resp, nil
	}
	if err := CheckResponse(r); err != nil {
		r.Body.Close()
		var rl *RateLimitError
		var er *ErrorResponse
		switch {
		case errors.As(err, &rl):
			c.last429.Store(c.now().UnixNano())
		case errors.As(err, &er) && er.Status == http.StatusForbidden:
			if t := c.last429.Load(); t != 0 && c.now().Sub(time.Unix(0, t)) < BlockWindow {
				er.Blocked = true
			}
		}
		return resp, err
	}
	return resp, nil
}

// pause holds every request of the client (and, with a shared budget, of
// the other processes) until until, d from now.
func (c *Client) pause(until time.Time, d time.Duration) {
	c.pauseMu.Lock()
	if until.After(c.pauseUntil) {
		c.pauseUntil = until
	}
	c.pauseMu.Unlock()
	if c.window != nil {
		_ = c.window.pause(d) // at worst the other processes do not wait
	}
}

// waitPause waits until the client's pause ends, unless it ends by slept.
// A pause longer than RetryPolicy.MaxElapsed (when set) is not waited out:
// the request is given up at once, unsent.
func (c *Client) waitPause(ctx context.Context, op string, slept time.Time) error {
	c.pauseMu.Lock()
	until := c.pauseUntil
	c.pauseMu.Unlock()
	if !until.After(slept) {
		return nil
	}
	d := until.Sub(c.now())
	if d <= 0 {
		return nil
	}
	if c.retry.MaxElapsed > 0 && d > c.retry.MaxElapsed {
		return &RetryLaterError{Op: op, Wait: d, Until: until}
	}
	return c.sleep(ctx, d)
}

// scrubURLError keeps a *url.Error's cause and operation but drops the query
// string from its URL.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			u.User = nil
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ListOptions are the paging parameters shared by list calls.
type ListOptions struct {
	// Page is the 1-based page number; 0 means the first.
	Page int
	// Limit is the page size; 0 leaves Kommo's default (the SDK sends 50).
	// Kommo accepts at most MaxLimit (MaxEventsLimit for events).
	Limit int
	// IfModifiedSince, when set, is sent as the If-Modified-Since header
	// of every page, as Kommo recommends for lists of leads, contacts,
	// companies and tasks read again: requests that fetch the same data
	// over and over get an IP restricted. What Kommo answers is not
	// documented; the client takes 304 Not Modified, and 204, as "nothing
	// changed" (no items, Response.NotModified set) and a 200 as the
	// records changed since. Pair it with an updated_at filter from the
	// same time, so the answer is the changes whichever Kommo does.
	IfModifiedSince time.Time
}

// imsKey carries ListOptions.IfModifiedSince from encode to the list
// calls, which send it as a header: it never reaches a URL.
const imsKey = "\x00if-modified-since"

func (o ListOptions) encode(q url.Values) {
	if o.Page > 0 {
		q.Set("page", fmt.Sprint(o.Page))
	}
	if o.Limit > 0 {
		q.Set("limit", fmt.Sprint(o.Limit))
	}
	if !o.IfModifiedSince.IsZero() {
		q.Set(imsKey, o.IfModifiedSince.UTC().Format(http.TimeFormat))
	}
}

// takeIMS removes the If-Modified-Since value from q and returns it.
func takeIMS(q url.Values) string {
	v := q.Get(imsKey)
	if v != "" {
		delete(q, imsKey)
	}
	return v
}

// halList is the HAL envelope of a list page.
type halList[T any] struct {
	Page  int `json:"_page"`
	Links struct {
		Next *struct {
			Href string `json:"href"`
		} `json:"next"`
	} `json:"_links"`
	Embedded map[string]json.RawMessage `json:"_embedded"`
}

// getList fetches one page from path (with its query) and decodes
// _embedded[key] into a slice. A query too long for one URL is refused:
// see MaxURLLength.
func getList[T any](ctx context.Context, c *Client, op, path, key string, q url.Values) ([]*T, *Response, error) {
	ims := takeIMS(q)
	if parts, err := c.splitQuery(path, q); err != nil {
		return nil, nil, wrapOp(op, err)
	} else if len(parts) > 1 {
		return nil, nil, wrapOp(op, fmt.Errorf("the filters make a URL over %d bytes: list with ListIter, which splits them, or split the ids with SplitIDs", MaxURLLength))
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return getListURL[T](ctx, c, op, path, key, ims)
}

// splitQuery is splitQuery for a request to path.
func (c *Client) splitQuery(path string, q url.Values) ([]url.Values, error) {
	return splitQuery(len(c.baseURL.String())+len(path), q)
}

// getListURL fetches one page at path; ims, when set, is sent as
// If-Modified-Since, and a 304 or 204 answer to it sets NotModified.
func getListURL[T any](ctx context.Context, c *Client, op, path, key, ims string) ([]*T, *Response, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, nil, wrapOp(op, err)
	}
	if ims != "" {
		req.Header.Set("If-Modified-Since", ims)
	}
	var page halList[T]
	resp, err := c.Do(req, &page)
	if err != nil {
		return nil, resp, wrapOp(op, err)
	}
	if resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified {
		resp.NotModified = ims != ""
		return nil, resp, nil
	}
	resp.Page = page.Page
	if page.Links.Next != nil {
		resp.NextURL = page.Links.Next.Href
	}
	var items []*T
	if raw, ok := page.Embedded[key]; ok {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, resp, wrapOp(op, fmt.Errorf("decode _embedded.%s: %w", key, err))
		}
	}
	return items, resp, nil
}

// nextPath turns a _links.next.href into a path relative to the client's base
// URL. Only the path below /api/v4/ and the query are kept: the token is
// never sent to a host other than the configured one, whatever the href says.
func (c *Client) nextPath(href string) (string, error) {
	u, err := url.Parse(href)
	if err != nil {
		return "", err
	}
	i := strings.Index(u.Path, "api/v4/")
	if i < 0 {
		return "", fmt.Errorf("unexpected next link path %q", u.Path)
	}
	p := u.Path[i:]
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p, nil
}

// iterate walks all pages of a list, following _links.next until a page
// has no next link or Kommo answers 204. A query too long for one URL
// (thousands of ids) is split into several lists, walked one after the
// other.
func iterate[T any](ctx context.Context, c *Client, op, path, key string, q url.Values) func(yield func(*T, error) bool) {
	return func(yield func(*T, error) bool) {
		q := maps.Clone(q)
		ims := takeIMS(q)
		parts, err := c.splitQuery(path, q)
		if err != nil {
			yield(nil, wrapOp(op, err))
			return
		}
		for _, part := range parts {
			if !iteratePages(ctx, c, op, path, key, ims, part, yield) {
				return
			}
		}
	}
}

// iteratePages walks the pages of one list; it reports false when yield
// asked to stop or an error was yielded.
func iteratePages[T any](ctx context.Context, c *Client, op, path, key, ims string, q url.Values, yield func(*T, error) bool) bool {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	items, resp, err := getListURL[T](ctx, c, op, path, key, ims)
	for {
		if err != nil {
			yield(nil, err)
			return false
		}
		for _, it := range items {
			if !yield(it, nil) {
				return false
			}
		}
		if resp == nil || resp.NextURL == "" || len(items) == 0 {
			return true
		}
		next, perr := c.nextPath(resp.NextURL)
		if perr != nil {
			yield(nil, wrapOp(op, perr))
			return false
		}
		items, resp, err = getListURL[T](ctx, c, op, next, key, ims)
	}
}

// writeResults is the thin response of a batch write.
type writeResults struct {
	Embedded map[string][]*WriteResult `json:"_embedded"`
}

// WriteResult is Kommo's thin answer for one written entity: its id and the
// request_id the item was sent with.
type WriteResult struct {
	ID        int    `json:"id"`
	RequestID string `json:"request_id,omitempty"`
	UpdatedAt int64  `json:"updated_at,omitempty"`
	// IsDeleted and IsUnsorted are set on contact and company creates.
	IsDeleted  bool  `json:"is_deleted,omitempty"`
	IsUnsorted bool  `json:"is_unsorted,omitempty"`
	Links      Links `json:"_links,omitzero"`
}

// Links are an entity's HAL _links.
type Links struct {
	Self *Link `json:"self,omitempty"`
}

// Link is one HAL link.
type Link struct {
	Href string `json:"href"`
}

// sendBatch posts or patches items to path and returns the results in
// _embedded[key]. Batches larger than MaxBatch are refused before sending.
func sendBatch[T any](ctx context.Context, c *Client, op, method, path, key string, items []T) ([]*WriteResult, *Response, error) {
	if len(items) == 0 {
		return nil, nil, wrapOp(op, errors.New("no items"))
	}
	if len(items) > MaxBatch {
		return nil, nil, wrapOp(op, fmt.Errorf("%d items, Kommo accepts at most %d per request", len(items), MaxBatch))
	}
	req, err := c.NewRequest(ctx, method, path, items)
	if err != nil {
		return nil, nil, wrapOp(op, err)
	}
	var out writeResults
	resp, err := c.Do(req, &out)
	if err != nil {
		return nil, resp, wrapOp(op, err)
	}
	return out.Embedded[key], resp, nil
}

// sendOne patches a single entity at path/{id}. Kommo answers the thin result
// at the root; some documented examples wrap it in _embedded[key][0], so
// both are accepted.
func sendOne(ctx context.Context, c *Client, op, path, key string, body any) (*WriteResult, *Response, error) {
	req, err := c.NewRequest(ctx, http.MethodPatch, path, body)
	if err != nil {
		return nil, nil, wrapOp(op, err)
	}
	var raw json.RawMessage
	resp, err := c.Do(req, &raw)
	if err != nil {
		return nil, resp, wrapOp(op, err)
	}
	var res WriteResult
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, resp, wrapOp(op, fmt.Errorf("decode response: %w", err))
		}
		if res.ID == 0 {
			var wrapped writeResults
			if json.Unmarshal(raw, &wrapped) == nil && len(wrapped.Embedded[key]) > 0 {
				res = *wrapped.Embedded[key][0]
			}
		}
	}
	return &res, resp, nil
}

// getOne fetches a single entity; 204 and 404 both mean it does not exist.
func getOne[T any](ctx context.Context, c *Client, op, path string, q url.Values) (*T, *Response, error) {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, nil, wrapOp(op, err)
	}
	v := new(T)
	resp, err := c.Do(req, v)
	if err != nil {
		return nil, resp, wrapOp(op, err)
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil, resp, wrapOp(op, &ErrorResponse{Response: resp.Response, Status: http.StatusNoContent, Detail: "not found"})
	}
	return v, resp, nil
}

// opError prefixes an error with the operation, as in
// "kommo: create leads: <cause>", keeping it matchable with errors.As.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return "kommo: " + e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

func wrapOp(op string, err error) error {
	if err == nil {
		return nil
	}
	var oe *opError
	if errors.As(err, &oe) {
		return err
	}
	return &opError{op: op, err: err}
}
