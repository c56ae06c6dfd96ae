// Package mapping turns the records of a table into Kommo write requests:
// the mapping spec, its compilation against an account, the mapping of
// rows with positional errors and warnings, the resolution of names and
// the proposal of a spec. It is pure and streaming: no network, no
// package-level state, and it builds for GOOS=js GOARCH=wasm. Tables are
// package sheet's; cell values are parsed by package value.
//
// The pieces, in the order a file goes through them:
//
//   - sheet.Open reads a CSV or XLSX file as a Table of Records (encodings,
//     delimiters, date serials and resource limits are handled there).
//   - Propose looks at the header and a few rows and suggests a mapping;
//     Proposal.Spec turns it into a Spec the user can save and edit.
//   - LoadSpec / ParseSpec read a Spec written in YAML or JSON.
//   - Compile checks the Spec against the account's Schema and the file's
//     header, resolving every name to an id, and returns a Mapper.
//   - Mapper.Map turns a Record into a Row of typed kommo requests, with
//     a *RowWarning for each value it had to normalise, keep as written or
//     leave out, or reports every bad cell as a *RowError; Mapper.Rows and
//     Mapper.Validate do it for a whole Table.
//
// # The mapping spec
//
// A spec is YAML (or the same structure in JSON). This one imports deals
// exported from another CRM, each row with its contact and company:
//
//	entity: leads             # the primary entity: leads, contacts, companies or tasks
//	key: Deal ID              # the source's own id: Row.Key, for links between files and resume
//	match:                    # how existing records are found (upsert); one string is the primary's key
//	  leads: "field:Source ID"  # email, phone, name, id, or field:<custom field>
//	  contacts: email
//	  companies: name
//	options:
//	  region: BR              # phones without a country code (else the row's country column)
//	  time_zone: America/Sao_Paulo   # or "+03:00", "UTC-5"
//	  date_layouts: [dd/mm/yyyy, "dd/mm/yyyy HH:mm"]  # tried after ISO 8601
//	  date_serial: excel      # read plain numbers as Excel dates (none, excel, excel1904, unix, unix_ms)
//	  locale: pt-BR           # decides "1.234": here one thousand two hundred thirty-four
//	  separator: ";"          # splits multi-value cells (default ";" and ",")
//	  name_order: given_first # or family_first ("Петров Иван") for split_name
//	columns:
//	  - {column: Deal ID, field: Source ID}          # a custom field by name...
//	  - {column: Title, field: name, required: true}
//	  - {column: Amount, field: price, transforms: [round]}
//	  - {column: Pipeline, field: pipeline}          # by name or id
//	  - column: Stage
//	    field: status                                # by name within the pipeline; won/lost in any language
//	    map: {Ganho: won, Perdido: lost, Proposta: Negotiation}
//	  - {column: Owner, field: responsible_user}     # by name, e-mail or id
//	  - {column: Labels, field: tags}                # split into several tags
//	  - {column: Created, field: created_at}
//	  - {column: Origem, field: "1234567"}           # ...by id, and select options by text
//	  - {column: Person, entity: contacts, field: name, transforms: [split_name]}
//	  - {column: Mobile, entity: contacts, field: PHONE, enum: MOB, on_invalid: drop}   # ...by code; leave out what is not a valid number
//	  - {column: Work phone, entity: contacts, field: PHONE, enum: WORK}
//	  - {column: E-mail, entity: contacts, field: EMAIL, clear_if_empty: true}
//	  - {column: Organization, entity: companies, field: name}
//	join:
//	  - {columns: [Street, City, Zip], separator: ", ", entity: companies, field: ADDRESS}
//	constants:
//	  - {field: tags, value: imported-2024}
//	  - {entity: contacts, field: responsible_user, value: ana@example.com}
//	refs:
//	  - {column: Organization ID, entity: companies}  # key of a row in companies.csv
//
// Standard fields are name, first_name and last_name (contacts), price,
// status, pipeline and closed_at (leads), responsible_user, tags,
// created_at, updated_at and id (the Kommo id, for updates), and for tasks
// text, task_type (name, code or id), complete_till, entity_type,
// entity_id, is_completed, result and duration. Any other field is a
// custom field of the entity, by id, code or name. PHONE and EMAIL take an
// enum (WORK, WORKDD, MOB, FAX, HOME, OTHER; WORK, PRIV, OTHER; default
// WORK), smart addresses an address part (city, zip, ...).
//
// A cell of white space only is empty. Free text (names, text fields,
// a task's text and result) is taken as the cell holds it, white space
// included; other values are read without the white space around them.
// Then the transforms run in order (trim, lower,
// upper, title, digits, email, phone or "phone:<region>", date, number,
// int, round, bool, split or "split:<sep>", split_name), then map, then the
// field reads it by its type: phones to E.164, e-mails lower-cased, dates
// with the layouts and time zone, numbers with the locale, yes/no/да/sí as
// booleans, select options by text. Tags, multiselects, PHONE and EMAIL
// split a cell into several values by themselves.
//
// An empty cell sends nothing, so an update leaves the field alone; with
// clear_if_empty it clears the field; with default it sends the default;
// with required it is an error. A related entity (the contact of a lead
// row) is sent only when one of its columns has a value.
//
// # Values that do not validate
//
// A row has one of three outcomes: it lands (Map returns a Row), it lands
// with warnings (Row.Warnings), or it fails (Map returns its RowErrors).
// What becomes of a value that does not validate is its column's
// on_invalid (or options.on_invalid): "error" fails the row, "keep" sends
// it as written, "drop" leaves it out; each RowWarning says what was done,
// with a stable Code and Reason. The defaults land what Kommo accepts:
// a PHONE of its country's shape goes in E.164 even when the metadata does
// not know it as assigned, other text with digits is kept as written, text
// without digits is left out; an EMAIL that does not validate is kept as
// written; other fields fail the row. A phone or e-mail that is the
// entity's match key (named by the spec) must be normalised: otherwise the
// row is matched by its other key (e-mail, phone) or fails. Phones without
// a country code are read in options.region, else the row's country
// column, else the account's country (Schema.Country). A Report counts
// good, warned and bad rows, and its Summary groups warnings and errors by
// cause.
//
// Names are compared after Normalize, so case, accents and punctuation do
// not matter. A name that matches nothing is an error naming the closest
// candidates: in the spec when Compile runs, in a row when Map meets it.
// A stage is never guessed: an unknown stage in a row is a RowError.
package mapping
