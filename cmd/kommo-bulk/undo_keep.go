package main

import (
	"fmt"
	"io"
	"time"

	"github.com/kommo-bulk/kommo-bulk/bulk"
)

// printKept lists the fields undo left as someone changed them in Kommo.
func printKept(w io.Writer, kept []bulk.KeptField) {
	if len(kept) == 0 {
		return
	}
	fmt.Fprintf(w, "kept %d fields changed in Kommo after the import:\n", len(kept))
	for _, k := range kept {
		fmt.Fprintln(w, "  "+k.Format(time.Local))
	}
}
