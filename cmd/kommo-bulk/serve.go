package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/web"
)

const serveSynopsis = `serve [flags]

Serves the kommo-bulk page: drop a CSV or XLSX file, map its columns, fix the
bad cells, dry-run, import with live progress, download the result files, and
export. The engine runs in the browser (WebAssembly): file data stays there and
only the API calls leave it, through this server's same-origin proxy at /kommo/,
which adds the token. The token never reaches the browser.

It listens on 127.0.0.1 only, unless --addr says otherwise, and the proxy
refuses requests from other origins.

Examples:

	KOMMO_SUBDOMAIN=mycompany KOMMO_TOKEN=... kommo-bulk serve
	kommo-bulk serve --emulator          # try it on the built-in emulator

Flags:`

// proxyPrefix is where the page finds the account (the wasm client's base
// URL is the page's origin + proxyPrefix).
const proxyPrefix = "/kommo"

// ServeCommand serves the page, the wasm engine and the proxy.
type ServeCommand struct {
	m *Main

	// ready, if set, receives the listening address once serving.
	ready func(addr string)
}

// Run parses flags and serves until ctx ends.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("serve", serveSynopsis)
	var conn connFlags
	conn.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on (keep it on loopback: whoever reaches the proxy uses the account)")
	emulator := fs.Bool("emulator", false, "serve against the built-in emulator instead of an account (nothing leaves this machine)")
	emuRate := fs.Float64("emulator-rate", 7, "the emulator's requests per second before it answers 429 (0 = unlimited)")
	allowHosts := fs.String("allow-host", "", "extra `names` (comma-separated) the page may be reached by, besides localhost and the --addr host")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0)), hint: "kommo-bulk serve -h"}
	}
	if !web.WASMBuilt() {
		fmt.Fprintln(c.m.Stderr, "kommo-bulk serve: warning: this binary was built without the wasm engine (run make build); the page will say so")
	}

	cfg := serveConfig{files: web.Files, hosts: map[string]bool{}}
	for _, h := range strings.Split(*allowHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.hosts[strings.ToLower(h)] = true
		}
	}
	if *emulator {
		emu, base, stop, err := startEmulator(*emuRate)
		if err != nil {
			return err
		}
		defer stop()
		cfg.upstream, cfg.token, cfg.emulator, cfg.account = base, emu.token, emu.srv, "emulator"
		cfg.limiter = rate.NewLimiter(rate.Inf, 1)
	} else {
		up, token, err := serveAccount(c.m, &conn)
		if err != nil {
			return err
		}
		cfg.upstream, cfg.token, cfg.account = up, token, up.Host
		r := rate.Limit(conn.rate)
		if conn.rate <= 0 {
			r = rate.Inf
		}
		cfg.limiter = c.m.Limiter
		if cfg.limiter == nil {
			cfg.limiter = rate.NewLimiter(r, 1)
		}
	}
	cfg.timeout = conn.timeout

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	cfg.hosts[strings.ToLower(host)] = true
	if reqHost, _, err := net.SplitHostPort(*addr); err == nil && reqHost != "" {
		cfg.hosts[strings.ToLower(reqHost)] = true
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(c.m.Stderr, "kommo-bulk serve: warning: listening on %s, beyond this machine: anyone who reaches it can use the account\n", ln.Addr())
	}
	h, err := newServeHandler(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	page := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(c.m.Stderr, "kommo-bulk serve: open %s (account %s through the proxy at %s/; the token stays here)\n", page, cfg.account, proxyPrefix)
	if c.ready != nil {
		c.ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(c.m.Stderr, "kommo-bulk serve: stopped")
	return nil
}

// serveAccount resolves the account URL and token from the flags and the
// environment. serve needs a long-lived token: it injects it as is.
func serveAccount(m *Main, c *connFlags) (*url.URL, string, error) {
	or := func(v, env string) string {
		if v != "" {
			return v
		}
		return m.Getenv(env)
	}
	base := or(c.baseURL, "KOMMO_BASE_URL")
	if base == "" {
		base = or(c.subdomain, "KOMMO_SUBDOMAIN")
	}
	if base == "" {
		return nil, "", &usageError{msg: "no account: set --subdomain (or KOMMO_SUBDOMAIN) or --base-url, or try --emulator", hint: "kommo-bulk serve --emulator"}
	}
	if or(c.oauthFile, "KOMMO_OAUTH_FILE") != "" {
		return nil, "", &usageError{msg: "serve takes a long-lived token (KOMMO_TOKEN), not an OAuth file"}
	}
	token := or(c.token, "KOMMO_TOKEN")
	if token == "" {
		return nil, "", &usageError{msg: "no credentials: set KOMMO_TOKEN (or --token)"}
	}
	kc, err := kommo.NewClient(base)
	if err != nil {
		return nil, "", &usageError{msg: err.Error()}
	}
	u, err := url.Parse(kc.BaseURL())
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

type emulatorUpstream struct {
	srv   *kommotest.Server
	token string
}

// startEmulator serves an emulator on a loopback port with a random token
// that only the proxy knows.
func startEmulator(rps float64) (*emulatorUpstream, *url.URL, func(), error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, nil, nil, err
	}
	token := hex.EncodeToString(b)
	r := rate.Limit(rps)
	if rps <= 0 {
		r = rate.Inf
	}
	srv, err := kommotest.NewServer(kommotest.Options{Tokens: []string{token}, Rate: r})
	if err != nil {
		return nil, nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, nil, nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	stop := func() {
		hs.Close()
		srv.Close()
	}
	u, _ := url.Parse("http://" + ln.Addr().String() + "/")
	return &emulatorUpstream{srv: srv, token: token}, u, stop, nil
}

// serveConfig is what the serve handler needs.
type serveConfig struct {
	files    fs.FS
	upstream *url.URL // account URL, ending in "/"
	token    string
	account  string
	limiter  *rate.Limiter
	timeout  time.Duration
	hosts    map[string]bool // Host names the page may be reached by, besides loopback names
	emulator *kommotest.Server
	maxBody  int64 // largest request body proxied (0: maxProxyBody)
}

type serveHandler struct {
	cfg   serveConfig
	proxy *httputil.ReverseProxy
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
}

// maxProxyBody is the largest request body the proxy forwards (Kommo's
// batches of 250 records are far smaller).
const maxProxyBody = 16 << 20

// contentSecurityPolicy keeps the page to its own origin: scripts, the
// worker, the wasm (which needs 'wasm-unsafe-eval', not 'unsafe-eval') and
// every fetch.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; " +
	"img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func newServeHandler(cfg serveConfig) (*serveHandler, error) {
	if cfg.upstream == nil || cfg.token == "" {
		return nil, errors.New("serve: no upstream account")
	}
	if cfg.limiter == nil {
		cfg.limiter = rate.NewLimiter(rate.Inf, 1)
	}
	if cfg.hosts == nil {
		cfg.hosts = map[string]bool{}
	}
	if cfg.maxBody <= 0 {
		cfg.maxBody = maxProxyBody
	}
	h := &serveHandler{cfg: cfg, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	up := cfg.upstream
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.timeout > 0 {
		transport.ResponseHeaderTimeout = cfg.timeout
	}
	h.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			// /kommo/api/v4/leads?page=2 → <account>/api/v4/leads?page=2
			r.Out.URL.Scheme = up.Scheme
			r.Out.URL.Host = up.Host
			// serveProxy has checked and cleaned the path: it holds
			// letters, digits, "_" and "-" segments only.
			r.Out.URL.Path = strings.TrimSuffix(up.Path, "/") + strings.TrimPrefix(r.In.URL.Path, proxyPrefix)
			r.Out.URL.RawPath = ""
			r.Out.Host = up.Host
			// Whatever the browser sent, only our token goes upstream,
			// and no browser state (cookies) with it.
			for _, k := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Origin", "Referer", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest"} {
				r.Out.Header.Del(k)
			}
			r.Out.Header.Set("Authorization", "Bearer "+cfg.token)
			r.Out.Header.Set("User-Agent", "kommo-bulk-serve/"+version)
		},
		Transport: transport,
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Del("Set-Cookie")
			resp.Header.Del("WWW-Authenticate")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// The error names the upstream host at most, never the token.
			msg := "the Kommo account did not answer"
			if errors.Is(err, context.DeadlineExceeded) {
				msg = "the Kommo account timed out"
			}
			writeJSONError(w, http.StatusBadGateway, msg)
		},
	}
	// The proxy's paths (proxyPrefix and below) never reach the mux:
	// ServeHTTP hands them to serveProxy, which checks them itself.
	h.mux.HandleFunc("GET /serve.json", h.serveInfo)
	if cfg.emulator != nil {
		h.mux.HandleFunc("GET /emulator/state", h.serveEmulatorState)
	}
	h.mux.HandleFunc("/", h.serveFile)
	return h, nil
}

