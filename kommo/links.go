package kommo

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// LinksService links entities to each other (lead ↔ contact, lead →
// company, contact → company, ...).
//
// Kommo API docs: https://developers.kommo.com/reference/linking-entities
type LinksService service

// EntityLink is a link from an entity to another. EntityID and EntityType
// are only used by the mass LinkMany/UnlinkMany (and filled on reads).
type EntityLink struct {
	EntityID     int           `json:"entity_id,omitempty"`
	EntityType   EntityType    `json:"entity_type,omitempty"`
	ToEntityID   int           `json:"to_entity_id"`
	ToEntityType EntityType    `json:"to_entity_type"`
	Metadata     *LinkMetadata `json:"metadata,omitempty"`
}

// LinkMetadata qualifies a link: IsMain (write) marks the main contact of a
// lead, and reads report it as MainContact.
type LinkMetadata struct {
	IsMain      *bool `json:"is_main,omitempty"`
	MainContact *bool `json:"main_contact,omitempty"`
	Quantity    *int  `json:"quantity,omitempty"`
	CatalogID   int   `json:"catalog_id,omitempty"`
	UpdatedBy   int   `json:"updated_by,omitempty"`
}

// LinkListOptions filter an entity's links.
type LinkListOptions struct {
	ToEntityID   int
	ToEntityType EntityType
	ToCatalogID  int
}

func (o *LinkListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	if o.ToEntityID != 0 {
		q.Set("filter[to_entity_id]", fmt.Sprint(o.ToEntityID))
	}
	if o.ToEntityType != "" {
		q.Set("filter[to_entity_type]", string(o.ToEntityType))
	}
	if o.ToCatalogID != 0 {
		q.Set("filter[to_catalog_id]", fmt.Sprint(o.ToCatalogID))
	}
	return q
}

func (s *LinksService) post(ctx context.Context, op, path string, links []EntityLink) ([]*EntityLink, *Response, error) {
	if len(links) == 0 {
		return nil, nil, wrapOp(op, fmt.Errorf("no links"))
	}
	req, err := s.client.NewRequest(ctx, http.MethodPost, path, links)
	if err != nil {
		return nil, nil, wrapOp(op, err)
	}
	var out struct {
		Embedded struct {
			Links []*EntityLink `json:"links"`
		} `json:"_embedded"`
	}
	resp, err := s.client.Do(req, &out)
	if err != nil {
		return nil, resp, wrapOp(op, err)
	}
	return out.Embedded.Links, resp, nil
}

// Link links the entity (leads, contacts, companies, customers) with id to
// others. A lead has at most one company.
//
// Kommo API docs: https://developers.kommo.com/reference/linking-entities
func (s *LinksService) Link(ctx context.Context, entity EntityType, id int, links []EntityLink) ([]*EntityLink, *Response, error) {
	return s.post(ctx, "link "+string(entity), fmt.Sprintf("api/v4/%s/%d/link", entity, id), links)
}

// Unlink removes links of the entity with id.
//
// Kommo API docs: https://developers.kommo.com/reference/unlinking-entities
func (s *LinksService) Unlink(ctx context.Context, entity EntityType, id int, links []EntityLink) (*Response, error) {
	_, resp, err := s.post(ctx, "unlink "+string(entity), fmt.Sprintf("api/v4/%s/%d/unlink", entity, id), links)
	return resp, err
}

// LinkMany links many entities of one type at once (each link carries its
// EntityID).
//
// Kommo API docs: https://developers.kommo.com/reference/mass-linking
func (s *LinksService) LinkMany(ctx context.Context, entity EntityType, links []EntityLink) ([]*EntityLink, *Response, error) {
	return s.post(ctx, "link "+string(entity), fmt.Sprintf("api/v4/%s/link", entity), links)
}

// UnlinkMany removes many links at once.
//
// Kommo API docs: https://developers.kommo.com/reference/mass-unlinking
func (s *LinksService) UnlinkMany(ctx context.Context, entity EntityType, links []EntityLink) (*Response, error) {
	_, resp, err := s.post(ctx, "unlink "+string(entity), fmt.Sprintf("api/v4/%s/unlink", entity), links)
	return resp, err
}

// List returns the links of the entity with id.
//
// Kommo API docs: https://developers.kommo.com/reference/entity-links-list
func (s *LinksService) List(ctx context.Context, entity EntityType, id int, opts *LinkListOptions) ([]*EntityLink, *Response, error) {
	return getList[EntityLink](ctx, s.client, "list "+string(entity)+" links", fmt.Sprintf("api/v4/%s/%d/links", entity, id), "links", opts.values())
}

// ListIter walks every page of the links of the entity with id.
func (s *LinksService) ListIter(ctx context.Context, entity EntityType, id int, opts *LinkListOptions) iter.Seq2[*EntityLink, error] {
	return iterate[EntityLink](ctx, s.client, "list "+string(entity)+" links", fmt.Sprintf("api/v4/%s/%d/links", entity, id), "links", opts.values())
}
