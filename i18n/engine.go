package i18n

import "strings"

// A Msg is a message of the catalogs by code, with its parameters: what
// the engine hands a front end (the page, a report) to render in the
// front end's language, while logs and --json keep the stable codes.
type Msg struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
}

// RenderMsgs renders msgs in lang and joins them with ": ", the way the
// engine's English texts read ("left out: invalid phone number: not a
// phone number").
func RenderMsgs(lang string, msgs []Msg) string {
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = Render(lang, m.Code, m.Params)
	}
	return strings.Join(parts, ": ")
}

// key turns an engine reason or kind into a part of a code: "task type"
// is "task_type".
func key(s string) string { return strings.ReplaceAll(s, " ", "_") }

// ErrorMsgs are the messages of a value's error, by the error's code
// (mapping.RowError.Code: "phone_invalid", "name_unknown", ...; and
// "value_unknown" for a value a value map does not know), its reason
// (the ValueError reason, or the kind of a name: "too_short", "stage")
// and its parameters ("value", "name", "closest", "ambiguous",
// "country_code"):
//
//   - error.<code>.<reason>, or error.<code>: what is wrong ("invalid
//     phone number", "unknown stage “{name}”");
//   - reason.<code>.<reason>, with a ".cc" variant when the parameters
//     have a country code: why ("too short for country code
//     +{country_code}"); for a number, a date or a yes/no value without a
//     reason, the value itself (detail.value);
//   - hint.did_you_mean when the parameters have closest names.
func ErrorMsgs(code, reason string, params map[string]string) []Msg {
	k := "error." + code
	switch {
	case reason != "" && Has(k+"."+key(reason)):
		k += "." + key(reason)
	case !Has(k):
		k = "error.invalid"
	}
	out := []Msg{{Code: k, Params: params}}
	if r := reasonCode(code, reason, params); r != "" {
		out = append(out, Msg{Code: r, Params: params})
	} else if valueDetail[code] && params["value"] != "" {
		out = append(out, Msg{Code: "detail.value", Params: params})
	}
	if params["closest"] != "" {
		out = append(out, Msg{Code: "hint.did_you_mean", Params: params})
	}
	return out
}

// valueDetail are the error codes whose message shows the value when
// there is no reason to say.
var valueDetail = map[string]bool{"number_invalid": true, "date_invalid": true, "bool_invalid": true, "invalid": true}

// reasonCode is the code of the reason of an error, or "".
func reasonCode(code, reason string, params map[string]string) string {
	if reason == "" {
		return ""
	}
	k := "reason." + code + "." + key(reason)
	if params["country_code"] != "" && Has(k+".cc") {
		return k + ".cc"
	}
	if Has(k) {
		return k
	}
	return ""
}

// WarningMsgs are the messages of a value that did not validate but did
// not cost its row (mapping.RowWarning), by its action ("left_out"), its
// code ("phone_left_out"), its reason, the code of its error (errCode,
// as ErrorMsgs takes it; "" when it has none) and its parameters ("sent",
// "key", "by", "country", "value", ...):
//
//   - action.<action>.<reason> or action.<action>: what was done ("left
//     out", "sent as {sent}", "matched by phone instead of e-mail");
//   - for ref_not_found, warn.ref_not_found.<entity>: the key no file
//     has; otherwise the error's messages (ErrorMsgs);
//   - warn.country_not_recognised when a country cell was not understood.
func WarningMsgs(action, code, reason, errCode string, params map[string]string) []Msg {
	a := "action." + action
	if reason != "" && Has(a+"."+key(reason)) { // key_replaced.phone
		a += "." + key(reason)
	}
	out := []Msg{{Code: a, Params: params}}
	switch {
	case code == "ref_not_found":
		k := "warn.ref_not_found." + key(reason)
		if !Has(k) {
			k = "warn.ref_not_found"
		}
		out = append(out, Msg{Code: k, Params: params})
	case errCode != "":
		out = append(out, ErrorMsgs(errCode, reason, params)...)
	}
	if reason == "no_country_code" && params["country"] != "" {
		out = append(out, Msg{Code: "warn.country_not_recognised", Params: params})
	}
	return out
}

// WarningErrorCode is the error code behind a warning code when the
// warning's code tells it: phone_* → phone_invalid, email_* →
// email_invalid; "" otherwise.
func WarningErrorCode(code string) string {
	switch {
	case strings.HasPrefix(code, "phone_"):
		return "phone_invalid"
	case strings.HasPrefix(code, "email_"):
		return "email_invalid"
	case strings.HasPrefix(code, "value_"):
		return "invalid"
	}
	return ""
}

// actionable are the reasons of errors whose hint says what to do (as
// mapping's Cause.Hint has them).
var actionable = map[string]bool{"no_country_code": true, "scientific_notation": true}

// CauseHint are the messages of the hint of a summary line (a
// mapping.Cause): hint.<code>.<reason> or hint.<reason> when the cause
// has one (a warning, or an error there is something to do about), and
// otherwise the messages of its error, with the cause's example as the
// value.
func CauseHint(isError bool, code, reason, example string) []Msg {
	if !isError || actionable[reason] {
		if k := "hint." + code + "." + key(reason); reason != "" && Has(k) {
			return []Msg{{Code: k}}
		}
		if k := "hint." + key(reason); reason != "" && Has(k) {
			return []Msg{{Code: k}}
		}
	}
	params := map[string]string{"value": example, "name": example, "key": example}
	if !isError {
		if code == "ref_not_found" {
			return WarningMsgs("not_linked", code, reason, "", params)[1:]
		}
		code = WarningErrorCode(code)
	}
	return ErrorMsgs(code, reason, params)
}

// CauseOutcome is what happened to the rows of a summary line:
// cause.failed for errors, cause.<action> for warnings, by the number
// of rows ("1 row left out", "137 rows kept as written").
func CauseOutcome(isError bool, action string, rows int) Msg {
	k := "cause." + action
	if isError {
		k = "cause.failed"
	}
	return Msg{Code: k, Params: map[string]string{"count": itoa(rows)}}
}

// RenderCause renders a summary line in lang: "Phone: 1 row left out
// (no digits in it)".
func RenderCause(lang string, isError bool, column, code, reason, action string, rows int, example string) string {
	o := CauseOutcome(isError, action, rows)
	p := map[string]string{
		"column":  column,
		"outcome": Render(lang, o.Code, o.Params),
		"hint":    RenderMsgs(lang, CauseHint(isError, code, reason, example)),
	}
	if column == "" {
		return Render(lang, "cause.line.no_column", p)
	}
	return Render(lang, "cause.line", p)
}
