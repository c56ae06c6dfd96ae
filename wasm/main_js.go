//go:build js && wasm

// Command wasm is the kommo-bulk engine compiled to WebAssembly: the same
// mapping, bulk and kommo packages as the CLI, behind one JS global,
// kommoBulk, whose methods convert JS ⇄ Go and call the Engine. Anything
// that blocks returns a Promise (a blocking js.Func would stall the event
// loop, and fetch with it); data crosses as JSON DTOs, file contents as
// Uint8Array. web/kommo-bulk.d.ts declares the surface; web/kommo-bulk.js
// runs this module in a Web Worker.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"syscall/js"

	_ "time/tzdata" // IANA zones of mapping specs, with no zoneinfo in a browser
)

var (
	jsJSON    = js.Global().Get("JSON")
	jsPromise = js.Global().Get("Promise")
	jsError   = js.Global().Get("Error")
	jsUint8   = js.Global().Get("Uint8Array")
	jsBlob    = js.Global().Get("Blob")
	// noop stands in for a finished job's controls. (new Function would
	// need 'unsafe-eval', which serve's Content-Security-Policy refuses.)
	noop = js.FuncOf(func(js.Value, []js.Value) any { return nil })
)

func main() {
	e := NewEngine()
	methods := map[string]func(args []js.Value) any{
		"version": func([]js.Value) any { return moduleVersion() },
		"configure": func(args []js.Value) any {
			var cfg Config
			return promise(func() (any, error) {
				if err := decodeArg(args, 0, "configure(config)", &cfg); err != nil {
					return nil, err
				}
				return nil, e.Configure(cfg)
			})
		},
		"schema": func([]js.Value) any {
			return promise(func() (any, error) { return toJS(e.Schema(context.Background())) })
		},
		"openFile": func(args []js.Value) any {
			const usage = "openFile(file: Blob | Uint8Array, name: string, options?, onProgress?)"
			if len(args) < 2 || args[1].Type() != js.TypeString {
				return rejected(usage)
			}
			src, err := sourceArg(args[0])
			if err != nil {
				return rejected(usage + ": " + err.Error())
			}
			name := args[1].String()
			var opts OpenOptions
			if err := decodeArg(args, 2, usage, &opts); err != nil {
				return rejected(err.Error())
			}
			opts.Progress = progressFunc(callbackArg(args, 3))
			return promise(func() (any, error) { return toJS(e.OpenSource(src, name, opts)) })
		},
		"closeFile": func(args []js.Value) any {
			if len(args) == 1 && args[0].Type() == js.TypeNumber {
				e.CloseFile(args[0].Int())
			}
			return nil
		},
		"propose": func(args []js.Value) any {
			if len(args) != 2 || args[0].Type() != js.TypeNumber || args[1].Type() != js.TypeString {
				return rejected("propose(fileId: number, entity: string)")
			}
			id, ent := args[0].Int(), args[1].String()
			return promise(func() (any, error) { return toJS(e.Propose(context.Background(), id, ent)) })
		},
		"specToYAML": func(args []js.Value) any {
			spec, err := specArg(args, 0, "specToYAML(spec)")
			if err != nil {
				return rejected(err.Error())
			}
			return promise(func() (any, error) { return SpecYAML(spec) })
		},
		"parseSpec": func(args []js.Value) any {
			spec, err := specArg(args, 0, "parseSpec(text: string)")
			if err != nil {
				return rejected(err.Error())
			}
			return promise(func() (any, error) {
				b, err := SpecJSON(spec)
				if err != nil {
					return nil, err
				}
				return jsJSON.Call("parse", string(b)), nil
			})
		},
		"validate": func(args []js.Value) any {
			const usage = "validate(fileId: number, spec, options?, onProgress?)"
			id, spec, err := fileSpecArgs(args, usage)
			if err != nil {
				return rejected(err.Error())
			}
			var opts ValidateOptions
			if err := decodeArg(args, 2, usage, &opts); err != nil {
				return rejected(err.Error())
			}
			opts.Progress = progressFunc(callbackArg(args, 3))
			return promise(func() (any, error) { return toJS(e.Validate(context.Background(), id, spec, opts)) })
		},
		"setCell": func(args []js.Value) any {
			const usage = "setCell(fileId: number, row: number, column: string, value: string)"
			if len(args) != 4 || args[0].Type() != js.TypeNumber || args[1].Type() != js.TypeNumber ||
				args[2].Type() != js.TypeString || args[3].Type() != js.TypeString {
				return rejected(usage)
			}
			id, row, col, val := args[0].Int(), args[1].Int(), args[2].String(), args[3].String()
			return promise(func() (any, error) { return nil, e.SetCell(id, row, col, val) })
		},
		"errorsFile": func(args []js.Value) any {
			id, spec, err := fileSpecArgs(args, "errorsFile(fileId: number, spec)")
			if err != nil {
				return rejected(err.Error())
			}
			return promise(func() (any, error) { return fileToJS(e.ErrorsFile(context.Background(), id, spec)) })
		},
		"runImport": func(args []js.Value) any {
			const usage = "runImport(fileId: number, spec, params?, onProgress?)"
			id, spec, err := fileSpecArgs(args, usage)
			if err != nil {
				return jobRejected(err.Error())
			}
			var p ImportParams
			if err := decodeArg(args, 2, usage, &p); err != nil {
				return jobRejected(err.Error())
			}
			return runImport(e, id, spec, p, callbackArg(args, 3))
		},
		"export": func(args []js.Value) any {
			const usage = "export(params, onProgress?)"
			var p ExportParams
			if err := decodeArg(args, 0, usage, &p); err != nil || len(args) == 0 {
				return rejected(usage)
			}
			onProgress := callbackArg(args, 1)
			return promise(func() (any, error) {
				return fileToJS(e.Export(context.Background(), p, func(pi ExportProgressInfo) {
					if onProgress.Truthy() {
						onProgress.Invoke(mustJS(pi))
					}
				}))
			})
		},
		"detectMigration": func(args []js.Value) any {
			const usage = "detectMigration({fileIds, from?, idField?})"
			var p DetectParams
			if err := decodeArg(args, 0, usage, &p); err != nil || len(args) == 0 {
				return rejected(usage)
			}
			return promise(func() (any, error) { return toJS(e.DetectMigration(p.FileIDs, p.From, p.IDField)) })
		},
		"checkMigration": func(args []js.Value) any {
			const usage = "checkMigration(params)"
			var p MigrateParams
			if err := decodeArg(args, 0, usage, &p); err != nil || len(args) == 0 {
				return rejected(usage)
			}
			return promise(func() (any, error) { return migrationToJS(e.CheckMigration(context.Background(), p)) })
		},
		"runMigration": func(args []js.Value) any {
			const usage = "runMigration(params, onProgress?)"
			var p MigrateParams
			if err := decodeArg(args, 0, usage, &p); err != nil || len(args) == 0 {
				return jobRejected(usage)
			}
			return runMigration(e, p, callbackArg(args, 1))
		},
	}
	api := js.Global().Get("Object").New()
	for name, fn := range methods {
		// These js.Funcs live as long as the module, so none is released.
		api.Set(name, js.FuncOf(func(this js.Value, args []js.Value) any { return fn(args) }))
	}
	js.Global().Set("kommoBulk", api)
	<-make(chan struct{})
}

