package kommo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// EventsService reads the account's event log.
//
// Kommo API docs: https://developers.kommo.com/reference/events-list
type EventsService service

// Event type keys, as in Kommo's table of event types ("Tipos de eventos
// disponibles", 70 entries: these 69 and one custom_field_{ID}_value_changed
// per custom field, see CustomFieldValueChanged).
const (
	EventLeadAdded                   = "lead_added"
	EventLeadDeleted                 = "lead_deleted"
	EventLeadRestored                = "lead_restored"
	EventLeadStatusChanged           = "lead_status_changed"
	EventLeadLinked                  = "lead_linked"
	EventLeadUnlinked                = "lead_unlinked"
	EventContactAdded                = "contact_added"
	EventContactDeleted              = "contact_deleted"
	EventContactRestored             = "contact_restored"
	EventContactLinked               = "contact_linked"
	EventContactUnlinked             = "contact_unlinked"
	EventCompanyAdded                = "company_added"
	EventCompanyDeleted              = "company_deleted"
	EventCompanyRestored             = "company_restored"
	EventCompanyLinked               = "company_linked"
	EventCompanyUnlinked             = "company_unlinked"
	EventTaskAdded                   = "task_added"
	EventTaskDeleted                 = "task_deleted"
	EventTaskCompleted               = "task_completed"
	EventTaskTypeChanged             = "task_type_changed"
	EventTaskTextChanged             = "task_text_changed"
	EventTaskDeadlineChanged         = "task_deadline_changed"
	EventTaskResultAdded             = "task_result_added"
	EventIncomingCall                = "incoming_call"
	EventOutgoingCall                = "outgoing_call"
	EventIncomingMail                = "incoming_mail"
	EventOutgoingMail                = "outgoing_mail"
	EventIncomingChatMessage         = "incoming_chat_message"
	EventOutgoingChatMessage         = "outgoing_chat_message"
	EventEntityDirectMessage         = "entity_direct_message"
	EventIncomingSMS                 = "incoming_sms"
	EventOutgoingSMS                 = "outgoing_sms"
	EventEntityTagAdded              = "entity_tag_added"
	EventEntityTagDeleted            = "entity_tag_deleted"
	EventEntityLinked                = "entity_linked"
	EventEntityUnlinked              = "entity_unlinked"
	EventSaleFieldChanged            = "sale_field_changed"
	EventNameFieldChanged            = "name_field_changed"
	EventLTVFieldChanged             = "ltv_field_changed"
	EventCustomFieldValueChanged     = "custom_field_value_changed"
	EventEntityResponsibleChanged    = "entity_responsible_changed"
	EventRobotReplied                = "robot_replied"
	EventIntentIdentified            = "intent_identified"
	EventNPSRateAdded                = "nps_rate_added"
	EventLinkFollowed                = "link_followed"
	EventCommonNoteAdded             = "common_note_added"
	EventCommonNoteDeleted           = "common_note_deleted"
	EventAttachmentNoteAdded         = "attachment_note_added"
	EventTargetingInNoteAdded        = "targeting_in_note_added"
	EventTargetingOutNoteAdded       = "targeting_out_note_added"
	EventGeoNoteAdded                = "geo_note_added"
	EventServiceNoteAdded            = "service_note_added"
	EventSiteVisitNoteAdded          = "site_visit_note_added"
	EventEntityMerged                = "entity_merged"
	EventVideoOpened                 = "video_opened"
	EventVideoClosed                 = "video_closed"
	EventPictureOpened               = "picture_opened"
	EventPictureClosed               = "picture_closed"
	EventZoomConference              = "zoom_conference"
	EventKeyActionCompleted          = "key_action_completed"
	EventAIResult                    = "ai_result"
	EventTalkCreated                 = "talk_created"
	EventTalkClosed                  = "talk_closed"
	EventConversationAnswered        = "conversation_answered"
	EventMetaChatSubscriptionAdded   = "meta_chat_subscription_added"
	EventMetaChatSubscriptionRemoved = "meta_chat_subscription_removed"
	EventTalkMissed                  = "talk_missed_event"
	EventPageMention                 = "page_mention"
	EventDropboxAttachment           = "dropbox_attachment"
)

