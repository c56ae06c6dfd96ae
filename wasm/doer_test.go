package main

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
