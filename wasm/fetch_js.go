//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall/js"
)

var (
	jsHeaders         = js.Global().Get("Headers")
	jsAbortController = js.Global().Get("AbortController")
)

// fetchTransport is an http.RoundTripper over the browser's fetch, so that
// the module links neither *http.Client nor *http.Transport (whose js
// RoundTrip keeps the native HTTP/1, HTTP/2 and TLS stack). It sends what
// net/http's fetch path sends: the method, URL, headers and the whole
// body, with credentials "same-origin" and fetch's default mode (cors) and
// redirect (follow); the page's origin + "/kommo" (serve's proxy) is same
// origin. Headers the browser sets itself (Host, Content-Length,
// User-Agent, ...) are left to it. The request's context aborts the fetch
// through an AbortController, also while the body is read. The response
// body is read whole (Kommo's answers are a few hundred KB at most).
//
// Errors name the method and the URL path, never the query or a header:
// the bearer token stays out of them.
type fetchTransport struct{}

var _ http.RoundTripper = fetchTransport{}

// browserHeaders are request headers fetch forbids or the browser sets.
var browserHeaders = map[string]bool{
	"Accept-Charset": true, "Accept-Encoding": true, "Connection": true, "Content-Length": true,
	"Cookie": true, "Date": true, "Expect": true, "Host": true, "Keep-Alive": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "User-Agent": true,
}

func (fetchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fetchError(req, "read the request body: "+err.Error())
		}
		body = b
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	opt := js.Global().Get("Object").New()
	opt.Set("method", req.Method)
	opt.Set("credentials", "same-origin")
	headers := jsHeaders.New()
	for name, values := range req.Header {
		if browserHeaders[http.CanonicalHeaderKey(name)] || strings.HasPrefix(strings.ToLower(name), "proxy-") ||
			strings.HasPrefix(strings.ToLower(name), "sec-") {
			continue
		}
		for _, v := range values {
			if err := jsTry(func() { headers.Call("append", name, v) }); err != nil {
				// The browser's message may quote the value: name the header only.
				return nil, fetchError(req, fmt.Sprintf("header %q refused by the browser", name))
			}
		}
	}
	opt.Set("headers", headers)
	if len(body) > 0 {
		buf := jsUint8.New(len(body))
		js.CopyBytesToJS(buf, body)
		opt.Set("body", buf)
	}
	if !jsAbortController.IsUndefined() {
		ac := jsAbortController.New()
		opt.Set("signal", ac.Get("signal"))
		stop := context.AfterFunc(ctx, func() { ac.Call("abort") })
		defer stop()
	}

	var res js.Value
	err := jsTry(func() { res = js.Global().Call("fetch", req.URL.String(), opt) })
	if err == nil {
		res, err = await(res)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fetchError(req, err.Error())
	}
	status := res.Get("status").Int()
	if status == 0 {
		return nil, fetchError(req, "opaque answer ("+res.Get("type").String()+")")
	}
	header := http.Header{}
	it := res.Get("headers").Call("entries")
	for {
		n := it.Call("next")
		if n.Get("done").Bool() {
			break
		}
		kv := n.Get("value")
		header.Add(kv.Index(0).String(), kv.Index(1).String())
	}
	buf, err := await(res.Call("arrayBuffer"))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fetchError(req, "read the answer: "+err.Error())
	}
	data := make([]byte, buf.Get("byteLength").Int())
	js.CopyBytesToGo(data, jsUint8.New(buf))

	uncompressed := false
	if header.Get("Content-Encoding") != "" {
		// fetch has decoded the body; the headers still describe it encoded.
		header.Del("Content-Encoding")
		header.Del("Content-Length")
		uncompressed = true
	}
	if res.Get("redirected").Bool() {
		if u, err := url.Parse(res.Get("url").String()); err == nil {
			req = req.Clone(ctx)
			req.URL = u
		}
	}
	text := res.Get("statusText").String()
	if text == "" {
		text = http.StatusText(status)
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, text),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(data)),
		ContentLength: int64(len(data)),
		Uncompressed:  uncompressed,
		Request:       req,
	}, nil
}

// fetchError is a failed fetch of req, named by method and path only; a
// message that quotes the query or the Authorization header is scrubbed.
func fetchError(req *http.Request, msg string) error {
	if q := req.URL.RawQuery; q != "" {
		msg = strings.ReplaceAll(msg, q, "…")
	}
	if auth := req.Header.Get("Authorization"); auth != "" {
		msg = strings.ReplaceAll(msg, auth, "[redacted]")
		if _, tok, ok := strings.Cut(auth, " "); ok && tok != "" {
			msg = strings.ReplaceAll(msg, tok, "[redacted]")
		}
	}
	return fmt.Errorf("fetch %s %s: %s", req.Method, req.URL.Path, msg)
}

// jsTry runs fn and turns a JS exception it throws into an error.
func jsTry(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			var jerr js.Error
			if e, ok := r.(error); ok && errors.As(e, &jerr) {
				err = errors.New(jerr.Value.Call("toString").String())
				return
			}
			panic(r)
		}
	}()
	fn()
	return nil
}
