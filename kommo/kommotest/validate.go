package kommotest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Validation error codes used by the emulator. NotSupportedChoice is the
// documented Kommo code; the others are UNCONFIRMED names in the same style.
const (
	CodeNotSupportedChoice = "NotSupportedChoice"
	CodeInvalidType        = "InvalidType"
	CodeNotBlank           = "NotBlank"
	CodeNotFound           = "NotFound"
	CodeTooMany            = "TooManyValues"
)

type vErr struct {
	Code   string `json:"code"`
	Path   string `json:"path"`
	Detail string `json:"detail"`
}

type vItem struct {
	RequestID string `json:"request_id"`
	Errors    []vErr `json:"errors"`
}

// checker collects validation errors of one item.
type checker struct {
	errs []vErr
}

func (ck *checker) add(path, code, detail string) {
	ck.errs = append(ck.errs, vErr{Code: code, Path: path, Detail: detail})
}

func (ck *checker) choice(path string) {
	ck.add(path, CodeNotSupportedChoice, "The value you selected is not a valid choice.")
}

func (ck *checker) typ(path, want string) {
	ck.add(path, CodeInvalidType, "This value should be of type "+want+".")
}

func (ck *checker) blank(path string) {
	ck.add(path, CodeNotBlank, "This value should not be blank.")
}

// report collects per-item errors for a batch.
type report struct {
	items []vItem
}

func (r *report) addItem(reqID string, ck *checker) {
	if len(ck.errs) > 0 {
		r.items = append(r.items, vItem{RequestID: reqID, Errors: ck.errs})
	}
}

func (r *report) failed() bool { return len(r.items) > 0 }

// has reports whether the item sent with reqID has errors.
func (r *report) has(reqID string) bool {
	for _, it := range r.items {
		if it.RequestID == reqID {
			return true
		}
	}
	return false
}

// writeValidation answers 400 with the validation-errors shape.
func writeValidation(w http.ResponseWriter, items []vItem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusBadRequest)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{
		"validation-errors": items,
		"title":             "Bad Request",
		"type":              "https://httpstatus.es/400",
		"status":            400,
		"detail":            "Request validation failed",
	})
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// ---- JSON value helpers (bodies are decoded with UseNumber) ----

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
		if f, err := x.Float64(); err == nil && !math.IsInf(f, 0) {
			return int64(math.Round(f)), true
		}
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return i, true
		}
	}
	return 0, false
}

// optInt reads an optional int; null or absent gives nil.
func optInt(m map[string]any, key string, ck *checker, path string) *int64 {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	i, ok := asInt(v)
	if !ok {
		ck.typ(path, "int")
		return nil
	}
	return &i
}

// optFloat reads an optional number (a JSON number or a numeric string),
// keeping its fraction; null or absent gives nil.
func optFloat(m map[string]any, key string, ck *checker, path string) *float64 {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	f, ok := asFloat(v)
	if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
		ck.typ(path, "float")
		return nil
	}
	return &f
}

func optString(m map[string]any, key string, ck *checker, path string) *string {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	switch x := v.(type) {
	case string:
		return &x
	case json.Number:
		s := x.String()
		return &s
	}
	ck.typ(path, "string")
	return nil
}

func optBool(m map[string]any, key string, ck *checker, path string) *bool {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	switch x := v.(type) {
	case bool:
		return &x
	case json.Number:
		b := x.String() != "0"
		return &b
	}
	ck.typ(path, "bool")
	return nil
}

// parseTime accepts unix seconds or a date string.
func parseTime(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		return asInt(x)
	case float64:
		return int64(x), true
	case string:
		x = strings.TrimSpace(x)
		if i, err := strconv.ParseInt(x, 10, 64); err == nil {
			return i, true
		}
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.Unix(), true
			}
		}
	}
	return 0, false
}

