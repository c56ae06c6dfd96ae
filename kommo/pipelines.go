package kommo

import (
	"context"
	"fmt"
)

// PipelinesService handles lead pipelines and their stages (statuses).
//
// Kommo API docs: https://developers.kommo.com/reference/pipelines-list
type PipelinesService service

// Pipeline is a lead pipeline with its statuses.
type Pipeline struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	Sort         int    `json:"sort"`
	IsMain       bool   `json:"is_main"`
	IsUnsortedOn bool   `json:"is_unsorted_on"`
	IsArchive    bool   `json:"is_archive"`
	AccountID    int    `json:"account_id"`
	Links        Links  `json:"_links"`
	Embedded     struct {
		Statuses []*Status `json:"statuses"`
	} `json:"_embedded"`
}

// Statuses returns the pipeline's stages.
func (p *Pipeline) Statuses() []*Status { return p.Embedded.Statuses }

// Status is a pipeline stage. Type 1 is the pipeline's "incoming leads"
// stage; 142 (won) and 143 (lost) exist in every pipeline.
type Status struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Sort        int    `json:"sort"`
	IsEditable  bool   `json:"is_editable"`
	PipelineID  int    `json:"pipeline_id"`
	Color       string `json:"color"`
	Type        int    `json:"type"`
	AccountID   int    `json:"account_id"`
	Description string `json:"description,omitempty"`
	Links       Links  `json:"_links"`
	// Descriptions are per-level stage descriptions, with "descriptions" in With.
	Descriptions []StatusDescription `json:"descriptions,omitempty"`
}

// StatusDescription is a stage's description for one access level.
type StatusDescription struct {
	ID          int    `json:"id"`
	Level       string `json:"level"`
	Description string `json:"description"`
}

// List returns every lead pipeline with its statuses (the list is not
// paginated).
//
// Kommo API docs: https://developers.kommo.com/reference/pipelines-list
func (s *PipelinesService) List(ctx context.Context) ([]*Pipeline, *Response, error) {
	return getList[Pipeline](ctx, s.client, "list pipelines", "api/v4/leads/pipelines", "pipelines", nil)
}

// Get returns one pipeline.
//
// Kommo API docs: https://developers.kommo.com/reference/get-pipeline-by-id
func (s *PipelinesService) Get(ctx context.Context, id int) (*Pipeline, *Response, error) {
	return getOne[Pipeline](ctx, s.client, "get pipeline", fmt.Sprintf("api/v4/leads/pipelines/%d", id), nil)
}

// ListStatuses returns the stages of a pipeline, with their descriptions.
//
// Kommo API docs: https://developers.kommo.com/reference/list-statuses
func (s *PipelinesService) ListStatuses(ctx context.Context, pipelineID int) ([]*Status, *Response, error) {
	q := map[string][]string{"with": {"descriptions"}}
	return getList[Status](ctx, s.client, "list statuses", fmt.Sprintf("api/v4/leads/pipelines/%d/statuses", pipelineID), "statuses", q)
}

// GetStatus returns one stage of a pipeline.
//
// Kommo API docs: https://developers.kommo.com/reference/get-status-by-id
func (s *PipelinesService) GetStatus(ctx context.Context, pipelineID, statusID int) (*Status, *Response, error) {
	return getOne[Status](ctx, s.client, "get status", fmt.Sprintf("api/v4/leads/pipelines/%d/statuses/%d", pipelineID, statusID), nil)
}
