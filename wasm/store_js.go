//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall/js"

	"github.com/kommo-bulk/kommo-bulk/engine"
)

// jsStore is the engine's JobStore over the store object of the worker
// (kommo-bulk-worker.js: the Origin Private File System). Getting at a
// file is asynchronous there (its methods return Promises, awaited from
// the engine's goroutines); an open file is a FileSystemSyncAccessHandle,
// whose write, flush and truncate are synchronous: flush returns when the
// bytes are on disk, so the journal is before each write request is sent.
//
// The store object's methods: open(name) → {write(Uint8Array), flush(),
// truncate(n), close()}; readFile(name) → Uint8Array or null; remove(name);
// list() → names; lock(name) → {release()} or null when another holds it
// (Web Locks: a closed tab or killed browser releases them).
type jsStore struct{ v js.Value }

var _ engine.JobStore = jsStore{}

func (s jsStore) Open(name string) (engine.JournalFile, error) {
	h, err := await(s.v.Call("open", name))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return &jsFile{name: name, h: h}, nil
}

func (s jsStore) ReadFile(name string) ([]byte, error) {
	v, err := await(s.v.Call("readFile", name))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if v.IsNull() || v.IsUndefined() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	b := make([]byte, v.Get("byteLength").Int())
	js.CopyBytesToGo(b, v)
	return b, nil
}

func (s jsStore) Remove(name string) error {
	v, err := await(s.v.Call("remove", name))
	if err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	if !v.Truthy() {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	return nil
}

func (s jsStore) List() ([]string, error) {
	v, err := await(s.v.Call("list"))
	if err != nil {
		return nil, fmt.Errorf("list the jobs: %w", err)
	}
	out := make([]string, v.Length())
	for i := range out {
		out[i] = v.Index(i).String()
	}
	return out, nil
}

func (s jsStore) Lock(name string) (engine.Unlocker, error) {
	v, err := await(s.v.Call("lock", name))
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if v.IsNull() || v.IsUndefined() {
		return nil, engine.JobLockedError(name, "another tab of this page")
	}
	return jsLock{v}, nil
}

type jsLock struct{ v js.Value }

func (l jsLock) Unlock() error { return jsTry(func() { l.v.Call("release") }) }

// jsFile is an open file of the store: calls of a sync access handle.
type jsFile struct {
	name string
	h    js.Value
}

func (f *jsFile) Write(p []byte) (int, error) {
	u := jsUint8.New(len(p))
	js.CopyBytesToJS(u, p)
	if err := jsTry(func() { f.h.Call("write", u) }); err != nil {
		return 0, fmt.Errorf("write %s: %w", f.name, err)
	}
	return len(p), nil
}

func (f *jsFile) Sync() error {
	if err := jsTry(func() { f.h.Call("flush") }); err != nil {
		return fmt.Errorf("flush %s: %w", f.name, err)
	}
	return nil
}

func (f *jsFile) Truncate(size int64) error {
	if err := jsTry(func() { f.h.Call("truncate", float64(size)) }); err != nil {
		return fmt.Errorf("truncate %s: %w", f.name, err)
	}
	return nil
}

func (f *jsFile) Close() error { return jsTry(func() { f.h.Call("close") }) }

// storeArg reads setJobStore's argument: the store object, or null for
// none.
func storeArg(args []js.Value) (engine.JobStore, error) {
	if len(args) == 0 || args[0].IsNull() || args[0].IsUndefined() {
		return nil, nil
	}
	v := args[0]
	for _, m := range []string{"open", "readFile", "remove", "list", "lock"} {
		if v.Get(m).Type() != js.TypeFunction {
			return nil, errors.New("setJobStore(store): the store has no " + m + " method")
		}
	}
	return jsStore{v}, nil
}
