package bulk

import (
	"net/http"
	"sync"

	"golang.org/x/time/rate"
)

// Pacer adapts a client's rate limiter to what Kommo answers. Every 429
// means the account's budget is shared (other integrations, another job):
// the pacer halves the rate, down to Min. After Recover successful
// responses in a row it raises the rate by a tenth, up to the configured
// rate (NewPacer's max).
//
// A Pacer watches responses through Wrap, an http.RoundTripper wrapper
// placed under the kommo client; it never sends anything itself. It is
// safe for concurrent use.
type Pacer struct {
	limiter *rate.Limiter
	max     rate.Limit
	// Min is the lowest rate the pacer falls to (default 0.5 requests/s).
	Min rate.Limit
	// Recover is the run of successes that raises the rate (default 20).
	Recover int

	mu        sync.Mutex
	successes int
	throttled int
	lowest    rate.Limit
}

// NewPacer returns a pacer that steers limiter between Min and max, the
// configured rate (rate.Inf for none). The limiter may be shared by the
// jobs of a process or a browser session, one after another: one that an
// earlier job's pacer left below max is set back to max, so every job
// starts at the configured rate.
func NewPacer(limiter *rate.Limiter, max rate.Limit) *Pacer {
	if limiter.Limit() < max {
		limiter.SetLimit(max)
	}
	return &Pacer{limiter: limiter, max: max, Min: 0.5, Recover: 20}
}

// Wrap returns rt with the pacer watching its responses.
func (p *Pacer) Wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if err == nil {
			p.Observe(resp.StatusCode)
		}
		return resp, err
	})
}

// Observe feeds the pacer one response status.
func (p *Pacer) Observe(status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.limiter.Limit()
	switch {
	case status == http.StatusTooManyRequests:
		p.successes = 0
		p.throttled++
		next := cur / 2
		if next < p.Min {
			next = p.Min
		}
		p.limiter.SetLimit(next)
		if p.lowest == 0 || next < p.lowest {
			p.lowest = next
		}
	case status < 500:
		p.successes++
		if p.successes >= p.Recover && cur < p.max {
			p.successes = 0
			next := cur * 1.1
			if next > p.max {
				next = p.max
			}
			p.limiter.SetLimit(next)
		}
	}
}

// Throttled reports how many 429s the pacer has seen.
func (p *Pacer) Throttled() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.throttled
}

// Lowest reports the lowest rate the pacer has set (0 if it never slowed).
func (p *Pacer) Lowest() rate.Limit {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lowest
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
