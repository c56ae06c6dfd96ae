package bulk

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// Datasets that [Export] writes besides the entity types of package kommo
// (kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies).
const (
	ExportTasks     kommo.EntityType = "tasks"     // one row per task
	ExportEvents    kommo.EntityType = "events"    // one row per event of the event log
	ExportPipelines kommo.EntityType = "pipelines" // one row per stage of every lead pipeline
	ExportFields    kommo.EntityType = "fields"    // one row per custom field definition
)

// ExportEntities lists every dataset [Export] knows, in the order the CLI
// shows them.
var ExportEntities = []kommo.EntityType{
	kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies,
	ExportTasks, ExportEvents, ExportPipelines, ExportFields,
}

// Standard field keys of export columns. A key is the Kommo API name of
// the field when it has one ("status_id"), or a name for what the export
// derives from it ("status" is the stage's name, "tags" the joined tag
// names, "contact_ids" the ids of the linked contacts).
const (
	StdID            = "id"
	StdName          = "name"
	StdFirstName     = "first_name"
	StdLastName      = "last_name"
	StdPrice         = "price"
	StdStatus        = "status"
	StdStatusID      = "status_id"
	StdPipeline      = "pipeline"
	StdPipelineID    = "pipeline_id"
	StdResponsible   = "responsible_user"
	StdResponsibleID = "responsible_user_id"
	StdCreatedAt     = "created_at"
	StdUpdatedAt     = "updated_at"
	StdClosedAt      = "closed_at"
	StdTags          = "tags"
	StdContactIDs    = "contact_ids"
	StdMainContactID = "main_contact_id"
	StdCompanyID     = "company_id"

	// Tasks.
	StdText         = "text"
	StdTaskType     = "task_type"
	StdTaskTypeID   = "task_type_id"
	StdEntityType   = "entity_type"
	StdEntityID     = "entity_id"
	StdCompleteTill = "complete_till"
	StdDuration     = "duration"
	StdIsCompleted  = "is_completed"
	StdResult       = "result"

	// Events.
	StdType        = "type"
	StdCreatedBy   = "created_by"
	StdCreatedByID = "created_by_id"
	StdValueBefore = "value_before"
	StdValueAfter  = "value_after"

	// Pipelines (one row per stage).
	StdPipelineSort  = "pipeline_sort"
	StdIsMain        = "is_main"
	StdIsArchive     = "is_archive"
	StdStatusSort    = "status_sort"
	StdStatusType    = "status_type"
	StdStatusColor   = "color"
	StdFieldEntity   = "entity"
	StdFieldType     = "field_type"
	StdFieldCode     = "code"
	StdFieldSort     = "sort"
	StdIsPredefined  = "is_predefined"
	StdIsAPIOnly     = "is_api_only"
	StdIsDeletable   = "is_deletable"
	StdFieldOptions  = "options"
	StdFieldEnumIDs  = "option_ids"
	StdFieldCurrency = "currency"
)

// Column is one column of an export layout: a standard field (Field set)
// or a custom field (FieldID set).
type Column struct {
	// Header is the column's name in the header row.
	Header string
	// Field is the standard field key (StdID, StdStatusID, ...); "" for a
	// custom field column.
	Field string
	// FieldID is the custom field id; 0 for a standard column.
	FieldID int
	// FieldType is the custom field's type; "" for a standard column.
	FieldType kommo.FieldType
	// ReadOnly marks a column an import must not write back: names the
	// export resolved from ids (Stage, Pipeline, Responsible; the id
	// column next to each is the one to write), timestamps Kommo keeps
	// (Updated at) and every column of events, pipelines and fields.
	ReadOnly bool
}

// IsCustom reports whether c is a custom field column.
func (c Column) IsCustom() bool { return c.FieldID != 0 }

// std is a standard column.
func std(header, field string, readOnly bool) Column {
	return Column{Header: header, Field: field, ReadOnly: readOnly}
}

