package kommotest

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// qnode is a parsed PHP-style bracket query: filter[id][]=1 and
// filter[statuses][0][pipeline_id]=2 become nested nodes.
type qnode struct {
	vals []string
	kids map[string]*qnode
}

func parseQuery(raw string) *qnode {
	root := &qnode{}
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			continue
		}
		n := root
		for _, p := range splitKey(key) {
			n = n.child(p)
		}
		n.vals = append(n.vals, val)
	}
	return root
}

// splitKey turns "filter[a][b][]" into ["filter", "a", "b", ""].
func splitKey(k string) []string {
	i := strings.IndexByte(k, '[')
	if i < 0 {
		return []string{k}
	}
	parts := []string{k[:i]}
	rest := k[i:]
	for strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			break
		}
		parts = append(parts, rest[1:j])
		rest = rest[j+1:]
	}
	return parts
}

func (n *qnode) child(k string) *qnode {
	if n.kids == nil {
		n.kids = map[string]*qnode{}
	}
	c := n.kids[k]
	if c == nil {
		c = &qnode{}
		n.kids[k] = c
	}
	return c
}

// get walks a path; it returns nil when absent.
func (n *qnode) get(path ...string) *qnode {
	for _, p := range path {
		if n == nil || n.kids == nil {
			return nil
		}
		n = n.kids[p]
	}
	return n
}

// str returns the first value at path.
func (n *qnode) str(path ...string) (string, bool) {
	c := n.get(path...)
	if c == nil || len(c.vals) == 0 {
		return "", false
	}
	return c.vals[0], true
}

// indexedKids returns the children keyed "" or by an integer, in index order.
func (n *qnode) indexedKids() []*qnode {
	if n == nil {
		return nil
	}
	type kv struct {
		i int
		n *qnode
	}
	var out []kv
	for k, c := range n.kids {
		if k == "" {
			out = append(out, kv{-1, c})
			continue
		}
		if i, err := strconv.Atoi(k); err == nil {
			out = append(out, kv{i, c})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].i < out[b].i })
	res := make([]*qnode, len(out))
	for i, e := range out {
		res[i] = e.n
	}
	return res
}

