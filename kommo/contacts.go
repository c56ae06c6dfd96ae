package kommo

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// ContactsService handles contacts.
//
// Kommo API docs: https://developers.kommo.com/reference/list-contacts
type ContactsService service

// Contact is a contact as Kommo reads it. Phones and emails are the
// multitext custom fields with codes PHONE and EMAIL.
type Contact struct {
	ID                 int               `json:"id"`
	Name               string            `json:"name"`
	FirstName          string            `json:"first_name"`
	LastName           string            `json:"last_name"`
	ResponsibleUserID  int               `json:"responsible_user_id"`
	GroupID            int               `json:"group_id"`
	CreatedBy          int               `json:"created_by"`
	UpdatedBy          int               `json:"updated_by"`
	CreatedAt          LooseTime         `json:"created_at"`
	UpdatedAt          LooseTime         `json:"updated_at"`
	ClosestTaskAt      LooseTime         `json:"closest_task_at,omitempty"`
	IsDeleted          bool              `json:"is_deleted"`
	IsUnsorted         bool              `json:"is_unsorted"`
	AccountID          int               `json:"account_id"`
	CustomFieldsValues CustomFieldValues `json:"custom_fields_values"`
	Links              Links             `json:"_links"`
	Embedded           ContactEmbedded   `json:"_embedded"`
}

// ContactEmbedded are a contact's relations; Leads only with "leads" in With.
type ContactEmbedded struct {
	Tags      []Tag       `json:"tags"`
	Companies []EntityRef `json:"companies"`
	Leads     []EntityRef `json:"leads,omitempty"`
	Customers []EntityRef `json:"customers,omitempty"`
}

// ContactRequest is a contact to create or, with ID, to update. Name is
// composed by Kommo from FirstName and LastName when only those are sent.
type ContactRequest struct {
	ID                 int                    `json:"id,omitempty"`
	Name               string                 `json:"name,omitempty"`
	FirstName          string                 `json:"first_name,omitempty"`
	LastName           string                 `json:"last_name,omitempty"`
	ResponsibleUserID  int                    `json:"responsible_user_id,omitempty"`
	CreatedBy          *int                   `json:"created_by,omitempty"`
	UpdatedBy          *int                   `json:"updated_by,omitempty"`
	CreatedAt          int64                  `json:"created_at,omitempty"`
	UpdatedAt          int64                  `json:"updated_at,omitempty"`
	CustomFieldsValues CustomFieldValues      `json:"custom_fields_values,omitempty"`
	TagsToAdd          []TagRef               `json:"tags_to_add,omitempty"`
	TagsToDelete       []TagRef               `json:"tags_to_delete,omitempty"`
	Embedded           *EntityRequestEmbedded `json:"_embedded,omitempty"`
	RequestID          string                 `json:"request_id,omitempty"`
}

// EntityRequestEmbedded sets the tags (replacing the whole set) of a
// contact or company, and for contacts links existing companies on create.
type EntityRequestEmbedded struct {
	// Tags replaces all tags; ClearTags (sent as null) removes them all.
	Tags      TagRefs     `json:"tags,omitzero"`
	Companies []EntityRef `json:"companies,omitempty"`
}

// ContactListOptions filter and page the contacts list.
type ContactListOptions struct {
	ListOptions
	EntityFilters
	// With: "leads", "catalog_elements", "customers", "social_profiles",
	// "only_deleted".
	With []string
}

func (o *ContactListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.EntityFilters.encode(q)
	setWith(q, o.With)
	return q
}

// List returns one page of contacts.
//
// Kommo API docs: https://developers.kommo.com/reference/list-contacts
func (s *ContactsService) List(ctx context.Context, opts *ContactListOptions) ([]*Contact, *Response, error) {
	return getList[Contact](ctx, s.client, "list contacts", "api/v4/contacts", "contacts", opts.values())
}

// ListIter walks every page of contacts.
//
// Kommo API docs: https://developers.kommo.com/reference/list-contacts
func (s *ContactsService) ListIter(ctx context.Context, opts *ContactListOptions) iter.Seq2[*Contact, error] {
	return iterate[Contact](ctx, s.client, "list contacts", "api/v4/contacts", "contacts", opts.values())
}

// Get returns the contact with id; ErrNotFound if there is none.
//
// Kommo API docs: https://developers.kommo.com/reference/get-contact-by-id
func (s *ContactsService) Get(ctx context.Context, id int, with ...string) (*Contact, *Response, error) {
	q := url.Values{}
	setWith(q, with)
	return getOne[Contact](ctx, s.client, "get contact", fmt.Sprintf("api/v4/contacts/%d", id), q)
}

// Create adds up to MaxBatch contacts.
//
// Kommo API docs: https://developers.kommo.com/reference/add-contacts
func (s *ContactsService) Create(ctx context.Context, contacts []ContactRequest) ([]*WriteResult, *Response, error) {
	return sendBatch(ctx, s.client, "create contacts", http.MethodPost, "api/v4/contacts", "contacts", contacts)
}

// Update changes up to MaxBatch contacts, each with its ID.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-contacts
func (s *ContactsService) Update(ctx context.Context, contacts []ContactRequest) ([]*WriteResult, *Response, error) {
	for i, c := range contacts {
		if c.ID == 0 {
			return nil, nil, wrapOp("update contacts", fmt.Errorf("item %d has no id", i))
		}
	}
	return sendBatch(ctx, s.client, "update contacts", http.MethodPatch, "api/v4/contacts", "contacts", contacts)
}

// UpdateOne changes the contact with id.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-contact
func (s *ContactsService) UpdateOne(ctx context.Context, id int, contact ContactRequest) (*WriteResult, *Response, error) {
	contact.ID = 0
	return sendOne(ctx, s.client, "update contact", fmt.Sprintf("api/v4/contacts/%d", id), "contacts", contact)
}
