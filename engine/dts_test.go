package engine

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/i18n"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// The page's TypeScript declarations (web/kommo-bulk.d.ts) and the DTOs
// the engine sends and takes as JSON must agree: a property the page reads
// that Go never writes is always undefined, a tag Go reads that the .d.ts
// does not declare is a setting nobody can find.

// dtsPath is the page's declarations.
const dtsPath = "../web/kommo-bulk.d.ts"

// dtoInterfaces pairs each DTO with its TypeScript interface: a name, or
// a path through properties to an inline object type ("FileInfo.preview"
// is the element of FileInfo's preview array). tsOnly are properties the
// page has and the JSON has not, with why.
var dtoInterfaces = []struct {
	dto    any
	ts     string
	tsOnly map[string]string
}{
	{dto: Config{}, ts: "LoadOptions", tsOnly: map[string]string{
		"workerURL": "where kommo-bulk.js finds its worker", "wasmURL": "where the worker finds the .wasm",
		"wasmExecURL": "where the worker finds wasm_exec.js",
		"journal":     "whether the worker gives the engine a job store (kommo-bulk.js), not an engine setting"}},
	{dto: OpenOptions{}, ts: "OpenOptions"},
	{dto: FileInfo{}, ts: "FileInfo"},
	{dto: PreviewRow{}, ts: "FileInfo.preview"},
	{dto: i18n.Msg{}, ts: "Msg"},
	{dto: SchemaInfo{}, ts: "Schema"},
	{dto: FieldInfo{}, ts: "FieldInfo"},
	{dto: NamedID{}, ts: "NamedID"},
	{dto: PipelineInfo{}, ts: "Schema.pipelines"},
	{dto: ProposalInfo{}, ts: "Proposal"},
	{dto: RefInfo{}, ts: "Proposal.refs"},
	{dto: ColumnProposal{}, ts: "ColumnProposal"},
	{dto: ValidateOptions{}, ts: "ValidateOptions"},
	{dto: ReadProgress{}, ts: "ReadProgress"},
	{dto: ValidationInfo{}, ts: "Validation"},
	{dto: BadRow{}, ts: "CheckedRow"},
	{dto: CellError{}, ts: "CellError"},
	{dto: CellWarning{}, ts: "CellWarning"},
	{dto: CauseInfo{}, ts: "Cause"},
	{dto: mapping.RegionCount{}, ts: "RegionCount"},
	{dto: FileBytes{}, ts: "FileBytes", tsOnly: map[string]string{"bytes": "Data crosses as a Uint8Array, beside the JSON"}},
	{dto: ImportParams{}, ts: "ImportParams"},
	{dto: ProgressInfo{}, ts: "Progress"},
	{dto: ImportResult{}, ts: "ImportResult"},
	{dto: NotesInfo{}, ts: "NotesWritten"},
	{dto: RowDetail{}, ts: "RowDetail"},
	{dto: ColumnMsgs{}, ts: "RowDetail.errorMsgs"},
	{dto: ColumnMsgs{}, ts: "RowDetail.warningMsgs"},
	{dto: ExportParams{}, ts: "ExportParams"},
	{dto: ExportFilterParams{}, ts: "ExportParams.filter"},
	{dto: StatusParam{}, ts: "ExportParams.filter.statuses"},
	{dto: ExportProgressInfo{}, ts: "ExportProgress"},
	{dto: DetectParams{}, ts: "DetectParams"},
	{dto: MigrationDetection{}, ts: "MigrationDetection"},
	{dto: SourceInfo{}, ts: "MigrationDetection.sources"},
	{dto: FileDetection{}, ts: "MigrationDetection.files"},
	{dto: DetectionCandidate{}, ts: "MigrationDetection.files.candidates"},
	{dto: MigrateParams{}, ts: "MigrateParams"},
	{dto: MigrateFile{}, ts: "MigrateParams.files"},
	{dto: MigrationProgress{}, ts: "MigrationProgress"},
	{dto: MigrationResult{}, ts: "MigrationResult"},
	{dto: MigrationTables{}, ts: "MigrationResult.tables"},
	{dto: FileCauses{}, ts: "MigrationResult.warnings"},
	{dto: JobInfo{}, ts: "JobInfo"},
	{dto: StoredFile{}, ts: "JobInfo.files"},
	{dto: UndoInfo{}, ts: "UndoResult"},
}

// TestDTSMatchesDTOs: every JSON property of every DTO (and of the structs
// they hold: the migration report's, ...) is a property of its TypeScript
// interface and the other way round, and what Go may leave out
// (omitempty) is optional in TypeScript.
func TestDTSMatchesDTOs(t *testing.T) {
	src, err := os.ReadFile(dtsPath)
	if err != nil {
		t.Fatal(err)
	}
	d := parseDTS(t, string(src))
	for _, m := range dtoInterfaces {
		typ := reflect.TypeOf(m.dto)
		obj, err := d.path(m.ts)
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		compareDTO(t, d, typ, obj, m.ts)
	}
}

