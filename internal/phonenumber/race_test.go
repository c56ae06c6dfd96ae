//go:build race

package phonenumber

// raceEnabled reports whether the tests run under the race detector, which
// slows libphonenumber (and package regexp) down about tenfold: the
// differential tests then check a tenth of their cases.
const raceEnabled = true
