package kommotest

import (
	"math/rand"
	"net/http"
	"time"
)

// faults is the fault-injection state, guarded by Server.fmu.
type faults struct {
	failN      int
	failStatus int
	errRate    float64
	errStatus  int
	rnd        *rand.Rand
	latency    int64 // nanoseconds
	dropN      int
	dropAfter  bool
	limit504   int
	payment    bool
	forbidden  bool
	blocked    bool
	tooMany    int // 429s counted towards BlockAfter
}

// FailNext makes the next n /api/v4 requests answer status without being
// applied. 429, 403, 502 and 504 get an nginx-style HTML body, other
// statuses a problem+json body. n <= 0 cancels pending failures.
func (s *Server) FailNext(n, status int) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if n < 0 {
		n = 0
	}
	s.f.failN, s.f.failStatus = n, status
}

// SetErrorRate makes each /api/v4 request fail with status with probability
// p, drawn from a random source seeded with seed (deterministic for a given
// request order). p <= 0 disables it.
func (s *Server) SetErrorRate(p float64, status int, seed int64) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.f.errRate, s.f.errStatus = p, status
	s.f.rnd = rand.New(rand.NewSource(seed))
}

// SetLatency delays every response by d (real time). 0 disables it.
func (s *Server) SetLatency(d time.Duration) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.f.latency = int64(d)
}

// DropNext makes the next n /api/v4 requests end with the connection closed
// and no response. With afterApply the request is processed first (a write
// is applied), which models an ambiguous failure.
func (s *Server) DropNext(n int, afterApply bool) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if n < 0 {
		n = 0
	}
	s.f.dropN, s.f.dropAfter = n, afterApply
}

// Set504Above makes POST/PATCH batches with more than n items answer 504
// (HTML) without being applied. 0 disables it.
func (s *Server) Set504Above(n int) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.f.limit504 = n
}

// SetPaymentRequired makes every /api/v4 request answer 402 problem+json
// (account subscription expired) while on.
func (s *Server) SetPaymentRequired(on bool) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.f.payment = on
}

// SetForbidden makes every /api/v4 request answer 403 problem+json
// (insufficient rights) while on.
func (s *Server) SetForbidden(on bool) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.f.forbidden = on
}

// Unblock leaves block mode and resets the 429 count used by
// Options.BlockAfter.
func (s *Server) Unblock() {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.f.blocked = false
	s.f.tooMany = 0
}

// Blocked reports whether the server is in block mode.
func (s *Server) Blocked() bool {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.f.blocked
}

func (s *Server) latency() time.Duration {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return time.Duration(s.f.latency)
}

// count429 records a 429 and enters block mode when BlockAfter is reached.
// s.fmu must be held.
func (s *Server) count429() {
	s.stats.RateLimited++
	s.f.tooMany++
	if s.opts.BlockAfter > 0 && s.f.tooMany >= s.opts.BlockAfter {
		s.f.blocked = true
	}
}

// gate applies block mode and the rate limiter to every request. It reports
// whether the request was answered.
func (s *Server) gate(w http.ResponseWriter) bool {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if s.f.blocked {
		s.stats.Blocked++
		writeHTML(w, http.StatusForbidden)
		return true
	}
	if !s.limiter.AllowN(s.now(), 1) {
		s.count429()
		writeHTML(w, http.StatusTooManyRequests)
		return true
	}
	return false
}

// injectFault applies FailNext and SetErrorRate before authentication (they
// model gateway failures). It reports whether the request was answered.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	status := 0
	switch {
	case s.f.failN > 0:
		s.f.failN--
		status = s.f.failStatus
	case s.f.errRate > 0 && s.f.rnd.Float64() < s.f.errRate:
		status = s.f.errStatus
	}
	if status == 0 {
		return false
	}
	s.stats.Injected++
	switch status {
	case http.StatusTooManyRequests, http.StatusForbidden, http.StatusBadGateway, http.StatusGatewayTimeout:
		if status == http.StatusTooManyRequests {
			s.count429()
		}
		writeHTML(w, status)
	default:
		writeProblem(w, status, http.StatusText(status))
	}
	return true
}

// policyFault applies the 402 and 403 switches after authentication.
func (s *Server) policyFault(w http.ResponseWriter) bool {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	switch {
	case s.f.payment:
		s.stats.Injected++
		writeProblem(w, http.StatusPaymentRequired, "Payment Required: account subscription has expired")
		return true
	case s.f.forbidden:
		s.stats.Injected++
		writeProblem(w, http.StatusForbidden, "Forbidden: insufficient rights")
		return true
	}
	return false
}

func (s *Server) takeDrop() (drop, afterApply bool) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if s.f.dropN <= 0 {
		return false, false
	}
	s.f.dropN--
	s.stats.Dropped++
	s.stats.Injected++
	return true, s.f.dropAfter
}

// tooBig reports whether a batch of n items triggers Set504Above.
func (s *Server) tooBig(n int) bool {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if s.f.limit504 > 0 && n > s.f.limit504 {
		s.stats.Injected++
		return true
	}
	return false
}

// hijackClose closes the client connection without writing a response.
func (s *Server) hijackClose(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// HTTP/2 or a recorder: abort the handler, which resets the stream.
	panic(http.ErrAbortHandler)
}
