package tables

import (
	"fmt"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// Rows of the schema's tables.
type (
	// UserRow is one user.
	UserRow struct {
		ID    int    `csv:"ID"`
		Name  string `csv:"Name"`
		Email string `csv:"Email"`
	}
	// PipelineRow is one lead pipeline.
	PipelineRow struct {
		ID       int    `csv:"ID"`
		Name     string `csv:"Name"`
		Main     string `csv:"Main"`     // yes or no
		Archived string `csv:"Archived"` // yes or no
		Stages   int    `csv:"Stages"`
	}
	// StageRow is one stage of a pipeline.
	StageRow struct {
		PipelineID int    `csv:"Pipeline ID"`
		Pipeline   string `csv:"Pipeline"`
		ID         int    `csv:"Stage ID"`
		Name       string `csv:"Stage"`
		Kind       string `csv:"Kind"` // incoming, normal, won or lost
	}
	// TaskTypeRow is one task type.
	TaskTypeRow struct {
		ID   int    `csv:"ID"`
		Name string `csv:"Name"`
		Code string `csv:"Code"`
	}
	// FieldRow is one custom field.
	FieldRow struct {
		Entity  string `csv:"Entity"`
		ID      int    `csv:"ID"`
		Name    string `csv:"Name"`
		Type    string `csv:"Type"`
		Code    string `csv:"Code"`
		Options string `csv:"Options"` // "; "-separated
	}
)

// StageKind names a stage's role: won, lost, incoming (the pipeline's
// "incoming leads") or normal.
func StageKind(st *kommo.Status) string {
	switch {
	case st.ID == kommo.StatusWon:
		return "won"
	case st.ID == kommo.StatusLost:
		return "lost"
	case st.Type == 1:
		return "incoming"
	}
	return "normal"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// SchemaRows returns the rows of one section of s (pipelines, stages,
// users, task-types or fields),
// the fields of entities only, as a slice for Write.
func SchemaRows(s *mapping.Schema, section string, entities []kommo.EntityType) (any, error) {
	switch section {
	case "pipelines":
		rows := []PipelineRow{}
		for _, p := range s.Pipelines {
			rows = append(rows, PipelineRow{p.ID, p.Name, yesNo(p.IsMain), yesNo(p.IsArchive), len(p.Statuses())})
		}
		return rows, nil
	case "stages":
		rows := []StageRow{}
		for _, p := range s.Pipelines {
			for _, st := range p.Statuses() {
				rows = append(rows, StageRow{p.ID, p.Name, st.ID, st.Name, StageKind(st)})
			}
		}
		return rows, nil
	case "users":
		rows := []UserRow{}
		for _, u := range s.Users {
			rows = append(rows, UserRow{u.ID, u.Name, u.Email})
		}
		return rows, nil
	case "task-types":
		rows := []TaskTypeRow{}
		for _, t := range s.TaskTypes {
			rows = append(rows, TaskTypeRow{t.ID, t.Name, t.Code})
		}
		return rows, nil
	case "fields":
		rows := []FieldRow{}
		for _, e := range entities {
			for _, f := range s.Fields[e] {
				opts := make([]string, 0, len(f.Enums))
				for _, en := range f.Enums {
					opts = append(opts, en.Value)
				}
				rows = append(rows, FieldRow{string(e), f.ID, f.Name, string(f.Type), f.Code, value.JoinValues(opts)})
			}
		}
		return rows, nil
	}
	return nil, fmt.Errorf("unknown schema section %q", section)
}
