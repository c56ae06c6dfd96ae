package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
	"github.com/kommo-bulk/kommo-bulk/workbook"
)

// passwordEnv is the environment variable that holds the password of an
// encrypted workbook, for import and export.
const passwordEnv = "KOMMO_BULK_PASSWORD"

// There is no interactive password prompt: reading one without echo needs
// golang.org/x/term, which this module does not depend on.

// password returns flag, else $KOMMO_BULK_PASSWORD.
func password(m *Main, flag string) string {
	if flag != "" {
		return flag
	}
	return m.Getenv(passwordEnv)
}

// input is what an import reads: the file itself, or, for a workbook the
// streaming reader cannot read as it is, its decrypted or recalculated
// bytes, held in memory.
type input struct {
	r    io.ReaderAt
	size int64
}

// oleMagic starts an OLE2 compound file: a legacy .xls or an encrypted
// workbook (sheet.Open tells them apart).
var oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")

// openInput prepares the file an import reads. An encrypted workbook is
// decrypted with --password or $KOMMO_BULK_PASSWORD (a legacy .xls gets
// mapping's error, which names the fix). A workbook whose sheet has
// formula cells saved without their values (as scripts write them) gets
// them computed with excelize, and a line on stderr says which.
func openInput(m *Main, name, sheetName, pw string, r io.ReaderAt, size int64) (input, error) {
	in := input{r: r, size: size}
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	if bytes.HasPrefix(head, oleMagic) {
		_, err := sheet.Open(filepath.Base(name), r, size, sheet.ReadOptions{})
		if !errors.Is(err, sheet.ErrEncrypted) {
			return in, err
		}
		if pw == "" {
			return in, &usageError{msg: fmt.Sprintf("%s is a password-protected workbook: give its password", name),
				hint: fmt.Sprintf("%s=... kommo-bulk import %s (or --password)", passwordEnv, name)}
		}
		data, err := io.ReadAll(io.NewSectionReader(r, 0, size))
		if err != nil {
			return in, err
		}
		plain, err := workbook.Decrypt(data, pw)
		if err != nil {
			return in, fmt.Errorf("%s: %w", name, err)
		}
		in = input{r: bytes.NewReader(plain), size: int64(len(plain))}
		n, _ = in.r.ReadAt(head[:cap(head)], 0)
		head = head[:n]
	}
	if sheet.Sniff(name, head) != sheet.FormatXLSX {
		return in, nil
	}
	u, err := xlsx.FindUncachedFormulas(in.r, in.size, xlsx.Options{Name: name, Sheet: sheetName}, -1)
	if err != nil || u.Count == 0 {
		return in, nil // the import's own open reports a bad workbook
	}
	data, err := io.ReadAll(io.NewSectionReader(in.r, 0, in.size))
	if err != nil {
		return in, err
	}
	out, err := workbook.Recalculate(data, sheetName, u.Cells)
	if err != nil {
		return in, fmt.Errorf("%s: %d formula cells have no saved value, and %w; open the file in Excel or LibreOffice, save it and import the saved file", name, u.Count, err)
	}
	shown := u.Cells
	if len(shown) > 10 {
		shown = append(shown[:10:10], "...")
	}
	fmt.Fprintf(m.Stderr, "%s: computed %d formula cells that had no saved value (%s)\n", name, u.Count, strings.Join(shown, ", "))
	return input{r: bytes.NewReader(out), size: int64(len(out))}, nil
}

// templateSpec returns the mapping a template written by "kommo-bulk
// template" carries, when the import has no --mapping and the file is
// such a template; nil otherwise.
func templateSpec(m *Main, a *importArgs, in input) (*mapping.Spec, error) {
	if a.mapping != "" {
		return nil, nil
	}
	head := make([]byte, 8)
	n, _ := in.r.ReadAt(head, 0)
	if sheet.Sniff(a.input, head[:n]) != sheet.FormatXLSX {
		return nil, nil
	}
	spec, err := workbook.TemplateSpec(in.r, in.size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.input, err)
	}
	if spec != nil {
		fmt.Fprintf(m.Stderr, "%s: a kommo-bulk template of %s: importing with the mapping it carries\n", a.input, spec.Entity)
	}
	return spec, nil
}
