package migrate

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/i18n"
)

// TestReportLang: the report in another language has the English
// report's sections and rows, its headings, column names, outcomes and
// hints translated, the data as written, and escapes as WriteHTML does.
func TestReportLang(t *testing.T) {
	sectionIDs := regexp.MustCompile(`<h2 id="([a-z]+)">`)
	count := func(s, sub string) int { return strings.Count(s, sub) }
	lines := func(s, prefix string) int {
		n := 0
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, prefix) {
				n++
			}
		}
		return n
	}
	for _, c := range reportCases() {
		var enHTML, enMD bytes.Buffer
		if err := c.rep.WriteHTML(&enHTML); err != nil {
			t.Fatal(err)
		}
		if err := c.rep.WriteMarkdown(&enMD); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"en", "es-MX", "pt-BR", "ru"} {
			var h, m bytes.Buffer
			if err := c.rep.WriteHTMLLang(&h, lang); err != nil {
				t.Fatal(err)
			}
			if err := c.rep.WriteMarkdownLang(&m, lang); err != nil {
				t.Fatal(err)
			}
			if lang == "en" {
				if h.String() != enHTML.String() || m.String() != enMD.String() {
					t.Errorf("%s: the English report differs from WriteHTML and WriteMarkdown", c.name)
				}
				continue
			}
			want := i18n.Negotiate(lang)
			if !strings.Contains(h.String(), `<html lang="`+want+`">`) {
				t.Errorf("%s, %s: no lang attribute %q", c.name, lang, want)
			}
			if got, en := sectionIDs.FindAllString(h.String(), -1), sectionIDs.FindAllString(enHTML.String(), -1); strings.Join(got, ",") != strings.Join(en, ",") {
				t.Errorf("%s, %s: sections %v, the English %v", c.name, lang, got, en)
			}
			for _, tag := range []string{"<tr>", "<td", "<th", `<div class="card">`, "<h1>"} {
				if count(h.String(), tag) != count(enHTML.String(), tag) {
					t.Errorf("%s, %s: %d %s, the English %d", c.name, lang, count(h.String(), tag), tag, count(enHTML.String(), tag))
				}
			}
			for _, prefix := range []string{"# ", "## ", "|", "> "} {
				if lines(m.String(), prefix) != lines(enMD.String(), prefix) {
					t.Errorf("%s, %s: %d lines %q in Markdown, the English %d", c.name, lang, lines(m.String(), prefix), prefix, lines(enMD.String(), prefix))
				}
			}
			for _, english := range []string{"Migration report", "Values that match nothing", "Records", "Warnings", "Duplicates merged", "Rows not migrated",
				"Sample records", "Closest in Kommo", "With warnings", "kept as written", "landed without", "Made by", "Started "} {
				if strings.Contains(h.String(), english) || strings.Contains(m.String(), english) {
					t.Errorf("%s, %s: the report says %q", c.name, lang, english)
				}
			}
		}
	}
	for _, s := range hostile {
		var h bytes.Buffer
		if err := fill(s.raw).WriteHTMLLang(&h, "ru"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h.String(), s.escaped) || (s.raw != s.escaped && strings.Contains(h.String(), s.raw)) {
			t.Errorf("ru: %q is not escaped as %q", s.raw, s.escaped)
		}
	}
}

// TestReportLangText: what a Spanish and a Russian reader see.
func TestReportLangText(t *testing.T) {
	rep := testReport()
	rep.Sample = 2
	var es, ru bytes.Buffer
	if err := rep.WriteMarkdownLang(&es, "es"); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteHTMLLang(&ru, "ru-RU"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# Informe de migración (muestra de 2 registros)",
		"Inicio 2024-03-15 09:00:00 UTC, fin 09:00:42. Los ids de origen se guardan en el campo «External ID».",
		"| Archivo | Entidad | Filas | Cargadas | Con advertencias | Fallidas | Creadas | Actualizadas | Fusionadas | Omitidas |",
		"| contacts.csv | contactos | 6 | 5 | 2 | 1 | 3 | 1 | 1 | 0 |",
		"| contacts.csv | Phone Number | 1 | enviado tal cual | sin código de país: indique options.region o una columna de país | 3 | 555 0101 |",
		"| contacts.csv | US (columna «Country/Region») | 3 |",
		"| Jane Roe | Ana Admin | tabla |",
		"## Campos personalizados creados",
	} {
		if !strings.Contains(es.String(), want) {
			t.Errorf("the Spanish report lacks %q:\n%s", want, es.String())
		}
	}
	for _, want := range []string{
		"<title>Отчёт о переносе (выборка из 2 записей)</title>",
		"<span>контакты: создано</span>",
		"загружено: 5 · с предупреждениями: 2",
		"<td>загружена без связи</td><td>компании нет ни в одном файле этого запуска: добавьте её файл или журнал её импорта (--refs)</td>",
		"<h2 id=\"owners\">Ответственные</h2>",
	} {
		if !strings.Contains(ru.String(), want) {
			t.Errorf("the Russian report lacks %q:\n%s", want, ru.String())
		}
	}
}
