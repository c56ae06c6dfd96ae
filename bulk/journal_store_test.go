package bulk

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// crashAt lets the emulator apply the n-th write (POST or PATCH) and then
// kills the importer at once, as a closed tab does: the store is kept as
// it was synced at that instant, the import's context is cancelled, and
// nothing it sent lands afterwards, not even a request still waiting to
// be served (the process that sent it is gone: its token is dead, and the
// resume sends with another). Requests are served one at a time, so every
// write served before the crash was journaled before it was sent.
type crashAt struct {
	emu *kt.Server
	n   int64

	mu     sync.Mutex
	writes int64
	dead   map[string]bool // tokens of killed importers
	store  *MemStore
	kept   *MemStore
	cancel context.CancelFunc
}

func (c *crashAt) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	auth := r.Header.Get("Authorization")
	if c.dead[auth] {
		panic(http.ErrAbortHandler)
	}
	if r.Method != http.MethodGet {
		c.writes++
		if c.writes == c.n {
			c.emu.DropNext(1, true)
			c.emu.ServeHTTP(w, r)
			c.dead[auth], c.kept = true, c.store.SyncedCopy()
			c.cancel()
			return
		}
	}
	c.emu.ServeHTTP(w, r)
}

// resumeToken is the token of the importer that resumes a killed one.
const resumeToken = importToken + "-resume"

