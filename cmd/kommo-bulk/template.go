package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/internal/atomicfile"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/workbook"
)

const templateSynopsis = `template --entity leads|contacts|companies|tasks -o FILE.xlsx [flags]

Writes an import template: a workbook to hand to the people who fill it, with
one column per field, a comment on each header saying what the field takes,
dropdown lists drawn from the account (stages as "Pipeline / Stage", users,
task types, the options of select and multiselect fields), date and number
cells formatted and checked, and the required columns marked in orange. The
lists sit on a hidden sheet; the mapping the template imports with sits on
another, so a filled template imports with no mapping:

	kommo-bulk import leads.xlsx

With --mapping the template has the columns of that spec, in its order.

Examples:

	kommo-bulk template --entity leads -o leads.xlsx
	kommo-bulk template --entity contacts --mapping contacts.yaml -o contacts-template.xlsx

Flags:`

// TemplateCommand writes an import template.
type TemplateCommand struct{ m *Main }

// Run parses flags, reads the schema and writes the template.
func (c *TemplateCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("template", templateSynopsis)
	var conn connFlags
	conn.register(fs)
	entity := fs.String("entity", "", "what a row creates: leads, contacts, companies or tasks (default the mapping's)")
	specFile := fs.String("mapping", "", "mapping spec `file` (YAML or JSON) whose columns the template has")
	var out string
	fs.StringVar(&out, "o", "", "output `file` (.xlsx)")
	fs.StringVar(&out, "out", "", "output `file`, same as -o")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	hint := "kommo-bulk template --entity leads -o leads.xlsx"
	if len(pos) > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", pos[0]), hint: hint}
	}
	if out == "" {
		return &usageError{msg: "no output: give -o FILE.xlsx", hint: hint}
	}
	if !strings.EqualFold(filepath.Ext(out), ".xlsx") {
		return &usageError{msg: fmt.Sprintf("%s: a template is an .xlsx workbook", out), hint: hint}
	}
	var spec *mapping.Spec
	if *specFile != "" {
		f, err := os.Open(*specFile)
		if err != nil {
			return err
		}
		spec, err = mapping.LoadSpec(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *specFile, err)
		}
	}
	e := kommo.EntityType(strings.ToLower(*entity))
	switch {
	case spec == nil && e == "":
		return &usageError{msg: "no --entity", hint: hint}
	case e != "" && e != kommo.EntityLeads && e != kommo.EntityContacts && e != kommo.EntityCompanies && e != kommo.EntityTasks:
		return &usageError{msg: fmt.Sprintf("--entity %q: want leads, contacts, companies or tasks", *entity), hint: hint}
	case spec != nil && e != "" && spec.Entity != e:
		return &usageError{msg: fmt.Sprintf("--entity %s, but the mapping is for %s", e, spec.Entity)}
	}
	client, err := conn.client(c.m)
	if err != nil {
		return err
	}
	schema, err := bulk.FetchSchema(ctx, client)
	if err != nil {
		return fmt.Errorf("read the account's schema: %w", err)
	}
	printNotes(c.m, schema)
	dst, err := atomicfile.Create(out)
	if err != nil {
		return err
	}
	defer dst.Abort()
	opts := workbook.TemplateOptions{Entity: e, Spec: spec, Schema: schema}
	if err := workbook.WriteTemplate(dst, opts); err != nil {
		if *specFile != "" {
			return fmt.Errorf("%s: %w", *specFile, err)
		}
		return err
	}
	if err := dst.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stderr, "wrote %s; once filled: kommo-bulk import %s\n", out, out)
	return nil
}
