package kommo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FieldType is a custom field's type, as Kommo names it.
type FieldType string

// Custom field types. Multitext exists only on contacts and companies.
const (
	FieldText          FieldType = "text"
	FieldNumeric       FieldType = "numeric"
	FieldCheckbox      FieldType = "checkbox"
	FieldSelect        FieldType = "select"
	FieldMultiselect   FieldType = "multiselect"
	FieldMultitext     FieldType = "multitext"
	FieldDate          FieldType = "date"
	FieldURL           FieldType = "url"
	FieldTextarea      FieldType = "textarea"
	FieldRadiobutton   FieldType = "radiobutton"
	FieldStreetAddress FieldType = "streetaddress"
	FieldSmartAddress  FieldType = "smart_address"
	FieldBirthday      FieldType = "birthday"
	FieldLegalEntity   FieldType = "legal_entity"
	FieldDateTime      FieldType = "date_time"
	FieldPrice         FieldType = "price"
	FieldCategory      FieldType = "category"
	FieldItems         FieldType = "items"
	FieldTrackingData  FieldType = "tracking_data"
	FieldLinkedEntity  FieldType = "linked_entity"
	FieldOrgLegalName  FieldType = "org_legal_name"
	FieldMonetary      FieldType = "monetary"
	FieldChainedList   FieldType = "chained_list"
	FieldFile          FieldType = "file"
	FieldPayer         FieldType = "payer"
	FieldSupplier      FieldType = "supplier"
)

// IsEnum reports whether values of the type are chosen from the field's enums.
func (t FieldType) IsEnum() bool {
	switch t {
	case FieldSelect, FieldMultiselect, FieldRadiobutton, FieldCategory, FieldMultitext, FieldSmartAddress:
		return true
	}
	return false
}

// IsDate reports whether values of the type are dates.
func (t FieldType) IsDate() bool {
	return t == FieldDate || t == FieldDateTime || t == FieldBirthday
}

// UnmarshalJSON accepts the type as a string, or as the numeric code Kommo
// puts in some event values.
func (t *FieldType) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '"' {
		*t = FieldType(string(b))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = FieldType(s)
	return nil
}

// Multitext enum codes of the predefined PHONE and EMAIL fields. There is no
// "MOBILE": a mobile phone is MOB.
const (
	PhoneWork   = "WORK"
	PhoneWorkDD = "WORKDD"
	PhoneMobile = "MOB"
	PhoneFax    = "FAX"
	PhoneHome   = "HOME"
	PhoneOther  = "OTHER"
	EmailWork   = "WORK"
	EmailPriv   = "PRIV"
	EmailOther  = "OTHER"
)

// Codes of predefined fields.
const (
	CodePhone    = "PHONE"
	CodeEmail    = "EMAIL"
	CodePosition = "POSITION"
	CodeWeb      = "WEB"
	CodeAddress  = "ADDRESS"
)

// Smart address part codes.
const (
	AddressLine1   = "address_line_1"
	AddressLine2   = "address_line_2"
	AddressCity    = "city"
	AddressState   = "state"
	AddressZip     = "zip"
	AddressCountry = "country"
)

// CustomFieldValues are an entity's custom_fields_values. On reads Kommo
// sends null when an entity has none; nil and empty both mean "none".
// On writes, fields left out are untouched, a field sent with values
// replaces all its old values, and a field sent with nil Values is cleared.
type CustomFieldValues []CustomFieldValue

// CustomFieldValue holds the values of one field, which is identified by
// FieldID or FieldCode (one is enough). FieldName and FieldType are only
// filled on reads.
type CustomFieldValue struct {
	FieldID   int          `json:"field_id,omitempty"`
	FieldCode string       `json:"field_code,omitempty"`
	FieldName string       `json:"field_name,omitempty"`
	FieldType FieldType    `json:"field_type,omitempty"`
	Values    []FieldValue `json:"values"`
}

// Field returns the values of the field with id (if id > 0) or code.
func (cf CustomFieldValues) Field(id int, code string) (CustomFieldValue, bool) {
	for _, f := range cf {
		if (id > 0 && f.FieldID == id) || (code != "" && strings.EqualFold(f.FieldCode, code)) {
			return f, true
		}
	}
	return CustomFieldValue{}, false
}

// Set replaces (or adds) the values of field f, matched by id or code.
func (cf *CustomFieldValues) Set(f CustomFieldValue) {
	for i, g := range *cf {
		if (f.FieldID > 0 && g.FieldID == f.FieldID) || (f.FieldID == 0 && f.FieldCode != "" && strings.EqualFold(g.FieldCode, f.FieldCode)) {
			(*cf)[i] = f
			return
		}
	}
	*cf = append(*cf, f)
}

