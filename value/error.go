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
