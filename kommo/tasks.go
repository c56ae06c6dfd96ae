package kommo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// TasksService handles tasks.
//
// Kommo API docs: https://developers.kommo.com/reference/tasks-list
type TasksService service

// Task types every account has; others come from Account with "task_types".
const (
	TaskTypeFollowUp = 1 // also "call"
	TaskTypeMeeting  = 2
)

// EntityType names an entity kind in paths and task/link bodies (plural).
type EntityType string

// Entity kinds.
const (
	EntityLeads           EntityType = "leads"
	EntityContacts        EntityType = "contacts"
	EntityCompanies       EntityType = "companies"
	EntityCustomers       EntityType = "customers"
	EntityCatalogElements EntityType = "catalog_elements"
	// EntityTasks names tasks where an entity kind is expected (imports,
	// exports); tasks cannot be a link or task target.
	EntityTasks EntityType = "tasks"
)

// Singular names one entity of the kind: "company", "contact", "lead",
// "task".
func (e EntityType) Singular() string {
	switch e {
	case EntityCompanies:
		return "company"
	case EntityCustomers:
		return "customer"
	}
	s := string(e)
	if len(s) > 1 && s[len(s)-1] == 's' {
		return s[:len(s)-1]
	}
	return s
}

// Task is a task as Kommo reads it.
type Task struct {
	ID                int         `json:"id"`
	CreatedBy         int         `json:"created_by"`
	UpdatedBy         int         `json:"updated_by"`
	CreatedAt         LooseTime   `json:"created_at"`
	UpdatedAt         LooseTime   `json:"updated_at"`
	ResponsibleUserID int         `json:"responsible_user_id"`
	GroupID           int         `json:"group_id"`
	EntityID          int         `json:"entity_id"`
	EntityType        EntityType  `json:"entity_type"`
	Duration          int         `json:"duration"`
	IsCompleted       bool        `json:"is_completed"`
	TaskTypeID        int         `json:"task_type_id"`
	Text              string      `json:"text"`
	Result            *TaskResult `json:"result"`
	CompleteTill      LooseTime   `json:"complete_till"`
	AccountID         int         `json:"account_id"`
	Links             Links       `json:"_links"`
}

// TaskResult is a completed task's result. Kommo reads an empty result as
// [] and a set one as {"text": ...}; both decode, the first to nil Text.
type TaskResult struct {
	Text string `json:"text"`
}

// UnmarshalJSON accepts an object, [] or null.
func (r *TaskResult) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		*r = TaskResult{}
		return nil
	}
	type plain TaskResult
	return json.Unmarshal(b, (*plain)(r))
}

// TaskRequest is a task to create or, with ID, to update. Text and
// CompleteTill are required on create.
type TaskRequest struct {
	ID                int         `json:"id,omitempty"`
	Text              string      `json:"text,omitempty"`
	CompleteTill      int64       `json:"complete_till,omitempty"`
	TaskTypeID        int         `json:"task_type_id,omitempty"`
	EntityID          int         `json:"entity_id,omitempty"`
	EntityType        EntityType  `json:"entity_type,omitempty"`
	ResponsibleUserID int         `json:"responsible_user_id,omitempty"`
	IsCompleted       *bool       `json:"is_completed,omitempty"`
	Duration          *int        `json:"duration,omitempty"`
	Result            *TaskResult `json:"result,omitempty"`
	CreatedBy         *int        `json:"created_by,omitempty"`
	CreatedAt         int64       `json:"created_at,omitempty"`
	RequestID         string      `json:"request_id,omitempty"`
}

// TaskListOptions filter and page the tasks list.
type TaskListOptions struct {
	ListOptions
	IDs               []int
	ResponsibleUserID []int
	CreatedBy         []int
	// IsCompleted filters by completion when non-nil.
	IsCompleted *bool
	TaskTypes   []int
	// EntityType and EntityIDs select the tasks of given entities
	// (EntityIDs needs EntityType).
	EntityType EntityType
	EntityIDs  []int
	UpdatedAt  *Range
	// Order: "complete_till", "created_at" or "id".
	Order *Order
}

