package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// failure is how a command failed: the message stderr shows, and with
// --json the "error" member of the object stdout gets.
type failure struct {
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	// Code is usage, failed, interrupted, rate_limited or row_errors.
	Code string `json:"code"`
	Exit int    `json:"exit"`
}

// failureOf classifies a command's error; nil means success (or -h).
// Tokens of the environment are cut out of the message.
func (m *Main) failureOf(err error) *failure {
	var ue *usageError
	var f failure
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return nil
	case errors.Is(err, errRowErrors):
		f = failure{Message: err.Error(), Code: "row_errors", Exit: exitRowErrors}
	case errors.As(err, &ue):
		f = failure{Message: ue.msg, Hint: ue.hint, Code: "usage", Exit: exitUsage}
	case errors.Is(err, context.Canceled):
		f = failure{Message: "interrupted", Code: "interrupted", Exit: exitFailed}
	case errors.Is(err, kommo.ErrRateLimited):
		f = failure{Message: err.Error(), Code: "rate_limited", Exit: exitRetryLater, Hint: "run it again in a few minutes"}
		var rle *kommo.RetryLaterError
		if errors.As(err, &rle) {
			f.Hint = "run it again after " + resumeTime(rle.Until)
		}
	default:
		f = failure{Message: err.Error(), Code: "failed", Exit: exitFailed}
	}
	f.Message, f.Hint = m.redact(f.Message), m.redact(f.Hint)
	return &f
}

// resumeTime is when to try again after Kommo's wait ends at t, in local
// time rounded up to the minute: "14:05", or "2026-03-02 14:05" on
// another day.
func resumeTime(t time.Time) string {
	t = t.Local()
	if r := t.Truncate(time.Minute); r.Before(t) {
		t = r.Add(time.Minute)
	}
	if y, m, d := time.Now().Date(); t.Year() != y || t.Month() != m || t.Day() != d {
		return t.Format("2006-01-02 15:04")
	}
	return t.Format("15:04")
}

// redact cuts the token of the environment out of s, should an error
// echo it (an upstream that answers with the request's headers, say).
func (m *Main) redact(s string) string {
	if m.Getenv == nil {
		return s
	}
	// A token is long; a short value would blank out ordinary words.
	if tok := m.Getenv("KOMMO_TOKEN"); len(tok) >= 8 {
		s = strings.ReplaceAll(s, tok, "[token]")
	}
	return s
}

// jsonCommand is a command with a --json flag: when it fails, Main prints
// the failure on stdout as a JSON object as well (stderr still gets the
// message), so that whatever reads stdout always gets JSON.
type jsonCommand interface {
	command
	jsonOutput() bool
}

// jsonFlag gives a command jsonOutput. It keeps the command's flag set and
// arguments, and reads --json from them as the flag package would, even
// when parsing stopped at a bad flag before --json.
type jsonFlag struct {
	fs   *flag.FlagSet
	args []string
}

// watch records the command's flag set (its flags may be defined later) and
// arguments.
func (j *jsonFlag) watch(fs *flag.FlagSet, args []string) { j.fs, j.args = fs, args }

func (j *jsonFlag) jsonOutput() bool {
	if j.fs == nil {
		return false
	}
	on := false
	for i := 0; i < len(j.args); i++ {
		a := j.args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue // a positional argument (parseInterspersed allows them anywhere)
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		f := j.fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if name == "json" {
				v, err := strconv.ParseBool(val)
				on = !hasVal || (err == nil && v)
			}
			continue
		}
		if !hasVal {
			i++ // the flag's value is the next argument
		}
	}
	return on
}

// partialError is a failure that comes with what was done before it (an
// import's counts, a migration's report). With --json, stdout gets the
// result's fields and the "error" member in one object.
type partialError struct {
	err    error
	result any
}

func (e *partialError) Error() string { return e.err.Error() }
func (e *partialError) Unwrap() error { return e.err }

// writeJSONFailure writes {"error": f} to w, after the fields of the
// partial result err carries, if any.
func writeJSONFailure(w io.Writer, err error, f *failure) error {
	eb, jerr := json.Marshal(struct {
		Error *failure `json:"error"`
	}{f})
	if jerr != nil {
		return jerr
	}
	out := eb
	var pe *partialError
	if errors.As(err, &pe) && pe.result != nil {
		rb, jerr := json.Marshal(pe.result)
		switch {
		case jerr != nil || string(rb) == "null" || string(rb) == "{}":
		case rb[0] == '{':
			out = append(append(rb[:len(rb)-1:len(rb)-1], ','), eb[1:]...)
		default:
			out = append(append([]byte(`{"result":`), rb...), append([]byte{','}, eb[1:]...)...)
		}
	}
	var buf bytes.Buffer
	if jerr := json.Indent(&buf, out, "", "  "); jerr != nil {
		return jerr
	}
	buf.WriteByte('\n')
	_, werr := w.Write(buf.Bytes())
	return werr
}
