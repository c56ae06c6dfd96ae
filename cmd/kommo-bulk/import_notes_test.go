package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// wireEnv is a CLI environment whose emulator keeps the bodies of the
// write requests it receives.
type wireEnv struct {
	*cliEnv
	mu    sync.Mutex
	posts []string // "METHOD path body"
}

func newWireEnv(t *testing.T) *wireEnv {
	t.Helper()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{"cli-token"}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	w := &wireEnv{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			w.mu.Lock()
			w.posts = append(w.posts, r.Method+" "+r.URL.Path+" "+string(b))
			w.mu.Unlock()
		}
		emu.ServeHTTP(rw, r)
	}))
	t.Cleanup(func() { srv.Close(); emu.Close() })
	w.cliEnv = &cliEnv{emu: emu, url: srv.URL, dir: t.TempDir(), env: map[string]string{"KOMMO_BASE_URL": srv.URL, "KOMMO_TOKEN": "cli-token"}}
	return w
}

// notePosts are the notes POSTed so far, each as its JSON object, with
// the path it went to as "_path".
func (w *wireEnv) notePosts(t *testing.T) []map[string]any {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	for _, p := range w.posts {
		parts := strings.SplitN(p, " ", 3)
		if parts[0] != http.MethodPost || !strings.HasSuffix(parts[1], "/notes") {
			continue
		}
		var batch []map[string]any
		if err := json.Unmarshal([]byte(parts[2]), &batch); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, n := range batch {
			n["_path"] = parts[1]
			out = append(out, n)
		}
	}
	return out
}

func (w *wireEnv) writes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.posts)
}

// TestImportWritesRowNotes: a leads spec with notes: writes each row's
// comment as a note on its lead, signed by the row's owner, after the
// lead; a resume and a re-run in upsert mode add none twice.
func TestImportWritesRowNotes(t *testing.T) {
	e := newWireEnv(t)
	spec := e.write(t, "leads.yaml", `entity: leads
match: name
columns:
  - {column: Deal, field: name}
notes:
  - {column: Comment, author: Owner}
  - {columns: [Next, Budget], labels: true}
`)
	input := e.write(t, "leads.csv", "Deal,Comment,Owner,Next,Budget\n"+
		"Alpha,\"Called, agreed\nto meet\",Boris Manager,,\n"+
		"Beta,,,call back,5000\n"+
		"Gamma,,,,\n")
	// A dry run counts the notes and writes nothing.
	code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, "--dry-run", input)
	if code != exitOK || !strings.Contains(out, "notes: 2 would be written") || e.writes() != 0 {
		t.Fatalf("dry run: exit %d, %d writes\n%s\n%s", code, e.writes(), out, errOut)
	}
	code, out, errOut = e.run(t, "import", "--rate", "0", "--mapping", spec, "--json", input)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var sum importSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if sum.Created != 3 || sum.NotesWritten == nil || sum.NotesWritten.Created != 2 || sum.NotesWritten.Failed != 0 {
		t.Fatalf("summary %+v, notes %+v", sum, sum.NotesWritten)
	}
	leads := map[string]int{}
	for _, l := range e.emu.Snapshot().Leads {
		leads[l.Name] = l.ID
	}
	got := e.notePosts(t)
	if len(got) != 2 {
		t.Fatalf("notes sent: %v", got)
	}
	sort.Slice(got, func(i, j int) bool { return got[i]["entity_id"].(float64) < got[j]["entity_id"].(float64) })
	want := []string{
		`{"_path":"/api/v4/leads/notes","created_by":1002,"entity_id":` + strconv.Itoa(leads["Alpha"]) + `,"note_type":"common","params":{"text":"Called, agreed\nto meet"},"request_id":"note-1"}`,
		`{"_path":"/api/v4/leads/notes","entity_id":` + strconv.Itoa(leads["Beta"]) + `,"note_type":"common","params":{"text":"Next: call back\nBudget: 5000"},"request_id":"note-2"}`,
	}
	for i, n := range got {
		b, _ := json.Marshal(n)
		if string(b) != want[i] {
			t.Errorf("note %d sent as\n%s\nwant\n%s", i, b, want[i])
		}
	}
	// The notes come after their leads.
	e.mu.Lock()
	firstNote, lastLead := -1, -1
	for i, p := range e.posts {
		if strings.Contains(p, "/notes ") && firstNote < 0 {
			firstNote = i
		}
		if strings.HasPrefix(p, "POST /api/v4/leads ") {
			lastLead = i
		}
	}
	e.mu.Unlock()
	if firstNote < lastLead {
		t.Errorf("a note was sent before the last lead: %d < %d", firstNote, lastLead)
	}

	// A resume of the finished job: no note is sent again.
	before := len(e.notePosts(t))
	if code, out, errOut := e.run(t, "import", "--rate", "0", "--resume", sum.Journal); code != exitOK {
		t.Fatalf("resume exit %d\n%s\n%s", code, out, errOut)
	}
	// A new job in upsert mode finds the leads and the notes they have.
	if code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, "--mode", "upsert", "--job", "again", input); code != exitOK {
		t.Fatalf("upsert exit %d\n%s\n%s", code, out, errOut)
	} else if !strings.Contains(out, "notes: 0 created, 2 already there, 0 failed") {
		t.Errorf("upsert summary: %s", out)
	}
	if after := len(e.notePosts(t)); after != before || len(e.emu.Snapshot().Notes) != 2 {
		t.Errorf("notes sent again: %d POSTed before, %d after; %d in Kommo", before, after, len(e.emu.Snapshot().Notes))
	}
}

