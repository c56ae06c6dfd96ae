package engine

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// trackedBody records whether it was closed.
type trackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

func TestDoerTimeoutAwaitingAnswer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	d := doer{rt: http.DefaultTransport, timeout: 50 * time.Millisecond}
	body := &trackedBody{Reader: strings.NewReader(`{"a":1}`)}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/api/v4/leads?secret=1", body)
	start := time.Now()
	_, err := d.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a timeout matching context.DeadlineExceeded", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("err = %#v, want a net.Error whose Timeout is true", err)
	}
	if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "POST /api/v4/leads") {
		t.Errorf("err = %q, want the method and path without the query", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Do returned after %v", el)
	}
	if !body.closed.Load() {
		t.Error("the request body was not closed")
	}
}

func TestDoerTimeoutCoversTheBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-release
	}))
	defer srv.Close()
	defer close(release)
	d := doer{rt: http.DefaultTransport, timeout: 100 * time.Millisecond}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL, nil)
	resp, err := d.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if string(b) != "partial" || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("read %q, %v; want \"partial\" then a timeout", b, err)
	}
}

func TestDoerCloseEndsTheContext(t *testing.T) {
	var reqCtx context.Context
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		reqCtx = req.Context()
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: req}, nil
	})
	for _, timeout := range []time.Duration{0, time.Minute} {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://kommo.invalid/x", nil)
		resp, err := doer{rt: rt, timeout: timeout}.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(resp.Body); string(b) != "ok" || err != nil {
			t.Errorf("timeout %v: body %q, %v", timeout, b, err)
		}
		if timeout > 0 && reqCtx.Err() != nil {
			t.Errorf("timeout %v: context done before the body was closed", timeout)
		}
		resp.Body.Close()
		if timeout > 0 && reqCtx.Err() == nil {
			t.Errorf("timeout %v: Close left the request's context running", timeout)
		}
	}
}

func TestDoerErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	body := &trackedBody{Reader: strings.NewReader("x")}
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		cancel()
		<-req.Context().Done()
		return nil, req.Context().Err()
	})
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://kommo.invalid/x", body)
	if _, err := (doer{rt: rt, timeout: time.Minute}).Do(req); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v, want context.Canceled (not a timeout)", err)
	}
	if !body.closed.Load() {
		t.Error("the request body was not closed")
	}

	nothing := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
	req, _ = http.NewRequestWithContext(t.Context(), "GET", "http://kommo.invalid/x", nil)
	if _, err := (doer{rt: nothing}).Do(req); err == nil {
		t.Error("a nil response with no error passed as a success")
	}
}

// TestDoerTimeoutRetriedForReads: through a kommo client, a GET that
// outlives the doer's timeout is sent again; a POST is not.
func TestDoerTimeoutRetriedForReads(t *testing.T) {
	var n atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // then the server sees the client leave
		if n.Add(1) == 1 || r.Method == "POST" {
			select { // no answer until the doer gives up
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", "application/hal+json")
		io.WriteString(w, `{"id":7,"name":"L"}`)
	}))
	defer srv.Close()
	defer close(release)
	c, err := kommo.NewClient(srv.URL, kommo.WithDoer(doer{rt: http.DefaultTransport, timeout: 200 * time.Millisecond}),
		kommo.WithRateLimit(rate.Inf, 1), kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	lead, resp, err := c.Leads.Get(t.Context(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if lead.ID != 7 || resp.Attempts != 2 || n.Load() != 2 {
		t.Errorf("lead %d after %d attempts, %d requests on the wire; want 7 after 2, 2", lead.ID, resp.Attempts, n.Load())
	}
	n.Store(0)
	_, _, err = c.Leads.Create(t.Context(), []kommo.LeadRequest{{Name: "A"}})
	var ne *kommo.NetworkError
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("POST err = %v, want a NetworkError that timed out", err)
	}
	if n.Load() != 1 {
		t.Errorf("the POST went %d times, want once", n.Load())
	}
}
