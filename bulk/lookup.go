package bulk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kommo-bulk/kommo-bulk/internal/atomicfile"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// matchValues returns the normalised values of kind found in a record, in
// the same form the mapping layer gives a row's MatchKey values.
func matchValues(v *View, k mapping.MatchKey) []string {
	var out []string
	switch k.Kind {
	case mapping.MatchEmail:
		if f, ok := v.CFV.Field(0, kommo.CodeEmail); ok {
			for _, s := range f.Strings() {
				out = append(out, EmailKey(s))
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
		out = append(out, value.Normalize(v.displayName()))
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
		return EmailKey(s)
	case mapping.MatchName:
		return value.Normalize(s)
	}
	return strings.TrimSpace(s)
}

// EmailKey is the form an e-mail is matched in: trimmed, lower case.
func EmailKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

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

// scanKey is the key of a match value in a scan index: a hash of its
// indexKey (128 bits of SHA-256), so that the scan cache on disk holds no
// e-mail, phone or name.
func scanKey(k mapping.MatchKey, value string) string {
	h := sha256.Sum256([]byte(indexKey(k, value)))
	return hex.EncodeToString(h[:16])
}

// finder finds existing records by match key, per entity type, with one
// query per key or one scan of the entity list into an index. Answers are
// cached, so a key is never looked up twice. Safe for concurrent use.
type finder struct {
	c        *kommo.Client
	strategy LookupStrategy
	expected int
	cacheDir string           // ImportOptions.ScanCache
	now      func() time.Time // the import's clock

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
	delta bool // filled from the scan cache and the changes since

	mu  sync.RWMutex
	ids map[string]int // scanKey → lowest id
}

func newFinder(c *kommo.Client, s LookupStrategy, expected int, cacheDir string, now func() time.Time) *finder {
	if now == nil {
		now = time.Now
	}
	return &finder{c: c, strategy: s, expected: expected, cacheDir: cacheDir, now: now, chosen: map[kommo.EntityType]LookupStrategy{},
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
				if id := idx.ids[scanKey(k, keyValue(k.Kind, v))]; id != 0 {
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
	for v, err := range ListViews(ctx, f.c, e, kommo.EntityFilters{Query: queryText(k.Kind, value)}, 50) {
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
	idx.once.Do(func() { idx.err = f.fill(ctx, e, idx) })
	return idx, idx.err
}

// ScanCacheMaxAge is how old a scan cache (ImportOptions.ScanCache) may be
// and still be brought up to date by reading the changes since, rather
// than the whole list again. A record deleted since is not seen: the row
// that matches it fails when its update finds the record gone.
const ScanCacheMaxAge = time.Hour

// scanCache is a scan index on disk: every record's updated_at and the
// hashes of its match values, as read at At (unix seconds, the importer's
// clock, taken before the read began).
type scanCache struct {
	At      int64                `json:"at"`
	Records map[int]cachedRecord `json:"records"`
}

type cachedRecord struct {
	UpdatedAt int64    `json:"u"`
	Keys      []string `json:"k"`
}

// fill reads an entity type's records into idx: all of them, or, from a
// scan cache younger than ScanCacheMaxAge, only those changed since it was
// read, asked for with filter[updated_at] and If-Modified-Since from that
// time (less the clock skew allowance), merged into the cached ones. Kommo
// recommends If-Modified-Since for lists read again; how it answers is not
// documented, and the updated_at filter gives the same changes either way
// (a 304 or 204 is "none"). The cache is then written back.
func (f *finder) fill(ctx context.Context, e kommo.EntityType, idx *scanIndex) error {
	start := f.now().Unix()
	path := f.cachePath(e, idx.kinds)
	recs := map[int]cachedRecord{}
	filter := kommo.EntityFilters{}
	lo := kommo.ListOptions{Limit: kommo.MaxLimit}
	if c, ok := loadScanCache(path); ok && c.At <= start && start-c.At < int64(ScanCacheMaxAge/time.Second) {
		recs = c.Records
		since := c.At - clockSkew
		filter.UpdatedAt = &kommo.Range{From: since}
		lo.IfModifiedSince = time.Unix(since, 0)
		idx.delta = true
	}
	for v, err := range listViewsOpts(ctx, f.c, e, filter, lo) {
		if err != nil {
			return err
		}
		recs[v.ID] = cachedRecord{UpdatedAt: v.UpdatedAt, Keys: idx.keysOf(v)}
	}
	idx.mu.Lock()
	for id, r := range recs {
		for _, key := range r.Keys {
			if old := idx.ids[key]; old == 0 || id < old {
				idx.ids[key] = id
			}
		}
	}
	idx.mu.Unlock()
	if path != "" {
		saveScanCache(path, &scanCache{At: start, Records: recs}) // a cache: a failed write costs a full read next time
	}
	return nil
}

// clockSkew is the allowance for the clocks of this host and Kommo's
// when reading records by the time they were created or changed.
const clockSkew = 120

// keysOf returns the scan keys of a record's match values.
func (idx *scanIndex) keysOf(v *View) []string {
	var out []string
	for _, k := range idx.kinds {
		for _, val := range matchValues(v, k) {
			out = append(out, scanKey(k, val))
		}
	}
	return out
}

// cachePath is the scan cache file of an entity type and match kinds on
// the client's account, "" without ImportOptions.ScanCache.
func (f *finder) cachePath(e kommo.EntityType, kinds []mapping.MatchKey) string {
	if f.cacheDir == "" {
		return ""
	}
	id := f.c.BaseURL() + "|" + string(e)
	for _, k := range kinds {
		id += "|" + string(k.Kind) + ":" + strconv.Itoa(k.FieldID)
	}
	h := sha256.Sum256([]byte(id))
	return filepath.Join(f.cacheDir, string(e)+"-"+hex.EncodeToString(h[:8])+".json")
}

func loadScanCache(path string) (*scanCache, bool) {
	if path == "" {
		return nil, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var c scanCache
	if json.Unmarshal(b, &c) != nil || c.At == 0 || c.Records == nil {
		return nil, false
	}
	return &c, true
}

// saveScanCache replaces the cache file atomically, readable by its owner
// only.
func saveScanCache(path string, c *scanCache) {
	if b, err := json.Marshal(c); err == nil {
		atomicfile.WriteFile(path, b, 0o700) // a cache: a failed write only costs a scan
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
			idx.ids[scanKey(k, keyValue(k.Kind, v))] = id
			idx.mu.Unlock()
		}
	}
}
