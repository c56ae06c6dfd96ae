package mapping

import (
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// stdField is a standard (non-custom) field of an entity.
type stdField uint8

const (
	stdNone stdField = iota
	stdID
	stdName
	stdFirstName
	stdLastName
	stdPrice
	stdStatus
	stdPipeline
	stdResponsible
	stdTags
	stdCreatedAt
	stdUpdatedAt
	stdClosedAt
	stdText
	stdTaskType
	stdCompleteTill
	stdEntityType
	stdEntityID
	stdIsCompleted
	stdResult
	stdDuration
)

// Entity slots: the order of an entity's state in per-row arrays.
const (
	slotLeads = iota
	slotContacts
	slotCompanies
	slotTasks
	numSlots
)

var slotEntities = [numSlots]kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityTasks}

// entSet is a set of entity slots.
type entSet uint8

const (
	inLeads     entSet = 1 << slotLeads
	inContacts  entSet = 1 << slotContacts
	inCompanies entSet = 1 << slotCompanies
	inTasks     entSet = 1 << slotTasks
	inEntities         = inLeads | inContacts | inCompanies
	inAll              = inEntities | inTasks
)

type stdInfo struct {
	name      string // canonical spec name
	path      string // JSON path in the write request
	ents      entSet
	multi     bool // takes several values (split)
	clearable bool // clear_if_empty is meaningful
}

var stdFields = [...]stdInfo{
	stdID:           {"id", "id", inAll, false, false},
	stdName:         {"name", "name", inEntities, false, false},
	stdFirstName:    {"first_name", "first_name", inContacts, false, false},
	stdLastName:     {"last_name", "last_name", inContacts, false, false},
	stdPrice:        {"price", "price", inLeads, false, true},
	stdStatus:       {"status", "status_id", inLeads, false, false},
	stdPipeline:     {"pipeline", "pipeline_id", inLeads, false, false},
	stdResponsible:  {"responsible_user", "responsible_user_id", inAll, false, false},
	stdTags:         {"tags", "tags_to_add", inEntities, true, true},
	stdCreatedAt:    {"created_at", "created_at", inAll, false, false},
	stdUpdatedAt:    {"updated_at", "updated_at", inEntities, false, false},
	stdClosedAt:     {"closed_at", "closed_at", inLeads, false, false},
	stdText:         {"text", "text", inTasks, false, false},
	stdTaskType:     {"task_type", "task_type_id", inTasks, false, false},
	stdCompleteTill: {"complete_till", "complete_till", inTasks, false, false},
	stdEntityType:   {"entity_type", "entity_type", inTasks, false, false},
	stdEntityID:     {"entity_id", "entity_id", inTasks, false, false},
	stdIsCompleted:  {"is_completed", "is_completed", inTasks, false, false},
	stdResult:       {"result", "result", inTasks, false, false},
	stdDuration:     {"duration", "duration", inTasks, false, false},
}

// stdAliases are other spellings of standard field names, by Normalize key.
var stdAliases = map[string]stdField{
	"stage":               stdStatus,
	"status id":           stdStatus,
	"pipeline id":         stdPipeline,
	"responsible user id": stdResponsible,
	"responsible":         stdResponsible,
	"owner":               stdResponsible,
	"tag":                 stdTags,
	"task type id":        stdTaskType,
	"deadline":            stdCompleteTill,
	"budget":              stdPrice,
}

// lookupStd finds a standard field of entity slot e by name.
func lookupStd(name string, e int) (stdField, bool) {
	k := value.Normalize(name)
	for f := stdID; f <= stdDuration; f++ {
		if value.Normalize(stdFields[f].name) == k && stdFields[f].ents&(1<<e) != 0 {
			return f, true
		}
	}
	if f, ok := stdAliases[k]; ok && stdFields[f].ents&(1<<e) != 0 {
		return f, true
	}
	return stdNone, false
}

// StandardField returns the spec name of the standard field name spells,
// in any of the ways a spec may ("Owner", "responsible_user_id" and
// "responsible user" are "responsible_user"; "stage" and "status_id" are
// "status"), or "" when it names none: what recognises an owner or a
// stage column recognises every spelling the mapper takes.
func StandardField(name string) string {
	k := value.Normalize(name)
	for f := stdID; f <= stdDuration; f++ {
		if value.Normalize(stdFields[f].name) == k {
			return stdFields[f].name
		}
	}
	if f, ok := stdAliases[k]; ok {
		return stdFields[f].name
	}
	return ""
}

