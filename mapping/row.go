package mapping

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// A Row is one source row mapped to Kommo write requests: the contract
// between the mapping layer and the bulk engine.
//
// A row has one primary entity (the spec's) and may carry related entities
// of the same row: a lead with its contact and company, a contact with its
// company, a task with the entity it belongs to. The engine writes the
// related entities first and links them.
type Row struct {
	// File, Sheet and Line locate the row in its source, as RowError does.
	File  string
	Sheet string
	Line  int
	// Key is the row's key in its source (the source system's id), used to
	// link rows across files and to resume; "" when the spec has none.
	Key string

	// Entity is the row's primary entity type.
	Entity kommo.EntityType

	Lead    *kommo.LeadRequest
	Contact *kommo.ContactRequest
	Company *kommo.CompanyRequest
	Task    *kommo.TaskRequest

	// Match holds, per entity present in the row, the normalised values of
	// the spec's match key (emails lower-cased, phones in E.164, an external
	// id as written) that find an existing record for upsert and dedupe.
	Match map[kommo.EntityType]MatchKey

	// Refs are the keys of rows in other files this row links to, by entity
	// type: a contact's company key, a lead's contact key, a task's lead key.
	Refs map[kommo.EntityType]string

	// Columns maps a write-request path to the source column it came from,
	// keyed as "<entity>:<path>", e.g. "contacts:custom_fields_values.1" →
	// "Phone" or "leads:status_id" → "Stage". See Column.
	//
	// The map of a Row made by a Mapper is read-only: rows that filled the
	// same fields from the same columns share one map (most rows of a file
	// do), so writing to it would change other rows too. Copy it to
	// change it.
	Columns map[string]string

	// Warnings are the values of the row that did not validate but did
	// not cost it: normalised, kept as written or left out, by the spec's
	// on_invalid. A row with warnings lands; nil when there are none.
	Warnings []*RowWarning

	// PhoneRegion is the region the row's phones written without a
	// country code were read in, and where it came from; zero when no
	// phone needed one.
	PhoneRegion RegionUse

	// RequiredRefs are the entities of Refs the spec marks required
	// (RefSpec.Required): a key that names no record fails the row
	// instead of costing it the link. Rows of a Mapper share it:
	// read-only.
	RequiredRefs []kommo.EntityType

	// Notes are the notes the row writes: those of the spec's notes, on
	// the row's records once they are written; or, in a notes file (Entity
	// EntityNotes), the row's one note on the record it names. nil when
	// none.
	Notes []Note
}

// RefNotFound is the warning of a row whose reference to entity names no
// record of the run nor of the journals given: the row lands without that
// link. key is the key (or the one of several keys) not found.
func (r *Row) RefNotFound(entity kommo.EntityType, key string) *RowWarning {
	one := singularOf(entity)
	return &RowWarning{
		File: r.File, Sheet: r.Sheet, Row: r.Line, Column: r.Column(entity, "ref"), Field: string(entity) + ".ref",
		Value: sheet.Truncate(key), Code: WarnRefNotFound, Action: ActionNotLinked, Reason: one,
		Params: map[string]string{"entity": string(entity), "key": key},
		Err:    fmt.Errorf("no %s %q in this run or the journals given", one, key),
	}
}

// singularOf names one entity of a type: "company", "contact", "lead".
func singularOf(e kommo.EntityType) string {
	switch e {
	case kommo.EntityCompanies:
		return "company"
	case kommo.EntityCustomers:
		return "customer"
	}
	return strings.TrimSuffix(string(e), "s")
}

// MatchKind says which value identifies an existing record.
type MatchKind string

// Match kinds.
const (
	MatchNone  MatchKind = ""
	MatchID    MatchKind = "id"    // the Kommo id itself (update by id)
	MatchEmail MatchKind = "email" // EMAIL multitext, compared lower-cased
	MatchPhone MatchKind = "phone" // PHONE multitext, compared in E.164
	MatchField MatchKind = "field" // a custom field's value (an external id)
	MatchName  MatchKind = "name"  // the entity's name, compared normalised
)

// MatchKey is the identifying value(s) of one entity of a row. Values are
// already normalised for comparison; any of them matching is a match.
type MatchKey struct {
	Kind    MatchKind
	FieldID int // for MatchField
	Values  []string
}

// Column returns the source column behind a Kommo validation error path of
// entity (e.g. "custom_fields_values.0.values.0.value"), found by the
// longest recorded prefix; "" when unknown.
func (r *Row) Column(entity kommo.EntityType, path string) string {
	prefix := string(entity) + ":"
	best, bestLen := "", -1
	for k, col := range r.Columns {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		p := k[len(prefix):]
		if (path == p || strings.HasPrefix(path, p+".")) && len(p) > bestLen {
			best, bestLen = col, len(p)
		}
	}
	return best
}

// Schema is what the mapping layer resolves names against: the account's
// users, pipelines with their stages, task types and custom fields per
// entity type, and its time zone. The bulk engine fetches it through the
// kommo client; the mapping layer only reads it.
type Schema struct {
	Users []*kommo.User
	// UsersHidden says the account's user list could not be read: Kommo
	// answers GET /users to administrators only. Owners are then taken by
	// id, unchecked, and a name is an error (see ErrUsersHidden).
	UsersHidden bool
	// CurrentUserID is the user the token acts as; 0 if unknown.
	CurrentUserID int
	Pipelines     []*kommo.Pipeline
	TaskTypes     []kommo.TaskType
	Fields        map[kommo.EntityType][]*kommo.CustomField
	// Location is the account's time zone, in which Kommo keeps date and
	// birthday values as midnight. A spec without options.time_zone reads
	// dates in it. Nil is UTC.
	Location *time.Location
	// Country is the account's country, an ISO 3166 code or a name (see
	// CountryRegion): the region of phones written without a country code
	// when the spec has no options.region and the row no country column.
	// Empty, or a country CountryRegion does not know, is none.
	Country string
	// Notes say what the schema lacks and what a run does without it, for
	// the summary a command prints.
	Notes []string
}

// ErrUsersHidden is the reason an owner name cannot be matched when the
// schema has no user list (Schema.UsersHidden).
var ErrUsersHidden = errors.New("the account's user list is admin-only; use user ids or an admin token")

// region is the ISO code of s.Country, or "".
func (s *Schema) region() string {
	if s == nil {
		return ""
	}
	return value.CountryRegion(s.Country)
}

// location is s.Location, or UTC.
func (s *Schema) location() *time.Location {
	if s == nil || s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// Request returns the row's request for entity e, or nil (a nil
// interface, not a typed nil) when the row writes none.
func (r *Row) Request(e kommo.EntityType) kommo.EntityRequest {
	switch e {
	case kommo.EntityLeads:
		if r.Lead != nil {
			return r.Lead
		}
	case kommo.EntityContacts:
		if r.Contact != nil {
			return r.Contact
		}
	case kommo.EntityCompanies:
		if r.Company != nil {
			return r.Company
		}
	case kommo.EntityTasks:
		if r.Task != nil {
			return r.Task
		}
	}
	return nil
}

// SetRequest puts req in the row's slot for its kind.
func (r *Row) SetRequest(req kommo.EntityRequest) {
	switch x := req.(type) {
	case *kommo.LeadRequest:
		r.Lead = x
	case *kommo.ContactRequest:
		r.Contact = x
	case *kommo.CompanyRequest:
		r.Company = x
	case *kommo.TaskRequest:
		r.Task = x
	default:
		panic(fmt.Sprintf("mapping: SetRequest of %T", req))
	}
}