func (o *TaskListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	setInts(q, "filter[id]", o.IDs)
	setInts(q, "filter[responsible_user_id]", o.ResponsibleUserID)
	setInts(q, "filter[created_by]", o.CreatedBy)
	if o.IsCompleted != nil {
		v := "0"
		if *o.IsCompleted {
			v = "1"
		}
		q.Set("filter[is_completed]", v)
	}
	setInts(q, "filter[task_type]", o.TaskTypes)
	if o.EntityType != "" {
		q.Set("filter[entity_type]", string(o.EntityType))
	}
	setInts(q, "filter[entity_id]", o.EntityIDs)
	o.UpdatedAt.encode(q, "filter[updated_at]")
	o.Order.encode(q)
	return q
}

// List returns one page of tasks.
//
// Kommo API docs: https://developers.kommo.com/reference/tasks-list
func (s *TasksService) List(ctx context.Context, opts *TaskListOptions) ([]*Task, *Response, error) {
	if opts != nil && len(opts.EntityIDs) > 0 && opts.EntityType == "" {
		return nil, nil, wrapOp("list tasks", fmt.Errorf("EntityIDs needs EntityType"))
	}
	return getList[Task](ctx, s.client, "list tasks", "api/v4/tasks", "tasks", opts.values())
}

// ListIter walks every page of tasks.
//
// Kommo API docs: https://developers.kommo.com/reference/tasks-list
func (s *TasksService) ListIter(ctx context.Context, opts *TaskListOptions) iter.Seq2[*Task, error] {
	return iterate[Task](ctx, s.client, "list tasks", "api/v4/tasks", "tasks", opts.values())
}

// Get returns the task with id; ErrNotFound if there is none.
//
// Kommo API docs: https://developers.kommo.com/reference/tasks-list
func (s *TasksService) Get(ctx context.Context, id int) (*Task, *Response, error) {
	return getOne[Task](ctx, s.client, "get task", "api/v4/tasks/"+strconv.Itoa(id), nil)
}

// Create adds up to MaxBatch tasks.
//
// Kommo API docs: https://developers.kommo.com/reference/add-tasks
func (s *TasksService) Create(ctx context.Context, tasks []TaskRequest) ([]*WriteResult, *Response, error) {
	for i, t := range tasks {
		if t.Text == "" || t.CompleteTill == 0 {
			return nil, nil, wrapOp("create tasks", fmt.Errorf("item %d: text and complete_till are required", i))
		}
	}
	return sendBatch(ctx, s.client, "create tasks", http.MethodPost, "api/v4/tasks", "tasks", tasks)
}

// Update changes up to MaxBatch tasks, each with its ID.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-tasks
func (s *TasksService) Update(ctx context.Context, tasks []TaskRequest) ([]*WriteResult, *Response, error) {
	for i, t := range tasks {
		if t.ID == 0 {
			return nil, nil, wrapOp("update tasks", fmt.Errorf("item %d has no id", i))
		}
	}
	return sendBatch(ctx, s.client, "update tasks", http.MethodPatch, "api/v4/tasks", "tasks", tasks)
}

// UpdateOne changes the task with id.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-task
func (s *TasksService) UpdateOne(ctx context.Context, id int, task TaskRequest) (*WriteResult, *Response, error) {
	task.ID = 0
	return sendOne(ctx, s.client, "update task", "api/v4/tasks/"+strconv.Itoa(id), "tasks", task)
}

// Complete marks the task with id done, with a result text.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-task
func (s *TasksService) Complete(ctx context.Context, id int, result string) (*WriteResult, *Response, error) {
	done := true
	return s.UpdateOne(ctx, id, TaskRequest{IsCompleted: &done, Result: &TaskResult{Text: result}})
}
