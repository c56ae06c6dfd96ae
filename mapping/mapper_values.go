package mapping

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

// The constructors below build the same kommo.FieldValue as kommo.Text,
// kommo.Number, ... (byte for byte), without going through json.Marshal
// for the common cases: Map calls them for every custom field value.

// jsonString returns s as a JSON string, as json.Marshal writes it.
func jsonString(s string) json.RawMessage {
	if !plainJSON(s) {
		b, _ := json.Marshal(s)
		return b
	}
	b := make([]byte, len(s)+2)
	b[0] = '"'
	copy(b[1:], s)
	b[len(b)-1] = '"'
	return b
}

// plainJSON reports whether json.Marshal writes s as s in quotes: valid
// UTF-8 without control characters, quotes, backslashes, the HTML
// characters it escapes (< > &) and U+2028/U+2029.
func plainJSON(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}

func textValue(s string) kommo.FieldValue { return kommo.FieldValue{Value: jsonString(s)} }

func multitextValue(s, enum string) kommo.FieldValue {
	return kommo.FieldValue{Value: jsonString(s), EnumCode: enum}
}

func numberValue(f float64) kommo.FieldValue {
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return kommo.FieldValue{Value: strconv.AppendFloat(make([]byte, 0, 24), f, 'f', -1, 64)}
	}
	return kommo.Number(f)
}

func dateValue(t time.Time) kommo.FieldValue {
	return kommo.FieldValue{Value: strconv.AppendInt(make([]byte, 0, 12), t.Unix(), 10)}
}

func checkboxValue(b bool) kommo.FieldValue {
	if b {
		return kommo.FieldValue{Value: json.RawMessage("true")}
	}
	return kommo.FieldValue{Value: json.RawMessage("false")}
}

// needsSplit reports whether v holds a separator SplitValues(v, sep)
// would split on.
func needsSplit(v, sep string) bool {
	if sep != "" && strings.Contains(v, sep) {
		return true
	}
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\n', '\r':
			return true
		case ';', ',':
			if sep == "" {
				return true
			}
		case 0xE2: // U+2028 is E2 80 A8
			if strings.HasPrefix(v[i:], "\u2028") {
				return true
			}
		}
	}
	return false
}