// ClearField returns a value that clears the field when written
// ("values": null).
func ClearField(id int) CustomFieldValue { return CustomFieldValue{FieldID: id} }

// ClearFieldCode is ClearField by field code.
func ClearFieldCode(code string) CustomFieldValue { return CustomFieldValue{FieldCode: code} }

// MarshalJSON writes field_id/field_code, and values as null when empty
// (which clears the field).
func (f CustomFieldValue) MarshalJSON() ([]byte, error) {
	type wire struct {
		FieldID   int          `json:"field_id,omitempty"`
		FieldCode string       `json:"field_code,omitempty"`
		Values    []FieldValue `json:"values"`
	}
	w := wire{FieldID: f.FieldID, FieldCode: f.FieldCode, Values: f.Values}
	if len(w.Values) == 0 {
		w.Values = nil
	}
	if w.FieldID != 0 {
		// Kommo identifies by id when both are sent; drop the code so a
		// stale code cannot contradict the id.
		w.FieldCode = ""
	}
	return json.Marshal(w)
}

// UnmarshalJSON tolerates field_id/field_code as null.
func (f *CustomFieldValue) UnmarshalJSON(b []byte) error {
	var w struct {
		FieldID   *json.Number `json:"field_id"`
		FieldCode *string      `json:"field_code"`
		FieldName *string      `json:"field_name"`
		FieldType *FieldType   `json:"field_type"`
		Values    []FieldValue `json:"values"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = CustomFieldValue{Values: w.Values}
	if w.FieldID != nil {
		id, err := strconv.Atoi(w.FieldID.String())
		if err != nil {
			return fmt.Errorf("field_id %q: %w", w.FieldID.String(), err)
		}
		f.FieldID = id
	}
	if w.FieldCode != nil {
		f.FieldCode = *w.FieldCode
	}
	if w.FieldName != nil {
		f.FieldName = *w.FieldName
	}
	if w.FieldType != nil {
		f.FieldType = *w.FieldType
	}
	return nil
}

// FieldValue is one value of a custom field. Value holds the JSON of the
// "value" key (a string, number, bool or object by field type); an enum
// field is set by EnumID or EnumCode instead (or by Value = option text).
// Build values with the constructors (Text, Number, Date, EnumID, ...)
// and read them with the accessors (String, Float, Bool, Time, ...).
type FieldValue struct {
	Value    json.RawMessage `json:"value,omitempty"`
	EnumID   int             `json:"enum_id,omitempty"`
	EnumCode string          `json:"enum_code,omitempty"`
	// Subtype is set on some reads of address fields.
	Subtype string `json:"subtype,omitempty"`
	// CatalogID and CatalogElementID are the value of a chained_list.
	CatalogID        int `json:"catalog_id,omitempty"`
	CatalogElementID int `json:"catalog_element_id,omitempty"`
}

// UnmarshalJSON tolerates null or string enum ids and the legacy "enum" key.
func (v *FieldValue) UnmarshalJSON(b []byte) error {
	var w struct {
		Value            json.RawMessage `json:"value"`
		EnumID           json.RawMessage `json:"enum_id"`
		EnumCode         *string         `json:"enum_code"`
		Enum             json.RawMessage `json:"enum"`
		Subtype          json.RawMessage `json:"subtype"`
		CatalogID        json.RawMessage `json:"catalog_id"`
		CatalogElementID json.RawMessage `json:"catalog_element_id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*v = FieldValue{}
	if len(w.Value) > 0 && string(w.Value) != "null" {
		v.Value = w.Value
	}
	v.EnumID = looseInt(w.EnumID)
	if w.EnumCode != nil {
		v.EnumCode = *w.EnumCode
	}
	if v.EnumCode == "" && len(w.Enum) > 0 && w.Enum[0] == '"' {
		_ = json.Unmarshal(w.Enum, &v.EnumCode)
	} else if v.EnumID == 0 {
		v.EnumID = looseInt(w.Enum)
	}
	if len(w.Subtype) > 0 && w.Subtype[0] == '"' {
		_ = json.Unmarshal(w.Subtype, &v.Subtype)
	}
	v.CatalogID = looseInt(w.CatalogID)
	v.CatalogElementID = looseInt(w.CatalogElementID)
	return nil
}

// looseInt reads a JSON number or numeric string; anything else is 0.
func looseInt(b json.RawMessage) int {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	if len(b) == 0 {
		return 0
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return 0
	}
	return n
}

func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with marshalable values
	}
	return b
}

