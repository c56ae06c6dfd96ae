package migrate

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"path/filepath"
)

const testToken = "migrate-test-token"

// testEnv is an emulated account and a client of it.
type testEnv struct {
	emu *kt.Server
	c   *kommo.Client
	dir string
}

func newTestEnv(tb testing.TB) *testEnv {
	tb.Helper()
	emu, err := kt.NewServer(kt.Options{Tokens: []string{testToken}, Rate: rate.Inf})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	tb.Cleanup(func() { srv.Close(); emu.Close() })
	c, err := kommo.NewClient(srv.URL, kommo.WithToken(testToken), kommo.WithRateLimit(rate.Inf, 1),
		kommo.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		tb.Fatal(err)
	}
	return &testEnv{emu: emu, c: c, dir: tb.TempDir()}
}

func newBenchEnv(b *testing.B) *testEnv { return newTestEnv(b) }

// presetSchema is an account with two users, one pipeline and the
// predefined fields of contacts and companies (phone, e-mail, position,
// web, address): what every preset's fit adds its fields to.
func presetSchema() *mapping.Schema {
	multi := func(id int, name, code string, enums ...string) *kommo.CustomField {
		f := &kommo.CustomField{ID: id, Name: name, Code: code, Type: kommo.FieldMultitext, IsPredefined: true}
		for i, v := range enums {
			f.Enums = append(f.Enums, kommo.Enum{ID: id*100 + i, Value: v, Sort: i})
		}
		return f
	}
	p := &kommo.Pipeline{ID: 100, Name: "Sales", IsMain: true}
	p.Embedded.Statuses = []*kommo.Status{
		{ID: 1001, Name: "Incoming leads", Type: 1, PipelineID: 100},
		{ID: 1002, Name: "Qualified", PipelineID: 100},
		{ID: kommo.StatusWon, Name: "Closed - won", PipelineID: 100},
		{ID: kommo.StatusLost, Name: "Closed - lost", PipelineID: 100},
	}
	return &mapping.Schema{
		Users:     []*kommo.User{{ID: 1, Name: "Ana Souza", Email: "ana@example.com"}, {ID: 2, Name: "Sam Lee", Email: "sam@example.com"}},
		Pipelines: []*kommo.Pipeline{p},
		TaskTypes: []kommo.TaskType{{ID: 1, Name: "Follow-up"}, {ID: 2, Name: "Meeting"}},
		Fields: map[kommo.EntityType][]*kommo.CustomField{
			kommo.EntityContacts: {
				multi(10, "Phone", "PHONE", "WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"),
				multi(11, "Email", "EMAIL", "WORK", "PRIV", "OTHER"),
				{ID: 12, Name: "Position", Code: "POSITION", Type: kommo.FieldText, IsPredefined: true},
			},
			kommo.EntityCompanies: {
				multi(20, "Phone", "PHONE", "WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"),
				multi(21, "Email", "EMAIL", "WORK", "PRIV", "OTHER"),
				{ID: 22, Name: "Web", Code: "WEB", Type: kommo.FieldURL, IsPredefined: true},
				{ID: 23, Name: "Address", Code: "ADDRESS", Type: kommo.FieldTextarea, IsPredefined: true},
			},
		},
	}
}

// opts are the options of an import job journaled in the env's directory.
func (e *testEnv) opts(id string, entity kommo.EntityType, mode bulk.Mode) bulk.ImportOptions {
	return bulk.ImportOptions{Job: bulk.JobHeader{ID: id, Entity: entity, Mode: mode}, Journal: filepath.Join(e.dir, id+".journal"), NoSync: true}
}
