package value

import "unicode/utf8"

// Collapsed reports whether CollapseSpace(s) is s for an ASCII s: no white
// space but single inner spaces.
func Collapsed(s string) bool {
	prevSpace := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case c < 0x20 || c >= 0x7f:
			return false // control characters, white space, non-ASCII
		default:
			prevSpace = false
		}
	}
	return !prevSpace || s == ""
}

// Blank reports whether CollapseSpace(s) is "": s holds only white
// space and zero-width characters.
func Blank(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			return CollapseSpace(s[i:]) == ""
		} else if !(c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') {
			return false
		}
	}
	return true
}
