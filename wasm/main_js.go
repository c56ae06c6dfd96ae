//go:build js && wasm

// Command wasm is the kommo-bulk engine compiled to WebAssembly: the same
// mapping, bulk and kommo packages as the CLI, behind one JS global,
// kommoBulk, whose methods convert JS ⇄ Go and call the engine.Engine. Anything
// that blocks returns a Promise (a blocking js.Func would stall the event
// loop, and fetch with it); data crosses as JSON DTOs, file contents as
// Uint8Array. web/kommo-bulk.d.ts declares the surface; web/kommo-bulk.js
// runs this module in a Web Worker.
package main

import (
	"context"
	"syscall/js"

	"github.com/kommo-bulk/kommo-bulk/engine"

	_ "time/tzdata" // IANA zones of mapping specs, with no zoneinfo in a browser
)

func main() {
	e := engine.New()
	methods := map[string]func(args []js.Value) any{
		"version": func([]js.Value) any { return engine.Version() },
		"configure": func(args []js.Value) any {
			var cfg engine.Config
			return promise(func() (any, error) {
				if err := decodeArg(args, 0, "configure(config)", &cfg); err != nil {
					return nil, err
				}
				cfg.Transport = fetchTransport{}
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
			var opts engine.OpenOptions
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
			return promise(func() (any, error) { return engine.SpecYAML(spec) })
		},
		"parseSpec": func(args []js.Value) any {
			spec, err := specArg(args, 0, "parseSpec(text: string)")
			if err != nil {
				return rejected(err.Error())
			}
			return promise(func() (any, error) {
				b, err := engine.SpecJSON(spec)
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
			var opts engine.ValidateOptions
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
			var p engine.ImportParams
			if err := decodeArg(args, 2, usage, &p); err != nil {
				return jobRejected(err.Error())
			}
			return runImport(e, id, spec, p, callbackArg(args, 3))
		},
		"export": func(args []js.Value) any {
			const usage = "export(params, onProgress?)"
			var p engine.ExportParams
			if err := decodeArg(args, 0, usage, &p); err != nil || len(args) == 0 {
				return rejected(usage)
			}
			onProgress := callbackArg(args, 1)
			return promise(func() (any, error) {
				return fileToJS(e.Export(context.Background(), p, func(pi engine.ExportProgressInfo) {
					if onProgress.Truthy() {
						onProgress.Invoke(mustJS(pi))
					}
				}))
			})
		},
		"detectMigration": func(args []js.Value) any {
			const usage = "detectMigration({fileIds, from?, idField?})"
			var p engine.DetectParams
			if err := decodeArg(args, 0, usage, &p); err != nil || len(args) == 0 {
				return rejected(usage)
			}
			return promise(func() (any, error) { return toJS(e.DetectMigration(p.FileIDs, p.From, p.IDField)) })
		},
		"checkMigration": func(args []js.Value) any {
			const usage = "checkMigration(params)"
			var p engine.MigrateParams
			if err := decodeArg(args, 0, usage, &p); err != nil || len(args) == 0 {
				return rejected(usage)
			}
			return promise(func() (any, error) { return migrationToJS(e.CheckMigration(context.Background(), p)) })
		},
		"runMigration": func(args []js.Value) any {
			const usage = "runMigration(params, onProgress?)"
			var p engine.MigrateParams
			if err := decodeArg(args, 0, usage, &p); err != nil || len(args) == 0 {
				return jobRejected(usage)
			}
			return runMigration(e, p, callbackArg(args, 1))
		},
		"setJobStore": func(args []js.Value) any {
			s, err := storeArg(args)
			if err != nil {
				return rejected(err.Error())
			}
			e.SetJobStore(s)
			return jsPromise.Call("resolve", s != nil)
		},
		"jobs": func([]js.Value) any {
			return promise(func() (any, error) { return toJS(e.Jobs()) })
		},
		"resumeJob": func(args []js.Value) any {
			const usage = "resumeJob(journal: string, file: Blob | Uint8Array, onProgress?)"
			if len(args) < 2 || args[0].Type() != js.TypeString {
				return jobRejected(usage)
			}
			src, err := sourceArg(args[1])
			if err != nil {
				return jobRejected("resumeJob: " + err.Error())
			}
			return resumeJob(e, args[0].String(), src, callbackArg(args, 2))
		},
		"undoJob": func(args []js.Value) any {
			if len(args) < 1 || args[0].Type() != js.TypeString {
				return rejected("undoJob(journal: string)")
			}
			name := args[0].String()
			return promise(func() (any, error) { return toJS(e.UndoJob(context.Background(), name)) })
		},
		"jobFile": func(args []js.Value) any {
			if len(args) < 1 || args[0].Type() != js.TypeString {
				return rejected("jobFile(name: string)")
			}
			name := args[0].String()
			return promise(func() (any, error) { return fileToJS(e.JobFile(name)) })
		},
		"removeJob": func(args []js.Value) any {
			if len(args) < 1 || args[0].Type() != js.TypeString {
				return rejected("removeJob(journal: string)")
			}
			name := args[0].String()
			return promise(func() (any, error) { return nil, e.RemoveJob(name) })
		},
		"importJournal": func(args []js.Value) any {
			const usage = "importJournal(name: string, bytes: Uint8Array)"
			if len(args) < 2 || args[0].Type() != js.TypeString || !args[1].InstanceOf(jsUint8) {
				return rejected(usage)
			}
			name := args[0].String()
			data := make([]byte, args[1].Get("byteLength").Int())
			js.CopyBytesToGo(data, args[1])
			return promise(func() (any, error) { return toJS(e.ImportJournal(name, data)) })
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

// runImport starts a job and returns {id, done, pause, resume, cancel},
// as resumeJob does (see startJob).
func runImport(e *engine.Engine, id int, spec string, p engine.ImportParams, onProgress js.Value) any {
	return startJob(onProgress, func(ctx context.Context, report func(engine.ProgressInfo)) (*engine.Job, error) {
		return e.StartImport(ctx, id, spec, p, report)
	})
}

// runMigration starts a migration and returns {id, done, pause, resume,
// cancel}, like runImport.
func runMigration(e *engine.Engine, p engine.MigrateParams, onProgress js.Value) any {
	j, err := e.StartMigration(context.Background(), p, func(mp engine.MigrationProgress) {
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
func migrationToJS(res *engine.MigrationResult, err error) (any, error) {
	v, err := toJS(res, err)
	if err != nil {
		return nil, err
	}
	obj := v.(js.Value)
	for key, files := range map[string][]*engine.FileBytes{"reportFiles": res.ReportFiles, "resultFiles": res.ResultFiles} {
		arr := obj.Get(key)
		for i, f := range files {
			attachBytes(arr.Index(i), f)
		}
	}
	return obj, nil
}

// resumeJob continues a stopped job and returns {id, done, pause, resume,
// cancel}, like runImport.
func resumeJob(e *engine.Engine, journal string, src engine.Source, onProgress js.Value) any {
	return startJob(onProgress, func(ctx context.Context, report func(engine.ProgressInfo)) (*engine.Job, error) {
		return e.ResumeImport(ctx, journal, src, report)
	})
}

// startJob starts an import job in a goroutine and returns {id, done,
// pause, resume, cancel} at once. Starting may await the browser (the
// account's schema fetched, a resumed file hashed, a journal read), and
// a JS callback that waits for the browser never returns: the job must
// not start inside the call. Controls used before it started act once
// it has, and cancel stops it before; the three are released when the
// job ends.
func startJob(onProgress js.Value, start func(context.Context, func(engine.ProgressInfo)) (*engine.Job, error)) any {
	report := func(pi engine.ProgressInfo) {
		if onProgress.Truthy() {
			onProgress.Invoke(mustJS(pi))
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	var job *engine.Job
	var failed error
	ready := make(chan struct{})
	go func() {
		defer close(ready)
		job, failed = start(ctx, report)
	}()
	obj := js.Global().Get("Object").New()
	control := func(act func(*engine.Job)) js.Func {
		return js.FuncOf(func(js.Value, []js.Value) any {
			go func() {
				<-ready
				if job != nil {
					act(job)
				}
			}()
			return nil
		})
	}
	pause := control((*engine.Job).Pause)
	resume := control((*engine.Job).Resume)
	cancel := js.FuncOf(func(js.Value, []js.Value) any {
		stop()
		go func() {
			<-ready
			if job != nil {
				job.Cancel()
			}
		}()
		return nil
	})
	obj.Set("id", 0)
	obj.Set("pause", pause)
	obj.Set("resume", resume)
	obj.Set("cancel", cancel)
	obj.Set("done", promise(func() (any, error) {
		<-ready
		defer stop()
		defer func() {
			obj.Set("pause", noop)
			obj.Set("resume", noop)
			obj.Set("cancel", noop)
			pause.Release()
			resume.Release()
			cancel.Release()
		}()
		if failed != nil {
			return nil, failed
		}
		obj.Set("id", job.ID)
		res, err := job.Wait()
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
