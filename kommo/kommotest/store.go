package kommotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// State is the whole account state held by a Server: the fixtures
// (account, users, pipelines, task types, custom field definitions) and the
// records written through the API. It is the struct that Snapshot returns and
// that Options.StatePath persists as JSON.
//
// Record structs mirror the API's read shapes: dates are unix seconds,
// custom_fields_values are stored as returned on read. Slices are in creation
// order. The zero State is an empty account with no users; NewServer fills
// nothing in, so seeds should start from DefaultSeed.
type State struct {
	Account   Account    `json:"account"`
	Users     []User     `json:"users"`
	Pipelines []Pipeline `json:"pipelines"`
	TaskTypes []TaskType `json:"task_types"`
	// CustomFields holds field definitions keyed by entity type
	// ("leads", "contacts", "companies").
	CustomFields map[string][]CustomField `json:"custom_fields"`
	// Tags holds tag dictionaries keyed by entity type.
	Tags map[string][]Tag `json:"tags"`

	Leads     []Lead    `json:"leads"`
	Contacts  []Contact `json:"contacts"`
	Companies []Company `json:"companies"`
	Tasks     []Task    `json:"tasks"`
	Notes     []Note    `json:"notes"`
	Links     []Link    `json:"links"`
	// Events are stored oldest first; the API lists them newest first.
	Events []Event `json:"events"`

	// OAuthTokens are the access/refresh token pairs issued by
	// POST /oauth2/access_token.
	OAuthTokens []OAuthToken `json:"oauth_tokens,omitempty"`
	// EventSeq is the sequence number of the last generated event id.
	EventSeq int `json:"event_seq"`
}

// Seed is the initial state of a Server. It is the same struct as State, so a
// Snapshot can seed another Server.
type Seed = State

// Account is the account returned by GET /api/v4/account.
type Account struct {
	ID             int    `json:"id"`
	Name           string `json:"name"`
	Subdomain      string `json:"subdomain"`
	CreatedAt      int64  `json:"created_at"`
	CreatedBy      int    `json:"created_by"`
	CurrentUserID  int    `json:"current_user_id"`
	Country        string `json:"country"`
	Currency       string `json:"currency"`
	CurrencySymbol string `json:"currency_symbol"`
	// TimeZone is the account's IANA zone ("Europe/Moscow"; "" is UTC):
	// date and birthday values are kept as midnight in it, and
	// GET /account?with=datetime_settings names it.
	TimeZone string `json:"timezone,omitempty"`
}

// User is an account user.
type User struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Lang     string `json:"lang"`
	IsAdmin  bool   `json:"is_admin"`
	IsActive bool   `json:"is_active"`
}

// Pipeline is a lead pipeline with its statuses (including 142 and 143).
type Pipeline struct {
	ID           int      `json:"id"`
	Name         string   `json:"name"`
	Sort         int      `json:"sort"`
	IsMain       bool     `json:"is_main"`
	IsUnsortedOn bool     `json:"is_unsorted_on"`
	IsArchive    bool     `json:"is_archive"`
	Statuses     []Status `json:"statuses"`
}

// Status is a pipeline stage. Type 1 is the "Incoming leads" stage, 0 a
// normal one; ids 142 (won) and 143 (lost) exist in every pipeline.
type Status struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Sort        int    `json:"sort"`
	IsEditable  bool   `json:"is_editable"`
	PipelineID  int    `json:"pipeline_id"`
	Color       string `json:"color"`
	Type        int    `json:"type"`
	Description string `json:"description"`
}

// TaskType is a task type listed by GET /api/v4/account?with=task_types.
type TaskType struct {
	ID     int     `json:"id"`
	Name   string  `json:"name"`
	Color  *string `json:"color"`
	IconID *int    `json:"icon_id"`
	Code   *string `json:"code"`
}

// CustomField is a custom field definition.
type CustomField struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Code         string `json:"code,omitempty"` // "" reads as null
	Sort         int    `json:"sort"`
	IsAPIOnly    bool   `json:"is_api_only"`
	IsPredefined bool   `json:"is_predefined"`
	IsDeletable  bool   `json:"is_deletable"`
	EntityType   string `json:"entity_type"`
	Enums        []Enum `json:"enums,omitempty"` // nil reads as null
}

// Enum is an option of a select, multiselect, radiobutton, multitext or
// smart_address field. Code is matched by enum_code; for multitext and
// smart_address fields the Value is the code.
type Enum struct {
	ID    int    `json:"id"`
	Value string `json:"value"`
	Sort  int    `json:"sort"`
	Code  string `json:"code,omitempty"`
}

