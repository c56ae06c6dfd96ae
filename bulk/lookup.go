package bulk

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// matchValues returns the normalised values of kind found in a record, in
// the same form the mapping layer gives a row's MatchKey values.
func matchValues(v *view, k mapping.MatchKey) []string {
	var out []string
	switch k.Kind {
	case mapping.MatchEmail:
		if f, ok := v.CFV.Field(0, kommo.CodeEmail); ok {
			for _, s := range f.Strings() {
				out = append(out, normEmail(s))
			}
		}
	case mapping.MatchPhone:
		if f, ok := v.CFV.Field(0, kommo.CodePhone); ok {
			for _, s := range f.Strings() {
				if d := phoneKey(s); d != "" {
					out = append(out, d)
				}
			}
		}
	case mapping.MatchField:
		if f, ok := v.CFV.Field(k.FieldID, ""); ok {
			for _, s := range f.Strings() {
				out = append(out, strings.TrimSpace(s))
			}
		}
	case mapping.MatchName:
		out = append(out, mapping.Normalize(v.displayName()))
	case mapping.MatchID:
		out = append(out, strconv.Itoa(v.ID))
	}
	return out
}

// keyValue normalises one of a row's match values for comparison with
// matchValues: phones are compared by their last ten digits, because Kommo
// accounts hold phones in every format (+7999..., 8999...).
func keyValue(kind mapping.MatchKind, s string) string {
	switch kind {
	case mapping.MatchPhone:
		return phoneKey(s)
	case mapping.MatchEmail:
		return normEmail(s)
	case mapping.MatchName:
		return mapping.Normalize(s)
	}
	return strings.TrimSpace(s)
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// phoneKey is a phone's last ten digits (all of them if fewer).
func phoneKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) > 10 {
		d = d[len(d)-10:]
	}
	return d
}

// queryText is what to send as Kommo's query= for a key value.
func queryText(kind mapping.MatchKind, s string) string {
	switch kind {
	case mapping.MatchPhone:
		return phoneKey(s)
	case mapping.MatchName:
		// A name key is normalised (no punctuation: `ООО "Вектор"` is
		// "ооо вектор"), which Kommo's query would not find as written;
		// its longest word finds it, and the answers are checked exactly.
		long := ""
		for _, w := range strings.Fields(s) {
			if len([]rune(w)) > len([]rune(long)) {
				long = w
			}
		}
		if long != "" {
			return long
		}
	}
	return s
}

// indexKey names a match value in the lookup index.
func indexKey(k mapping.MatchKey, value string) string {
	return string(k.Kind) + ":" + strconv.Itoa(k.FieldID) + ":" + value
}

// finder finds existing records by match key, per entity type, with one
// query per key or one scan of the entity list into an index. Answers are
// cached, so a key is never looked up twice. Safe for concurrent use.
type finder struct {
	c        *kommo.Client
	strategy LookupStrategy
	expected int

	mu      sync.Mutex
	chosen  map[kommo.EntityType]LookupStrategy
	indexes map[kommo.EntityType]*scanIndex
	cache   map[string]int // entity|indexKey → id (0 = none)
}

// scanIndex is the index of one entity type's records, by match value.
// It is filled once by a scan and then grows as the job creates records,
// while other workers read it: ids is read and written under mu only.
type scanIndex struct {
	once  sync.Once
	err   error
	kinds []mapping.MatchKey

	mu  sync.RWMutex
	ids map[string]int // indexKey → lowest id
}

func newFinder(c *kommo.Client, s LookupStrategy, expected int) *finder {
	return &finder{c: c, strategy: s, expected: expected, chosen: map[kommo.EntityType]LookupStrategy{},
		indexes: map[kommo.EntityType]*scanIndex{}, cache: map[string]int{}}
}

// strategyFor decides, once per entity type, between query and scan: a
// scan costs one request per 250 records in the account, queries one per
// key. One probe (page ceil(keys/250) at 250 per page) tells whether the
// account is smaller than the number of keys.
func (f *finder) strategyFor(ctx context.Context, e kommo.EntityType) (LookupStrategy, error) {
	f.mu.Lock()
	s, ok := f.chosen[e]
	f.mu.Unlock()
	if ok {
		return s, nil
	}
	s = f.strategy
	if s == LookupAuto {
		s = LookupQuery
		if f.expected > 0 && e != kommo.EntityTasks {
			page := (f.expected + kommo.MaxLimit - 1) / kommo.MaxLimit
			empty, err := pageEmpty(ctx, f.c, e, page)
			if err != nil {
				return "", err
			}
			if empty {
				s = LookupScan
			}
		}
	}
	f.mu.Lock()
	f.chosen[e] = s
	f.mu.Unlock()
	return s, nil
}

