package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/bulk"
	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
	"github.com/kommo-bulk/kommo-bulk/sheet"
	"github.com/kommo-bulk/kommo-bulk/sheet/xlsx"
)

// Config says how the engine reaches Kommo.
type Config struct {
	// BaseURL is the account URL. In a page served by "kommo-bulk serve"
	// it is the page's origin + "/kommo", the same-origin proxy that adds
	// the token on the server side.
	BaseURL string `json:"baseURL"`
	// Token, if set, is sent as a bearer token. Leave it empty behind
	// serve's proxy: the token then never reaches the browser.
	Token string `json:"token,omitempty"`
	// Rate is the request budget per second; 0 means kommo.DefaultRate
	// (Kommo's limit) and a negative rate means no limit (emulators).
	Rate float64 `json:"rate,omitempty"`
	// Timeout is one request's timeout in milliseconds; 0 means 60 s.
	Timeout int `json:"timeoutMs,omitempty"`

	// Transport carries the requests; the page's module sets the browser's
	// fetch (wasm/'s fetchTransport). Nil means http.DefaultTransport in
	// native builds; under GOOS=js it is required, so the module never
	// links an *http.Transport.
	Transport http.RoundTripper `json:"-"`

	// Client, if set, is the client the engine's requests go through: a
	// native front end's own (the CLI's, with its OAuth refresh and the
	// rate budget the processes of a host share). BaseURL then defaults to
	// its URL, and Token, Rate, Timeout and Transport are not used. Jobs,
	// which pause and steer their rate through a client of their own, need
	// the engine's client: they fail with this one.
	Client *kommo.Client `json:"-"`
}

// Engine is the application the front ends drive (the page's kommoBulk
// global through wasm/): the files the user opened, the account's schema,
// the keys of rows imported in this session (so a contacts file can refer
// to the companies imported just before it) and the running jobs. It has no syscall/js in it, so it is tested natively.
// An Engine is safe for concurrent use.
type Engine struct {
	mu      sync.Mutex
	cfg     Config
	limiter *rate.Limiter
	maxRate rate.Limit // the configured rate, up to which jobs' adaptive rates steer limiter
	schema  *mapping.Schema
	files   map[int]*file
	jobs    map[int]*Job
	keys    map[kommo.EntityType]map[string]int
	nextID  int
	// store keeps the journals of imports (SetJobStore); journals are
	// those of running jobs, account the account's subdomain.
	store    JobStore
	journals map[string]bool
	account  string
}

// New returns an engine; Configure must be called before anything
// that talks to Kommo.
func New() *Engine {
	return &Engine{files: map[int]*file{}, jobs: map[int]*Job{}, keys: map[kommo.EntityType]map[string]int{}, journals: map[string]bool{}}
}