// amoCRM-only event types: amoCRM's (Russian) documentation and the
// official SDK list them, Kommo's table of event types does not, so Kommo
// accounts do not log them and its events list does not take them as a
// filter.
const (
	EventCustomerAdded             = "customer_added"
	EventCustomerDeleted           = "customer_deleted"
	EventCustomerStatusChanged     = "customer_status_changed"
	EventCustomerLinked            = "customer_linked"
	EventCustomerUnlinked          = "customer_unlinked"
	EventTransactionAdded          = "transaction_added"
	EventMessageToCashierNoteAdded = "message_to_cashier_note_added"
)

// EventTypes lists Kommo's fixed event type keys, in the order of Kommo's
// table. The table's 70th entry is the per-field type, see
// CustomFieldValueChanged.
var EventTypes = []string{
	EventLeadAdded, EventLeadDeleted, EventLeadRestored, EventLeadStatusChanged, EventLeadLinked, EventLeadUnlinked,
	EventContactAdded, EventContactDeleted, EventContactRestored, EventContactLinked, EventContactUnlinked,
	EventCompanyAdded, EventCompanyDeleted, EventCompanyRestored, EventCompanyLinked, EventCompanyUnlinked,
	EventTaskAdded, EventTaskDeleted, EventTaskCompleted, EventTaskTypeChanged, EventTaskTextChanged,
	EventTaskDeadlineChanged, EventTaskResultAdded, EventIncomingCall, EventOutgoingCall, EventIncomingMail,
	EventOutgoingMail, EventIncomingChatMessage, EventOutgoingChatMessage, EventEntityDirectMessage,
	EventIncomingSMS, EventOutgoingSMS, EventEntityTagAdded, EventEntityTagDeleted, EventEntityLinked,
	EventEntityUnlinked, EventSaleFieldChanged, EventNameFieldChanged, EventLTVFieldChanged,
	EventCustomFieldValueChanged, EventEntityResponsibleChanged, EventRobotReplied, EventIntentIdentified,
	EventNPSRateAdded, EventLinkFollowed, EventCommonNoteAdded, EventCommonNoteDeleted, EventAttachmentNoteAdded,
	EventTargetingInNoteAdded, EventTargetingOutNoteAdded, EventGeoNoteAdded, EventServiceNoteAdded,
	EventSiteVisitNoteAdded, EventEntityMerged, EventVideoOpened, EventVideoClosed, EventPictureOpened,
	EventPictureClosed, EventZoomConference, EventKeyActionCompleted, EventAIResult, EventTalkCreated,
	EventTalkClosed, EventConversationAnswered, EventMetaChatSubscriptionAdded, EventMetaChatSubscriptionRemoved,
	EventTalkMissed, EventPageMention, EventDropboxAttachment,
}

// AmoCRMEventTypes lists the amoCRM-only event types (not in Kommo's table).
var AmoCRMEventTypes = []string{
	EventCustomerAdded, EventCustomerDeleted, EventCustomerStatusChanged, EventCustomerLinked,
	EventCustomerUnlinked, EventTransactionAdded, EventMessageToCashierNoteAdded,
}

// IsEventType reports whether t is one of Kommo's event types: a key of
// EventTypes or custom_field_{ID}_value_changed.
func IsEventType(t string) bool {
	if _, ok := FieldChangeEventType(t); ok {
		return true
	}
	return slices.Contains(EventTypes, t)
}

