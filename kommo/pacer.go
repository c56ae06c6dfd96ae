package kommo

import (
	"errors"
	"net/http"
	"sync"

	"golang.org/x/time/rate"
)

// AdaptiveRate configures WithAdaptiveRate.
type AdaptiveRate struct {
	// Max is the configured rate, the most the client sends (rate.Inf for
	// no limit). NewClient sets the client's limiter to it, whatever an
	// earlier client sharing the limiter left it at.
	Max rate.Limit
	// Min is the lowest rate the client falls to (default 0.5 requests/s).
	Min rate.Limit
	// Recover is the run of successful responses that raises the rate by
	// a tenth (default 20).
	Recover int
}

// WithAdaptiveRate makes the client steer its own rate limiter by what
// Kommo answers. Every 429 means the account's budget is shared (other
// integrations, another job): the client halves its rate, down to Min.
// After Recover successful responses in a row it raises the rate by a
// tenth, up to Max. Every attempt counts, retries included.
//
// The limiter may be shared (WithLimiter) by the clients a process or a
// browser session makes one after another: each starts at Max. Pacing
// reports what the client did.
func WithAdaptiveRate(a AdaptiveRate) Option {
	return func(c *Client) error {
		if a.Max <= 0 {
			return errors.New("adaptive rate: Max must be positive")
		}
		if a.Min <= 0 {
			a.Min = 0.5
		}
		if a.Recover <= 0 {
			a.Recover = 20
		}
		c.pacer = &pacer{cfg: a}
		return nil
	}
}

// PacingStats are what an adaptive rate did: the 429s seen and the lowest
// rate set (0 if the client never slowed down).
type PacingStats struct {
	Throttled int
	Lowest    rate.Limit
}

// Pacing reports the client's adaptive rate so far (zero without
// WithAdaptiveRate).
func (c *Client) Pacing() PacingStats {
	if c.pacer == nil {
		return PacingStats{}
	}
	c.pacer.mu.Lock()
	defer c.pacer.mu.Unlock()
	return PacingStats{Throttled: c.pacer.throttled, Lowest: c.pacer.lowest}
}

// pacer is WithAdaptiveRate's state. It is safe for concurrent use.
type pacer struct {
	cfg     AdaptiveRate
	limiter *rate.Limiter

	mu        sync.Mutex
	successes int
	throttled int
	lowest    rate.Limit
}

// start binds the pacer to the client's limiter and sets it to Max.
func (p *pacer) start(l *rate.Limiter) {
	p.limiter = l
	if l.Limit() != p.cfg.Max {
		l.SetLimit(p.cfg.Max)
	}
}

// observe feeds the pacer one response status.
func (p *pacer) observe(status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.limiter.Limit()
	switch {
	case status == http.StatusTooManyRequests:
		p.successes = 0
		p.throttled++
		next := cur / 2
		if next < p.cfg.Min {
			next = p.cfg.Min
		}
		p.limiter.SetLimit(next)
		if p.lowest == 0 || next < p.lowest {
			p.lowest = next
		}
	case status < 500:
		p.successes++
		if p.successes >= p.cfg.Recover && cur < p.cfg.Max {
			p.successes = 0
			next := cur * 1.1
			if next > p.cfg.Max {
				next = p.cfg.Max
			}
			p.limiter.SetLimit(next)
		}
	}
}
