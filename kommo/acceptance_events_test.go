package kommo_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// kommoEventTable is Kommo's table of event types ("Tipos de eventos
// disponibles") as ../shared/kommo-api.md quotes it: 70 entries, the last
// standing for one custom_field_{ID}_value_changed per field.
var kommoEventTable = strings.Fields(`lead_added lead_deleted lead_restored lead_status_changed lead_linked
lead_unlinked contact_added contact_deleted contact_restored contact_linked contact_unlinked company_added
company_deleted company_restored company_linked company_unlinked task_added task_deleted task_completed
task_type_changed task_text_changed task_deadline_changed task_result_added incoming_call outgoing_call
incoming_mail outgoing_mail incoming_chat_message outgoing_chat_message entity_direct_message incoming_sms
outgoing_sms entity_tag_added entity_tag_deleted entity_linked entity_unlinked sale_field_changed
name_field_changed ltv_field_changed custom_field_value_changed entity_responsible_changed robot_replied
intent_identified nps_rate_added link_followed common_note_added common_note_deleted attachment_note_added
targeting_in_note_added targeting_out_note_added geo_note_added service_note_added site_visit_note_added
entity_merged video_opened video_closed picture_opened picture_closed zoom_conference key_action_completed
ai_result talk_created talk_closed conversation_answered meta_chat_subscription_added
meta_chat_subscription_removed talk_missed_event page_mention dropbox_attachment
custom_field_field.ID_value_changed`)

func TestEventTypesAreKommos(t *testing.T) {
	if len(kommoEventTable) != 70 {
		t.Fatalf("the table has %d entries, want 70", len(kommoEventTable))
	}
	if !slices.Equal(kommo.EventTypes, kommoEventTable[:69]) {
		t.Errorf("EventTypes = %v, want Kommo's table %v", kommo.EventTypes, kommoEventTable[:69])
	}
	for _, tt := range []struct {
		t  string
		ok bool
	}{
		{"lead_added", true}, {"custom_field_123_value_changed", true}, {"custom_field_value_changed", true},
		{"custom_field__value_changed", false}, {"custom_field_x1_value_changed", false}, {"lead_add", false},
		{"customer_added", false}, {"transaction_added", false}, {"message_to_cashier_note_added", false},
	} {
		if got := kommo.IsEventType(tt.t); got != tt.ok {
			t.Errorf("IsEventType(%q) = %v, want %v", tt.t, got, tt.ok)
		}
	}
	for _, a := range kommo.AmoCRMEventTypes {
		if slices.Contains(kommo.EventTypes, a) {
			t.Errorf("amoCRM-only type %s is in EventTypes", a)
		}
	}
}

// TestAcceptanceEventTypes: the emulator serves and accepts Kommo's event
// types, refuses others and refuses a custom_field_{ID}_value_changed
// type next to other types, with a 400 validation-errors body; the client
// refuses that mix before sending.
func TestAcceptanceEventTypes(t *testing.T) {
	e, w := newWireEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client

	served := must[[]*kommo.EventTypeInfo](t)(c.Events.Types(ctx, "en"))
	var keys []string
	for _, s := range served {
		keys = append(keys, s.Key)
	}
	slices.Sort(keys)
	want := slices.Sorted(slices.Values(kommo.EventTypes))
	if !slices.Equal(keys, want) {
		t.Errorf("served event types = %v, want Kommo's %v", keys, want)
	}

	if _, _, err := c.Events.List(ctx, &kommo.EventListOptions{Types: kommo.EventTypes}); err != nil {
		t.Errorf("all of Kommo's types in one filter: %v", err)
	}
	if _, _, err := c.Events.List(ctx, &kommo.EventListOptions{Types: []string{kommo.CustomFieldValueChanged(kt.SeedLeadBudget)}}); err != nil {
		t.Errorf("one field's type alone: %v", err)
	}

	w.sent()
	_, _, err := c.Events.List(ctx, &kommo.EventListOptions{Types: []string{kommo.EventLeadAdded, kommo.CustomFieldValueChanged(kt.SeedLeadBudget)}})
	if err == nil || !strings.Contains(err.Error(), "cannot be combined") {
		t.Errorf("client mix: err = %v", err)
	}
	if n := len(w.sent()); n != 0 {
		t.Errorf("the client sent %d requests for a mix Kommo refuses", n)
	}

	raw := func(types string) error {
		req, err := c.NewRequest(ctx, http.MethodGet, "api/v4/events?filter[type]="+types, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Do(req, nil)
		return err
	}
	for _, tt := range []struct {
		name, types, path string
	}{
		{"per-field type with another", "lead_added,custom_field_12_value_changed", "filter.type.1"},
		{"two per-field types", "custom_field_12_value_changed,custom_field_13_value_changed", "filter.type.0"},
		{"unknown type", "lead_add", "filter.type.0"},
		{"amoCRM type", "customer_added", "filter.type.0"},
		{"amoCRM note type", "lead_added,message_to_cashier_note_added", "filter.type.1"},
	} {
		err := raw(tt.types)
		var er *kommo.ErrorResponse
		if !errors.As(err, &er) || !errors.Is(err, kommo.ErrValidation) {
			t.Errorf("%s: err = %v, want 400 validation-errors", tt.name, err)
			continue
		}
		if fe := er.ItemErrors("0"); len(fe) == 0 || fe[0].Path != tt.path || fe[0].Code == "" {
			t.Errorf("%s: errors = %+v, want one at %s", tt.name, fe, tt.path)
		}
	}
}

// TestAcceptanceEventsPageOf250: Kommo's v4 events list takes limit up to
// 250 (Corrections); the client uses it and the emulator caps there.
func TestAcceptanceEventsPageOf250(t *testing.T) {
	e := newEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	for range 2 {
		batch := make([]kommo.LeadRequest, 150)
		for i := range batch {
			batch[i].Name = "L"
		}
		must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, batch))
	}
	page, resp, err := c.Events.List(ctx, &kommo.EventListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxEventsLimit}})
	if err != nil || len(page) != 250 || resp.NextURL == "" {
		t.Fatalf("a page of %d: %d events, next %q, %v; want 250 and a next page", kommo.MaxEventsLimit, len(page), resp.NextURL, err)
	}
	req, _ := c.NewRequest(ctx, http.MethodGet, "api/v4/events?limit=251", nil)
	if _, err := c.Do(req, nil); !errors.Is(err, kommo.ErrUnprocessable) {
		t.Errorf("limit 251: err = %v, want 422", err)
	}
}
