package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"sort"
	"strconv"
	"strings"
)

// OnInvalid is what happens to a value that does not validate, per column
// (on_invalid in the spec) or for the whole file (options.on_invalid).
const (
	// OnInvalidError fails the row: it is reported and nothing of it is
	// written.
	OnInvalidError = "error"
	// OnInvalidKeep sends the value as written (PHONE, EMAIL and text
	// fields), and the row lands with a warning.
	OnInvalidKeep = "keep"
	// OnInvalidDrop leaves the value out, and the row lands with a
	// warning.
	OnInvalidDrop = "drop"
)

// policy is a compiled on_invalid.
type policy uint8

const (
	policyAuto  policy = iota // the field's default: see Target.OnInvalid
	policyError               // fail the row
	policyKeep                // send as written
	policyDrop                // leave out
)

// Warning codes: what happened to a value, stable for programs and
// translations. RowWarning.Reason says why.
const (
	// WarnPhoneNormalized: a number shaped like its country's numbers but
	// not known as assigned (a new area code) was sent in E.164.
	WarnPhoneNormalized = "phone_normalized"
	// WarnPhoneKept: a text with digits that is not a number that can be
	// normalised was sent as written.
	WarnPhoneKept = "phone_kept_as_written"
	// WarnPhoneLeftOut: a phone was left out (no digits, or on_invalid:
	// drop).
	WarnPhoneLeftOut = "phone_left_out"
	// WarnEmailKept: an address that does not validate was sent as
	// written.
	WarnEmailKept = "email_kept_as_written"
	// WarnEmailLeftOut: an address that does not validate was left out
	// (on_invalid: drop).
	WarnEmailLeftOut = "email_left_out"
	// WarnValueKept: a value a transform refused was sent as written
	// (on_invalid: keep).
	WarnValueKept = "value_kept_as_written"
	// WarnValueLeftOut: a value that does not validate was left out
	// (on_invalid: drop).
	WarnValueLeftOut = "value_left_out"
	// WarnMatchKeyReplaced: the entity's match key could not be made from
	// its column, and the row's other key was used: Params "key" and "by"
	// ("phone", "email").
	WarnMatchKeyReplaced = "match_key_replaced"
	// WarnRefNotFound: a reference names a record of another file that
	// is neither in the run nor in the journals given; the row landed
	// without that link. Reason is the entity in the singular
	// ("company"), Params "entity" and "key". See Row.RefNotFound.
	WarnRefNotFound = "ref_not_found"
)

// Actions: what was done to a value, RowWarning.Action.
const (
	ActionNormalized = "normalized"      // sent in a normalised form
	ActionKept       = "kept_as_written" // sent as written
	ActionLeftOut    = "left_out"        // not sent
	ActionKeyChanged = "key_replaced"    // another match key was used
	ActionNotLinked  = "not_linked"      // the row landed without a link
)

// A RowWarning is a value that did not validate but did not cost its row:
// it was normalised, kept as written or left out, and the rest of the row
// lands. It is data for result files, reports and the page, in the terms
// the user sees, like RowError, with a stable Code and Reason and the
// Params a translation needs besides the English Text.
type RowWarning struct {
	File   string // file name; may be empty
	Sheet  string // worksheet; empty for CSV
	Row    int    // 1-based row or line
	Column string // header of the column
	Field  string // target field, as "contacts.PHONE"
	Value  string // the value as written, possibly truncated
	Code   string // what happened: WarnPhoneKept, ...
	Action string // ActionNormalized, ActionKept, ActionLeftOut or ActionKeyChanged
	// Reason is why, as RowError.Reason: "no_country_code",
	// "leading_dot", "stage", ...; for match_key_replaced, the key that
	// could not be made ("phone", "email"). May be empty.
	Reason string
	// Sent is what was sent instead of Value: the normalised value or the
	// value as written; empty when left out.
	Sent string
	// Params are further values for a translation: "country_code",
	// "region", "country" (a country cell that was not understood), "key"
	// and "by" (match_key_replaced).
	Params map[string]string
	// Err is the validation error behind the warning; nil for a key
	// replaced.
	Err error
}