// Text is a value of a text, textarea, url, streetaddress or numeric field.
func Text(s string) FieldValue { return FieldValue{Value: rawJSON(s)} }

// Number is a value of a numeric, monetary or price field.
func Number(f float64) FieldValue { return FieldValue{Value: rawJSON(f)} }

// Checkbox is a value of a checkbox field.
func Checkbox(b bool) FieldValue { return FieldValue{Value: rawJSON(b)} }

// Date is a value of a date, date_time or birthday field, sent as unix
// seconds.
func Date(t time.Time) FieldValue { return FieldValue{Value: rawJSON(t.Unix())} }

// EnumID chooses a select, radiobutton or multiselect option by id.
func EnumID(id int) FieldValue { return FieldValue{EnumID: id} }

// EnumCode chooses an option by its code.
func EnumCode(code string) FieldValue { return FieldValue{EnumCode: code} }

// OptionText chooses an option by its exact text.
func OptionText(text string) FieldValue { return Text(text) }

// Multitext is one phone or email (enumCode WORK, MOB, PRIV, ...; "" lets
// Kommo choose its default).
func Multitext(value, enumCode string) FieldValue {
	return FieldValue{Value: rawJSON(value), EnumCode: enumCode}
}

// AddressPart is one part of a smart_address (AddressCity, AddressZip, ...).
func AddressPart(partCode, value string) FieldValue {
	return FieldValue{Value: rawJSON(value), EnumCode: partCode}
}

// LegalEntity is the value of a legal_entity field. Name is required;
// EntityType is 1 for a sole proprietor, 2 for a legal person.
type LegalEntity struct {
	Name                      string `json:"name"`
	EntityType                int    `json:"entity_type,omitempty"`
	VATID                     string `json:"vat_id,omitempty"`
	TaxRegistrationReasonCode string `json:"tax_registration_reason_code,omitempty"`
	Address                   string `json:"address,omitempty"`
	KPP                       string `json:"kpp,omitempty"`
	ExternalUID               string `json:"external_uid,omitempty"`
}

// LegalEntityValue is a value of a legal_entity field.
func LegalEntityValue(le LegalEntity) FieldValue { return FieldValue{Value: rawJSON(le)} }

// ChainedList is a value of a chained_list field.
func ChainedList(catalogID, elementID int) FieldValue {
	return FieldValue{CatalogID: catalogID, CatalogElementID: elementID}
}

// IsZero reports whether v carries nothing.
func (v FieldValue) IsZero() bool {
	return len(v.Value) == 0 && v.EnumID == 0 && v.EnumCode == "" && v.CatalogElementID == 0
}

// String returns the value as text: a string as is, a number or bool in its
// JSON spelling, an object as JSON; "" if there is no value.
func (v FieldValue) String() string {
	if len(v.Value) == 0 {
		return ""
	}
	if v.Value[0] == '"' {
		var s string
		if json.Unmarshal(v.Value, &s) == nil {
			return s
		}
	}
	return string(v.Value)
}

// Float returns a numeric value (a JSON number or numeric string).
func (v FieldValue) Float() (float64, bool) {
	s := strings.TrimSpace(v.String())
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// Bool returns a checkbox value.
func (v FieldValue) Bool() (bool, bool) {
	switch strings.TrimSpace(v.String()) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// Time returns a date value, given as unix seconds (number or string) or
// as an RFC 3339 string.
func (v FieldValue) Time() (time.Time, bool) {
	s := strings.TrimSpace(v.String())
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(int64(f), 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// LegalEntity decodes a legal_entity value.
func (v FieldValue) LegalEntity() (LegalEntity, bool) {
	var le LegalEntity
	if len(v.Value) == 0 || v.Value[0] != '{' {
		return le, false
	}
	return le, json.Unmarshal(v.Value, &le) == nil
}

// Strings returns the text of every value of the field (options by their
// text, phones as written), for display and for export.
func (f CustomFieldValue) Strings() []string {
	out := make([]string, 0, len(f.Values))
	for _, v := range f.Values {
		if s := v.String(); s != "" {
			out = append(out, s)
		} else if v.EnumCode != "" {
			out = append(out, v.EnumCode)
		} else if v.EnumID != 0 {
			out = append(out, strconv.Itoa(v.EnumID))
		}
	}
	return out
}
