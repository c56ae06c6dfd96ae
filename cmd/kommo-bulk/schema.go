package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/tables"
	"github.com/kommo-bulk/kommo-bulk/value"
)

const schemaSynopsis = `schema [pipelines|stages|users|fields|task-types ...] [flags]

Prints the account's schema: the names and ids that imports, exports and
mappings refer to. With no section it prints them all; --json prints the
same as one JSON object.

Examples:

	kommo-bulk schema
	kommo-bulk schema stages
	kommo-bulk schema fields --entity contacts
	kommo-bulk schema users --json
	kommo-bulk schema stages --format csv > stages.csv
	kommo-bulk schema --format csv -o schema/     # one CSV per section

Flags:`

// schemaSections are the sections in the order they print.
var schemaSections = []string{"pipelines", "stages", "users", "task-types", "fields"}

// SchemaCommand prints the account's users, pipelines, stages, task types
// and custom fields.
type SchemaCommand struct {
	m *Main
	jsonFlag
}

// Run parses flags, reads the schema and prints it.
func (c *SchemaCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("schema", schemaSynopsis)
	c.watch(fs, args)
	var conn connFlags
	conn.register(fs)
	entityF := &listFlag{split: true}
	fs.Var(entityF, "entity", "custom fields of these entities only (`LIST` of leads, contacts, companies)")
	jsonOut := fs.Bool("json", false, "print JSON instead of tables")
	format := fs.String("format", "text", "`text`, json or csv (one section on stdout, or every section into -o DIR)")
	outDir := fs.String("o", "", "with --format csv: `directory` to write SECTION.csv files into")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	sections := map[string]bool{}
	for _, p := range pos {
		p = strings.ToLower(p)
		switch p {
		case "custom-fields", "custom_fields", "field":
			p = "fields"
		case "pipeline":
			p = "pipelines"
		case "stage", "statuses":
			p = "stages"
		case "user":
			p = "users"
		case "task_types", "tasktypes":
			p = "task-types"
		}
		if !slices.Contains(schemaSections, p) {
			return &usageError{msg: fmt.Sprintf("unknown section %q: want %s", p, strings.Join(schemaSections, ", ")), hint: "kommo-bulk schema -h"}
		}
		sections[p] = true
	}
	if len(sections) == 0 {
		for _, s := range schemaSections {
			sections[s] = true
		}
	}
	entities := bulk.SchemaEntities
	if len(entityF.vals) > 0 {
		entities = nil
		for _, v := range entityF.vals {
			e := plural(v)
			if !slices.Contains(bulk.SchemaEntities, e) {
				return &usageError{msg: fmt.Sprintf("--entity %q: want leads, contacts or companies", v), hint: "kommo-bulk schema fields --entity contacts"}
			}
			entities = append(entities, e)
		}
	}
	switch strings.ToLower(*format) {
	case "text":
	case "json":
		*jsonOut = true
	case "csv":
		if err := checkSchemaCSV(sections, len(pos), *outDir); err != nil {
			return err
		}
	default:
		return &usageError{msg: fmt.Sprintf("--format %q: want text, json or csv", *format), hint: "kommo-bulk schema -h"}
	}
	client, err := conn.client(c.m)
	if err != nil {
		return err
	}
	s, err := bulk.FetchSchema(ctx, client)
	if err != nil {
		return fmt.Errorf("read the account's schema: %w", err)
	}
	printNotes(c.m, s)
	if strings.EqualFold(*format, "csv") {
		return writeSchemaCSV(c.m, s, sections, entities, *outDir)
	}
	if *jsonOut {
		enc := json.NewEncoder(c.m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(schemaJSON(s, sections, entities))
	}
	titles := len(sections) > 1
	first := true
	for _, name := range schemaSections {
		if !sections[name] {
			continue
		}
		if titles {
			if !first {
				fmt.Fprintln(c.m.Stdout)
			}
			fmt.Fprintf(c.m.Stdout, "# %s\n", name)
		}
		first = false
		tw := tabwriter.NewWriter(c.m.Stdout, 0, 4, 2, ' ', 0)
		printSection(tw, name, s, entities)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// stageKind names a stage's role.
func stageKind(st *kommo.Status) string { return tables.StageKind(st) }

func printSection(w io.Writer, name string, s *mapping.Schema, entities []kommo.EntityType) {
	switch name {
	case "pipelines":
		fmt.Fprintln(w, "ID\tNAME\tMAIN\tARCHIVED\tSTAGES")
		for _, p := range s.Pipelines {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\n", p.ID, p.Name, yesNo(p.IsMain), yesNo(p.IsArchive), len(p.Statuses()))
		}
	case "stages":
		fmt.Fprintln(w, "PIPELINE ID\tPIPELINE\tSTAGE ID\tSTAGE\tKIND")
		for _, p := range s.Pipelines {
			for _, st := range p.Statuses() {
				fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%s\n", p.ID, p.Name, st.ID, st.Name, stageKind(st))
			}
		}
	case "users":
		fmt.Fprintln(w, "ID\tNAME\tEMAIL")
		for _, u := range s.Users {
			fmt.Fprintf(w, "%d\t%s\t%s\n", u.ID, u.Name, u.Email)
		}
	case "task-types":
		fmt.Fprintln(w, "ID\tNAME\tCODE")
		for _, t := range s.TaskTypes {
			fmt.Fprintf(w, "%d\t%s\t%s\n", t.ID, t.Name, t.Code)
		}
	case "fields":
		fmt.Fprintln(w, "ENTITY\tID\tNAME\tTYPE\tCODE\tOPTIONS")
		for _, e := range entities {
			for _, f := range s.Fields[e] {
				opts := make([]string, 0, len(f.Enums))
				for _, en := range f.Enums {
					opts = append(opts, en.Value)
				}
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", e, f.ID, f.Name, f.Type, f.Code, value.JoinValues(opts))
			}
		}
	}
}

// JSON shapes of the schema command.
type (
	schemaOut struct {
		Pipelines []pipelineOut          `json:"pipelines,omitempty"`
		Stages    []stageOut             `json:"stages,omitempty"`
		Users     []userOut              `json:"users,omitempty"`
		TaskTypes []taskTypeOut          `json:"task_types,omitempty"`
		Fields    map[string][]customOut `json:"fields,omitempty"`
		TimeZone  string                 `json:"time_zone,omitempty"` // "" when unknown (UTC)
		Notes     []string               `json:"notes,omitempty"`     // the schema's warnings
	}
	pipelineOut struct {
		ID        int    `json:"id"`
		Name      string `json:"name"`
		IsMain    bool   `json:"is_main"`
		IsArchive bool   `json:"is_archive"`
	}
	stageOut struct {
		PipelineID int    `json:"pipeline_id"`
		Pipeline   string `json:"pipeline"`
		ID         int    `json:"id"`
		Name       string `json:"name"`
		Kind       string `json:"kind"`
	}
	userOut struct {
		ID    int    `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	taskTypeOut struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
		Code string `json:"code,omitempty"`
	}
	customOut struct {
		ID      int         `json:"id"`
		Name    string      `json:"name"`
		Type    string      `json:"type"`
		Code    string      `json:"code,omitempty"`
		Options []optionOut `json:"options,omitempty"`
	}
	optionOut struct {
		ID    int    `json:"id"`
		Value string `json:"value"`
	}
)

func schemaJSON(s *mapping.Schema, sections map[string]bool, entities []kommo.EntityType) schemaOut {
	o := schemaOut{Notes: s.Notes}
	if s.Location != nil {
		o.TimeZone = s.Location.String()
	}
	if sections["pipelines"] {
		for _, p := range s.Pipelines {
			o.Pipelines = append(o.Pipelines, pipelineOut{p.ID, p.Name, p.IsMain, p.IsArchive})
		}
	}
	if sections["stages"] {
		for _, p := range s.Pipelines {
			for _, st := range p.Statuses() {
				o.Stages = append(o.Stages, stageOut{p.ID, p.Name, st.ID, st.Name, stageKind(st)})
			}
		}
	}
	if sections["users"] {
		for _, u := range s.Users {
			o.Users = append(o.Users, userOut{u.ID, u.Name, u.Email})
		}
	}
	if sections["task-types"] {
		for _, t := range s.TaskTypes {
			o.TaskTypes = append(o.TaskTypes, taskTypeOut{t.ID, t.Name, t.Code})
		}
	}
	if sections["fields"] {
		o.Fields = map[string][]customOut{}
		for _, e := range entities {
			fields := []customOut{}
			for _, f := range s.Fields[e] {
				co := customOut{ID: f.ID, Name: f.Name, Type: string(f.Type), Code: f.Code}
				for _, en := range f.Enums {
					co.Options = append(co.Options, optionOut{en.ID, en.Value})
				}
				fields = append(fields, co)
			}
			o.Fields[string(e)] = fields
		}
	}
	return o
}
