package kommotest

import (
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"strconv"
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
	jrnd       *rand.Rand          // ArrivalJitter's
	ips        map[string]*ipState // per remote IP: window, 429s, block
}

// ipState is what the server keeps per remote IP.
type ipState struct {
	arrivals []time.Time // admitted arrivals in the last second (Window)
	all      []time.Time // every arrival in the last second (WindowPeak)
	tooMany  int         // 429s counted towards BlockAfter
	blocked  bool
}

// remoteIP is the host of a request's remote address.
func remoteIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// ip returns the state of an IP. s.fmu must be held.
func (s *Server) ip(addr string) *ipState {
	st := s.f.ips[addr]
	if st == nil {
		st = &ipState{}
		s.f.ips[addr] = st
	}
	return st
}

// FailNext makes the next n /api/v4 requests answer status without being
// applied. 403, 502 and 504 get an nginx-style HTML body, 429 the body the
// rate limits answer (HTML, or Kommo's JSON with Options.RateLimitJSON),
// other statuses a problem+json body. n <= 0 cancels pending failures.
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

// Unblock leaves block mode for every IP and resets the 429 counts used
// by Options.BlockAfter.
func (s *Server) Unblock() {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	for _, st := range s.f.ips {
		st.blocked, st.tooMany = false, 0
	}
}

// Blocked reports whether some IP is in block mode.
func (s *Server) Blocked() bool {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	for _, st := range s.f.ips {
		if st.blocked {
			return true
		}
	}
	return false
}

func (s *Server) latency() time.Duration {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return time.Duration(s.f.latency)
}

// jitter draws this request's ArrivalJitter.
func (s *Server) jitter() time.Duration {
	if s.opts.ArrivalJitter <= 0 {
		return 0
	}
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return time.Duration(s.f.jrnd.Int63n(int64(s.opts.ArrivalJitter)))
}

// count429 records a 429 to ip and blocks the IP when BlockAfter is
// reached. s.fmu must be held.
func (s *Server) count429(ip *ipState) {
	s.stats.RateLimited++
	ip.tooMany++
	if s.opts.BlockAfter > 0 && ip.tooMany >= s.opts.BlockAfter {
		ip.blocked = true
	}
}

// gate applies block mode and the rate limit (the token bucket, or the
// sliding window per IP) to every request. It reports whether the request
// was answered.
func (s *Server) gate(w http.ResponseWriter, r *http.Request) bool {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	ip := s.ip(remoteIP(r))
	if ip.blocked {
		s.stats.Blocked++
		s.writeBlocked(w)
		return true
	}
	now := s.now()
	if s.opts.Window > 0 {
		cut := now.Add(-time.Second)
		drop := func(ts []time.Time) []time.Time {
			i := 0
			for i < len(ts) && !ts[i].After(cut) {
				i++
			}
			return ts[i:]
		}
		ip.all = append(drop(ip.all), now)
		s.stats.WindowPeak = max(s.stats.WindowPeak, len(ip.all))
		ip.arrivals = drop(ip.arrivals)
		if len(ip.arrivals) >= s.opts.Window {
			s.count429(ip)
			s.writeTooMany(w)
			return true
		}
		ip.arrivals = append(ip.arrivals, now)
		return false
	}
	if !s.limiter.AllowN(now, 1) {
		s.count429(ip)
		s.writeTooMany(w)
		return true
	}
	return false
}

// tooManyDetail is the detail of Kommo's documented 429 body.
const tooManyDetail = "You have sent too many requests in a given amount of time. Please try again later."

// writeTooMany answers 429: amoCRM's HTML page, or Kommo's problem+json
// with retry_after (Options.RateLimitJSON).
func (s *Server) writeTooMany(w http.ResponseWriter) {
	after := s.opts.RetryAfter
	if after <= 0 {
		after = 300
	}
	if !s.opts.RateLimitJSON {
		if s.opts.RetryAfterHeader {
			w.Header().Set("Retry-After", "1")
		}
		writeHTML(w, http.StatusTooManyRequests)
		return
	}
	if s.opts.RetryAfterHeader {
		w.Header().Set("Retry-After", strconv.Itoa(after))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusTooManyRequests)
	fmt.Fprintf(w, `{"title":"Too Many Requests","type":"https://httpstatus.es/429","status":429,"detail":%q,"retry_after":%d}`+"\n", tooManyDetail, after)
}

// writeBlocked answers a blocked IP: 403, nginx's HTML page or
// problem+json (Options.BlockJSON).
func (s *Server) writeBlocked(w http.ResponseWriter) {
	if s.opts.BlockJSON {
		writeProblem(w, http.StatusForbidden, "Access denied")
		return
	}
	writeHTML(w, http.StatusForbidden)
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
	case http.StatusTooManyRequests:
		s.count429(s.ip(remoteIP(r)))
		s.writeTooMany(w)
	case http.StatusForbidden, http.StatusBadGateway, http.StatusGatewayTimeout:
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
