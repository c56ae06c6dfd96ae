package kommo

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// TagsService handles the tags of an entity type (tag ids differ between
// entity types).
//
// Kommo API docs: https://developers.kommo.com/reference/update-tags
type TagsService service

// TagListOptions filter the tags list: Name is an exact name, Query a
// full-text search over names.
type TagListOptions struct {
	ListOptions
	Name  string
	IDs   []int
	Query string
}

func (o *TagListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	if o.Name != "" {
		q.Set("filter[name]", o.Name)
	}
	setInts(q, "filter[id]", o.IDs)
	if o.Query != "" {
		q.Set("query", o.Query)
	}
	return q
}

// TagRequest is a tag to create.
type TagRequest struct {
	Name      string `json:"name"`
	Color     string `json:"color,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// List returns one page of an entity type's tags.
//
// Kommo API docs: https://developers.kommo.com/reference/tags-list
func (s *TagsService) List(ctx context.Context, entity EntityType, opts *TagListOptions) ([]*Tag, *Response, error) {
	return getList[Tag](ctx, s.client, "list "+string(entity)+" tags", "api/v4/"+string(entity)+"/tags", "tags", opts.values())
}

// ListIter walks every page of an entity type's tags.
//
// Kommo API docs: https://developers.kommo.com/reference/tags-list
func (s *TagsService) ListIter(ctx context.Context, entity EntityType, opts *TagListOptions) iter.Seq2[*Tag, error] {
	return iterate[Tag](ctx, s.client, "list "+string(entity)+" tags", "api/v4/"+string(entity)+"/tags", "tags", opts.values())
}

// Create adds tags to an entity type and returns them with their ids.
//
// Kommo API docs: https://developers.kommo.com/reference/add-tags
func (s *TagsService) Create(ctx context.Context, entity EntityType, tags []TagRequest) ([]*Tag, *Response, error) {
	op := "create " + string(entity) + " tags"
	req, err := s.client.NewRequest(ctx, http.MethodPost, "api/v4/"+string(entity)+"/tags", tags)
	if err != nil {
		return nil, nil, wrapOp(op, err)
	}
	var out struct {
		Embedded struct {
			Tags []*Tag `json:"tags"`
		} `json:"_embedded"`
	}
	resp, err := s.client.Do(req, &out)
	if err != nil {
		return nil, resp, wrapOp(op, err)
	}
	return out.Embedded.Tags, resp, nil
}
