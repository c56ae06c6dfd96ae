// Package migrate moves a whole CRM into Kommo from its exports: presets of
// the sources' files (presets/*.yaml) with detection and fitting to a
// header, owners and stages matched through tables, custom fields created,
// duplicates merged across files, a sample run before the rest, and a
// report for the consultant and the client.
//
// Run goes phase by phase, each in its own file: prepass.go reads every
// file once (values of owners, stages, options), fields.go plans and
// creates custom fields, names.go matches owners, pipelines and stages,
// validate.go checks every row before anything is written, dedupe.go finds
// the records that are one (within the files and in the account),
// sample.go picks the sample, claims.go marks records with their source
// ids, and write.go imports each file through bulk, linking what the
// files link. report.go writes the report as JSON, Markdown and HTML.
package migrate
