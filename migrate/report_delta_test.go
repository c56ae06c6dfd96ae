package migrate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// deltaReport is the report of a delta run with s in every string of its
// delta sections.
func deltaReport(s string) *Report {
	start := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	return &Report{Started: start, Finished: start.Add(time.Minute), IDField: "External ID",
		Files: []FileReport{
			{File: s, Entity: kommo.EntityContacts, Rows: 5, Created: 1, Landed: 5, Delta: &FileDelta{Unchanged: 2, Sent: 3, Conflicts: 1}},
			{File: "tasks.csv", Entity: kommo.EntityTasks, Rows: 1, Landed: 1, Delta: &FileDelta{Unchanged: 1, Gone: 1}},
		},
		Conflicts: []Conflict{{File: s, Conflict: bulk.Conflict{Line: 2, Key: s, Entity: kommo.EntityContacts, ID: 20000001, Field: "name",
			Source: s, Kommo: "Ada Lovelace", By: 1002, ByName: s, At: start.Add(-24 * time.Hour).Unix(), Resolution: bulk.KeepKommo}}},
		Gone: []GoneRow{{File: "tasks.csv", Entity: kommo.EntityTasks, Key: s, ID: 30000002}},
	}
}

// TestReportDelta: a delta run's report has the counts per file, every
// conflict (record, field, both values, who and when) and the rows gone,
// in each language, with every value escaped in the page.
func TestReportDelta(t *testing.T) {
	rep := deltaReport("Ada King")
	want := map[string][]string{
		"en": {"## Since the last run", "| File | Entity | Unchanged | Sent | Conflicts | Gone |", "| Ada King | contacts | 2 | 3 | 1 | 0 |",
			"## Changed both in the source and in Kommo",
			"| Ada King | 2 | Ada King | 20000001 | name | Ada King | Ada Lovelace | Ada King | 2026-12-09 09:00 UTC | keep-kommo |",
			"## Rows gone from the source", "| tasks.csv | tasks | Ada King | 30000002 |"},
		"es": {"## Desde la última ejecución", "| Archivo | Entidad | Sin cambios | Enviadas | Conflictos | Desaparecidas |",
			"| Archivo | Fila | Clave | Id en Kommo | Campo | Valor de origen | Valor en Kommo | Cambiado por | Cambiado el | Resolución |"},
		"pt-BR": {"## Desde a última execução", "## Alterado na origem e no Kommo", "## Linhas que sumiram da origem"},
		"ru":    {"## С прошлого запуска", "## Изменено и в источнике, и в Kommo", "## Строки, исчезнувшие из источника"},
	}
	for lang, lines := range want {
		var b bytes.Buffer
		if err := rep.WriteMarkdownLang(&b, lang); err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if !strings.Contains(b.String(), l+"\n") {
				t.Errorf("%s: the report lacks %q:\n%s", lang, l, b.String())
			}
		}
	}
	for _, s := range hostile {
		for _, lang := range []string{"en", "ru"} {
			var h bytes.Buffer
			if err := deltaReport(s.raw).WriteHTMLLang(&h, lang); err != nil {
				t.Fatal(err)
			}
			page := h.String()
			if !strings.Contains(page, `<h2 id="conflicts">`) || strings.Count(page, s.escaped) < 5 || (s.raw != s.escaped && strings.Contains(page, s.raw)) {
				t.Errorf("%s: %q is not escaped as %q in the delta sections", lang, s.raw, s.escaped)
			}
		}
	}
	// A run without Delta has none of it.
	var b bytes.Buffer
	if err := testReport().WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Since the last run") {
		t.Error("a plain run's report has the delta sections")
	}
}
