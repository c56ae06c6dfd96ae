package mapping

import (
	"fmt"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// A Resolver looks names up in an account's schema the way [Compile]
// does (ignoring case, accents and punctuation; won and lost in any
// language), for callers that resolve names outside a mapping: a
// migration matching the source's owners and stages to the account's
// users and statuses, an export's filters (bulk.ExportNames).
type Resolver struct {
	ix *index
}

// NewResolver prepares schema for lookups.
func NewResolver(schema *Schema) *Resolver { return &Resolver{ix: newIndex(schema)} }

// User finds a user by name, e-mail or id. Errors are *NameError with the
// closest names.
func (r *Resolver) User(s string) (int, error) {
	id, err := r.ix.users.lookup(strings.TrimSpace(s), "")
	if err == nil {
		return id, nil
	}
	if id, ok := r.ix.users.ids[strings.ToLower(strings.TrimSpace(s))]; ok && len(id) == 1 {
		return id[0], nil
	}
	return 0, err
}

// Pipeline finds a pipeline by name or id.
func (r *Resolver) Pipeline(s string) (int, error) {
	return r.ix.pipelines.lookup(strings.TrimSpace(s), "")
}

// Stage finds a stage by name or id within pipeline, or, with pipeline 0,
// in the main pipeline first and then among the stages of the others
// (where it must be unique). Won and lost names ("Closed Won", "Успешно
// реализовано", ...) are 142 and 143 in every pipeline.
func (r *Resolver) Stage(s string, pipeline int) (pipelineID, statusID int, err error) {
	return r.ix.stage(strings.TrimSpace(s), pipeline)
}

// TaskType finds a task type by name, code or id; the follow-up (1) and
// meeting (2) types also by their names in Kommo's languages.
func (r *Resolver) TaskType(s string) (int, error) {
	return r.ix.taskTypes.lookup(strings.TrimSpace(s), "")
}

// PipelineName returns the name of pipeline id, or the id.
func (r *Resolver) PipelineName(id int) string {
	if p := r.ix.byID[id]; p != nil {
		return p.name
	}
	return fmt.Sprint(id)
}

// Users returns the names and e-mails of the account's users, for hints.
func (r *Resolver) Users() []string { return r.ix.users.known }

// Stages returns every stage name of pipeline (0: of every pipeline),
// for hints.
func (r *Resolver) Stages(pipeline int) []string {
	if p := r.ix.byID[pipeline]; p != nil {
		return p.stages.known
	}
	return r.ix.stageList
}

// Field reports what a spec's field name is for entity e: a standard
// field (std true), a custom field of the account (f set), or neither
// (a *NameError with the closest names).
func (r *Resolver) Field(e kommo.EntityType, name string) (f *kommo.CustomField, std bool, err error) {
	e = ParseEntity(string(e))
	s := entitySlot(e)
	if s < 0 {
		return nil, false, fmt.Errorf("unknown entity %q", e)
	}
	if _, ok := lookupStd(name, s); ok {
		return nil, true, nil
	}
	f, err = r.ix.field(e, name)
	return f, false, err
}