// parseDay reads a date or birthday value as Kommo keeps it: the midnight
// that starts its day in the account's zone (SDK issue #402: on a UTC+3
// account 1634601600, 19 Oct 00:00 UTC, reads back as 1634590800, 19 Oct
// 00:00 at +03:00). A string without an offset is a time in the account's
// zone.
func (s *Server) parseDay(v any) (int64, bool) {
	var t time.Time
	if str, isStr := v.(string); isStr {
		str = strings.TrimSpace(str)
		for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
			if lt, err := time.ParseInLocation(layout, str, s.loc); err == nil {
				t = lt
				break
			}
		}
	}
	if t.IsZero() {
		u, ok := parseTime(v)
		if !ok {
			return 0, false
		}
		t = time.Unix(u, 0)
	}
	y, m, d := t.In(s.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.loc).Unix(), true
}

// valueText renders a stored value for search and events.
func valueText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// ---- custom fields values ----

// cfChange replaces the values of one field; nil values clear it.
type cfChange struct {
	def    *CustomField
	values []FieldValue
}

func (s *Server) fieldByID(entity string, id int) *CustomField {
	fs := s.st.CustomFields[entity]
	for i := range fs {
		if fs[i].ID == id {
			return &fs[i]
		}
	}
	return nil
}

func (s *Server) fieldByCode(entity, code string) *CustomField {
	fs := s.st.CustomFields[entity]
	for i := range fs {
		if fs[i].Code != "" && strings.EqualFold(fs[i].Code, code) {
			return &fs[i]
		}
	}
	return nil
}

// parseCFV validates custom_fields_values at prefix. maxFields > 0 limits
// the number of fields.
func (s *Server) parseCFV(entity string, raw any, ck *checker, prefix string, maxFields int) []cfChange {
	if raw == nil {
		return nil
	}
	arr, ok := raw.([]any)
	if !ok {
		ck.typ(prefix, "array")
		return nil
	}
	if maxFields > 0 && len(arr) > maxFields {
		ck.add(prefix, CodeTooMany, fmt.Sprintf("This collection should contain %d elements or less.", maxFields))
		return nil
	}
	var out []cfChange
	for i, e := range arr {
		p := join(prefix, strconv.Itoa(i))
		m, ok := e.(map[string]any)
		if !ok {
			ck.typ(p, "object")
			continue
		}
		var def *CustomField
		if v, has := m["field_id"]; has && v != nil {
			id, isInt := asInt(v)
			if !isInt {
				ck.typ(join(p, "field_id"), "int")
				continue
			}
			if def = s.fieldByID(entity, int(id)); def == nil {
				ck.choice(join(p, "field_id"))
				continue
			}
		} else if v, has := m["field_code"]; has && v != nil {
			code, isStr := v.(string)
			if !isStr {
				ck.typ(join(p, "field_code"), "string")
				continue
			}
			if def = s.fieldByCode(entity, code); def == nil {
				ck.choice(join(p, "field_code"))
				continue
			}
		} else {
			ck.blank(join(p, "field_id"))
			continue
		}
		vals, has := m["values"]
		if !has {
			ck.blank(join(p, "values"))
			continue
		}
		if vals == nil {
			out = append(out, cfChange{def: def})
			continue
		}
		list, isArr := vals.([]any)
		if !isArr {
			ck.typ(join(p, "values"), "array")
			continue
		}
		values := s.parseValues(def, list, ck, join(p, "values"))
		out = append(out, cfChange{def: def, values: values})
	}
	return out
}

func (s *Server) parseValues(def *CustomField, list []any, ck *checker, prefix string) []FieldValue {
	var out []FieldValue
	seen := map[int]bool{}
	if (def.Type == "select" || def.Type == "radiobutton" || def.Type == "checkbox") && len(list) > 1 {
		ck.add(prefix, CodeTooMany, "This field accepts only one value.")
		return nil
	}
	for j, e := range list {
		p := join(prefix, strconv.Itoa(j))
		m, ok := e.(map[string]any)
		if !ok {
			ck.typ(p, "object")
			continue
		}
		fv, ok := s.parseValue(def, m, ck, p)
		if !ok {
			continue
		}
		if def.Type == "multiselect" {
			if seen[fv.EnumID] {
				continue
			}
			seen[fv.EnumID] = true
		}
		out = append(out, fv)
	}
	return out
}