// Configure sets where the account is. It drops the cached schema.
func (e *Engine) Configure(cfg Config) error {
	if cfg.BaseURL == "" && cfg.Client != nil {
		cfg.BaseURL = cfg.Client.BaseURL()
	}
	if cfg.BaseURL == "" {
		return errors.New("configure: baseURL is required")
	}
	// A client only to check the URL: it sends nothing.
	if _, err := kommo.NewClient(cfg.BaseURL, kommo.WithDoer(doer{})); err != nil {
		return err
	}
	r := rate.Limit(cfg.Rate)
	switch {
	case cfg.Rate == 0:
		r = kommo.DefaultRate
	case cfg.Rate < 0:
		r = rate.Inf
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cfg = cfg
	e.limiter, e.maxRate = rate.NewLimiter(r, 1), r
	e.schema = nil
	e.account = ""
	return nil
}

// client returns a client of the configured account whose transport is
// wrapped by wrap (nil: none), with extra options.
func (e *Engine) client(wrap func(http.RoundTripper) http.RoundTripper, extra ...kommo.Option) (*kommo.Client, error) {
	e.mu.Lock()
	cfg, limiter := e.cfg, e.limiter
	e.mu.Unlock()
	if cfg.BaseURL == "" {
		return nil, errors.New("not configured: call configure({baseURL}) first")
	}
	if cfg.Client != nil {
		if wrap != nil || len(extra) > 0 {
			return nil, errors.New("a job needs the engine's own client, not Config.Client")
		}
		return cfg.Client, nil
	}
	rt := cfg.Transport
	if rt == nil {
		rt = defaultTransport()
	}
	if rt == nil {
		return nil, errors.New("not configured: no transport (Config.Transport) to reach Kommo")
	}
	if wrap != nil {
		rt = wrap(rt)
	}
	timeout := 60 * time.Second
	if cfg.Timeout > 0 {
		timeout = time.Duration(cfg.Timeout) * time.Millisecond
	}
	opts := []kommo.Option{
		kommo.WithDoer(doer{rt: rt, timeout: timeout}),
		kommo.WithLimiter(limiter),
		kommo.WithUserAgent("kommo-bulk-wasm"),
	}
	if cfg.Token != "" {
		opts = append(opts, kommo.WithToken(cfg.Token))
	}
	return kommo.NewClient(cfg.BaseURL, append(opts, extra...)...)
}

// jobClient is the client of a job: its requests wait at gate g (pause),
// at the session's limiter, which its adaptive rate steers below the
// configured rate while Kommo answers 429 (every job starts at that rate).
func (e *Engine) jobClient(g *gate) (*kommo.Client, error) {
	e.mu.Lock()
	maxRate := e.maxRate
	e.mu.Unlock()
	return e.client(g.wrap, kommo.WithAdaptiveRate(kommo.AdaptiveRate{Max: maxRate}))
}

// accountSchema returns the account's schema, fetched once per Configure.
func (e *Engine) accountSchema(ctx context.Context) (*mapping.Schema, error) {
	e.mu.Lock()
	s := e.schema
	e.mu.Unlock()
	if s != nil {
		return s, nil
	}
	c, err := e.client(nil)
	if err != nil {
		return nil, err
	}
	s, err = bulk.FetchSchema(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("read the account's schema: %w", err)
	}
	e.mu.Lock()
	e.schema = s
	e.mu.Unlock()
	return s, nil
}

// Schema returns the account's fields, pipelines, users and task types.
func (e *Engine) Schema(ctx context.Context) (*SchemaInfo, error) {
	s, err := e.accountSchema(ctx)
	if err != nil {
		return nil, err
	}
	return schemaInfo(s), nil
}

// file is one opened file: its bytes stay in the browser (in memory for a
// workbook, in the dropped Blob for a CSV) and are parsed again for each
// pass.
type file struct {
	id     int
	name   string
	src    Source
	format sheet.Format
	opts   sheet.ReadOptions
	sheets []string
	header []string
	comma  rune

	mu    sync.Mutex
	fixes map[int]map[int]string // row → column index → value typed by the user
}

// open returns a new table over the file, with the user's fixes applied.
func (f *file) open() (sheet.Table, error) { return f.openProgress(nil) }

// openProgress is open reporting how far the pass has read (nil: no
// reports): bytes of a CSV, uncompressed bytes of an XLSX sheet.
func (f *file) openProgress(progress func(ReadProgress)) (sheet.Table, error) {
	var src Source = f.src
	if _, inMemory := src.(*bytes.Reader); !inMemory {
		src = newReadAhead(src)
	}
	opts := f.opts
	if rep := newReporter("parse", progress); rep != nil {
		if f.format == sheet.FormatXLSX {
			opts.XLSX.Progress = rep
		} else {
			src = &progressReader{Source: src, report: rep}
		}
	}
	t, err := sheet.Open(f.name, src, src.Size(), opts)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	fixes := make(map[int]map[int]string, len(f.fixes))
	for r, m := range f.fixes {
		fixes[r] = m
	}
	f.mu.Unlock()
	if len(fixes) == 0 {
		return t, nil
	}
	return &fixedTable{Table: t, fixes: fixes}, nil
}

// fixedTable applies cell fixes to the records of a table.
type fixedTable struct {
	sheet.Table
	fixes map[int]map[int]string
}

func (t *fixedTable) Next() (sheet.Record, error) {
	rec, err := t.Table.Next()
	if err != nil {
		return rec, err
	}
	for i, v := range t.fixes[rec.Row] {
		for len(rec.Values) <= i {
			rec.Values = append(rec.Values, "")
		}
		rec.Values[i] = v
	}
	return rec, nil
}

// OpenFile opens the bytes of a CSV or XLSX file and returns its sheets,
// header and first rows.
func (e *Engine) OpenFile(data []byte, name string, opts OpenOptions) (*FileInfo, error) {
	return e.OpenSource(bytes.NewReader(data), name, opts)
}

// OpenSource opens a CSV or XLSX file read from src and returns its
// sheets, header and first rows. A workbook is copied into memory once
// (a zip is read at random); a CSV stays in src and is read in chunks,
// ahead of the parser, on each pass. A read error that ends the file
// within the first rows (a cell over the limit) is returned, naming the
// file, row and column.
func (e *Engine) OpenSource(src Source, name string, opts OpenOptions) (*FileInfo, error) {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	f := &file{name: name, src: src}
	head := make([]byte, min(8192, src.Size()))
	if n, err := src.ReadAt(head, 0); n < len(head) {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	f.format = sheet.Sniff(name, head)
	f.opts = sheet.ReadOptions{
		CSV:  sheet.CSVOptions{Name: name, Encoding: opts.Encoding},
		XLSX: xlsx.Options{Name: name, Sheet: opts.Sheet},
	}
	if d := opts.Delimiter; d != "" {
		if d == `\t` || d == "tab" {
			d = "\t"
		}
		f.opts.CSV.Comma = []rune(d)[0]
	}
	if f.format == sheet.FormatXLSX {
		br, err := loadSource(src, name, opts.Progress)
		if err != nil {
			return nil, err
		}
		f.src = br
		sheets, err := xlsx.Sheets(br, br.Size(), xlsx.Options{Name: name})
		if err != nil {
			return nil, err
		}
		f.sheets = sheets
	}
	t, err := f.open()
	if err != nil {
		return nil, err
	}
	defer t.Close()
	f.header = t.Header()
	if cr, ok := t.(*sheet.CSVReader); ok {
		f.comma = cr.Comma()
	}
	n := opts.PreviewRows
	if n <= 0 {
		n = 20
	}
	info := &FileInfo{Name: name, Format: formatName(f.format), Sheets: f.sheets, Header: f.header, Preview: []PreviewRow{}, Size: int(src.Size())}
	if f.format == sheet.FormatXLSX {
		// The CLI computes such cells with excelize; the page cannot.
		if u, err := xlsx.FindUncachedFormulas(f.src, f.src.Size(), f.opts.XLSX, 0); err == nil {
			info.NeedsSave, info.NeedsSaveMsg = u.Message(), needsSaveMsg(u)
		}
		info.Sheet = opts.Sheet
		if info.Sheet == "" && len(f.sheets) > 0 {
			info.Sheet = f.sheets[0]
		}
	}
	if f.comma != 0 {
		info.Delimiter = string(f.comma)
	}
	for rec, err := range sheet.Records(t) {
		if sheet.EndsTable(err) {
			return nil, err // a cell over the limit, say: the file cannot be imported
		}
		if err != nil {
			continue // a bad row is not previewed
		}
		info.Preview = append(info.Preview, PreviewRow{Row: rec.Row, Values: rec.Values})
		if len(info.Preview) == n {
			break
		}
	}
	e.mu.Lock()
	e.nextID++
	f.id = e.nextID
	e.files[f.id] = f
	e.mu.Unlock()
	info.ID = f.id
	return info, nil
}

// CloseFile forgets a file.
func (e *Engine) CloseFile(id int) {
	e.mu.Lock()
	delete(e.files, id)
	e.mu.Unlock()
}

func (e *Engine) file(id int) (*file, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.files[id]
	if f == nil {
		return nil, fmt.Errorf("no open file %d", id)
	}
	return f, nil
}

// SetCell replaces the value of one cell (by row number and column name)
// in every later pass over the file: the inline fix of a bad cell.
func (e *Engine) SetCell(id, row int, column, value string) error {
	f, err := e.file(id)
	if err != nil {
		return err
	}
	col := columnIndex(f.header, column)
	if col < 0 {
		return fmt.Errorf("no column %q", column)
	}
	if row < 1 {
		return fmt.Errorf("row %d: rows start at 1", row)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fixes == nil {
		f.fixes = map[int]map[int]string{}
	}
	if f.fixes[row] == nil {
		f.fixes[row] = map[int]string{}
	}
	f.fixes[row][col] = value
	return nil
}

// Fixes returns the cells the user changed, as row → column → value.
func (e *Engine) Fixes(id int) (map[int]map[string]string, error) {
	f, err := e.file(id)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[int]map[string]string{}
	for r, m := range f.fixes {
		out[r] = map[string]string{}
		for c, v := range m {
			out[r][f.header[c]] = v
		}
	}
	return out, nil
}

// columnIndex finds a column by header name, or by letter for columns
// without one.
func columnIndex(header []string, column string) int {
	for i, h := range header {
		if h == column {
			return i
		}
	}
	for i := range header {
		if sheet.ColumnLetter(i) == column {
			return i
		}
	}
	return -1
}

// Propose suggests a mapping of the file's columns to fields of entity.
func (e *Engine) Propose(ctx context.Context, id int, entity string) (*ProposalInfo, error) {
	f, err := e.file(id)
	if err != nil {
		return nil, err
	}
	ent, err := ParseEntity(entity)
	if err != nil {
		return nil, err
	}
	s, err := e.accountSchema(ctx)
	if err != nil {
		return nil, err
	}
	t, err := f.open()
	if err != nil {
		return nil, err
	}
	defer t.Close()
	p, err := ProposeTable(t, ent, s)
	if err != nil {
		return nil, err
	}
	return proposalInfo(p)
}

// compile parses a spec (YAML or JSON) and compiles it against the
// account's schema and the file's header.
func (e *Engine) compile(ctx context.Context, f *file, specText string) (*mapping.Spec, *mapping.Mapper, error) {
	spec, err := mapping.ParseSpec([]byte(specText))
	if err != nil {
		return nil, nil, err
	}
	s, err := e.accountSchema(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := mapping.Compile(spec, s, f.header)
	if err != nil {
		return nil, nil, err
	}
	m.File, m.Sheet = f.name, f.opts.XLSX.Sheet
	return spec, m, nil
}

// Validate maps every row of the file and reports the bad ones, with their
// values so that a page can show them and let the user fix them. A read
// error that ends the file (a cell over the limit, which no inline fix
// mends) is returned instead, naming the file, row and column.
func (e *Engine) Validate(ctx context.Context, id int, specText string, opts ValidateOptions) (*ValidationInfo, error) {
	f, err := e.file(id)
	if err != nil {
		return nil, err
	}
	_, m, err := e.compile(ctx, f, specText)
	if err != nil {
		return nil, err
	}
	max := opts.MaxRows
	if max <= 0 {
		max = 100
	}
	t, err := f.openProgress(opts.Progress)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	info := &ValidationInfo{BadRows: []BadRow{}, WarnRows: []BadRow{}}
	rep, err := Check(ctx, m, t, CheckOptions{Row: func(rec sheet.Record, row *mapping.Row, errs []*sheet.RowError) {
		if len(errs) > 0 && len(info.BadRows) < max {
			info.BadRows = append(info.BadRows, badRow(f.header, rec, errs))
		}
		if len(errs) == 0 && row != nil && len(row.Warnings) > 0 && len(info.WarnRows) < max {
			info.WarnRows = append(info.WarnRows, warnRow(f.header, rec, row.Warnings))
		}
	}})
	if err != nil {
		// A cell over the limit cannot be fixed here: the file is not
		// read past it.
		return nil, err
	}
	// Rows with warnings land: they are good rows.
	info.Rows, info.Good, info.Warned, info.Bad, info.Errors, info.Warnings = rep.Rows, rep.Good+rep.Warned, rep.Warned, rep.Bad, rep.Errors, rep.Warnings
	info.Causes, info.Regions = causeInfos(rep.Causes), mapping.RegionCounts(rep.Regions)
	info.ByColumn = rep.ByColumn
	if info.ByColumn == nil {
		info.ByColumn = map[string]int{}
	}
	return info, nil
}

// ErrorsFile writes the rows that fail validation to an errors file in the
// input's format, with the row, column and reason of each.
func (e *Engine) ErrorsFile(ctx context.Context, id int, specText string) (*FileBytes, error) {
	f, err := e.file(id)
	if err != nil {
		return nil, err
	}
	spec, m, err := e.compile(ctx, f, specText)
	if err != nil {
		return nil, err
	}
	t, err := f.open()
	if err != nil {
		return nil, err
	}
	res := &bulk.Result{Job: bulk.JobHeader{Entity: spec.Entity}, Rows: map[int]bulk.RowResult{}}
	for row, errs := range m.Rows(t, f.name) {
		if ctx.Err() != nil {
			t.Close()
			return nil, ctx.Err()
		}
		if len(errs) == 0 {
			continue
		}
		line := errs[0].Row
		if row != nil {
			line = row.Line
		}
		res.Rows[line] = errorResult(line, errs)
	}
	t.Close()
	return f.resultFile(res, "errors", true)
}

// errorResult folds a row's errors into one result: the first column, and
// every reason.
func errorResult(line int, errs []*sheet.RowError) bulk.RowResult {
	msgs := make([]string, 0, len(errs))
	for _, re := range errs {
		msgs = append(msgs, cellMessage(re))
	}
	return bulk.RowResult{Line: line, Action: bulk.ActionError, Column: errs[0].Column, Err: errors.New(strings.Join(msgs, "; "))}
}

// resultFile writes one result file (the success or errors rows of res)
// in the input's format.
func (f *file) resultFile(res *bulk.Result, kind string, errorsOnly bool) (*FileBytes, error) {
	t, err := f.open()
	if err != nil {
		return nil, err
	}
	defer t.Close()
	var buf bytes.Buffer
	w, err := f.newWriter(&buf)
	if err != nil {
		return nil, err
	}
	var counts bulk.ResultCounts
	if errorsOnly {
		counts, err = bulk.WriteResults(t, res, nil, w)
	} else {
		counts, err = bulk.WriteResults(t, res, w, nil)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	n := counts.Success
	if errorsOnly {
		n = counts.Errors
	}
	return f.bytesFile(bulk.ResultName(f.name, kind), buf.Bytes(), n), nil
}

func (f *file) newWriter(w io.Writer) (sheet.TableWriter, error) {
	if f.format == sheet.FormatXLSX {
		return xlsx.NewWriter(w, xlsx.WriteOptions{})
	}
	comma := f.comma
	if comma == 0 {
		comma = ','
	}
	return sheet.NewCSVWriter(w, sheet.CSVWriteOptions{Comma: comma, BOM: true})
}

func (f *file) bytesFile(name string, b []byte, rows int) *FileBytes {
	return &FileBytes{Name: name, Type: mimeType(f.format == sheet.FormatXLSX), Rows: rows, Data: b}
}

func mimeType(isXLSX bool) string {
	if isXLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv"
}

// refs resolves references to the rows imported earlier in this session.
func (e *Engine) refs(ent kommo.EntityType, key string) (int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id, ok := e.keys[ent][key]
	return id, ok
}

// remember keeps the keys of the rows an import wrote, for later files'
// references.
func (e *Engine) remember(res *bulk.Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, rr := range res.Rows {
		if rr.Key == "" || rr.Action == bulk.ActionError {
			continue
		}
		for ent, id := range rr.IDs {
			if id == 0 || ent != res.Job.Entity {
				continue
			}
			if e.keys[ent] == nil {
				e.keys[ent] = map[string]int{}
			}
			e.keys[ent][rr.Key] = id
		}
	}
}

func formatName(f sheet.Format) string {
	switch f {
	case sheet.FormatXLSX:
		return "xlsx"
	case sheet.FormatCSV:
		return "csv"
	}
	return strings.ToLower(f.String())
}

// AccountSchema returns the account's schema as mapping reads it (the
// fields, pipelines, users and time zone), fetched once per Configure: a
// native front end's own spec building (a proposal, our export's layout)
// reads the same schema the import then writes through.
func (e *Engine) AccountSchema(ctx context.Context) (*mapping.Schema, error) {
	return e.accountSchema(ctx)
}
