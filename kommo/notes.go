package kommo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// NotesService handles the notes of leads, contacts, companies and
// customers.
//
// Kommo API docs: https://developers.kommo.com/reference/notes-list
type NotesService service

// Note types commonly written by imports.
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
)

// Note is a note on an entity. Params depend on NoteType; a common note
// has {"text": ...}.
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
	Links             Links           `json:"_links"`
}

// Text returns the text of a note whose params carry one.
func (n *Note) Text() string {
	var p struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(n.Params, &p)
	return p.Text
}

// NoteRequest is a note to add, or with ID to update.
type NoteRequest struct {
	ID                int            `json:"id,omitempty"`
	EntityID          int            `json:"entity_id,omitempty"`
	NoteType          string         `json:"note_type,omitempty"`
	Params            map[string]any `json:"params,omitempty"`
	CreatedBy         *int           `json:"created_by,omitempty"`
	ResponsibleUserID int            `json:"responsible_user_id,omitempty"`
	RequestID         string         `json:"request_id,omitempty"`
}

// CommonNote is a plain text note on the entity with id.
func CommonNote(entityID int, text string) NoteRequest {
	return NoteRequest{EntityID: entityID, NoteType: NoteCommon, Params: map[string]any{"text": text}}
}

// NoteListOptions filter the notes list.
type NoteListOptions struct {
	ListOptions
	IDs       []int
	NoteTypes []string
	EntityIDs []int
	UpdatedAt *Range
	Order     *Order
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
	return q
}

func notesPath(entity EntityType) string { return "api/v4/" + string(entity) + "/notes" }

// List returns one page of an entity type's notes.
//
// Kommo API docs: https://developers.kommo.com/reference/notes-list
func (s *NotesService) List(ctx context.Context, entity EntityType, opts *NoteListOptions) ([]*Note, *Response, error) {
	return getList[Note](ctx, s.client, "list "+string(entity)+" notes", notesPath(entity), "notes", opts.values())
}

// ListIter walks every page of an entity type's notes.
func (s *NotesService) ListIter(ctx context.Context, entity EntityType, opts *NoteListOptions) iter.Seq2[*Note, error] {
	return iterate[Note](ctx, s.client, "list "+string(entity)+" notes", notesPath(entity), "notes", opts.values())
}

// ListFor returns one page of the notes of the entity with id.
//
// Kommo API docs: https://developers.kommo.com/reference/notes-list
func (s *NotesService) ListFor(ctx context.Context, entity EntityType, id int, opts *NoteListOptions) ([]*Note, *Response, error) {
	return getList[Note](ctx, s.client, "list "+string(entity)+" notes", fmt.Sprintf("api/v4/%s/%d/notes", entity, id), "notes", opts.values())
}

// Create adds notes to entities of one type.
//
// Kommo API docs: https://developers.kommo.com/reference/add-notes
func (s *NotesService) Create(ctx context.Context, entity EntityType, notes []NoteRequest) ([]*WriteResult, *Response, error) {
	return sendBatch(ctx, s.client, "create "+string(entity)+" notes", http.MethodPost, notesPath(entity), "notes", notes)
}

// Update changes notes, each with its ID.
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
