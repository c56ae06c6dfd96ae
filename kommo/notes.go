package kommo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// NotesService handles the notes of leads, contacts, companies and
// customers.
//
// Kommo API docs: https://developers.kommo.com/reference/notes-list
type NotesService service

// Note types. Kommo's notes-types page documents nine types for writing
// (common, call_in, call_out, service_message, extended_service_message,
// geolocation, sms_in, sms_out, attachment), with their params; the others
// are read from notes Kommo or its integrations made. The official PHP SDK
// refuses to send amomail_message and chat notes (their models have no
// toApi), so NewNote refuses them too.
//
// Kommo API docs: https://developers.kommo.com/reference/notes-types
const (
	NoteCommon        = "common"
	NoteCallIn        = "call_in"
	NoteCallOut       = "call_out"
	NoteServiceMsg    = "service_message"
	NoteSMSIn         = "sms_in"
	NoteSMSOut        = "sms_out"
	NoteAttachment    = "attachment"
	NoteExtendedSvc   = "extended_service_message"
	NoteGeolocation   = "geolocation"
	NoteMessageCasher = "message_cashier"
	// NoteAmomail is an e-mail of Kommo's mail integration: read only.
	NoteAmomail = "amomail_message"
)

// Note is a note on an entity. Params depend on NoteType; a common note
// has {"text": ...}. DecodeParams reads them.
type Note struct {
	ID                int             `json:"id"`
	EntityID          int             `json:"entity_id"`
	CreatedBy         int             `json:"created_by"`
	UpdatedBy         int             `json:"updated_by"`
	CreatedAt         LooseTime       `json:"created_at"`
	UpdatedAt         LooseTime       `json:"updated_at"`
	ResponsibleUserID int             `json:"responsible_user_id"`
	GroupID           int             `json:"group_id"`
	NoteType          string          `json:"note_type"`
	Params            json.RawMessage `json:"params"`
	AccountID         int             `json:"account_id"`
	// IsPinned is read with NoteListOptions.With "is_pinned".
	IsPinned bool  `json:"is_pinned,omitempty"`
	Links    Links `json:"_links"`
}

// Text returns the text of a note whose params carry one.
func (n *Note) Text() string {
	p, _ := n.DecodeParams()
	return p.Text
}

// DecodeParams reads the note's params. Numbers that come as strings
// (or strings that come as numbers) are accepted; keys a type does not
// use stay zero. An error says the params are not a JSON object; what
// could be read is returned with it.
func (n *Note) DecodeParams() (NoteParams, error) {
	var p NoteParams
	b := bytes.TrimSpace(n.Params)
	if len(b) == 0 || string(b) == "null" || string(b) == "[]" {
		return p, nil
	}
	err := json.Unmarshal(b, &p)
	return p, err
}

// CallStatus is the outcome of a call note (params.call_status), as the
// official SDK's CallInterface numbers them. Kommo's notes-types page
// shows no call_status; the SDK sends it when set.
type CallStatus int

// Call statuses.
const (
	CallLeftMessage  CallStatus = 1 // left a voice message
	CallBackLater    CallStatus = 2 // call back later
	CallNotAvailable CallStatus = 3 // not available
	CallConversation CallStatus = 4 // talked
	CallWrongNumber  CallStatus = 5
	CallNoAnswer     CallStatus = 6 // not phoned through
	CallBusy         CallStatus = 7
	CallUndefined    CallStatus = 8
)

