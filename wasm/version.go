package main

import "runtime/debug"

// moduleVersion is the module's version as the Go toolchain stamped it.
func moduleVersion() string {
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
