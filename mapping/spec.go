package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// A Spec says how the columns of a file become Kommo records: which entity
// each row is, which column is the row's key, how existing records are
// matched, and which column feeds which field. It is loaded from YAML or
// JSON with [LoadSpec] or [ParseSpec], proposed by [Propose], and saved with
// yaml.Marshal or json.Marshal; the package documentation shows the format.
//
// A Spec is plain data: names in it (fields, stages, users, options) are
// resolved against an account's [Schema] by [Compile].
type Spec struct {
	// Entity is the primary entity of every row: leads, contacts,
	// companies or tasks.
	Entity kommo.EntityType `yaml:"entity" json:"entity"`
	// Key is the column holding the row's key in its source (the source
	// system's id), copied to Row.Key.
	Key string `yaml:"key,omitempty" json:"key,omitempty"`
	// Match says how rows find existing records, per entity; see
	// [MatchSpec].
	Match MatchSpec `yaml:"match,omitempty" json:"match,omitzero"`
	// Options hold the file-wide parsing settings.
	Options Options `yaml:"options,omitempty" json:"options,omitzero"`
	// Columns map one source column each to a field.
	Columns []ColumnSpec `yaml:"columns,omitempty" json:"columns,omitempty"`
	// Join map several columns, joined with a separator, to one field.
	Join []JoinSpec `yaml:"join,omitempty" json:"join,omitempty"`
	// Constants set a field to the same value on every row.
	Constants []ConstantSpec `yaml:"constants,omitempty" json:"constants,omitempty"`
	// Refs name columns holding the key of a related row in another file.
	Refs []RefSpec `yaml:"refs,omitempty" json:"refs,omitempty"`
	// Notes make notes on the row's records from columns; see
	// [NoteSpec]. A spec whose Entity is notes maps a notes file instead:
	// its columns name note fields (docs/mapping.md).
	Notes []NoteSpec `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// MatchSpec is the upsert key of each entity of a row: "email", "phone",
// "name", "id" or "field:<custom field name, code or id>". In a file it is
// written either as one string, the primary entity's key
// (`match: email`), or as a map by entity
// (`match: {leads: id, contacts: phone, companies: name}`).
//
// An entity without a key is always created, except that related contacts
// default to email (or phone, when no EMAIL is mapped) and related
// companies to name, so that a contact shared by many lead rows is written
// once.
type MatchSpec struct {
	// Primary is the primary entity's key, from the one-string form.
	Primary string
	// ByEntity holds the map form.
	ByEntity map[kommo.EntityType]string
}

// IsZero reports whether m says nothing, so that it is left out when saved.
func (m MatchSpec) IsZero() bool { return m.Primary == "" && len(m.ByEntity) == 0 }

// For returns the key of entity e, primary telling whether e is the
// spec's primary entity.
func (m MatchSpec) For(e kommo.EntityType, primary bool) string {
	if k, ok := m.ByEntity[e]; ok {
		return k
	}
	if primary {
		return m.Primary
	}
	return ""
}

// MarshalYAML writes the one-string form when only Primary is set.
func (m MatchSpec) MarshalYAML() (any, error) {
	if len(m.ByEntity) == 0 {
		return m.Primary, nil
	}
	return m.ByEntity, nil
}

// UnmarshalYAML reads a string or a map by entity.
func (m *MatchSpec) UnmarshalYAML(n *yaml.Node) error {
	*m = MatchSpec{}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Decode(&m.Primary)
	case yaml.MappingNode:
		return n.Decode(&m.ByEntity)
	}
	return fmt.Errorf("line %d: match must be a string or a map of entity to key", n.Line)
}

// MarshalJSON writes the one-string form when only Primary is set.
func (m MatchSpec) MarshalJSON() ([]byte, error) {
	v, _ := m.MarshalYAML()
	return json.Marshal(v)
}

// UnmarshalJSON reads a string or an object by entity.
func (m *MatchSpec) UnmarshalJSON(b []byte) error {
	*m = MatchSpec{}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, &m.ByEntity)
	}
	return json.Unmarshal(b, &m.Primary)
}

// Options are the file-wide settings for reading values. The zero value
// reads phones that carry a country code, ISO 8601 dates in the
// account's time zone (Schema.Location) and
// numbers with a decimal point, splits multi-values on ";", "," and line
// breaks, and reads full names as "First Middle Last".
type Options struct {
	// Region is the ISO 3166 region ("RU", "BR", "US") of phone numbers
	// written without a country code. Without it, such a number is read in
	// the country of its row's country column (see CountryColumn), else
	// in the account's country ([Schema].Country).
	Region string `yaml:"region,omitempty" json:"region,omitempty"`
	// CountryColumn is the column holding each row's country (a name in
	// English, Spanish, Portuguese, Russian or German, or an ISO code),
	// for phones without a country code when Region is empty. By default
	// a column named like Country, Country/Region, MailingCountry,
	// BillingCountry, Страна, País or Land is used; "none" uses none.
	CountryColumn string `yaml:"country_column,omitempty" json:"country_column,omitempty"`
	// OnInvalid is the on_invalid of every column that does not set its
	// own: error, keep or drop; see [Target].OnInvalid.
	OnInvalid string `yaml:"on_invalid,omitempty" json:"on_invalid,omitempty"`
	// TimeZone is an IANA zone ("Europe/Moscow") or a fixed offset
	// ("+03:00", "+0530", "UTC-5", "GMT+5:30", "+5.75": whole quarter
	// hours within ±14:00) for dates without an offset. Default the
	// account's (Schema.Location), else UTC. Date and birthday fields take
	// the day as written whatever the zone: Kommo keeps them as midnight
	// of the account's zone.
	TimeZone string `yaml:"time_zone,omitempty" json:"time_zone,omitempty"`
	// DateLayouts are tried in order after ISO 8601, as in
	// [DateOptions.Layouts]: "dd.mm.yyyy", "mm/dd/yyyy HH:mm", ...
	DateLayouts []string `yaml:"date_layouts,omitempty" json:"date_layouts,omitempty"`
	// DateSerial reads plain numbers as dates: "excel", "excel1904",
	// "unix", "unix_ms"; empty or "none" rejects them.
	DateSerial string `yaml:"date_serial,omitempty" json:"date_serial,omitempty"`
	// Locale decides an ambiguous "1,234": a BCP 47 locale ("ru", "de-DE",
	// "en"), or "comma" / "point" for the decimal separator.
	Locale string `yaml:"locale,omitempty" json:"locale,omitempty"`
	// Separator splits multi-value cells (tags, multiselects, several
	// phones) besides line breaks; empty splits on both ";" and ",".
	Separator string `yaml:"separator,omitempty" json:"separator,omitempty"`
	// NameOrder is how split_name reads full names: "given_first"
	// ("Ivan Petrov", the default) or "family_first" ("Петров Иван").
	NameOrder string `yaml:"name_order,omitempty" json:"name_order,omitempty"`
}

// Target is where a value goes and how it is read: the part shared by
// [ColumnSpec] and [JoinSpec].
type Target struct {
	// Entity is the entity the field belongs to; empty means the spec's
	// primary entity.
	Entity kommo.EntityType `yaml:"entity,omitempty" json:"entity,omitempty"`
	// Field is a standard field (name, first_name, last_name, price,
	// status, pipeline, responsible_user, tags, created_at, closed_at, id;
	// for tasks text, task_type, complete_till, entity_type, entity_id,
	// is_completed, result, duration) or a custom field's id, code or name.
	Field string `yaml:"field" json:"field"`
	// Enum is the enum code of a PHONE or EMAIL value (WORK, MOB, PRIV,
	// ...; default WORK), or the part code of a smart address (city, zip,
	// ...).
	Enum string `yaml:"enum,omitempty" json:"enum,omitempty"`
	// Transforms are applied in order to the cell before it is read as
	// the field's type: trim, lower, upper, title, digits, email, phone,
	// date, number, int, round, bool, split (or "split:<sep>"),
	// split_name, strip:<chars>, prefix:<text>, suffix:<text>.
	Transforms []string `yaml:"transforms,omitempty" json:"transforms,omitempty"`
	// Map replaces source values (compared after Normalize) by target
	// values before the field reads them; values not in the map pass
	// through unchanged.
	Map map[string]string `yaml:"map,omitempty" json:"map,omitempty"`
	// Default is used when the cell is empty.
	Default string `yaml:"default,omitempty" json:"default,omitempty"`
	// ClearIfEmpty sends an empty cell as "clear the field" instead of
	// leaving it unchanged.
	ClearIfEmpty bool `yaml:"clear_if_empty,omitempty" json:"clear_if_empty,omitempty"`
	// Required makes an empty cell (after Default) an error.
	Required bool `yaml:"required,omitempty" json:"required,omitempty"`
	// OnInvalid says what happens to a value that does not validate:
	// "error" fails the row; "keep" sends it as written (PHONE, EMAIL and
	// text fields) and "drop" leaves it out, and the row lands with a
	// RowWarning. By default a PHONE keeps what Kommo accepts: a number
	// shaped like its country's numbers is sent in E.164 even when not
	// known as assigned, other text with digits is kept as written, text
	// without digits is left out; an EMAIL that does not validate is kept
	// as written; any other field fails the row. A value that is its
	// entity's match key is never kept as a key: see the package
	// documentation.
	OnInvalid string `yaml:"on_invalid,omitempty" json:"on_invalid,omitempty"`
}

// ColumnSpec maps one source column to a field.
type ColumnSpec struct {
	// Column is the header of the source column.
	Column string `yaml:"column" json:"column"`
	Target `yaml:",inline"`
}

// JoinSpec maps several source columns to one field: the non-empty cells
// are joined with Separator (default " ").
type JoinSpec struct {
	Columns   []string `yaml:"columns" json:"columns"`
	Separator string   `yaml:"separator,omitempty" json:"separator,omitempty"`
	Target    `yaml:",inline"`
}

// ConstantSpec sets a field to Value on every row: a pipeline, a
// responsible user, a tag, a lead source. Names in Value are resolved when
// the spec is compiled.
type ConstantSpec struct {
	Entity kommo.EntityType `yaml:"entity,omitempty" json:"entity,omitempty"`
	Field  string           `yaml:"field" json:"field"`
	Enum   string           `yaml:"enum,omitempty" json:"enum,omitempty"`
	Value  string           `yaml:"value" json:"value"`
}

// RefSpec names a column holding the key of a row of Entity in another
// file (a contact's company, a task's lead); it becomes Row.Refs[Entity].
// A key that names no row of the run nor of the journals given costs the
// row its link only (a ref_not_found warning), unless Required: then the
// row fails.
type RefSpec struct {
	Column   string           `yaml:"column" json:"column"`
	Entity   kommo.EntityType `yaml:"entity" json:"entity"`
	Required bool             `yaml:"required,omitempty" json:"required,omitempty"`
}

// A SpecError is a problem in a mapping spec, with its position when the
// spec was parsed from text.
type SpecError struct {
	Line int    // 1-based line in the spec file; 0 if unknown
	Path string // where in the spec, as "columns[2].field"
	Err  error
}

// Error reads like `spec line 7 (columns[2].field): unknown field "Emial"; did you mean "Email"?`.
func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString("spec")
	if e.Line > 0 {
		b.WriteString(" line ")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Path != "" {
		b.WriteString(" (" + e.Path + ")")
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *SpecError) Unwrap() error { return e.Err }

// maxSpecSize bounds a spec file; real ones are a few kilobytes.
const maxSpecSize = 4 << 20

// LoadSpec reads a spec in YAML or JSON from r; see [ParseSpec].
func LoadSpec(r io.Reader) (*Spec, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSpecSize+1))
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	if len(b) > maxSpecSize {
		return nil, &SpecError{Err: fmt.Errorf("larger than %d bytes", maxSpecSize)}
	}
	return ParseSpec(b)
}

// ParseSpec parses a spec written in YAML or JSON (a document starting
// with "{" is JSON). Unknown keys are errors that name the closest known
// key; the names inside the spec are only checked by [Compile]. Errors are
// *SpecError with the line of the problem.
func ParseSpec(b []byte) (*Spec, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var raw json.RawMessage
		if err := json.Unmarshal(t, &raw); err != nil {
			return nil, jsonSpecError(b, err)
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, yamlSpecError(err)
	}
	if len(doc.Content) == 0 {
		return nil, &SpecError{Err: errors.New("empty spec")}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &SpecError{Line: root.Line, Err: errors.New("a spec is a map with entity, columns, ... keys")}
	}
	if err := checkKeys(root, reflect.TypeFor[Spec](), ""); err != nil {
		return nil, err
	}
	var s Spec
	if err := root.Decode(&s); err != nil {
		return nil, yamlSpecError(err)
	}
	return &s, nil
}

// jsonSpecError turns a JSON syntax error into a SpecError with a line.
func jsonSpecError(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		if off > len(b) {
			off = len(b)
		}
		return &SpecError{Line: 1 + bytes.Count(b[:off], []byte("\n")), Err: fmt.Errorf("invalid JSON: %w", err)}
	}
	return &SpecError{Err: fmt.Errorf("invalid JSON: %w", err)}
}

// yamlSpecError turns a yaml error ("yaml: line 3: ...") into a SpecError.
func yamlSpecError(err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line, msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return &SpecError{Line: line, Err: errors.New(msg)}
}

// checkKeys reports the first key of the mapping node n that is not a
// field of struct type t (by yaml tag), recursing into struct and
// slice-of-struct fields.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	fields := yamlFields(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			names := make([]string, 0, len(fields))
			for name := range fields {
				names = append(names, name)
			}
			sort.Strings(names)
			err := fmt.Errorf("unknown key %q%s", k.Value, DidYouMean(k.Value, names))
			return &SpecError{Line: k.Line, Path: path, Err: err}
		}
		sub := k.Value
		if path != "" {
			sub = path + "." + k.Value
		}
		switch {
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[MatchSpec]():
			if err := checkKeys(v, ft, sub); err != nil {
				return err
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			if v.Kind != yaml.SequenceNode {
				continue // Decode reports the type error
			}
			for j, item := range v.Content {
				if err := checkKeys(item, ft.Elem(), fmt.Sprintf("%s[%d]", sub, j)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// yamlFields returns the yaml keys of struct type t, following inline
// fields.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}

// DidYouMean returns `; did you mean "x"?` (or "x", "y" or "z") for the
// closest candidates of v, or "".
func DidYouMean(v string, candidates []string) string {
	c := value.Closest(v, candidates, 3)
	if len(c) == 0 {
		return ""
	}
	q := make([]string, len(c))
	for i, s := range c {
		q[i] = strconv.Quote(s)
	}
	if len(q) == 1 {
		return "; did you mean " + q[0] + "?"
	}
	return "; did you mean " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1] + "?"
}

// WriteYAML writes s as YAML with two-space indentation, the form in which
// a proposed mapping is saved for the user to edit.
func (s *Spec) WriteYAML(w io.Writer) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return err
	}
	return enc.Close()
}
