package engine

import (
	"errors"
	"strconv"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/i18n"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/migrate"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// The engine's messages for a person cross the boundary as codes and
// parameters (i18n.Msg), beside their English text: the page renders them
// in its language from the catalogs of package i18n (web/locales), and
// logs and files keep the English and the stable codes.

// ColumnMsgs are the messages of one warning of a row, with its column.
type ColumnMsgs struct {
	Column string     `json:"column,omitempty"`
	Msgs   []i18n.Msg `json:"msgs"`
}

// FileCauses are the warnings of one file of a migration, by cause, with
// the codes of their hints (the report's JSON has only their English).
type FileCauses struct {
	File   string      `json:"file"`
	Causes []CauseInfo `json:"causes"`
}

// fileCauses lists the warnings of a migration's files.
func fileCauses(rep *migrate.Report) []FileCauses {
	out := []FileCauses{}
	if rep == nil {
		return out
	}
	for _, f := range rep.Files {
		if len(f.Warnings) > 0 {
			out = append(out, FileCauses{File: f.File, Causes: causeInfos(f.Warnings)})
		}
	}
	return out
}

// causeHint is the hint of a summary line as codes.
func causeHint(c mapping.Cause) []i18n.Msg {
	return i18n.CauseHint(c.Error, c.Code, c.Reason, c.Example)
}

// errorCode is the code of an error as i18n.ErrorMsgs takes it:
// RowError.Code, with the errors that code calls "invalid" told apart.
func errorCode(err error) string {
	var uv *value.UnknownValueError
	switch {
	case errors.Is(err, mapping.ErrUsersHidden):
		return "users_hidden"
	case errors.Is(err, sheet.ErrNULByte):
		return "nul_byte"
	case errors.As(err, &uv):
		return "value_unknown"
	}
	return (&sheet.RowError{Err: err}).Code()
}

// errorParams are the values an error's messages name: the value (val), the
// ValueError's parameters (country_code), a name and its closest or
// ambiguous matches.
func errorParams(err error, val string) map[string]string {
	p := map[string]string{"value": val}
	var ve *value.ValueError
	var ne *mapping.NameError
	var uv *value.UnknownValueError
	if errors.As(err, &ve) {
		for k, v := range ve.Params {
			p[k] = v
		}
	}
	switch {
	case errors.As(err, &ne):
		p["name"] = ne.Name
		p["closest"] = quoteList(ne.Closest)
		p["ambiguous"] = strings.Join(ne.Ambiguous, ", ")
	case errors.As(err, &uv):
		p["value"] = uv.Value
		p["closest"] = quoteList(uv.Closest)
	}
	for k, v := range p {
		if v == "" {
			delete(p, k)
		}
	}
	return p
}

// quoteList writes names as “a”, “b”, “c”.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "“" + n + "”"
	}
	return strings.Join(q, ", ")
}

// rowErrorMsgs are the messages of a row's error (without its position,
// as cellMessage): its kind and reason; for a match key that cannot be
// made, the value's error and why it costs the row.
func rowErrorMsgs(re *sheet.RowError) []i18n.Msg {
	if re.Err == nil {
		return []i18n.Msg{{Code: "error.invalid"}}
	}
	code := errorCode(re.Err)
	params := errorParams(re.Err, re.Value)
	if code == "match_key_invalid" {
		inner := "invalid"
		switch {
		case errors.Is(re.Err, value.ErrInvalidPhone):
			inner = "phone_invalid"
		case errors.Is(re.Err, value.ErrInvalidEmail):
			inner = "email_invalid"
		}
		return append(i18n.ErrorMsgs(inner, re.Reason(), params), i18n.Msg{Code: "error.match_key_invalid"})
	}
	return i18n.ErrorMsgs(code, re.Reason(), params)
}

// rowWarningMsgs are the messages of a warning (without its position, as
// RowWarning.Text).
func rowWarningMsgs(w *mapping.RowWarning) []i18n.Msg {
	p := map[string]string{}
	errCode := ""
	if w.Err != nil {
		p = errorParams(w.Err, w.Value)
		errCode = errorCode(w.Err)
	}
	for k, v := range w.Params {
		p[k] = v
	}
	if w.Sent != "" {
		p["sent"] = w.Sent
	}
	return i18n.WarningMsgs(w.Action, w.Code, w.Reason, errCode, p)
}

// needsSaveMsg is FileInfo.NeedsSave as a message, nil when no formula
// cell lacks its value.
func needsSaveMsg(u xlsx.UncachedFormulas) *i18n.Msg {
	if u.Count == 0 {
		return nil
	}
	cells := strings.Join(u.Cells, ", ")
	if u.Count > len(u.Cells) {
		cells += ", ..."
	}
	return &i18n.Msg{Code: "file.needs_save", Params: map[string]string{"count": strconv.Itoa(u.Count), "cells": cells}}
}

// rowDetailMsgs fills the codes of a row detail's error (the row's
// mapping errors, each with its column, or the error of its write) and
// warnings.
func rowDetailMsgs(d *RowDetail, rr *bulk.RowResult) {
	if rr.Err != nil {
		var errs []error
		if j, ok := rr.Err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		} else {
			errs = []error{rr.Err}
		}
		for _, err := range errs {
			re := &sheet.RowError{Column: rr.Column, Err: err}
			if !errors.As(err, &re) {
				re = &sheet.RowError{Column: rr.Column, Err: err}
			}
			d.ErrorMsgs = append(d.ErrorMsgs, ColumnMsgs{Column: re.Column, Msgs: rowErrorMsgs(re)})
		}
	}
	for _, w := range rr.Warnings {
		d.WarningMsgs = append(d.WarningMsgs, ColumnMsgs{Column: w.Column, Msgs: rowWarningMsgs(w)})
	}
}
