package mapping

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/value"
)

// This file is what becomes of values that do not validate: the
// on_invalid policies, the warnings, the region of phones written without
// a country code, and match keys that cannot be made.

// refusal is what refuse decided.
type refusal uint8

const (
	refuseFail refusal = iota // the row fails
	refuseDrop                // the value is left out
	refuseKeep                // the value goes on as written
)

// refuse decides, by o's policy, what becomes of value (a part of the
// cell raw), which a transform of o refused with err: the row fails, or
// the value is left out or kept as written with a warning. A PHONE or
// EMAIL keeps it without a warning, unless told otherwise: the field
// reads it next and says what it did.
func (m *Mapper) refuse(b *build, o *op, raw, value string, err error) refusal {
	switch {
	case o.policy == policyDrop && !o.required:
		b.warn(m, o, value, WarnValueLeftOut, ActionLeftOut, "", err)
		return refuseDrop
	case o.policy == policyKeep && o.lenient():
		return refuseKeep
	case o.policy == policyKeep:
		b.warn(m, o, value, WarnValueKept, ActionKept, value, err)
		return refuseKeep
	case o.policy == policyAuto && o.lenient():
		return refuseKeep
	}
	b.fail(m, o, raw, err)
	return refuseFail
}

// lenient reports whether o's field reads invalid values by its policy
// itself: PHONE and EMAIL.
func (o *op) lenient() bool {
	return o.cf != nil && (o.cf.kind == cfPhone || o.cf.kind == cfEmail)
}

// keepable reports whether o's field can hold a value as written.
func (o *op) keepable() bool {
	if o.cf != nil {
		return o.cf.kind.keepable()
	}
	return o.std.keepable()
}

func (k cfKind) keepable() bool {
	switch k {
	case cfText, cfMultitext, cfAddress, cfPhone, cfEmail:
		return true
	}
	return false
}

func (f stdField) keepable() bool {
	switch f {
	case stdName, stdFirstName, stdLastName, stdTags, stdText, stdResult:
		return true
	}
	return false
}

// Keepable reports whether on_invalid: keep applies to a field of entity
// e, as a spec names it: a standard field by name, or the custom field
// cf (then name is not read). Keep applies to the fields that can hold a
// value as written: PHONE, EMAIL, text fields, names, tags.
func Keepable(e kommo.EntityType, name string, cf *kommo.CustomField) bool {
	if cf != nil {
		k, ok := cfKindOf(cf)
		return ok && k.keepable()
	}
	slot := entitySlot(e)
	if slot < 0 {
		return false
	}
	f, ok := lookupStd(name, slot)
	return ok && f.keepable()
}

// parsePolicy reads an on_invalid value.
func parsePolicy(s string) (policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return policyAuto, nil
	case OnInvalidError:
		return policyError, nil
	case OnInvalidKeep:
		return policyKeep, nil
	case OnInvalidDrop:
		return policyDrop, nil
	}
	return 0, fmt.Errorf("unknown on_invalid %q%s; want error, keep or drop", s, DidYouMean(s, []string{OnInvalidError, OnInvalidKeep, OnInvalidDrop}))
}

// policy compiles the on_invalid of o, own being the column's; it
// reports whether it is valid.
func (c *compiler) policy(o *op, path, own string) bool {
	if o.kind == opConst {
		o.policy = policyError // a bad constant is a spec error
		return true
	}
	if own == "" {
		o.policy = c.onInvalid
		if o.policy == policyKeep && !o.keepable() {
			o.policy = policyAuto
		}
		return true
	}
	p, err := parsePolicy(own)
	if err != nil {
		c.fail(path+".on_invalid", err)
		return false
	}
	if p == policyKeep && !o.keepable() {
		c.fail(path+".on_invalid", fmt.Errorf("keep applies to PHONE, EMAIL and text fields; %s cannot hold any text, use error or drop", o.field))
		return false
	}
	o.policy = p
	return true
}