func (h *serveHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	if !h.hostAllowed(r.Host) {
		// A page of another site that rebinds its name to 127.0.0.1 would
		// be "same-origin" with us; its Host header gives it away.
		writeJSONError(w, http.StatusMisdirectedRequest, "unknown host "+r.Host+": open the address kommo-bulk serve printed")
		return
	}
	if p := r.URL.Path; p == proxyPrefix || strings.HasPrefix(p, proxyPrefix+"/") {
		h.serveProxy(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// hostAllowed accepts loopback names and addresses, the listening host and
// the --allow-host names.
func (h *serveHandler) hostAllowed(hostport string) bool {
	host := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		host = hh
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "localhost" || h.cfg.hosts[host] {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// crossOrigin says why a request does not come from our own page, or nil
// when it does: http.CrossOriginProtection (Sec-Fetch-Site, else Origin
// against Host; a request with neither comes from a program, not a page).
// Reads are checked as writes are: through the proxy they spend the
// account's budget with our token. ServeHTTP's Host check has already
// refused other names rebound to this address.
func (h *serveHandler) crossOrigin(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		r = r.WithContext(r.Context()) // a shallow copy, checked as a write
		r.Method = http.MethodPost
	}
	return h.cop.Check(r)
}

// accountPath returns the account path a proxy request names
// ("/kommo/api/v4/leads/7/notes" → "/api/v4/leads/7/notes"): the decoded
// path, its segments letters, digits, "_" and "-" only, cleaned of empty
// segments, under /api/v4/. It refuses "." and ".." segments, encoded or
// not, and encoded slashes, backslashes and percent signs: a server behind
// the account's front that decodes or normalises again would see other
// segments than the ones checked here. A refusal comes with its HTTP
// status and reason.
func accountPath(r *http.Request) (p string, status int, why string) {
	const only = ": the proxy forwards plain /api/v4/ paths only"
	raw := strings.ToLower(r.URL.EscapedPath())
	for _, enc := range []struct{ s, name string }{{"%2f", "an encoded slash"}, {"%5c", "an encoded backslash"}, {`\`, "a backslash"}, {"%25", "an encoded percent sign"}} {
		if strings.Contains(raw, enc.s) {
			return "", http.StatusBadRequest, "path refused (" + enc.name + ")" + only
		}
	}
	rest, _ := strings.CutPrefix(r.URL.Path, proxyPrefix)
	for _, seg := range strings.Split(rest, "/") {
		if seg == "." || seg == ".." {
			return "", http.StatusBadRequest, "path refused (a " + strconv.Quote(seg) + " segment)" + only
		}
		for _, c := range seg {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return "", http.StatusBadRequest, "path refused (character " + strconv.QuoteRune(c) + ")" + only
			}
		}
	}
	p = path.Clean("/" + rest)
	if strings.HasSuffix(rest, "/") && p != "/" {
		p += "/"
	}
	if !strings.HasPrefix(p, "/api/v4/") {
		return "", http.StatusNotFound, "the proxy forwards /api/v4/ only"
	}
	return p, 0, ""
}

// serveProxy forwards a request of our page to the account, with the token.
func (h *serveHandler) serveProxy(w http.ResponseWriter, r *http.Request) {
	p, status, why := accountPath(r)
	if status != 0 {
		writeJSONError(w, status, why)
		return
	}
	if err := h.crossOrigin(r); err != nil {
		writeJSONError(w, http.StatusForbidden, "cross-origin request refused ("+err.Error()+"): the proxy serves this page only")
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST, PATCH")
		writeJSONError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not proxied")
		return
	}
	// What goes upstream: the cleaned path (see the Rewrite) and the body
	// read here.
	r = r.WithContext(r.Context())
	u := *r.URL
	u.Path, u.RawPath = proxyPrefix+p, ""
	r.URL = &u
	// A body over the limit is refused before anything is forwarded: by
	// its Content-Length at once, or, sent in chunks, once limit+1 bytes
	// have been read. A body within it goes upstream whole, with its length.
	limit := h.cfg.maxBody
	tooLarge := fmt.Sprintf("request body over %d bytes", limit)
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		writeJSONError(w, http.StatusRequestEntityTooLarge, tooLarge)
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, "reading the request body: "+err.Error())
			return
		}
		if int64(len(body)) > limit {
			w.Header().Set("Connection", "close")
			writeJSONError(w, http.StatusRequestEntityTooLarge, tooLarge)
			return
		}
		r.Body, r.ContentLength, r.TransferEncoding = io.NopCloser(bytes.NewReader(body)), int64(len(body)), nil
	}
	if err := h.cfg.limiter.Wait(r.Context()); err != nil {
		writeJSONError(w, http.StatusServiceUnavailable, "request budget: "+err.Error())
		return
	}
	h.proxy.ServeHTTP(w, r)
}

// serveInfo tells the page which account it works on (never the token).
func (h *serveHandler) serveInfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(struct {
		Account  string `json:"account"`
		Emulator bool   `json:"emulator"`
		Proxy    string `json:"proxy"`
		Version  string `json:"version"`
		WASM     bool   `json:"wasm"`
	}{h.cfg.account, h.cfg.emulator != nil, proxyPrefix, version, web.WASMBuilt()})
}

// serveEmulatorState shows what the emulator's account holds (with
// --emulator only): for a trial, and for the browser tests.
func (h *serveHandler) serveEmulatorState(w http.ResponseWriter, r *http.Request) {
	if err := h.crossOrigin(r); err != nil {
		writeJSONError(w, http.StatusForbidden, "cross-origin request refused ("+err.Error()+")")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(h.cfg.emulator.Snapshot())
}

func (h *serveHandler) serveFile(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	switch {
	case p == "" || p == ".":
		p = "index.html"
	case strings.HasSuffix(r.URL.Path, "/"):
		p += "/index.html"
	}
	if (p == web.WASM || p == "dist/wasm_exec.js") && !web.WASMBuilt() {
		http.Error(w, "the wasm engine is not built into this binary: run make build (or make wasm-build before go build)", http.StatusServiceUnavailable)
		return
	}
	body, _, err := openContent(h.cfg.files, p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer body.Close()
	ctype := mime.TypeByExtension(path.Ext(p))
	switch path.Ext(p) {
	case ".wasm":
		ctype = "application/wasm"
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".ts", ".md":
		ctype = "text/plain; charset=utf-8"
	case ".html":
		ctype = "text/html; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	if p == web.WASM {
		// make wasm-build compresses the engine once, with Brotli (a
		// third smaller) and gzip; a browser takes either as it is.
		w.Header().Add("Vary", "Accept-Encoding")
		for _, enc := range []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
			if !acceptsEncoding(r.Header.Get("Accept-Encoding"), enc.name) {
				continue
			}
			if c, size, err := openContent(h.cfg.files, p+enc.ext); err == nil {
				if size == 0 {
					c.Close()
					continue
				}
				w.Header().Set("Content-Encoding", enc.name)
				body.Close()
				body = c
				break
			}
		}
	}
	http.ServeContent(w, r, "", time.Time{}, body)
}

// content is a file of the served tree, readable at random.
type content interface {
	io.ReadSeeker
	io.Closer
}

// openContent opens the regular file name of fsys and returns its size.
// The files of an embed.FS (and of os.DirFS) seek, so they are served
// without a copy; any other is read into memory.
func openContent(fsys fs.FS, name string) (content, int64, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fs.ErrNotExist
	}
	if c, ok := f.(content); ok {
		return c, st.Size(), nil
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, err
	}
	return readSeekNopCloser{bytes.NewReader(b)}, int64(len(b)), nil
}

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }

// acceptsEncoding reports whether an Accept-Encoding header value lists
// coding enc (case-insensitive) without refusing it with q=0.
func acceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": msg})
}