// Text is the warning in English without its position: `kept as written:
// invalid phone number: no country code and no default region`.
func (w *RowWarning) Text() string {
	var b strings.Builder
	switch w.Action {
	case ActionNormalized:
		b.WriteString("sent as " + w.Sent)
	case ActionKept:
		b.WriteString("kept as written")
	case ActionLeftOut:
		b.WriteString("left out")
	case ActionKeyChanged:
		fmt.Fprintf(&b, "matched by %s instead of %s", w.Params["by"], w.Params["key"])
	case ActionNotLinked:
		b.WriteString("not linked")
	case ActionKeptInText:
		if w.Reason == "call_result" {
			b.WriteString("kept in the call's result")
		} else {
			b.WriteString("kept in the note's text")
		}
	}
	if w.Err != nil {
		b.WriteString(": " + w.Err.Error())
		if c := w.Params["country"]; c != "" && w.Reason == "no_country_code" {
			fmt.Fprintf(&b, " (country %q not recognised)", c)
		}
	}
	return b.String()
}

// String reads like RowError's Error: `contacts.csv: row 12, column
// "Phone", field "contacts.PHONE": kept as written: invalid phone number:
// too short for country code +7`.
func (w *RowWarning) String() string {
	e := sheet.RowError{File: w.File, Sheet: w.Sheet, Row: w.Row, Column: w.Column, Field: w.Field, Err: errors.New(w.Text())}
	return e.Error()
}

// keyError is a value of an entity's match key that cannot be normalised,
// in a row without another key for that entity.
type keyError struct {
	entity string // "contacts"
	err    error  // the value's error
	alt    string // the other key kind that was missing ("email"), or ""
}

func (e *keyError) Error() string {
	s := e.err.Error() + "; it is the match key of " + e.entity
	if e.alt != "" {
		s += ", and the row has no valid " + e.alt + " to match by instead"
	}
	return s
}

func (e *keyError) Unwrap() error { return e.err }

// Code names the cause for RowError.Code: "match_key_invalid".
func (e *keyError) Code() string { return "match_key_invalid" }

// RegionSource says where the region of a row's phones came from.
type RegionSource string

// Region sources.
const (
	RegionFromSpec    RegionSource = "spec"    // options.region
	RegionFromColumn  RegionSource = "column"  // the row's country column
	RegionFromAccount RegionSource = "account" // Schema.Country
)

// RegionUse is the region a row's phones without a country code were read
// in, and where it came from. The zero value means no phone needed one.
type RegionUse struct {
	Region string       // ISO 3166 code, "US"
	From   RegionSource // spec, column or account
	Column string       // the country column, when From is column
}

// MarshalText writes u as String does, so that a map keyed by RegionUse
// (Report.Regions) can be written as JSON.
func (u RegionUse) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// String reads like `US (column "Country")` or `BR (options.region)`.
func (u RegionUse) String() string {
	switch u.From {
	case RegionFromSpec:
		return u.Region + " (options.region)"
	case RegionFromColumn:
		return u.Region + " (column " + strconv.Quote(u.Column) + ")"
	case RegionFromAccount:
		return u.Region + " (account country)"
	}
	return u.Region
}

// RegionCount is how many rows read their phones without a country code
// in a region (see RegionUse).
type RegionCount struct {
	Region string       `json:"region"` // ISO 3166 code
	From   RegionSource `json:"from"`   // spec, column or account
	Column string       `json:"column,omitempty"`
	Rows   int          `json:"rows"`
}

// String reads like `US (column "Country"): 120 rows`.
func (c RegionCount) String() string {
	rows := "rows"
	if c.Rows == 1 {
		rows = "row"
	}
	return fmt.Sprintf("%s: %d %s", RegionUse{Region: c.Region, From: c.From, Column: c.Column}, c.Rows, rows)
}

