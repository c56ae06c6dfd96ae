package migrate

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// presetFiles are the built-in presets, one YAML file per source.
//
//go:embed presets/*.yaml
var presetFiles embed.FS

// IDField is the placeholder field name in a preset for "the custom field
// holding the source system's id" (see [PresetFile.Fit]).
const IDField = "@id"

// A Preset describes the standard exports of another CRM: for each kind
// of file it exports (contacts, companies, deals, tasks), which Kommo
// entity its rows are, which column is the source's record id, which
// columns hold the ids of related records, and where each column goes,
// with the column's spellings in every interface language the source
// exports in.
//
// Presets are data (YAML files in migrate/presets); [Presets] loads the
// built-in ones, and [PresetFile.Fit] turns one into a normal [Spec] for a
// file's header.
type Preset struct {
	// Source is the preset's short name: hubspot, salesforce, pipedrive,
	// zoho, bitrix24, amocrm.
	Source string `yaml:"source"`
	// Name is the source's display name.
	Name string `yaml:"name"`
	// Files are the kinds of export file, in dependency order.
	Files []*PresetFile `yaml:"files"`
}

// PresetFile is one kind of export file of a source.
type PresetFile struct {
	// Entity is the primary entity of each row.
	Entity kommo.EntityType `yaml:"entity"`
	// FileNames are words that name this kind of file ("contacts",
	// "Opportunity"), used when headers alone do not decide.
	FileNames []string `yaml:"file_names,omitempty"`
	// Key are the spellings of the column holding the record's id.
	Key Aliases `yaml:"key,omitempty"`
	// Options are the file's reading settings (dates, time zone, locale,
	// separators).
	Options mapping.Options `yaml:"options,omitempty"`
	// Refs are columns holding the ids of related records in other files.
	Refs []PresetRef `yaml:"refs,omitempty"`
	// Columns are the file's columns.
	Columns []PresetColumn `yaml:"columns"`
	// Joins are groups of columns written to one field (an address).
	Joins []PresetJoin `yaml:"joins,omitempty"`
	// Match sets how related entities of a row are found when the file
	// has no id column for them: entity → email, phone, name.
	Match map[kommo.EntityType]string `yaml:"match,omitempty"`
	// SkipIf drops rows whose column has one of the values (Salesforce's
	// IsDeleted = true).
	SkipIf []PresetFilter `yaml:"skip_if,omitempty"`

	// Notes are columns of a card file that each become a note on the
	// row's record (amoCRM's lead export's Note column).
	Notes []PresetNote `yaml:"notes,omitempty"`

	// History files (entity notes) only:
	// Attachments are the columns naming a note's files, which are not
	// migrated: the report lists them.
	Attachments Aliases `yaml:"attachments,omitempty"`
	// DurationMS says the duration column counts milliseconds.
	DurationMS bool `yaml:"duration_ms,omitempty"`
	// AnyEntity says the source's ids name one record across objects
	// (Salesforce): a reference not found among the records of its
	// entity is looked up among the others'.
	AnyEntity bool `yaml:"any_entity,omitempty"`
}

// PresetNote is a column of a card file written as a note on the row's
// record.
type PresetNote struct {
	Names Aliases `yaml:"names"`
	// Type is the note type (default common).
	Type string `yaml:"type,omitempty"`
}

// PresetFilter matches rows by the value of a column.
type PresetFilter struct {
	Names  Aliases  `yaml:"names"`
	Values []string `yaml:"values"`
}

// Aliases are the spellings of one column by interface language ("en",
// "ru", "cs", ...). In YAML they are a list (English) or a map of language
// to list.
type Aliases map[string][]string

// UnmarshalYAML reads a list or a map of lists.
func (a *Aliases) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*a = Aliases{"en": l}
		return nil
	}
	var m map[string][]string
	if err := n.Decode(&m); err != nil {
		return err
	}
	*a = m
	return nil
}