// FieldChangeEventType returns the field id of a
// custom_field_{ID}_value_changed type.
func FieldChangeEventType(t string) (fieldID int, ok bool) {
	mid, ok := strings.CutPrefix(t, "custom_field_")
	if !ok {
		return 0, false
	}
	mid, ok = strings.CutSuffix(mid, "_value_changed")
	if !ok || mid == "" || strings.TrimLeft(mid, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.Atoi(mid)
	return id, err == nil && id > 0
}

// CustomFieldValueChanged is the event type of a change to one field:
// "custom_field_{ID}_value_changed".
func CustomFieldValueChanged(fieldID int) string {
	return "custom_field_" + strconv.Itoa(fieldID) + "_value_changed"
}

// Event is one entry of the event log. Its id is a string; EntityType is
// singular ("lead", "contact", "company", "task", "catalog_{id}").
// ValueBefore and ValueAfter keep Kommo's JSON (their shape depends on the
// type); the accessors decode the common ones.
type Event struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	EntityID    int             `json:"entity_id"`
	EntityType  string          `json:"entity_type"`
	CreatedBy   int             `json:"created_by"`
	CreatedAt   LooseTime       `json:"created_at"`
	ValueAfter  json.RawMessage `json:"value_after"`
	ValueBefore json.RawMessage `json:"value_before"`
	AccountID   int             `json:"account_id"`
	Links       Links           `json:"_links"`
	Embedded    struct {
		Entity struct {
			ID   int    `json:"id"`
			Name string `json:"name,omitempty"`
		} `json:"entity"`
	} `json:"_embedded"`
}

// EventValue is one element of an event's value_before/value_after; the
// key that is set depends on the event type.
type EventValue struct {
	LeadStatus *struct {
		ID         int `json:"id"`
		PipelineID int `json:"pipeline_id"`
	} `json:"lead_status,omitempty"`
	ResponsibleUser *struct {
		ID int `json:"id"`
	} `json:"responsible_user,omitempty"`
	CustomFieldValue *struct {
		FieldID   int             `json:"field_id"`
		FieldType json.RawMessage `json:"field_type"`
		EnumID    int             `json:"enum_id"`
		Text      string          `json:"text"`
	} `json:"custom_field_value,omitempty"`
	Note *struct {
		ID int `json:"id"`
	} `json:"note,omitempty"`
	Tag *struct {
		Name string `json:"name"`
	} `json:"tag,omitempty"`
	SaleFieldValue *struct {
		Sale float64 `json:"sale"`
	} `json:"sale_field_value,omitempty"`
	NameFieldValue *struct {
		Name string `json:"name"`
	} `json:"name_field_value,omitempty"`
	Link *struct {
		Entity struct {
			ID   int    `json:"id"`
			Type string `json:"type"`
		} `json:"entity"`
	} `json:"link,omitempty"`
}

// After decodes value_after ([] or null is an empty slice).
func (e *Event) After() ([]EventValue, error) { return decodeEventValues(e.ValueAfter) }

// Before decodes value_before.
func (e *Event) Before() ([]EventValue, error) { return decodeEventValues(e.ValueBefore) }

func decodeEventValues(b json.RawMessage) ([]EventValue, error) {
	s := strings.TrimSpace(string(b))
	if s == "" || s == "null" || s == "[]" || s == "{}" {
		return nil, nil
	}
	var v []EventValue
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("decode event value: %w", err)
	}
	return v, nil
}

// EventListOptions filter the events list. Kommo takes at most
// MaxEventsLimit events per page. A custom_field_{ID}_value_changed type
// must be the only entry of Types: Kommo's table of event types says "if
// this type is passed, other types can't be passed" (list them one by one
// and merge, as the bulk export does).
type EventListOptions struct {
	ListOptions
	IDs []string
	// Types are event type keys (see EventTypes and CustomFieldValueChanged).
	Types []string
	// Entities are singular entity names: "lead", "contact", "company",
	// "customer", "task", "catalog_{id}".
	Entities []string
	// EntityIDs (at most 10) needs exactly one entry in Entities.
	EntityIDs []int
	CreatedBy []int
	CreatedAt *Range
	// ValueAfter and ValueBefore are raw value filters, keyed by what
	// follows filter[value_after] (e.g. "[responsible_user_id]").
	ValueAfter  map[string]string
	ValueBefore map[string]string
	// With: "contact_name", "lead_name", "company_name",
	// "catalog_element_name", "customer_name", "catalog_name", "note".
	With []string
}

