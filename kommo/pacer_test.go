package kommo

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"context"
	"golang.org/x/time/rate"
	"time"
)

// adaptive returns a client on limiter l with an adaptive rate up to max,
// and its pacer.
func adaptive(t *testing.T, l *rate.Limiter, max rate.Limit) (*Client, *pacer) {
	t.Helper()
	c, err := NewClient("https://example.kommo.com", WithToken("t"), WithLimiter(l), WithAdaptiveRate(AdaptiveRate{Max: max}))
	if err != nil {
		t.Fatal(err)
	}
	return c, c.pacer
}

func TestPacer(t *testing.T) {
	l := rate.NewLimiter(8, 1)
	c, p := adaptive(t, l, 8)
	p.observe(429)
	if l.Limit() != 4 {
		t.Errorf("after 429: %v, want 4", l.Limit())
	}
	for range 5 {
		p.observe(429)
	}
	if l.Limit() != 0.5 {
		t.Errorf("floor: %v, want 0.5", l.Limit())
	}
	for range 20 * 40 {
		p.observe(200)
	}
	if l.Limit() != 8 {
		t.Errorf("recovered to %v, want 8", l.Limit())
	}
	if st := c.Pacing(); st.Throttled != 6 || st.Lowest != 0.5 {
		t.Errorf("pacing = %+v, want 6 throttled, lowest 0.5", st)
	}
}

// TestPacerJobsShareALimiter runs two jobs in turn on one limiter, as the
// steps of a run or the jobs of a browser session do: the first is
// throttled, and the second starts from, and recovers to, the configured
// rate, not the rate the first left behind.
func TestPacerJobsShareALimiter(t *testing.T) {
	l := rate.NewLimiter(8, 1)
	_, first := adaptive(t, l, 8)
	for range 3 {
		first.observe(http.StatusTooManyRequests)
	}
	if l.Limit() != 1 {
		t.Fatalf("first job, after three 429s: %v, want 1", l.Limit())
	}
	_, second := adaptive(t, l, 8)
	if l.Limit() != 8 {
		t.Errorf("second job starts at %v, want the configured 8", l.Limit())
	}
	second.observe(http.StatusTooManyRequests)
	for range 20 * 40 {
		second.observe(http.StatusOK)
	}
	if l.Limit() != 8 {
		t.Errorf("second job recovered to %v, want the configured 8", l.Limit())
	}
}

// TestAdaptiveRateOnTheWire: a client with an adaptive rate halves its
// limiter on every 429 it receives, retried attempts included, and says so
// in Pacing; one without it keeps its rate.
func TestAdaptiveRateOnTheWire(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"title":"Too Many Requests","status":429}`))
			return
		}
		w.Header().Set("Content-Type", "application/hal+json")
		w.Write([]byte(`{"id":1,"name":"Acme","subdomain":"acme"}`))
	}))
	defer srv.Close()
	for _, paced := range []bool{true, false} {
		n.Store(0)
		l := rate.NewLimiter(rate.Inf, 1)
		opts := []Option{WithToken("t"), WithLimiter(l), WithHTTPClient(srv.Client()), WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })}
		if paced {
			l.SetLimit(40)
			opts = append(opts, WithAdaptiveRate(AdaptiveRate{Max: 40}))
		}
		c, err := NewClient(srv.URL, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Account.Get(t.Context()); err != nil {
			t.Fatalf("paced=%v: %v", paced, err)
		}
		if n.Load() != 3 {
			t.Fatalf("paced=%v: %d requests, want 3 (two 429s retried)", paced, n.Load())
		}
		st := c.Pacing()
		switch {
		case paced && (l.Limit() != 10 || st.Throttled != 2 || st.Lowest != 10):
			t.Errorf("paced: limiter at %v, pacing %+v; want 10, 2 throttled, lowest 10", l.Limit(), st)
		case !paced && (l.Limit() != rate.Inf || st != PacingStats{}):
			t.Errorf("unpaced: limiter at %v, pacing %+v; want Inf and none", l.Limit(), st)
		}
	}
}