// NoteParams are the params of a note, for every type at once: each type
// reads and writes some of them (see NewNote). The keys are Kommo's:
//
//   - common: text
//   - call_in, call_out: uniq, duration (seconds), source, link (the
//     recording), phone; and call_result, call_status, which the
//     official SDK sends when set (not on Kommo's notes-types page)
//   - service_message, extended_service_message: service, text
//   - sms_in, sms_out: text, phone
//   - geolocation: text, address, longitude, latitude
//   - attachment: file_uuid, version_uuid, file_name (a file already in
//     the account's drive)
//   - amomail_message (read only): subject, content_summary, income,
//     thread_id, message_id, attach_cnt, from, to, as the SDK reads them
type NoteParams struct {
	Text string `json:"text,omitempty"`

	// UniqueID is a call's unique id (uniq): the telephony's call id.
	UniqueID   string     `json:"uniq,omitempty"`
	Duration   int        `json:"duration,omitempty"`
	Source     string     `json:"source,omitempty"`
	Link       string     `json:"link,omitempty"`
	Phone      string     `json:"phone,omitempty"`
	CallResult string     `json:"call_result,omitempty"`
	CallStatus CallStatus `json:"call_status,omitempty"`

	Service string `json:"service,omitempty"`

	Address   string `json:"address,omitempty"`
	Longitude string `json:"longitude,omitempty"`
	Latitude  string `json:"latitude,omitempty"`

	FileUUID    string `json:"file_uuid,omitempty"`
	VersionUUID string `json:"version_uuid,omitempty"`
	FileName    string `json:"file_name,omitempty"`

	Subject        string          `json:"subject,omitempty"`
	ContentSummary string          `json:"content_summary,omitempty"`
	Income         bool            `json:"income,omitempty"`
	ThreadID       int             `json:"thread_id,omitempty"`
	MessageID      int             `json:"message_id,omitempty"`
	AttachCount    int             `json:"attach_cnt,omitempty"`
	From           json.RawMessage `json:"from,omitempty"`
	To             json.RawMessage `json:"to,omitempty"`
}

// UnmarshalJSON reads params leniently: numbers may come as strings and
// strings as numbers.
func (p *NoteParams) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	str := func(k string) string {
		raw := bytes.TrimSpace(m[k])
		if len(raw) == 0 || string(raw) == "null" {
			return ""
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return string(raw) // a number or a bool, as written
	}
	num := func(k string) int {
		n, _ := strconv.ParseFloat(str(k), 64)
		return int(n)
	}
	*p = NoteParams{
		Text: str("text"), UniqueID: str("uniq"), Duration: num("duration"), Source: str("source"),
		Link: str("link"), Phone: str("phone"), CallResult: str("call_result"), CallStatus: CallStatus(num("call_status")),
		Service: str("service"), Address: str("address"), Longitude: str("longitude"), Latitude: str("latitude"),
		FileUUID: str("file_uuid"), VersionUUID: str("version_uuid"), FileName: str("file_name"),
		Subject: str("subject"), ContentSummary: str("content_summary"), ThreadID: num("thread_id"),
		MessageID: num("message_id"), AttachCount: num("attach_cnt"),
	}
	switch str("income") {
	case "true", "1":
		p.Income = true
	}
	if v, ok := m["from"]; ok && string(bytes.TrimSpace(v)) != "null" {
		p.From = v
	}
	if v, ok := m["to"]; ok && string(bytes.TrimSpace(v)) != "null" {
		p.To = v
	}
	return nil
}

// WritableNoteType reports whether Kommo documents writing notes of type
// t (its notes-types page): NewNote builds those.
func WritableNoteType(t string) bool {
	_, ok := noteParamKeys[t]
	return ok
}

// noteParamKeys are the params each writable type sends, in Kommo's
// order: the keys of Kommo's notes-types examples; call_result and
// call_status (from the official SDK) are added to calls when set.
var noteParamKeys = map[string][]string{
	NoteCommon:      {"text"},
	NoteCallIn:      {"uniq", "duration", "source", "link", "phone"},
	NoteCallOut:     {"uniq", "duration", "source", "link", "phone"},
	NoteServiceMsg:  {"service", "text"},
	NoteExtendedSvc: {"service", "text"},
	NoteGeolocation: {"text", "address", "longitude", "latitude"},
	NoteSMSIn:       {"text", "phone"},
	NoteSMSOut:      {"text", "phone"},
	NoteAttachment:  {"version_uuid", "file_uuid", "file_name"},
}