// languages returns the languages of a, English first, then sorted.
func (a Aliases) languages() []string {
	ls := make([]string, 0, len(a))
	for l := range a {
		if l != "en" {
			ls = append(ls, l)
		}
	}
	sort.Strings(ls)
	if _, ok := a["en"]; ok {
		ls = append([]string{"en"}, ls...)
	}
	return ls
}

// first returns the first spelling in lang, or in English, or any.
func (a Aliases) first(lang string) string {
	if l := a[lang]; len(l) > 0 {
		return l[0]
	}
	for _, l := range a.languages() {
		if len(a[l]) > 0 {
			return a[l][0]
		}
	}
	return ""
}

// PresetColumn is one column of an export file.
type PresetColumn struct {
	Names          Aliases `yaml:"names"`
	mapping.Target `yaml:",inline"`
	// Type is the type of the custom field to create when the account has
	// no field named Field: text, numeric, date, select, multiselect,
	// url, textarea. Empty for standard fields.
	Type kommo.FieldType `yaml:"type,omitempty"`
}

// PresetRef is a column holding the id of a related record of Entity.
type PresetRef struct {
	Names  Aliases          `yaml:"names"`
	Entity kommo.EntityType `yaml:"entity"`
}

// PresetJoin writes several columns to one field.
type PresetJoin struct {
	Columns        []Aliases `yaml:"columns"`
	Separator      string    `yaml:"separator,omitempty"`
	mapping.Target `yaml:",inline"`
	Type           kommo.FieldType `yaml:"type,omitempty"`
}

// Presets returns the built-in presets, sorted by source. The presets are
// parsed anew on every call, so callers may change what they get.
func Presets() []*Preset {
	ps, err := loadPresets(presetFiles)
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return ps
}

