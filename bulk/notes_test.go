package bulk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// noteEnv is an emulator with two leads and a contact, and a client whose
// requests pass through doer (when set) on their way to it.
type noteEnv struct {
	emu   *kt.Server
	url   string
	c     *kommo.Client
	dir   string
	leads []int
	cont  int
}

func newNoteEnv(t *testing.T) *noteEnv {
	t.Helper()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	e := &noteEnv{emu: emu, url: srv.URL, dir: t.TempDir()}
	e.c = e.client(t, nil)
	ctx := t.Context()
	ls, _, err := e.c.Leads.Create(ctx, []kommo.LeadRequest{{Name: "A"}, {Name: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	cs, _, err := e.c.Contacts.Create(ctx, []kommo.ContactRequest{{Name: "C"}})
	if err != nil {
		t.Fatal(err)
	}
	e.leads, e.cont = []int{ls[0].ID, ls[1].ID}, cs[0].ID
	return e
}

// client is a client of the emulator; doer, if set, sees every request.
func (e *noteEnv) client(t *testing.T, doer kommo.Doer) *kommo.Client {
	t.Helper()
	opts := []kommo.Option{kommo.WithToken(importToken), kommo.WithRateLimit(rate.Inf, 1),
		kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })}
	if doer != nil {
		opts = append(opts, kommo.WithDoer(doer))
	}
	c, err := kommo.NewClient(e.url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *noteEnv) opts(id string) NoteOptions {
	return NoteOptions{Job: JobHeader{ID: id}, Journal: filepath.Join(e.dir, id+".journal"), NoSync: true, BatchSize: 3}
}

// history is a migration's history of the three records: notes and calls
// of every type an import writes, dated and signed, two of them alike but
// for their dates, two identical, one without a date.
func (e *noteEnv) history() []NoteItem {
	const day = 1710511320 // 2024-03-15 14:02 UTC
	a, b := e.leads[0], e.leads[1]
	return []NoteItem{
		{Line: 2, Entity: kommo.EntityLeads, EntityID: a, Type: kommo.NoteCommon, Params: kommo.NoteParams{Text: "Ana Admin, 2024-03-15 14:02, from HubSpot\nAgreed"}, CreatedAt: day, CreatedBy: kt.SeedUserAna, SourceID: "hs-1"},
		{Line: 3, Entity: kommo.EntityLeads, EntityID: a, Type: kommo.NoteCallIn, Params: kommo.NoteParams{Phone: "+15550001", Duration: 61, Source: "HubSpot"}, CreatedAt: day + 60, CreatedBy: kt.SeedUserBoris, SourceID: "hs-call-2"},
		{Line: 4, Entity: kommo.EntityLeads, EntityID: a, Type: kommo.NoteCallOut, Params: kommo.NoteParams{Phone: "+15550001", CallStatus: kommo.CallNoAnswer}, CreatedAt: day + 120},
		{Line: 5, Entity: kommo.EntityLeads, EntityID: b, Type: kommo.NoteCommon, Params: kommo.NoteParams{Text: "Left a voicemail"}, CreatedAt: day + 180},
		{Line: 6, Entity: kommo.EntityLeads, EntityID: b, Type: kommo.NoteCommon, Params: kommo.NoteParams{Text: "Left a voicemail"}, CreatedAt: day + 240},
		{Line: 7, Entity: kommo.EntityLeads, EntityID: b, Type: kommo.NoteServiceMsg, Params: kommo.NoteParams{Service: "HubSpot", Text: "E-mail: Re: offer"}, CreatedAt: day + 300},
		{Line: 8, Entity: kommo.EntityContacts, EntityID: e.cont, Type: kommo.NoteSMSOut, Params: kommo.NoteParams{Phone: "+15550002", Text: "See you"}, CreatedAt: day + 360, CreatedBy: kt.SeedUserChen},
		{Line: 9, Entity: kommo.EntityContacts, EntityID: e.cont, Type: kommo.NoteCommon, Params: kommo.NoteParams{Text: "Same"}, CreatedAt: day + 420},
		{Line: 10, Entity: kommo.EntityContacts, EntityID: e.cont, Type: kommo.NoteCommon, Params: kommo.NoteParams{Text: "Same"}, CreatedAt: day + 420},
		{Line: 11, Entity: kommo.EntityContacts, EntityID: e.cont, Type: kommo.NoteSMSIn, Params: kommo.NoteParams{Phone: "+15550002", Text: "Undated"}},
	}
}

// noteKeys are the notes in the emulator as "entity id type created_at
// created_by params", sorted.
func noteKeys(t *testing.T, emu *kt.Server) []string {
	t.Helper()
	var out []string
	for _, n := range emu.Snapshot().Notes {
		p, _ := json.Marshal(n.Params)
		out = append(out, fmt.Sprintf("%s %d %s %d %d %s", n.EntityType, n.EntityID, n.NoteType, n.CreatedAt, n.CreatedBy, p))
	}
	slices.Sort(out)
	return out
}

func countActions(res *NotesResult) map[Action]int {
	out := map[Action]int{}
	for _, r := range res.Notes {
		out[r.Action]++
	}
	return out
}

// TestWriteNotesExactlyOnce writes a history, then writes it again with
// the same journal and with another one (SkipExisting): the second and
// third runs add nothing. What landed carries its dates, authors and
// params.
func TestWriteNotesExactlyOnce(t *testing.T) {
	e := newNoteEnv(t)
	ctx := t.Context()
	hist := e.history()
	res, err := WriteNotes(ctx, e.c, slices.Values(hist), e.opts("notes"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != len(hist) || res.Failed != 0 || len(res.Notes) != len(hist) {
		t.Fatalf("created %d, failed %d: %+v", res.Created, res.Failed, res.Notes)
	}
	landed := noteKeys(t, e.emu)
	if len(landed) != len(hist) {
		t.Fatalf("%d notes in Kommo, want %d:\n%s", len(landed), len(hist), strings.Join(landed, "\n"))
	}
	// Dates and authors are kept; a call carries its source id as uniq,
	// or a fingerprint when it has none.
	byID := map[int]kt.Note{}
	for _, n := range e.emu.Snapshot().Notes {
		byID[n.ID] = n
	}
	for i, r := range res.Notes {
		n := byID[r.ID]
		if r.Line != hist[i].Line || n.EntityID != hist[i].EntityID || n.NoteType != hist[i].Type {
			t.Errorf("result %+v is note %+v", r, n)
		}
		if hist[i].CreatedAt != 0 && n.CreatedAt != hist[i].CreatedAt {
			t.Errorf("line %d: created_at %d, want %d", r.Line, n.CreatedAt, hist[i].CreatedAt)
		}
		if hist[i].CreatedBy != 0 && n.CreatedBy != hist[i].CreatedBy {
			t.Errorf("line %d: created_by %d, want %d", r.Line, n.CreatedBy, hist[i].CreatedBy)
		}
	}
	if u := byID[res.Notes[1].ID].Params["uniq"]; u != "hs-call-2" {
		t.Errorf("call uniq = %v, want the source id", u)
	}
	if u, _ := byID[res.Notes[2].ID].Params["uniq"].(string); !strings.HasPrefix(u, "kommo-bulk:") {
		t.Errorf("call without an id: uniq = %q", u)
	}
	if p := byID[res.Notes[2].ID].Params; p["duration"] != float64(0) || p["call_status"] != float64(6) {
		t.Errorf("missed call params = %v", p)
	}

	// The same journal: nothing is sent again.
	o := e.opts("notes")
	o.Resume = true
	again, err := WriteNotes(ctx, e.c, slices.Values(hist), o)
	if err != nil {
		t.Fatal(err)
	}
	if again.Resumed != len(hist) || again.Created != len(hist) {
		t.Errorf("re-run: resumed %d, created %d", again.Resumed, again.Created)
	}
	for i := range hist {
		if again.Notes[i].ID != res.Notes[i].ID {
			t.Errorf("re-run line %d: id %d, want %d", hist[i].Line, again.Notes[i].ID, res.Notes[i].ID)
		}
	}
	// Another journal, skipping what is there: nothing is added.
	o = e.opts("other")
	o.SkipExisting = true
	other, err := WriteNotes(ctx, e.c, slices.Values(hist), o)
	if err != nil {
		t.Fatal(err)
	}
	if other.Skipped != len(hist) {
		t.Errorf("skip existing: %v", countActions(other))
	}
	for i := range hist {
		if other.Notes[i].ID != res.Notes[i].ID {
			t.Errorf("skip existing line %d: id %d, want %d", hist[i].Line, other.Notes[i].ID, res.Notes[i].ID)
		}
	}
	if got := noteKeys(t, e.emu); !slices.Equal(got, landed) {
		t.Errorf("notes after re-runs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(landed, "\n"))
	}
	// The job is done, and its journal says so.
	if _, ended, err := JobStatus(o.Journal); err != nil || !ended {
		t.Errorf("JobStatus = %v, %v", ended, err)
	}
}

// crashAfter is a Doer that forwards requests and, after the n-th POST of
// notes has been applied, cancels the job and loses the answer: a process
// killed between request and answer.
type crashAfter struct {
	hc     *http.Client
	n      int32
	posts  atomic.Int32
	cancel context.CancelFunc
	// noDates strips created_at from note writes (a Kommo that ignores
	// it: the notes are dated when written).
	noDates bool
}

func (d *crashAfter) Do(r *http.Request) (*http.Response, error) {
	isPost := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/notes")
	if isPost && d.noDates {
		b, _ := io.ReadAll(r.Body)
		var items []map[string]any
		json.Unmarshal(b, &items)
		for _, it := range items {
			delete(it, "created_at")
		}
		b, _ = json.Marshal(items)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	}
	resp, err := d.hc.Do(r)
	if isPost && d.posts.Add(1) == d.n {
		if err == nil {
			resp.Body.Close()
		}
		d.cancel()
		return nil, context.Canceled
	}
	return resp, err
}

// TestWriteNotesResumeAfterCrash kills a job between a request and its
// answer (the notes landed, the journal has only their send), resumes it
// twice: the notes are found by reading back, none is added twice. With
// a Kommo that ignores created_at, the notes read back carry the time of
// the write, and are still found.
func TestWriteNotesResumeAfterCrash(t *testing.T) {
	for _, noDates := range []bool{false, true} {
		t.Run(fmt.Sprintf("created_at ignored=%v", noDates), func(t *testing.T) {
			e := newNoteEnv(t)
			hist := e.history()
			ctx, cancel := context.WithCancel(t.Context())
			d := &crashAfter{hc: &http.Client{}, n: 2, cancel: cancel, noDates: noDates}
			_, err := WriteNotes(ctx, e.client(t, d), slices.Values(hist), e.opts("crash"))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("first run: %v, want the crash", err)
			}
			// Two batches of 3 leads' notes landed; the second's answer was lost.
			if n := len(e.emu.Snapshot().Notes); n != 6 {
				t.Fatalf("%d notes before the resume, want 6", n)
			}
			c := e.c
			if noDates {
				d := &crashAfter{hc: &http.Client{}, n: -1, noDates: true}
				c = e.client(t, d)
			}
			o := e.opts("crash")
			o.Resume = true
			for run := 1; run <= 2; run++ {
				res, err := WriteNotes(t.Context(), c, slices.Values(hist), o)
				if err != nil {
					t.Fatalf("resume %d: %v", run, err)
				}
				if n := len(e.emu.Snapshot().Notes); n != len(hist) {
					t.Fatalf("resume %d: %d notes, want %d:\n%s", run, n, len(hist), strings.Join(noteKeys(t, e.emu), "\n"))
				}
				if res.Created != len(hist) || res.Failed != 0 {
					t.Errorf("resume %d: %v", run, countActions(res))
				}
				ids := map[int]bool{}
				for _, r := range res.Notes {
					if ids[r.ID] || r.ID == 0 {
						t.Errorf("resume %d: note id %d given twice or not at all: %+v", run, r.ID, res.Notes)
					}
					ids[r.ID] = true
				}
			}
		})
	}
}

// TestWriteNotesSurviveFaults: answers lost after the write, 5xx before
// it, a 504 for a batch and a 429 (which stops the job for a resume) end
// with every note written once.
func TestWriteNotesSurviveFaults(t *testing.T) {
	tests := []struct {
		name   string
		inject func(*kt.Server)
		stops  bool
	}{
		{"answer lost after the write", func(s *kt.Server) { s.DropNext(2, true) }, false},
		{"connection dropped before the write", func(s *kt.Server) { s.DropNext(2, false) }, false},
		{"503 twice", func(s *kt.Server) { s.FailNext(2, 503) }, false},
		{"504 above 2 notes", func(s *kt.Server) { s.Set504Above(2) }, false},
		{"429 until the client gives up", func(s *kt.Server) { s.FailNext(100, 429) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newNoteEnv(t)
			hist := e.history()
			tt.inject(e.emu)
			o := e.opts("faults")
			res, err := WriteNotes(t.Context(), e.c, slices.Values(hist), o)
			if tt.stops {
				if !errors.Is(err, kommo.ErrRateLimited) {
					t.Fatalf("err = %v, want the 429", err)
				}
				e.emu.FailNext(0, 0)
				o.Resume = true
				res, err = WriteNotes(t.Context(), e.c, slices.Values(hist), o)
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != len(hist) || res.Failed != 0 {
				t.Errorf("%v: %+v", countActions(res), res.Notes)
			}
			if n := len(e.emu.Snapshot().Notes); n != len(hist) {
				t.Errorf("%d notes, want %d:\n%s", n, len(hist), strings.Join(noteKeys(t, e.emu), "\n"))
			}
		})
	}
}

// TestWriteNotesFailAlone: a note Kommo rejects (its record does not
// exist) and notes that cannot be written (a read-only type, no record
// id, an empty common note) fail alone, with their reasons; the rest
// land.
func TestWriteNotesFailAlone(t *testing.T) {
	e := newNoteEnv(t)
	good := kommo.NoteParams{Text: "fine"}
	items := []NoteItem{
		{Line: 2, Entity: kommo.EntityLeads, EntityID: e.leads[0], Type: kommo.NoteCommon, Params: good},
		{Line: 3, Entity: kommo.EntityLeads, EntityID: 999, Type: kommo.NoteCommon, Params: good},
		{Line: 4, Entity: kommo.EntityLeads, EntityID: e.leads[1], Type: kommo.NoteAmomail, Params: kommo.NoteParams{Subject: "Re"}},
		{Line: 5, Entity: kommo.EntityLeads, Type: kommo.NoteCommon, Params: good},
		{Line: 6, Entity: kommo.EntityLeads, EntityID: e.leads[1], Type: kommo.NoteCommon},
		{Line: 7, Entity: kommo.EntityTasks, EntityID: 1, Type: kommo.NoteCommon, Params: good},
		{Line: 8, Entity: kommo.EntityLeads, EntityID: e.leads[1], Type: kommo.NoteCommon, Params: good},
	}
	var seen []NoteResult
	o := e.opts("fail")
	o.OnNote = func(r NoteResult) { seen = append(seen, r) }
	res, err := WriteNotes(t.Context(), e.c, slices.Values(items), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || res.Failed != 5 || res.Notes != nil || len(seen) != 7 {
		t.Fatalf("created %d, failed %d, %d streamed: %+v", res.Created, res.Failed, len(seen), seen)
	}
	reasons := map[int]string{}
	for _, r := range seen {
		if r.Err != nil {
			reasons[r.Line] = r.Err.Error()
		}
	}
	for line, want := range map[int]string{3: "entity_id", 4: "amomail_message", 5: "no Kommo id", 6: "needs a text", 7: "not \"tasks\""} {
		if !strings.Contains(reasons[line], want) {
			t.Errorf("line %d: %q, want it to name %q", line, reasons[line], want)
		}
	}
	if n := len(e.emu.Snapshot().Notes); n != 2 {
		t.Errorf("%d notes, want 2", n)
	}
}

// refusingKommo answers a notes POST whose items carry created_at (and,
// with by, created_by) with Kommo's 400 validation-errors naming those
// fields, as an account that does not take them would; every other
// request goes to the emulator. posts keeps each notes POST's body.
type refusingKommo struct {
	by    bool
	posts []string
}

func (k *refusingKommo) Do(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/notes") {
		return http.DefaultClient.Do(req)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	k.posts = append(k.posts, string(body))
	var items []map[string]any
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, err
	}
	type fieldErr struct{ Code, Path, Detail string }
	type itemErr struct {
		RequestID string     `json:"request_id"`
		Errors    []fieldErr `json:"errors"`
	}
	var errs []itemErr
	for _, it := range items {
		var fes []fieldErr
		if _, ok := it["created_at"]; ok {
			fes = append(fes, fieldErr{"NotSupported", "created_at", "This field is not supported"})
		}
		if _, ok := it["created_by"]; ok && k.by {
			fes = append(fes, fieldErr{"NotSupported", "created_by", "This field is not supported"})
		}
		if len(fes) > 0 {
			errs = append(errs, itemErr{RequestID: fmt.Sprint(it["request_id"]), Errors: fes})
		}
	}
	if len(errs) == 0 {
		req.Body = io.NopCloser(bytes.NewReader(body))
		return http.DefaultClient.Do(req)
	}
	out, _ := json.Marshal(map[string]any{"title": "Bad Request", "type": "https://httpstatus.es/400", "status": 400,
		"detail": "Request validation failed", "validation-errors": errs})
	return &http.Response{StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Request: req,
		Header: http.Header{"Content-Type": {"application/problem+json"}}, Body: io.NopCloser(bytes.NewReader(out))}, nil
}

// TestWriteNotesRefusedDates: Kommo documents created_by on notes but not
// created_at. On an account that refuses them, every note still lands,
// once, without the refused fields, and its result names them; a note
// refused for anything else still fails alone. A second run adds none.
func TestWriteNotesRefusedDates(t *testing.T) {
	for _, by := range []bool{false, true} {
		t.Run(fmt.Sprintf("created_by refused %v", by), func(t *testing.T) {
			e := newNoteEnv(t)
			k := &refusingKommo{by: by}
			c := e.client(t, k)
			hist := e.history()
			hist = append(hist, NoteItem{Line: 12, Entity: kommo.EntityLeads, EntityID: 999, Type: kommo.NoteCommon,
				Params: kommo.NoteParams{Text: "no such lead"}, CreatedAt: 1710511320})
			res, err := WriteNotes(t.Context(), c, slices.Values(hist), e.opts("refused"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != len(hist)-1 || res.Failed != 1 {
				t.Fatalf("%v: %+v", countActions(res), res.Notes)
			}
			for _, r := range res.Notes {
				it := hist[r.Index-1]
				var want []string
				if it.CreatedAt != 0 {
					want = append(want, "created_at")
				}
				if by && it.CreatedBy != 0 {
					want = append(want, "created_by")
				}
				if r.Action == ActionError {
					if r.Line != 12 || !strings.Contains(r.Err.Error(), "entity_id") {
						t.Errorf("line %d failed: %v", r.Line, r.Err)
					}
					continue
				}
				if fmt.Sprint(r.Refused) != fmt.Sprint(want) {
					t.Errorf("line %d: refused %v, want %v", r.Line, r.Refused, want)
				}
			}
			// In Kommo: no note kept a refused field; created_by where
			// the account takes it.
			notes := e.emu.Snapshot().Notes
			if len(notes) != len(hist)-1 {
				t.Fatalf("%d notes, want %d:\n%s", len(notes), len(hist)-1, strings.Join(noteKeys(t, e.emu), "\n"))
			}
			signed := 0
			for _, n := range notes {
				for _, it := range hist {
					if it.EntityID == n.EntityID && int64(n.CreatedAt) == it.CreatedAt && it.CreatedAt != 0 {
						t.Errorf("note %d kept a refused created_at %d", n.ID, it.CreatedAt)
					}
				}
				if n.CreatedBy == kt.SeedUserBoris || n.CreatedBy == kt.SeedUserChen {
					signed++
				}
			}
			if want := map[bool]int{false: 2, true: 0}[by]; signed != want {
				t.Errorf("%d notes signed by their authors, want %d", signed, want)
			}
			posts := len(k.posts)
			o := e.opts("refused")
			o.Resume = true
			again, err := WriteNotes(t.Context(), c, slices.Values(hist), o)
			if err != nil || again.Resumed != len(hist) || len(k.posts) != posts || len(e.emu.Snapshot().Notes) != len(hist)-1 {
				t.Errorf("second run: %v, %+v, %d notes", err, again, len(e.emu.Snapshot().Notes))
			}
		})
	}
}
