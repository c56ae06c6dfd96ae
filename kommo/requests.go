package kommo

import "fmt"

// EntityRequest is a create or update request of one lead, contact,
// company or task: what the bulk engine batches, journals and reads back
// without knowing which of the four it holds. *LeadRequest,
// *ContactRequest, *CompanyRequest and *TaskRequest implement it.
type EntityRequest interface {
	// Kind is the entity type the request writes.
	Kind() EntityType
	// SetID sets the id of the record an update writes.
	SetID(id int)
	// SetRequestID sets the request_id Kommo echoes in its answer.
	SetRequestID(rid string)
	// Created is the created_at the request sets (Unix seconds), or 0.
	Created() int64
}

var (
	_ EntityRequest = (*LeadRequest)(nil)
	_ EntityRequest = (*ContactRequest)(nil)
	_ EntityRequest = (*CompanyRequest)(nil)
	_ EntityRequest = (*TaskRequest)(nil)
)

// Kind returns EntityLeads.
func (r *LeadRequest) Kind() EntityType { return EntityLeads }

// SetID sets the lead's id.
func (r *LeadRequest) SetID(id int) { r.ID = id }

// SetRequestID sets the request_id.
func (r *LeadRequest) SetRequestID(rid string) { r.RequestID = rid }

// Created returns CreatedAt.
func (r *LeadRequest) Created() int64 { return r.CreatedAt }

// Kind returns EntityContacts.
func (r *ContactRequest) Kind() EntityType { return EntityContacts }

// SetID sets the contact's id.
func (r *ContactRequest) SetID(id int) { r.ID = id }

// SetRequestID sets the request_id.
func (r *ContactRequest) SetRequestID(rid string) { r.RequestID = rid }

// Created returns CreatedAt.
func (r *ContactRequest) Created() int64 { return r.CreatedAt }

// Kind returns EntityCompanies.
func (r *CompanyRequest) Kind() EntityType { return EntityCompanies }

// SetID sets the company's id.
func (r *CompanyRequest) SetID(id int) { r.ID = id }

// SetRequestID sets the request_id.
func (r *CompanyRequest) SetRequestID(rid string) { r.RequestID = rid }

// Created returns CreatedAt.
func (r *CompanyRequest) Created() int64 { return r.CreatedAt }

// Kind returns EntityTasks.
func (r *TaskRequest) Kind() EntityType { return EntityTasks }

// SetID sets the task's id.
func (r *TaskRequest) SetID(id int) { r.ID = id }

// SetRequestID sets the request_id.
func (r *TaskRequest) SetRequestID(rid string) { r.RequestID = rid }

// Created returns CreatedAt.
func (r *TaskRequest) Created() int64 { return r.CreatedAt }

// NewRequest returns an empty request of kind e, to decode one into.
func NewRequest(e EntityType) (EntityRequest, error) {
	switch e {
	case EntityLeads:
		return &LeadRequest{}, nil
	case EntityContacts:
		return &ContactRequest{}, nil
	case EntityCompanies:
		return &CompanyRequest{}, nil
	case EntityTasks:
		return &TaskRequest{}, nil
	}
	return nil, fmt.Errorf("no requests of entity %q", e)
}