// FieldValues is one entry of custom_fields_values as returned on read.
type FieldValues struct {
	FieldID   int          `json:"field_id"`
	FieldName string       `json:"field_name"`
	FieldCode string       `json:"field_code,omitempty"` // "" reads as null
	FieldType string       `json:"field_type"`
	Values    []FieldValue `json:"values"`
}

// FieldValue is one stored value. Value is a string (text, numeric, url,
// textarea, multitext, select option text, smart_address part), a bool
// (checkbox), an int64 of unix seconds (date, date_time, birthday) or a
// map[string]any (legal_entity).
type FieldValue struct {
	Value    any    `json:"value"`
	EnumID   int    `json:"enum_id,omitempty"`
	EnumCode string `json:"enum_code,omitempty"`
}

// Tag is a tag of one entity type.
type Tag struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Color *string `json:"color"`
}

// Lead is a stored lead.
type Lead struct {
	ID                 int           `json:"id"`
	Name               string        `json:"name"`
	Price              float64       `json:"price"` // with cents (minor units)
	ResponsibleUserID  int           `json:"responsible_user_id"`
	GroupID            int           `json:"group_id"`
	StatusID           int           `json:"status_id"`
	PipelineID         int           `json:"pipeline_id"`
	LossReasonID       *int          `json:"loss_reason_id"`
	SourceID           *int          `json:"source_id"`
	CreatedBy          int           `json:"created_by"`
	UpdatedBy          int           `json:"updated_by"`
	CreatedAt          int64         `json:"created_at"`
	UpdatedAt          int64         `json:"updated_at"`
	ClosedAt           *int64        `json:"closed_at"`
	ClosestTaskAt      *int64        `json:"closest_task_at"`
	IsDeleted          bool          `json:"is_deleted"`
	CustomFieldsValues []FieldValues `json:"custom_fields_values"`
	Tags               []Tag         `json:"tags"`
}

// Contact is a stored contact.
type Contact struct {
	ID                 int           `json:"id"`
	Name               string        `json:"name"`
	FirstName          string        `json:"first_name"`
	LastName           string        `json:"last_name"`
	ResponsibleUserID  int           `json:"responsible_user_id"`
	GroupID            int           `json:"group_id"`
	CreatedBy          int           `json:"created_by"`
	UpdatedBy          int           `json:"updated_by"`
	CreatedAt          int64         `json:"created_at"`
	UpdatedAt          int64         `json:"updated_at"`
	ClosestTaskAt      *int64        `json:"closest_task_at"`
	IsDeleted          bool          `json:"is_deleted"`
	IsUnsorted         bool          `json:"is_unsorted"`
	CustomFieldsValues []FieldValues `json:"custom_fields_values"`
	Tags               []Tag         `json:"tags"`
}

// Company is a stored company.
type Company struct {
	ID                 int           `json:"id"`
	Name               string        `json:"name"`
	ResponsibleUserID  int           `json:"responsible_user_id"`
	GroupID            int           `json:"group_id"`
	CreatedBy          int           `json:"created_by"`
	UpdatedBy          int           `json:"updated_by"`
	CreatedAt          int64         `json:"created_at"`
	UpdatedAt          int64         `json:"updated_at"`
	ClosestTaskAt      *int64        `json:"closest_task_at"`
	IsDeleted          bool          `json:"is_deleted"`
	CustomFieldsValues []FieldValues `json:"custom_fields_values"`
	Tags               []Tag         `json:"tags"`
}

// Task is a stored task. EntityType is "" when the task is not attached.
type Task struct {
	ID                int         `json:"id"`
	CreatedBy         int         `json:"created_by"`
	UpdatedBy         int         `json:"updated_by"`
	CreatedAt         int64       `json:"created_at"`
	UpdatedAt         int64       `json:"updated_at"`
	ResponsibleUserID int         `json:"responsible_user_id"`
	GroupID           int         `json:"group_id"`
	EntityID          int         `json:"entity_id"`
	EntityType        string      `json:"entity_type"`
	Duration          int         `json:"duration"`
	IsCompleted       bool        `json:"is_completed"`
	TaskTypeID        int         `json:"task_type_id"`
	Text              string      `json:"text"`
	Result            *TaskResult `json:"result"`
	CompleteTill      int64       `json:"complete_till"`
}

// TaskResult is the result of a completed task.
type TaskResult struct {
	Text string `json:"text"`
}

