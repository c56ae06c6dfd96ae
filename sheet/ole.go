package sheet

import (
	"encoding/binary"
	"io"
	"unicode/utf16"
)

// oleKind is what an OLE2 compound file (magic D0 CF 11 E0) holds, as far
// as the reader cares: Office wraps both a legacy binary workbook and an
// encrypted OOXML one in that container.
type oleKind int

const (
	oleOther     oleKind = iota // neither, or unreadable
	oleLegacyXLS                // a "Workbook" or "Book" stream: BIFF8/BIFF5 .xls
	oleEncrypted                // "EncryptionInfo" and "EncryptedPackage": a password-protected .xlsx
)

// sniffOLE reads the directory of the compound file r (see [MS-CFB]) and
// tells a legacy .xls from an encrypted workbook by the names of its
// streams. It follows the directory's sector chain through the FAT sectors
// the header lists (the first 109, enough for files up to 6.8 MB at 512-byte
// sectors; the streams it looks for sit in the first directory sectors
// anyway) and stops after 64 directory sectors.
func sniffOLE(r io.ReaderAt, size int64) oleKind {
	var hdr [512]byte
	if n, _ := r.ReadAt(hdr[:], 0); n < len(hdr) {
		return oleOther
	}
	shift := binary.LittleEndian.Uint16(hdr[30:])
	if shift != 9 && shift != 12 {
		return oleOther
	}
	secSize := int64(1) << shift
	sectorAt := func(id uint32) int64 { return (int64(id) + 1) * secSize }
	const endOfChain = 0xFFFFFFFE
	perFAT := uint32(secSize / 4)
	// next follows the FAT from sector id; ok is false past what the
	// header's DIFAT covers or on a read error.
	next := func(id uint32) (uint32, bool) {
		k := id / perFAT
		if k >= 109 {
			return 0, false
		}
		fatSec := binary.LittleEndian.Uint32(hdr[76+4*k:])
		var b [4]byte
		off := sectorAt(fatSec) + 4*int64(id%perFAT)
		if off+4 > size {
			return 0, false
		}
		if _, err := r.ReadAt(b[:], off); err != nil {
			return 0, false
		}
		return binary.LittleEndian.Uint32(b[:]), true
	}
	buf := make([]byte, secSize)
	encInfo, encPkg := false, false
	id := binary.LittleEndian.Uint32(hdr[48:])
	for range 64 {
		if id >= endOfChain || sectorAt(id)+secSize > size {
			break
		}
		if _, err := r.ReadAt(buf, sectorAt(id)); err != nil {
			break
		}
		for e := 0; e+128 <= len(buf); e += 128 {
			ent := buf[e : e+128]
			switch oleName(ent) {
			case "Workbook", "Book":
				if ent[66] == 2 { // a stream
					return oleLegacyXLS
				}
			case "EncryptionInfo":
				encInfo = true
			case "EncryptedPackage":
				encPkg = true
			}
		}
		if encInfo && encPkg {
			return oleEncrypted
		}
		var ok bool
		if id, ok = next(id); !ok {
			break
		}
	}
	return oleOther
}

// oleName decodes the UTF-16LE name of a 128-byte directory entry.
func oleName(ent []byte) string {
	n := int(binary.LittleEndian.Uint16(ent[64:]))
	if n < 2 || n > 64 || n%2 != 0 {
		return ""
	}
	u := make([]uint16, 0, n/2-1)
	for i := 0; i+1 < n-2; i += 2 {
		u = append(u, binary.LittleEndian.Uint16(ent[i:]))
	}
	return string(utf16.Decode(u))
}
