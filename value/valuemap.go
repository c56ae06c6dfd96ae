package value

import (
	"fmt"
	"sort"
	"strings"
)

// ValueMap maps source values to target values, for example a status
// column's "Hot", "Warm", "Cold" to pipeline stage names. Keys match after
// [Normalize], so case, accents, punctuation and extra spaces do not matter.
//
// A ValueMap is immutable once built and safe for concurrent use. Build
// one with [NewValueMap]; the zero ValueMap maps nothing and, having no
// default, rejects every value.
type ValueMap struct {
	entries map[string]string // Normalize(key) → target
	keys    []string          // source keys as written, sorted, for hints
	def     string
	hasDef  bool
}

// NewValueMap builds a ValueMap from source → target pairs. It fails when
// two source keys normalise to the same key but map to different targets
// ("Hot" → A and "hot " → B), or when a key normalises to nothing.
func NewValueMap(pairs map[string]string) (*ValueMap, error) {
	m := &ValueMap{entries: make(map[string]string, len(pairs))}
	keys := make([]string, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	from := make(map[string]string, len(pairs))
	for _, k := range keys {
		nk := Normalize(k)
		if nk == "" && strings.TrimSpace(k) != "" {
			return nil, fmt.Errorf("value map key %q has no letters or digits", k)
		}
		if prev, ok := m.entries[nk]; ok && prev != pairs[k] {
			return nil, fmt.Errorf("value map keys %q and %q are the same after normalisation but map to %q and %q", from[nk], k, prev, pairs[k])
		}
		m.entries[nk] = pairs[k]
		from[nk] = k
	}
	m.keys = keys
	return m, nil
}

// WithDefault returns a copy of m that maps values it does not know to
// target instead of failing. m itself is unchanged.
func (m *ValueMap) WithDefault(target string) *ValueMap {
	c := *m
	c.def, c.hasDef = target, true
	return &c
}

// Lookup returns the target of s. A value m does not know gives the
// default if there is one, and otherwise an [*UnknownValueError] naming the
// closest known keys.
func (m *ValueMap) Lookup(s string) (string, error) {
	if t, ok := m.entries[Normalize(s)]; ok {
		return t, nil
	}
	if m.hasDef {
		return m.def, nil
	}
	return "", &UnknownValueError{Value: s, Closest: Closest(s, m.keys, 3)}
}

// Keys returns the source keys of m as they were given, sorted.
func (m *ValueMap) Keys() []string {
	return append([]string(nil), m.keys...)
}

// UnknownValueError reports a value that a [ValueMap] (or a name → id
// lookup) does not know, with the closest known values as hints.
type UnknownValueError struct {
	Value   string   // the value as found in the file
	Closest []string // up to three known values, closest first; may be empty
}

// Error returns `unknown value "Hto"; did you mean "Hot"?`.
func (e *UnknownValueError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown value %q", e.Value)
	switch len(e.Closest) {
	case 0:
	case 1:
		fmt.Fprintf(&b, "; did you mean %q?", e.Closest[0])
	default:
		b.WriteString("; did you mean ")
		for i, c := range e.Closest {
			if i > 0 {
				b.WriteString(", ")
				if i == len(e.Closest)-1 {
					b.WriteString("or ")
				}
			}
			fmt.Fprintf(&b, "%q", c)
		}
		b.WriteByte('?')
	}
	return b.String()
}
