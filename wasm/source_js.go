//go:build js && wasm

package main

import (
	"errors"
	"io"
	"syscall/js"

	"github.com/kommo-bulk/kommo-bulk/engine"
)

// sourceArg reads a file argument: a Blob (a dropped File), read in
// slices on each pass, or a Uint8Array or ArrayBuffer, which stays a JS
// array read in slices too. Neither is copied whole into wasm memory here
// (OpenSource copies a workbook in once, chunk by chunk).
func sourceArg(v js.Value) (engine.Source, error) {
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

var _ engine.Source = (*blobSource)(nil)

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

var _ engine.Source = (*arraySource)(nil)

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

// progressFunc turns a JS callback into a engine.ReadProgress reporter (nil for
// none).
func progressFunc(cb js.Value) func(engine.ReadProgress) {
	if !cb.Truthy() {
		return nil
	}
	return func(p engine.ReadProgress) {
		o := js.Global().Get("Object").New()
		o.Set("phase", p.Phase)
		o.Set("read", float64(p.Read))
		o.Set("total", float64(p.Total))
		cb.Invoke(o)
	}
}