// stdFieldNames lists the standard field names of entity e.
func stdFieldNames(e kommo.EntityType) []string {
	s := entitySlot(e)
	var out []string
	for f := stdID; f <= stdDuration; f++ {
		if s >= 0 && stdFields[f].ents&(1<<s) != 0 {
			out = append(out, stdFields[f].name)
		}
	}
	return out
}

// entitySlot returns the slot of e, or -1.
func entitySlot(e kommo.EntityType) int {
	for i, x := range slotEntities {
		if x == e {
			return i
		}
	}
	return -1
}

// entityNames reads an entity type in a spec or a cell: plural or
// singular, English or Russian, "deals" for leads.
var entityNames = map[string]kommo.EntityType{
	"leads": kommo.EntityLeads, "lead": kommo.EntityLeads, "deals": kommo.EntityLeads, "deal": kommo.EntityLeads,
	"сделка": kommo.EntityLeads, "сделки": kommo.EntityLeads, "лид": kommo.EntityLeads,
	"contacts": kommo.EntityContacts, "contact": kommo.EntityContacts, "контакт": kommo.EntityContacts, "контакты": kommo.EntityContacts,
	"persons": kommo.EntityContacts, "person": kommo.EntityContacts, "people": kommo.EntityContacts,
	"companies": kommo.EntityCompanies, "company": kommo.EntityCompanies, "компания": kommo.EntityCompanies, "компании": kommo.EntityCompanies,
	"organizations": kommo.EntityCompanies, "organization": kommo.EntityCompanies, "accounts": kommo.EntityCompanies,
	"tasks": kommo.EntityTasks, "task": kommo.EntityTasks, "задача": kommo.EntityTasks, "задачи": kommo.EntityTasks,
}

// ParseEntity reads an entity name, returning "" when unknown.
func ParseEntity(s string) kommo.EntityType {
	return entityNames[value.Normalize(s)]
}

// entityChoices are the canonical entity names, for hints.
var entityChoices = []string{"leads", "contacts", "companies", "tasks"}

// cfKind is how a custom field's values are read.
type cfKind uint8

const (
	cfText cfKind = iota
	cfNumber
	cfBool
	cfDate
	cfSelect
	cfMultiselect
	cfPhone
	cfEmail
	cfMultitext
	cfAddress
)

// cfKindOf returns how to read values of f, or false for types that a
// spreadsheet cell cannot express.
func cfKindOf(f *kommo.CustomField) (cfKind, bool) {
	switch f.Type {
	case kommo.FieldText, kommo.FieldTextarea, kommo.FieldURL, kommo.FieldStreetAddress, kommo.FieldTrackingData:
		return cfText, true
	case kommo.FieldNumeric, kommo.FieldMonetary, kommo.FieldPrice:
		return cfNumber, true
	case kommo.FieldCheckbox:
		return cfBool, true
	case kommo.FieldDate, kommo.FieldDateTime, kommo.FieldBirthday:
		return cfDate, true
	case kommo.FieldSelect, kommo.FieldRadiobutton, kommo.FieldCategory:
		return cfSelect, true
	case kommo.FieldMultiselect:
		return cfMultiselect, true
	case kommo.FieldMultitext:
		switch strings.ToUpper(f.Code) {
		case kommo.CodePhone:
			return cfPhone, true
		case kommo.CodeEmail:
			return cfEmail, true
		}
		return cfMultitext, true
	case kommo.FieldSmartAddress:
		return cfAddress, true
	}
	return 0, false
}

// multi reports whether a field of kind k holds several values.
func (k cfKind) multi() bool {
	return k == cfMultiselect || k == cfPhone || k == cfEmail || k == cfMultitext || k == cfAddress
}

var addressParts = []string{kommo.AddressLine1, kommo.AddressLine2, kommo.AddressCity, kommo.AddressState, kommo.AddressZip, kommo.AddressCountry}

// taskEntityTypes are the entity types a task can belong to.
var taskEntityTypes = map[kommo.EntityType]bool{kommo.EntityLeads: true, kommo.EntityContacts: true, kommo.EntityCompanies: true, kommo.EntityCustomers: true}
