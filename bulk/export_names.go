package bulk

import (
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// ExportNames are the filters of an export that a person gives by name:
// a pipeline, stages, users and task types, each as a name or an id. They
// are resolved by [mapping.Resolver], the resolver imports use, so a name
// matches whatever its case, accents or punctuation, won and lost are
// found by their names in any of Kommo's languages ("Won", "Ganado",
// "Успешно реализовано"), and a name that matches nothing comes back with
// the closest ones. Both front ends (the CLI's flags and the page's
// filter) resolve through [ExportNames.Resolve].
type ExportNames struct {
	// Pipeline selects the leads of one pipeline (and, for a pipelines
	// export, that pipeline); with Stages, it is where they are looked up.
	Pipeline string
	// Stages select leads in these stages. Without Pipeline a stage is
	// looked up in the main pipeline first, then must be unique among the
	// others ("Pipeline / Stage" names one anywhere); won and lost (142,
	// 143) then select the won or lost leads of every pipeline.
	Stages []string
	// Responsible and CreatedBy select records by user: a name, an e-mail
	// or an id. An id no user has is kept (records keep the ids of deleted
	// users).
	Responsible []string
	CreatedBy   []string
	// TaskTypes select tasks by type: a name, a code or an id.
	TaskTypes []string
}

// An ExportNameError is a filter's name that matches nothing in the
// account, or several things.
type ExportNameError struct {
	// Filter is the filter, as the CLI's flag is named: "pipeline",
	// "stage", "responsible", "created-by" or "task-type".
	Filter string
	// Err is a *mapping.NameError (with the closest names, or the
	// candidates of an ambiguous one), or wraps mapping.ErrUsersHidden.
	Err error
}

func (e *ExportNameError) Error() string { return e.Filter + ": " + e.Err.Error() }

func (e *ExportNameError) Unwrap() error { return e.Err }

// Resolve adds the ids the names stand for to f, against schema. It
// returns an *ExportNameError for the first name that is unknown or
// ambiguous.
func (n ExportNames) Resolve(schema *mapping.Schema, f *ExportFilter) error {
	if schema == nil {
		schema = &mapping.Schema{}
	}
	r := mapping.NewResolver(schema)
	pipeline := 0
	if strings.TrimSpace(n.Pipeline) != "" {
		id, err := r.Pipeline(n.Pipeline)
		if err != nil {
			return &ExportNameError{Filter: "pipeline", Err: err}
		}
		pipeline = id
	}
	for _, v := range n.Stages {
		pid, sid, err := r.Stage(v, pipeline)
		if err != nil {
			return &ExportNameError{Filter: "stage", Err: err}
		}
		if pipeline == 0 && (sid == kommo.StatusWon || sid == kommo.StatusLost) && !strings.Contains(v, "/") {
			// Won and lost are one stage of every pipeline.
			for _, p := range schema.Pipelines {
				if p != nil {
					f.Statuses = appendStatus(f.Statuses, kommo.StatusFilter{PipelineID: p.ID, StatusID: sid})
				}
			}
			continue
		}
		f.Statuses = appendStatus(f.Statuses, kommo.StatusFilter{PipelineID: pid, StatusID: sid})
	}
	if pipeline != 0 && len(n.Stages) == 0 {
		f.PipelineIDs = append(f.PipelineIDs, pipeline)
	}
	var err error
	if f.ResponsibleUserIDs, err = resolveUsers(r, "responsible", n.Responsible, f.ResponsibleUserIDs); err != nil {
		return err
	}
	if f.CreatedBy, err = resolveUsers(r, "created-by", n.CreatedBy, f.CreatedBy); err != nil {
		return err
	}
	for _, v := range n.TaskTypes {
		id, err := r.TaskType(v)
		if err != nil {
			if id, ok := anyID(v); ok {
				f.TaskTypes = append(f.TaskTypes, id)
				continue
			}
			return &ExportNameError{Filter: "task-type", Err: err}
		}
		f.TaskTypes = append(f.TaskTypes, id)
	}
	return nil
}

// resolveUsers appends the ids of users named in vals to ids.
func resolveUsers(r *mapping.Resolver, filter string, vals []string, ids []int) ([]int, error) {
	for _, v := range vals {
		id, err := r.User(v)
		if err != nil {
			var ok bool
			if id, ok = anyID(v); !ok {
				return ids, &ExportNameError{Filter: filter, Err: err}
			}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// anyID reads v as a positive id, known to the schema or not.
func anyID(v string) (int, bool) {
	id, err := strconv.Atoi(strings.TrimSpace(v))
	return id, err == nil && id > 0
}

func appendStatus(ss []kommo.StatusFilter, s kommo.StatusFilter) []kommo.StatusFilter {
	for _, have := range ss {
		if have == s {
			return ss
		}
	}
	return append(ss, s)
}