// Map returns the params a note of type noteType sends: every key Kommo's
// example for the type shows (empty ones too, as the SDK sends them: a
// missed call has duration 0), plus call_result and call_status when set
// on a call. An attachment without a version_uuid leaves it out (Kommo
// then takes the file's latest version). It fails for a type Kommo does
// not document writing.
func (p NoteParams) Map(noteType string) (map[string]any, error) {
	keys, ok := noteParamKeys[noteType]
	if !ok {
		return nil, fmt.Errorf("Kommo does not document writing %q notes (writable: common, call_in, call_out, service_message, extended_service_message, geolocation, sms_in, sms_out, attachment)", noteType)
	}
	m := make(map[string]any, len(keys)+2)
	for _, k := range keys {
		switch k {
		case "text":
			m[k] = p.Text
		case "uniq":
			m[k] = p.UniqueID
		case "duration":
			m[k] = p.Duration
		case "source":
			m[k] = p.Source
		case "link":
			m[k] = p.Link
		case "phone":
			m[k] = p.Phone
		case "service":
			m[k] = p.Service
		case "address":
			m[k] = p.Address
		case "longitude":
			m[k] = p.Longitude
		case "latitude":
			m[k] = p.Latitude
		case "version_uuid":
			if p.VersionUUID != "" {
				m[k] = p.VersionUUID
			}
		case "file_uuid":
			m[k] = p.FileUUID
		case "file_name":
			m[k] = p.FileName
		}
	}
	if noteType == NoteCallIn || noteType == NoteCallOut {
		if p.CallResult != "" {
			m["call_result"] = p.CallResult
		}
		if p.CallStatus != 0 {
			m["call_status"] = int(p.CallStatus)
		}
	}
	return m, nil
}

