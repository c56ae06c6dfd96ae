package migrate

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// A delta migration (Options.Delta) is for the consultant who migrates,
// lets the sales team work in Kommo for a while, and runs the migration
// again on the source's newer exports before switching the old CRM off.
// Each file is imported by bulk.ImportDelta with a state file of its own
// in DeltaOptions.Dir, so the second run sends only the rows whose source
// changed, writes a conflict instead of overwriting a field changed on
// both sides, and lists the rows gone from the source.

// DeltaOptions make a migration a delta run.
type DeltaOptions struct {
	// Dir holds one state file per migration file, named after its entity
	// ("contacts.delta.json"; a second file of the same entity is
	// "contacts-2.delta.json"): the files' names can change between
	// exports, their entities do not. The first run with a Dir writes
	// them; the next runs with the same Dir are deltas.
	Dir string
	// Policy, FieldPolicy and Gone are bulk.DeltaOptions'.
	Policy      bulk.ConflictPolicy
	FieldPolicy map[string]bulk.ConflictPolicy
	Gone        bulk.GoneAction
}

// FileDelta is what a delta run did with one file.
type FileDelta struct {
	State string `json:"state"`
	// First says the file had no state yet: every row was sent.
	First bool `json:"first,omitempty"`
	// Unchanged counts the rows unchanged since the last run (not sent);
	// Sent the rows sent.
	Unchanged int `json:"unchanged"`
	Sent      int `json:"sent"`
	Conflicts int `json:"conflicts"`
	// Gone counts the rows gone from the source since an earlier run;
	// GoneApplied the records DeltaOptions.Gone changed in this one.
	Gone        int `json:"gone"`
	GoneApplied int `json:"gone_applied,omitempty"`
}

// Conflict is a field changed both in a file's source and in Kommo since
// the last run.
type Conflict struct {
	File string `json:"file"`
	bulk.Conflict
}

// GoneRow is a row that disappeared from a file's source since an earlier
// run.
type GoneRow struct {
	File   string           `json:"file"`
	Entity kommo.EntityType `json:"entity"`
	Key    string           `json:"key"`
	ID     int              `json:"id,omitempty"`
}

// deltaRun is a migration's delta state: each file's state file and what
// it held before this run.
type deltaRun struct {
	path  map[*migFile]string
	state map[*migFile]*bulk.DeltaState
}

// checkDelta refuses what a delta migration cannot do.
func (m *migration) checkDelta() error {
	d := m.opts.Delta
	if d == nil {
		return nil
	}
	if d.Dir == "" {
		return errors.New("migrate: a delta run needs a state directory")
	}
	if m.opts.Sample > 0 {
		return errors.New("migrate: a sample run cannot be a delta run: it writes a part of the files")
	}
	if !m.opts.DryRun {
		for _, f := range m.files {
			if f.Journal == "" {
				return fmt.Errorf("migrate: %s: a delta run needs the file's journal", f.Name)
			}
		}
	}
	return nil
}

// loadDelta reads the files' delta states and gives the run the records
// their rows wrote before, so that a row left unchanged (not sent) still
// resolves the references of the rows that are.
func (m *migration) loadDelta() error {
	if m.opts.Delta == nil {
		return nil
	}
	m.delta = &deltaRun{path: map[*migFile]string{}, state: map[*migFile]*bulk.DeltaState{}}
	seen := map[kommo.EntityType]int{}
	for _, f := range m.files {
		seen[f.primary]++
		name := string(f.primary)
		if n := seen[f.primary]; n > 1 {
			name += "-" + strconv.Itoa(n)
		}
		path := filepath.Join(m.opts.Delta.Dir, name+".delta.json")
		st, err := bulk.ReadDeltaState(path)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		m.delta.path[f], m.delta.state[f] = path, st
		if m.keys[f.primary] == nil {
			m.keys[f.primary] = map[string]int{}
		}
		for k, rec := range st.Records {
			if rec.ID != 0 && !rec.Gone {
				m.keys[f.primary][k] = rec.ID
			}
		}
	}
	return nil
}