// list returns all values at n: x=1, x[]=1, x[0]=1 and, with comma,
// comma-separated lists.
func (n *qnode) list(comma bool) []string {
	if n == nil {
		return nil
	}
	var raw []string
	raw = append(raw, n.vals...)
	for _, c := range n.indexedKids() {
		raw = append(raw, c.vals...)
	}
	var out []string
	for _, v := range raw {
		if comma {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			continue
		}
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// has reports whether the query carries anything at path.
func (n *qnode) has(path ...string) bool { return n.get(path...) != nil }

// intSet parses the values at path as ints. ok is false on a bad value.
func (n *qnode) intSet(comma bool, path ...string) (map[int]bool, bool) {
	c := n.get(path...)
	if c == nil {
		return nil, true
	}
	set := map[int]bool{}
	for _, v := range c.list(comma) {
		i, err := strconv.Atoi(v)
		if err != nil {
			return nil, false
		}
		set[i] = true
	}
	return set, true
}

// rng is an inclusive range filter; a nil bound is open.
type rng struct {
	from, to *int64
}

func (r *rng) match(v int64) bool {
	if r == nil {
		return true
	}
	if r.from != nil && v < *r.from {
		return false
	}
	if r.to != nil && v > *r.to {
		return false
	}
	return true
}

// matchFloat is match for an amount with cents.
func (r *rng) matchFloat(v float64) bool {
	if r == nil {
		return true
	}
	return (r.from == nil || v >= float64(*r.from)) && (r.to == nil || v <= float64(*r.to))
}

// rangeAt parses path as x=v (exact, or "since" when single=since), x=a,b,
// or x[from]/x[to].
func (n *qnode) rangeAt(since bool, path ...string) (*rng, bool) {
	c := n.get(path...)
	if c == nil {
		return nil, true
	}
	r := &rng{}
	parse := func(s string) (*int64, bool) {
		if s == "" {
			return nil, true
		}
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, false
		}
		return &i, true
	}
	var ok bool
	if f, has := c.str("from"); has {
		if r.from, ok = parse(f); !ok {
			return nil, false
		}
	}
	if t, has := c.str("to"); has {
		if r.to, ok = parse(t); !ok {
			return nil, false
		}
	}
	if len(c.vals) > 0 {
		v := c.vals[0]
		if a, b, isPair := strings.Cut(v, ","); isPair {
			if r.from, ok = parse(a); !ok {
				return nil, false
			}
			if r.to, ok = parse(b); !ok {
				return nil, false
			}
		} else {
			x, good := parse(v)
			if !good {
				return nil, false
			}
			r.from = x
			if !since {
				r.to = x
			}
		}
	}
	return r, true
}

// paging reads page and limit; it answers 422 itself when limit > max.
func (c *call) paging(max int) (page, limit int, ok bool) {
	page, limit = 1, 50
	if v, has := c.q.str("page"); has {
		if p, err := strconv.Atoi(v); err == nil && p > 0 {
			page = p
		}
	}
	if v, has := c.q.str("limit"); has {
		l, err := strconv.Atoi(v)
		if err != nil {
			c.badRequest("limit must be an integer")
			return 0, 0, false
		}
		if l > max {
			c.tooMany(max)
			return 0, 0, false
		}
		if l > 0 {
			limit = l
		}
	}
	return page, limit, true
}

// pageLinks builds self/next/prev links for a list page.
func (c *call) pageLinks(page, limit int, more bool) map[string]any {
	mk := func(p int) map[string]any {
		q := c.r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("limit", strconv.Itoa(limit))
		return c.s.href(c.r.URL.Path + "?" + q.Encode())
	}
	links := map[string]any{"self": mk(page)}
	if more {
		links["next"] = mk(page + 1)
	}
	if page > 1 {
		links["prev"] = mk(page - 1)
	}
	return links
}

// writePage slices items for the page and writes a HAL list, or 204 when the
// page is empty. extra keys are added at the top level.
func (c *call) writePage(key string, items []any, page, limit int, extra map[string]any) {
	start := (page - 1) * limit
	if start >= len(items) {
		noContent(c.w)
		return
	}
	end := min(start+limit, len(items))
	out := map[string]any{
		"_page":     page,
		"_links":    c.pageLinks(page, limit, end < len(items)),
		"_embedded": map[string]any{key: items[start:end]},
	}
	for k, v := range extra {
		out[k] = v
	}
	writeJSON(c.w, http.StatusOK, out)
}

// order returns the requested order field and whether it is descending.
func (c *call) order(allowed ...string) (field string, desc bool) {
	o := c.q.get("order")
	if o == nil {
		return "id", false
	}
	for _, f := range allowed {
		if v, ok := o.str(f); ok {
			return f, strings.EqualFold(v, "desc")
		}
	}
	return "id", false
}

// with returns the set of comma-separated with= values.
func (c *call) with() map[string]bool {
	out := map[string]bool{}
	for _, v := range c.q.get("with").list(true) {
		out[v] = true
	}
	return out
}

// digits keeps only the decimal digits of s.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// phoneLike reports whether q looks like a phone number.
func phoneLike(q string) bool {
	for _, r := range q {
		if !unicode.IsDigit(r) && !strings.ContainsRune("+-() .", r) {
			return false
		}
	}
	return digits(q) != ""
}

// matchQuery implements query=: case-insensitive substring over the name and
// all custom field values; for multitext values a phone-like query also
// matches digits-only.
func matchQuery(q, name string, fvs []FieldValues) bool {
	lq := strings.ToLower(q)
	if strings.Contains(strings.ToLower(name), lq) {
		return true
	}
	dq := ""
	if phoneLike(q) {
		dq = digits(q)
	}
	for _, fv := range fvs {
		for _, v := range fv.Values {
			s := valueText(v.Value)
			if strings.Contains(strings.ToLower(s), lq) {
				return true
			}
			if dq != "" && fv.FieldType == "multitext" && strings.Contains(digits(s), dq) {
				return true
			}
		}
	}
	return false
}

func sortBy[T any](xs []T, less func(a, b T) bool) {
	sort.SliceStable(xs, func(i, j int) bool { return less(xs[i], xs[j]) })
}
