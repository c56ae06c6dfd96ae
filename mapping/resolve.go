package mapping

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// A NameError reports a name that matches nothing in the account's schema,
// or more than one thing, with the closest known names as hints.
type NameError struct {
	Kind      string   // what was looked for: "stage", "pipeline", "user", "field", "option", ...
	Name      string   // the name as written
	Scope     string   // where it was looked for, e.g. `pipeline "Sales"`; may be empty
	Closest   []string // up to three known names, closest first
	Ambiguous []string // when several things have the name: how to tell them apart
}

// Error reads like `unknown stage "Negotation" in pipeline "Sales"; did you
// mean "Negotiation"?` or `user "Ana" is ambiguous: "Ana" <a@x.io> (id 3), ...`.
func (e *NameError) Error() string {
	var b strings.Builder
	if len(e.Ambiguous) > 0 {
		fmt.Fprintf(&b, "%s %q is ambiguous", e.Kind, e.Name)
		if e.Scope != "" {
			b.WriteString(" in " + e.Scope)
		}
		b.WriteString(": " + strings.Join(e.Ambiguous, ", ") + "; use the id")
		return b.String()
	}
	fmt.Fprintf(&b, "unknown %s %q", e.Kind, e.Name)
	if e.Scope != "" {
		b.WriteString(" in " + e.Scope)
	}
	b.WriteString(DidYouMean(e.Name, e.Closest))
	return b.String()
}

// Code names the cause for RowError.Code: "name_ambiguous" when several
// things have the name, else "name_unknown".
func (e *NameError) Code() string {
	if len(e.Ambiguous) > 0 {
		return "name_ambiguous"
	}
	return "name_unknown"
}

// ReasonCode is the kind of thing looked for ("stage", "user", ...), for
// RowError.Reason.
func (e *NameError) ReasonCode() string { return e.Kind }

// names is a name → id table that is looked up by Normalize key, with the
// names as written kept for hints.
type names struct {
	kind  string
	ids   map[string][]int // value.Normalize(name) (or a lower-cased email, or an id) → ids
	known []string         // names as written, for value.Closest
	desc  map[int]string   // id → description for ambiguity errors
	exact map[string]int   // name as written → id, or -1 when several have it
	// hidden says the names could not be read (an account's user list is
	// admin-only): lookup takes any positive number as an id, unchecked,
	// and fails every name with ErrUsersHidden.
	hidden bool
}

func newNames(kind string) *names {
	return &names{kind: kind, ids: map[string][]int{}, desc: map[int]string{}, exact: map[string]int{}}
}

// add registers key (already normalised) for id, once.
func (n *names) add(key string, id int) {
	if key == "" {
		return
	}
	for _, have := range n.ids[key] {
		if have == id {
			return
		}
	}
	n.ids[key] = append(n.ids[key], id)
}

// addName registers a display name for id.
func (n *names) addName(name string, id int) {
	n.add(value.Normalize(name), id)
	n.known = append(n.known, name)
	if prev, ok := n.exact[name]; ok && prev != id {
		n.exact[name] = -1
	} else {
		n.exact[name] = id
	}
}

// done marks exact names whose normalised key is ambiguous, so that
// lookup reports the ambiguity; call it once all names are added.
func (n *names) done() *names {
	for name := range n.exact {
		if len(n.ids[value.Normalize(name)]) != 1 {
			n.exact[name] = -1
		}
	}
	return n
}

