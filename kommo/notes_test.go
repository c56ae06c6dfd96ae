package kommo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNoteRequestsOnTheWire sends one note of each writable type and
// checks the body the client puts on the wire: the params keys Kommo's
// notes-types page shows for the type, in full (a missed call keeps
// "duration":0), call_result and call_status only when set, created_at
// and created_by when given, and nothing else.
func TestNoteRequestsOnTheWire(t *testing.T) {
	c, mux, _ := setup(t)
	var body string
	mux.HandleFunc("/api/v4/leads/notes", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		writeJSON(w, 200, `{"_embedded":{"notes":[{"id":1,"entity_id":7,"request_id":"n1"}]}}`)
	})
	by := 42
	call, err := NewNote(7, NoteCallOut, NoteParams{UniqueID: "c-1", Phone: "+15550001", Source: "Twilio", CallStatus: CallConversation, CallResult: "Agreed", Text: "not sent"})
	if err != nil {
		t.Fatal(err)
	}
	call.CreatedAt, call.CreatedBy, call.RequestID = 1710511320, &by, "n1"
	tests := []struct {
		name string
		req  NoteRequest
		want string
	}{
		{"common", CommonNote(7, "Hello"), `[{"entity_id":7,"note_type":"common","params":{"text":"Hello"}}]`},
		{"call out, dated, with author", call,
			`[{"entity_id":7,"note_type":"call_out","params":{"call_result":"Agreed","call_status":4,"duration":0,"link":"","phone":"+15550001","source":"Twilio","uniq":"c-1"},"created_by":42,"created_at":1710511320,"request_id":"n1"}]`},
		{"missed call in", CallInNote(7, NoteParams{Phone: "+1", Duration: 0, UniqueID: "u", Link: "https://rec/1.mp3", Source: "pbx"}),
			`[{"entity_id":7,"note_type":"call_in","params":{"duration":0,"link":"https://rec/1.mp3","phone":"+1","source":"pbx","uniq":"u"}}]`},
		{"service message", ServiceMessageNote(7, "HubSpot", "Imported"), `[{"entity_id":7,"note_type":"service_message","params":{"service":"HubSpot","text":"Imported"}}]`},
		{"sms in", SMSInNote(7, "+1", "hi"), `[{"entity_id":7,"note_type":"sms_in","params":{"phone":"+1","text":"hi"}}]`},
		{"sms out", SMSOutNote(7, "+2", "bye"), `[{"entity_id":7,"note_type":"sms_out","params":{"phone":"+2","text":"bye"}}]`},
		{"extended service message", must(NewNote(7, NoteExtendedSvc, NoteParams{Service: "S", Text: "T", Phone: "x"})),
			`[{"entity_id":7,"note_type":"extended_service_message","params":{"service":"S","text":"T"}}]`},
		{"geolocation", must(NewNote(7, NoteGeolocation, NoteParams{Text: "Here", Address: "222 Columbus Ave", Longitude: "-13", Latitude: "32"})),
			`[{"entity_id":7,"note_type":"geolocation","params":{"address":"222 Columbus Ave","latitude":"32","longitude":"-13","text":"Here"}}]`},
		{"attachment without version", must(NewNote(7, NoteAttachment, NoteParams{FileUUID: "f", FileName: "a.png"})),
			`[{"entity_id":7,"note_type":"attachment","params":{"file_name":"a.png","file_uuid":"f"}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := c.Notes.Create(t.Context(), EntityLeads, []NoteRequest{tt.req}); err != nil {
				t.Fatal(err)
			}
			if body != tt.want {
				t.Errorf("body =\n%s\nwant\n%s", body, tt.want)
			}
		})
	}
}

func must(n NoteRequest, err error) NoteRequest {
	if err != nil {
		panic(err)
	}
	return n
}

// TestNewNoteRefuses: types Kommo does not document writing (the SDK
// refuses amomail_message and chat) and a common note without text are
// refused before anything is sent; so are notes without entity_id or
// note_type, and batches over MaxBatch.
func TestNewNoteRefuses(t *testing.T) {
	for _, typ := range []string{NoteAmomail, "chat", "bill_paid", "", "COMMON"} {
		if _, err := NewNote(1, typ, NoteParams{Text: "x"}); err == nil {
			t.Errorf("NewNote(%q) = nil error", typ)
		}
		if WritableNoteType(typ) {
			t.Errorf("WritableNoteType(%q) = true", typ)
		}
	}
	if _, err := NewNote(1, NoteCommon, NoteParams{}); err == nil {
		t.Error("common note without text: nil error")
	}
	c, _, _ := setup(t) // any request would fail the test: no route
	ctx := t.Context()
	for name, notes := range map[string][]NoteRequest{
		"no entity": {{NoteType: NoteCommon, Params: map[string]any{"text": "x"}}},
		"no type":   {{EntityID: 1}},
		"251":       make([]NoteRequest, MaxBatch+1),
		"none":      nil,
	} {
		if name == "251" {
			for i := range notes {
				notes[i] = CommonNote(1, "x")
			}
		}
		if _, _, err := c.Notes.Create(ctx, EntityLeads, notes); err == nil {
			t.Errorf("Create(%s) = nil error", name)
		}
	}
}

// TestNoteListsOnTheWire checks the URLs of the list calls: the filters
// as Kommo's notes list names them, the per-entity path, and Get.
func TestNoteListsOnTheWire(t *testing.T) {
	c, mux, _ := setup(t)
	var got []string
	page := `{"_page":1,"_embedded":{"notes":[{"id":5,"entity_id":7,"note_type":"call_in","created_at":"1710511320","params":{"uniq":"u","duration":"61","phone":79990001122,"call_status":"4","source":null}}]}}`
	h := func(w http.ResponseWriter, r *http.Request) {
		q, _ := url.QueryUnescape(r.URL.RawQuery)
		got = append(got, r.URL.Path+"?"+q)
		writeJSON(w, 200, page)
	}
	mux.HandleFunc("/api/v4/contacts/notes", h)
	mux.HandleFunc("/api/v4/contacts/7/notes", h)
	mux.HandleFunc("/api/v4/contacts/7/notes/5", func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path)
		writeJSON(w, 200, `{"id":5,"entity_id":7,"note_type":"common","params":{"text":"t"}}`)
	})
	ctx := t.Context()
	o := &NoteListOptions{ListOptions: ListOptions{Limit: 250}, NoteTypes: []string{NoteCallIn, NoteCallOut}, EntityIDs: []int{7, 8},
		UpdatedAt: &Range{From: 100, To: 200}, Order: &Order{Field: "id"}, With: []string{"is_pinned"}}
	notes, _, err := c.Notes.List(ctx, EntityContacts, o)
	if err != nil {
		t.Fatal(err)
	}
	for n, err := range c.Notes.ListForIter(ctx, EntityContacts, 7, &NoteListOptions{NoteTypes: []string{NoteCommon}}) {
		if err != nil || n.ID != 5 {
			t.Fatalf("ListForIter = %v, %v", n, err)
		}
	}
	one, _, err := c.Notes.Get(ctx, EntityContacts, 7, 5)
	if err != nil || one.Text() != "t" {
		t.Fatalf("Get = %+v, %v", one, err)
	}
	want := []string{
		"/api/v4/contacts/notes?filter[entity_id][]=7&filter[entity_id][]=8&filter[note_type][]=call_in&filter[note_type][]=call_out&filter[updated_at][from]=100&filter[updated_at][to]=200&limit=250&order[id]=asc&with=is_pinned",
		"/api/v4/contacts/7/notes?filter[note_type][]=common",
		"/api/v4/contacts/7/notes/5",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	// Lenient reads: numbers as strings, a phone as a number, null.
	p, err := notes[0].DecodeParams()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(NoteParams{UniqueID: "u", Duration: 61, Phone: "79990001122", CallStatus: CallConversation}, p); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	if notes[0].CreatedAt != 1710511320 {
		t.Errorf("created_at = %d", notes[0].CreatedAt)
	}
}

// TestNoteParamsRoundTrip: what NewNote sends decodes back to the params
// it was built from, for every writable type, and an amomail note's
// read-only params are read.
func TestNoteParamsRoundTrip(t *testing.T) {
	in := NoteParams{Text: "t", UniqueID: "u", Duration: 5, Source: "s", Link: "l", Phone: "p", CallResult: "r", CallStatus: CallBusy,
		Service: "svc", Address: "a", Longitude: "1", Latitude: "2", FileUUID: "f", VersionUUID: "v", FileName: "n"}
	for typ, keys := range noteParamKeys {
		n, err := NewNote(1, typ, in)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(n.Params)
		var back NoteParams
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		again, _ := back.Map(typ)
		if diff := cmp.Diff(n.Params, again); diff != "" {
			t.Errorf("%s: params (-sent +read back):\n%s", typ, diff)
		}
		if len(n.Params) < len(keys)-1 {
			t.Errorf("%s: %v", typ, n.Params)
		}
	}
	mail := &Note{NoteType: NoteAmomail, Params: json.RawMessage(`{"subject":"Re: offer","content_summary":"Yes","income":true,"thread_id":"9","from":{"email":"a@x.org","name":"Ana"},"to":null,"attach_cnt":2}`)}
	p, err := mail.DecodeParams()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Re: offer" || p.ContentSummary != "Yes" || !p.Income || p.ThreadID != 9 || p.AttachCount != 2 ||
		!strings.Contains(string(p.From), "a@x.org") || p.To != nil {
		t.Errorf("amomail params = %+v", p)
	}
	if _, err := (&Note{Params: json.RawMessage(`"text"`)}).DecodeParams(); err == nil {
		t.Error("params not an object: nil error")
	}
}
