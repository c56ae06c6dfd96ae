package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// owners resolves every owner value of every file: by the Users table,
// then by the account's user names and e-mails. The columns get a value
// map to the user ids.
func (m *migration) owners() {
	seen := map[string]bool{}
	for _, f := range m.files {
		for i, c := range f.Spec.Columns {
			if mapping.StandardField(c.Field) != "responsible_user" {
				continue
			}
			vm := m.userMap(f.Name, c.Column, c.Map, f.values[c.Column], seen)
			f.Spec.Columns[i].Map = vm
		}
	}
	sort.Slice(m.rep.Owners, func(i, j int) bool { return m.rep.Owners[i].Value < m.rep.Owners[j].Value })
}

// userMap matches the distinct owners or authors of a column (vals: the
// value's rows) to users: through the spec's own map, the users table,
// then the account's names; it returns the column's map to user ids.
// Names that match nothing are added to the report's unmatched values;
// those matched are listed once (seen) in the report's owners.
func (m *migration) userMap(file, column string, own map[string]string, vals map[string]int, seen map[string]bool) map[string]string {
	vm := map[string]string{}
	for _, v := range slices.Sorted(maps.Keys(vals)) {
		src := v
		if t, ok := lookupTable(own, v); ok {
			src = t
		}
		to, by := src, "name"
		if t, ok := lookupTable(m.opts.Users, src); ok {
			to, by = t, "table"
		}
		id, err := m.res.User(to)
		if err != nil {
			u := Unmatched{File: file, Column: column, Kind: "user", Value: v, Rows: vals[v]}
			var ne *mapping.NameError
			if errors.As(err, &ne) {
				u.Closest = ne.Closest
			}
			if errors.Is(err, mapping.ErrUsersHidden) {
				u.Reason = mapping.ErrUsersHidden.Error()
			} else if len(u.Closest) == 0 {
				u.Closest = value.Closest(to, m.res.Users(), 3)
			}
			m.addUnmatched(u)
			continue
		}
		vm[v] = strconv.Itoa(id)
		if !seen[v] {
			seen[v] = true
			m.rep.Owners = append(m.rep.Owners, ValueMatch{Value: v, To: m.userName(id), By: by})
		}
	}
	return vm
}

func (m *migration) userName(id int) string {
	for _, u := range m.schema.Users {
		if u.ID == id {
			return u.Name
		}
	}
	return strconv.Itoa(id)
}

// lookupTable finds v in a table whose keys compare after Normalize (or
// lower-cased, for e-mails and ids).
func lookupTable(t map[string]string, v string) (string, bool) {
	if len(t) == 0 {
		return "", false
	}
	if to, ok := t[v]; ok {
		return to, true
	}
	nv := value.Normalize(v)
	for k, to := range t {
		if value.Normalize(k) == nv && nv != "" || strings.EqualFold(strings.TrimSpace(k), strings.TrimSpace(v)) {
			return to, true
		}
	}
	return "", false
}

// Outcome words of exports that keep a deal's status apart from its stage
// (Pipedrive's "Deal - Status"): won and lost are 142 and 143, open means
// "look at the stage".
var (
	outcomeWon  = []string{"won", "vyhraný", "vyhráno", "gewonnen", "ganado", "ganho", "выиграна", "успешно"}
	outcomeLost = []string{"lost", "prohraný", "prohráno", "verloren", "perdido", "проиграна", "провалена"}
	outcomeOpen = []string{"open", "otevřený", "otevřeno", "offen", "abierto", "aberto", "открыта", "в работе", "deleted", "smazaný"}
)

func isOneOf(v string, list []string) bool {
	n := value.Normalize(v)
	for _, w := range list {
		if value.Normalize(w) == n {
			return true
		}
	}
	return false
}

