package migrate

import (
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// EntityNotes is the entity of a history file: each row a note (a note,
// a call, an e-mail, a meeting, a comment) on a record of the migration.
const EntityNotes = mapping.EntityNotes

// isHistoryEntity reports whether e names notes.
func isHistoryEntity(e kommo.EntityType) bool {
	switch value.Normalize(string(e)) {
	case "notes", "note", "history":
		return true
	}
	return false
}

// History is what a migration needs to know of a history file beyond its
// spec, and of the notes a card file's spec makes.
type History struct {
	// Kind names the kind of history file ("calls"): it prefixes the
	// notes' source ids, so that a note and a call with the same id stay
	// two notes.
	Kind string
	// Source is the source's name, written in the first line of each
	// note ("Ana Admin, 2024-03-15 14:02, from HubSpot").
	Source string
	// Attachments are the columns naming the note's files: files are not
	// migrated, and the report lists them by name.
	Attachments []string
	// DurationMS says the duration column counts milliseconds (HubSpot's
	// hs_call_duration).
	DurationMS bool
	// AnyEntity says the source's ids name one record across objects
	// (Salesforce's WhatId, ParentId): a reference not found among the
	// records of its entity is looked up among the others'.
	AnyEntity bool
}
