package mapping

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrInvalidEmail is wrapped by every error [ParseEmail] returns.
var ErrInvalidEmail = errors.New("invalid email")

// ParseEmail trims and lower-cases an e-mail address and checks its shape:
// exactly one "@", a non-empty local part, a domain with a dot that does not
// start or end with a dot or a hyphen, no white space, no control
// characters and no "..". A "mailto:" prefix and surrounding angle brackets
// ("Name <a@b.c>" is not accepted, "<a@b.c>" is) are removed. It does not
// look the domain up. Errors wrap ErrInvalidEmail and say what is wrong.
func ParseEmail(s string) (string, error) {
	e := strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "\u00a0\u200b\ufeff"))
	if len(e) > 7 && strings.EqualFold(e[:7], "mailto:") {
		e = e[7:]
	}
	if strings.HasPrefix(e, "<") && strings.HasSuffix(e, ">") {
		e = e[1 : len(e)-1]
	}
	e = strings.ToLower(e)
	switch {
	case e == "":
		return "", fmt.Errorf("%w: empty", ErrInvalidEmail)
	case strings.IndexFunc(e, unicode.IsSpace) >= 0:
		return "", fmt.Errorf("%w: contains a space", ErrInvalidEmail)
	case strings.IndexFunc(e, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%w: contains a control character", ErrInvalidEmail)
	case strings.Count(e, "@") == 0:
		return "", fmt.Errorf("%w: no @", ErrInvalidEmail)
	case strings.Count(e, "@") > 1:
		return "", fmt.Errorf("%w: more than one @", ErrInvalidEmail)
	case len(e) > 254:
		return "", fmt.Errorf("%w: longer than 254 characters", ErrInvalidEmail)
	}
	local, domain, _ := strings.Cut(e, "@")
	switch {
	case local == "":
		return "", fmt.Errorf("%w: nothing before @", ErrInvalidEmail)
	case strings.ContainsAny(local, ",;<>()[]\\\""):
		return "", fmt.Errorf("%w: forbidden character in %q", ErrInvalidEmail, local)
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, ".."):
		return "", fmt.Errorf("%w: misplaced dot before @", ErrInvalidEmail)
	case domain == "":
		return "", fmt.Errorf("%w: no domain after @", ErrInvalidEmail)
	case !strings.Contains(domain, "."):
		return "", fmt.Errorf("%w: domain %q has no dot", ErrInvalidEmail, domain)
	case strings.Contains(domain, ".."):
		return "", fmt.Errorf("%w: domain %q has an empty label", ErrInvalidEmail, domain)
	case strings.ContainsAny(domain, ",;<>()[]\\\"'_!#$%&*+/=?^`{|}~"):
		return "", fmt.Errorf("%w: forbidden character in domain %q", ErrInvalidEmail, domain)
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "", fmt.Errorf("%w: bad domain label in %q", ErrInvalidEmail, domain)
		}
	}
	return e, nil
}