// stages resolves the (pipeline, stage) tuples of every leads file and
// replaces its stage columns with two joins mapped to the ids.
func (m *migration) stages() {
	seen := map[string]bool{}
	for _, f := range m.files {
		p := f.stage
		if p == nil {
			continue
		}
		pm, sm := map[string]string{}, map[string]string{}
		keys := make([]string, 0, len(f.tuples))
		for k := range f.tuples {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			tp := f.tuples[k]
			pid, sid, by, u := m.resolveStage(p.mapped(tp))
			if u != nil {
				u.File, u.Rows = f.Name, tp.rows
				for ; u != nil; u = u.also {
					u.File, u.Rows = f.Name, tp.rows
					if u.Kind == "pipeline" && p.pipelineCol != "" {
						u.Column = p.pipelineCol
					} else {
						u.Column = strings.Join(p.cols, " + ")
					}
					m.addUnmatched(*u)
				}
				continue
			}
			pm[k], sm[k] = "", ""
			if pid != 0 {
				pm[k] = strconv.Itoa(pid)
			}
			if sid != 0 {
				sm[k] = strconv.Itoa(sid)
			}
			if !seen[k] {
				seen[k] = true
				m.rep.Stages = append(m.rep.Stages, ValueMatch{Value: k, To: m.stageName(pid, sid), By: by})
			}
		}
		s := f.Spec
		var cols []mapping.ColumnSpec
		for i, c := range s.Columns {
			if !slices.Contains(p.removeCols, i) {
				cols = append(cols, c)
			}
		}
		var joins []mapping.JoinSpec
		for i, j := range s.Join {
			if !slices.Contains(p.removeJoins, i) {
				joins = append(joins, j)
			}
		}
		src := p.columns()
		if p.pipelineConst == "" {
			joins = append(joins, mapping.JoinSpec{Columns: src, Separator: " | ", Target: mapping.Target{Field: "pipeline", Map: pm}})
		}
		joins = append(joins, mapping.JoinSpec{Columns: src, Separator: " | ", Target: mapping.Target{Field: "status", Map: sm}})
		s.Columns, s.Join = cols, joins
	}
}

// addUnmatched records a value that matches nothing, once per file,
// column, kind and value.
func (m *migration) addUnmatched(u Unmatched) {
	for i, have := range m.rep.Unmatched {
		if have.File == u.File && have.Column == u.Column && have.Kind == u.Kind && have.Value == u.Value {
			m.rep.Unmatched[i].Rows += u.Rows
			return
		}
	}
	u.also = nil
	m.rep.Unmatched = append(m.rep.Unmatched, u)
}

// stageName names a pipeline's stage for the report.
func (m *migration) stageName(pid, sid int) string {
	if pid == 0 && sid == 0 {
		return "(none)"
	}
	for _, p := range m.schema.Pipelines {
		if p.ID != pid {
			continue
		}
		for _, st := range p.Statuses() {
			if st.ID == sid {
				return p.Name + " / " + st.Name
			}
		}
		if sid == 0 {
			return p.Name
		}
		return p.Name + " / " + strconv.Itoa(sid)
	}
	return fmt.Sprintf("%d / %d", pid, sid)
}

// resolveStage finds the pipeline and status of one tuple: the Stages
// table first, then the names in the account; an outcome column's won or
// lost wins over the stage.
func (m *migration) resolveStage(tp *stageTuple) (pid, sid int, by string, u *Unmatched) {
	if tp.pipeline != "" {
		to, pby := tp.pipeline, "name"
		if t, ok := lookupTable(m.opts.Pipelines, tp.pipeline); ok {
			to, pby = t, "table"
		}
		id, err := m.res.Pipeline(to)
		if err != nil {
			pu := &Unmatched{Kind: "pipeline", Value: tp.pipeline}
			var ne *mapping.NameError
			if errors.As(err, &ne) {
				pu.Closest = ne.Closest
			}
			// Report the stage too, when it matches nothing anywhere.
			notp := *tp
			notp.pipeline = ""
			if _, _, _, su := m.resolveStage(&notp); su != nil {
				pu.also = su
			}
			return 0, 0, "", pu
		}
		pid, by = id, pby
	}
	var lastErr error
	var last string
	for _, c := range tp.cells {
		if c == "" {
			continue
		}
		target, tby := c, "name"
		if t, ok := lookupTable(m.opts.Stages, tp.pipeline+"/"+c); ok && tp.pipeline != "" {
			target, tby = t, "table"
		} else if t, ok := lookupTable(m.opts.Stages, c); ok {
			target, tby = t, "table"
		} else if isOneOf(c, outcomeOpen) {
			continue
		} else if isOneOf(c, outcomeWon) {
			target = "won"
		} else if isOneOf(c, outcomeLost) {
			target = "lost"
		}
		p2, s2, err := m.stageTarget(target, pid)
		if err == nil {
			if tby == "table" || by == "" {
				by = tby
			}
			return p2, s2, by, nil
		}
		lastErr, last = err, c
		if tby == "table" {
			break
		}
	}
	if lastErr == nil {
		return pid, 0, by, nil // only "open": the pipeline's first stage
	}
	u = &Unmatched{Kind: "stage", Value: last}
	var ne *mapping.NameError
	if errors.As(lastErr, &ne) {
		u.Closest = ne.Closest
		if ne.Kind == "pipeline" {
			u.Kind = "pipeline"
		}
	}
	if len(u.Closest) == 0 {
		u.Closest = value.Closest(last, m.res.Stages(pid), 3)
	}
	return 0, 0, "", u
}

