//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"syscall/js"

	"github.com/kommo-bulk/kommo-bulk/engine"
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
func fileToJS(f *engine.FileBytes, err error) (any, error) {
	v, err := toJS(f, err)
	if err != nil {
		return nil, err
	}
	attachBytes(v.(js.Value), f)
	return v, nil
}

func attachBytes(obj js.Value, f *engine.FileBytes) {
	if f == nil || obj.IsUndefined() || obj.IsNull() {
		return
	}
	u := jsUint8.New(len(f.Data))
	js.CopyBytesToJS(u, f.Data)
	obj.Set("bytes", u)
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