// lookup finds s by normalised name, then as a numeric id when the id is
// known.
func (n *names) lookup(s, scope string) (int, error) {
	if n.hidden {
		if id, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && id > 0 {
			return id, nil
		}
		return 0, fmt.Errorf("%s %q cannot be matched: %w", n.kind, s, ErrUsersHidden)
	}
	if id := n.exact[s]; id > 0 {
		return id, nil
	}
	ids := n.ids[value.Normalize(s)]
	if len(ids) == 1 {
		return ids[0], nil
	}
	if len(ids) > 1 {
		amb := make([]string, len(ids))
		for i, id := range ids {
			amb[i] = n.desc[id]
			if amb[i] == "" {
				amb[i] = "id " + strconv.Itoa(id)
			}
		}
		return 0, &NameError{Kind: n.kind, Name: s, Scope: scope, Ambiguous: amb}
	}
	if id, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		if _, ok := n.desc[id]; ok {
			return id, nil
		}
	}
	return 0, &NameError{Kind: n.kind, Name: s, Scope: scope, Closest: value.Closest(s, n.known, 3)}
}

// Stage names that mean "won" (142) and "lost" (143) in every pipeline, in
// the languages of Kommo's interface; a pipeline's own stage names come
// first.
var (
	wonNames = []string{"won", "closed won", "closed - won", "success", "successful", "successfully realized",
		"успешно", "успешно реализовано", "реализовано", "выиграно", "выиграна", "успех",
		"ganado", "ganada", "venta ganada", "logrado con exito", "exito", "cerrado ganado",
		"ganho", "ganha", "venda ganha", "fechado ganho", "sucesso",
		"gewonnen", "erfolgreich", "vyhrano", "uspesne realizovano", "uspech", "wygrana", "sukces"}
	lostNames = []string{"lost", "closed lost", "closed - lost", "closed and not realized", "not realized", "unrealized",
		"закрыто и не реализовано", "не реализовано", "проиграно", "проиграна", "отказ", "потеряно",
		"perdido", "perdida", "venta perdida", "cerrado perdido",
		"venda perdida", "fechado perdido", "perdeu",
		"verloren", "prohrano", "nerealizovano", "przegrana", "utracona"}
)

// pipelineIndex resolves stage names within one pipeline.
type pipelineIndex struct {
	id     int
	name   string
	stages *names
}

// index is a Schema prepared for lookups by name, built once by Compile.
type index struct {
	users     *names
	pipelines *names
	byID      map[int]*pipelineIndex
	main      *pipelineIndex
	allStages map[string][]stageRef // value.Normalize(stage name) → stages in any pipeline
	stageList []string
	taskTypes *names
	fields    map[kommo.EntityType]*fieldIndex
}

type stageRef struct{ pipeline, status int }

// fieldIndex resolves custom field ids, codes and names of one entity.
type fieldIndex struct {
	byID   map[int]*kommo.CustomField
	byCode map[string]*kommo.CustomField // upper-cased code
	byName map[string][]*kommo.CustomField
	known  []string
}

