package i18n

import (
	"sort"
	"strconv"
	"strings"
)

// Negotiate returns the first of tags that names one of Languages, or
// Default. A tag matches by its language alone: "es-MX" and "es_AR.UTF-8"
// are Spanish, "pt" and "pt-PT" Brazilian Portuguese (the one Portuguese
// the catalogs have), "ru-RU" Russian. "C" and "POSIX" name no language.
func Negotiate(tags ...string) string {
	for _, t := range tags {
		if l := match(t); l != "" {
			return l
		}
	}
	return Default
}

// match is the language of one tag, or "".
func match(tag string) string {
	t := strings.TrimSpace(tag)
	if i := strings.IndexAny(t, ".@"); i >= 0 { // es_MX.UTF-8, ru_RU@euro
		t = t[:i]
	}
	t = strings.ToLower(strings.ReplaceAll(t, "_", "-"))
	primary, _, _ := strings.Cut(t, "-")
	switch primary {
	case "en", "es", "ru":
		return primary
	case "pt":
		return "pt-BR"
	}
	return ""
}

// ParseAcceptLanguage returns the tags of an Accept-Language header, most
// preferred first (by q, then in the order written); tags with q=0 are
// left out.
func ParseAcceptLanguage(h string) []string {
	type tq struct {
		tag string
		q   float64
		i   int
	}
	var list []tq
	for i, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			list = append(list, tq{tag, q, i})
		}
	}
	sort.SliceStable(list, func(a, b int) bool { return list[a].q > list[b].q })
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.tag
	}
	return out
}

// FromEnv returns the language of a POSIX environment: LC_ALL, then
// LC_MESSAGES, then LANG, the first that is set (as the C library reads
// them); the GNU LANGUAGE list comes first when one of those names a
// language. getenv is os.Getenv, or a map's lookup in tests.
func FromEnv(getenv func(string) string) string {
	locale := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			locale = v
			break
		}
	}
	if match(locale) == "" {
		return Default
	}
	var tags []string
	if l := getenv("LANGUAGE"); l != "" {
		tags = strings.Split(l, ":")
	}
	return Negotiate(append(tags, locale)...)
}