// The standard columns of each dataset, in order. These header rows are
// what IsExportLayout recognises; changing them breaks the round trip of
// files exported before the change, so only ever append.
var standardColumns = map[kommo.EntityType][]Column{
	kommo.EntityLeads: {
		std("ID", StdID, false),
		std("Name", StdName, false),
		std("Price", StdPrice, false),
		std("Stage", StdStatus, true),
		std("Stage ID", StdStatusID, false),
		std("Pipeline", StdPipeline, true),
		std("Pipeline ID", StdPipelineID, false),
		std("Responsible", StdResponsible, true),
		std("Responsible ID", StdResponsibleID, false),
		std("Created at", StdCreatedAt, false),
		std("Updated at", StdUpdatedAt, true),
		std("Closed at", StdClosedAt, false),
		std("Tags", StdTags, false),
		std("Contact IDs", StdContactIDs, false),
		std("Main contact ID", StdMainContactID, false),
		std("Company ID", StdCompanyID, false),
	},
	kommo.EntityContacts: {
		std("ID", StdID, false),
		std("Name", StdName, false),
		std("First name", StdFirstName, false),
		std("Last name", StdLastName, false),
		std("Responsible", StdResponsible, true),
		std("Responsible ID", StdResponsibleID, false),
		std("Created at", StdCreatedAt, false),
		std("Updated at", StdUpdatedAt, true),
		std("Tags", StdTags, false),
		std("Company ID", StdCompanyID, false),
	},
	kommo.EntityCompanies: {
		std("ID", StdID, false),
		std("Name", StdName, false),
		std("Responsible", StdResponsible, true),
		std("Responsible ID", StdResponsibleID, false),
		std("Created at", StdCreatedAt, false),
		std("Updated at", StdUpdatedAt, true),
		std("Tags", StdTags, false),
		std("Contact IDs", StdContactIDs, false),
	},
	ExportTasks: {
		std("ID", StdID, false),
		std("Text", StdText, false),
		std("Task type", StdTaskType, true),
		std("Task type ID", StdTaskTypeID, false),
		std("Entity type", StdEntityType, false),
		std("Entity ID", StdEntityID, false),
		std("Responsible", StdResponsible, true),
		std("Responsible ID", StdResponsibleID, false),
		std("Complete till", StdCompleteTill, false),
		std("Duration", StdDuration, false),
		std("Completed", StdIsCompleted, false),
		std("Result", StdResult, false),
		std("Created at", StdCreatedAt, false),
		std("Updated at", StdUpdatedAt, true),
	},
	ExportEvents: {
		std("ID", StdID, true),
		std("Type", StdType, true),
		std("Entity type", StdEntityType, true),
		std("Entity ID", StdEntityID, true),
		std("Created by", StdCreatedBy, true),
		std("Created by ID", StdCreatedByID, true),
		std("Created at", StdCreatedAt, true),
		std("Value before", StdValueBefore, true),
		std("Value after", StdValueAfter, true),
	},
	ExportPipelines: {
		std("Pipeline ID", StdPipelineID, true),
		std("Pipeline", StdPipeline, true),
		std("Pipeline sort", StdPipelineSort, true),
		std("Main", StdIsMain, true),
		std("Archived", StdIsArchive, true),
		std("Stage ID", StdStatusID, true),
		std("Stage", StdStatus, true),
		std("Stage sort", StdStatusSort, true),
		std("Stage type", StdStatusType, true),
		std("Color", StdStatusColor, true),
	},
	ExportFields: {
		std("Entity", StdFieldEntity, true),
		std("ID", StdID, true),
		std("Name", StdName, true),
		std("Type", StdFieldType, true),
		std("Code", StdFieldCode, true),
		std("Sort", StdFieldSort, true),
		std("Predefined", StdIsPredefined, true),
		std("API only", StdIsAPIOnly, true),
		std("Deletable", StdIsDeletable, true),
		std("Options", StdFieldOptions, true),
		std("Option IDs", StdFieldEnumIDs, true),
		std("Currency", StdFieldCurrency, true),
	},
}