func newIndex(s *Schema) *index {
	if s == nil {
		s = &Schema{}
	}
	ix := &index{
		users:     newNames("user"),
		pipelines: newNames("pipeline"),
		byID:      map[int]*pipelineIndex{},
		allStages: map[string][]stageRef{},
		taskTypes: newNames("task type"),
		fields:    map[kommo.EntityType]*fieldIndex{},
	}
	ix.users.hidden = s.UsersHidden
	for _, u := range s.Users {
		if u == nil {
			continue
		}
		ix.users.addName(u.Name, u.ID)
		if u.Email != "" {
			ix.users.add(strings.ToLower(strings.TrimSpace(u.Email)), u.ID)
			ix.users.add(value.Normalize(u.Email), u.ID)
			ix.users.known = append(ix.users.known, u.Email)
		}
		ix.users.desc[u.ID] = fmt.Sprintf("%q <%s> (id %d)", u.Name, u.Email, u.ID)
	}
	mainSet := false
	for _, p := range s.Pipelines {
		if p == nil {
			continue
		}
		pi := &pipelineIndex{id: p.ID, name: p.Name, stages: newNames("stage")}
		ix.pipelines.addName(p.Name, p.ID)
		ix.pipelines.desc[p.ID] = fmt.Sprintf("%q (id %d)", p.Name, p.ID)
		ix.byID[p.ID] = pi
		if p.IsMain && (ix.main == nil || !mainSet) || ix.main == nil {
			ix.main, mainSet = pi, p.IsMain
		}
		for _, st := range p.Statuses() {
			if st == nil {
				continue
			}
			pi.stages.addName(st.Name, st.ID)
			pi.stages.desc[st.ID] = fmt.Sprintf("%q (id %d)", st.Name, st.ID)
			k := value.Normalize(st.Name)
			ix.allStages[k] = append(ix.allStages[k], stageRef{p.ID, st.ID})
			ix.stageList = append(ix.stageList, st.Name)
		}
		// Won and lost exist in every pipeline, whatever they are called.
		for id, aliases := range map[int][]string{kommo.StatusWon: wonNames, kommo.StatusLost: lostNames} {
			pi.stages.desc[id] = fmt.Sprintf("id %d", id)
			for _, a := range aliases {
				if k := value.Normalize(a); len(pi.stages.ids[k]) == 0 {
					pi.stages.add(k, id)
				}
			}
		}
	}
	for _, t := range s.TaskTypes {
		ix.taskTypes.addName(t.Name, t.ID)
		if t.Code != "" {
			ix.taskTypes.add(value.Normalize(t.Code), t.ID)
		}
		ix.taskTypes.desc[t.ID] = fmt.Sprintf("%q (id %d)", t.Name, t.ID)
	}
	// The two task types every account has, in case the schema omits them.
	for id, aliases := range map[int][]string{
		kommo.TaskTypeFollowUp: {"follow-up", "follow up", "call", "звонок", "связаться", "llamada", "seguimiento", "ligação", "anruf"},
		kommo.TaskTypeMeeting:  {"meeting", "встреча", "reunion", "reunião", "treffen", "schůzka"},
	} {
		if _, ok := ix.taskTypes.desc[id]; !ok {
			ix.taskTypes.desc[id] = fmt.Sprintf("%q (id %d)", aliases[0], id)
			ix.taskTypes.known = append(ix.taskTypes.known, aliases[0])
		}
		for _, a := range aliases {
			if k := value.Normalize(a); len(ix.taskTypes.ids[k]) == 0 {
				ix.taskTypes.add(k, id)
			}
		}
	}
	for e, fs := range s.Fields {
		fi := &fieldIndex{byID: map[int]*kommo.CustomField{}, byCode: map[string]*kommo.CustomField{}, byName: map[string][]*kommo.CustomField{}}
		for _, f := range fs {
			if f == nil {
				continue
			}
			fi.byID[f.ID] = f
			if f.Code != "" {
				fi.byCode[strings.ToUpper(f.Code)] = f
				if value.Normalize(f.Code) != value.Normalize(f.Name) {
					fi.known = append(fi.known, f.Code)
				}
			}
			k := value.Normalize(f.Name)
			fi.byName[k] = append(fi.byName[k], f)
			fi.known = append(fi.known, f.Name)
		}
		ix.fields[e] = fi
	}
	sort.Strings(ix.stageList)
	ix.users.done()
	ix.pipelines.done()
	ix.taskTypes.done()
	for _, p := range ix.byID {
		p.stages.done()
	}
	return ix
}

// stage resolves a stage name or id. With pipeline 0, the stage is looked
// up in the main pipeline first and then must be unique among the others;
// the pipeline it was found in is returned. A value that is no stage's
// name may name its pipeline too, "Pipeline / Stage" (as a template's
// dropdown lists them; the pipeline must be the row's, when it has one).
func (ix *index) stage(s string, pipeline int) (pipelineID, statusID int, err error) {
	pid, sid, err := ix.stageName(s, pipeline)
	if err == nil || !strings.Contains(s, "/") {
		return pid, sid, err
	}
	for i := strings.Index(s, "/"); i >= 0; i = nextSlash(s, i) {
		pname, sname := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		p, perr := ix.pipelines.lookup(pname, "")
		if perr != nil || pname == "" || sname == "" || (pipeline != 0 && p != pipeline) {
			continue
		}
		pi := ix.byID[p]
		id, serr := pi.stages.lookup(sname, fmt.Sprintf("pipeline %q", pi.name))
		if serr != nil {
			return 0, 0, serr
		}
		return p, id, nil
	}
	return 0, 0, err
}

