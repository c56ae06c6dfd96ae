package sheet

import (
	"bytes"
	"encoding/csv"
	"io"
	"path"
	"strings"
)

// Format is the kind of a tabular file.
type Format int

const (
	FormatUnknown Format = iota // not a file mapping can read
	FormatCSV                   // delimited text
	FormatXLSX                  // Office Open XML workbook
)

// String returns "csv", "xlsx" or "unknown".
func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "csv"
	case FormatXLSX:
		return "xlsx"
	}
	return "unknown"
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") // legacy .xls, encrypted .xlsx
)

// Sniff decides the format of a file from its first bytes (at least 8 are
// needed to recognise a workbook) and its name. Content wins over the
// extension: a zip file is XLSX whatever its name. Binary .xls/OLE files and
// .ods files are FormatUnknown; anything else is taken as CSV.
func Sniff(name string, head []byte) Format {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	switch {
	case bytes.HasPrefix(head, oleMagic):
		return FormatUnknown
	case bytes.HasPrefix(head, zipMagic):
		if ext == ".ods" {
			return FormatUnknown
		}
		return FormatXLSX
	}
	switch ext {
	case ".xlsx", ".xlsm", ".xls", ".ods", ".xlsb", ".numbers":
		// Named as a workbook but not a zip: truncated or mislabelled.
		if ext == ".xls" && isText(head) {
			return FormatCSV // some exporters write CSV/TSV named .xls
		}
		return FormatUnknown
	}
	return FormatCSV
}

// isText reports whether b looks like text rather than binary data.
func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x09 || (c > 0x0D && c < 0x20) {
			return false
		}
	}
	return true
}

// delimiters are the candidates SniffDelimiter chooses from, in order of
// preference on a tie.
var delimiters = []rune{',', ';', '\t', '|'}

// sniffLines is how many records of the sample SniffDelimiter scores.
const sniffLines = 50

// SniffDelimiter guesses the field delimiter of UTF-8 CSV text from a sample
// of its beginning, choosing among ',', ';', tab and '|'. Each candidate
// splits the sample's first records (quotes respected, so a quoted delimiter
// or newline does not count); the winner is the one whose field count is the
// same on the most records, the header included, with more than one field.
// This makes `1,5;2,75` rows of a semicolon file with decimal commas come out
// as ';'. If truncated is true the sample's last, possibly partial, line is
// ignored. With no convincing candidate it returns ','.
func SniffDelimiter(sample []byte, truncated bool) rune {
	if truncated {
		if i := bytes.LastIndexByte(sample, '\n'); i >= 0 {
			sample = sample[:i+1]
		}
	}
	best, bestScore := ',', 0.0
	for _, d := range delimiters {
		if !bytes.ContainsRune(sample, d) {
			continue
		}
		s := scoreDelimiter(sample, d)
		if s > bestScore {
			best, bestScore = d, s
		}
	}
	return best
}

// scoreDelimiter rates delimiter d on sample: the share of records whose
// field count equals the most common count (0 when that count is 1), plus
// small bonuses for the header agreeing and for more fields.
func scoreDelimiter(sample []byte, d rune) float64 {
	r := csv.NewReader(bytes.NewReader(sample))
	r.Comma = d
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	var counts []int
	for len(counts) < sniffLines {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A quote error means the quoting does not fit this delimiter.
			counts = append(counts, -1)
			continue
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		counts = append(counts, len(rec))
	}
	if len(counts) == 0 {
		return 0
	}
	freq := map[int]int{}
	mode, modeN := 0, 0
	for _, c := range counts {
		freq[c]++
		if freq[c] > modeN || (freq[c] == modeN && c > mode) {
			mode, modeN = c, freq[c]
		}
	}
	if mode <= 1 {
		return 0
	}
	score := float64(modeN) / float64(len(counts))
	if counts[0] == mode {
		score += 0.05
	}
	// Prefer more columns only as a tie-breaker.
	score += float64(min(mode, 100)) / 1e4
	return score
}