func pageEmpty(ctx context.Context, c *kommo.Client, e kommo.EntityType, page int) (bool, error) {
	lo := kommo.ListOptions{Page: page, Limit: kommo.MaxLimit}
	var n int
	var err error
	switch e {
	case kommo.EntityLeads:
		var ls []*kommo.Lead
		ls, _, err = c.Leads.List(ctx, &kommo.LeadListOptions{ListOptions: lo})
		n = len(ls)
	case kommo.EntityContacts:
		var ls []*kommo.Contact
		ls, _, err = c.Contacts.List(ctx, &kommo.ContactListOptions{ListOptions: lo})
		n = len(ls)
	case kommo.EntityCompanies:
		var ls []*kommo.Company
		ls, _, err = c.Companies.List(ctx, &kommo.CompanyListOptions{ListOptions: lo})
		n = len(ls)
	}
	return n == 0, err
}

// find returns the id of the record matching each key (0 for none).
func (f *finder) find(ctx context.Context, e kommo.EntityType, keys []mapping.MatchKey) ([]int, error) {
	out := make([]int, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	s, err := f.strategyFor(ctx, e)
	if err != nil {
		return nil, err
	}
	if s == LookupScan {
		idx, err := f.index(ctx, e, keys[0])
		if err != nil {
			return nil, err
		}
		idx.mu.RLock()
		defer idx.mu.RUnlock()
		for i, k := range keys {
			for _, v := range k.Values {
				if id := idx.ids[indexKey(k, keyValue(k.Kind, v))]; id != 0 {
					out[i] = id
					break
				}
			}
		}
		return out, nil
	}
	for i, k := range keys {
		for _, v := range k.Values {
			id, err := f.query(ctx, e, k, keyValue(k.Kind, v))
			if err != nil {
				return nil, err
			}
			if id != 0 {
				out[i] = id
				break
			}
		}
	}
	return out, nil
}

// query asks Kommo for one key value and checks the answers exactly.
func (f *finder) query(ctx context.Context, e kommo.EntityType, k mapping.MatchKey, value string) (int, error) {
	if value == "" {
		return 0, nil
	}
	ck := string(e) + "|" + indexKey(k, value)
	f.mu.Lock()
	id, ok := f.cache[ck]
	f.mu.Unlock()
	if ok {
		return id, nil
	}
	best := 0
	n := 0
	for v, err := range listViews(ctx, f.c, e, kommo.EntityFilters{Query: queryText(k.Kind, value)}, 50) {
		if err != nil {
			return 0, err
		}
		for _, got := range matchValues(v, k) {
			if got == value && (best == 0 || v.ID < best) {
				best = v.ID
			}
		}
		if n++; n >= 250 {
			break // a fuzzy query matching this much is not a key
		}
	}
	f.remember(e, k, value, best)
	return best, nil
}

func (f *finder) remember(e kommo.EntityType, k mapping.MatchKey, value string, id int) {
	f.mu.Lock()
	f.cache[string(e)+"|"+indexKey(k, value)] = id
	f.mu.Unlock()
}

// index builds the scan index of an entity type once.
func (f *finder) index(ctx context.Context, e kommo.EntityType, k mapping.MatchKey) (*scanIndex, error) {
	f.mu.Lock()
	idx := f.indexes[e]
	if idx == nil {
		idx = &scanIndex{kinds: []mapping.MatchKey{k}, ids: map[string]int{}}
		f.indexes[e] = idx
	}
	f.mu.Unlock()
	idx.once.Do(func() {
		for v, err := range listViews(ctx, f.c, e, kommo.EntityFilters{}, kommo.MaxLimit) {
			if err != nil {
				idx.err = err
				return
			}
			idx.add(v)
		}
	})
	return idx, idx.err
}

func (idx *scanIndex) add(v *view) {
	idx.mu.Lock()
	defer idx.mu.Unlock()
	for _, k := range idx.kinds {
		for _, val := range matchValues(v, k) {
			key := indexKey(k, val)
			if old := idx.ids[key]; old == 0 || v.ID < old {
				idx.ids[key] = v.ID
			}
		}
	}
}

// learn records a record the job itself created, so later lookups (of
// another key kind, or after a scan) find it.
func (f *finder) learn(e kommo.EntityType, k mapping.MatchKey, id int) {
	f.mu.Lock()
	idx := f.indexes[e]
	f.mu.Unlock()
	for _, v := range k.Values {
		f.remember(e, k, keyValue(k.Kind, v), id)
		if idx != nil {
			idx.mu.Lock()
			idx.ids[indexKey(k, keyValue(k.Kind, v))] = id
			idx.mu.Unlock()
		}
	}
}