// RegionCounts lists a report's regions, most rows first.
func RegionCounts(regions map[RegionUse]int) []RegionCount {
	out := make([]RegionCount, 0, len(regions))
	for u, n := range regions {
		out = append(out, RegionCount{Region: u.Region, From: u.From, Column: u.Column, Rows: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rows != out[j].Rows {
			return out[i].Rows > out[j].Rows
		}
		return out[i].String() < out[j].String()
	})
	return out
}

// A Summary counts the warnings and errors of many rows by cause, so
// that thousands of them read as a few lines: `Phone Number: 137 rows
// kept as written (no country code: add options.region or a country
// column)`. The zero (nil) Summary is ready to use.
type Summary map[CauseKey]*Cause

// CauseKey is what the rows of one Cause share.
type CauseKey struct {
	Error  bool   `json:"error"`  // the rows failed; otherwise they landed with a warning
	Column string `json:"column"` // "" for errors not about one column
	Code   string `json:"code"`   // RowWarning.Code or sheet.RowError.Code()
	Reason string `json:"reason"` // RowWarning.Reason or sheet.RowError.Reason()
}

// A Cause is one line of a Summary: the rows that share a column, a code
// and a reason.
type Cause struct {
	CauseKey
	Action   string `json:"action,omitempty"` // RowWarning.Action; "" for errors
	Field    string `json:"field"`            // the field of the first occurrence
	Rows     int    `json:"rows"`             // rows with the cause
	Values   int    `json:"values"`           // values with the cause (a row may have several)
	Example  string `json:"example"`          // the first value, possibly truncated
	FirstRow int    `json:"first_row"`        // the row of the first occurrence
	Text     string `json:"text"`             // the reason in English of the first occurrence: its error
}

// AddWarnings counts the warnings of one row.
func (s *Summary) AddWarnings(ws []*RowWarning) {
	var seen []*Cause
	for _, w := range ws {
		text := w.Text()
		if w.Err != nil {
			text = w.Err.Error()
		}
		c := s.cause(CauseKey{Column: w.Column, Code: w.Code, Reason: w.Reason}, w.Field, w.Value, w.Row, text)
		c.Action = w.Action
		seen = c.count(seen)
	}
}

// AddErrors counts the errors of one row.
func (s *Summary) AddErrors(es []*sheet.RowError) {
	var seen []*Cause
	for _, e := range es {
		text := "invalid value"
		if e.Err != nil {
			text = e.Err.Error()
		}
		c := s.cause(CauseKey{Error: true, Column: e.Column, Code: e.Code(), Reason: e.Reason()}, e.Field, e.Value, e.Row, text)
		seen = c.count(seen)
	}
}

func (s *Summary) cause(k CauseKey, field, value string, row int, text string) *Cause {
	if *s == nil {
		*s = Summary{}
	}
	c := (*s)[k]
	if c == nil {
		c = &Cause{CauseKey: k, Field: field, Example: sheet.Truncate(value), FirstRow: row, Text: text}
		(*s)[k] = c
	}
	return c
}

// count counts one value of c, and its row unless c is in seen, the
// causes already met in the row; it returns seen with c.
func (c *Cause) count(seen []*Cause) []*Cause {
	c.Values++
	for _, x := range seen {
		if x == c {
			return seen
		}
	}
	c.Rows++
	return append(seen, c)
}

// MarshalJSON writes the causes as a list, in the order of Causes, each
// with its Outcome, Hint and String ("summary") for readers that cannot
// make them.
func (s Summary) MarshalJSON() ([]byte, error) {
	type line struct {
		Cause
		Outcome string `json:"outcome"`
		Hint    string `json:"hint"`
		Summary string `json:"summary"`
	}
	cs := s.Causes()
	out := make([]line, len(cs))
	for i, c := range cs {
		out[i] = line{Cause: c, Outcome: c.Outcome(), Hint: c.Hint(), Summary: c.String()}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the list MarshalJSON writes.
func (s *Summary) UnmarshalJSON(b []byte) error {
	var list []Cause
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*s = nil
	if len(list) > 0 {
		*s = make(Summary, len(list))
	}
	for i := range list {
		c := list[i]
		(*s)[c.CauseKey] = &c
	}
	return nil
}

// Merge adds the counts of o to s.
func (s *Summary) Merge(o Summary) {
	for k, c := range o {
		have := s.cause(k, c.Field, c.Example, c.FirstRow, c.Text)
		if have != c {
			if have.Rows == 0 {
				have.Action = c.Action
			}
			have.Rows += c.Rows
			have.Values += c.Values
		}
	}
}

// Causes returns the causes, errors first, then most rows first.
func (s Summary) Causes() []Cause {
	out := make([]Cause, 0, len(s))
	for _, c := range s {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		switch {
		case a.Error != b.Error:
			return a.Error
		case a.Rows != b.Rows:
			return a.Rows > b.Rows
		case a.Column != b.Column:
			return a.Column < b.Column
		case a.Code != b.Code:
			return a.Code < b.Code
		}
		return a.Reason < b.Reason
	})
	return out
}

// String reads like `Phone Number: 137 rows kept as written (no country
// code: add options.region or a country column)` or `Email: 3 rows
// failed (invalid email: no @)`.
func (c Cause) String() string {
	var b strings.Builder
	if c.Column != "" {
		b.WriteString(c.Column + ": ")
	}
	b.WriteString(strconv.Itoa(c.Rows))
	if c.Rows == 1 {
		b.WriteString(" row ")
	} else {
		b.WriteString(" rows ")
	}
	b.WriteString(c.Outcome())
	b.WriteString(" (" + c.Hint() + ")")
	return b.String()
}

// Outcome is what happened to the rows of c, in a few English words:
// "failed", "normalised", "kept as written", "left out", "matched by
// another key", "landed without their link".
func (c Cause) Outcome() string {
	switch {
	case c.Error:
		return "failed"
	case c.Action == ActionNormalized:
		return "normalised"
	case c.Action == ActionKept:
		return "kept as written"
	case c.Action == ActionLeftOut:
		return "left out"
	case c.Action == ActionKeyChanged:
		return "matched by another key"
	case c.Action == ActionNotLinked && c.Rows == 1:
		return "landed without its link"
	case c.Action == ActionNotLinked:
		return "landed without their link"
	case c.Action == ActionKeptInText:
		return "kept in the note's text"
	}
	return c.Action
}

// Hint is the cause in a few English words, with what to do about it
// when something can be done: "no country code: add options.region or a
// country column". For errors it is the error's text, but for the causes
// that have something to do.
func (c Cause) Hint() string {
	if c.Error && !actionable[c.Reason] {
		return c.Text
	}
	if h, ok := reasonHints[c.Code+"/"+c.Reason]; ok {
		return h
	}
	if h, ok := reasonHints[c.Reason]; ok && c.Reason != "" {
		return h
	}
	return c.Text
}

// actionable are the reasons whose hint says what to do.
var actionable = map[string]bool{"no_country_code": true, "scientific_notation": true}

// reasonHints are the hints of the causes that have one, by "code/reason"
// or reason.
var reasonHints = map[string]string{
	"no_country_code":                "no country code: add options.region or a country column",
	"not_valid":                      "a number of its country's shape that the phone metadata does not know; check it",
	"not_a_number":                   "not a phone number",
	"unknown_country_code":           "unknown country code",
	"too_short":                      "too short for a phone number",
	"too_long":                       "too long for a phone number",
	"invalid_length":                 "wrong number of digits for its country",
	"scientific_notation":            "the spreadsheet turned it into a number and lost digits: format the column as text and export again",
	"fraction":                       "a fraction, not a phone number",
	"empty":                          "no phone number in it",
	"leading_dot":                    "starts with a dot",
	"dot_before_at":                  "dot right before @",
	"double_dot":                     "two dots in a row",
	"no_at":                          "no @",
	"several_at":                     "more than one @",
	"space":                          "space inside",
	"control_character":              "control character inside",
	"no_local_part":                  "nothing before @",
	"no_domain":                      "no domain after @",
	"domain_without_dot":             "domain without a dot",
	"bad_domain":                     "malformed domain",
	"forbidden_character":            "forbidden character",
	"match_key_replaced/phone":       "the phone could not be the match key; matched by e-mail",
	"match_key_replaced/email":       "the e-mail could not be the match key; matched by phone",
	"phone_left_out/not_a_number":    "no digits in it",
	"ref_not_found/company":          "the company is in no file of this run: add its file, or its import's journal (--refs)",
	"ref_not_found/contact":          "the contact is in no file of this run: add its file, or its import's journal (--refs)",
	"ref_not_found/lead":             "the lead is in no file of this run: add its file, or its import's journal (--refs)",
	"note_value_in_text/text":        "a value the note's type cannot carry, or a type Kommo does not take: kept as a line of the note's text",
	"note_value_in_text/call_result": "a call carries no text: kept in the call's result",
}
