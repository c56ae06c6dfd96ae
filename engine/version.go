package engine

import "runtime/debug"

// Version is the module's version as the Go toolchain stamped it.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "dev"
	}
	return v + " (" + bi.GoVersion + ")"
}