// newCrashEnv returns the crashing emulator and a client for the importer
// it kills and one for the importer that resumes it.
func newCrashEnv(t *testing.T, n int64) (*crashAt, *kommo.Client, *kommo.Client) {
	t.Helper()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken, resumeToken}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	h := &crashAt{emu: emu, n: n, dead: map[string]bool{}}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	client := func(tok string) *kommo.Client {
		c, err := kommo.NewClient(srv.URL, kommo.WithToken(tok), kommo.WithRateLimit(rate.Inf, 1),
			kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return h, client(importToken), client(resumeToken)
}

// TestMemStoreCrashResumesExactlyOnce stops an import kept in a MemStore
// at a random write, loses everything the journal had not synced, and
// resumes it: every row lands exactly once.
func TestMemStoreCrashResumesExactlyOnce(t *testing.T) {
	const n = 60
	var rows []*mapping.Row
	for i := range n {
		rows = append(rows, contactRow(i+2, fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@x.org", i), fmt.Sprintf("Co %d", i%3)))
	}
	rng := rand.New(rand.NewPCG(18, 4))
	for range 6 {
		at := 1 + rng.Int64N(20)
		t.Run(fmt.Sprintf("write %d", at), func(t *testing.T) {
			h, killed, resumer := newCrashEnv(t, at)
			ctx, cancel := context.WithCancel(t.Context())
			h.store, h.cancel = NewMemStore(), cancel
			o := ImportOptions{Job: JobHeader{ID: "mem", Entity: kommo.EntityContacts, Mode: ModeCreate},
				Journal: "mem.journal", Store: h.store, BatchSize: 5, Workers: 2}
			if _, err := Import(ctx, killed, items(rows...), o); err == nil {
				t.Fatalf("the import did not stop at write %d", at)
			}
			h.mu.Lock()
			store := h.kept
			h.n = 0
			h.mu.Unlock()

			o.Resume, o.Store = true, store
			res, err := Import(t.Context(), resumer, items(rows...), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != n || res.Failed != 0 {
				t.Errorf("resume: created %d, failed %d; want %d and 0", res.Created, res.Failed, n)
			}
			st := h.emu.Snapshot()
			names := map[string]int{}
			for _, c := range st.Contacts {
				names[c.Name]++
			}
			if len(st.Contacts) != n || len(names) != n || len(st.Companies) != 3 {
				t.Errorf("%d contacts (%d names), %d companies; want %d, %d and 3", len(st.Contacts), len(names), len(st.Companies), n, n)
			}
			sum, err := SummarizeJob(store, "mem.journal")
			if err != nil || !sum.Ended || sum.Created != n || sum.Header.ID != "mem" {
				t.Errorf("SummarizeJob = %+v, %v", sum, err)
			}
		})
	}
}

// TestJournalMovesBetweenStores: a journal kept in memory (the page's)
// is undone from a file (the CLI's), and a file's journal reads and
// undoes from memory: the bytes are the same journal.
func TestJournalMovesBetweenStores(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	store := NewMemStore()
	o := ImportOptions{Job: JobHeader{ID: "page", Entity: kommo.EntityContacts, Mode: ModeCreate}, Journal: "page", Store: store}
	if _, err := Import(ctx, e.c, items(contactRow(2, "Ada", "ada@x.org", "Acme")), o); err != nil {
		t.Fatal(err)
	}
	data, err := store.ReadFile("page")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.dir, "page.journal")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := Undo(ctx, e.c, path)
	if err != nil || len(u.Created[kommo.EntityContacts]) != 1 || len(u.Created[kommo.EntityCompanies]) != 1 {
		t.Fatalf("CLI undo of the page's journal = %+v, %v", u, err)
	}

	co := e.opts("cli", kommo.EntityContacts, ModeCreate)
	if _, err := Import(ctx, e.c, items(contactRow(2, "Bob", "bob@x.org", "")), co); err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile(co.Journal)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := store.Open("cli")
	f.Write(data)
	f.Close()
	sum, err := SummarizeJob(store, "cli")
	if err != nil || !sum.Ended || sum.Created != 1 || sum.Header.ID != "cli" {
		t.Errorf("SummarizeJob of the CLI's journal = %+v, %v", sum, err)
	}
	u, err = UndoStore(ctx, e.c, store, "cli")
	if err != nil || len(u.Created[kommo.EntityContacts]) != 1 {
		t.Fatalf("page undo of the CLI's journal = %+v, %v", u, err)
	}
	bob, _, _ := e.c.Contacts.Get(ctx, u.Created[kommo.EntityContacts][0])
	if len(bob.Embedded.Tags) != 1 || bob.Embedded.Tags[0].Name != UndoTag("cli") {
		t.Errorf("created contact tags = %+v", bob.Embedded.Tags)
	}
	// The undo's own entries went to the store's journal.
	if sum, _ := SummarizeJob(store, "cli"); sum.UndoneAt == 0 {
		t.Errorf("SummarizeJob after undo: UndoneAt = 0")
	}
}

// TestMemStoreLock: a journal in use is refused to a second writer.
func TestMemStoreLock(t *testing.T) {
	e := newTestEnv(t)
	store := NewMemStore()
	l, err := store.Lock("j")
	if err != nil {
		t.Fatal(err)
	}
	o := ImportOptions{Job: JobHeader{ID: "j", Entity: kommo.EntityContacts, Mode: ModeCreate}, Journal: "j", Store: store}
	if _, err := Import(t.Context(), e.c, items(contactRow(2, "Ada", "ada@x.org", "")), o); !errors.Is(err, ErrJournalLocked) {
		t.Fatalf("Import of a locked journal = %v, want ErrJournalLocked", err)
	}
	if len(e.emu.Snapshot().Contacts) != 0 {
		t.Errorf("a refused import wrote")
	}
	l.Unlock()
	if _, err := Import(t.Context(), e.c, items(contactRow(2, "Ada", "ada@x.org", "")), o); err != nil {
		t.Fatal(err)
	}
}

// failFirstWrite answers the first write 402 (the account's subscription
// ended): an account-level error that stops the job.
type failFirstWrite struct {
	emu  *kt.Server
	done atomic.Bool
}

func (f *failFirstWrite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && f.done.CompareAndSwap(false, true) {
		http.Error(w, `{"title":"Payment Required","status":402}`, http.StatusPaymentRequired)
		return
	}
	f.emu.ServeHTTP(w, r)
}

// TestStoppedOwnerLeavesFollowersUndone stops an import (an account-level
// error; a cancel is the same) while the company many rows share is being
// created: the rows waiting for it are not done, so the resume writes them.
// Journaled as failed ("same name as row 2, which failed"), they would be
// lost to every resume.
func TestStoppedOwnerLeavesFollowersUndone(t *testing.T) {
	const n = 40
	var rows []*mapping.Row
	for i := range n {
		rows = append(rows, contactRow(i+2, fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@x.org", i), "Shared Co"))
	}
	for try := range 5 {
		t.Run(fmt.Sprint(try), func(t *testing.T) {
			emu, err := kt.NewServer(kt.Options{Tokens: []string{importToken}, Rate: rate.Inf})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(&failFirstWrite{emu: emu})
			t.Cleanup(func() { srv.Close(); emu.Close() })
			c, err := kommo.NewClient(srv.URL, kommo.WithToken(importToken), kommo.WithRateLimit(rate.Inf, 1),
				kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
			if err != nil {
				t.Fatal(err)
			}
			o := ImportOptions{Job: JobHeader{ID: "owner", Entity: kommo.EntityContacts, Mode: ModeCreate},
				Journal: "owner.journal", Store: NewMemStore(), BatchSize: 5, Workers: 4}
			res, err := Import(t.Context(), c, items(rows...), o)
			if !errors.Is(err, kommo.ErrPaymentRequired) {
				t.Fatalf("Import = %v, want the 402", err)
			}
			if res.Failed != 0 {
				t.Errorf("the stopped import failed %d rows: %v", res.Failed, res.Rows)
			}
			o.Resume = true
			res, err = Import(t.Context(), c, items(rows...), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != n || res.Failed != 0 {
				t.Errorf("resume: created %d, failed %d; want %d and 0", res.Created, res.Failed, n)
			}
			if st := emu.Snapshot(); len(st.Contacts) != n || len(st.Companies) != 1 {
				t.Errorf("%d contacts, %d companies; want %d and 1", len(st.Contacts), len(st.Companies), n)
			}
		})
	}
}