// hasCustomFields reports whether a dataset gets one column per custom
// field.
func hasCustomFields(entity kommo.EntityType) bool {
	return entity == kommo.EntityLeads || entity == kommo.EntityContacts || entity == kommo.EntityCompanies
}

// ExportColumns returns the columns [Export] writes for entity, in order.
//
// The layout is the dataset's standard columns (fixed, see below), then,
// for leads, contacts and companies, one column per custom field of the
// entity in the schema's order. A custom field column is headed by the
// field's name; when that name is shared with another custom field or a
// standard column (compared case-insensitively), every column of that
// name is headed "Name [ID]" instead, e.g. "External ID [520006]".
//
// Standard columns:
//
//	leads:     ID, Name, Price, Stage, Stage ID, Pipeline, Pipeline ID,
//	           Responsible, Responsible ID, Created at, Updated at,
//	           Closed at, Tags, Contact IDs, Main contact ID, Company ID
//	contacts:  ID, Name, First name, Last name, Responsible,
//	           Responsible ID, Created at, Updated at, Tags, Company ID
//	companies: ID, Name, Responsible, Responsible ID, Created at,
//	           Updated at, Tags, Contact IDs
//	tasks:     ID, Text, Task type, Task type ID, Entity type, Entity ID,
//	           Responsible, Responsible ID, Complete till, Duration,
//	           Completed, Result, Created at, Updated at
//	events:    ID, Type, Entity type, Entity ID, Created by,
//	           Created by ID, Created at, Value before, Value after
//	pipelines: Pipeline ID, Pipeline, Pipeline sort, Main, Archived,
//	           Stage ID, Stage, Stage sort, Stage type, Color
//	fields:    Entity, ID, Name, Type, Code, Sort, Predefined, API only,
//	           Deletable, Options, Option IDs, Currency
//
// Cell types: ids, prices, durations and sorts are integers; timestamps
// are date-times in the export's location; "Completed", "Main",
// "Archived" and the other flags are booleans; tags and id lists are
// joined with value.JoinValues ("; "). Custom field values: numbers
// (numeric, monetary, price) as numbers, checkboxes as booleans, date and
// birthday fields as dates, date_time fields as date-times, options by
// their text, legal entities by their name, and several values of one
// field (phones, multiselect options, address parts) joined with
// value.JoinValues.
//
// schema may be nil, which gives the standard columns only. ExportColumns
// returns nil for an unknown dataset.
func ExportColumns(entity kommo.EntityType, schema *mapping.Schema) []Column {
	stdCols, ok := standardColumns[entity]
	if !ok {
		return nil
	}
	cols := append([]Column(nil), stdCols...)
	if !hasCustomFields(entity) || schema == nil {
		return cols
	}
	fields := schema.Fields[entity]
	count := map[string]int{}
	for _, c := range stdCols {
		count[strings.ToLower(c.Header)]++
	}
	for _, f := range fields {
		count[strings.ToLower(strings.TrimSpace(f.Name))]++
	}
	for _, f := range fields {
		name := strings.TrimSpace(f.Name)
		h := name
		if count[strings.ToLower(name)] > 1 || name == "" || looksLikeIDHeader(name) {
			h = customHeader(name, f.ID)
		}
		cols = append(cols, Column{Header: h, FieldID: f.ID, FieldType: f.Type})
	}
	return cols
}

// customHeader is the disambiguated header of a custom field column.
func customHeader(name string, id int) string {
	if name == "" {
		return "[" + strconv.Itoa(id) + "]"
	}
	return name + " [" + strconv.Itoa(id) + "]"
}

// looksLikeIDHeader reports whether a field name already ends in "[digits]",
// which would be read back as a field id.
func looksLikeIDHeader(name string) bool {
	_, id, ok := splitIDHeader(name)
	return ok && id > 0
}

