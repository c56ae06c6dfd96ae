package kommo

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// CompaniesService handles companies.
//
// Kommo API docs: https://developers.kommo.com/reference/list-companies
type CompaniesService service

// Company is a company as Kommo reads it.
type Company struct {
	ID                 int               `json:"id"`
	Name               string            `json:"name"`
	ResponsibleUserID  int               `json:"responsible_user_id"`
	GroupID            int               `json:"group_id"`
	CreatedBy          int               `json:"created_by"`
	UpdatedBy          int               `json:"updated_by"`
	CreatedAt          LooseTime         `json:"created_at"`
	UpdatedAt          LooseTime         `json:"updated_at"`
	ClosestTaskAt      LooseTime         `json:"closest_task_at,omitempty"`
	IsDeleted          bool              `json:"is_deleted"`
	AccountID          int               `json:"account_id"`
	CustomFieldsValues CustomFieldValues `json:"custom_fields_values"`
	Links              Links             `json:"_links"`
	Embedded           CompanyEmbedded   `json:"_embedded"`
}

// CompanyEmbedded are a company's relations (Leads and Contacts with With).
type CompanyEmbedded struct {
	Tags      []Tag       `json:"tags"`
	Contacts  []EntityRef `json:"contacts,omitempty"`
	Leads     []EntityRef `json:"leads,omitempty"`
	Customers []EntityRef `json:"customers,omitempty"`
}

// CompanyRequest is a company to create or, with ID, to update.
type CompanyRequest struct {
	ID                 int                    `json:"id,omitempty"`
	Name               string                 `json:"name,omitempty"`
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

// CompanyListOptions filter and page the companies list.
type CompanyListOptions struct {
	ListOptions
	EntityFilters
	// With: "leads", "contacts", "customers", "catalog_elements".
	With []string
}

func (o *CompanyListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.EntityFilters.encode(q)
	setWith(q, o.With)
	return q
}

// List returns one page of companies.
//
// Kommo API docs: https://developers.kommo.com/reference/list-companies
func (s *CompaniesService) List(ctx context.Context, opts *CompanyListOptions) ([]*Company, *Response, error) {
	return getList[Company](ctx, s.client, "list companies", "api/v4/companies", "companies", opts.values())
}

// ListIter walks every page of companies.
//
// Kommo API docs: https://developers.kommo.com/reference/list-companies
func (s *CompaniesService) ListIter(ctx context.Context, opts *CompanyListOptions) iter.Seq2[*Company, error] {
	return iterate[Company](ctx, s.client, "list companies", "api/v4/companies", "companies", opts.values())
}

// Get returns the company with id; ErrNotFound if there is none.
//
// Kommo API docs: https://developers.kommo.com/reference/get-company-by-id
func (s *CompaniesService) Get(ctx context.Context, id int, with ...string) (*Company, *Response, error) {
	q := url.Values{}
	setWith(q, with)
	return getOne[Company](ctx, s.client, "get company", fmt.Sprintf("api/v4/companies/%d", id), q)
}

// Create adds up to MaxBatch companies.
//
// Kommo API docs: https://developers.kommo.com/reference/add-companies
func (s *CompaniesService) Create(ctx context.Context, companies []CompanyRequest) ([]*WriteResult, *Response, error) {
	return sendBatch(ctx, s.client, "create companies", http.MethodPost, "api/v4/companies", "companies", companies)
}

// Update changes up to MaxBatch companies, each with its ID.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-companies
func (s *CompaniesService) Update(ctx context.Context, companies []CompanyRequest) ([]*WriteResult, *Response, error) {
	for i, c := range companies {
		if c.ID == 0 {
			return nil, nil, wrapOp("update companies", fmt.Errorf("item %d has no id", i))
		}
	}
	return sendBatch(ctx, s.client, "update companies", http.MethodPatch, "api/v4/companies", "companies", companies)
}

// UpdateOne changes the company with id.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-company
func (s *CompaniesService) UpdateOne(ctx context.Context, id int, company CompanyRequest) (*WriteResult, *Response, error) {
	company.ID = 0
	return sendOne(ctx, s.client, "update company", fmt.Sprintf("api/v4/companies/%d", id), "companies", company)
}
