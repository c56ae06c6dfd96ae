package workbook

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Errors of Decrypt.
var (
	// ErrNoPassword reports an encrypted workbook opened without a
	// password.
	ErrNoPassword = errors.New("the workbook is password-protected: give its password")
	// ErrWrongPassword reports a password that does not open the
	// workbook.
	ErrWrongPassword = errors.New("the password does not open the workbook")
)

// Decrypt returns the workbook (the .xlsx zip package) inside data, an
// encrypted OLE2 compound file as Excel writes a password-protected
// workbook (ECMA-376 agile or standard encryption). It holds the whole
// file in memory, as the decryption needs it.
func Decrypt(data []byte, password string) ([]byte, error) {
	if password == "" {
		return nil, ErrNoPassword
	}
	b, err := excelize.Decrypt(data, &excelize.Options{Password: password})
	if err != nil {
		return nil, fmt.Errorf("decrypt the workbook: %w", err)
	}
	b = trimZip(b)
	// A wrong password decrypts to noise: only the right one gives a zip.
	if _, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err != nil {
		return nil, ErrWrongPassword
	}
	return b, nil
}

// minPackage is the smallest encrypted package excelize's Encrypt writes
// correctly: a smaller stream belongs in the compound file's mini stream,
// which it writes wrong (Decrypt then reads noise or fails).
const minPackage = 4096

// padZip lengthens a zip shorter than minPackage with spaces in its
// comment (the end of central directory record's, which readers skip).
func padZip(b []byte) []byte {
	const eocdLen = 22
	if len(b) >= minPackage {
		return b
	}
	i := bytes.LastIndex(b, []byte("PK\x05\x06"))
	if i < 0 || i+eocdLen > len(b) {
		return b
	}
	n := int(binary.LittleEndian.Uint16(b[i+20:]))
	if i+eocdLen+n != len(b) {
		return b // not where a comment ends: leave it
	}
	pad := minPackage - len(b)
	out := make([]byte, 0, minPackage)
	out = append(out, b...)
	out = append(out, bytes.Repeat([]byte(" "), pad)...)
	binary.LittleEndian.PutUint16(out[i+20:], uint16(n+pad))
	return out
}

// trimZip cuts the block padding the decryption leaves after a zip's end
// of central directory record.
func trimZip(b []byte) []byte {
	const eocdLen = 22
	i := bytes.LastIndex(b, []byte("PK\x05\x06"))
	if i < 0 || i+eocdLen > len(b) {
		return b
	}
	end := i + eocdLen + int(binary.LittleEndian.Uint16(b[i+20:]))
	if end <= len(b) {
		return b[:end]
	}
	return b
}

// Encrypt returns the workbook data (an .xlsx zip package) encrypted with
// password (ECMA-376 standard encryption, AES-128), as Excel and
// LibreOffice open it after asking for the password. A workbook under
// 4 KB gets spaces in its zip comment first: excelize writes a smaller
// package wrong.
func Encrypt(data []byte, password string) ([]byte, error) {
	if password == "" {
		return nil, ErrNoPassword
	}
	b, err := excelize.Encrypt(padZip(data), &excelize.Options{Password: password})
	if err != nil {
		return nil, fmt.Errorf("encrypt the workbook: %w", err)
	}
	return b, nil
}
