package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// wireEnv is a testEnv that keeps the bodies of the requests it is sent,
// by method and path ("POST /api/v4/tasks").
type wireEnv struct {
	*testEnv
	mu     sync.Mutex
	bodies map[string][][]byte
}

func newWireEnv(tb testing.TB) *wireEnv { return newWrappedEnv(tb, nil) }

// newWrappedEnv is a wireEnv whose emulator is served through wrap (nil:
// as it is), to fail or stop a run at a request.
func newWrappedEnv(tb testing.TB, wrap func(http.Handler) http.Handler) *wireEnv {
	tb.Helper()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{testToken}, Rate: rate.Inf})
	if err != nil {
		tb.Fatal(err)
	}
	w := &wireEnv{bodies: map[string][][]byte{}}
	var h http.Handler = emu
	if wrap != nil {
		h = wrap(emu)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Method != http.MethodGet {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			w.mu.Lock()
			k := r.Method + " " + r.URL.Path
			w.bodies[k] = append(w.bodies[k], b)
			w.mu.Unlock()
		}
		h.ServeHTTP(rw, r)
	}))
	tb.Cleanup(func() { srv.Close(); emu.Close() })
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(testToken), kommo.WithRateLimit(rate.Inf, 1),
		kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		tb.Fatal(err)
	}
	w.testEnv = &testEnv{emu: emu, c: c, dir: tb.TempDir()}
	return w
}

// sent are the items of the JSON arrays sent to key.
func (w *wireEnv) sent(t *testing.T, key string) []map[string]any {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	for _, b := range w.bodies[key] {
		var items []map[string]any
		if err := json.Unmarshal(b, &items); err != nil {
			t.Fatalf("%s: %v: %s", key, err, b)
		}
		out = append(out, items...)
	}
	return out
}

const taskStateDeals = `entity: leads
key: Record ID
match: field:External ID
columns:
  - {column: Record ID, field: External ID}
  - {column: Deal, field: name}
`

const taskStateTasks = `entity: tasks
key: Task ID
refs:
  - {column: Deal ID, entity: leads}
columns:
  - {column: Subject, field: text}
  - {column: Due, field: complete_till}
  - {column: Status, field: is_completed, map: {Completed: "yes", Open: "no"}}
  - {column: Comments, field: result}
`

// Tasks keep their state: a done task lands done with its result text on
// the wire, an open task's comments join its text (an open task has no
// result in Kommo), an overdue open task keeps its deadline and stays
// open, or, as the consultant chooses, lands done or is left out.
func TestMigrateTaskState(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	tasks := "Task ID,Deal ID,Subject,Due,Status,Comments\n" +
		"T1,D1,Send the contract,2024-03-15 10:00,Completed,Signed on the 14th\n" +
		"T2,D1,Call back,2024-04-02 09:00,Open,Asked for a discount\n" +
		"T3,D1,Renewal,2024-12-01 09:00,Open,\n"
	type got struct {
		Text   string
		Done   bool
		Result string
		Till   int64
	}
	due := func(s string) int64 {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix()
	}
	for _, tc := range []struct {
		policy  OverduePolicy
		want    []got
		skipped int
	}{
		{"", []got{
			{"Call back\nAsked for a discount", false, "", due("2024-04-02 09:00")},
			{"Renewal", false, "", due("2024-12-01 09:00")},
			{"Send the contract", true, "Signed on the 14th", due("2024-03-15 10:00")},
		}, 0},
		{OverdueDone, []got{
			{"Call back", true, "Asked for a discount", due("2024-04-02 09:00")},
			{"Renewal", false, "", due("2024-12-01 09:00")},
			{"Send the contract", true, "Signed on the 14th", due("2024-03-15 10:00")},
		}, 0},
		{OverdueSkip, []got{
			{"Renewal", false, "", due("2024-12-01 09:00")},
			{"Send the contract", true, "Signed on the 14th", due("2024-03-15 10:00")},
		}, 1},
	} {
		t.Run(string(tc.policy)+"_", func(t *testing.T) {
			e := newWireEnv(t)
			deals := csvFile(t, "deals.csv", taskStateDeals, "Record ID,Deal\nD1,Acme renewal\n")
			tf := csvFile(t, "tasks.csv", taskStateTasks, tasks)
			rep, err := Run(t.Context(), e.c, []File{deals, tf}, Options{CreateFields: true, OverdueTasks: tc.policy, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			var gs []got
			for _, m := range e.sent(t, "POST /api/v4/tasks") {
				g := got{Text: m["text"].(string), Till: int64(m["complete_till"].(float64))}
				g.Done, _ = m["is_completed"].(bool)
				if r, ok := m["result"].(map[string]any); ok {
					g.Result, _ = r["text"].(string)
				}
				gs = append(gs, g)
			}
			sort.Slice(gs, func(i, j int) bool { return gs[i].Text < gs[j].Text })
			if diff := cmp.Diff(tc.want, gs); diff != "" {
				t.Errorf("tasks sent (-want +got):\n%s", diff)
			}
			// What Kommo keeps: the emulator's tasks agree.
			st := e.emu.Snapshot()
			if len(st.Tasks) != len(tc.want) {
				t.Fatalf("account has %d tasks, want %d", len(st.Tasks), len(tc.want))
			}
			for _, tk := range st.Tasks {
				if tk.EntityType != "leads" || tk.EntityID == 0 {
					t.Errorf("task %q on %s %d, want the deal", tk.Text, tk.EntityType, tk.EntityID)
				}
				if tk.IsCompleted && (tk.Result == nil || tk.Result.Text == "") {
					t.Errorf("done task %q kept no result", tk.Text)
				}
			}
			skipped := 0
			for _, s := range rep.Skipped {
				if strings.Contains(s.Reason, "overdue") {
					skipped++
				}
			}
			if skipped != tc.skipped {
				t.Errorf("skipped as overdue = %d, want %d (%+v)", skipped, tc.skipped, rep.Skipped)
			}
		})
	}
	if _, err := ParseOverduePolicy("later"); err == nil {
		t.Error("ParseOverduePolicy(later) = nil error")
	}
}
