package i18n

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// raw reads a catalog as written: code → text or plural forms.
func raw(t *testing.T, lang string) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(Locales, "locales/"+lang+".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("locales/%s.json: %v", lang, err)
	}
	return m
}

// texts are the texts of one entry: the text, or every plural form.
func texts(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		var out []string
		for _, f := range x {
			s, _ := f.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// TestCatalogsComplete: every code of the English catalog is in every
// language, no language has a code English lacks, every placeholder of
// the English text is in each translation (and no other), and plural
// messages have exactly their language's forms.
func TestCatalogsComplete(t *testing.T) {
	en := raw(t, "en")
	if len(en) < 300 {
		t.Fatalf("the English catalog has %d codes", len(en))
	}
	for _, lang := range Languages {
		cat := raw(t, lang)
		for code := range cat {
			if _, ok := en[code]; !ok {
				t.Errorf("%s: %q is not in the English catalog", lang, code)
			}
		}
		for code, ev := range en {
			v, ok := cat[code]
			if !ok {
				t.Errorf("%s: %q is missing", lang, code)
				continue
			}
			want := map[string]bool{}
			for _, s := range texts(ev) {
				for _, p := range Placeholders(s) {
					want[p] = true
				}
			}
			if forms, isPlural := ev.(map[string]any); isPlural {
				got, ok := v.(map[string]any)
				if !ok {
					t.Errorf("%s: %q has no plural forms", lang, code)
					continue
				}
				var names []string
				for f := range got {
					names = append(names, f)
				}
				slices.Sort(names)
				wantForms := slices.Clone(PluralForms[lang])
				slices.Sort(wantForms)
				if !slices.Equal(names, wantForms) {
					t.Errorf("%s: %q has the forms %v, want %v", lang, code, names, wantForms)
				}
				if _, ok := forms["one"]; !ok {
					t.Errorf("en: %q has no form one", code)
				}
			} else if _, ok := v.(string); !ok {
				t.Errorf("%s: %q is not a text", lang, code)
				continue
			}
			for _, s := range texts(v) {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s: %q is empty", lang, code)
				}
				got := map[string]bool{}
				for _, p := range Placeholders(s) {
					got[p] = true
					if !want[p] {
						t.Errorf("%s: %q has {%s}, which the English text lacks: %q", lang, code, p, s)
					}
				}
				for p := range want {
					if !got[p] {
						t.Errorf("%s: %q lacks {%s}: %q", lang, code, p, s)
					}
				}
			}
		}
	}
}

// TestCatalogsTranslated: a translation that equals its English text is
// a code someone forgot to translate, unless it is a name or a symbol
// that reads the same in the language.
func TestCatalogsTranslated(t *testing.T) {
	same := map[string]bool{ // codes whose text may equal the English one
		"cause.line": true, "cause.line.no_column": true, "detail.value": true, "report.col.kommo": true,
		"report.region.spec": true, "ui.field.id": true, "ui.match.alias": true, "ui.entity.leads": true,
		"ui.entity.one.leads": true, "ui.action.error": true, "ui.mig.result_file": true, "ui.mig.progress.file": true,
		"ui.file.meta": true, "ui.field.tags": true, "ui.reading_file.progress": true,
		"reason.email_invalid.no_at": true, "hint.no_at": true,
	}
	en := raw(t, "en")
	for _, lang := range Languages[1:] {
		cat := raw(t, lang)
		for code, ev := range en {
			if same[code] || strings.HasPrefix(code, "language.") {
				continue
			}
			if reflect.DeepEqual(cat[code], ev) {
				t.Errorf("%s: %q is the English text %q", lang, code, ev)
			}
		}
	}
}

func TestRender(t *testing.T) {
	for _, c := range []struct {
		lang, code string
		params     map[string]string
		want       string
	}{
		{"en", "cause.left_out", map[string]string{"count": "1"}, "1 row left out"},
		{"en", "cause.left_out", map[string]string{"count": "12345"}, "12,345 rows left out"},
		{"es-MX", "cause.left_out", map[string]string{"count": "2"}, "2 filas con el valor omitido"},
		{"es", "ui.progress.rows", map[string]string{"count": "1234"}, "1234 filas"},
		{"es", "ui.progress.rows", map[string]string{"count": "12345"}, "12.345 filas"},
		{"pt", "ui.progress.rows", map[string]string{"count": "0"}, "0 linha"},
		{"pt-BR", "ui.progress.rows", map[string]string{"count": "1500"}, "1.500 linhas"},
		{"ru-RU", "ui.progress.rows", map[string]string{"count": "1"}, "1 строка"},
		{"ru", "ui.progress.rows", map[string]string{"count": "3"}, "3 строки"},
		{"ru", "ui.progress.rows", map[string]string{"count": "11"}, "11 строк"},
		{"ru", "ui.progress.rows", map[string]string{"count": "21"}, "21 строка"},
		{"ru", "ui.progress.rows", map[string]string{"count": "1000"}, "1\u00a0000 строк"},
		{"ru", "reason.phone_invalid.too_short.cc", map[string]string{"country_code": "7"}, "слишком короткий для кода страны +7"},
		// A placeholder without its parameter stays; a code no catalog
		// has is itself.
		{"es", "ui.account", nil, "Cuenta: {account}"},
		{"ru", "no.such.code", nil, "no.such.code"},
		// An unknown language is English.
		{"de-DE", "ui.run", nil, "Import"},
	} {
		if got := Render(c.lang, c.code, c.params); got != c.want {
			t.Errorf("Render(%q, %q, %v) = %q, want %q", c.lang, c.code, c.params, got, c.want)
		}
	}
}

func TestPluralCategory(t *testing.T) {
	ru := map[int]string{0: "many", 1: "one", 2: "few", 4: "few", 5: "many", 11: "many", 12: "many", 14: "many", 21: "one", 22: "few", 25: "many", 101: "one", 111: "many", 112: "many", 122: "few"}
	for n, want := range ru {
		if got := PluralCategory("ru", n); got != want {
			t.Errorf("ru %d: %s, want %s", n, got, want)
		}
	}
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{{"en", 0, "other"}, {"en", 1, "one"}, {"en", 2, "other"}, {"es", 1, "one"}, {"es", 0, "other"}, {"pt-BR", 0, "one"}, {"pt-BR", 1, "one"}, {"pt-BR", 2, "other"}} {
		if got := PluralCategory(c.lang, c.n); got != c.want {
			t.Errorf("%s %d: %s, want %s", c.lang, c.n, got, c.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		tags []string
		want string
	}{
		{[]string{"es-MX"}, "es"},
		{[]string{"es_AR.UTF-8"}, "es"},
		{[]string{"pt"}, "pt-BR"},
		{[]string{"pt-PT"}, "pt-BR"},
		{[]string{"ru-RU"}, "ru"},
		{[]string{"de-DE", "fr", "pt-BR"}, "pt-BR"},
		{[]string{"de"}, "en"},
		{[]string{"C"}, "en"},
		{nil, "en"},
	} {
		if got := Negotiate(c.tags...); got != c.want {
			t.Errorf("Negotiate(%q) = %q, want %q", c.tags, got, c.want)
		}
	}
	if got := ParseAcceptLanguage("de;q=0.9, es-MX, en;q=0.5, ru;q=0"); !slices.Equal(got, []string{"es-MX", "de", "en"}) {
		t.Errorf("ParseAcceptLanguage = %q", got)
	}
	if got := Negotiate(ParseAcceptLanguage("fr-CA,fr;q=0.9,pt;q=0.8,en;q=0.7")...); got != "pt-BR" {
		t.Errorf("Accept-Language fr-CA,fr,pt,en: %q", got)
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "es_MX.UTF-8"}, "es"},
		{map[string]string{"LANG": "ru_RU.UTF-8", "LC_ALL": "C"}, "en"},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "pt_BR.UTF-8"}, "pt-BR"},
		{map[string]string{"LANG": "es_ES.UTF-8", "LANGUAGE": "ru:es"}, "ru"},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "ru"}, "en"},
		{map[string]string{}, "en"},
	} {
		if got := FromEnv(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("FromEnv(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}