// runImport starts a job and returns {id, done, pause, resume, cancel};
// the three functions are released when the job ends.
func runImport(e *Engine, id int, spec string, p ImportParams, onProgress js.Value) any {
	report := func(pi ProgressInfo) {
		if onProgress.Truthy() {
			onProgress.Invoke(mustJS(pi))
		}
	}
	j, err := e.StartImport(context.Background(), id, spec, p, report)
	if err != nil {
		return jobRejected(err.Error())
	}
	obj := js.Global().Get("Object").New()
	pause := js.FuncOf(func(js.Value, []js.Value) any { j.Pause(); return nil })
	resume := js.FuncOf(func(js.Value, []js.Value) any { j.Resume(); return nil })
	cancel := js.FuncOf(func(js.Value, []js.Value) any { j.Cancel(); return nil })
	obj.Set("id", j.ID)
	obj.Set("pause", pause)
	obj.Set("resume", resume)
	obj.Set("cancel", cancel)
	obj.Set("done", promise(func() (any, error) {
		res, err := j.Wait()
		// The controls do nothing once the job is over; release them.
		obj.Set("pause", noop)
		obj.Set("resume", noop)
		obj.Set("cancel", noop)
		pause.Release()
		resume.Release()
		cancel.Release()
		if err != nil {
			return nil, err
		}
		v, err := toJS(res, nil)
		if err != nil {
			return nil, err
		}
		attachBytes(v.(js.Value).Get("successFile"), res.SuccessFile)
		attachBytes(v.(js.Value).Get("errorsFile"), res.ErrorsFile)
		return v, nil
	}))
	return obj
}

