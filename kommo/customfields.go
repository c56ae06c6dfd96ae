package kommo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
)

// CustomFieldsService handles custom field definitions per entity type.
//
// Kommo API docs: https://developers.kommo.com/reference/custom-fields
type CustomFieldsService service

// CustomField is a custom field definition.
type CustomField struct {
	ID               int        `json:"id"`
	Name             string     `json:"name"`
	Type             FieldType  `json:"type"`
	Code             string     `json:"code"`
	Sort             int        `json:"sort"`
	IsAPIOnly        bool       `json:"is_api_only"`
	IsPredefined     bool       `json:"is_predefined"`
	IsDeletable      bool       `json:"is_deletable"`
	GroupID          *string    `json:"group_id"`
	EntityType       EntityType `json:"entity_type"`
	Enums            Enums      `json:"enums"`
	RequiredStatuses []struct {
		PipelineID int `json:"pipeline_id"`
		StatusID   int `json:"status_id"`
	} `json:"required_statuses,omitempty"`
	Currency  string `json:"currency,omitempty"`
	AccountID int    `json:"account_id"`
	Links     Links  `json:"_links"`
}

// Enum is one option of a select-like field (or one PHONE/EMAIL type).
type Enum struct {
	ID    int    `json:"id"`
	Value string `json:"value"`
	Sort  int    `json:"sort"`
	Code  string `json:"code,omitempty"`
}

// Enums are a field's options. Kommo sends an array, null, or (in some
// PATCH answers) an object keyed by index; all decode, sorted by Sort.
type Enums []Enum

// UnmarshalJSON accepts an array, an object of enums, or null.
func (e *Enums) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*e = nil
		return nil
	case b[0] == '{':
		var m map[string]Enum
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		out := make(Enums, 0, len(m))
		for _, v := range m {
			out = append(out, v)
		}
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].Sort != out[j].Sort {
				return out[i].Sort < out[j].Sort
			}
			return out[i].ID < out[j].ID
		})
		*e = out
		return nil
	}
	type plain []Enum
	return json.Unmarshal(b, (*plain)(e))
}

// CustomFieldRequest is a field to create.
type CustomFieldRequest struct {
	Name      string    `json:"name"`
	Type      FieldType `json:"type"`
	Code      string    `json:"code,omitempty"`
	Sort      int       `json:"sort,omitempty"`
	IsAPIOnly bool      `json:"is_api_only,omitempty"`
	// Enums are the options of a select-like field (Value and Sort).
	Enums     []Enum `json:"enums,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// CustomFieldListOptions page and filter a field list.
type CustomFieldListOptions struct {
	ListOptions
	Types []FieldType
}

func (o *CustomFieldListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	for i, t := range o.Types {
		q.Set("filter[type]["+strconv.Itoa(i)+"]", string(t))
	}
	return q
}

func cfPath(entity EntityType) string { return "api/v4/" + string(entity) + "/custom_fields" }

// List returns one page of the custom fields of an entity type (leads,
// contacts, companies, customers).
//
// Kommo API docs: https://developers.kommo.com/reference/custom-fields
func (s *CustomFieldsService) List(ctx context.Context, entity EntityType, opts *CustomFieldListOptions) ([]*CustomField, *Response, error) {
	return getList[CustomField](ctx, s.client, "list "+string(entity)+" custom fields", cfPath(entity), "custom_fields", opts.values())
}

// ListIter walks every page of an entity type's custom fields.
//
// Kommo API docs: https://developers.kommo.com/reference/custom-fields
func (s *CustomFieldsService) ListIter(ctx context.Context, entity EntityType, opts *CustomFieldListOptions) iter.Seq2[*CustomField, error] {
	return iterate[CustomField](ctx, s.client, "list "+string(entity)+" custom fields", cfPath(entity), "custom_fields", opts.values())
}

// All returns every custom field of an entity type.
func (s *CustomFieldsService) All(ctx context.Context, entity EntityType) ([]*CustomField, error) {
	var out []*CustomField
	for f, err := range s.ListIter(ctx, entity, &CustomFieldListOptions{ListOptions: ListOptions{Limit: MaxLimit}}) {
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Get returns one custom field.
//
// Kommo API docs: https://developers.kommo.com/reference/custom-fields
func (s *CustomFieldsService) Get(ctx context.Context, entity EntityType, id int) (*CustomField, *Response, error) {
	return getOne[CustomField](ctx, s.client, "get custom field", fmt.Sprintf("%s/%d", cfPath(entity), id), nil)
}

// Create adds custom fields to an entity type (admin rights needed).
//
// Kommo API docs: https://developers.kommo.com/reference/custom-fields
func (s *CustomFieldsService) Create(ctx context.Context, entity EntityType, fields []CustomFieldRequest) ([]*CustomField, *Response, error) {
	op := "create " + string(entity) + " custom fields"
	req, err := s.client.NewRequest(ctx, http.MethodPost, cfPath(entity), fields)
	if err != nil {
		return nil, nil, wrapOp(op, err)
	}
	var out struct {
		Embedded struct {
			CustomFields []*CustomField `json:"custom_fields"`
		} `json:"_embedded"`
	}
	resp, err := s.client.Do(req, &out)
	if err != nil {
		return nil, resp, wrapOp(op, err)
	}
	return out.Embedded.CustomFields, resp, nil
}
