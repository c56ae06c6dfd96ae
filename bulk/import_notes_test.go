package bulk

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
)

// postRecorder forwards requests and keeps the bodies of the notes POSTs.
type postRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (p *postRecorder) Do(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/notes") {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		p.mu.Lock()
		p.bodies = append(p.bodies, string(b))
		p.mu.Unlock()
	}
	return http.DefaultClient.Do(req)
}

// TestImportNotes maps a notes file whose rows name their records by
// Kommo id, by e-mail and by another file's key, writes it, and writes it
// again from its journal: the notes go on the wire as Kommo documents
// them, each once, and a row whose record is nowhere fails alone.
func TestImportNotes(t *testing.T) {
	e := newNoteEnv(t)
	ctx := t.Context()
	if _, _, err := e.c.Contacts.Update(ctx, []kommo.ContactRequest{{ID: e.cont, CustomFieldsValues: kommo.CustomFieldValues{
		{FieldCode: kommo.CodeEmail, Values: []kommo.FieldValue{{Value: json.RawMessage(`"c@example.com"`), EnumCode: "WORK"}}}}}}); err != nil {
		t.Fatal(err)
	}
	schema, err := FetchSchema(ctx, e.c)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := mapping.ParseSpec([]byte(`
entity: notes
match: {contacts: email}
options: {time_zone: UTC}
columns:
  - {column: Type, field: note_type}
  - {column: On, field: entity_type}
  - {column: Kommo ID, field: entity_id}
  - {column: Email, field: entity_key}
  - {column: Text, field: text}
  - {column: Date, field: created_at}
  - {column: By, field: author}
  - {column: Secs, field: duration}
  - {column: Phone, field: phone}
  - {column: Note, field: source_id}
refs:
  - {column: Deal, entity: leads}
`))
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"Type", "On", "Kommo ID", "Email", "Text", "Date", "By", "Secs", "Phone", "Note", "Deal"}
	m, err := mapping.Compile(spec, schema, header)
	if err != nil {
		t.Fatal(err)
	}
	lead := func(i int) string { return strconv.Itoa(e.leads[i]) }
	recs := [][]string{
		{"common", "leads", lead(0), "", "Agreed on price", "2024-03-15 14:02", "Boris Manager", "", "", "n1", ""},
		{"call_out", "leads", lead(1), "", "", "2024-03-15 15:00", "", "1:01", "+15550001", "n2", ""},
		{"sms_in", "contacts", "", "C@Example.com", "See you", "", "chen@example.com", "", "+15550002", "n3", ""},
		{"common", "", "", "", "From the old CRM", "", "", "", "", "n4", "D-1"},
		{"common", "", "", "", "Orphan", "", "", "", "", "n5", "D-404"},
		{"common", "contacts", "", "nobody@example.com", "Lost", "", "", "", "", "n6", ""},
	}
	items := func(yield func(Item) bool) {
		for i, v := range recs {
			row, errs := m.Map(sheet.Record{Row: i + 2, Values: v})
			if !yield(Item{Line: i + 2, Row: row, Errs: errs}) {
				return
			}
		}
	}
	rec := &postRecorder{}
	c := e.client(t, rec)
	opts := NoteImportOptions{Notes: e.opts("nf"), Refs: func(ent kommo.EntityType, key string) (int, bool) {
		if ent == kommo.EntityLeads && key == "D-1" {
			return e.leads[1], true
		}
		return 0, false
	}}
	res, err := ImportNotes(ctx, c, items, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 4 || res.Failed != 2 {
		t.Fatalf("created %d, failed %d: %+v", res.Created, res.Failed, res.Rows)
	}
	for line, want := range map[int]string{6: `no lead "D-404"`, 7: `no contact with email "nobody@example.com" in Kommo`} {
		if r := res.Rows[line]; r.Action != ActionError || r.Err == nil || !strings.Contains(r.Err.Error(), want) || r.Column == "" {
			t.Errorf("line %d: %+v, want an error %q with its column", line, r, want)
		}
	}
	if r := res.Rows[4]; r.IDs[kommo.EntityContacts] != e.cont || r.IDs[NotesJob] == 0 {
		t.Errorf("line 4 ids = %v", r.IDs)
	}
	// On the wire: Kommo's shape, per entity type.
	var sent []map[string]any
	for _, b := range rec.bodies {
		var batch []map[string]any
		if err := json.Unmarshal([]byte(b), &batch); err != nil {
			t.Fatalf("body %s: %v", b, err)
		}
		sent = append(sent, batch...)
	}
	if len(sent) != 4 {
		t.Fatalf("%d notes sent: %v", len(sent), rec.bodies)
	}
	want := map[string]string{
		"Agreed on price": `{"created_at":1710511320,"created_by":1002,"entity_id":LEAD0,"note_type":"common","params":{"text":"Agreed on price"},"request_id":"note-1"}`,
	}
	for _, n := range sent {
		p := n["params"].(map[string]any)
		switch n["note_type"] {
		case "common":
			if p["text"] == "Agreed on price" {
				b, _ := json.Marshal(n)
				if w := strings.Replace(want["Agreed on price"], "LEAD0", strconv.Itoa(e.leads[0]), 1); string(b) != w {
					t.Errorf("sent %s, want %s", b, w)
				}
			}
		case "call_out":
			if p["duration"] != float64(61) || p["phone"] != "+15550001" || p["uniq"] != "n2" || n["entity_id"] != float64(e.leads[1]) {
				t.Errorf("call sent as %v", n)
			}
		case "sms_in":
			if p["text"] != "See you" || p["phone"] != "+15550002" || n["created_by"] != float64(kt.SeedUserChen) || n["entity_id"] != float64(e.cont) {
				t.Errorf("sms sent as %v", n)
			}
		}
	}

	// The same journal again: nothing is sent.
	rec.bodies = nil
	opts.Notes.Resume = true
	again, err := ImportNotes(ctx, c, items, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.bodies) != 0 || again.Resumed != 4 || again.Created != 4 || len(e.emu.Snapshot().Notes) != 4 {
		t.Errorf("re-run sent %v, resumed %d, created %d, %d notes in Kommo", rec.bodies, again.Resumed, again.Created, len(e.emu.Snapshot().Notes))
	}
}
