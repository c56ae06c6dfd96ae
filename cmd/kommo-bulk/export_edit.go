package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
	"github.com/kommo-bulk/kommo-bulk/workbook"
)

// xlsxOptions are the XLSX export's own flags.
type xlsxOptions struct {
	forEdit  bool
	encrypt  bool
	password string
}

// check refuses the flags a dataset or format cannot take.
func (o *xlsxOptions) check(m *Main, format string, entity kommo.EntityType) error {
	hint := "kommo-bulk export leads --for-edit -o leads.xlsx"
	if o.password != "" {
		o.encrypt = true
	}
	if (o.forEdit || o.encrypt) && format != "xlsx" {
		return &usageError{msg: "--for-edit, --encrypt and --password write XLSX: give -o FILE.xlsx", hint: hint}
	}
	if o.forEdit {
		switch entity {
		case kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies, kommo.EntityTasks:
		default:
			return &usageError{msg: fmt.Sprintf("--for-edit: %s are not imported back; it takes leads, contacts, companies or tasks", entity), hint: hint}
		}
	}
	if o.encrypt {
		o.password = password(m, o.password)
		if o.password == "" {
			return &usageError{msg: "--encrypt: no password", hint: passwordEnv + "=... kommo-bulk export leads --encrypt -o leads.xlsx"}
		}
	}
	return nil
}

// writer returns the table writer of an XLSX export to dst: the edit
// export's with --for-edit (records linked under base, the account's
// URL), else the streaming writer. When encrypting, the workbook goes to
// memory and finish, after the writer's Close, writes it encrypted to dst.
func (o *xlsxOptions) writer(dst io.Writer, entity kommo.EntityType, schema *mapping.Schema, base string) (w sheet.TableWriter, finish func() error, err error) {
	finish = func() error { return nil }
	to := dst
	var buf *bytes.Buffer
	if o.encrypt {
		buf = &bytes.Buffer{}
		to = buf
		finish = func() error {
			enc, err := workbook.Encrypt(buf.Bytes(), o.password)
			if err != nil {
				return err
			}
			_, err = dst.Write(enc)
			return err
		}
	}
	if o.forEdit {
		w, err = workbook.NewEditWriter(to, workbook.EditOptions{Entity: entity, Schema: schema, RecordURL: workbook.RecordURL(base, entity)})
	} else {
		w, err = xlsx.NewWriter(to, xlsx.WriteOptions{Sheet: string(entity)})
	}
	return w, finish, err
}
