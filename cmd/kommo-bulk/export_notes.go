package main

import (
	"fmt"
	"slices"

	"github.com/kommo-bulk/kommo-bulk/bulk"
)

// exportNotesHelp is the part of export's help about notes.
const exportNotesHelp = `
Notes (the history of leads, contacts and companies: notes, calls, SMS,
service messages) export one row per note with "export notes": ID, Entity
type, Entity ID (the record's Kommo id), Note type, Created at, Created by
(and its ID), Updated at, Text, the call's Phone, Duration, source, link,
id, result and status, Service, Subject, and every param as JSON. --entity
picks the records' types (default leads, contacts and companies), --ids
their ids (one type), --note-types the types, --updated-from/--updated-to
and --created-from/--created-to the dates. The file imports into another
account as it is: "kommo-bulk import notes.csv --refs JOURNALS" puts each
note on the record that the imports of the exported records made (their
journals key them by the exported ID).
`

// noteExportOptions are the options of "export notes" from export's
// flags: --entity (leads, contacts, companies), --ids (records of one
// type), --note-types and the date ranges.
func noteExportOptions(filter bulk.ExportFilter, entities, noteTypes []string) (bulk.NoteExportOptions, error) {
	hint := "kommo-bulk export notes --entity leads --ids 101,102 -o notes.csv"
	o := bulk.NoteExportOptions{EntityIDs: filter.IDs, NoteTypes: noteTypes, UpdatedAt: filter.UpdatedAt, CreatedAt: filter.CreatedAt}
	for _, v := range entities {
		e := plural(v)
		if !slices.Contains(bulk.SchemaEntities, e) {
			return o, &usageError{msg: fmt.Sprintf("--entity %q: notes are of leads, contacts or companies", v), hint: hint}
		}
		if !slices.Contains(o.Entities, e) {
			o.Entities = append(o.Entities, e)
		}
	}
	if len(o.EntityIDs) > 0 && len(o.Entities) != 1 {
		return o, &usageError{msg: "--ids are the ids of the records whose notes to export: give their type with --entity", hint: hint}
	}
	for _, t := range noteTypes {
		if !slices.Contains(noteTypeCodes, t) {
			return o, &usageError{msg: fmt.Sprintf("--note-types: unknown note type %q", t), hint: "--note-types common,call_in,call_out"}
		}
	}
	return o, nil
}

// noteTypeCodes are Kommo's note types (reference §4.9).
var noteTypeCodes = []string{"common", "call_in", "call_out", "service_message", "extended_service_message", "message_cashier",
	"geolocation", "sms_in", "sms_out", "attachment", "amomail_message", "chat", "site_visit", "targeting_in", "targeting_out",
	"transaction", "invoice_paid", "zoom_meeting", "dropbox_attachment", "link_followed", "bill_paid", "ai_result"}
