package workbook

import (
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// kind is what a template column takes.
type kind int

const (
	kindText      kind = iota // anything
	kindMulti                 // several values, separated by ";"
	kindNumber                // a number
	kindInt                   // a whole number (an id)
	kindDate                  // a date
	kindDateTime              // a date and time
	kindList                  // one value of a list
	kindMultiList             // values of a list, one picked or several typed
)

// column is one column of a template: its header, the spec column that
// imports it, what it takes and how to say so.
type column struct {
	spec     mapping.ColumnSpec
	kind     kind
	list     string // defined name of the dropdown, for kindList and kindMultiList
	what     string // what the column is, for its header comment
	required bool
}

// fieldInfo describes the field a spec column feeds, resolved in a schema.
type fieldInfo struct {
	kind kind
	list string
	what string
}

// stdInfo describes the standard fields by the name a spec writes.
var stdInfo = map[string]fieldInfo{
	"name":             {kindText, "", "name"},
	"first_name":       {kindText, "", "first name"},
	"last_name":        {kindText, "", "last name"},
	"price":            {kindNumber, "", "lead budget (a number)"},
	"status":           {kindList, ListStages, "stage, as Pipeline / Stage"},
	"pipeline":         {kindList, ListPipelines, "pipeline"},
	"responsible_user": {kindList, ListUsers, "responsible user"},
	"tags":             {kindMulti, "", "tags"},
	"created_at":       {kindDateTime, "", "creation date"},
	"updated_at":       {kindDateTime, "", "last change date"},
	"closed_at":        {kindDateTime, "", "closing date"},
	"text":             {kindText, "", "task text"},
	"task_type":        {kindList, ListTaskTypes, "task type"},
	"complete_till":    {kindDateTime, "", "task deadline"},
	"entity_type":      {kindList, ListEntityTypes, "what the task is attached to: leads, contacts or companies"},
	"entity_id":        {kindInt, "", "id of the lead, contact or company the task is attached to"},
	"is_completed":     {kindList, ListYesNo, "task done (Yes or No)"},
	"result":           {kindText, "", "task result"},
	"duration":         {kindInt, "", "task duration in seconds"},
	"id":               {kindInt, "", "Kommo id"},
}

// stdAlias are other spellings of standard fields a spec may use.
var stdAlias = map[string]string{
	"stage": "status", "status id": "status", "pipeline id": "pipeline", "responsible": "responsible_user",
	"owner": "responsible_user", "responsible user id": "responsible_user", "tag": "tags",
	"task type id": "task_type", "deadline": "complete_till", "budget": "price",
}

// resolveField finds what the field of a spec column takes in schema:
// a standard field by name, or a custom field of entity by id, code or
// name. ok is false for a field the schema does not have.
func resolveField(s *mapping.Schema, entity kommo.EntityType, field string) (fieldInfo, *kommo.CustomField, bool) {
	k := value.Normalize(field)
	if a, ok := stdAlias[k]; ok {
		k = a
	}
	if fi, ok := stdInfo[strings.ReplaceAll(k, " ", "_")]; ok && !isCustom(s, entity, field) {
		return fi, nil, true
	}
	f := customField(s, entity, field)
	if f == nil {
		return fieldInfo{}, nil, false
	}
	return customInfo(f), f, true
}

// isCustom reports whether field names a custom field by id or code, which
// wins over a standard name.
func isCustom(s *mapping.Schema, entity kommo.EntityType, field string) bool {
	for _, f := range s.Fields[entity] {
		if f != nil && (strconv.Itoa(f.ID) == field || (f.Code != "" && strings.EqualFold(f.Code, field))) {
			return true
		}
	}
	return false
}

// customField finds a custom field of entity by id, code or name.
func customField(s *mapping.Schema, entity kommo.EntityType, field string) *kommo.CustomField {
	fs := s.Fields[entity]
	for _, f := range fs {
		if f != nil && strconv.Itoa(f.ID) == field {
			return f
		}
	}
	for _, f := range fs {
		if f != nil && f.Code != "" && strings.EqualFold(f.Code, field) {
			return f
		}
	}
	for _, f := range fs {
		if f != nil && value.Normalize(f.Name) == value.Normalize(field) {
			return f
		}
	}
	return nil
}

// customInfo says what a custom field takes; ok is false for the types a
// cell cannot express (files, linked entities, legal entities, ...).
func customInfo(f *kommo.CustomField) fieldInfo {
	what := "custom field " + strconv.Quote(f.Name) + " (" + string(f.Type) + ")"
	switch f.Type {
	case kommo.FieldNumeric, kommo.FieldMonetary, kommo.FieldPrice:
		return fieldInfo{kindNumber, "", what}
	case kommo.FieldCheckbox:
		return fieldInfo{kindList, ListYesNo, what}
	case kommo.FieldDate, kommo.FieldBirthday:
		return fieldInfo{kindDate, "", what}
	case kommo.FieldDateTime:
		return fieldInfo{kindDateTime, "", what}
	case kommo.FieldSelect, kommo.FieldRadiobutton, kommo.FieldCategory:
		return fieldInfo{kindList, ListOptions(f.ID), what}
	case kommo.FieldMultiselect:
		return fieldInfo{kindMultiList, ListOptions(f.ID), what}
	case kommo.FieldMultitext, kommo.FieldSmartAddress:
		return fieldInfo{kindMulti, "", what}
	}
	return fieldInfo{kindText, "", what}
}

// templateFieldTypes are the custom field types a default template has a
// column for.
var templateFieldTypes = map[kommo.FieldType]bool{
	kommo.FieldText: true, kommo.FieldTextarea: true, kommo.FieldURL: true, kommo.FieldStreetAddress: true,
	kommo.FieldNumeric: true, kommo.FieldMonetary: true, kommo.FieldPrice: true, kommo.FieldCheckbox: true,
	kommo.FieldDate: true, kommo.FieldDateTime: true, kommo.FieldBirthday: true,
	kommo.FieldSelect: true, kommo.FieldRadiobutton: true, kommo.FieldCategory: true, kommo.FieldMultiselect: true,
	kommo.FieldMultitext: true,
}

// defaultColumns are the columns of a template of entity without a spec:
// the standard fields a new record takes, then every custom field a cell
// can fill. Headers are the names the import's proposal maps (the field's
// own name for custom fields); the spec refers to custom fields by id.
func defaultColumns(s *mapping.Schema, entity kommo.EntityType) []column {
	std := func(header, field string, required bool) column {
		fi := stdInfo[field]
		return column{spec: mapping.ColumnSpec{Column: header, Target: mapping.Target{Field: field, Required: required}},
			kind: fi.kind, list: fi.list, what: fi.what, required: required}
	}
	var cols []column
	switch entity {
	case kommo.EntityLeads:
		cols = []column{std("Name", "name", true), std("Price", "price", false), std("Stage", "status", false),
			std("Responsible", "responsible_user", false), std("Tags", "tags", false)}
	case kommo.EntityContacts:
		company := std("Company", "name", false)
		company.spec.Entity, company.what = kommo.EntityCompanies, "company name (found by name, or created)"
		cols = []column{std("Name", "name", true), std("First name", "first_name", false), std("Last name", "last_name", false),
			std("Responsible", "responsible_user", false), std("Tags", "tags", false), company}
	case kommo.EntityCompanies:
		cols = []column{std("Name", "name", true), std("Responsible", "responsible_user", false), std("Tags", "tags", false)}
	case kommo.EntityTasks:
		return []column{std("Text", "text", true), std("Task type", "task_type", false), std("Complete till", "complete_till", true),
			std("Responsible", "responsible_user", false), std("Entity type", "entity_type", false), std("Entity ID", "entity_id", false)}
	}
	taken := map[string]bool{}
	for _, c := range cols {
		taken[value.Normalize(c.spec.Column)] = true
	}
	for _, f := range s.Fields[entity] {
		if f == nil || !templateFieldTypes[f.Type] {
			continue
		}
		header := f.Name
		if taken[value.Normalize(header)] || header == "" {
			header = f.Name + " [" + strconv.Itoa(f.ID) + "]"
		}
		taken[value.Normalize(header)] = true
		t := mapping.Target{Field: strconv.Itoa(f.ID)}
		switch strings.ToUpper(f.Code) {
		case kommo.CodePhone, kommo.CodeEmail:
			if f.Type == kommo.FieldMultitext {
				t.Field, t.Enum = strings.ToUpper(f.Code), "WORK"
			}
		}
		fi := customInfo(f)
		cols = append(cols, column{spec: mapping.ColumnSpec{Column: header, Target: t}, kind: fi.kind, list: fi.list, what: fi.what})
	}
	return cols
}
