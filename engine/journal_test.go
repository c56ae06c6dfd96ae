package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// crasher lets the emulator apply the n-th write (counted from arm) and
// then closes the "tab" at once: the store is kept as it was synced at
// that instant, the job is cancelled and nothing it sends after reaches
// the emulator. One request is served at a time, so every request served
// before the crash was journaled before it.
type crasher struct {
	emu *kommotest.Server

	mu     sync.Mutex
	n      int64
	writes int64
	// dead are the tokens of the page loads a crash ended: nothing they
	// sent lands afterwards, not even a request still waiting to be
	// served when the next page load resumes the job.
	dead  map[string]bool
	store *bulk.MemStore
	// kept is the store as the crash left it.
	kept   *bulk.MemStore
	cancel context.CancelFunc
}

func (c *crasher) arm(n int64, store *bulk.MemStore, cancel context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.writes, c.store, c.kept, c.cancel = n, 0, store, nil, cancel
}

func (c *crasher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	auth := r.Header.Get("Authorization")
	if c.dead[auth] {
		panic(http.ErrAbortHandler) // the tab is gone: nothing more lands
	}
	if r.Method != http.MethodGet {
		c.writes++
		if c.writes == c.n {
			c.emu.DropNext(1, true)
			c.emu.ServeHTTP(w, r)
			c.dead[auth] = true
			c.kept = c.store.SyncedCopy()
			c.cancel()
			return
		}
	}
	c.emu.ServeHTTP(w, r)
}

// journalEnv is an emulator behind a crasher, and engines (one per
// "page load") that share a job store.
type journalEnv struct {
	emu   *kommotest.Server
	crash *crasher
	url   string
	store *bulk.MemStore
	loads int // page loads so far: each has a token of its own
}

// pageTokens are the tokens of successive page loads.
var pageTokens = func() []string {
	var out []string
	for i := range 16 {
		out = append(out, fmt.Sprintf("%s-load-%d", testToken, i))
	}
	return out
}()

func newJournalEnv(t *testing.T) *journalEnv {
	t.Helper()
	emu, err := kommotest.NewServer(kommotest.Options{Tokens: pageTokens, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	c := &crasher{emu: emu, dead: map[string]bool{}}
	ts := httptest.NewServer(c)
	t.Cleanup(func() { ts.Close(); emu.Close() })
	return &journalEnv{emu: emu, crash: c, url: ts.URL, store: bulk.NewMemStore()}
}

// engine is a new page load: a fresh engine over the store, with a token
// of its own (a crash kills the load's requests still in flight).
func (je *journalEnv) engine(t *testing.T) *Engine {
	t.Helper()
	e := New()
	if err := e.Configure(Config{BaseURL: je.url, Token: pageTokens[je.loads], Rate: -1}); err != nil {
		t.Fatal(err)
	}
	je.loads++
	e.SetJobStore(je.store)
	return e
}

const journalSpec = "entity: contacts\ncolumns:\n  - column: Name\n    field: name\n  - column: Email\n    field: EMAIL\n  - column: Company\n    entity: companies\n    field: name\n"

func peopleCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("Name,Email,Company\n")
	for i := range n {
		fmt.Fprintf(&b, "Person %d,p%d@example.com,Co %d\n", i, i, i%5)
	}
	return []byte(b.String())
}

// TestJournaledImportResumesAfterCrashes stops a page's import at random
// writes (the tab closes: the job is cancelled, what the journal had not
// synced is lost, the engine is gone), then resumes it from a new engine
// over the same store, until it finishes: every row exists exactly once.
func TestJournaledImportResumesAfterCrashes(t *testing.T) {
	const rows = 120
	data := peopleCSV(rows)
	rng := rand.New(rand.NewPCG(18, 2026))
	for round := range 3 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			je := newJournalEnv(t)
			ctx := t.Context()
			e := je.engine(t)
			fi, err := e.OpenFile(data, "people.csv", OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			jctx, cancel := context.WithCancel(ctx)
			je.crash.arm(1+rng.Int64N(12), je.store, cancel)
			j, err := e.StartImport(jctx, fi.ID, journalSpec, ImportParams{BatchSize: 10, Workers: 2}, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := j.Wait()
			if err != nil {
				t.Fatal(err)
			}
			crashes := 0
			for res.Canceled {
				crashes++
				je.store = je.crash.kept
				e = je.engine(t) // the page is opened again
				jobs, err := e.Jobs()
				if err != nil || len(jobs) != 1 || jobs[0].Finished || !jobs[0].Resumable || jobs[0].File != "people.csv" || jobs[0].Size != int64(len(data)) {
					t.Fatalf("Jobs after crash %d = %+v, %v; want one resumable job of people.csv", crashes, jobs, err)
				}
				if _, err := e.ResumeImport(ctx, jobs[0].Journal, strings.NewReader(string(peopleCSV(rows+1))), nil); !errors.Is(err, ErrNotSameFile) {
					t.Errorf("ResumeImport of another file = %v, want ErrNotSameFile", err)
				}
				jctx, cancel := context.WithCancel(ctx)
				if crashes < 3 {
					je.crash.arm(1+rng.Int64N(12), je.store, cancel)
				} else {
					je.crash.arm(0, je.store, cancel)
				}
				j, err := e.ResumeImport(jctx, jobs[0].Journal, strings.NewReader(string(data)), nil)
				if err != nil {
					t.Fatal(err)
				}
				if res, err = j.Wait(); err != nil {
					t.Fatal(err)
				}
			}
			if crashes == 0 {
				t.Fatalf("the job was never stopped: %+v", res)
			}
			if res.Error != "" || res.Created != rows || res.Rows != rows || res.SuccessFile == nil {
				t.Fatalf("after %d crashes: %+v", crashes, res)
			}
			st := je.emu.Snapshot()
			names := map[string]int{}
			for _, c := range st.Contacts {
				names[c.Name]++
			}
			if len(st.Contacts) != rows || len(names) != rows || len(st.Companies) != 5 {
				t.Errorf("after %d crashes: %d contacts (%d names), %d companies; want %d, %d and 5",
					crashes, len(st.Contacts), len(names), len(st.Companies), rows, rows)
			}
			jobs, err := e.Jobs()
			if err != nil || len(jobs) != 1 || !jobs[0].Finished || jobs[0].Created != rows || len(jobs[0].Files) != 1 {
				t.Fatalf("Jobs after the end = %+v, %v", jobs, err)
			}
			sf, err := e.JobFile(jobs[0].Files[0].Name)
			if err != nil || sf.Name != res.SuccessFile.Name || string(sf.Data) != string(res.SuccessFile.Data) {
				t.Errorf("kept result file = %v, %v; want the job's success file", sf, err)
			}
		})
	}
}