// findEnum resolves an option by enum_id, enum_code or value text.
func findEnum(def *CustomField, m map[string]any, ck *checker, p string, byValue bool) (*Enum, bool) {
	if v, has := m["enum_id"]; has && v != nil {
		id, ok := asInt(v)
		if !ok {
			ck.typ(join(p, "enum_id"), "int")
			return nil, false
		}
		for i := range def.Enums {
			if def.Enums[i].ID == int(id) {
				return &def.Enums[i], true
			}
		}
		ck.choice(join(p, "enum_id"))
		return nil, false
	}
	if v, has := m["enum_code"]; has && v != nil {
		code, ok := v.(string)
		if !ok {
			ck.typ(join(p, "enum_code"), "string")
			return nil, false
		}
		for i := range def.Enums {
			e := &def.Enums[i]
			if strings.EqualFold(e.Code, code) || (e.Code == "" && strings.EqualFold(e.Value, code)) {
				return e, true
			}
		}
		ck.choice(join(p, "enum_code"))
		return nil, false
	}
	if !byValue {
		return nil, true
	}
	v, has := m["value"]
	if !has || v == nil {
		ck.blank(join(p, "value"))
		return nil, false
	}
	text := fmt.Sprint(v)
	for i := range def.Enums {
		if strings.EqualFold(strings.TrimSpace(def.Enums[i].Value), strings.TrimSpace(text)) {
			return &def.Enums[i], true
		}
	}
	ck.choice(join(p, "value"))
	return nil, false
}

func (s *Server) parseValue(def *CustomField, m map[string]any, ck *checker, p string) (FieldValue, bool) {
	vp := join(p, "value")
	raw, has := m["value"]
	switch def.Type {
	case "select", "radiobutton", "multiselect", "category":
		e, ok := findEnum(def, m, ck, p, true)
		if !ok {
			return FieldValue{}, false
		}
		return FieldValue{Value: e.Value, EnumID: e.ID, EnumCode: e.Code}, true
	case "multitext", "smart_address":
		str, ok := raw.(string)
		if n, isNum := raw.(json.Number); isNum {
			str, ok = n.String(), true
		}
		if !has || raw == nil {
			ck.blank(vp)
			return FieldValue{}, false
		}
		if !ok {
			ck.typ(vp, "string")
			return FieldValue{}, false
		}
		e, ok := findEnum(def, m, ck, p, false)
		if !ok {
			return FieldValue{}, false
		}
		if e == nil && len(def.Enums) > 0 {
			e = &def.Enums[0]
		}
		fv := FieldValue{Value: str}
		if e != nil {
			fv.EnumID, fv.EnumCode = e.ID, e.Code
			if fv.EnumCode == "" {
				fv.EnumCode = e.Value
			}
		}
		return fv, true
	}
	if !has || raw == nil {
		ck.blank(vp)
		return FieldValue{}, false
	}
	switch def.Type {
	case "numeric", "monetary", "price":
		switch x := raw.(type) {
		case json.Number:
			return FieldValue{Value: x.String()}, true
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return FieldValue{Value: strings.TrimSpace(x)}, true
			}
		}
		ck.typ(vp, "numeric")
	case "checkbox":
		switch x := raw.(type) {
		case bool:
			return FieldValue{Value: x}, true
		case json.Number:
			if x.String() == "0" || x.String() == "1" {
				return FieldValue{Value: x.String() == "1"}, true
			}
		}
		ck.typ(vp, "bool")
	case "date_time":
		if t, ok := parseTime(raw); ok {
			return FieldValue{Value: t}, true
		}
		ck.typ(vp, "date (unix timestamp or RFC3339 string)")
	case "date", "birthday":
		if t, ok := s.parseDay(raw); ok {
			return FieldValue{Value: t}, true
		}
		ck.typ(vp, "date (unix timestamp or RFC3339 string)")
	case "legal_entity":
		obj, ok := raw.(map[string]any)
		if !ok {
			ck.typ(vp, "object")
			return FieldValue{}, false
		}
		if name, _ := obj["name"].(string); strings.TrimSpace(name) == "" {
			ck.blank(join(vp, "name"))
			return FieldValue{}, false
		}
		return FieldValue{Value: plainJSON(obj)}, true
	case "text", "textarea", "url", "streetaddress", "tracking_data":
		switch x := raw.(type) {
		case string:
			return FieldValue{Value: x}, true
		case json.Number:
			return FieldValue{Value: x.String()}, true
		}
		ck.typ(vp, "string")
	default:
		return FieldValue{Value: plainJSON(raw)}, true
	}
	return FieldValue{}, false
}

