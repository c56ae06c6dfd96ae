package kommo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Range is an inclusive from/to range of unix seconds (or amounts, for
// price). A zero bound is left out; a zero Range is no filter.
type Range struct {
	From, To int64
}

// Since is a Range starting at t.
func Since(t time.Time) *Range { return &Range{From: t.Unix()} }

// Between is a Range from a to b.
func Between(a, b time.Time) *Range { return &Range{From: a.Unix(), To: b.Unix()} }

func (r *Range) encode(q url.Values, key string) {
	if r == nil {
		return
	}
	if r.From != 0 {
		q.Set(key+"[from]", strconv.FormatInt(r.From, 10))
	}
	if r.To != 0 {
		q.Set(key+"[to]", strconv.FormatInt(r.To, 10))
	}
}

// Order sorts a list: Field is "id", "created_at" or "updated_at" (tasks
// also "complete_till"); Desc reverses it.
type Order struct {
	Field string
	Desc  bool
}

func (o *Order) encode(q url.Values) {
	if o == nil || o.Field == "" {
		return
	}
	dir := "asc"
	if o.Desc {
		dir = "desc"
	}
	q.Set("order["+o.Field+"]", dir)
}

// setInts writes ids as key[0]=1&key[1]=2, the form PHP's http_build_query
// (and so the official SDK) produces.
func setInts(q url.Values, key string, ids []int) {
	for i, id := range ids {
		q.Set(key+"["+strconv.Itoa(i)+"]", strconv.Itoa(id))
	}
}

func setStrings(q url.Values, key string, ss []string) {
	for i, s := range ss {
		q.Set(key+"["+strconv.Itoa(i)+"]", s)
	}
}

func setWith(q url.Values, with []string) {
	if len(with) > 0 {
		q.Set("with", strings.Join(with, ","))
	}
}

func joinInts(ids []int) string {
	ss := make([]string, len(ids))
	for i, id := range ids {
		ss[i] = strconv.Itoa(id)
	}
	return strings.Join(ss, ",")
}

// StatusFilter selects the leads of one stage of one pipeline.
type StatusFilter struct {
	PipelineID int
	StatusID   int
}

// EntityFilters are the filters the lead, contact and company lists share.
type EntityFilters struct {
	// Query is Kommo's full-text search over every filled field (name,
	// phones, emails, custom fields). It is fuzzy: check matches yourself.
	Query             string
	IDs               []int
	Names             []string
	CreatedBy         []int
	UpdatedBy         []int
	ResponsibleUserID []int
	CreatedAt         *Range
	UpdatedAt         *Range
	ClosestTaskAt     *Range
	Order             *Order
}

func (f *EntityFilters) encode(q url.Values) {
	if f.Query != "" {
		q.Set("query", f.Query)
	}
	setInts(q, "filter[id]", f.IDs)
	setStrings(q, "filter[name]", f.Names)
	setInts(q, "filter[created_by]", f.CreatedBy)
	setInts(q, "filter[updated_by]", f.UpdatedBy)
	setInts(q, "filter[responsible_user_id]", f.ResponsibleUserID)
	f.CreatedAt.encode(q, "filter[created_at]")
	f.UpdatedAt.encode(q, "filter[updated_at]")
	f.ClosestTaskAt.encode(q, "filter[closest_task_at]")
	f.Order.encode(q)
}

// Embedded tag reference: by id, or by name (created if it does not exist).
type TagRef struct {
	ID   int    `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// TagRefs is the tag set a write puts in _embedded.tags, replacing all the
// entity's tags. nil leaves the tags alone (the key is not sent); a non-nil
// empty set is sent as "tags":null, which is how Kommo detaches every tag
// (an empty array is not documented to do so). Use it with omitzero.
type TagRefs []TagRef

// ClearTags is the tag set that detaches every tag.
func ClearTags() TagRefs { return TagRefs{} }

// IsZero reports whether the set is nil, that is, not sent at all.
func (t TagRefs) IsZero() bool { return t == nil }

// MarshalJSON writes an empty set as null.
func (t TagRefs) MarshalJSON() ([]byte, error) {
	if len(t) == 0 {
		return []byte("null"), nil
	}
	return json.Marshal([]TagRef(t))
}

// UnmarshalJSON reads null as the empty (clearing) set, so a request
// written to a journal and read back still clears.
func (t *TagRefs) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*t = TagRefs{}
		return nil
	}
	var refs []TagRef
	if err := json.Unmarshal(b, &refs); err != nil {
		return err
	}
	if refs == nil {
		refs = []TagRef{}
	}
	*t = refs
	return nil
}

// Tag is a tag of one entity type (tag ids differ between entity types).
type Tag struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
}

// LooseTime is a unix-seconds timestamp that tolerates null, strings and
// floats on reads.
type LooseTime int64

// UnmarshalJSON accepts a number, a numeric string, or null (0).
func (t *LooseTime) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	if len(b) == 0 || string(b) == "null" {
		*t = 0
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", b, err)
	}
	*t = LooseTime(int64(f))
	return nil
}

// Time converts to time.Time (zero for 0).
func (t LooseTime) Time() time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(int64(t), 0).UTC()
}

var _ json.Unmarshaler = (*LooseTime)(nil)