// contact reads v, one value of a PHONE or EMAIL field, by o's policy. It
// returns the text to send ("" to leave the value out) and whether that
// is normalised, so that it can be a match key; err is set only when the
// row fails.
func (m *Mapper) contact(b *build, o *op, v string) (sent string, key bool, err error) {
	if o.cf.kind == cfEmail {
		e, err := email(v)
		switch {
		case err == nil:
			return e, true, nil
		case o.policy == policyError || o.policy == policyDrop && o.required:
			return "", false, err
		case o.policy == policyDrop:
			b.warn(m, o, v, WarnEmailLeftOut, ActionLeftOut, "", err)
			b.badKey(m, o, v, err)
			return "", false, nil
		}
		b.warn(m, o, v, WarnEmailKept, ActionKept, v, err)
		b.badKey(m, o, v, err)
		return v, false, nil
	}
	pv := v
	if !value.Collapsed(pv) {
		pv = value.CollapseSpace(pv)
	}
	region := m.phoneRegion(b, pv)
	p, grade, err := value.ReadPhone(pv, region)
	switch {
	case grade == value.PhoneValid:
		return p.String(), true, nil
	case o.policy == policyError || o.policy == policyDrop && o.required:
		return "", false, err
	case o.policy == policyDrop:
		b.warn(m, o, v, WarnPhoneLeftOut, ActionLeftOut, "", err)
		if grade != value.PhoneNoDigits {
			b.badKey(m, o, v, err)
		}
		return "", false, nil
	case grade == value.PhoneInPlan:
		s := p.String()
		b.warn(m, o, v, WarnPhoneNormalized, ActionNormalized, s, err)
		return s, true, nil
	case grade == value.PhoneNoDigits && o.policy != policyKeep:
		b.warn(m, o, v, WarnPhoneLeftOut, ActionLeftOut, "", err)
		return "", false, nil
	}
	b.warn(m, o, v, WarnPhoneKept, ActionKept, v, err)
	if grade != value.PhoneNoDigits {
		b.badKey(m, o, v, err)
	}
	return v, false, nil
}

// warn records a warning about the raw value of o.
func (b *build) warn(m *Mapper, o *op, raw, code, action, sent string, err error) {
	w := &RowWarning{
		File: m.File, Sheet: m.Sheet, Row: b.rec.Row, Column: o.column, Field: o.field,
		Value: sheet.Truncate(raw), Code: code, Action: action, Sent: sent, Err: err,
	}
	w.Reason = sheet.ReasonOf(err)
	var ve *value.ValueError
	if errors.As(err, &ve) {
		for k, v := range ve.Params {
			w.param(k, v)
		}
	}
	if o.cf != nil && o.cf.kind == cfPhone && b.regionDone {
		if b.region.Region != "" {
			w.param("region", b.region.Region)
		} else if b.countryRaw != "" {
			w.param("country", b.countryRaw)
		}
	}
	b.warns = append(b.warns, w)
}

func (w *RowWarning) param(k, v string) {
	if w.Params == nil {
		w.Params = make(map[string]string, 2)
	}
	w.Params[k] = v
}

// badKey remembers the first value of a match key field that could not be
// a key, for checkKeys.
func (b *build) badKey(m *Mapper, o *op, value string, err error) {
	if !o.cf.key {
		return
	}
	sb := &b.cfs[o.ent][o.cf.slot]
	if sb.bad == nil {
		sb.bad = &sheet.RowError{File: m.File, Sheet: m.Sheet, Row: b.rec.Row, Column: o.column, Field: o.field, Value: sheet.Truncate(value), Err: err}
	}
}

