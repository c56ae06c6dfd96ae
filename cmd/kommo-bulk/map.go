package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/engine"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// MapCommand proposes a mapping spec for a file.
type MapCommand struct{ m *Main }

const mapSynopsis = `map FILE --entity leads|contacts|companies|tasks [flags] > mapping.yaml

Reads a file's header and first rows and the account's schema (fields, stages,
users) and writes a proposed mapping spec: each column matched to a field by its
name or code, by the spellings other CRMs' exports use (English, Russian, Spanish,
Portuguese, German, Czech), by a fuzzy match, or by what its values look like.
Each line says how sure the match is. Review it, edit it, and pass it to
kommo-bulk import --mapping.

Without an account (no --subdomain, --base-url or their variables), the columns are
matched to the standard fields and the fields every account has (PHONE, EMAIL,
POSITION, WEB, ADDRESS); the account's own custom fields, stages and owners are not
checked until the import.

Examples:

	kommo-bulk map hubspot-contacts.csv --entity contacts > contacts.yaml
	kommo-bulk map deals.xlsx --sheet Deals --entity leads -o leads.yaml

Flags:`

// Run parses flags and prints the proposal.
func (c *MapCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("map", mapSynopsis)
	var conn connFlags
	conn.register(fs)
	entity := fs.String("entity", "", "the file's primary entity: leads, contacts, companies or tasks")
	sheetName := fs.String("sheet", "", "worksheet `name` of an XLSX file (default the first)")
	out := fs.String("o", "", "write the spec to `file` instead of stdout")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{msg: "map wants one input file", hint: "kommo-bulk map contacts.csv --entity contacts > contacts.yaml"}
	}
	ent, err := engine.ParseEntity(*entity)
	if err != nil {
		return &usageError{msg: "--" + err.Error()}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	t, err := sheet.Open(filepath.Base(pos[0]), f, st.Size(), sheet.ReadOptions{XLSX: xlsx.Options{Sheet: *sheetName}})
	if err != nil {
		return err
	}
	defer t.Close()
	schema, offline := mapping.StandardSchema(), !conn.hasAccount(c.m)
	const unchecked = "no account given: columns were matched to the standard fields and the fields every account has (PHONE, EMAIL, POSITION, WEB, ADDRESS); the account's custom fields, stages and owners were not checked"
	if offline {
		fmt.Fprintf(c.m.Stderr, "%s\n", unchecked)
	} else {
		client, err := conn.client(c.m)
		if err != nil {
			return err
		}
		if schema, err = bulk.FetchSchema(ctx, client); err != nil {
			return fmt.Errorf("read the account's schema: %w", err)
		}
	}
	p, err := engine.ProposeTable(t, ent, schema)
	if err != nil {
		return err // a cell over the limit, say: named by file, row and column
	}

	var w io.Writer = c.m.Stdout
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	fmt.Fprintf(w, "# Mapping proposed by kommo-bulk for %s (%s). Review before importing:\n", filepath.Base(pos[0]), ent)
	if offline {
		fmt.Fprintf(w, "# %s.\n", unchecked)
	}
	var unmapped []string
	refs := map[string]kommo.EntityType{}
	for _, r := range p.Refs {
		refs[r.Column] = r.Entity
	}
	for _, col := range p.Columns {
		if col.Column == p.Key {
			fmt.Fprintf(w, "#   %-28q → key: the source's id, for resume and references\n", col.Column)
			continue
		}
		if e, ok := refs[col.Column]; ok {
			fmt.Fprintf(w, "#   %-28q → refs: the key of a %s row in another file\n", col.Column, e)
			continue
		}
		if col.Field == "" {
			unmapped = append(unmapped, col.Column)
			continue
		}
		ent := ""
		if col.Entity != p.Entity {
			ent = string(col.Entity) + "."
		}
		fmt.Fprintf(w, "#   %-28q → %s%s  (%s, %.0f%%)\n", col.Column, ent, col.Field, col.Reason, 100*col.Confidence)
	}
	if len(unmapped) > 0 {
		fmt.Fprintf(w, "# Not mapped: %s\n", strings.Join(quoteAll(unmapped), ", "))
	}
	if err := p.Spec().WriteYAML(w); err != nil {
		return err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return err
		}
		fmt.Fprintf(c.m.Stderr, "wrote %s\n", *out)
	}
	return nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