const notesFileSpec = `entity: notes
options: {time_zone: UTC}
columns:
  - {column: Type, field: note_type}
  - {column: Lead, field: entity_id}
  - {column: Text, field: text}
  - {column: When, field: created_at}
  - {column: By, field: author}
  - {column: Seconds, field: duration}
  - {column: Phone, field: phone}
  - {column: Id, field: source_id}
constants:
  - {field: entity_type, value: leads}
`

// TestImportNotesFile imports a file of notes and calls onto existing
// leads: the wire carries Kommo's note JSON, the result files list each
// row, and a second run with another job adds nothing.
func TestImportNotesFile(t *testing.T) {
	e := newWireEnv(t)
	c, err := kommo.NewClient(e.url, kommo.WithToken("cli-token"), kommo.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	ls, _, err := c.Leads.Create(context.Background(), []kommo.LeadRequest{{Name: "A"}, {Name: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := strconv.Itoa(ls[0].ID), strconv.Itoa(ls[1].ID)
	spec := e.write(t, "notes.yaml", notesFileSpec)
	input := e.write(t, "notes.csv", "Type,Lead,Text,When,By,Seconds,Phone,Id\n"+
		"common,"+a+",Met at the fair,2024-03-15 14:02,Chen Sales,,,n1\n"+
		"call_in,"+b+",,2024-03-15 15:00,,01:30,+15550001,n2\n"+
		"common,"+a+",Phone in a note,,,,+15550002,n3\n"+
		"common,,Orphan,,,,,n4\n")
	code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, "--json", input)
	if code != exitRowErrors {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var sum importSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		// With an error, the summary is the "result" of Main's object.
		var wrapped struct {
			Result importSummary `json:"result"`
		}
		if err := json.Unmarshal([]byte(out), &wrapped); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		sum = wrapped.Result
	}
	if sum.Created != 3 || sum.Failed != 1 || sum.Warned != 1 {
		t.Fatalf("summary %+v\n%s", sum, errOut)
	}
	got := e.notePosts(t)
	if len(got) != 3 {
		t.Fatalf("notes sent: %v", got)
	}
	wants := map[string]string{
		"n1": `{"_path":"/api/v4/leads/notes","created_at":1710511320,"created_by":1003,"entity_id":` + a + `,"note_type":"common","params":{"text":"Met at the fair"},"request_id":"note-1"}`,
		"n2": `{"_path":"/api/v4/leads/notes","created_at":1710514800,"entity_id":` + b + `,"note_type":"call_in","params":{"duration":90,"link":"","phone":"+15550001","source":"","uniq":"n2"},"request_id":"note-2"}`,
		"n3": `{"_path":"/api/v4/leads/notes","entity_id":` + a + `,"note_type":"common","params":{"text":"Phone in a note\nPhone: +15550002"},"request_id":"note-3"}`,
	}
	for i, n := range got {
		bs, _ := json.Marshal(n)
		if w := wants["n"+strconv.Itoa(i+1)]; string(bs) != w {
			t.Errorf("note %d sent as\n%s\nwant\n%s", i+1, bs, w)
		}
	}
	success := readResultCSV(t, sum.Success)
	errs := readResultCSV(t, sum.Errors)
	if len(success) != 4 || len(errs) != 2 || !strings.Contains(strings.Join(errs[1], "|"), "names no record") {
		t.Errorf("success %v\nerrors %v", success, errs)
	}
	if w := success[3][len(success[3])-1]; !strings.Contains(w, "note_value_in_text") {
		t.Errorf("the warning of row 4: %q", w)
	}

	// A resume of the job: the journal settles every note.
	n := len(got)
	code, out, errOut = e.run(t, "import", "--rate", "0", "--resume", sum.Journal)
	if code != exitRowErrors || !strings.Contains(out, "3 rows were already done") || len(e.notePosts(t)) != n {
		t.Fatalf("resume: exit %d, %d notes sent\n%s\n%s", code, len(e.notePosts(t))-n, out, errOut)
	}

	// Another job over the same file: the notes are on their leads already.
	code, out, errOut = e.run(t, "import", "--rate", "0", "--mapping", spec, "--job", "second", input)
	if code != exitRowErrors || !strings.Contains(out, "3 skipped") {
		t.Fatalf("second run exit %d\n%s\n%s", code, out, errOut)
	}
	if after := len(e.notePosts(t)); after != n || len(e.emu.Snapshot().Notes) != 3 {
		t.Errorf("second run sent %d notes; %d in Kommo", after-n, len(e.emu.Snapshot().Notes))
	}
}

// TestImportNotesUnknownAuthor: an author that matches no user stops
// the import before anything is written, listing the value; --user maps
// it.
func TestImportNotesUnknownAuthor(t *testing.T) {
	e := newWireEnv(t)
	spec := e.write(t, "notes.yaml", notesFileSpec)
	input := e.write(t, "notes.csv", "Type,Lead,Text,When,By,Seconds,Phone,Id\n"+
		"common,12345,Hello,,Nobody Known,,,n1\n"+
		"common,12345,Again,,Nobody Known,,,n2\n")
	code, out, errOut := e.run(t, "import", "--rate", "0", "--mapping", spec, input)
	if code == exitOK || !strings.Contains(errOut, "Nobody Known") || !strings.Contains(errOut, "stopped before writing") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("%d write requests before the stop", n)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "notes.csv.success.csv")); err == nil {
		t.Error("a success file for a stopped run")
	}
	// In a leads file's notes: too.
	leadsSpec := e.write(t, "leads.yaml", "entity: leads\ncolumns: [{column: Deal, field: name}]\nnotes: [{column: Comment, author: By}]\n")
	leads := e.write(t, "leads.csv", "Deal,Comment,By\nAlpha,hi,Nobody Known\n")
	code, _, errOut = e.run(t, "import", "--rate", "0", "--mapping", leadsSpec, leads)
	if code == exitOK || !strings.Contains(errOut, "Nobody Known") || e.writes() != 0 {
		t.Fatalf("leads: exit %d, %d writes\n%s", code, e.writes(), errOut)
	}
	// The users table maps it.
	code, out, errOut = e.run(t, "import", "--rate", "0", "--mapping", leadsSpec, "--user", "Nobody Known=Boris Manager", leads)
	if code != exitOK {
		t.Fatalf("with --user: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := e.notePosts(t); len(got) != 1 || got[0]["created_by"] != float64(kt.SeedUserBoris) {
		t.Errorf("notes sent: %v", got)
	}
}

// TestRunResumesNotes: a run step whose records were all written but
// whose notes were not (the process died between the two, or notes:
// came into the mapping since) is resumed, not skipped, and the notes
// land once.
func TestRunResumesNotes(t *testing.T) {
	e := newWireEnv(t)
	e.write(t, "leads.yaml", "entity: leads\ncolumns: [{column: Deal, field: name}]\n")
	e.write(t, "leads.csv", "Deal,Comment\nAlpha,first\nBeta,second\n")
	job := e.write(t, "job.yaml", "connection: {rate: -1}\nsteps:\n  - import: {input: leads.csv, mapping: leads.yaml, results: results}\n")
	if code, out, errOut := e.run(t, "run", job); code != exitOK || len(e.emu.Snapshot().Leads) != 2 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	// The records are written, the notes are not.
	e.write(t, "leads.yaml", "entity: leads\ncolumns: [{column: Deal, field: name}]\nnotes: [{column: Comment}]\n")
	code, out, errOut := e.run(t, "run", job)
	if code != exitOK || !strings.Contains(errOut, "resuming") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errOut)
	}
	if n, l := len(e.emu.Snapshot().Notes), len(e.emu.Snapshot().Leads); n != 2 || l != 2 {
		t.Errorf("%d notes and %d leads after the resumed run, want 2 and 2", n, l)
	}
	// A third run skips the file: records and notes are done.
	code, out, errOut = e.run(t, "run", job)
	if code != exitOK || !strings.Contains(errOut, "imported before") || len(e.emu.Snapshot().Notes) != 2 {
		t.Errorf("third run: exit %d, %d notes\n%s\n%s", code, len(e.emu.Snapshot().Notes), out, errOut)
	}
}
