package kommo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Sentinel errors that an *ErrorResponse (or *RateLimitError) matches with
// errors.Is, by HTTP status and body.
var (
	// ErrValidation: 400 with Kommo's validation-errors.
	ErrValidation = errors.New("validation failed")
	// ErrBadRequest: any 400.
	ErrBadRequest = errors.New("bad request")
	// ErrUnauthorized: 401, a missing, wrong or expired token.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrPaymentRequired: 402, the account's trial or subscription ended.
	ErrPaymentRequired = errors.New("payment required: the Kommo account is not paid")
	// ErrForbidden: any 403 (insufficient rights, IP not whitelisted, or a block).
	ErrForbidden = errors.New("forbidden")
	// ErrAccountBlocked: a 403 that blocks the account or IP after repeated
	// rate-limit violations: one with an HTML body (amoCRM's gateway sends
	// nginx's page), or any 403 that follows a 429 the client saw in the
	// last BlockWindow (Kommo does not document its block body).
	ErrAccountBlocked = errors.New("account or IP blocked by Kommo (repeated rate limit violations?); contact Kommo support")
	// ErrUnprocessable: 422, which Kommo answers for a write of more than
	// 250 entities or a list limit over 250 ("Limit 250 per page").
	ErrUnprocessable = errors.New("unprocessable entity")
	// ErrNotFound: 404, or 204 for a single entity.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: 429.
	ErrRateLimited = errors.New("rate limited")
	// ErrServer: any 5xx.
	ErrServer = errors.New("server error")
	// ErrGatewayTimeout: 504, which Kommo documents as "batch too big".
	ErrGatewayTimeout = errors.New("gateway timeout")
)

// ErrorResponse is a non-2xx answer from Kommo (or a 204 where an entity was
// expected). JSON problem bodies fill Title, Type and Detail; anything else
// (the HTML pages of 429, 403 blocks and some 5xx) leaves a short plain-text
// Body snippet. Nothing from the request's headers is kept.
type ErrorResponse struct {
	Response *http.Response `json:"-"`

	Status int    `json:"status"`
	Title  string `json:"title"`
	Type   string `json:"type"`
	Detail string `json:"detail"`
	// ValidationErrors are Kommo's per-item errors of a rejected batch.
	ValidationErrors []ValidationError `json:"validation-errors"`
	// HTML reports a non-JSON body; Body holds its text, trimmed.
	HTML bool   `json:"-"`
	Body string `json:"-"`
	// Blocked is set on a 403 that the client takes for a block: one that
	// came after a 429 (see ErrAccountBlocked).
	Blocked bool `json:"-"`
	// RequestID is Kommo's X-Request-Id.
	RequestID string `json:"-"`
}

// ValidationError lists the problems of one item of a batch, found by the
// request_id it was sent with (its index as a string if none was sent).
type ValidationError struct {
	RequestID RequestID    `json:"request_id"`
	Errors    []FieldError `json:"errors"`
}

// FieldError is one validation problem: a code (e.g. NotSupportedChoice), a
// dot path into the submitted item (custom_fields_values.0.values.0.value)
// and Kommo's text.
type FieldError struct {
	Code   string `json:"code"`
	Path   string `json:"path"`
	Detail string `json:"detail"`
}

func (e FieldError) String() string {
	s := e.Path
	if s == "" {
		s = "item"
	}
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// RequestID is a request_id as Kommo answers it: a string, but a number or
// an array (complex leads) are accepted too. Arrays are joined with ",".
type RequestID string

// UnmarshalJSON accepts a string, a number, null or an array of those.
func (r *RequestID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*r = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = RequestID(s)
	case b[0] == '[':
		var parts []RequestID
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		ss := make([]string, len(parts))
		for i, p := range parts {
			ss[i] = string(p)
		}
		*r = RequestID(strings.Join(ss, ","))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*r = RequestID(n.String())
	}
	return nil
}

