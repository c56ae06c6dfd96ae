// Package bulk is the engine both front ends (the CLI and the browser)
// share: it moves mapped rows into Kommo and Kommo lists back out, as fast
// as the account's rate limit allows, without losing or duplicating a
// record.
//
// Import takes a stream of mapping.Rows and writes them in batches: related
// entities of a row first (company, then contact, then lead, then task),
// each batch one request, sent by a bounded group of workers that all wait
// on the client's one rate limiter. Existing records are found by the
// spec's match key (dedupe against the account, with the fewest requests)
// and rows that repeat a key within the file follow the first one, so
// nothing is created twice.
//
// Every write is journaled before it is sent and after its answer. A write
// whose answer never came (a timeout, a 504, a kill) is reconciled by
// reading back, never blindly sent again, so a job killed at any moment
// and resumed writes every row exactly once. Updates record the previous
// values they change, so Undo can restore them.
//
// The engine is synchronous: Import and Export return when all their
// goroutines have. Progress is reported through a callback, never printed.
package bulk