// deltaKnows reports whether the delta state of f has the row of key.
func (m *migration) deltaKnows(f *migFile, key string) bool {
	if m.delta == nil || key == "" {
		return false
	}
	rec := m.delta.state[f].Records[key]
	return rec != nil && rec.ID != 0
}

// needScan reports whether the run must read the account's records of e:
// always, unless a delta state knows every row of e's files and every key
// the files' rows refer to in e. The account is read for new rows (their
// duplicates in the account), for the tasks it has and for references to
// records no state holds; a delta run of an unchanged source needs none.
func (m *migration) needScan(e kommo.EntityType) bool {
	if m.delta == nil {
		return true
	}
	for _, f := range m.files {
		if f.primary == e {
			if f.Spec.Key == "" {
				return true
			}
			dup := duplicateLines(f)
			for k, line := range f.keys {
				if !m.deltaKnows(f, k) && !dup[line] {
					return true
				}
			}
		}
		for _, refs := range f.refs {
			for _, k := range splitRef(refs[e]) {
				if m.keys[e][k] == 0 {
					return true
				}
			}
		}
	}
	return false
}

// duplicateLines are the lines of f that share an e-mail, phone or name
// with an earlier line of f: written into that line's record (folded),
// they have no state of their own.
func duplicateLines(f *migFile) map[int]bool {
	lines := slices.Sorted(maps.Keys(f.dedupe))
	seen := map[string]bool{}
	out := map[int]bool{}
	for _, l := range lines {
		for _, d := range f.dedupe[l] {
			if seen[d] {
				out[l] = true
			}
			seen[d] = true
		}
	}
	return out
}

// importRows imports one file's rows: bulk.Import, or bulk.ImportDelta
// with the file's state in a delta run, whose counts, conflicts and gone
// rows go to the report. It returns the import's result (nil when a delta
// run sent nothing).
func (m *migration) importRows(ctx context.Context, f *migFile, items iter.Seq[bulk.Item], opts bulk.ImportOptions, fr *FileReport) (*bulk.Result, error) {
	if m.delta == nil {
		return bulk.Import(ctx, m.c, items, opts)
	}
	d := m.opts.Delta
	st := m.delta.state[f]
	// A cell may name several records (splitRef), as the import reads it.
	rep, err := bulk.ImportDelta(ctx, m.c, items, opts, bulk.DeltaOptions{State: m.delta.path[f], Policy: d.Policy, FieldPolicy: d.FieldPolicy, Gone: d.Gone,
		SplitRefs: splitRef})
	if rep == nil {
		return nil, err
	}
	fd := &FileDelta{State: m.delta.path[f], First: len(st.Records) == 0, Unchanged: rep.Skipped, Sent: rep.Sent,
		Conflicts: len(rep.Conflicts), Gone: len(rep.Gone), GoneApplied: rep.GoneApplied}
	fr.Delta = fd
	for _, c := range rep.Conflicts {
		m.rep.Conflicts = append(m.rep.Conflicts, Conflict{File: f.Name, Conflict: c})
	}
	for _, k := range rep.Gone {
		g := GoneRow{File: f.Name, Entity: f.primary, Key: k}
		if rec := st.Records[k]; rec != nil {
			g.ID = rec.ID
		}
		m.rep.Gone = append(m.rep.Gone, g)
	}
	return rep.Result, err
}

// deltaCounts adds to a file's counts, after the import's, the rows a
// delta run did not send: they are in Kommo since an earlier run (landed),
// and so are the duplicates folded into them (merged).
func (m *migration) deltaCounts(f *migFile, res *bulk.Result, fr *FileReport) {
	if fr.Delta == nil {
		return
	}
	fr.Landed += fr.Delta.Unchanged
	for _, l0 := range f.folded {
		if res != nil {
			if _, sent := res.Rows[l0]; sent {
				continue // counted with the import's result
			}
		}
		if _, left := f.skip[l0]; !left && m.deltaKnows(f, keyAt(f, l0)) {
			fr.Merged++
			fr.Landed++
		}
	}
}
