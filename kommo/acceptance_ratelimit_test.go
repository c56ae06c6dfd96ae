package kommo_test

// Acceptance tests of Kommo's rate limit as Kommo documents it: 7
// requests in any sliding second per IP, 429s with a problem+json body
// and retry_after, a 403 block of the IP after repeated 429s, and
// If-Modified-Since on lists read again.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// stepClock is a clock that moves only when told to, or by what the
// client sleeps (sleep).
type stepClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newStepClock() *stepClock { return &stepClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sleep records d and moves the clock by it, at once.
func (c *stepClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *stepClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// hdrWire records the URL and headers of every request that leaves the
// client.
type hdrWire struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (w *hdrWire) Do(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.reqs = append(w.reqs, r.Clone(context.Background()))
	w.mu.Unlock()
	return http.DefaultClient.Do(r)
}

func (w *hdrWire) sent() []*http.Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.reqs
	w.reqs = nil
	return out
}

// limitEnv is an emulator with opts and a client on it whose clock and
// sleeps are clk's.
func limitEnv(t *testing.T, opts kt.Options, clk *stepClock, copts ...kommo.Option) (*kt.Server, *kommo.Client, string) {
	t.Helper()
	opts.Tokens = []string{token}
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	if opts.Rate == 0 {
		opts.Rate = rate.Inf // the clock stands still: a token bucket would run dry
	}
	emu, err := kt.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	base := []kommo.Option{kommo.WithToken(token), kommo.WithRateLimit(rate.Inf, 1), kommo.WithClock(clk.Now), kommo.WithSleep(clk.sleep)}
	c, err := kommo.NewClient(srv.URL, append(base, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return emu, c, srv.URL
}

// TestAcceptance429RetryAfter: Kommo's 429 body carries "retry_after"
// (seconds). The client waits that long, not its own backoff; when the
// wait is longer than what RetryPolicy.MaxElapsed leaves, it gives up at
// once, without sleeping and without sending again, with a
// *RetryLaterError that says until when.
func TestAcceptance429RetryAfter(t *testing.T) {
	t.Run("retry_after 20 s is waited", func(t *testing.T) {
		clk := newStepClock()
		emu, c, _ := limitEnv(t, kt.Options{RateLimitJSON: true, RetryAfter: 20}, clk)
		emu.FailNext(1, http.StatusTooManyRequests)
		_, resp, err := c.Account.Get(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got := clk.slept(); len(got) != 1 || got[0] != 20*time.Second || resp.Attempts != 2 {
			t.Errorf("slept %v in %d attempts, want [20s] in 2", got, resp.Attempts)
		}
	})
	t.Run("retry_after 300 s: give up at once", func(t *testing.T) {
		clk := newStepClock()
		emu, c, _ := limitEnv(t, kt.Options{RateLimitJSON: true}, clk)
		emu.FailNext(1, http.StatusTooManyRequests)
		start := clk.Now()
		_, _, err := c.Contacts.Create(t.Context(), []kommo.ContactRequest{{Name: "A"}})
		var rle *kommo.RetryLaterError
		if !errors.As(err, &rle) || !errors.Is(err, kommo.ErrRateLimited) {
			t.Fatalf("err = %v, want a *RetryLaterError matching ErrRateLimited", err)
		}
		if rle.Wait != 300*time.Second || !rle.Until.Equal(start.Add(300*time.Second)) || rle.Last == nil || rle.Last.RetryAfter != 300*time.Second {
			t.Errorf("RetryLaterError = %+v, want a 300 s wait until %v", rle, start.Add(300*time.Second))
		}
		if !strings.Contains(err.Error(), "300 s") || !strings.Contains(err.Error(), "09:05:00") {
			t.Errorf("message %q does not say the wait and its end", err)
		}
		if s := clk.slept(); len(s) != 0 {
			t.Errorf("slept %v before giving up", s)
		}
		if st := emu.Stats(); st.Requests != 1 || len(emu.Snapshot().Contacts) != len(kt.DefaultSeed().Contacts) {
			t.Errorf("%d requests, %d contacts: the write was sent again or applied", st.Requests, len(emu.Snapshot().Contacts))
		}
		// Every other request of the client waits with it: one sent now
		// would end the same way, unsent.
		_, _, err = c.Account.Get(t.Context())
		if !errors.As(err, &rle) || rle.Last != nil || emu.Stats().Requests != 1 {
			t.Errorf("next request: err = %v after %d requests, want a RetryLaterError, unsent", err, emu.Stats().Requests)
		}
		// Once the wait is over, requests go again.
		clk.advance(301 * time.Second)
		if _, _, err := c.Account.Get(t.Context()); err != nil {
			t.Errorf("after the wait: %v", err)
		}
	})
	t.Run("Retry-After header and body: the longer wins", func(t *testing.T) {
		clk := newStepClock()
		emu, c, _ := limitEnv(t, kt.Options{RateLimitJSON: true, RetryAfter: 5, RetryAfterHeader: true}, clk)
		emu.FailNext(1, http.StatusTooManyRequests)
		if _, _, err := c.Account.Get(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := clk.slept(); len(got) != 1 || got[0] != 5*time.Second {
			t.Errorf("slept %v, want [5s]", got)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "40")
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"title":"Too Many Requests","status":429,"retry_after":"12"}`)
		}))
		defer srv.Close()
		c2, _ := kommo.NewClient(srv.URL, kommo.WithToken(token), kommo.WithRateLimit(rate.Inf, 1), kommo.WithRetry(kommo.RetryPolicy{}))
		_, _, err := c2.Account.Get(t.Context())
		var rl *kommo.RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != 40*time.Second {
			t.Errorf("err = %#v, want a RateLimitError with RetryAfter 40s", err)
		}
	})
}

// TestAcceptance429GivesUpByWallTime: 429s without a wait (amoCRM's HTML
// page) are retried with backoff for MaxElapsed of waiting, however many
// retries that takes, and not a wait more.
func TestAcceptance429GivesUpByWallTime(t *testing.T) {
	clk := newStepClock()
	policy := kommo.RetryPolicy{MaxRetries: 2, MinWait: time.Second, MaxWait: 8 * time.Second, RateLimitWait: time.Second, MaxElapsed: 40 * time.Second}
	emu, c, _ := limitEnv(t, kt.Options{}, clk, kommo.WithRetry(policy))
	emu.FailNext(1000, http.StatusTooManyRequests)
	_, resp, err := c.Leads.List(t.Context(), nil)
	var rle *kommo.RetryLaterError
	if !errors.As(err, &rle) || rle.Last == nil || !rle.Last.HTML {
		t.Fatalf("err = %v, want a RetryLaterError after HTML 429s", err)
	}
	var total time.Duration
	for _, d := range clk.slept() {
		total += d
	}
	if total > policy.MaxElapsed || total+rle.Wait <= policy.MaxElapsed || rle.Waited != total {
		t.Errorf("waited %v (error says %v), next wait %v; want at most %v, and the next past it", total, rle.Waited, rle.Wait, policy.MaxElapsed)
	}
	if resp.Attempts <= policy.MaxRetries+1 || resp.Attempts != len(clk.slept())+1 || emu.Stats().RateLimited != resp.Attempts {
		t.Errorf("%d attempts, %d sleeps, %d 429s: want more than MaxRetries+1 attempts, one sleep between each", resp.Attempts, len(clk.slept()), emu.Stats().RateLimited)
	}
}

// TestAcceptance429PausesEveryRequest: a 429 holds every request of the
// client, not only the one that drew it: one started while another waits
// out its retry_after waits out the rest of it before it is sent. The
// request that drew it does not wait twice.
func TestAcceptance429PausesEveryRequest(t *testing.T) {
	clk := newStepClock()
	var c *kommo.Client
	var emu *kt.Server
	var other error
	var sentBefore, sentAfter int
	sleep := func(ctx context.Context, d time.Duration) error {
		clk.mu.Lock()
		first := len(clk.sleeps) == 0
		clk.sleeps = append(clk.sleeps, d)
		clk.mu.Unlock()
		if first {
			// While the first request waits out its 20 s (5 of them
			// gone), another one starts: it must wait the other 15.
			clk.advance(5 * time.Second)
			sentBefore = emu.Stats().Requests
			done := make(chan struct{})
			go func() { defer close(done); _, _, other = c.Pipelines.List(ctx) }()
			<-done
			sentAfter = emu.Stats().Requests
			return ctx.Err()
		}
		clk.advance(d)
		return ctx.Err()
	}
	emu, c, _ = limitEnv(t, kt.Options{RateLimitJSON: true, RetryAfter: 20}, clk, kommo.WithSleep(sleep))
	emu.FailNext(1, http.StatusTooManyRequests)
	if _, _, err := c.Account.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	if other != nil {
		t.Fatal(other)
	}
	if got := clk.slept(); len(got) != 2 || got[0] != 20*time.Second || got[1] != 15*time.Second {
		t.Errorf("sleeps %v, want [20s 15s]: the second request did not wait out the pause", got)
	}
	if sentAfter != sentBefore+1 {
		t.Errorf("the second request was sent %d times", sentAfter-sentBefore)
	}
	if n := emu.Stats().Requests; n != 3 {
		t.Errorf("%d requests, want 3 (429, the other, the retry)", n)
	}
}

// TestAcceptanceIPBlock: after BlockAfter 429s Kommo answers 403 to every
// request from the IP. Its block body is not documented: the HTML page
// (amoCRM's) and any 403 that follows a 429 are ErrAccountBlocked, with a
// message that says so; a 403 out of the blue (a missing right) is not.
func TestAcceptanceIPBlock(t *testing.T) {
	for _, jsonBody := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", jsonBody), func(t *testing.T) {
			clk := newStepClock()
			emu, c, _ := limitEnv(t, kt.Options{RateLimitJSON: true, RetryAfter: 2, BlockAfter: 2, BlockJSON: jsonBody}, clk)
			emu.FailNext(2, http.StatusTooManyRequests)
			_, resp, err := c.Account.Get(t.Context())
			if !errors.Is(err, kommo.ErrAccountBlocked) || !errors.Is(err, kommo.ErrForbidden) {
				t.Fatalf("err = %v, want ErrAccountBlocked", err)
			}
			if !strings.Contains(err.Error(), "blocked") || resp.Attempts != 3 || !emu.Blocked() {
				t.Errorf("err %q after %d attempts (blocked %v)", err, resp.Attempts, emu.Blocked())
			}
		})
	}
	clk := newStepClock()
	emu, c, _ := limitEnv(t, kt.Options{}, clk)
	emu.SetForbidden(true)
	if _, _, err := c.Account.Get(t.Context()); !errors.Is(err, kommo.ErrForbidden) || errors.Is(err, kommo.ErrAccountBlocked) {
		t.Errorf("a 403 without a 429 before: err = %v, want ErrForbidden only", err)
	}
}

// TestAcceptanceIfModifiedSince: ListOptions.IfModifiedSince goes out as
// the If-Modified-Since header of every page (never in the URL); the
// emulator lists only what changed since, and answers 204 or 304 when
// nothing did, which the client takes as "nothing changed" either way.
func TestAcceptanceIfModifiedSince(t *testing.T) {
	for _, with304 := range []bool{false, true} {
		t.Run(fmt.Sprintf("304=%v", with304), func(t *testing.T) {
			clk := newStepClock()
			w := &hdrWire{}
			_, c, _ := limitEnv(t, kt.Options{NotModified304: with304}, clk, kommo.WithDoer(w))
			ctx := t.Context()
			res := must[[]*kommo.WriteResult](t)(c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "A"}, {Name: "B"}, {Name: "C"}}))
			task := must[[]*kommo.WriteResult](t)(c.Tasks.Create(ctx, []kommo.TaskRequest{{Text: "Call", CompleteTill: clk.Now().Add(time.Hour).Unix()}}))
			clk.advance(time.Minute)
			read := clk.Now()
			clk.advance(time.Minute)
			w.sent()

			lo := kommo.ListOptions{IfModifiedSince: read, Limit: 1}
			got, resp, err := c.Contacts.List(ctx, &kommo.ContactListOptions{ListOptions: lo})
			if err != nil || len(got) != 0 || !resp.NotModified {
				t.Fatalf("nothing changed: %d contacts, NotModified %v, err %v", len(got), resp != nil && resp.NotModified, err)
			}
			if ts, resp, err := c.Tasks.List(ctx, &kommo.TaskListOptions{ListOptions: lo}); err != nil || len(ts) != 0 || !resp.NotModified {
				t.Fatalf("tasks, nothing changed: %d, err %v", len(ts), err)
			}
			must[[]*kommo.WriteResult](t)(c.Contacts.Update(ctx, []kommo.ContactRequest{{ID: res[0].ID, Name: "A2"}, {ID: res[2].ID, Name: "C2"}}))
			must[*kommo.WriteResult](t)(c.Tasks.Complete(ctx, task[0].ID, "done"))
			w.sent()
			var names []string
			for x, err := range c.Contacts.ListIter(ctx, &kommo.ContactListOptions{ListOptions: lo}) {
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, x.Name)
			}
			if strings.Join(names, ",") != "A2,C2" {
				t.Errorf("changed since: %v, want A2, C2", names)
			}
			reqs := w.sent()
			if len(reqs) < 2 {
				t.Fatalf("%d requests for two pages of one", len(reqs))
			}
			for _, r := range reqs {
				if r.Header.Get("If-Modified-Since") != read.Format(http.TimeFormat) || strings.Contains(strings.ToLower(r.URL.String()), "modified") {
					t.Errorf("%s sent If-Modified-Since %q", r.URL, r.Header.Get("If-Modified-Since"))
				}
			}
			if ts := must[[]*kommo.Task](t)(c.Tasks.List(ctx, &kommo.TaskListOptions{ListOptions: lo})); len(ts) != 1 || ts[0].ID != task[0].ID {
				t.Errorf("tasks changed since: %d", len(ts))
			}
			// Without the option, no header.
			w.sent()
			must[[]*kommo.Contact](t)(c.Contacts.List(ctx, nil))
			plain := w.sent()
			if len(plain) != 1 {
				t.Errorf("%d requests for one page", len(plain))
			}
			for _, r := range plain {
				if v := r.Header.Get("If-Modified-Since"); v != "" {
					t.Errorf("%s without IfModifiedSince sent %q", r.URL, v)
				}
			}
		})
	}
}

// testMargin is the sliding window's margin in real-time tests.
const testMargin = 120 * time.Millisecond

// TestAcceptanceSlidingWindow: at the default rate, concurrent requests
// against an emulator that counts 7 arrivals in any sliding second per IP,
// with 0–30 ms of network jitter, draw no 429: the client's window leaves
// each eighth request a second and a margin after the first. (A limiter
// sending exactly 7/s draws one within a few seconds.) Real time, about
// 4 s.
func TestAcceptanceSlidingWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time rate limit test")
	}
	emu, err := kt.NewServer(kt.Options{Tokens: []string{token}, Window: 7, ArrivalJitter: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	// The margin is wider than the default's 40 ms: on a loaded test
	// machine scheduling delays add to the emulated jitter. The default's
	// figures are BenchmarkSlidingWindow's (bulk).
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(token), kommo.WithRetry(kommo.RetryPolicy{}), kommo.WithWindowMargin(testMargin))
	if err != nil {
		t.Fatal(err)
	}
	g, ctx := errgroup.WithContext(t.Context())
	g.SetLimit(4)
	const n = 29
	for range n {
		g.Go(func() error { _, _, err := c.Account.Get(ctx); return err })
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("a request failed: %v", err)
	}
	if st := emu.Stats(); st.RateLimited != 0 || st.Requests != n || st.WindowPeak > 7 {
		t.Errorf("%d requests, %d 429s, peak %d in a second; want %d, 0, at most 7", st.Requests, st.RateLimited, st.WindowPeak, n)
	}
}

// TestAcceptanceSharedBudget: two clients, each at the default rate, each
// with its own handle on the shared budget file (as two processes on one
// host have), against one emulator counting 7 arrivals in any sliding
// second per IP: together they stay within 7, and draw no 429. Without the
// shared budget the same two draw 429s. Real time, about 6 s.
func TestAcceptanceSharedBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time rate limit test")
	}
	run := func(t *testing.T, shared bool) kt.Stats {
		emu, err := kt.NewServer(kt.Options{Tokens: []string{token}, Window: 7, ArrivalJitter: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(emu)
		defer srv.Close()
		dir := t.TempDir()
		g, ctx := errgroup.WithContext(t.Context())
		for range 2 {
			opts := []kommo.Option{kommo.WithToken(token), kommo.WithRetry(kommo.RetryPolicy{}), kommo.WithWindowMargin(testMargin)}
			if shared {
				opts = append(opts, kommo.WithSharedBudget(dir))
			}
			c, err := kommo.NewClient(srv.URL, opts...)
			if err != nil {
				t.Fatal(err)
			}
			g.Go(func() error {
				for range 14 {
					if _, _, err := c.Account.Get(ctx); err != nil && !errors.Is(err, kommo.ErrRateLimited) {
						return err
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		return emu.Stats()
	}
	st := run(t, true)
	if st.RateLimited != 0 || st.WindowPeak > 7 || st.Requests != 28 {
		t.Errorf("shared: %d requests, %d 429s, peak %d in a second; want 28, 0, at most 7", st.Requests, st.RateLimited, st.WindowPeak)
	}
	if st := run(t, false); st.RateLimited == 0 {
		t.Errorf("without the shared budget two clients drew no 429 (peak %d): the test proves nothing", st.WindowPeak)
	}
}

// TestAcceptanceEmulatorLimitBodies checks the emulator's side on the
// wire: Kommo's 429 body exactly, a window of 7 arrivals per IP whatever
// the token, and a JSON block page for that IP afterwards.
func TestAcceptanceEmulatorLimitBodies(t *testing.T) {
	clk := newStepClock()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{token, "second-token"}, Now: clk.Now, Window: 7, RateLimitJSON: true,
		BlockAfter: 2, BlockJSON: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	get := func(tok string) (int, string, string) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/v4/account", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, r.Body)
		return r.StatusCode, r.Header.Get("Content-Type"), b.String()
	}
	for i := range 7 { // 7 in the same second, from two tokens
		if code, _, _ := get([]string{token, "second-token"}[i%2]); code != 200 {
			t.Fatalf("request %d = %d", i+1, code)
		}
	}
	code, ctype, body := get("second-token")
	want := `{"title":"Too Many Requests","type":"https://httpstatus.es/429","status":429,"detail":"You have sent too many requests in a given amount of time. Please try again later.","retry_after":300}`
	if code != 429 || ctype != "application/problem+json" || strings.TrimSpace(body) != want {
		t.Errorf("8th request = %d %s %s, want 429 with Kommo's body", code, ctype, body)
	}
	clk.advance(time.Second + time.Millisecond) // the window has moved on
	if code, _, _ := get(token); code != 200 {
		t.Errorf("a second later = %d, want 200", code)
	}
	for range 7 {
		get(token)
	}
	if code, ctype, body := get(token); code != 403 || ctype != "application/problem+json" || !emu.Blocked() {
		t.Errorf("after two 429s = %d %s %s, want the 403 block", code, ctype, body)
	}
	clk.advance(time.Hour)
	if code, _, _ := get("second-token"); code != 403 {
		t.Errorf("blocked IP, other token, an hour later = %d, want 403", code)
	}
	if st := emu.Stats(); st.RateLimited != 2 || st.Blocked != 2 || st.WindowPeak != 8 {
		t.Errorf("stats %+v", st)
	}
}
