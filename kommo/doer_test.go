package kommo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

var _ Doer = (*http.Client)(nil)

// recordingDoer sends requests through next (or answers them with fn) and
// keeps a copy of each request's method, URL and headers.
type recordingDoer struct {
	next Doer
	fn   func(*http.Request) (*http.Response, error)

	mu   sync.Mutex
	reqs []*http.Request
}

func (d *recordingDoer) Do(req *http.Request) (*http.Response, error) {
	d.mu.Lock()
	d.reqs = append(d.reqs, req.Clone(context.Background()))
	d.mu.Unlock()
	if d.fn != nil {
		return d.fn(req)
	}
	return d.next.Do(req)
}

func (d *recordingDoer) requests() []*http.Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*http.Request(nil), d.reqs...)
}

func TestWithDoerSeesEveryRequest(t *testing.T) {
	d := &recordingDoer{next: http.DefaultClient}
	c, mux, _ := setup(t, WithDoer(d))
	mux.HandleFunc("/api/v4/leads", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		writeJSON(w, 200, `{"_embedded":{"leads":[{"id":5,"request_id":"r1"}]}}`)
	})
	mux.HandleFunc("/api/v4/leads/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":5,"name":"L"}`)
	})
	res, _, err := c.Leads.Create(t.Context(), []LeadRequest{{Name: "L", RequestID: "r1"}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].ID != 5 {
		t.Errorf("created %+v, want id 5", res[0])
	}
	lead, _, err := c.Leads.Get(t.Context(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if lead.Name != "L" {
		t.Errorf("lead = %+v", lead)
	}
	reqs := d.requests()
	if len(reqs) != 2 {
		t.Fatalf("the doer saw %d requests, want 2", len(reqs))
	}
	for i, want := range []string{"POST /prefix/api/v4/leads", "GET /prefix/api/v4/leads/5"} {
		r := reqs[i]
		if got := r.Method + " " + r.URL.Path; got != want {
			t.Errorf("request %d = %s, want %s", i, got, want)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("request %d: Authorization = %q", i, got)
		}
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "kommo-bulk/") {
			t.Errorf("request %d: User-Agent = %q", i, ua)
		}
		if strings.Contains(r.URL.String(), testToken) {
			t.Errorf("request %d: token in URL %s", i, r.URL)
		}
	}
	if ct := reqs[0].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("POST Content-Type = %q", ct)
	}
}

// answer is a doer's canned response to req.
func answer(req *http.Request, status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Header:        header,
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

func TestWithDoerErrorsFunnel(t *testing.T) {
	const secret = "api_key=SHOULD-NOT-LEAK"
	tests := []struct {
		name     string
		do       func(req *http.Request) (*http.Response, error)
		wantErr  error
		wantAs   func(error) bool
		attempts int // requests the doer sees with MaxRetries 1
	}{
		{
			name: "401 is ErrUnauthorized",
			do: func(req *http.Request) (*http.Response, error) {
				return answer(req, 401, nil, `{"title":"Unauthorized","status":401,"detail":"Token expired"}`), nil
			},
			wantErr:  ErrUnauthorized,
			attempts: 1,
		},
		{
			name: "429 is a RateLimitError, retried",
			do: func(req *http.Request) (*http.Response, error) {
				return answer(req, 429, http.Header{"Retry-After": {"1"}}, ""), nil
			},
			wantAs:   func(err error) bool { var rl *RateLimitError; return errors.As(err, &rl) },
			attempts: 2,
		},
		{
			name: "a failed round trip is a NetworkError without the query",
			do: func(req *http.Request) (*http.Response, error) {
				return nil, &url.Error{Op: "Get", URL: req.URL.String() + "?" + secret, Err: errors.New("fetch failed")}
			},
			wantAs:   func(err error) bool { var ne *NetworkError; return errors.As(err, &ne) },
			attempts: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &recordingDoer{fn: tt.do}
			c, err := NewClient("http://kommo.invalid", WithDoer(d), WithToken(testToken),
				WithRateLimit(rate.Inf, 1), WithRetry(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}),
				WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Leads.Get(t.Context(), 7)
			if err == nil {
				t.Fatal("Get = nil error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantAs != nil && !tt.wantAs(err) {
				t.Errorf("err = %v (%T), not the wanted type", err, errors.Unwrap(err))
			}
			if msg := err.Error(); strings.Contains(msg, secret) || strings.Contains(msg, testToken) {
				t.Errorf("error leaks a secret: %s", msg)
			}
			if !strings.HasPrefix(err.Error(), "kommo: get lead: ") {
				t.Errorf("error = %q, want the operation first", err)
			}
			if n := len(d.requests()); n != tt.attempts {
				t.Errorf("the doer saw %d requests, want %d", n, tt.attempts)
			}
		})
	}
}

func TestWithDoerCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	d := &recordingDoer{fn: func(req *http.Request) (*http.Response, error) {
		cancel()
		return nil, errors.New("aborted")
	}}
	c, err := NewClient("http://kommo.invalid", WithDoer(d), WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Leads.Get(ctx, 7); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(d.requests()); n != 1 {
		t.Errorf("the doer saw %d requests, want 1", n)
	}
}

func TestWithDoerToken(t *testing.T) {
	d := &recordingDoer{fn: func(req *http.Request) (*http.Response, error) {
		return answer(req, 200, nil, `{"token_type":"Bearer","access_token":"a2","refresh_token":"r2","expires_in":86400}`), nil
	}}
	c, err := NewClient("http://kommo.invalid", WithDoer(d), WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.ExchangeCode(t.Context(), OAuthConfig{ClientID: "id", ClientSecret: "s"}, "code")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "a2" {
		t.Errorf("token = %v", tok)
	}
	if reqs := d.requests(); len(reqs) != 1 || reqs[0].URL.Path != "/oauth2/access_token" {
		t.Errorf("the doer saw %v, want one POST /oauth2/access_token", reqs)
	}
}

func TestWithDoerNil(t *testing.T) {
	if _, err := NewClient("mycompany", WithDoer(nil)); err == nil {
		t.Error("WithDoer(nil) = nil error")
	}
}

func TestDefaultDoerIsAnHTTPClient(t *testing.T) {
	c, err := NewClient("mycompany")
	if err != nil {
		t.Fatal(err)
	}
	hc, ok := c.doer.(*http.Client)
	if !ok || hc.Timeout != 60*time.Second || hc.Transport != nil {
		t.Errorf("default doer = %#v, want &http.Client{Timeout: 60s}", c.doer)
	}
	mine := &http.Client{}
	c, err = NewClient("mycompany", WithHTTPClient(mine))
	if err != nil {
		t.Fatal(err)
	}
	if c.doer != Doer(mine) {
		t.Error("WithHTTPClient did not set the client")
	}
}
