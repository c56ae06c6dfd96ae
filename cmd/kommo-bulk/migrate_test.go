package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
)

// accountText renders the account's records as sorted lines, one per
// record, with everything a migration sets: names, owners, stages, custom
// field values (by field name) and links by name. Ids never appear, so
// the text can be compared to what a test expects.
func accountText(st kt.State) string {
	users := map[int]string{}
	for _, u := range st.Users {
		users[u.ID] = u.Name
	}
	stages := map[[2]int]string{}
	pipes := map[int]string{}
	for _, p := range st.Pipelines {
		pipes[p.ID] = p.Name
		for _, s := range p.Statuses {
			stages[[2]int{p.ID, s.ID}] = s.Name
		}
	}
	names := map[string]string{}
	for _, c := range st.Companies {
		names[fmt.Sprintf("companies/%d", c.ID)] = c.Name
	}
	for _, c := range st.Contacts {
		names[fmt.Sprintf("contacts/%d", c.ID)] = c.Name
	}
	for _, l := range st.Leads {
		names[fmt.Sprintf("leads/%d", l.ID)] = l.Name
	}
	links := map[string][]string{}
	for _, l := range st.Links {
		from := fmt.Sprintf("%s/%d", l.EntityType, l.EntityID)
		to := fmt.Sprintf("%s/%d", l.ToEntityType, l.ToEntityID)
		links[from] = append(links[from], l.ToEntityType+"="+names[to])
		links[to] = append(links[to], l.EntityType+"="+names[from])
	}
	cfv := func(vals []kt.FieldValues) string {
		var parts []string
		for _, f := range vals {
			var vs []string
			for _, v := range f.Values {
				s := fmt.Sprint(v.Value)
				if n, ok := v.Value.(float64); ok && n > 1e8 {
					s = time.Unix(int64(n), 0).UTC().Format("2006-01-02")
				}
				if i, ok := v.Value.(int64); ok && i > 1e8 {
					s = time.Unix(i, 0).UTC().Format("2006-01-02")
				}
				if v.EnumCode != "" && (f.FieldCode == "PHONE" || f.FieldCode == "EMAIL") {
					s += "/" + v.EnumCode
				}
				vs = append(vs, s)
			}
			parts = append(parts, f.FieldName+"="+strings.Join(vs, ","))
		}
		sort.Strings(parts)
		return strings.Join(parts, " ")
	}
	linked := func(key string) string {
		l := links[key]
		sort.Strings(l)
		return strings.Join(dedupStrings(l), " ")
	}
	var lines []string
	for _, c := range st.Companies {
		lines = append(lines, fmt.Sprintf("company %q owner=%s %s", c.Name, users[c.ResponsibleUserID], cfv(c.CustomFieldsValues)))
	}
	for _, c := range st.Contacts {
		lines = append(lines, fmt.Sprintf("contact %q owner=%s %s | %s", c.Name, users[c.ResponsibleUserID], cfv(c.CustomFieldsValues), linked(fmt.Sprintf("contacts/%d", c.ID))))
	}
	for _, l := range st.Leads {
		lines = append(lines, fmt.Sprintf("lead %q price=%d stage=%s/%s owner=%s %s | %s", l.Name, l.Price, pipes[l.PipelineID], stages[[2]int{l.PipelineID, l.StatusID}],
			users[l.ResponsibleUserID], cfv(l.CustomFieldsValues), linked(fmt.Sprintf("leads/%d", l.ID))))
	}
	for _, t := range st.Tasks {
		lines = append(lines, fmt.Sprintf("task %q on %s %q due=%s done=%v owner=%s type=%d", t.Text, t.EntityType, names[fmt.Sprintf("%s/%d", t.EntityType, t.EntityID)],
			time.Unix(t.CompleteTill, 0).UTC().Format("2006-01-02 15:04"), t.IsCompleted, users[t.ResponsibleUserID], t.TaskTypeID))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func dedupStrings(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func fixtureFiles(t *testing.T, source string, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		p := filepath.Join("..", "..", "testdata", "migrate", source, n)
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestMigrateHubSpot(t *testing.T) {
	e := newCLIEnv(t)
	files := fixtureFiles(t, "hubspot",
		"hubspot-crm-exports-all-deals-2024-03-15.csv", // any order: loaded companies → contacts → leads → tasks
		"hubspot-crm-exports-all-contacts-2024-03-15.csv",
		"hubspot-crm-exports-all-tasks-2024-03-15.csv",
		"hubspot-crm-exports-all-companies-2024-03-15.csv")
	tables := fixtureFiles(t, "hubspot", "tables.yaml")[0]
	args := append([]string{"migrate", "--from", "hubspot", "--create-fields", "--tables", tables, "--results", e.dir, "--job", "hs", "--rate", "0"}, files...)
	code, out, errb := e.run(t, args...)
	t.Logf("exit %d\n%s\n%s", code, out, errb)
	t.Log(accountText(e.emu.Snapshot()))
}