// tsOnly are the properties the page declares for typ and the JSON has
// not (dtoInterfaces).
func tsOnly(typ reflect.Type) map[string]string {
	for _, m := range dtoInterfaces {
		if reflect.TypeOf(m.dto) == typ {
			return m.tsOnly
		}
	}
	return nil
}

// TestDTOsAreDeclared: every struct of the engine with JSON tags is in
// dtoInterfaces, so a new DTO cannot miss its declaration.
func TestDTOsAreDeclared(t *testing.T) {
	have := map[string]bool{}
	for _, m := range dtoInterfaces {
		if typ := reflect.TypeOf(m.dto); typ.PkgPath() == reflect.TypeOf(Config{}).PkgPath() {
			have[typ.Name()] = true
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || !ts.Name.IsExported() {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fld := range st.Fields.List {
				if fld.Tag != nil && strings.Contains(fld.Tag.Value, `json:"`) && !have[ts.Name.Name] {
					t.Errorf("%s (%s) has JSON tags but no interface in dtoInterfaces: declare it in %s", ts.Name.Name, name, dtsPath)
					break
				}
			}
			return true
		})
	}
}

// jsonField is one property of a struct's JSON.
type jsonField struct {
	name      string
	omitempty bool
	typ       reflect.Type
}

// jsonFields lists the properties encoding/json writes for struct t,
// embedded structs' included.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty"), typ: f.Type})
	}
	return out
}

var (
	marshaler = reflect.TypeFor[json.Marshaler]()
	timeType  = reflect.TypeFor[time.Time]()
)

// structOf is the struct a field holds (through pointers, slices and
// maps) whose properties are worth comparing, or nil: a type with its own
// MarshalJSON writes what it wants.
func structOf(t reflect.Type) reflect.Type {
	for {
		if t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) || t == timeType {
			return nil
		}
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			return t
		default:
			return nil
		}
	}
}

// compareDTO compares the JSON of typ with obj, and the structs it holds
// with the object types of their properties.
func compareDTO(t *testing.T, d *dts, typ reflect.Type, obj tsObject, where string) {
	t.Helper()
	only := tsOnly(typ)
	fields := jsonFields(typ)
	for _, f := range fields {
		p, ok := obj[f.name]
		if !ok {
			t.Errorf("%s.%s (json %q) is not declared in %s (%s)", typ, fieldName(typ, f.name), f.name, where, dtsPath)
			continue
		}
		if f.omitempty && !p.optional {
			t.Errorf("%s.%s is omitempty but %s.%s is not optional: declare it %s?", typ, fieldName(typ, f.name), where, f.name, f.name)
		}
		if st := structOf(f.typ); st != nil {
			sub, err := d.object(p.typ)
			if err != nil {
				t.Errorf("%s.%s: %v", where, f.name, err)
				continue
			}
			if sub != nil {
				compareDTO(t, d, st, sub, where+"."+f.name)
			}
		}
	}
	for name := range obj {
		if _, ok := only[name]; ok {
			continue
		}
		if !slices.ContainsFunc(fields, func(f jsonField) bool { return f.name == name }) {
			t.Errorf("%s.%s is declared but %s has no json %q", where, name, typ, name)
		}
	}
}

// fieldName is the Go name of the field with JSON name js, for messages.
func fieldName(t reflect.Type, js string) string {
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == js || (name == "" && f.Name == js) {
			return f.Name
		}
	}
	return js
}

// A tsObject is the properties of an interface or an object type.
type tsObject map[string]tsProp

type tsProp struct {
	optional bool
	typ      string // as written
}

// dts is a parsed declarations file: its interfaces.
type dts struct {
	interfaces map[string]tsObject
}

var interfaceRE = regexp.MustCompile(`export interface (\w+)(?:\s+extends\s+([\w\s,]+?))?\s*\{`)

// parseDTS reads the interfaces of a .d.ts: enough TypeScript for ours
// (properties, methods, which it skips, inline object types, generics,
// unions, intersections, arrow types), not the language.
func parseDTS(t *testing.T, src string) *dts {
	t.Helper()
	src = stripComments(src)
	d := &dts{interfaces: map[string]tsObject{}}
	extends := map[string][]string{}
	for _, m := range interfaceRE.FindAllStringSubmatchIndex(src, -1) {
		name := src[m[2]:m[3]]
		open := m[1] - 1
		end := matching(src, open)
		if end < 0 {
			t.Fatalf("%s: interface %s has no closing brace", dtsPath, name)
		}
		d.interfaces[name] = parseObject(src[open+1 : end])
		if m[4] >= 0 {
			for _, e := range strings.Split(src[m[4]:m[5]], ",") {
				extends[name] = append(extends[name], strings.TrimSpace(e))
			}
		}
	}
	for name, bases := range extends {
		for _, b := range bases {
			for k, v := range d.interfaces[b] {
				if _, ok := d.interfaces[name][k]; !ok {
					d.interfaces[name][k] = v
				}
			}
		}
	}
	if len(d.interfaces) < 20 {
		t.Fatalf("%s: found %d interfaces; is the parser still right?", dtsPath, len(d.interfaces))
	}
	return d
}