// splitIDHeader splits "Name [123]" into "Name" and 123.
func splitIDHeader(h string) (string, int, bool) {
	h = strings.TrimSpace(h)
	if !strings.HasSuffix(h, "]") {
		return h, 0, false
	}
	i := strings.LastIndexByte(h, '[')
	if i < 0 {
		return h, 0, false
	}
	id, err := strconv.Atoi(h[i+1 : len(h)-1])
	if err != nil || id <= 0 {
		return h, 0, false
	}
	return strings.TrimSpace(h[:i]), id, true
}

// headerEqual compares header cells the way a spreadsheet user edits them:
// ignoring surrounding space and case.
func headerEqual(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// IsExportLayout reports whether header is the header row of an [Export]
// of entity: it starts with exactly the entity's standard columns (in
// order, compared ignoring case and surrounding space). Custom field
// columns after them are not checked here; [ParseExportHeader] resolves
// them against a schema. A header of our own export can be imported in
// update mode without a mapping.
func IsExportLayout(header []string, entity kommo.EntityType) bool {
	stdCols, ok := standardColumns[entity]
	if !ok || len(header) < len(stdCols) {
		return false
	}
	for i, c := range stdCols {
		if !headerEqual(header[i], c.Header) {
			return false
		}
	}
	return true
}

// HeaderError lists the header cells of an export layout that name no
// custom field of the schema, or more than one.
type HeaderError struct {
	Entity    kommo.EntityType
	Unknown   []string // headers naming no field
	Ambiguous []string // headers naming several fields ("Name [ID]" resolves them)
}

func (e *HeaderError) Error() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, fmt.Sprintf("no %s custom field named %s", e.Entity, quoteList(e.Unknown)))
	}
	if len(e.Ambiguous) > 0 {
		parts = append(parts, fmt.Sprintf("several %s custom fields named %s (write the header as \"Name [ID]\")", e.Entity, quoteList(e.Ambiguous)))
	}
	return "export layout: " + strings.Join(parts, "; ")
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// ParseExportHeader maps each cell of a header row in our export layout
// (see [IsExportLayout]) to its column: the standard columns by position,
// then each further header to a custom field of entity in schema, by
// "Name [ID]" (the id decides) or by name (case-insensitive). Columns may
// have been removed or reordered after the standard ones, and fields added
// to the account since the export are found too. An empty header cell
// gives a zero Column (the import skips it).
//
// It fails when header is not an export layout of entity, or with a
// *HeaderError when some headers name no field or several.
func ParseExportHeader(header []string, entity kommo.EntityType, schema *mapping.Schema) ([]Column, error) {
	if !IsExportLayout(header, entity) {
		return nil, fmt.Errorf("header is not a kommo-bulk export of %s", entity)
	}
	stdCols := standardColumns[entity]
	out := make([]Column, len(header))
	copy(out, stdCols)
	var fields []*kommo.CustomField
	if schema != nil {
		fields = schema.Fields[entity]
	}
	herr := &HeaderError{Entity: entity}
	for i := len(stdCols); i < len(header); i++ {
		h := strings.TrimSpace(header[i])
		if h == "" {
			continue
		}
		if _, id, ok := splitIDHeader(h); ok {
			if f := fieldByID(fields, id); f != nil {
				out[i] = Column{Header: header[i], FieldID: f.ID, FieldType: f.Type}
				continue
			}
		}
		var match *kommo.CustomField
		n := 0
		for _, f := range fields {
			if headerEqual(f.Name, h) {
				match = f
				n++
			}
		}
		switch n {
		case 0:
			herr.Unknown = append(herr.Unknown, h)
		case 1:
			out[i] = Column{Header: header[i], FieldID: match.ID, FieldType: match.Type}
		default:
			herr.Ambiguous = append(herr.Ambiguous, h)
		}
	}
	if len(herr.Unknown) > 0 || len(herr.Ambiguous) > 0 {
		return out, herr
	}
	return out, nil
}

func fieldByID(fields []*kommo.CustomField, id int) *kommo.CustomField {
	for _, f := range fields {
		if f.ID == id {
			return f
		}
	}
	return nil
}
