package kommo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// LeadsService handles leads (deals).
//
// Kommo API docs: https://developers.kommo.com/reference/leads-list
type LeadsService service

// Fixed status ids, the same in every pipeline.
const (
	StatusWon  = 142
	StatusLost = 143
)

// Lead is a lead as Kommo reads it. Price is the amount with its cents:
// Kommo's price_with_minor_units when it sends one (accounts with minor
// units; the official SDK prefers it too), else price.
type Lead struct {
	ID                 int               `json:"id"`
	Name               string            `json:"name"`
	Price              float64           `json:"price"`
	ResponsibleUserID  int               `json:"responsible_user_id"`
	GroupID            int               `json:"group_id"`
	StatusID           int               `json:"status_id"`
	PipelineID         int               `json:"pipeline_id"`
	LossReasonID       int               `json:"loss_reason_id,omitempty"`
	SourceID           int               `json:"source_id,omitempty"`
	CreatedBy          int               `json:"created_by"`
	UpdatedBy          int               `json:"updated_by"`
	CreatedAt          LooseTime         `json:"created_at"`
	UpdatedAt          LooseTime         `json:"updated_at"`
	ClosedAt           LooseTime         `json:"closed_at,omitempty"`
	ClosestTaskAt      LooseTime         `json:"closest_task_at,omitempty"`
	IsDeleted          bool              `json:"is_deleted"`
	Score              *float64          `json:"score,omitempty"`
	AccountID          int               `json:"account_id"`
	LaborCost          *float64          `json:"labor_cost,omitempty"`
	CustomFieldsValues CustomFieldValues `json:"custom_fields_values"`
	Links              Links             `json:"_links"`
	Embedded           LeadEmbedded      `json:"_embedded"`
}

// UnmarshalJSON reads price_with_minor_units in preference to price.
func (l *Lead) UnmarshalJSON(b []byte) error {
	type plain Lead
	var w struct {
		*plain
		PriceWithMinorUnits *float64 `json:"price_with_minor_units"`
	}
	w.plain = (*plain)(l)
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.PriceWithMinorUnits != nil {
		l.Price = *w.PriceWithMinorUnits
	}
	return nil
}

// LeadEmbedded are a lead's embedded relations. Contacts are filled only
// when listed with "contacts" in With.
type LeadEmbedded struct {
	Tags      []Tag       `json:"tags"`
	Companies []EntityRef `json:"companies"`
	Contacts  []EntityRef `json:"contacts"`
	// LossReason is filled with "loss_reason" in With.
	LossReason []json.RawMessage `json:"loss_reason,omitempty"`
	// CatalogElements is filled with "catalog_elements" in With.
	CatalogElements []json.RawMessage `json:"catalog_elements,omitempty"`
}

// EntityRef is a linked entity as embedded in another one.
type EntityRef struct {
	ID     int  `json:"id"`
	IsMain bool `json:"is_main,omitempty"`
	// Links are read, never written (omitzero keeps "_links":{} out of
	// write bodies).
	Links Links `json:"_links,omitzero"`
}