// TestUndoJobRestores undoes an upsert from the page: the records it
// updated get their values back, the ones it created are tagged, and the
// history says the job was undone. The journal downloads as the CLI's.
func TestUndoJobRestores(t *testing.T) {
	je := newJournalEnv(t)
	ctx := t.Context()
	e := je.engine(t)
	before, err := e.OpenFile([]byte("Name,Email\nAda,ada@example.com\n"), "before.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := "entity: contacts\nmatch: email\ncolumns:\n  - column: Name\n    field: name\n  - column: Email\n    field: EMAIL\n"
	j, err := e.StartImport(ctx, before.ID, spec, ImportParams{JobID: "before"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Wait(); err != nil {
		t.Fatal(err)
	}
	fi, err := e.OpenFile([]byte("Name,Email\nAda Lovelace,ada@example.com\nBob,bob@example.com\n"), "people.csv", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	j, err = e.StartImport(ctx, fi.ID, spec, ImportParams{Mode: "upsert", JobID: "upsert"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := j.Wait(); err != nil || res.Updated != 1 || res.Created != 1 {
		t.Fatalf("upsert = %+v, %v", res, err)
	}
	u, err := e.UndoJob(ctx, "upsert"+JournalExt)
	if err != nil || u.Restored != 1 || len(u.Created["contacts"]) != 1 {
		t.Fatalf("UndoJob = %+v, %v", u, err)
	}
	st := je.emu.Snapshot()
	var names []string
	for _, c := range st.Contacts {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Ada", "Bob"}) {
		t.Errorf("contacts after undo = %q, want Ada (restored) and Bob", names)
	}
	for _, c := range st.Contacts {
		if c.Name == "Ada Lovelace" {
			t.Errorf("Ada's update was not undone")
		}
		if c.Name == "Bob" && !strings.Contains(fmt.Sprint(c.Tags), bulk.UndoTag("upsert")) {
			t.Errorf("created Bob not tagged: %v", c.Tags)
		}
	}
	jobs, err := e.Jobs()
	if err != nil || len(jobs) != 2 {
		t.Fatalf("Jobs = %+v, %v", jobs, err)
	}
	for _, ji := range jobs {
		if (ji.ID == "upsert") != (ji.UndoneAt != 0) {
			t.Errorf("job %s: undoneAt %d", ji.ID, ji.UndoneAt)
		}
	}
	jf, err := e.JobFile("upsert" + JournalExt)
	if err != nil || jf.Name != "upsert.journal" || !strings.HasPrefix(string(jf.Data), `{"op":"start"`) {
		t.Fatalf("JobFile(journal) = %v, %v", jf, err)
	}
	if err := e.RemoveJob("upsert" + JournalExt); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := e.Jobs(); len(jobs) != 1 || jobs[0].ID != "before" {
		t.Errorf("Jobs after RemoveJob = %+v", jobs)
	}
	// A journal from elsewhere (the CLI) joins the history.
	ji, err := e.ImportJournal("upsert.journal", jf.Data)
	if err != nil || ji.ID != "upsert" || !ji.Finished || ji.Resumable {
		t.Errorf("ImportJournal = %+v, %v", ji, err)
	}
}