// runMigration starts a migration and returns {id, done, pause, resume,
// cancel}, like runImport.
func runMigration(e *Engine, p MigrateParams, onProgress js.Value) any {
	j, err := e.StartMigration(context.Background(), p, func(mp MigrationProgress) {
		if onProgress.Truthy() {
			onProgress.Invoke(mustJS(mp))
		}
	})
	if err != nil {
		return jobRejected(err.Error())
	}
	obj := js.Global().Get("Object").New()
	pause := js.FuncOf(func(js.Value, []js.Value) any { j.Pause(); return nil })
	resume := js.FuncOf(func(js.Value, []js.Value) any { j.Resume(); return nil })
	cancel := js.FuncOf(func(js.Value, []js.Value) any { j.Cancel(); return nil })
	obj.Set("id", j.ID)
	obj.Set("pause", pause)
	obj.Set("resume", resume)
	obj.Set("cancel", cancel)
	obj.Set("done", promise(func() (any, error) {
		res := j.Wait()
		obj.Set("pause", noop)
		obj.Set("resume", noop)
		obj.Set("cancel", noop)
		pause.Release()
		resume.Release()
		cancel.Release()
		return migrationToJS(res, nil)
	}))
	return obj
}

// migrationToJS turns a migration's result into an object whose report
// and result files carry their bytes.
func migrationToJS(res *MigrationResult, err error) (any, error) {
	v, err := toJS(res, err)
	if err != nil {
		return nil, err
	}
	obj := v.(js.Value)
	for key, files := range map[string][]*FileBytes{"reportFiles": res.ReportFiles, "resultFiles": res.ResultFiles} {
		arr := obj.Get(key)
		for i, f := range files {
			attachBytes(arr.Index(i), f)
		}
	}
	return obj, nil
}

