package value

import (
	"fmt"
	"strings"
	"unicode"
)

// ErrInvalidEmail is wrapped by every error [ParseEmail] returns.
var ErrInvalidEmail error = &kindError{"invalid email", "email_invalid"}

// ParseEmail trims and lower-cases an e-mail address and checks its shape:
// exactly one "@", a non-empty local part that neither starts nor ends
// with a dot, a domain with a dot whose labels are not empty and do not
// start or end with a hyphen, no white space, no control characters and
// no "..". A "mailto:" prefix and surrounding angle brackets ("Name
// <a@b.c>" is not accepted, "<a@b.c>" is) are removed. It does not look
// the domain up. Errors are *ValueError wrapping ErrInvalidEmail that name
// the defect: "starts with a dot", "two dots in a row", "no @", ...
func ParseEmail(s string) (string, error) {
	e := strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "\u00a0\u200b\ufeff"))
	if len(e) > 7 && strings.EqualFold(e[:7], "mailto:") {
		e = e[7:]
	}
	if strings.HasPrefix(e, "<") && strings.HasSuffix(e, ">") {
		e = e[1 : len(e)-1]
	}
	e = strings.ToLower(e)
	bad := func(reason, text string, args ...any) (string, error) {
		if len(args) > 0 {
			text = fmt.Sprintf(text, args...)
		}
		return "", &ValueError{Kind: ErrInvalidEmail, Reason: reason, Text: text}
	}
	switch {
	case e == "":
		return bad("empty", "empty")
	case strings.IndexFunc(e, unicode.IsSpace) >= 0:
		return bad("space", "contains a space")
	case strings.IndexFunc(e, unicode.IsControl) >= 0:
		return bad("control_character", "contains a control character")
	case strings.Count(e, "@") == 0:
		return bad("no_at", "no @")
	case strings.Count(e, "@") > 1:
		return bad("several_at", "more than one @")
	case len(e) > 254:
		return bad("too_long", "longer than 254 characters")
	}
	local, domain, _ := strings.Cut(e, "@")
	switch {
	case local == "":
		return bad("no_local_part", "nothing before @")
	case strings.ContainsAny(local, ",;<>()[]\\\""):
		return bad("forbidden_character", "forbidden character in %q", local)
	case strings.HasPrefix(local, "."):
		return bad("leading_dot", "starts with a dot")
	case strings.HasSuffix(local, "."):
		return bad("dot_before_at", "dot right before @")
	case strings.Contains(local, ".."):
		return bad("double_dot", "two dots in a row before @")
	case domain == "":
		return bad("no_domain", "no domain after @")
	case strings.HasPrefix(domain, "."):
		return bad("bad_domain", "domain %q starts with a dot", domain)
	case strings.HasSuffix(domain, "."):
		return bad("bad_domain", "domain %q ends with a dot", domain)
	case !strings.Contains(domain, "."):
		return bad("domain_without_dot", "domain %q has no dot", domain)
	case strings.Contains(domain, ".."):
		return bad("bad_domain", "domain %q has two dots in a row", domain)
	case strings.ContainsAny(domain, ",;<>()[]\\\"'_!#$%&*+/=?^`{|}~"):
		return bad("bad_domain", "forbidden character in domain %q", domain)
	}
	for _, label := range strings.Split(domain, ".") {
		if strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return bad("bad_domain", "domain %q has a part that starts or ends with a hyphen", domain)
		}
	}
	return e, nil
}