// path finds an interface, or an inline object type through properties.
func (d *dts) path(p string) (tsObject, error) {
	parts := strings.Split(p, ".")
	obj, ok := d.interfaces[parts[0]]
	if !ok {
		return nil, &dtsError{"no interface " + parts[0]}
	}
	for _, prop := range parts[1:] {
		pr, ok := obj[prop]
		if !ok {
			return nil, &dtsError{p + ": no property " + prop}
		}
		sub, err := d.object(pr.typ)
		if err != nil || sub == nil {
			return nil, &dtsError{p + ": " + prop + " is no object type (" + pr.typ + ")"}
		}
		obj = sub
	}
	return obj, nil
}

type dtsError struct{ msg string }

func (e *dtsError) Error() string { return e.msg }

// object is the object a property's type holds: the element of an array
// (T[], Array<T>), the value of a Record, an inline {...}, an interface,
// or an intersection of them. It is nil for a type that holds no object
// (string, a union of literals, MappingSpec | string).
func (d *dts) object(typ string) (tsObject, error) {
	typ = strings.TrimSpace(typ)
	for _, suffix := range []string{"| null", "| undefined"} {
		typ = strings.TrimSpace(strings.TrimSuffix(typ, suffix))
	}
	switch {
	case strings.HasSuffix(typ, "[]"):
		return d.object(strings.TrimSuffix(typ, "[]"))
	case strings.HasPrefix(typ, "Array<") && strings.HasSuffix(typ, ">"):
		return d.object(typ[len("Array<") : len(typ)-1])
	case strings.HasPrefix(typ, "Partial<") && strings.HasSuffix(typ, ">"):
		return d.object(typ[len("Partial<") : len(typ)-1])
	case strings.HasPrefix(typ, "Record<") && strings.HasSuffix(typ, ">"):
		args := splitTop(typ[len("Record<"):len(typ)-1], ',')
		if len(args) != 2 {
			return nil, &dtsError{"cannot read " + typ}
		}
		return d.object(args[1])
	}
	parts := splitTop(typ, '&')
	if len(parts) == 1 && len(splitTop(typ, '|')) > 1 {
		return nil, nil // a union: no one object
	}
	out := tsObject{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case strings.HasPrefix(p, "{"):
			for k, v := range parseObject(p[1 : len(p)-1]) {
				out[k] = v
			}
		case d.interfaces[p] != nil:
			for k, v := range d.interfaces[p] {
				out[k] = v
			}
		default:
			if len(parts) > 1 {
				return nil, &dtsError{"unknown type " + p + " in " + typ}
			}
			return nil, nil // string, number, Entity, ...
		}
	}
	return out, nil
}

// parseObject reads the members of an interface or object type body.
func parseObject(body string) tsObject {
	out := tsObject{}
	i := 0
	for i < len(body) {
		for i < len(body) && strings.ContainsRune(" \t\r\n;,", rune(body[i])) {
			i++
		}
		if i >= len(body) {
			break
		}
		j := i
		for j < len(body) && (isIdent(body[j])) {
			j++
		}
		name := body[i:j]
		if name == "readonly" {
			i = j
			continue
		}
		if j == i { // something we do not read: skip to the member's end
			i = memberEnd(body, i) + 1
			continue
		}
		k := j
		optional := false
		if k < len(body) && body[k] == '?' {
			optional = true
			k++
		}
		if k < len(body) && (body[k] == '(' || body[k] == '<') { // a method
			i = memberEnd(body, k) + 1
			continue
		}
		for k < len(body) && body[k] == ' ' {
			k++
		}
		if k >= len(body) || body[k] != ':' {
			i = memberEnd(body, k) + 1
			continue
		}
		end := memberEnd(body, k+1)
		out[name] = tsProp{optional: optional, typ: strings.TrimSpace(body[k+1 : end])}
		i = end + 1
	}
	return out
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// memberEnd is the index of the ";" or "," (or the end) that ends the
// member starting at i, outside brackets and quotes.
func memberEnd(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`':
			for i++; i < len(s) && s[i] != c; i++ {
			}
		case '{', '(', '[', '<':
			depth++
		case '}', ')', ']':
			depth--
		case '>':
			if i > 0 && s[i-1] == '=' { // =>
				continue
			}
			depth--
		case ';', ',':
			if depth == 0 {
				return i
			}
		}
	}
	return len(s)
}

// splitTop splits s at sep outside brackets.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '(', '[', '<':
			depth++
		case '}', ')', ']':
			depth--
		case '>':
			if i == 0 || s[i-1] != '=' {
				depth--
			}
		case '\'', '"':
			c := s[i]
			for i++; i < len(s) && s[i] != c; i++ {
			}
		default:
			if s[i] == sep && depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// matching is the index of the brace that closes the one at open.
func matching(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		case '\'', '"', '`':
			c := s[i]
			for i++; i < len(s) && s[i] != c; i++ {
			}
		}
	}
	return -1
}

// stripComments removes /* */ and // comments (not inside quotes).
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case s[i] == '\'' || s[i] == '"' || s[i] == '`':
			c := s[i]
			j := i + 1
			for j < len(s) && s[j] != c && s[j] != '\n' {
				j++
			}
			b.WriteString(s[i:min(j+1, len(s))])
			i = j
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