// promise runs fn in a goroutine and returns a Promise of its result.
// A panic rejects the promise instead of killing the module.
func promise(fn func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(this js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer func() {
				if r := recover(); r != nil {
					reject.Invoke(jsError.New(fmt.Sprintf("kommoBulk: internal error: %v\n%s", r, debug.Stack())))
				}
			}()
			v, err := fn()
			if err != nil {
				reject.Invoke(jsError.New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	defer executor.Release() // the Promise constructor calls it at once
	return jsPromise.New(executor)
}

func rejected(msg string) js.Value {
	return jsPromise.Call("reject", jsError.New("kommoBulk."+msg))
}

// jobRejected is a job that failed to start: done rejects, the controls
// do nothing.
func jobRejected(msg string) js.Value {
	obj := js.Global().Get("Object").New()
	obj.Set("id", 0)
	obj.Set("pause", noop)
	obj.Set("resume", noop)
	obj.Set("cancel", noop)
	obj.Set("done", rejected(msg))
	return obj
}

// toJS turns a DTO into a plain JS object through JSON.
func toJS(v any, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsJSON.Call("parse", string(b)), nil
}

func mustJS(v any) js.Value {
	o, err := toJS(v, nil)
	if err != nil {
		return js.Null()
	}
	return o.(js.Value)
}

// fileToJS turns a made file into {name, type, rows, bytes: Uint8Array}.
func fileToJS(f *FileBytes, err error) (any, error) {
	v, err := toJS(f, err)
	if err != nil {
		return nil, err
	}
	attachBytes(v.(js.Value), f)
	return v, nil
}

func attachBytes(obj js.Value, f *FileBytes) {
	if f == nil || obj.IsUndefined() || obj.IsNull() {
		return
	}
	u := jsUint8.New(len(f.Data))
	js.CopyBytesToJS(u, f.Data)
	obj.Set("bytes", u)
}

// sourceArg reads a file argument: a Blob (a dropped File), read in
// slices on each pass, or a Uint8Array or ArrayBuffer, which stays a JS
// array read in slices too. Neither is copied whole into wasm memory here
// (OpenSource copies a workbook in once, chunk by chunk).
func sourceArg(v js.Value) (Source, error) {
	switch {
	case v.InstanceOf(jsBlob):
		return &blobSource{blob: v, size: int64(v.Get("size").Float())}, nil
	case v.InstanceOf(js.Global().Get("ArrayBuffer")):
		v = jsUint8.New(v)
	case !v.InstanceOf(jsUint8):
		return nil, errors.New("the file must be a Blob, a Uint8Array or an ArrayBuffer")
	}
	return &arraySource{array: v, size: int64(v.Get("byteLength").Int())}, nil
}

// blobSource reads a Blob: each ReadAt awaits blob.slice(…).arrayBuffer(),
// from a goroutine of a promise (never from a js.Func, which would stall
// the event loop that resolves it), and copies it into p.
type blobSource struct {
	blob js.Value
	size int64
}

var _ Source = (*blobSource)(nil)

func (s *blobSource) Size() int64 { return s.size }

func (s *blobSource) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), s.size)
	buf, err := await(s.blob.Call("slice", float64(off), float64(end)).Call("arrayBuffer"))
	if err != nil {
		return 0, err
	}
	n := js.CopyBytesToGo(p, jsUint8.New(buf))
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// arraySource reads a Uint8Array kept on the JS side, a slice at a time.
type arraySource struct {
	array js.Value
	size  int64
}

var _ Source = (*arraySource)(nil)

func (s *arraySource) Size() int64 { return s.size }

func (s *arraySource) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), s.size)
	n := js.CopyBytesToGo(p, s.array.Call("subarray", float64(off), float64(end)))
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// await waits for a JS Promise. The calling goroutine blocks; the event
// loop runs on, and settles the promise.
func await(p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	onValue := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{v: args[0]}
		return nil
	})
	onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	defer onValue.Release()
	defer onError.Release()
	p.Call("then", onValue, onError)
	r := <-ch
	return r.v, r.err
}

// progressFunc turns a JS callback into a ReadProgress reporter (nil for
// none).
func progressFunc(cb js.Value) func(ReadProgress) {
	if !cb.Truthy() {
		return nil
	}
	return func(p ReadProgress) {
		o := js.Global().Get("Object").New()
		o.Set("phase", p.Phase)
		o.Set("read", float64(p.Read))
		o.Set("total", float64(p.Total))
		cb.Invoke(o)
	}
}

// decodeArg decodes args[i], a plain object, into v through JSON; a
// missing or undefined argument leaves v as it is.
func decodeArg(args []js.Value, i int, usage string, v any) error {
	if i >= len(args) || args[i].IsUndefined() || args[i].IsNull() {
		return nil
	}
	if args[i].Type() != js.TypeObject {
		return fmt.Errorf("kommoBulk.%s: argument %d must be an object", usage, i+1)
	}
	s := jsJSON.Call("stringify", args[i]).String()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("kommoBulk.%s: argument %d: %w", usage, i+1, err)
	}
	return nil
}

// specArg reads a mapping spec: YAML or JSON text, or an object.
func specArg(args []js.Value, i int, usage string) (string, error) {
	if i >= len(args) {
		return "", errors.New(usage)
	}
	switch args[i].Type() {
	case js.TypeString:
		return args[i].String(), nil
	case js.TypeObject:
		return jsJSON.Call("stringify", args[i]).String(), nil
	}
	return "", fmt.Errorf("%s: the spec must be YAML or JSON text, or an object", usage)
}

func fileSpecArgs(args []js.Value, usage string) (int, string, error) {
	if len(args) < 2 || args[0].Type() != js.TypeNumber {
		return 0, "", errors.New(usage)
	}
	spec, err := specArg(args, 1, usage)
	return args[0].Int(), spec, err
}

func callbackArg(args []js.Value, i int) js.Value {
	if i < len(args) && args[i].Type() == js.TypeFunction {
		return args[i]
	}
	return js.Undefined()
}

// defaultTransport carries the engine's requests when Config.Transport is
// nil: the browser's fetch.
func defaultTransport() http.RoundTripper { return fetchTransport{} }

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