// checkKeys looks at the entities whose e-mail or phone match key had
// values that could not be keys and none that could: each uses its other
// key (phone, e-mail) when the row has one, with a warning; otherwise a
// key named in the spec fails the row, and a default one (of a related
// contact) leaves the entity without a key, as an empty cell does.
func (m *Mapper) checkKeys(b *build) {
	for s := range numSlots {
		p := &m.ents[s]
		if p.match != MatchEmail && p.match != MatchPhone || !m.sent(b, s) {
			continue
		}
		sb := &b.cfs[s][p.matchCF]
		if sb.bad == nil || len(sb.strs) > 0 {
			continue
		}
		key, by := "email", "phone"
		if p.match == MatchPhone {
			key, by = "phone", "email"
		}
		if p.altCF >= 0 && len(b.cfs[s][p.altCF].strs) > 0 {
			b.keyAlt[s] = true
			bad := sb.bad
			b.warns = append(b.warns, &RowWarning{
				File: bad.File, Sheet: bad.Sheet, Row: bad.Row, Column: bad.Column, Field: bad.Field, Value: bad.Value,
				Code: WarnMatchKeyReplaced, Action: ActionKeyChanged, Reason: key,
				Params: map[string]string{"key": key, "by": by},
			})
			continue
		}
		if !p.explicit {
			continue
		}
		bad := *sb.bad
		bad.Err = &keyError{entity: string(slotEntities[s]), err: bad.Err, alt: by}
		b.errs = append(b.errs, &bad)
	}
}

// sent reports whether entity slot s of b is written.
func (m *Mapper) sent(b *build, s int) bool {
	return m.ents[s].used && (s == m.primary || b.present[s])
}

// mark is how many values (and match values) o's custom field holds in
// b, to take back what a dropped cell added.
type mark struct{ vals, strs int }

func (b *build) mark(o *op) mark {
	if o.cf == nil {
		return mark{}
	}
	sb := &b.cfs[o.ent][o.cf.slot]
	return mark{len(sb.vals), len(sb.strs)}
}

// truncate takes the values o's custom field got after mk back.
func (b *build) truncate(o *op, mk mark) {
	if o.cf == nil {
		return
	}
	sb := &b.cfs[o.ent][o.cf.slot]
	sb.vals, sb.cols, sb.strs = sb.vals[:mk.vals], sb.cols[:mk.vals], sb.strs[:mk.strs]
}

// phoneRegion returns the region for reading v, a phone number, and
// records that the row used it when v has no country code: the spec's
// region, else the region of the row's country column, else the
// account's. It looks the row's country up once per row. A value without
// a digit is read in no region: it is no number at all.
func (m *Mapper) phoneRegion(b *build, v string) string {
	intl := international(v)
	needs := !intl && strings.IndexFunc(v, unicode.IsDigit) >= 0
	if m.region != "" {
		if needs && !b.regionUsed {
			b.regionUsed, b.regionDone = true, true
			b.region = RegionUse{Region: m.region, From: RegionFromSpec}
		}
		return m.region
	}
	if intl {
		return ""
	}
	if !b.regionDone {
		b.regionDone = true
		b.region = m.rowRegion(b)
	}
	if b.region.Region != "" && needs {
		b.regionUsed = true
	}
	return b.region.Region
}

// international reports whether phone v starts with a country code: "+"
// or "00" (after spaces and parentheses).
func international(v string) bool {
	t := strings.TrimLeft(v, " (")
	return strings.HasPrefix(t, "+") || strings.HasPrefix(t, "00") || strings.HasPrefix(t, "＋")
}

// rowRegion is the region of the row's first country column that has a
// country, else the account's. A country cell that is not understood is
// kept in b.countryRaw for the warnings.
func (m *Mapper) rowRegion(b *build) RegionUse {
	b.countryRaw = ""
	for _, idx := range m.countries {
		if idx >= len(b.rec.Values) {
			continue
		}
		raw := b.rec.Values[idx]
		if raw == "" {
			continue
		}
		if raw != b.lastCountry {
			b.lastCountry, b.lastRegion = raw, value.CountryRegion(clean(raw))
		}
		if b.lastRegion != "" {
			return RegionUse{Region: b.lastRegion, From: RegionFromColumn, Column: m.header[idx]}
		}
		if b.countryRaw == "" {
			b.countryRaw = clean(raw)
		}
	}
	if m.account != "" {
		return RegionUse{Region: m.account, From: RegionFromAccount}
	}
	return RegionUse{}
}

// matchSlot is the custom field slot and kind of entity s's match key in
// b: its own, or the other key checkKeys chose.
func (m *Mapper) matchSlot(b *build, s int) (int, MatchKind) {
	p := &m.ents[s]
	if b.keyAlt[s] {
		return p.altCF, p.altKind
	}
	return p.matchCF, p.match
}