// Note is a stored note of a lead, contact or company.
type Note struct {
	ID                int            `json:"id"`
	EntityID          int            `json:"entity_id"`
	EntityType        string         `json:"entity_type"` // leads, contacts, companies
	NoteType          string         `json:"note_type"`
	Params            map[string]any `json:"params"`
	CreatedBy         int            `json:"created_by"`
	UpdatedBy         int            `json:"updated_by"`
	CreatedAt         int64          `json:"created_at"`
	UpdatedAt         int64          `json:"updated_at"`
	ResponsibleUserID int            `json:"responsible_user_id"`
	GroupID           int            `json:"group_id"`
}

// Link connects two entities. It is stored once, oriented from the entity
// type that comes first in leads, contacts, companies, customers,
// catalog_elements; reads are reoriented from the requested side.
type Link struct {
	EntityID     int           `json:"entity_id"`
	EntityType   string        `json:"entity_type"`
	ToEntityID   int           `json:"to_entity_id"`
	ToEntityType string        `json:"to_entity_type"`
	Metadata     *LinkMetadata `json:"metadata"`
}

// LinkMetadata is the metadata of a link. MainContact marks the main contact
// of a lead or company.
type LinkMetadata struct {
	MainContact bool     `json:"main_contact,omitempty"`
	Quantity    *float64 `json:"quantity,omitempty"`
	CatalogID   *int     `json:"catalog_id,omitempty"`
}

// Event is a stored event. ValueAfter and ValueBefore are the JSON arrays
// returned by the API.
type Event struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	EntityID    int             `json:"entity_id"`
	EntityType  string          `json:"entity_type"` // singular: lead, contact, company, task
	CreatedBy   int             `json:"created_by"`
	CreatedAt   int64           `json:"created_at"`
	ValueAfter  json.RawMessage `json:"value_after"`
	ValueBefore json.RawMessage `json:"value_before"`
}

// OAuthToken is an access/refresh token pair issued to an OAuth client.
// A rotated pair has Revoked set; its refresh token is rejected.
type OAuthToken struct {
	ClientID         string `json:"client_id"`
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	ExpiresAt        int64  `json:"expires_at"`
	RefreshExpiresAt int64  `json:"refresh_expires_at"`
	RedirectURI      string `json:"redirect_uri"`
	Revoked          bool   `json:"revoked"`
}

// clone deep-copies a state through JSON and restores the concrete types of
// custom field values.
func (st *State) clone() State {
	b, err := json.Marshal(st)
	if err != nil {
		panic(fmt.Sprintf("kommotest: marshal state: %v", err))
	}
	var out State
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("kommotest: unmarshal state: %v", err))
	}
	out.normalize()
	return out
}

// normalize restores the Go types documented on FieldValue after a JSON
// round trip (dates come back as float64).
func (st *State) normalize() {
	if st.CustomFields == nil {
		st.CustomFields = map[string][]CustomField{}
	}
	if st.Tags == nil {
		st.Tags = map[string][]Tag{}
	}
	fix := func(fvs []FieldValues) {
		for i := range fvs {
			for j := range fvs[i].Values {
				fvs[i].Values[j].Value = normalizeStored(fvs[i].FieldType, fvs[i].Values[j].Value)
			}
		}
	}
	for i := range st.Leads {
		fix(st.Leads[i].CustomFieldsValues)
	}
	for i := range st.Contacts {
		fix(st.Contacts[i].CustomFieldsValues)
	}
	for i := range st.Companies {
		fix(st.Companies[i].CustomFieldsValues)
	}
}

func normalizeStored(fieldType string, v any) any {
	switch fieldType {
	case "date", "date_time", "birthday":
		switch x := v.(type) {
		case float64:
			return int64(x)
		case json.Number:
			n, _ := x.Int64()
			return n
		case int:
			return int64(x)
		}
	}
	return plainJSON(v)
}

// plainJSON converts json.Number values inside v to float64 so that stored
// values look the same before and after a JSON round trip.
func plainJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plainJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainJSON(e)
		}
		return out
	}
	return v
}

// loadState reads a persisted state. It reports ok=false when path does not
// exist.
func loadState(path string) (State, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, fmt.Errorf("kommotest: load state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, false, fmt.Errorf("kommotest: load state %s: %w", path, err)
	}
	st.normalize()
	return st, true, nil
}

// saveState writes st to path atomically (temporary file and rename).
func saveState(path string, st *State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("kommotest: save state: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".kommotest-state-*")
	if err != nil {
		return fmt.Errorf("kommotest: save state: %w", err)
	}
	tmp := f.Name()
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("kommotest: save state: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("kommotest: save state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("kommotest: save state: %w", err)
	}
	return nil
}
