package kommo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultWindowMargin is what the client's sliding window adds to each
// second. Kommo counts 7 requests in any sliding second as they arrive;
// network jitter moves arrivals by tens of milliseconds, so requests sent
// exactly 1/7 s apart can arrive 8 in one second. Requiring the 8th to
// leave 1.04 s after the 1st keeps every arrival window at 7 with up to
// 40 ms of jitter, at 0.96 of the ceiling.
const DefaultWindowMargin = 40 * time.Millisecond

// A window is the client's sliding-window guard, behind its rate.Limiter:
// it admits a request only when fewer than n were sent in the span before
// it, span being n requests' worth of the configured rate plus a margin
// (for 7 requests/s: 7 in any 1.04 s). It remembers the send times of the
// last n requests, in memory or, with WithSharedBudget, in a file that
// every process on the host shares for the account's host, so that the
// processes together stay within one budget.
type window struct {
	n    int
	span time.Duration

	mu    sync.Mutex // serialises admissions (and the file's users in this process)
	base  time.Time  // the memory state's clock origin (monotonic)
	state budgetState
	path  string // the shared budget file; "" keeps the state in memory
}

// budgetState is a window's memory: the send times of the last requests
// and the end of a pause that a 429 asked for, in nanoseconds (since the
// window's base in memory, unix time in a shared file).
type budgetState struct {
	Sends      []int64 `json:"sends"`
	PauseUntil int64   `json:"pause_until,omitempty"`
}

// newWindow returns the window for requests at rate r with the given
// margin, or nil when r is unlimited.
func newWindow(r rate.Limit, margin time.Duration) *window {
	if r == rate.Inf || r <= 0 {
		return nil
	}
	n := max(int(math.Floor(float64(r))), 1)
	span := time.Duration(float64(n)/float64(r)*float64(time.Second)) + margin
	return &window{n: n, span: span, base: time.Now()}
}

// admit records a send at now when the state allows one and returns 0;
// otherwise it returns how long to wait, and whether for a pause.
func (st *budgetState) admit(now int64, n int, span time.Duration) (wait time.Duration, paused bool) {
	if st.PauseUntil > now {
		return time.Duration(st.PauseUntil - now), true
	}
	st.PauseUntil = 0
	i := 0
	for i < len(st.Sends) && st.Sends[i] <= now-int64(span) {
		i++
	}
	st.Sends = st.Sends[i:]
	if len(st.Sends) >= n {
		return time.Duration(st.Sends[len(st.Sends)-n] + int64(span) - now), false
	}
	st.Sends = append(st.Sends, now)
	return 0, false
}

// wait blocks until the window admits a request and records it (real
// time: it paces requests, as the limiter does). A pause longer than
// maxPause (when > 0) is not waited out: wait returns a *RetryLaterError
// for op.
func (w *window) wait(ctx context.Context, op string, maxPause time.Duration) error {
	for {
		d, paused, err := w.admit()
		if err != nil {
			return err
		}
		if d <= 0 {
			return nil
		}
		if paused && maxPause > 0 && d > maxPause {
			return &RetryLaterError{Op: op, Wait: d, Until: time.Now().Add(d)}
		}
		if err := sleepCtx(ctx, d); err != nil {
			return err
		}
	}
}

func (w *window) admit() (time.Duration, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.path == "" {
		d, p := w.state.admit(int64(time.Since(w.base)), w.n, w.span)
		return d, p, nil
	}
	var d time.Duration
	var p bool
	err := w.update(func(st *budgetState) bool {
		d, p = st.admit(time.Now().UnixNano(), w.n, w.span)
		return d <= 0
	})
	return d, p, err
}

// pause makes the window admit nothing for d: the shared budget's other
// processes wait too (in memory, the client's own pause does it).
func (w *window) pause(d time.Duration) error {
	if w.path == "" || d <= 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	until := time.Now().Add(d).UnixNano()
	return w.update(func(st *budgetState) bool {
		if until <= st.PauseUntil {
			return false
		}
		st.PauseUntil = until
		return true
	})
}

// update runs f on the shared file's state under the file's lock and
// writes the state back when f says it changed. A file that does not
// parse (a write cut short) counts as empty. w.mu must be held.
func (w *window) update(f func(*budgetState) bool) error {
	file, err := lockBudgetFile(w.path)
	if err != nil {
		return fmt.Errorf("shared rate budget %s: %w", w.path, err)
	}
	defer unlockBudgetFile(file)
	data, err := io.ReadAll(file)
	if err != nil {
		return fmt.Errorf("shared rate budget %s: %w", w.path, err)
	}
	var st budgetState
	if json.Unmarshal(data, &st) != nil {
		st = budgetState{}
	}
	if !f(&st) {
		return nil
	}
	out, _ := json.Marshal(&st)
	if err := file.Truncate(0); err != nil {
		return fmt.Errorf("shared rate budget %s: %w", w.path, err)
	}
	if _, err := file.WriteAt(out, 0); err != nil {
		return fmt.Errorf("shared rate budget %s: %w", w.path, err)
	}
	return nil
}

// WithSharedBudget keeps the client's sliding window (see
// DefaultWindowMargin) in dir/HOST.json, a file that every client and
// every process on this host that is given the same dir shares for the
// account's host, guarded by an OS file lock: two jobs of one cron host
// then stay within one account's 7 requests per second together, and a
// 429's wait holds them all. The kommo-bulk CLI passes
// os.UserCacheDir()/kommo-bulk/rate. It has no effect on an unlimited
// client (rate.Inf) or under GOOS=js, where there are no processes to
// share with. The file holds times only, never a token.
func WithSharedBudget(dir string) Option {
	return func(c *Client) error {
		if dir == "" {
			return errors.New("empty shared budget directory")
		}
		c.sharedDir = dir
		return nil
	}
}

// WithWindowMargin sets the margin of the client's sliding window
// (DefaultWindowMargin by default); a negative margin turns the window
// off, leaving only the rate.Limiter.
func WithWindowMargin(d time.Duration) Option {
	return func(c *Client) error {
		c.windowMargin = &d
		return nil
	}
}

// setupWindow makes the client's window from its limiter's rate, in the
// shared budget file when one was asked for and the platform has file
// locks.
func (c *Client) setupWindow() error {
	margin := DefaultWindowMargin
	if c.windowMargin != nil {
		margin = *c.windowMargin
	}
	if margin < 0 {
		return nil
	}
	c.window = newWindow(c.limiter.Limit(), margin)
	if c.window == nil || c.sharedDir == "" || !sharedBudgetSupported {
		return nil
	}
	if err := os.MkdirAll(c.sharedDir, 0o700); err != nil {
		return fmt.Errorf("shared rate budget: %w", err)
	}
	c.window.path = filepath.Join(c.sharedDir, budgetFileName(c.baseURL.Host))
	f, err := lockBudgetFile(c.window.path)
	if err != nil {
		return fmt.Errorf("shared rate budget %s: %w", c.window.path, err)
	}
	unlockBudgetFile(f)
	return nil
}

// budgetFileName is the shared budget file of an account host: the host
// (and port) with anything but letters, digits, dots and dashes as "_".
func budgetFileName(host string) string {
	s := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, strings.ToLower(host))
	return s + ".json"
}

// SharedBudgetFile returns the file a client with WithSharedBudget(dir)
// for the account at baseURL keeps its window in ("" for a bad URL).
func SharedBudgetFile(dir, baseURL string) string {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return ""
	}
	return filepath.Join(dir, budgetFileName(u.Host))
}
