package mapping

import (
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// mapShared is what a Mapper shares with its copies (Rows copies it to set
// File and Sheet): a pool of scratch builds, so that Map allocates only
// what the Row keeps, and the cache of Row.Columns maps.
type mapShared struct {
	builds sync.Pool
	cols   colCache
}

// colPair is one Row.Columns entry of entity slot ent, as Map records it.
type colPair struct {
	ent      int
	key, col string
}

// maxColumnSets bounds the Row.Columns maps a Mapper keeps. A file has few
// sets of filled fields (which columns of a row are empty decides it), so
// rows share a handful of maps; past the bound every row gets its own.
const maxColumnSets = 256

// colCache hands out one read-only Row.Columns map per distinct list of
// column pairs. Lookups are lock-free: the table is copied on write.
type colCache struct {
	mu    sync.Mutex
	table atomic.Pointer[map[uint64][]*colSet]
	n     int
}

type colSet struct {
	pairs []colPair
	m     map[string]string
}

// get returns the map of pairs (later pairs win, as map assignments do),
// shared with every other row that recorded the same pairs in the same
// order. *last is tried first and set to the set found.
func (c *colCache) get(pairs []colPair, last **colSet) map[string]string {
	if s := *last; s != nil && equalPairs(s.pairs, pairs) {
		return s.m
	}
	h := hashPairs(pairs)
	if t := c.table.Load(); t != nil {
		for _, s := range (*t)[h] {
			if equalPairs(s.pairs, pairs) {
				*last = s
				return s.m
			}
		}
	}
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		m[p.key] = p.col
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.table.Load()
	if old != nil {
		for _, s := range (*old)[h] {
			if equalPairs(s.pairs, pairs) {
				*last = s
				return s.m // added meanwhile by another goroutine
			}
		}
	}
	if c.n >= maxColumnSets {
		return m
	}
	t := make(map[uint64][]*colSet, c.n+1)
	if old != nil {
		for k, v := range *old {
			t[k] = v
		}
	}
	s := &colSet{pairs: append([]colPair(nil), pairs...), m: m}
	t[h] = append(t[h][:len(t[h]):len(t[h])], s)
	c.n++
	c.table.Store(&t)
	*last = s
	return m
}

func equalPairs(a, b []colPair) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].key != b[i].key || a[i].col != b[i].col {
			return false
		}
	}
	return true
}

// hashPairs is a cheap hash of the keys and columns of pairs: their
// lengths and first and last bytes. equalPairs decides.
func hashPairs(pairs []colPair) uint64 {
	h := uint64(len(pairs))
	for _, p := range pairs {
		h = hashStr(h, p.key)
		h = hashStr(h, p.col)
	}
	return h
}

func hashStr(h uint64, s string) uint64 {
	const prime = 0x100000001b3
	h = (h ^ uint64(len(s))) * prime
	if n := len(s); n > 0 {
		h = (h ^ uint64(s[0]) ^ uint64(s[n/2])<<8 ^ uint64(s[n-1])<<16) * prime
		if n > 2 {
			h = (h ^ uint64(s[n-2]) ^ uint64(s[1])<<8) * prime
		}
	}
	return h
}

// embeddedTagsPath is the Row.Columns key of cleared tags, by slot.
var embeddedTagsPath = [numSlots]string{"leads:_embedded.tags", "contacts:_embedded.tags", "companies:_embedded.tags", "tasks:_embedded.tags"}

// valueKeys is how many "<custom field>.values.<k>" keys Compile prepares
// per custom field that several columns feed.
const valueKeys = 8

// valueKey returns the Row.Columns key of value k of the j-th custom field
// sent for the entity.
func (p *entPlan) valueKey(j, k int) string {
	if j < len(p.valKeys) && k < len(p.valKeys[j]) {
		return p.valKeys[j][k]
	}
	return p.cfKeys[j] + ".values." + strconv.Itoa(k)
}

// addTags appends tags to *dst, taking tags over when *dst is empty.
func addTags(dst *[]kommo.TagRef, tags []kommo.TagRef) {
	if *dst == nil {
		*dst = tags
		return
	}
	*dst = append(*dst, tags...)
}

// The methods below build the custom field values of a row in b.arena,
// one allocation for the row, with the same bytes as kommo.Text,
// kommo.Number, ... (see mapper_values.go). Every value is capped, so an
// append to one never writes into the next.

// take returns the bytes appended to the arena since start.
func (b *build) take(start int) json.RawMessage {
	return b.arena[start:len(b.arena):len(b.arena)]
}

// reserve makes room for n more bytes, starting a new arena when the
// current one is full (values handed out keep the old one alive).
func (b *build) reserve(n int) int {
	if cap(b.arena)-len(b.arena) < n {
		b.arena = make([]byte, 0, max(n, b.est))
		b.est = 64 // the row's estimate was short: grow by small chunks
	}
	return len(b.arena)
}

// jsonText returns s as a JSON string, as json.Marshal writes it.
func (b *build) jsonText(s string) json.RawMessage {
	if !plainJSON(s) {
		return jsonString(s)
	}
	start := b.reserve(len(s) + 2)
	b.arena = append(b.arena, '"')
	b.arena = append(b.arena, s...)
	b.arena = append(b.arena, '"')
	return b.take(start)
}

func (b *build) number(f float64) kommo.FieldValue {
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		var tmp [32]byte
		num := strconv.AppendFloat(tmp[:0], f, 'f', -1, 64)
		start := b.reserve(len(num))
		b.arena = append(b.arena, num...)
		return kommo.FieldValue{Value: b.take(start)}
	}
	return kommo.Number(f)
}

func (b *build) date(t time.Time) kommo.FieldValue {
	start := b.reserve(20)
	b.arena = strconv.AppendInt(b.arena, t.Unix(), 10)
	return kommo.FieldValue{Value: b.take(start)}
}

func (b *build) checkbox(x bool) kommo.FieldValue {
	start := b.reserve(5)
	b.arena = strconv.AppendBool(b.arena, x)
	return kommo.FieldValue{Value: b.take(start)}
}

// splitValues is SplitValues(v, sep) into b's scratch: the result is
// valid until the next call.
func (b *build) splitValues(v, sep string) []string {
	b.split = appendSplit(b.split[:0], v, sep)
	return b.split
}

// appendSplit appends SplitValues(s, sep) to dst. It has a fast path for
// ASCII values split on the default separators or on one ASCII byte.
func appendSplit(dst []string, s, sep string) []string {
	if len(sep) > 1 || len(sep) == 1 && (sep[0] == '\n' || sep[0] == '\r' || sep[0] >= utf8.RuneSelf) || !value.IsPlainASCII(s) {
		return append(dst, value.SplitValues(s, sep)...)
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			c := s[i]
			if c != '\n' && c != '\r' && (sep != "" || c != ';' && c != ',') && (sep == "" || c != sep[0]) {
				continue
			}
		}
		if p := collapseASCII(s[start:i]); p != "" {
			dst = append(dst, p)
		}
		start = i + 1
	}
	return dst
}

// collapseASCII is CollapseSpace for an ASCII s, without allocating when
// s only has white space to trim.
func collapseASCII(s string) string {
	i, j := 0, len(s)
	for i < j && isASCIISpace(s[i]) {
		i++
	}
	for j > i && isASCIISpace(s[j-1]) {
		j--
	}
	if t := s[i:j]; value.Collapsed(t) {
		return t
	}
	return value.CollapseSpace(s)
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