// nextSlash returns the index of the "/" after the one at i, or -1.
func nextSlash(s string, i int) int {
	j := strings.Index(s[i+1:], "/")
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// stageName resolves a stage's own name or id (see stage).
func (ix *index) stageName(s string, pipeline int) (pipelineID, statusID int, err error) {
	if pipeline != 0 {
		p := ix.byID[pipeline]
		if p == nil {
			return 0, 0, &NameError{Kind: "pipeline", Name: strconv.Itoa(pipeline)}
		}
		id, err := p.stages.lookup(s, fmt.Sprintf("pipeline %q", p.name))
		return p.id, id, err
	}
	if ix.main == nil {
		return 0, 0, &NameError{Kind: "stage", Name: s, Scope: "an account without pipelines"}
	}
	id, err := ix.main.stages.lookup(s, "")
	if err == nil {
		return ix.main.id, id, nil
	}
	refs := ix.allStages[value.Normalize(s)]
	if n, aerr := strconv.Atoi(strings.TrimSpace(s)); aerr == nil && len(refs) == 0 {
		// A stage's id is unique to its pipeline (but for won and lost,
		// which the main pipeline has).
		for _, p := range ix.byID {
			if _, ok := p.stages.desc[n]; ok {
				refs = append(refs, stageRef{p.id, n})
			}
		}
	}
	switch {
	case len(refs) == 1:
		return refs[0].pipeline, refs[0].status, nil
	case len(refs) > 1:
		amb := make([]string, len(refs))
		for i, r := range refs {
			amb[i] = fmt.Sprintf("pipeline %q (stage id %d)", ix.byID[r.pipeline].name, r.status)
		}
		return 0, 0, &NameError{Kind: "stage", Name: s, Ambiguous: amb}
	}
	if ne, ok := err.(*NameError); ok && len(ne.Ambiguous) == 0 {
		ne.Scope = "any pipeline"
		ne.Closest = value.Closest(s, ix.stageList, 3)
	}
	return 0, 0, err
}

// field resolves a custom field of entity by id, code or name.
func (ix *index) field(e kommo.EntityType, s string) (*kommo.CustomField, error) {
	fi := ix.fields[e]
	if fi == nil {
		return nil, &NameError{Kind: "field", Name: s, Scope: string(e) + " (the schema has no custom fields for it)"}
	}
	t := strings.TrimSpace(s)
	if id, err := strconv.Atoi(t); err == nil {
		if f := fi.byID[id]; f != nil {
			return f, nil
		}
	}
	if f := fi.byCode[strings.ToUpper(t)]; f != nil {
		return f, nil
	}
	switch fs := fi.byName[value.Normalize(t)]; len(fs) {
	case 1:
		return fs[0], nil
	case 0:
	default:
		amb := make([]string, len(fs))
		for i, f := range fs {
			amb[i] = fmt.Sprintf("%q (id %d)", f.Name, f.ID)
		}
		return nil, &NameError{Kind: "field", Name: s, Scope: string(e), Ambiguous: amb}
	}
	return nil, &NameError{Kind: "field", Name: s, Scope: string(e), Closest: value.Closest(s, append(stdFieldNames(e), fi.known...), 3)}
}

// enumIndex resolves a select-like field's options by text or id.
func enumIndex(f *kommo.CustomField) *names {
	n := newNames("option")
	for _, en := range f.Enums {
		n.addName(en.Value, en.ID)
		n.desc[en.ID] = fmt.Sprintf("%q (id %d)", en.Value, en.ID)
	}
	return n.done()
}
