package bulk

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// namesSchema has a main pipeline and two others that share a stage name,
// and two users, one with accents.
func namesSchema() *mapping.Schema {
	pipeline := func(id int, name string, main bool, stages ...*kommo.Status) *kommo.Pipeline {
		p := &kommo.Pipeline{ID: id, Name: name, IsMain: main}
		p.Embedded.Statuses = append(stages, &kommo.Status{ID: kommo.StatusWon, Name: "Closed - won"}, &kommo.Status{ID: kommo.StatusLost, Name: "Closed - lost"})
		return p
	}
	return &mapping.Schema{
		Users: []*kommo.User{{ID: 1, Name: "Ana Souza", Email: "ana@example.com"}, {ID: 2, Name: "José Núñez", Email: "jose@example.es"}},
		Pipelines: []*kommo.Pipeline{
			pipeline(20, "Partners", false, &kommo.Status{ID: 21, Name: "Incoming leads"}, &kommo.Status{ID: 22, Name: "Contract signed"}),
			pipeline(10, "Ventas", true, &kommo.Status{ID: 11, Name: "Incoming leads"}, &kommo.Status{ID: 12, Name: "Negociación"}),
			pipeline(30, "Renewals", false, &kommo.Status{ID: 32, Name: "Contract signed"}),
		},
		TaskTypes: []kommo.TaskType{{ID: 1, Name: "Follow-up"}, {ID: 7, Name: "Enviar propuesta", Code: "PROPOSAL"}},
	}
}