// LeadRequest is a lead to create or, with ID, to update. Zero fields are
// not sent (so they stay unchanged on update); use pointers for the values
// where zero is meaningful.
type LeadRequest struct {
	ID   int    `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Price may have cents (12.5): it is sent as a JSON number, as the
	// official SDK sends it since Kommo added minor units.
	Price             *float64 `json:"price,omitempty"`
	StatusID          int      `json:"status_id,omitempty"`
	PipelineID        int      `json:"pipeline_id,omitempty"`
	ResponsibleUserID int      `json:"responsible_user_id,omitempty"`
	LossReasonID      int      `json:"loss_reason_id,omitempty"`
	CreatedBy         *int     `json:"created_by,omitempty"`
	UpdatedBy         *int     `json:"updated_by,omitempty"`
	CreatedAt         int64    `json:"created_at,omitempty"`
	UpdatedAt         int64    `json:"updated_at,omitempty"`
	ClosedAt          int64    `json:"closed_at,omitempty"`
	// CustomFieldsValues: fields left out stay unchanged; see ClearField.
	CustomFieldsValues CustomFieldValues `json:"custom_fields_values,omitempty"`
	// TagsToAdd and TagsToDelete change tags one by one; Embedded.Tags
	// replaces the whole set.
	TagsToAdd    []TagRef             `json:"tags_to_add,omitempty"`
	TagsToDelete []TagRef             `json:"tags_to_delete,omitempty"`
	Embedded     *LeadRequestEmbedded `json:"_embedded,omitempty"`
	// RequestID is echoed back in the result, to match results to inputs.
	RequestID string `json:"request_id,omitempty"`
}

// LeadRequestEmbedded links existing contacts and companies (only when the
// lead is created; later use Links) and sets tags.
type LeadRequestEmbedded struct {
	// Tags replaces all tags. A non-nil empty set (ClearTags) is sent as
	// null and removes them all.
	Tags      TagRefs       `json:"tags,omitzero"`
	Contacts  []EntityRef   `json:"contacts,omitempty"`
	Companies []EntityRef   `json:"companies,omitempty"`
	Source    *SourceRef    `json:"source,omitempty"`
	Metadata  *UnsortedMeta `json:"metadata,omitempty"`
}

// SourceRef is a lead's source, settable only at creation.
type SourceRef struct {
	ExternalID string `json:"external_id"`
	Type       string `json:"type"`
}

// UnsortedMeta is the metadata of a complex lead created as incoming
// (category "forms" or "sip").
type UnsortedMeta struct {
	Category string         `json:"category"`
	Extra    map[string]any `json:"-"`
}

// LeadListOptions filter and page the leads list.
type LeadListOptions struct {
	ListOptions
	EntityFilters
	// Price filters by amount (From/To); a From alone with To equal to it
	// is an exact price.
	Price *Range
	// Statuses selects stages (one per pipeline per request).
	Statuses    []StatusFilter
	PipelineIDs []int
	ClosedAt    *Range
	// With: "contacts", "catalog_elements", "loss_reason",
	// "is_price_modified_by_robot", "source_id", "only_deleted", "source".
	With []string
}

func (o *LeadListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.EntityFilters.encode(q)
	if o.Price != nil {
		if o.Price.From == o.Price.To && o.Price.From != 0 {
			q.Set("filter[price]", strconv.FormatInt(o.Price.From, 10))
		} else {
			o.Price.encode(q, "filter[price]")
		}
	}
	for i, s := range o.Statuses {
		k := fmt.Sprintf("filter[statuses][%d]", i)
		q.Set(k+"[pipeline_id]", strconv.Itoa(s.PipelineID))
		q.Set(k+"[status_id]", strconv.Itoa(s.StatusID))
	}
	setInts(q, "filter[pipeline_id]", o.PipelineIDs)
	o.ClosedAt.encode(q, "filter[closed_at]")
	setWith(q, o.With)
	return q
}

// List returns one page of leads; no leads (204) is an empty slice.
//
// Kommo API docs: https://developers.kommo.com/reference/leads-list
func (s *LeadsService) List(ctx context.Context, opts *LeadListOptions) ([]*Lead, *Response, error) {
	return getList[Lead](ctx, s.client, "list leads", "api/v4/leads", "leads", opts.values())
}

// ListIter walks every page of leads from opts.Page on.
//
// Kommo API docs: https://developers.kommo.com/reference/leads-list
func (s *LeadsService) ListIter(ctx context.Context, opts *LeadListOptions) iter.Seq2[*Lead, error] {
	return iterate[Lead](ctx, s.client, "list leads", "api/v4/leads", "leads", opts.values())
}

// Get returns the lead with id; ErrNotFound if there is none.
//
// Kommo API docs: https://developers.kommo.com/reference/get-lead-by-id
func (s *LeadsService) Get(ctx context.Context, id int, with ...string) (*Lead, *Response, error) {
	q := url.Values{}
	setWith(q, with)
	return getOne[Lead](ctx, s.client, "get lead", fmt.Sprintf("api/v4/leads/%d", id), q)
}

// Create adds up to MaxBatch leads (Kommo recommends at most 50) and
// returns their ids with the request_id of each input.
//
// Kommo API docs: https://developers.kommo.com/reference/add-leads
func (s *LeadsService) Create(ctx context.Context, leads []LeadRequest) ([]*WriteResult, *Response, error) {
	return sendBatch(ctx, s.client, "create leads", http.MethodPost, "api/v4/leads", "leads", leads)
}

// Update changes up to MaxBatch leads, each with its ID.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-leads
func (s *LeadsService) Update(ctx context.Context, leads []LeadRequest) ([]*WriteResult, *Response, error) {
	for i, l := range leads {
		if l.ID == 0 {
			return nil, nil, wrapOp("update leads", fmt.Errorf("item %d has no id", i))
		}
	}
	return sendBatch(ctx, s.client, "update leads", http.MethodPatch, "api/v4/leads", "leads", leads)
}

// UpdateOne changes the lead with id.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-lead
func (s *LeadsService) UpdateOne(ctx context.Context, id int, lead LeadRequest) (*WriteResult, *Response, error) {
	lead.ID = 0
	return sendOne(ctx, s.client, "update lead", fmt.Sprintf("api/v4/leads/%d", id), "leads", lead)
}

// ComplexLead is a lead with at most one new contact and one new company,
// created together by AddComplex.
type ComplexLead struct {
	LeadRequest
	Contact *ContactRequest
	Company *CompanyRequest
}

// MarshalJSON embeds the contact and company as Kommo's complex format
// wants them: full objects in _embedded.contacts/companies.
func (c ComplexLead) MarshalJSON() ([]byte, error) {
	type plain LeadRequest
	emb := map[string]any{}
	if c.Embedded != nil {
		if c.Embedded.Tags != nil {
			emb["tags"] = c.Embedded.Tags
		}
		if c.Embedded.Source != nil {
			emb["source"] = c.Embedded.Source
		}
		if c.Embedded.Metadata != nil {
			m := map[string]any{}
			for k, v := range c.Embedded.Metadata.Extra {
				m[k] = v
			}
			m["category"] = c.Embedded.Metadata.Category
			emb["metadata"] = m
		}
	}
	if c.Contact != nil {
		emb["contacts"] = []*ContactRequest{c.Contact}
	}
	if c.Company != nil {
		emb["companies"] = []*CompanyRequest{c.Company}
	}
	p := plain(c.LeadRequest)
	p.Embedded = nil
	b, err := json.Marshal(p)
	if err != nil || len(emb) == 0 {
		return b, err
	}
	e, err := json.Marshal(emb)
	if err != nil {
		return nil, err
	}
	if string(b) == "{}" {
		return []byte(`{"_embedded":` + string(e) + `}`), nil
	}
	return append(append(b[:len(b)-1], `,"_embedded":`...), append(e, '}')...), nil
}

// ComplexResult is the answer for one complex lead. ContactID and CompanyID
// are 0 when none was created; Merged reports that Kommo's duplicate
// control reused an existing entity. RequestIDs lists every request_id that
// ended in this lead.
type ComplexResult struct {
	ID         int      `json:"id"`
	ContactID  int      `json:"-"`
	CompanyID  int      `json:"-"`
	RequestIDs []string `json:"-"`
	Merged     bool     `json:"merged"`
}

// UnmarshalJSON accepts null ids and request_id as an array or a string.
func (r *ComplexResult) UnmarshalJSON(b []byte) error {
	var w struct {
		ID        json.RawMessage `json:"id"`
		ContactID json.RawMessage `json:"contact_id"`
		CompanyID json.RawMessage `json:"company_id"`
		RequestID json.RawMessage `json:"request_id"`
		Merged    bool            `json:"merged"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = ComplexResult{ID: looseInt(w.ID), ContactID: looseInt(w.ContactID), CompanyID: looseInt(w.CompanyID), Merged: w.Merged}
	if len(w.RequestID) > 0 && w.RequestID[0] == '[' {
		var ids []RequestID
		if err := json.Unmarshal(w.RequestID, &ids); err != nil {
			return err
		}
		for _, id := range ids {
			r.RequestIDs = append(r.RequestIDs, string(id))
		}
	} else if len(w.RequestID) > 0 && string(w.RequestID) != "null" {
		var id RequestID
		if err := json.Unmarshal(w.RequestID, &id); err != nil {
			return err
		}
		r.RequestIDs = []string{string(id)}
	}
	return nil
}

// AddComplex creates up to MaxComplexBatch leads, each with its new contact
// and company, in one request (POST /leads/complex). Kommo's duplicate
// control may merge a contact with one already stored (never with another
// item of the same request).
//
// Kommo API docs: https://developers.kommo.com/reference/complex-leads
func (s *LeadsService) AddComplex(ctx context.Context, leads []ComplexLead) ([]*ComplexResult, *Response, error) {
	const op = "create complex leads"
	if len(leads) == 0 {
		return nil, nil, wrapOp(op, fmt.Errorf("no items"))
	}
	if len(leads) > MaxComplexBatch {
		return nil, nil, wrapOp(op, fmt.Errorf("%d leads, Kommo accepts at most %d per request", len(leads), MaxComplexBatch))
	}
	req, err := s.client.NewRequest(ctx, http.MethodPost, "api/v4/leads/complex", leads)
	if err != nil {
		return nil, nil, wrapOp(op, err)
	}
	var out []*ComplexResult
	resp, err := s.client.Do(req, &out)
	if err != nil {
		return nil, resp, wrapOp(op, err)
	}
	return out, resp, nil
}
