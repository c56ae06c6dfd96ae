package bulk

import (
	"bytes"
	"encoding/csv"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// TestExportNotes writes notes of each type on a lead and a contact,
// dated and signed, at two times, and exports them to CSV with and
// without filters.
func TestExportNotes(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	emu, err := kommotest.NewServer(kommotest.Options{Tokens: []string{testToken}, Rate: rate.Inf,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	t.Cleanup(ts.Close)
	c, err := kommo.NewClient(ts.URL, kommo.WithToken(testToken), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	ls, _, err := c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "L"}, {Name: "M"}})
	ok(t, err)
	cs, _, err := c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "C"}})
	ok(t, err)
	lead, other, contact := ls[0].ID, ls[1].ID, cs[0].ID
	boris := kommotest.SeedUserBoris
	dated := func(n kommo.NoteRequest, at int64, by *int) kommo.NoteRequest {
		n.CreatedAt, n.CreatedBy = at, by
		return n
	}
	const mar15 = 1710511320 // 2024-03-15T14:02:00Z
	_, _, err = c.Notes.Create(ctx, kommo.EntityLeads, []kommo.NoteRequest{
		dated(kommo.CommonNote(lead, "Agreed on the price"), mar15, &boris),
		dated(kommo.CallInNote(lead, kommo.NoteParams{UniqueID: "c-1", Duration: 61, Source: "pbx", Link: "https://rec/1.mp3", Phone: "+15550001",
			CallResult: "Talked", CallStatus: kommo.CallConversation}), mar15+60, nil),
		kommo.ServiceMessageNote(other, "HubSpot", "E-mail: Re: offer"),
	})
	ok(t, err)
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	_, _, err = c.Notes.Create(ctx, kommo.EntityContacts, []kommo.NoteRequest{
		kommo.SMSOutNote(contact, "+15550002", "See you"),
		dated(kommo.CallOutNote(contact, kommo.NoteParams{UniqueID: "c-2", Phone: "+15550002"}), mar15+120, nil),
	})
	ok(t, err)
	schema, err := FetchSchema(ctx, c)
	ok(t, err)

	header := []string{"ID", "Entity type", "Entity ID", "Note type", "Created at", "Created by", "Created by ID", "Updated at", "Text",
		"Phone", "Duration", "Call source", "Call link", "Call ID", "Call result", "Call status", "Service", "Subject", "Params"}
	t1, t2 := "2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z"
	rows := map[string][]string{
		"common": {"50000001", "leads", id(lead), "common", "2024-03-15T14:02:00Z", "Boris Manager", "1002", t1, "Agreed on the price",
			"", "", "", "", "", "", "", "", "", `{"text":"Agreed on the price"}`},
		"call_in": {"50000002", "leads", id(lead), "call_in", "2024-03-15T14:03:00Z", "Ana Admin", "1001", t1, "",
			"+15550001", "61", "pbx", "https://rec/1.mp3", "c-1", "Talked", "4", "", "",
			`{"call_result":"Talked","call_status":4,"duration":61,"link":"https://rec/1.mp3","phone":"+15550001","source":"pbx","uniq":"c-1"}`},
		"service": {"50000003", "leads", id(other), "service_message", t1, "Ana Admin", "1001", t1, "E-mail: Re: offer",
			"", "", "", "", "", "", "", "HubSpot", "", `{"service":"HubSpot","text":"E-mail: Re: offer"}`},
		"sms": {"50000004", "contacts", id(contact), "sms_out", t2, "Ana Admin", "1001", t2, "See you",
			"+15550002", "", "", "", "", "", "", "", "", `{"phone":"+15550002","text":"See you"}`},
		"call_out": {"50000005", "contacts", id(contact), "call_out", "2024-03-15T14:04:00Z", "Ana Admin", "1001", t2, "",
			"+15550002", "0", "", "", "c-2", "", "", "", "", `{"duration":0,"link":"","phone":"+15550002","source":"","uniq":"c-2"}`},
	}
	tests := []struct {
		name string
		opts NoteExportOptions
		want []string
	}{
		{"all", NoteExportOptions{}, []string{"common", "call_in", "service", "sms", "call_out"}},
		{"calls", NoteExportOptions{NoteTypes: []string{kommo.NoteCallIn, kommo.NoteCallOut}}, []string{"call_in", "call_out"}},
		{"one lead", NoteExportOptions{Entities: []kommo.EntityType{kommo.EntityLeads}, EntityIDs: []int{other}}, []string{"service"}},
		{"contacts first", NoteExportOptions{Entities: []kommo.EntityType{kommo.EntityContacts, kommo.EntityLeads}, PageSize: 1},
			[]string{"sms", "call_out", "common", "call_in", "service"}},
		{"updated since", NoteExportOptions{UpdatedAt: &kommo.Range{From: now.Unix()}}, []string{"sms", "call_out"}},
		{"created in March 2024", NoteExportOptions{CreatedAt: &kommo.Range{From: mar15, To: mar15 + 60}}, []string{"common", "call_in"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Schema = schema
			var buf bytes.Buffer
			w, err := sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
			ok(t, err)
			st, err := ExportNotes(t.Context(), c, w, tt.opts)
			ok(t, err)
			ok(t, w.Close())
			r := csv.NewReader(&buf)
			got, err := r.ReadAll()
			ok(t, err)
			want := [][]string{header}
			for _, k := range tt.want {
				want = append(want, rows[k])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("CSV (-want +got):\n%s", diff)
			}
			if st.Rows != len(tt.want) || !cmp.Equal(st.Header, header) {
				t.Errorf("stats = %+v", st)
			}
		})
	}
	var buf bytes.Buffer
	w, _ := sheet.NewCSVWriter(&buf, sheet.CSVWriteOptions{})
	if _, err := ExportNotes(ctx, c, w, NoteExportOptions{Schema: schema, Entities: []kommo.EntityType{kommo.EntityTasks}}); err == nil || !strings.Contains(err.Error(), "tasks") {
		t.Errorf("tasks' notes: %v", err)
	}
}
