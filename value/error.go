package value

// A ValueError is a value that does not validate, with a stable reason
// code for programs and translations. It reads like "invalid phone number:
// too short for country code +7" and wraps its Kind (ErrInvalidPhone,
// ErrInvalidEmail), so errors.Is works on it.
type ValueError struct {
	Kind   error             // the sentinel: ErrInvalidPhone, ErrInvalidEmail
	Reason string            // "too_short", "no_country_code", "leading_dot", ...
	Text   string            // English: "too short for country code +7"
	Params map[string]string // values in Text, such as "country_code": "7"; may be nil
}

// Error returns the kind and the text: "invalid email: starts with a dot".
func (e *ValueError) Error() string { return e.Kind.Error() + ": " + e.Text }

// Unwrap returns Kind.
func (e *ValueError) Unwrap() error { return e.Kind }

// ReasonCode returns the error's Reason, for summaries and message
// catalogs (see sheet.RowError.Reason).
func (e *ValueError) ReasonCode() string { return e.Reason }

// kindError is one of the package's sentinel errors (ErrInvalidPhone, ...):
// a message and a stable code, "phone_invalid", that RowError.Code reports
// and message catalogs key their texts by.
type kindError struct{ msg, code string }

func (e *kindError) Error() string { return e.msg }

// Code returns the kind's stable name.
func (e *kindError) Code() string { return e.code }