func loadPresets(fsys fs.FS) ([]*Preset, error) {
	names, err := fs.Glob(fsys, "presets/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Preset
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		p, err := ParsePreset(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path.Base(n), err)
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePreset parses a preset written in YAML.
func ParsePreset(b []byte) (*Preset, error) {
	var p Preset
	if err := yaml.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	if p.Source == "" {
		return nil, fmt.Errorf("preset without a source")
	}
	for i, f := range p.Files {
		switch {
		case isHistoryEntity(f.Entity):
			f.Entity = EntityNotes
		case mapping.ParseEntity(string(f.Entity)) == "":
			return nil, fmt.Errorf("files[%d]: unknown entity %q", i, f.Entity)
		default:
			f.Entity = mapping.ParseEntity(string(f.Entity))
		}
		for j, c := range f.Columns {
			if len(c.Names) == 0 || c.Field == "" {
				return nil, fmt.Errorf("files[%d].columns[%d]: a column needs names and a field", i, j)
			}
		}
	}
	return &p, nil
}

// PresetFor returns the built-in preset of source (case-insensitive; also
// "kommo" for amocrm, "sfdc" for salesforce), or an error naming the known
// sources.
func PresetFor(source string) (*Preset, error) {
	ps := Presets()
	s := value.Normalize(source)
	switch s {
	case "kommo", "amo", "amo crm":
		s = "amocrm"
	case "sfdc":
		s = "salesforce"
	case "bitrix", "b24":
		s = "bitrix24"
	case "zoho crm":
		s = "zoho"
	}
	var known []string
	for _, p := range ps {
		if value.Normalize(p.Source) == s || value.Normalize(p.Name) == s {
			return p, nil
		}
		known = append(known, p.Source)
	}
	return nil, fmt.Errorf("unknown source %q (known: %s)%s", source, strings.Join(known, ", "), mapping.DidYouMean(source, known))
}

// File returns the preset's file kind for entity e, or nil.
func (p *Preset) File(e kommo.EntityType) *PresetFile {
	if isHistoryEntity(e) {
		e = EntityNotes // the first history kind
	} else {
		e = mapping.ParseEntity(string(e))
	}
	for _, f := range p.Files {
		if f.Entity == e {
			return f
		}
	}
	return nil
}

// A Fit is a preset file applied to one file's header.
type Fit struct {
	// Spec is the mapping spec for the file: a normal spec, which can be
	// saved, edited and used with import.
	Spec *mapping.Spec
	// Types are the custom field types to create, for the spec's fields
	// the account may not have: "<entity>/<field>" → type.
	Types map[string]kommo.FieldType
	// Ignored are the header's columns the preset does not know.
	Ignored []string
	// Language is the interface language most of the header is in.
	Language string
	// Skip are the rows to leave out: column → values (compared after
	// Normalize).
	Skip []SkipRule
	// History is set for a history file (Spec.Entity notes): its
	// attachment columns and how its values read.
	History *History
}

// A SkipRule leaves out the rows whose Column holds one of Values.
type SkipRule struct {
	Column string
	Values []string
}

// Skips reports whether rec is a row to leave out, and why.
func (f *Fit) Skips(header []string, rec []string) (string, bool) {
	for _, r := range f.Skip {
		for i, h := range header {
			if h != r.Column || i >= len(rec) {
				continue
			}
			v := value.Normalize(rec[i])
			for _, want := range r.Values {
				if v == value.Normalize(want) {
					return fmt.Sprintf("%s is %q", h, rec[i]), true
				}
			}
		}
	}
	return "", false
}

// uses reports whether the fit's spec writes entity e.
func (fit *Fit) uses(e kommo.EntityType) bool {
	for _, c := range fit.Spec.Columns {
		if mapping.ParseEntity(string(c.Entity)) == e {
			return true
		}
	}
	for _, j := range fit.Spec.Join {
		if mapping.ParseEntity(string(j.Entity)) == e {
			return true
		}
	}
	return false
}

// TypeKey is the key of Fit.Types for a field of entity e.
func TypeKey(e kommo.EntityType, field string) string { return string(e) + "/" + field }

// Fit builds the spec for a file with this header: the preset's columns
// that the header has, in header order. idField is the custom field that
// keeps the source ids ("External ID"): the key column (and any related
// entity's id column) is written to it and becomes the match key, so that
// running a migration again updates what the last run created. With
// idField "", source ids only link rows across files.
func (f *PresetFile) Fit(header []string, idField string) *Fit {
	fit := &Fit{Spec: &mapping.Spec{Entity: f.Entity, Options: f.Options}, Types: map[string]kommo.FieldType{}}
	s := fit.Spec
	used := make([]bool, len(header))
	langs := map[string]int{}
	find := func(a Aliases) int {
		for _, lang := range a.languages() {
			for _, name := range a[lang] {
				k := value.Normalize(name)
				for i, h := range header {
					if !used[i] && value.Normalize(h) == k {
						langs[lang]++
						return i
					}
				}
			}
		}
		return -1
	}
	match := map[kommo.EntityType]string{}
	addID := func(col string, e kommo.EntityType) {
		if idField == "" || e == kommo.EntityTasks || e == EntityNotes { // tasks and notes have no custom fields
			return
		}
		s.Columns = append(s.Columns, mapping.ColumnSpec{Column: col, Target: mapping.Target{Entity: entityOrEmpty(e, f.Entity), Field: idField}})
		match[e] = "field:" + idField
		fit.Types[TypeKey(e, idField)] = kommo.FieldText
	}
	if i := find(f.Key); i >= 0 {
		used[i] = true
		s.Key = header[i]
		addID(header[i], f.Entity)
	}
	for _, r := range f.Refs {
		if i := find(r.Names); i >= 0 {
			used[i] = true
			s.Refs = append(s.Refs, mapping.RefSpec{Column: header[i], Entity: mapping.ParseEntity(string(r.Entity))})
		}
	}
	for _, n := range f.Notes {
		if i := find(n.Names); i >= 0 {
			used[i] = true
			s.Notes = append(s.Notes, mapping.NoteSpec{Column: header[i], Type: n.Type})
		}
	}
	if f.Entity == EntityNotes {
		fit.History = &History{DurationMS: f.DurationMS, AnyEntity: f.AnyEntity}
		if len(f.FileNames) > 0 {
			fit.History.Kind = value.Normalize(f.FileNames[0])
		}
		for {
			i := find(f.Attachments)
			if i < 0 {
				break
			}
			used[i] = true
			fit.History.Attachments = append(fit.History.Attachments, header[i])
		}
	}
	type placed struct {
		idx int
		c   mapping.ColumnSpec
	}
	var cols []placed
	for _, c := range f.Columns {
		i := find(c.Names)
		if i < 0 {
			continue
		}
		used[i] = true
		e := mapping.ParseEntity(string(c.Entity))
		if e == "" {
			e = f.Entity
		}
		if c.Field == IDField {
			if idField != "" {
				cols = append(cols, placed{i, mapping.ColumnSpec{Column: header[i], Target: mapping.Target{Entity: entityOrEmpty(e, f.Entity), Field: idField}}})
				match[e] = "field:" + idField
				fit.Types[TypeKey(e, idField)] = kommo.FieldText
			}
			continue
		}
		t := c.Target
		t.Entity = entityOrEmpty(e, f.Entity)
		cols = append(cols, placed{i, mapping.ColumnSpec{Column: header[i], Target: t}})
		if c.Type != "" {
			fit.Types[TypeKey(e, c.Field)] = c.Type
		}
	}
	// A full name column fills first and last name only when the file has
	// no columns of its own for them.
	names := map[kommo.EntityType]bool{}
	for _, c := range cols {
		if c.c.Field == "first_name" || c.c.Field == "last_name" {
			names[mapping.ParseEntity(string(c.c.Entity))] = true
		}
	}
	for i, c := range cols {
		if c.c.Field == "name" && names[mapping.ParseEntity(string(c.c.Entity))] {
			cols[i].c.Transforms = slices.DeleteFunc(slices.Clone(c.c.Transforms), func(t string) bool { return t == "split_name" })
		}
	}
	sort.SliceStable(cols, func(a, b int) bool { return cols[a].idx < cols[b].idx })
	for _, c := range cols {
		s.Columns = append(s.Columns, c.c)
	}
	for _, j := range f.Joins {
		var names []string
		var idx []int
		for _, a := range j.Columns {
			if i := find(a); i >= 0 {
				used[i] = true
				idx = append(idx, i)
			}
		}
		// The preset's order: an address reads street first, an outcome
		// column goes before the stage.
		for _, i := range idx {
			names = append(names, header[i])
		}
		if len(names) == 0 {
			continue
		}
		e := mapping.ParseEntity(string(j.Entity))
		if e == "" {
			e = f.Entity
		}
		t := j.Target
		t.Entity = entityOrEmpty(e, f.Entity)
		s.Join = append(s.Join, mapping.JoinSpec{Columns: names, Separator: j.Separator, Target: t})
		if j.Type != "" {
			fit.Types[TypeKey(e, j.Field)] = j.Type
		}
	}
	for _, r := range f.SkipIf {
		if i := find(r.Names); i >= 0 {
			used[i] = true
			fit.Skip = append(fit.Skip, SkipRule{Column: header[i], Values: r.Values})
		}
	}
	for e, k := range f.Match {
		e = mapping.ParseEntity(string(e))
		if _, ok := match[e]; !ok && e != f.Entity && fit.uses(e) {
			match[e] = k
		}
	}
	if len(match) > 0 {
		if len(match) == 1 && match[f.Entity] != "" {
			s.Match = mapping.MatchSpec{Primary: match[f.Entity]}
		} else {
			s.Match = mapping.MatchSpec{ByEntity: match}
		}
	}
	for i, h := range header {
		if !used[i] && strings.TrimSpace(h) != "" {
			fit.Ignored = append(fit.Ignored, h)
		}
	}
	best := 0
	for l, n := range langs {
		if n > best || n == best && l < fit.Language {
			fit.Language, best = l, n
		}
	}
	return fit
}

func entityOrEmpty(e, primary kommo.EntityType) kommo.EntityType {
	if e == primary {
		return ""
	}
	return e
}

// Template returns the preset file as a spec with the spelling of each
// column in lang (or English): what a file exported in that language
// with every known column would be mapped by.
func (f *PresetFile) Template(lang, idField string) *Fit {
	var header []string
	add := func(a Aliases) {
		if n := a.first(lang); n != "" {
			header = append(header, n)
		}
	}
	add(f.Key)
	for _, r := range f.Refs {
		add(r.Names)
	}
	for _, c := range f.Columns {
		add(c.Names)
	}
	for _, j := range f.Joins {
		for _, a := range j.Columns {
			add(a)
		}
	}
	for _, n := range f.Notes {
		add(n.Names)
	}
	return f.Fit(sheet.UniqueHeaders(header), idField)
}

// A Detection is a guess of which source and which kind of file a header
// comes from.
type Detection struct {
	Source string
	Entity kommo.EntityType
	// Confidence is 0 to 1: the share of the header's columns the preset
	// knows, weighted by how particular to this source each spelling is,
	// with a bonus when the file name says the source or the kind.
	Confidence float64
	// Known is the number of header columns the preset knows.
	Known  int
	Preset *Preset
	File   *PresetFile
}

// Detect scores every file kind of every preset against a file's name and
// header and returns the candidates, best first (only those that know at
// least one column).
func Detect(presets []*Preset, name string, header []string) []Detection {
	// How many (source, entity) file kinds know each spelling: a column
	// every CRM has ("Email") says little about the source.
	owners := map[string]map[string]bool{}
	for _, p := range presets {
		for _, f := range p.Files {
			for _, k := range f.keys() {
				if owners[k] == nil {
					owners[k] = map[string]bool{}
				}
				owners[k][p.Source] = true
			}
		}
	}
	base := value.Normalize(strings.TrimSuffix(path.Base(strings.ReplaceAll(name, "\\", "/")), path.Ext(name)))
	var out []Detection
	for _, p := range presets {
		for _, f := range p.Files {
			keys := map[string]bool{}
			for _, k := range f.keys() {
				keys[k] = true
			}
			known, weight := 0, 0.0
			n := 0
			for _, h := range header {
				k := value.Normalize(h)
				if k == "" {
					continue
				}
				n++
				if keys[k] {
					known++
					weight += 1 / float64(len(owners[k]))
				}
			}
			if known == 0 || n == 0 {
				continue
			}
			// Coverage decides the kind of file; particularity decides
			// the source.
			conf := float64(known)/float64(n)*0.6 + weight/float64(known)*0.3
			if keyIdx := f.Key; keyIdx != nil && f.has(header, f.Key) {
				conf += 0.05
			}
			for _, w := range f.FileNames {
				if containsWord(base, value.Normalize(w)) {
					conf += 0.05
					break
				}
			}
			if containsWord(base, value.Normalize(p.Source)) || containsWord(base, value.Normalize(p.Name)) {
				conf += 0.1
			}
			if conf > 1 {
				conf = 1
			}
			out = append(out, Detection{Source: p.Source, Entity: f.Entity, Confidence: conf, Known: known, Preset: p, File: f})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	return out
}

// keys are the normalised spellings of every column the file kind knows.
func (f *PresetFile) keys() []string {
	var out []string
	add := func(a Aliases) {
		for _, l := range a {
			for _, n := range l {
				out = append(out, value.Normalize(n))
			}
		}
	}
	add(f.Key)
	for _, r := range f.Refs {
		add(r.Names)
	}
	for _, c := range f.Columns {
		add(c.Names)
	}
	for _, j := range f.Joins {
		for _, a := range j.Columns {
			add(a)
		}
	}
	add(f.Attachments)
	for _, n := range f.Notes {
		add(n.Names)
	}
	return out
}

func (f *PresetFile) has(header []string, a Aliases) bool {
	for _, l := range a {
		for _, n := range l {
			k := value.Normalize(n)
			for _, h := range header {
				if value.Normalize(h) == k {
					return true
				}
			}
		}
	}
	return false
}

// containsWord reports whether the normalised text s contains the
// normalised word w (as whole words).
func containsWord(s, w string) bool {
	if w == "" {
		return false
	}
	return s == w || strings.HasPrefix(s, w+" ") || strings.HasSuffix(s, " "+w) || strings.Contains(s, " "+w+" ")
}