// applyCFV applies changes to fvs and returns the new slice plus the
// (field, old, new) triples that changed.
func applyCFV(fvs []FieldValues, changes []cfChange) ([]FieldValues, []cfDiff) {
	var diffs []cfDiff
	for _, ch := range changes {
		pos := -1
		for i := range fvs {
			if fvs[i].FieldID == ch.def.ID {
				pos = i
				break
			}
		}
		var old []FieldValue
		if pos >= 0 {
			old = fvs[pos].Values
		}
		if sameValues(old, ch.values) {
			continue
		}
		diffs = append(diffs, cfDiff{def: ch.def, before: old, after: ch.values})
		switch {
		case len(ch.values) == 0 && pos >= 0:
			fvs = append(fvs[:pos:pos], fvs[pos+1:]...)
		case len(ch.values) == 0:
		case pos >= 0:
			fvs[pos].Values = ch.values
		default:
			fvs = append(fvs, FieldValues{FieldID: ch.def.ID, FieldName: ch.def.Name, FieldCode: ch.def.Code,
				FieldType: ch.def.Type, Values: ch.values})
		}
	}
	if len(fvs) == 0 {
		return nil, diffs
	}
	return fvs, diffs
}

type cfDiff struct {
	def           *CustomField
	before, after []FieldValue
}