func (o *EventListOptions) values() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	if o.Limit > MaxEventsLimit {
		return nil, fmt.Errorf("limit %d: events pages hold at most %d", o.Limit, MaxEventsLimit)
	}
	if len(o.EntityIDs) > 0 && len(o.Entities) != 1 {
		return nil, fmt.Errorf("EntityIDs needs exactly one entity in Entities")
	}
	if len(o.EntityIDs) > 10 {
		return nil, fmt.Errorf("%d entity ids: Kommo takes at most 10", len(o.EntityIDs))
	}
	if len(o.Types) > 1 {
		for _, t := range o.Types {
			if _, ok := FieldChangeEventType(t); ok {
				return nil, fmt.Errorf("event type %s cannot be combined with other types in one filter (Kommo); list it on its own", t)
			}
		}
	}
	o.ListOptions.encode(q)
	// The official SDK sends these lists comma-joined.
	if len(o.IDs) > 0 {
		q.Set("filter[id]", strings.Join(o.IDs, ","))
	}
	if len(o.Types) > 0 {
		q.Set("filter[type]", strings.Join(o.Types, ","))
	}
	if len(o.Entities) > 0 {
		q.Set("filter[entity]", strings.Join(o.Entities, ","))
	}
	if len(o.EntityIDs) > 0 {
		q.Set("filter[entity_id]", joinInts(o.EntityIDs))
	}
	if len(o.CreatedBy) > 0 {
		q.Set("filter[created_by]", joinInts(o.CreatedBy))
	}
	o.CreatedAt.encode(q, "filter[created_at]")
	for k, v := range o.ValueAfter {
		q.Set("filter[value_after]"+k, v)
	}
	for k, v := range o.ValueBefore {
		q.Set("filter[value_before]"+k, v)
	}
	setWith(q, o.With)
	return q, nil
}

// List returns one page of events (newest first).
//
// Kommo API docs: https://developers.kommo.com/reference/events-list
func (s *EventsService) List(ctx context.Context, opts *EventListOptions) ([]*Event, *Response, error) {
	q, err := opts.values()
	if err != nil {
		return nil, nil, wrapOp("list events", err)
	}
	return getList[Event](ctx, s.client, "list events", "api/v4/events", "events", q)
}

// ListIter walks every page of events.
//
// Kommo API docs: https://developers.kommo.com/reference/events-list
func (s *EventsService) ListIter(ctx context.Context, opts *EventListOptions) iter.Seq2[*Event, error] {
	q, err := opts.values()
	if err != nil {
		return func(yield func(*Event, error) bool) { yield(nil, wrapOp("list events", err)) }
	}
	return iterate[Event](ctx, s.client, "list events", "api/v4/events", "events", q)
}

// Get returns one event.
//
// Kommo API docs: https://developers.kommo.com/reference/events-list
func (s *EventsService) Get(ctx context.Context, id string, with ...string) (*Event, *Response, error) {
	q := url.Values{}
	setWith(q, with)
	return getOne[Event](ctx, s.client, "get event", "api/v4/events/"+url.PathEscape(id), q)
}

// EventTypeInfo describes an event type in one language.
type EventTypeInfo struct {
	Key  string `json:"key"`
	Type int    `json:"type"`
	Lang string `json:"lang"`
}

// Types returns the account's event types with names in lang ("en", "es",
// "pt"; "" for Kommo's default).
//
// Kommo API docs: https://developers.kommo.com/reference/events-types
func (s *EventsService) Types(ctx context.Context, lang string) ([]*EventTypeInfo, *Response, error) {
	q := url.Values{}
	if lang != "" {
		q.Set("language_code", lang)
	}
	return getList[EventTypeInfo](ctx, s.client, "list event types", "api/v4/events/types", "events_types", q)
}
