package migrate

import (
	"sort"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// sample picks the rows of a sample run: the first Sample rows of the last
// file, and the rows of the other files they refer to (and the tasks that
// refer to them).
func (m *migration) sample() {
	if len(m.files) == 0 {
		return
	}
	want := map[kommo.EntityType]map[string]bool{}
	mark := func(e kommo.EntityType, k string) {
		if want[e] == nil {
			want[e] = map[string]bool{}
		}
		for _, p := range splitRef(k) {
			want[e][p] = true
		}
	}
	top := m.files[len(m.files)-1]
	for i := len(m.files) - 1; i >= 0; i-- {
		if m.files[i].primary != kommo.EntityTasks {
			top = m.files[i]
			break
		}
	}
	for i := len(m.files) - 1; i >= 0; i-- {
		f := m.files[i]
		f.select_ = map[int]bool{}
		lines := sortedLines(f.keys)
		for _, l := range lines {
			key := keyAt(f, l)
			pick := f == top && len(f.select_) < m.opts.Sample
			if !pick && want[f.primary][key] {
				pick = true
			}
			if f.primary == kommo.EntityTasks {
				for e, k := range f.refs[l] {
					for _, p := range splitRef(k) {
						if want[e][p] {
							pick = true
						}
					}
				}
			}
			if !pick {
				continue
			}
			f.select_[l] = true
			mark(f.primary, key)
			for e, k := range f.refs[l] {
				mark(e, k)
			}
		}
		// Rows without a key are only migrated by full runs.
	}
	// Tasks come after their deals: pick them once the others are known.
	for _, f := range m.files {
		if f.primary != kommo.EntityTasks {
			continue
		}
		for l, refs := range f.refs {
			for e, k := range refs {
				for _, p := range splitRef(k) {
					if want[e][p] {
						f.select_[l] = true
					}
				}
			}
		}
	}
}

func sortedLines(keys map[string]int) []int {
	out := make([]int, 0, len(keys))
	for _, l := range keys {
		out = append(out, l)
	}
	sort.Ints(out)
	return out
}

// keyAt is the key of the row at line: "" if it has none or repeats the
// key of an earlier row. It reverses f.keys (complete once validate has
// read the file) on first use, so a lookup costs the same at any size.
func keyAt(f *migFile, line int) string {
	if f.keyOf == nil {
		f.keyOf = make(map[int]string, len(f.keys))
		for k, l := range f.keys {
			f.keyOf[l] = k
		}
	}
	return f.keyOf[line]
}

// splitRef splits a cell of several related ids ("101;102", "101, 102").
func splitRef(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
