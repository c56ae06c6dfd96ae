// Package i18n holds the message catalogs of kommo-bulk: the page's
// strings and every message the engine produces for a person (row errors
// and warnings, summaries by cause, the migration report), in English,
// Spanish, Brazilian Portuguese and Russian.
//
// A message is found by a stable code ("cause.left_out",
// "reason.phone_invalid.too_short") and may hold placeholders such as
// {row}, {column} or {value}, filled from the parameters given to
// [Render]. A message with plural forms has one text per CLDR category of
// its language (one and other in English, Spanish and Portuguese; one,
// few, many and other in Russian), chosen by the "count" parameter.
//
// The catalogs are the JSON files of locales/, embedded here; the page
// loads copies of the same files (web/locales, kept equal by a test and
// written by go generate in web/).
//
// The package imports nothing of the project, so that the engine (built
// for GOOS=js GOARCH=wasm), the command line and the reports can all use
// it.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Languages are the catalogs' languages, as BCP 47 tags, English first.
var Languages = []string{"en", "es", "pt-BR", "ru"}

// Default is the language of a request that names none of Languages.
const Default = "en"

// Locales holds the catalogs, locales/<language>.json.
//
//go:embed locales/*.json
var Locales embed.FS

// A message is one entry of a catalog: a text, or its plural forms by
// CLDR category ("one", "few", "many", "other").
type message struct {
	text  string
	forms map[string]string
}

func (m *message) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, &m.forms)
	}
	return json.Unmarshal(b, &m.text)
}

// A Catalog is the messages of one language by code.
type catalog map[string]*message

var (
	loadOnce sync.Once
	catalogs map[string]catalog
	loadErr  error
)

// load reads every catalog once.
func load() (map[string]catalog, error) {
	loadOnce.Do(func() {
		catalogs = map[string]catalog{}
		for _, lang := range Languages {
			b, err := fs.ReadFile(Locales, "locales/"+lang+".json")
			if err != nil {
				loadErr = err
				return
			}
			var c catalog
			if err := json.Unmarshal(b, &c); err != nil {
				loadErr = fmt.Errorf("i18n: locales/%s.json: %w", lang, err)
				return
			}
			catalogs[lang] = c
		}
	})
	return catalogs, loadErr
}

// mustLoad is load for the functions that cannot return an error: the
// catalogs are embedded and checked by the package's tests.
func mustLoad() map[string]catalog {
	c, err := load()
	if err != nil {
		panic(err)
	}
	return c
}

// Codes returns every code of the English catalog, sorted.
func Codes() []string {
	en := mustLoad()[Default]
	out := make([]string, 0, len(en))
	for k := range en {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Has reports whether the English catalog has code (every language has
// the same codes).
func Has(code string) bool {
	_, ok := mustLoad()[Default][code]
	return ok
}

// Render returns the message code in lang with its placeholders filled
// from params. A language the catalogs lack is negotiated as [Negotiate]
// does ("es-MX" is Spanish); a code lang lacks falls back to English, and
// a code no catalog has is returned as it is. The plural form is chosen
// by params["count"], a whole number, by the rules of lang; {count} is
// written with lang's digit grouping. A placeholder without a parameter
// is left as written.
func Render(lang, code string, params map[string]string) string {
	cs := mustLoad()
	lang = Negotiate(lang)
	m := cs[lang][code]
	if m == nil {
		lang = Default
		if m = cs[Default][code]; m == nil {
			return code
		}
	}
	text := m.text
	if m.forms != nil {
		n, _ := strconv.Atoi(params["count"])
		text = m.forms[PluralCategory(lang, n)]
		if text == "" {
			text = m.forms["other"]
		}
	}
	return fill(lang, text, params)
}

// fill replaces each {name} of text with params[name]; "count" is
// grouped by the digits of lang.
func fill(lang, text string, params map[string]string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			break
		}
		name := text[i+1 : i+j]
		v, ok := params[name]
		b.WriteString(text[:i])
		switch {
		case !ok:
			b.WriteString(text[i : i+j+1])
		case name == "count":
			b.WriteString(FormatCount(lang, v))
		default:
			b.WriteString(v)
		}
		text = text[i+j+1:]
	}
	b.WriteString(text)
	return b.String()
}

// Placeholders returns the names of the {placeholders} of text, in order
// and once each.
func Placeholders(text string) []string {
	var out []string
	seen := map[string]bool{}
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return out
		}
		name := text[i+1 : i+j]
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
		text = text[i+j+1:]
	}
}

// FormatInt writes n with the digit grouping of lang: 12,345 in
// English, 12.345 in Spanish (1234 stays whole there, as CLDR says),
// 1.234 in Portuguese, 1 234 (with a no-break space) in Russian.
func FormatInt(lang string, n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep, min := ",", 4
	switch Negotiate(lang) {
	case "es":
		sep, min = ".", 5
	case "pt-BR":
		sep = "."
	case "ru":
		sep = "\u00a0"
	}
	if len(s) >= min {
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteString(sep)
			}
			b.WriteRune(c)
		}
		s = b.String()
	}
	if neg {
		s = "-" + s
	}
	return s
}

// FormatCount is FormatInt of a count given as text; text that is not a
// whole number is returned as it is.
func FormatCount(lang, s string) string {
	n, err := strconv.Atoi(s)
	if err != nil {
		return s
	}
	return FormatInt(lang, n)
}

// PluralCategory is the CLDR plural category of the whole number n in
// lang: "one" or "other" in English and Spanish ("one" for 1),
// Portuguese ("one" for 0 and 1, as CLDR has it for pt), and "one",
// "few" or "many" in Russian (1, 21 → one; 2–4, 22 → few; 0, 5–20, 11–14
// → many).
func PluralCategory(lang string, n int) string {
	if n < 0 {
		n = -n
	}
	switch Negotiate(lang) {
	case "ru":
		switch d, dd := n%10, n%100; {
		case d == 1 && dd != 11:
			return "one"
		case d >= 2 && d <= 4 && (dd < 12 || dd > 14):
			return "few"
		}
		return "many"
	case "pt-BR":
		if n <= 1 {
			return "one"
		}
		return "other"
	}
	if n == 1 {
		return "one"
	}
	return "other"
}

// PluralForms are the plural categories each language's messages must
// have.
var PluralForms = map[string][]string{
	"en":    {"one", "other"},
	"es":    {"one", "other"},
	"pt-BR": {"one", "other"},
	"ru":    {"one", "few", "many", "other"},
}

func itoa(n int) string { return strconv.Itoa(n) }