// NoteRequest is a note to add, or with ID to update.
type NoteRequest struct {
	ID                int            `json:"id,omitempty"`
	EntityID          int            `json:"entity_id,omitempty"`
	NoteType          string         `json:"note_type,omitempty"`
	Params            map[string]any `json:"params,omitempty"`
	CreatedBy         *int           `json:"created_by,omitempty"`
	ResponsibleUserID int            `json:"responsible_user_id,omitempty"`
	// CreatedAt dates the note (unix seconds): the official SDK sends it
	// on create; Kommo's add-notes page does not show it, so whether
	// Kommo keeps it is UNCONFIRMED.
	CreatedAt int64  `json:"created_at,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// NewNote is a note of type noteType on the entity with id, with the
// params the type sends (NoteParams.Map). A common note needs a text.
func NewNote(entityID int, noteType string, p NoteParams) (NoteRequest, error) {
	m, err := p.Map(noteType)
	if err != nil {
		return NoteRequest{}, err
	}
	if noteType == NoteCommon && p.Text == "" {
		return NoteRequest{}, errors.New("a common note needs a text")
	}
	return NoteRequest{EntityID: entityID, NoteType: noteType, Params: m}, nil
}

// CommonNote is a plain text note on the entity with id.
func CommonNote(entityID int, text string) NoteRequest {
	return NoteRequest{EntityID: entityID, NoteType: NoteCommon, Params: map[string]any{"text": text}}
}

// CallInNote is an incoming call on the entity with id; p's call params
// are sent (uniq, duration, source, link, phone, and call_result and
// call_status when set).
func CallInNote(entityID int, p NoteParams) NoteRequest {
	n, _ := NewNote(entityID, NoteCallIn, p)
	return n
}

// CallOutNote is an outgoing call; see CallInNote.
func CallOutNote(entityID int, p NoteParams) NoteRequest {
	n, _ := NewNote(entityID, NoteCallOut, p)
	return n
}

// ServiceMessageNote is a service message: a text an integration (the
// service) left on the entity.
func ServiceMessageNote(entityID int, service, text string) NoteRequest {
	n, _ := NewNote(entityID, NoteServiceMsg, NoteParams{Service: service, Text: text})
	return n
}

// SMSInNote is an incoming SMS from phone.
func SMSInNote(entityID int, phone, text string) NoteRequest {
	n, _ := NewNote(entityID, NoteSMSIn, NoteParams{Phone: phone, Text: text})
	return n
}

// SMSOutNote is an outgoing SMS to phone.
func SMSOutNote(entityID int, phone, text string) NoteRequest {
	n, _ := NewNote(entityID, NoteSMSOut, NoteParams{Phone: phone, Text: text})
	return n
}

// NoteListOptions filter the notes list: filter[id][], filter[note_type][],
// filter[entity_id][] and filter[updated_at][from|to], as Kommo's notes
// list and the SDK's NotesFilter name them.
type NoteListOptions struct {
	ListOptions
	IDs       []int
	NoteTypes []string
	EntityIDs []int
	UpdatedAt *Range
	Order     *Order
	// With: "is_pinned".
	With []string
}

func (o *NoteListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	setInts(q, "filter[id]", o.IDs)
	setStrings(q, "filter[note_type]", o.NoteTypes)
	setInts(q, "filter[entity_id]", o.EntityIDs)
	o.UpdatedAt.encode(q, "filter[updated_at]")
	o.Order.encode(q)
	setWith(q, o.With)
	return q
}

func notesPath(entity EntityType) string { return "api/v4/" + string(entity) + "/notes" }

func entityNotesPath(entity EntityType, id int) string {
	return fmt.Sprintf("api/v4/%s/%d/notes", entity, id)
}

// List returns one page of an entity type's notes.
//
// Kommo API docs: https://developers.kommo.com/reference/notes-list
func (s *NotesService) List(ctx context.Context, entity EntityType, opts *NoteListOptions) ([]*Note, *Response, error) {
	return getList[Note](ctx, s.client, "list "+string(entity)+" notes", notesPath(entity), "notes", opts.values())
}

// ListIter walks every page of an entity type's notes. Thousands of
// EntityIDs are split over several lists.
func (s *NotesService) ListIter(ctx context.Context, entity EntityType, opts *NoteListOptions) iter.Seq2[*Note, error] {
	return iterate[Note](ctx, s.client, "list "+string(entity)+" notes", notesPath(entity), "notes", opts.values())
}

// ListFor returns one page of the notes of the entity with id.
//
// Kommo API docs: https://developers.kommo.com/reference/notes-by-entity-id
func (s *NotesService) ListFor(ctx context.Context, entity EntityType, id int, opts *NoteListOptions) ([]*Note, *Response, error) {
	return getList[Note](ctx, s.client, "list "+string(entity)+" notes", entityNotesPath(entity, id), "notes", opts.values())
}

// ListForIter walks every page of the notes of the entity with id.
func (s *NotesService) ListForIter(ctx context.Context, entity EntityType, id int, opts *NoteListOptions) iter.Seq2[*Note, error] {
	return iterate[Note](ctx, s.client, "list "+string(entity)+" notes", entityNotesPath(entity, id), "notes", opts.values())
}

// Get returns the note with id of the entity with entityID, at the path
// the official SDK's getOne reads (/{entity}/{entity_id}/notes/{id}).
//
// Kommo API docs: https://developers.kommo.com/reference/notes-by-entity-id
func (s *NotesService) Get(ctx context.Context, entity EntityType, entityID, id int) (*Note, *Response, error) {
	return getOne[Note](ctx, s.client, "get "+string(entity)+" note", entityNotesPath(entity, entityID)+"/"+strconv.Itoa(id), nil)
}

// Create adds up to MaxBatch notes to entities of one type. Each needs its
// entity_id and note_type; give each a RequestID to match the results to
// the notes (Kommo otherwise echoes the item's index).
//
// Kommo API docs: https://developers.kommo.com/reference/add-notes
func (s *NotesService) Create(ctx context.Context, entity EntityType, notes []NoteRequest) ([]*WriteResult, *Response, error) {
	op := "create " + string(entity) + " notes"
	for i, n := range notes {
		if n.EntityID == 0 || n.NoteType == "" {
			return nil, nil, wrapOp(op, fmt.Errorf("item %d: entity_id and note_type are required", i))
		}
	}
	return sendBatch(ctx, s.client, op, http.MethodPost, notesPath(entity), "notes", notes)
}

// Update changes up to MaxBatch notes, each with its ID.
//
// Kommo API docs: https://developers.kommo.com/reference/edit-notes
func (s *NotesService) Update(ctx context.Context, entity EntityType, notes []NoteRequest) ([]*WriteResult, *Response, error) {
	for i, n := range notes {
		if n.ID == 0 {
			return nil, nil, wrapOp("update notes", fmt.Errorf("item %d has no id", i))
		}
	}
	return sendBatch(ctx, s.client, "update "+string(entity)+" notes", http.MethodPatch, notesPath(entity), "notes", notes)
}
