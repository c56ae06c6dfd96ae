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

// setInts writes ids as key[]=1&key[]=2, the form Kommo documents (the
// tags example) and shorter than PHP's key[0]=1&key[1]=2: long id lists
// must fit in a URL.
func setInts(q url.Values, key string, ids []int) {
	for _, id := range ids {
		q.Add(key+"[]", strconv.Itoa(id))
	}
}

func setStrings(q url.Values, key string, ss []string) {
	for _, s := range ss {
		q.Add(key+"[]", s)
	}
}

// MaxURLLength is the longest request URL the client sends. Kommo's limit
// is not documented; 250 nine-digit ids in filter[id][N]= make a URL over
// 8 KB, a common gateway limit. A list filtered by more values than fit is
// split into several requests: ListIter does it on its own (and merges the
// results); List refuses, and callers that page by hand split their ids
// with SplitIDs.
const MaxURLLength = 6000

// idsBudget is the room SplitIDs gives filter[id][] in a URL, leaving the
// rest for the base URL, the path and the other parameters.
const idsBudget = MaxURLLength - 2000

// chunkValues cuts the values of key into runs whose encoded
// key=value& pairs take at most budget bytes each.
func chunkValues(key string, vals []string, budget int) ([][]string, error) {
	ek := len(url.QueryEscape(key))
	var out [][]string
	var cur []string
	n := 0
	for _, v := range vals {
		l := ek + 1 + len(url.QueryEscape(v)) + 1
		if l > budget {
			return nil, fmt.Errorf("a value of %s is too long for a URL (%d bytes)", key, l)
		}
		if len(cur) > 0 && n+l > budget {
			out = append(out, cur)
			cur, n = nil, 0
		}
		cur = append(cur, v)
		n += l
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

// SplitIDs cuts ids into runs that each fit in the filter[id][] of one
// list request with URLs under MaxURLLength. Kommo ANDs different filters
// and ORs the values of one, so the union of the runs' results is the
// result of the whole list.
func SplitIDs(ids []int) [][]int {
	vals := make([]string, len(ids))
	for i, id := range ids {
		vals[i] = strconv.Itoa(id)
	}
	runs, _ := chunkValues("filter[id][]", vals, idsBudget) // an int always fits
	out := make([][]int, len(runs))
	off := 0
	for i, r := range runs {
		out[i] = ids[off : off+len(r)]
		off += len(r)
	}
	return out
}

// splitQuery splits q so that every URL of fixed bytes plus "?" plus the
// query stays within MaxURLLength: the list with the most bytes (such as
// filter[id][]) is cut into runs, one query per run. It fails when even
// that is not enough.
func splitQuery(fixed int, q url.Values) ([]url.Values, error) {
	enc := q.Encode()
	if fixed+1+len(enc) <= MaxURLLength {
		return []url.Values{q}, nil
	}
	key, most := "", 0
	for k, vs := range q {
		if len(vs) < 2 {
			continue
		}
		n := 0
		for _, v := range vs {
			n += len(url.QueryEscape(k)) + len(url.QueryEscape(v)) + 2
		}
		if n > most {
			key, most = k, n
		}
	}
	tooLong := fmt.Errorf("the request URL would be %d bytes, more than the %d this client sends; use fewer filter values", fixed+1+len(enc), MaxURLLength)
	if key == "" {
		return nil, tooLong
	}
	rest := url.Values{}
	for k, vs := range q {
		if k != key {
			rest[k] = vs
		}
	}
	budget := MaxURLLength - fixed - 1 - len(rest.Encode())
	runs, err := chunkValues(key, q[key], budget)
	if err != nil || budget <= 0 {
		return nil, tooLong
	}
	out := make([]url.Values, len(runs))
	for i, r := range runs {
		p := url.Values{key: r}
		for k, vs := range rest {
			p[k] = vs
		}
		out[i] = p
	}
	return out, nil
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
