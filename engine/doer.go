package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// doer sends each request through a RoundTripper with a timeout: the part
// of *http.Client the engine needs, without linking *http.Client, whose
// send path keeps net/http's native transport (HTTP/1, HTTP/2, TLS, about
// 1 MB of gzipped wasm) in the module even though fetch carries the
// requests in a browser.
//
// Unlike *http.Client it follows no redirects (fetch does that itself) and
// keeps no cookies. Its zero timeout means none. It is safe for concurrent
// use if rt is.
type doer struct {
	rt      http.RoundTripper
	timeout time.Duration
}

var _ kommo.Doer = doer{}

// Do sends req. The timeout covers the whole exchange, until the response
// body is closed, as http.Client.Timeout does; on error the request body is
// closed and a timeout error matches context.DeadlineExceeded.
func (d doer) Do(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := parent, context.CancelFunc(func() {})
	if d.timeout > 0 {
		ctx, cancel = context.WithTimeout(parent, d.timeout)
	}
	timedOut := func() bool { return parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) }
	resp, err := d.rt.RoundTrip(req.WithContext(ctx))
	if err == nil && resp == nil {
		err = errors.New("the round tripper returned no response and no error")
	}
	if err != nil {
		cancel()
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		if req.Body != nil {
			req.Body.Close()
		}
		if timedOut() {
			return nil, &timeoutError{msg: fmt.Sprintf("%s %s: no answer within %v", req.Method, req.URL.Path, d.timeout)}
		}
		return nil, err
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	resp.Body = &cancelBody{rc: resp.Body, cancel: cancel, timedOut: timedOut, timeout: d.timeout}
	return resp, nil
}

// cancelBody ends the request's timeout context when the body is closed.
type cancelBody struct {
	rc       io.ReadCloser
	cancel   context.CancelFunc
	timedOut func() bool
	timeout  time.Duration
}

func (b *cancelBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && b.timedOut() {
		err = &timeoutError{msg: fmt.Sprintf("reading the answer: not done within %v: %v", b.timeout, err)}
	}
	return n, err
}

func (b *cancelBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// timeoutError is a request that outlived the doer's timeout. Like
// net/http's, it is a net.Error whose Timeout is true and it matches
// context.DeadlineExceeded; the client retries reads that end with it (the
// caller's context was live: a timeout of that is its error, not this one).
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string        { return "timeout: " + e.msg }
func (e *timeoutError) Timeout() bool        { return true }
func (e *timeoutError) Temporary() bool      { return true }
func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