// stageTarget resolves a stage as written in the Stages table or the
// file: "Stage", "Pipeline/Stage", won, lost or a status id.
func (m *migration) stageTarget(s string, pid int) (int, int, error) {
	if i := strings.Index(s, "/"); i > 0 {
		if p, err := m.res.Pipeline(strings.TrimSpace(s[:i])); err == nil {
			return m.res.Stage(strings.TrimSpace(s[i+1:]), p)
		}
	}
	return m.res.Stage(s, pid)
}

// UnmatchedNames collects the names a file's rows hold that match nothing
// in the account (owners, pipelines, stages, options, task types, ...)
// from the rows' errors: each once per column, kind and value, with its
// rows and the closest names. Migrate and an import stop on them before
// writing, so that one unmatched name never fails its rows one by one.
type UnmatchedNames struct {
	file     string
	resolved map[string]bool // kinds matched value by value before
	byKey    map[[3]string]*Unmatched
	order    [][3]string
}

// NewUnmatchedNames collects the unmatched names of file. The kinds of
// the values in before (found when owners and stages were matched value
// by value: MatchNames) are left out: their rows fail for them again,
// and they are reported already.
func NewUnmatchedNames(file string, before []Unmatched) *UnmatchedNames {
	u := &UnmatchedNames{file: file, resolved: map[string]bool{}, byKey: map[[3]string]*Unmatched{}}
	for _, b := range before {
		if b.File == file {
			u.resolved[b.Kind] = true
		}
	}
	if u.resolved["pipeline"] || u.resolved["stage"] {
		u.resolved["pipeline"], u.resolved["stage"] = true, true
	}
	return u
}

// Add counts the names of one row's errors that match nothing; it
// reports whether there were any.
func (u *UnmatchedNames) Add(errs []*sheet.RowError) bool {
	found := false
	for _, e := range errs {
		var ne *mapping.NameError
		if !errors.As(e, &ne) || u.resolved[ne.Kind] {
			continue
		}
		found = true
		k := [3]string{e.Column, ne.Kind, ne.Name}
		if have := u.byKey[k]; have != nil {
			have.Rows++
			continue
		}
		un := &Unmatched{File: u.file, Column: e.Column, Kind: ne.Kind, Value: ne.Name, Rows: 1, Closest: ne.Closest}
		if len(ne.Ambiguous) > 0 {
			un.Closest = ne.Ambiguous
		}
		u.byKey[k] = un
		u.order = append(u.order, k)
	}
	return found
}

// Values are the names collected, in the order they were first met.
func (u *UnmatchedNames) Values() []Unmatched {
	out := make([]Unmatched, 0, len(u.order))
	for _, k := range u.order {
		out = append(out, *u.byKey[k])
	}
	return out
}

// NameTables map the source values that match nothing by name to Kommo's
// (Options' Users, Pipelines and Stages).
type NameTables struct {
	Users, Pipelines, Stages map[string]string
}

// NameMatch is how MatchNames matched a file's names.
type NameMatch struct {
	// Spec is the file's spec with its owner columns mapped to user ids
	// and its stage columns to pipeline and stage ids (a copy: the spec
	// given is left alone).
	Spec *mapping.Spec
	// Owners and Stages are how each source value was matched.
	Owners, Stages []ValueMatch
	// Unmatched are the values that match nothing; with any, MatchNames
	// returns an *UnmatchedError too.
	Unmatched []Unmatched
}

// MatchNames matches the owners, pipelines and stages of one file to the
// account's as Migrate does, before anything is written: every distinct
// value once, by the tables first, then by name (an outcome column's won
// and lost included). Values that match nothing are returned all at once,
// with their rows and the closest names, in an *UnmatchedError (with the
// NameMatch); rows then never fail one by one for them. The other names
// (options, task types) are left to the rows' errors: UnmatchedNames
// collects them. Reading stops at a limit or when ctx is done.
func MatchNames(ctx context.Context, schema *mapping.Schema, file File, tables NameTables) (*NameMatch, error) {
	spec, err := cloneSpec(file.Spec)
	if err != nil {
		return nil, err
	}
	file.Spec = spec
	m := &migration{opts: Options{Users: tables.Users, Pipelines: tables.Pipelines, Stages: tables.Stages},
		schema: schema, res: mapping.NewResolver(schema), rep: &Report{}}
	f := &migFile{File: file, primary: spec.Entity}
	m.files = []*migFile{f}
	if err := m.prepass(ctx, f); err != nil {
		return nil, err
	}
	m.owners()
	m.stages()
	nm := &NameMatch{Spec: spec, Owners: m.rep.Owners, Stages: m.rep.Stages, Unmatched: m.rep.Unmatched}
	if len(nm.Unmatched) > 0 {
		return nm, &UnmatchedError{Values: nm.Unmatched}
	}
	return nm, nil
}

// cloneSpec is a deep copy of s.
func cloneSpec(s *mapping.Spec) (*mapping.Spec, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	out := &mapping.Spec{}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	return out, nil
}