func sameValues(a, b []FieldValue) bool {
	if len(a) != len(b) {
		return false
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// cfvJSON renders custom_fields_values for reads; null when empty.
func cfvJSON(fvs []FieldValues) any {
	if len(fvs) == 0 {
		return nil
	}
	out := make([]any, 0, len(fvs))
	for _, fv := range fvs {
		vals := make([]any, 0, len(fv.Values))
		for _, v := range fv.Values {
			m := map[string]any{"value": v.Value}
			if v.EnumID != 0 {
				m["enum_id"] = v.EnumID
				m["enum_code"] = nilIfEmpty(v.EnumCode)
			}
			vals = append(vals, m)
		}
		out = append(out, map[string]any{
			"field_id":    fv.FieldID,
			"field_name":  fv.FieldName,
			"field_code":  nilIfEmpty(fv.FieldCode),
			"field_type":  fv.FieldType,
			"is_computed": false,
			"values":      vals,
		})
	}
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ---- tags ----

type tagRef struct {
	id   int
	name string
}

type tagOps struct {
	replace bool     // _embedded.tags was sent
	set     []tagRef // new set (nil with replace clears)
	add     []tagRef
	del     []tagRef
}

func (o tagOps) empty() bool { return !o.replace && len(o.add) == 0 && len(o.del) == 0 }

func (s *Server) findTag(entity string, id int) *Tag {
	for i, t := range s.st.Tags[entity] {
		if t.ID == id {
			return &s.st.Tags[entity][i]
		}
	}
	return nil
}

func (s *Server) tagByName(entity, name string) *Tag {
	for i, t := range s.st.Tags[entity] {
		if strings.EqualFold(t.Name, name) {
			return &s.st.Tags[entity][i]
		}
	}
	return nil
}

// parseTagList validates an array of {id}|{name} (or plain names).
func (s *Server) parseTagList(entity string, raw any, ck *checker, prefix string) []tagRef {
	if raw == nil {
		return nil
	}
	arr, ok := raw.([]any)
	if !ok {
		ck.typ(prefix, "array")
		return nil
	}
	var out []tagRef
	for i, e := range arr {
		p := join(prefix, strconv.Itoa(i))
		switch x := e.(type) {
		case string:
			if strings.TrimSpace(x) == "" {
				ck.blank(p)
				continue
			}
			out = append(out, tagRef{name: strings.TrimSpace(x)})
		case map[string]any:
			if v, has := x["id"]; has && v != nil {
				id, ok := asInt(v)
				if !ok {
					ck.typ(join(p, "id"), "int")
					continue
				}
				if s.findTag(entity, int(id)) == nil {
					ck.choice(join(p, "id"))
					continue
				}
				out = append(out, tagRef{id: int(id)})
				continue
			}
			name, _ := x["name"].(string)
			if strings.TrimSpace(name) == "" {
				ck.blank(join(p, "name"))
				continue
			}
			out = append(out, tagRef{name: strings.TrimSpace(name)})
		default:
			ck.typ(p, "object")
		}
	}
	return out
}

func (s *Server) parseTagOps(entity string, m map[string]any, ck *checker) tagOps {
	var ops tagOps
	if emb, ok := m["_embedded"].(map[string]any); ok {
		if raw, has := emb["tags"]; has {
			ops.replace = true
			ops.set = s.parseTagList(entity, raw, ck, "_embedded.tags")
		}
	}
	ops.add = s.parseTagList(entity, m["tags_to_add"], ck, "tags_to_add")
	ops.del = s.parseTagList(entity, m["tags_to_delete"], ck, "tags_to_delete")
	return ops
}

// resolveTag finds or creates a tag. s.mu must be held.
func (s *Server) resolveTag(entity string, r tagRef) Tag {
	if r.id != 0 {
		return *s.findTag(entity, r.id)
	}
	if t := s.tagByName(entity, r.name); t != nil {
		return *t
	}
	t := Tag{ID: s.nextID("tags"), Name: r.name}
	s.st.Tags[entity] = append(s.st.Tags[entity], t)
	return t
}

// applyTags returns the new tag set and the added and removed tags.
func (s *Server) applyTags(entity string, cur []Tag, ops tagOps) (next, added, removed []Tag) {
	has := func(list []Tag, id int) bool {
		for _, t := range list {
			if t.ID == id {
				return true
			}
		}
		return false
	}
	next = append([]Tag(nil), cur...)
	if ops.replace {
		next = nil
		for _, r := range ops.set {
			t := s.resolveTag(entity, r)
			if !has(next, t.ID) {
				next = append(next, t)
			}
		}
	}
	for _, r := range ops.add {
		t := s.resolveTag(entity, r)
		if !has(next, t.ID) {
			next = append(next, t)
		}
	}
	for _, r := range ops.del {
		var t *Tag
		if r.id != 0 {
			t = s.findTag(entity, r.id)
		} else {
			t = s.tagByName(entity, r.name)
		}
		if t == nil {
			continue
		}
		for i := range next {
			if next[i].ID == t.ID {
				next = append(next[:i:i], next[i+1:]...)
				break
			}
		}
	}
	for _, t := range next {
		if !has(cur, t.ID) {
			added = append(added, t)
		}
	}
	for _, t := range cur {
		if !has(next, t.ID) {
			removed = append(removed, t)
		}
	}
	return next, added, removed
}

func tagsJSON(tags []Tag) []any {
	out := make([]any, 0, len(tags))
	for _, t := range tags {
		out = append(out, map[string]any{"id": t.ID, "name": t.Name, "color": t.Color})
	}
	return out
}

// userExists reports whether id is an account user.
func (s *Server) userExists(id int) bool {
	for _, u := range s.st.Users {
		if u.ID == id {
			return true
		}
	}
	return false
}

// optUser reads the optional user id m[key]; an unknown user is an error
// at path. zeroOK allows 0 (robot/system).
func (s *Server) optUser(m map[string]any, key string, ck *checker, path string, zeroOK bool) *int {
	v := optInt(m, key, ck, path)
	if v == nil {
		return nil
	}
	id := int(*v)
	if (id == 0 && zeroOK) || s.userExists(id) {
		return &id
	}
	ck.choice(path)
	return nil
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}
