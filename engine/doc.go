// Package engine is the application layer of kommo-bulk: open and preview a
// file, propose and validate a mapping, the errors file, import, export and
// migration jobs with their result files.
//
// It holds no syscall/js and no terminal: the page's module (wasm/) converts
// JS values to the DTOs declared here and back, and tests run natively. The
// DTOs' JSON tags are the page's API, declared for TypeScript in
// web/kommo-bulk.d.ts.
package engine
