package kommo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"time"
)

// RetryPolicy says which failed requests the client sends again, and how
// long it waits first. The zero value never retries.
//
// Reads (GET) are retried on 429, on 5xx other than 501, and on network
// errors (but not TLS or certificate errors), a request that outlived its
// own timeout included. Writes (POST, PATCH) are retried only on 429, which
// Kommo's gateway answers before the request is processed: a write that
// failed with a 5xx, a broken connection or a timeout may have been
// applied, so whether to send it again is the bulk engine's decision (it
// reads back first), never the client's. The end of the caller's context
// is never retried.
//
// After a 429 the client waits what Kommo asked for (the body's
// retry_after or a Retry-After header, the longer) or else the backoff, at
// least RateLimitWait, and every other request of the client waits with
// it. With MaxElapsed set, 429s are retried by wall time, not by count: a
// request gives up, with a *RetryLaterError, as soon as the next wait would
// take it past MaxElapsed of waiting, without sleeping first.
type RetryPolicy struct {
	// MaxRetries is how many times one request may be sent again (after
	// a 429 too, when MaxElapsed is 0).
	MaxRetries int
	// MinWait and MaxWait bound the exponential backoff (MinWait·2^n).
	MinWait, MaxWait time.Duration
	// RateLimitWait is the least wait after a 429 that names no wait.
	RateLimitWait time.Duration
	// MaxElapsed, when > 0, is how long one request may wait on 429s in
	// all; MaxRetries then does not apply to 429s.
	MaxElapsed time.Duration
}

// DefaultRetryPolicy retries 5 times, from 500 ms up to 30 s, waiting at
// least 1 s after a 429, and waits on 429s for 3 minutes at most.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 5, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second, RateLimitWait: time.Second,
		MaxElapsed: 3 * time.Minute}
}

// rateLimitWait is the wait after the attempt-th try drew rl: what Kommo
// asked for, or else the backoff, at least RateLimitWait.
func (p RetryPolicy) rateLimitWait(attempt int, rl *RateLimitError, jitter func() float64) time.Duration {
	if rl.RetryAfter > 0 {
		return rl.RetryAfter
	}
	return max(p.Backoff(attempt, jitter), p.RateLimitWait)
}

// Retryable reports whether err (from a request with the given idempotency)
// is worth sending again, and why. A timeout inside a *NetworkError is the
// request's own (see NetworkError.Timeout); any other context error is the
// caller's context ending, never retried.
func Retryable(err error, idempotent bool) (bool, string) {
	if err == nil {
		return false, "ok"
	}
	var ne *NetworkError
	if errors.As(err, &ne) {
		var cerr *tls.CertificateVerificationError
		var uerr x509.UnknownAuthorityError
		var herr x509.HostnameError
		switch {
		case errors.Is(err, context.Canceled):
			return false, "request canceled"
		case errors.As(err, &cerr) || errors.As(err, &uerr) || errors.As(err, &herr):
			return false, "TLS error"
		case ne.Timeout() && idempotent:
			return true, "request timed out"
		case ne.Timeout():
			return false, "timeout on a write: it may have been applied"
		case idempotent:
			return true, "network error"
		}
		return false, "network error on a write: it may have been applied"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false, "context done"
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return true, "429 rate limited (not processed)"
	}
	var er *ErrorResponse
	if errors.As(err, &er) {
		if er.Status >= 500 && er.Status != http.StatusNotImplemented {
			if idempotent {
				return true, "server error " + http.StatusText(er.Status)
			}
			return false, "server error on a write: it may have been applied"
		}
		return false, "client error " + http.StatusText(er.Status)
	}
	return false, "not retryable"
}

// decide returns whether to retry after the attempt-th try and how long to
// wait. jitter returns a number in [0, 1).
func (p RetryPolicy) decide(attempt int, idempotent bool, err error, jitter func() float64) (bool, time.Duration) {
	if attempt > p.MaxRetries {
		return false, 0
	}
	ok, _ := Retryable(err, idempotent)
	if !ok {
		return false, 0
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return true, p.rateLimitWait(attempt, rl, jitter)
	}
	return true, p.Backoff(attempt, jitter)
}

// Backoff is the wait before retry number attempt (1-based): MinWait doubled
// per attempt, capped at MaxWait, with 75–100 % jitter.
func (p RetryPolicy) Backoff(attempt int, jitter func() float64) time.Duration {
	d := p.MinWait
	for i := 1; i < attempt && d < p.MaxWait; i++ {
		d *= 2
	}
	if p.MaxWait > 0 && d > p.MaxWait {
		d = p.MaxWait
	}
	j := 1.0
	if jitter != nil {
		j = 0.75 + 0.25*jitter()
	}
	return time.Duration(float64(d) * j)
}