func (e *ErrorResponse) Error() string {
	var b strings.Builder
	if e.Response != nil && e.Response.Request != nil {
		fmt.Fprintf(&b, "%s %s: ", e.Response.Request.Method, e.Response.Request.URL.Path)
	}
	fmt.Fprintf(&b, "%d", e.Status)
	if t := http.StatusText(e.Status); t != "" {
		b.WriteString(" " + t)
	}
	switch {
	case e.Detail != "":
		b.WriteString(": " + e.Detail)
	case e.HTML && e.Body != "":
		b.WriteString(": " + e.Body)
	}
	for _, v := range e.ValidationErrors {
		for _, fe := range v.Errors {
			fmt.Fprintf(&b, "; request_id %s: %s", v.RequestID, fe)
		}
	}
	if e.Is(ErrAccountBlocked) {
		b.WriteString(" (" + ErrAccountBlocked.Error() + ")")
	}
	return b.String()
}

// Is reports whether e matches one of this package's sentinel errors.
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case ErrValidation:
		return e.Status == http.StatusBadRequest && len(e.ValidationErrors) > 0
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrPaymentRequired:
		return e.Status == http.StatusPaymentRequired
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrAccountBlocked:
		return e.Status == http.StatusForbidden && (e.HTML || e.Blocked)
	case ErrUnprocessable:
		return e.Status == http.StatusUnprocessableEntity
	case ErrNotFound:
		return e.Status == http.StatusNotFound || e.Status == http.StatusNoContent
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrServer:
		return e.Status >= 500
	case ErrGatewayTimeout:
		return e.Status == http.StatusGatewayTimeout
	}
	return false
}

// ItemErrors returns the validation errors of the item sent with requestID.
func (e *ErrorResponse) ItemErrors(requestID string) []FieldError {
	var out []FieldError
	for _, v := range e.ValidationErrors {
		if string(v.RequestID) == requestID {
			out = append(out, v.Errors...)
		}
	}
	return out
}

// RateLimitError is a 429. Kommo documents a problem+json body with
// "retry_after" in seconds (300 in its example); amoCRM's gateway sends an
// HTML page without it. RetryAfter is the longer of the body's retry_after
// and a Retry-After header, 0 when neither came.
type RateLimitError struct {
	ErrorResponse
	RetryAfter time.Duration
}

// RetryLaterError is a request the client gave up on rather than wait for
// Kommo's rate limit: a 429 asked for a wait longer than what is left of
// RetryPolicy.MaxElapsed, or 429s went on for that long, or another
// request's 429 paused the client for longer than that. Nothing was applied
// (Kommo answers 429 before processing a request). It matches
// ErrRateLimited; Until is when Kommo's wait ends, the time to try again.
type RetryLaterError struct {
	// Op is the request given up on, as "POST /api/v4/contacts".
	Op string
	// Wait is the wait Kommo asked for (or the next backoff, when it
	// named none), and Until when it ends.
	Wait  time.Duration
	Until time.Time
	// Waited is how long this request had waited on 429s already.
	Waited time.Duration
	// Last is the last 429 answered to this request; nil when the
	// request was not sent because another one's 429 paused the client.
	Last *RateLimitError
}

func (e *RetryLaterError) Error() string {
	s := fmt.Sprintf("%s: Kommo's rate limit (429) asked to wait %s", e.Op, fmtWait(e.Wait))
	if e.Waited > 0 {
		s += fmt.Sprintf(" after %s of waiting", fmtWait(e.Waited))
	}
	return s + "; stopped instead, try again after " + e.Until.Format("15:04:05")
}

// fmtWait writes a wait in whole seconds ("300 s"), or milliseconds below
// one second.
func fmtWait(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%d s", int64((d+time.Second-1)/time.Second))
}

// Is matches ErrRateLimited.
func (e *RetryLaterError) Is(target error) bool { return target == ErrRateLimited }

// Unwrap gives the last 429, if the request was sent.
func (e *RetryLaterError) Unwrap() error {
	if e.Last == nil {
		return nil
	}
	return e.Last
}

