// Package workbook writes and reads the workbooks the streaming reader and
// writer of package mapping leave to a full spreadsheet library: import
// templates with dropdown lists ([WriteTemplate], read back by
// [TemplateSpec]), exports for editing ([NewEditWriter]), password-protected
// workbooks ([Decrypt], [Encrypt]) and formulas saved without their values
// ([Recalculate]).
//
// It is built on excelize and is native only: the browser engine (wasm/)
// never imports it, which "make wasm-deps" checks, and the page offers what
// the browser can do without it. Reading stays with package mapping's
// streaming reader: the functions here turn a workbook into one that reader
// reads (decrypted, recalculated) or write one it reads back.
//
// Dropdown lists live on a hidden sheet, "Lists", one column per list, each
// named by a workbook-level defined name (KB_Stages, KB_Users, ...) that
// the data validations refer to: Excel and LibreOffice both honour a list
// validation whose source is a defined name, however long the list. Stages
// are one list of "Pipeline / Stage" values for every pipeline, which the
// mapping reads as the stage of that pipeline (a dependent list per
// pipeline needs INDIRECT, which the two programs do not treat alike).
package workbook
