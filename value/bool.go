package value

import (
	"fmt"
)

// ErrInvalidBool is wrapped by every error [ParseBool] returns.
var ErrInvalidBool error = &kindError{"invalid boolean", "bool_invalid"}

// BoolTrueValues and BoolFalseValues list, in [Normalize]d form, the words
// [ParseBool] accepts. They are functions so that callers cannot change
// them; they return a new slice on every call.
func BoolTrueValues() []string {
	return []string{"yes", "y", "true", "t", "1", "on", "x", "да", "д", "si", "oui", "ja", "j", "sim", "tak", "vrai", "wahr", "verdadero", "истина", "так"}
}

// BoolFalseValues lists the words [ParseBool] reads as false; the empty
// value is false too. See [BoolTrueValues].
func BoolFalseValues() []string {
	return []string{"no", "n", "false", "f", "0", "off", "нет", "н", "non", "nein", "nao", "nie", "faux", "falsch", "falso", "ложь", "ні"}
}

// ParseBool reads a yes/no value in any of the languages our users write
// in: yes/no, y/n, true/false, 1/0, on/off, x/empty (a ticked box), да/нет,
// sí/no, oui/non, ja/nein, sim/não, tak/nie, and a few more. Case and
// accents do not matter ("SÍ", "Não"), nor do surrounding spaces and
// punctuation; an empty value is false. A check mark (✓, ✔, ☑) is true and
// a cross (✗, ✘, ☐) is false. Anything else is an error listing the
// accepted values.
func ParseBool(s string) (bool, error) {
	switch CollapseSpace(s) {
	case "✓", "✔", "☑", "☒", "+":
		return true, nil
	case "✗", "✘", "☐", "-", "":
		return false, nil
	}
	switch Normalize(s) {
	case "yes", "y", "true", "t", "1", "on", "x", "да", "д", "si", "oui", "ja", "j", "sim", "tak", "vrai", "wahr", "verdadero", "истина", "так":
		return true, nil
	case "no", "n", "false", "f", "0", "off", "нет", "н", "non", "nein", "nao", "nie", "faux", "falsch", "falso", "ложь", "ні", "":
		return false, nil
	}
	return false, fmt.Errorf("%w: %q; want yes/no, y/n, true/false, 1/0, on/off, x/empty, да/нет, sí/no, oui/non, ja/nein, sim/não or tak/nie", ErrInvalidBool, s)
}