func (e *RateLimitError) Error() string { return e.ErrorResponse.Error() }

// Is matches ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return e.ErrorResponse.Is(target) }

// Unwrap gives the embedded *ErrorResponse to errors.As.
func (e *RateLimitError) Unwrap() error { return &e.ErrorResponse }

// NetworkError is a failure to get an HTTP answer, or all of one
// (connection refused or reset, timeout), while the caller's context was
// live: when the context ends, the client returns its error instead. The
// request may or may not have reached Kommo.
type NetworkError struct {
	Op  string
	Err error
}

func (e *NetworkError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *NetworkError) Unwrap() error { return e.Err }

// Timeout reports whether the request outlived its own timeout (the
// *http.Client's Timeout, a Doer's per-request deadline), as opposed to
// the caller's context ending.
func (e *NetworkError) Timeout() bool { return isTimeout(e.Err) }

// isTimeout reports whether err is a timeout: it matches
// context.DeadlineExceeded (as net/http's do) or is a net.Error whose
// Timeout is true.
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout())
}

var (
	htmlTagRE   = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>|<[^>]*>`)
	htmlSpaceRE = regexp.MustCompile(`\s+`)
)

// CheckResponse returns nil for a 2xx response and otherwise the error the
// body describes: *RateLimitError for 429, *ErrorResponse for the rest. It
// never fails on a body that is not JSON, and reads at most 64 KiB of it.
// The caller still owns r.Body.
func CheckResponse(r *http.Response) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	e := &ErrorResponse{Response: r, Status: r.StatusCode, RequestID: r.Header.Get("X-Request-Id")}
	data, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
	data = scrubToken(data, r.Request)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isJSON := strings.HasSuffix(mt, "json") || (mt == "" && len(bytes.TrimSpace(data)) > 0 && bytes.TrimSpace(data)[0] == '{')
	if isJSON && json.Unmarshal(data, e) == nil {
		e.Status = r.StatusCode // the status line wins over the body
	} else {
		e.ValidationErrors = nil
		e.HTML = len(bytes.TrimSpace(data)) > 0
		e.Body = plainText(data, 200)
	}
	if r.StatusCode == http.StatusTooManyRequests {
		wait := parseRetryAfter(r.Header.Get("Retry-After"), time.Now())
		if isJSON {
			if d := bodyRetryAfter(data); d > wait {
				wait = d
			}
		}
		return &RateLimitError{ErrorResponse: *e, RetryAfter: wait}
	}
	return e
}

// bodyRetryAfter reads the "retry_after" of Kommo's 429 body: seconds, as
// a number or a numeric string; 0 when absent or not a number.
func bodyRetryAfter(data []byte) time.Duration {
	var b struct {
		RetryAfter json.RawMessage `json:"retry_after"`
	}
	if json.Unmarshal(data, &b) != nil || len(b.RetryAfter) == 0 {
		return 0
	}
	var n json.Number
	raw := bytes.Trim(b.RetryAfter, `"`)
	if json.Unmarshal(raw, &n) != nil {
		return 0
	}
	f, err := n.Float64()
	if err != nil || f <= 0 || f > 86400*7 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

// scrubToken cuts the request's bearer token out of an error body, so a
// server (or a proxy in front of it) that echoes the request's headers
// never puts the token into an error message, a log or a result file.
func scrubToken(data []byte, req *http.Request) []byte {
	if req == nil {
		return data
	}
	tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok || len(tok) < 8 || !bytes.Contains(data, []byte(tok)) {
		return data
	}
	return bytes.ReplaceAll(data, []byte(tok), []byte("[token]"))
}

// plainText strips tags from an HTML (or any) body and cuts it to n bytes.
func plainText(data []byte, n int) string {
	s := htmlTagRE.ReplaceAllString(string(data), " ")
	s = strings.TrimSpace(htmlSpaceRE.ReplaceAllString(s, " "))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.ToValidUTF8(s, "")
}

// parseRetryAfter reads a Retry-After header in seconds or HTTP-date form.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var secs int
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
