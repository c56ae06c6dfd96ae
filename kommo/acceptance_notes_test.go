package kommo_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// TestAcceptanceNoteTypes writes a note of each type an import sends
// through the client to the emulator, dated and authored, and reads them
// back: params, dates and authors survive, and the filters find them.
func TestAcceptanceNoteTypes(t *testing.T) {
	e := newEnv(t, kt.Options{})
	ctx := t.Context()
	c := e.client
	lead := must[[]*kommo.WriteResult](t)(c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "L"}}))[0].ID
	call := kommo.NoteParams{UniqueID: "hs-call-1", Duration: 0, Source: "HubSpot", Phone: "+15550001", CallStatus: kommo.CallNoAnswer}
	reqs := []kommo.NoteRequest{
		kommo.CommonNote(lead, "Ana Admin, 2024-03-15 14:02, from HubSpot\nAgreed on the price"),
		kommo.CallOutNote(lead, call),
		kommo.ServiceMessageNote(lead, "HubSpot", "E-mail: Re: offer"),
		kommo.SMSInNote(lead, "+15550002", "ok"),
	}
	boris := kt.SeedUserBoris
	for i := range reqs {
		reqs[i].CreatedAt = 1710511320 + int64(i)
		reqs[i].CreatedBy = &boris
		reqs[i].RequestID = "n" + string(rune('0'+i))
	}
	res := must[[]*kommo.WriteResult](t)(c.Notes.Create(ctx, kommo.EntityLeads, reqs))
	if len(res) != 4 || res[1].RequestID != "n1" {
		t.Fatalf("results = %+v", res)
	}
	got := must[*kommo.Note](t)(c.Notes.Get(ctx, kommo.EntityLeads, lead, res[1].ID))
	p, err := got.DecodeParams()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(call, p); diff != "" {
		t.Errorf("call params (-sent +read):\n%s", diff)
	}
	if got.CreatedAt != 1710511321 || got.CreatedBy != boris || got.NoteType != kommo.NoteCallOut {
		t.Errorf("call note = %+v", got)
	}
	var types []string
	for n, err := range c.Notes.ListForIter(ctx, kommo.EntityLeads, lead, &kommo.NoteListOptions{
		ListOptions: kommo.ListOptions{Limit: 1}, NoteTypes: []string{kommo.NoteCommon, kommo.NoteSMSIn}}) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, n.NoteType+":"+n.Text())
	}
	want := []string{"common:Ana Admin, 2024-03-15 14:02, from HubSpot\nAgreed on the price", "sms_in:ok"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
}