func TestExportNamesResolve(t *testing.T) {
	won := func(pipelines ...int) []kommo.StatusFilter {
		var out []kommo.StatusFilter
		for _, p := range pipelines {
			out = append(out, kommo.StatusFilter{PipelineID: p, StatusID: kommo.StatusWon})
		}
		return out
	}
	tests := []struct {
		name  string
		names ExportNames
		want  ExportFilter
	}{
		{name: "accents and case", names: ExportNames{Stages: []string{"NEGOCIACION"}},
			want: ExportFilter{Statuses: []kommo.StatusFilter{{PipelineID: 10, StatusID: 12}}}},
		{name: "the main pipeline's first", names: ExportNames{Stages: []string{"incoming leads"}},
			want: ExportFilter{Statuses: []kommo.StatusFilter{{PipelineID: 10, StatusID: 11}}}},
		{name: "a pipeline's", names: ExportNames{Pipeline: "partners", Stages: []string{"Incoming Leads", "contract-signed"}},
			want: ExportFilter{Statuses: []kommo.StatusFilter{{PipelineID: 20, StatusID: 21}, {PipelineID: 20, StatusID: 22}}}},
		{name: "pipeline / stage", names: ExportNames{Stages: []string{"Renewals / Contract signed"}},
			want: ExportFilter{Statuses: []kommo.StatusFilter{{PipelineID: 30, StatusID: 32}}}},
		{name: "won in every pipeline", names: ExportNames{Stages: []string{"Ganado"}}, want: ExportFilter{Statuses: won(20, 10, 30)}},
		{name: "won in Russian, once each", names: ExportNames{Stages: []string{"Успешно реализовано", "won"}}, want: ExportFilter{Statuses: won(20, 10, 30)}},
		{name: "won of one pipeline", names: ExportNames{Pipeline: "Renewals", Stages: []string{"closed won"}}, want: ExportFilter{Statuses: won(30)}},
		{name: "pipeline alone", names: ExportNames{Pipeline: "VENTAS"}, want: ExportFilter{PipelineIDs: []int{10}}},
		{name: "users by name, e-mail and id", names: ExportNames{Responsible: []string{"jose nunez", "ANA@example.com"}, CreatedBy: []string{"2", "999"}},
			want: ExportFilter{ResponsibleUserIDs: []int{2, 1}, CreatedBy: []int{2, 999}}},
		{name: "task types", names: ExportNames{TaskTypes: []string{"enviar PROPUESTA", "llamada", "42"}}, want: ExportFilter{TaskTypes: []int{7, 1, 42}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ExportFilter
			if err := tt.names.Resolve(namesSchema(), &got); err != nil {
				t.Fatalf("Resolve(%+v) = %v", tt.names, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve(%+v) (-want +got):\n%s", tt.names, diff)
			}
		})
	}
}

func TestExportNamesErrors(t *testing.T) {
	tests := []struct {
		name   string
		names  ExportNames
		filter string
		want   []string
	}{
		{name: "ambiguous stage", names: ExportNames{Stages: []string{"Contract signed"}}, filter: "stage",
			want: []string{`stage "Contract signed" is ambiguous`, `pipeline "Partners" (stage id 22)`, `pipeline "Renewals" (stage id 32)`}},
		{name: "did you mean a stage", names: ExportNames{Stages: []string{"Negotiacion"}}, filter: "stage",
			want: []string{`unknown stage "Negotiacion"`, `did you mean "Negociación"`}},
		{name: "stage of another pipeline", names: ExportNames{Pipeline: "Renewals", Stages: []string{"Negociación"}}, filter: "stage",
			want: []string{`unknown stage "Negociación" in pipeline "Renewals"`}},
		{name: "unknown pipeline", names: ExportNames{Pipeline: "Partner"}, filter: "pipeline", want: []string{`did you mean "Partners"`}},
		{name: "unknown user", names: ExportNames{CreatedBy: []string{"Jose Nunes"}}, filter: "created-by", want: []string{`unknown user "Jose Nunes"; did you mean "José Núñez"`}},
		{name: "unknown task type", names: ExportNames{TaskTypes: []string{"Follow-op"}}, filter: "task-type", want: []string{`did you mean "Follow-up"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f ExportFilter
			err := tt.names.Resolve(namesSchema(), &f)
			var ee *ExportNameError
			var ne *mapping.NameError
			if !errors.As(err, &ee) || ee.Filter != tt.filter || !errors.As(err, &ne) {
				t.Fatalf("Resolve(%+v) = %v, want an ExportNameError of %s over a NameError", tt.names, err, tt.filter)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Resolve(%+v) = %v, want it to say %s", tt.names, err, w)
				}
			}
		})
	}
	hidden := namesSchema()
	hidden.UsersHidden = true
	var f ExportFilter
	if err := (ExportNames{Responsible: []string{"Ana"}}).Resolve(hidden, &f); !errors.Is(err, mapping.ErrUsersHidden) {
		t.Errorf("Resolve(a name, users hidden) = %v, want ErrUsersHidden", err)
	}
	if err := (ExportNames{Responsible: []string{"1001"}}).Resolve(hidden, &f); err != nil || !slices.Equal(f.ResponsibleUserIDs, []int{1001}) {
		t.Errorf("Resolve(an id, users hidden) = %v, %v, want 1001", err, f.ResponsibleUserIDs)
	}
}

// TestExportNamesOnTheWire: stages, users and task types named the way a
// person writes them reach Kommo's list filters as the right ids.
func TestExportNamesOnTheWire(t *testing.T) {
	e, w := newWireTestEnv(t)
	ctx := t.Context()
	if _, _, err := e.c.Leads.Create(ctx, []kommo.LeadRequest{
		{Name: "Won in Sales", PipelineID: kt.SeedPipelineSales, StatusID: kommo.StatusWon},
		{Name: "Won in Partners", PipelineID: kt.SeedPipelinePartners, StatusID: kommo.StatusWon},
		{Name: "Negotiating", PipelineID: kt.SeedPipelinePartners, StatusID: kt.SeedStatusPartnersNegotiation, ResponsibleUserID: kt.SeedUserBoris},
		{Name: "Open", PipelineID: kt.SeedPipelineSales, StatusID: kt.SeedStatusSalesQualified},
	}); err != nil {
		t.Fatal(err)
	}
	schema, err := FetchSchema(ctx, e.c)
	if err != nil {
		t.Fatal(err)
	}
	forget := func() { w.mu.Lock(); w.urls = nil; w.mu.Unlock() }
	// listQuery returns the query of the one request to path since the
	// last forget.
	listQuery := func(t *testing.T, path string) url.Values {
		t.Helper()
		w.mu.Lock()
		defer w.mu.Unlock()
		var qs []url.Values
		for _, u := range w.urls {
			if pu, err := url.Parse(u); err == nil && pu.Path == path {
				qs = append(qs, pu.Query())
			}
		}
		if len(qs) != 1 {
			t.Fatalf("%d requests to %s, want 1", len(qs), path)
		}
		return qs[0]
	}
	tests := []struct {
		name   string
		entity kommo.EntityType
		names  ExportNames
		path   string
		query  map[string][]string
		rows   []string
	}{
		{name: "won in Spanish", entity: kommo.EntityLeads, names: ExportNames{Stages: []string{"GANADO"}}, path: "/api/v4/leads",
			query: map[string][]string{
				"filter[statuses][0][pipeline_id]": {"7000001"}, "filter[statuses][0][status_id]": {"142"},
				"filter[statuses][1][pipeline_id]": {"7000002"}, "filter[statuses][1][status_id]": {"142"}},
			rows: []string{"Won in Sales", "Won in Partners"}},
		{name: "won in Russian, of one pipeline", entity: kommo.EntityLeads,
			names: ExportNames{Pipeline: "PARTNERS", Stages: []string{"Успешно реализовано"}}, path: "/api/v4/leads",
			query: map[string][]string{"filter[statuses][0][pipeline_id]": {"7000002"}, "filter[statuses][0][status_id]": {"142"}},
			rows:  []string{"Won in Partners"}},
		{name: "stage and user, other case and accents", entity: kommo.EntityLeads,
			names: ExportNames{Stages: []string{"negotiatión"}, Responsible: []string{"boris MANAGER"}}, path: "/api/v4/leads",
			query: map[string][]string{"filter[statuses][0][pipeline_id]": {"7000002"}, "filter[statuses][0][status_id]": {"7100013"},
				"filter[responsible_user_id][]": {"1002"}},
			rows: []string{"Negotiating"}},
		{name: "task type", entity: ExportTasks, names: ExportNames{TaskTypes: []string{"send QUOTE", "reunión"}, CreatedBy: []string{"ana@EXAMPLE.com"}},
			path: "/api/v4/tasks", query: map[string][]string{"filter[task_type][]": {"3001", "2"}, "filter[created_by][]": {"1001"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f ExportFilter
			if err := tt.names.Resolve(schema, &f); err != nil {
				t.Fatalf("Resolve(%+v) = %v", tt.names, err)
			}
			forget()
			rows, _ := exportCSV(t, e.c, ExportOptions{Entity: tt.entity, Schema: schema, Filter: f})
			q := listQuery(t, tt.path)
			for k, want := range tt.query {
				if got := q[k]; !slices.Equal(got, want) {
					t.Errorf("%s?%s: %s = %q, want %q", tt.path, q.Encode(), k, got, want)
				}
			}
			var got []string
			for _, r := range rows[1:] {
				got = append(got, r[1])
			}
			if tt.entity == kommo.EntityLeads && !slices.Equal(got, tt.rows) {
				t.Errorf("exported %q, want %q", got, tt.rows)
			}
		})
	}
}
