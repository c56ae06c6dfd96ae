package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/kommo-bulk/kommo-bulk/web"
)

const serveTestToken = "serve-secret-token-0123456789"

// upstreamRecorder is a fake account that records what reached it: the
// requests, with the request target as it arrived and the whole body.
type upstreamRecorder struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
}

func (u *upstreamRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		body = append(body, "<read error: "+err.Error()+">"...)
	}
	u.mu.Lock()
	u.reqs = append(u.reqs, r.Clone(context.Background()))
	u.bodies = append(u.bodies, body)
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/hal+json")
	w.Header().Set("Set-Cookie", "session=upstream")
	w.Header().Set("X-Request-Id", "req-1")
	io.WriteString(w, `{"_page":1,"_links":{"self":{"href":"https://acme.kommo.com/api/v4/leads"}},"_embedded":{"leads":[]}}`)
}

func (u *upstreamRecorder) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

func (u *upstreamRecorder) last() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.reqs[len(u.reqs)-1]
}

func (u *upstreamRecorder) lastBody() []byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.bodies[len(u.bodies)-1]
}

// setupServe returns the serve handler in front of a recording upstream
// mounted under /sub/ (so that the proxy's path joining shows).
func setupServe(t *testing.T, files fs.FS) (*httptest.Server, *upstreamRecorder) {
	return setupServeConfig(t, serveConfig{files: files})
}

// setupServeConfig is setupServe with the other settings of cfg.
func setupServeConfig(t *testing.T, cfg serveConfig) (*httptest.Server, *upstreamRecorder) {
	t.Helper()
	rec := &upstreamRecorder{}
	up := httptest.NewServer(rec)
	t.Cleanup(up.Close)
	cfg.upstream, _ = url.Parse(up.URL + "/sub/")
	if cfg.files == nil {
		cfg.files = web.Files
	}
	cfg.token, cfg.account = serveTestToken, "acme.kommo.com"
	h, err := newServeHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, rec
}

func do(t *testing.T, method, u string, hdr map[string]string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// rawDo sends a request to srv exactly as written: the request line with
// target as is (no client normalises it), the headers and body, and reads
// the answer (the first one: a 100 Continue is returned as such).
func rawDo(t *testing.T, srv *httptest.Server, method, target string, hdr []string, body string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, srv.Listener.Addr())
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n" + body)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	return resp, rb
}

// TestServeProxyPaths sends hostile paths as they go on the wire and checks
// that none reaches the account, and that good ones reach it as meant.
func TestServeProxyPaths(t *testing.T) {
	srv, rec := setupServe(t, nil)
	refused := []struct {
		target string
		want   int
		why    string
	}{
		{"/kommo/api/v4/%2e%2e/%2e%2e/oauth2/access_token", 400, `".."`},
		{"/kommo/api/v4/%2E%2e/%2e%2E/oauth2/access_token", 400, `".."`},
		{"/kommo/api/v4/../../oauth2/access_token", 400, `".."`},
		{"/kommo/api/v4/leads/../../../oauth2/access_token", 400, `".."`},
		{"/kommo/%2e%2e/kommo/api/v4/leads", 400, `".."`},
		{"/kommo/api/v4/./leads", 400, `"."`},
		{"/kommo/api/v4/%2e/leads", 400, `"."`},
		{"/kommo/api/v4/leads%2f..%2f..%2foauth2%2faccess_token", 400, "encoded slash"},
		{"/kommo/api/v4/leads%2F%2E%2E%2F%2E%2E%2Foauth2", 400, "encoded slash"},
		{"/kommo/api%2fv4/leads", 400, "encoded slash"},
		{"/kommo/api/v4/..%5c..%5coauth2%5caccess_token", 400, "backslash"},
		{"/kommo/api/v4/leads%5C", 400, "backslash"},
		{`/kommo/api/v4/..\..\oauth2\access_token`, 400, "backslash"},
		{"/kommo/api/v4/%252e%252e/%252e%252e/oauth2/access_token", 400, "percent"},
		{"/kommo/api/v4/leads%252f..%252f..%252foauth2", 400, "percent"},
		{"/kommo/api/v4/..;/..;/oauth2/access_token", 400, `'.'`},
		{"/kommo/api/v4/leads;/../../oauth2/access_token", 400, `';'`},
		{"/kommo/api/v4/leads;jsessionid=1", 400, `';'`},
		{"/kommo/api/v4/%2e%2e", 400, `".."`},
		{"/kommo/api/v4/leads/%2e%2e", 400, `".."`},
		{"/kommo/api/v4/leads/%2e", 400, `"."`},
		{"/kommo/api/v4/leads%2e", 400, `'.'`},
		{"/kommo/api/v4/leads%00", 400, `'\x00'`},
		{"/kommo/api/v4/leads%20", 400, `' '`},
		{"/kommo/api/v4/leads%0d%0aX-Injected:%201", 400, `'\r'`},
		{"/kommo/api/v4/leads%3f/../../oauth2/access_token", 400, `'?'`},
		{"/kommo/api/v4/leads%23/../../oauth2/access_token", 400, `'#'`},
		{"/kommo/oauth2/access_token", 404, "/api/v4/ only"},
		{"/kommo/api/v4", 404, "/api/v4/ only"},
		{"/kommo", 404, "/api/v4/ only"},
	}
	for _, tt := range refused {
		before := rec.count()
		resp, body := rawDo(t, srv, "GET", tt.target, nil, "")
		var e struct{ Detail string }
		if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != tt.want || !strings.Contains(e.Detail, tt.why) {
			t.Errorf("GET %s = %d %s, want %d naming %s", tt.target, resp.StatusCode, body, tt.want, tt.why)
		}
		if n := rec.count() - before; n != 0 {
			t.Errorf("GET %s: %d requests reached the account (the last as %s), want none", tt.target, n, rec.last().RequestURI)
		}
	}
	// The query string passes as it came; it cannot change the path.
	good := []struct{ target, want string }{
		{"/kommo/api/v4/leads", "/sub/api/v4/leads"},
		{"/kommo/api/v4/leads/", "/sub/api/v4/leads/"},
		{"/kommo/api/v4//leads", "/sub/api/v4/leads"},
		{"/kommo/api/v4/lead%73/custom_fields", "/sub/api/v4/leads/custom_fields"},
		{"/kommo/api/v4/leads/10000001/notes?filter[note_type]=call_in", "/sub/api/v4/leads/10000001/notes?filter[note_type]=call_in"},
		{"/kommo/api/v4/leads?next=/../../oauth2/access_token", "/sub/api/v4/leads?next=/../../oauth2/access_token"},
		{"/kommo/api/v4/leads?q=%2e%2e%2f%2e%2e%2foauth2%5c&page=2", "/sub/api/v4/leads?q=%2e%2e%2f%2e%2e%2foauth2%5c&page=2"},
		{"/kommo/api/v4/leads??/../oauth2", "/sub/api/v4/leads??/../oauth2"},
	}
	for _, tt := range good {
		before := rec.count()
		resp, body := rawDo(t, srv, "GET", tt.target, nil, "")
		if resp.StatusCode != 200 || rec.count() != before+1 {
			t.Errorf("GET %s = %d %s, %d requests upstream; want 200, one", tt.target, resp.StatusCode, body, rec.count()-before)
			continue
		}
		if got := rec.last().RequestURI; got != tt.want {
			t.Errorf("GET %s reached the account as %s, want %s", tt.target, got, tt.want)
		}
	}
}

// TestServeProxyBodyLimit checks that a body over the limit is answered
// 413 before anything goes upstream, and that one within it goes whole.
func TestServeProxyBodyLimit(t *testing.T) {
	const limit = 1000
	srv, rec := setupServeConfig(t, serveConfig{maxBody: limit})
	leads := "/kommo/api/v4/leads"
	chunked := func(body string) string {
		// Two chunks, so that no single chunk tells the total.
		half := len(body) / 2
		return fmt.Sprintf("%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n", half, body[:half], len(body)-half, body[half:])
	}
	over, exact := strings.Repeat("x", limit+1), strings.Repeat("y", limit)
	tests := []struct {
		name string
		hdr  []string
		body string
		want int
		got  string // the body the account gets, if it gets one
	}{
		// The answer comes before the body is asked for: no 100 Continue.
		{"Content-Length over the limit", []string{"Content-Length: 1001", "Expect: 100-continue"}, "", 413, ""},
		{"Content-Length over the limit, body sent", []string{"Content-Length: 1001"}, over, 413, ""},
		{"chunked over the limit", []string{"Transfer-Encoding: chunked"}, chunked(over), 413, ""},
		{"chunked at the limit", []string{"Transfer-Encoding: chunked"}, chunked(exact), 200, exact},
		{"Content-Length at the limit", []string{"Content-Length: 1000"}, exact, 200, exact},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rec.count()
			resp, body := rawDo(t, srv, "POST", leads, append(tt.hdr, "Content-Type: application/json"), tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("POST = %d %s, want %d", resp.StatusCode, body, tt.want)
			}
			if tt.want == 413 && !bytes.Contains(body, []byte("over 1000 bytes")) {
				t.Errorf("413 body %s does not name the limit", body)
			}
			n := rec.count() - before
			switch {
			case tt.got == "" && n != 0:
				t.Errorf("%d requests reached the account (the last with %d bytes), want none", n, len(rec.lastBody()))
			case tt.got != "" && n != 1:
				t.Errorf("%d requests reached the account, want one", n)
			case tt.got != "":
				if r, b := rec.last(), rec.lastBody(); string(b) != tt.got || r.ContentLength != int64(len(tt.got)) {
					t.Errorf("the account got %d bytes (Content-Length %d), want the %d sent", len(b), r.ContentLength, len(tt.got))
				}
			}
		})
	}
	// The default limit is 16 MiB, refused by its Content-Length at once.
	srv, rec = setupServe(t, nil)
	resp, body := rawDo(t, srv, "POST", leads, []string{"Content-Length: 16777217", "Expect: 100-continue"}, "")
	if resp.StatusCode != 413 || !bytes.Contains(body, []byte("over 16777216 bytes")) || rec.count() != 0 {
		t.Errorf("POST of 16 MiB + 1 = %d %s, %d requests upstream; want 413 at once, none", resp.StatusCode, body, rec.count())
	}
}

func TestServeProxyInjectsToken(t *testing.T) {
	srv, rec := setupServe(t, nil)
	origin := srv.URL
	resp, body := do(t, "POST", srv.URL+"/kommo/api/v4/leads?with=contacts", map[string]string{
		"Authorization":  "Bearer browser-supplied",
		"Cookie":         "k=v",
		"Origin":         origin,
		"Sec-Fetch-Site": "same-origin",
		"Content-Type":   "application/json",
	}, strings.NewReader(`[{"name":"Deal"}]`))
	if resp.StatusCode != 200 {
		t.Fatalf("POST through the proxy = %d %s, want 200", resp.StatusCode, body)
	}
	r := rec.last()
	if got, want := r.Header.Get("Authorization"), "Bearer "+serveTestToken; got != want {
		t.Errorf("upstream Authorization = %q, want %q", got, want)
	}
	if r.Header.Get("Cookie") != "" || r.Header.Get("Origin") != "" {
		t.Errorf("upstream got Cookie %q and Origin %q, want neither", r.Header.Get("Cookie"), r.Header.Get("Origin"))
	}
	if r.URL.Path != "/sub/api/v4/leads" || r.URL.RawQuery != "with=contacts" || r.Method != "POST" {
		t.Errorf("upstream request = %s %s?%s, want POST /sub/api/v4/leads?with=contacts", r.Method, r.URL.Path, r.URL.RawQuery)
	}
	if resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("the proxy passed Set-Cookie %q to the browser", resp.Header.Get("Set-Cookie"))
	}
	if resp.Header.Get("X-Request-Id") != "req-1" || !bytes.Contains(body, []byte(`"_embedded"`)) {
		t.Errorf("proxied response = %v %s, want the upstream's headers and body", resp.Header, body)
	}
}

// TestServeTokenNeverReachesClient reads everything the browser can get
// from serve (page, module, info, proxied answers, proxy errors) and looks
// for the token.
func TestServeTokenNeverReachesClient(t *testing.T) {
	srv, _ := setupServe(t, nil)
	var got bytes.Buffer
	collect := func(resp *http.Response, body []byte) {
		resp.Header.Write(&got)
		got.Write(body)
	}
	paths := []string{"/", "/serve.json", "/kommo/api/v4/leads", "/kommo/oauth2/access_token", "/nope"}
	fs.WalkDir(web.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".wasm") {
			paths = append(paths, "/"+p)
		}
		return nil
	})
	for _, p := range paths {
		collect(do(t, "GET", srv.URL+p, nil, nil))
	}
	// An upstream that is down: the error must not name the token either.
	down, _ := url.Parse("http://127.0.0.1:1/")
	h, err := newServeHandler(serveConfig{files: web.Files, upstream: down, token: serveTestToken})
	if err != nil {
		t.Fatal(err)
	}
	ds := httptest.NewServer(h)
	defer ds.Close()
	resp, body := do(t, "GET", ds.URL+"/kommo/api/v4/leads", nil, nil)
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("proxy to a down upstream = %d, want 502", resp.StatusCode)
	}
	collect(resp, body)
	if len(paths) < 8 {
		t.Fatalf("read only %d paths: %v", len(paths), paths)
	}
	if bytes.Contains(got.Bytes(), []byte(serveTestToken)) {
		t.Errorf("the token reached the client in: %s", got.String())
	}
}

func TestServeRejectsCrossOrigin(t *testing.T) {
	srv, rec := setupServe(t, nil)
	host := strings.TrimPrefix(srv.URL, "http://")
	leads := srv.URL + "/kommo/api/v4/leads"
	tests := []struct {
		name   string
		method string
		hdr    map[string]string
		want   int
	}{
		{"same origin", "GET", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}, 200},
		{"same-origin POST", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}, 200},
		{"same-origin POST of an older browser (Origin only)", "POST", map[string]string{"Origin": srv.URL}, 200},
		{"a program's POST (no browser headers)", "POST", nil, 200},
		{"a program's PATCH (no browser headers)", "PATCH", nil, 200},
		{"cross-site POST", "POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403},
		{"cross-site PATCH claiming our Origin", "PATCH", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": srv.URL}, 403},
		{"cross-site HEAD", "HEAD", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"a program (no browser headers)", "GET", nil, 200},
		{"typed in the address bar", "GET", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"another site's fetch", "GET", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403},
		{"a sibling site", "POST", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"foreign Origin without fetch metadata", "POST", map[string]string{"Origin": "https://evil.example"}, 403},
		{"Origin of another port", "POST", map[string]string{"Origin": "http://127.0.0.1:1"}, 403},
		{"null Origin", "POST", map[string]string{"Origin": "null"}, 403},
		{"DNS rebinding (foreign Host)", "GET", map[string]string{"Host": "evil.example:" + strings.Split(host, ":")[1], "Sec-Fetch-Site": "same-origin"}, 421},
		{"localhost by name", "GET", map[string]string{"Host": "localhost:" + strings.Split(host, ":")[1]}, 200},
		{"method not proxied", "DELETE", map[string]string{"Sec-Fetch-Site": "same-origin"}, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rec.count()
			resp, body := do(t, tt.method, leads, tt.hdr, nil)
			if resp.StatusCode != tt.want {
				t.Errorf("%s %v = %d %s, want %d", tt.method, tt.hdr, resp.StatusCode, body, tt.want)
			}
			reached := rec.count() - before
			if wantReached := map[bool]int{true: 1, false: 0}[tt.want == 200]; reached != wantReached {
				t.Errorf("%d requests reached the account, want %d", reached, wantReached)
			}
		})
	}
	resp, _ := do(t, "GET", srv.URL+"/kommo/oauth2/access_token", nil, nil)
	if resp.StatusCode != 404 {
		t.Errorf("GET /kommo/oauth2/access_token = %d, want 404 (only /api/v4/ is proxied)", resp.StatusCode)
	}
}

func TestServeFiles(t *testing.T) {
	srv, _ := setupServe(t, nil)
	tests := []struct{ path, ctype, contains string }{
		{"/", "text/html; charset=utf-8", "<html"},
		{"/kommo-bulk.js", "text/javascript; charset=utf-8", "export async function load"},
		{"/kommo-bulk-worker.js", "text/javascript; charset=utf-8", "importScripts"},
		{"/kommo-bulk.d.ts", "text/plain; charset=utf-8", "export class KommoBulk"},
		{"/app.css", "text/css; charset=utf-8", ""},
		{"/example/", "text/html; charset=utf-8", "kommo-bulk.js"},
	}
	for _, tt := range tests {
		resp, body := do(t, "GET", srv.URL+tt.path, nil, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ctype || !bytes.Contains(body, []byte(tt.contains)) {
			t.Errorf("GET %s = %d %q (%d bytes), want 200 %q containing %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), tt.ctype, tt.contains)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") || !strings.Contains(csp, "'wasm-unsafe-eval'") {
			t.Errorf("GET %s: Content-Security-Policy %q", tt.path, csp)
		}
	}
	for _, p := range []string{"/go.mod", "/../go.mod", "/web.go", "/e2e/package.json"} {
		if resp, _ := do(t, "GET", srv.URL+p, nil, nil); resp.StatusCode == 200 {
			t.Errorf("GET %s = 200, want it refused", p)
		}
	}
	if resp, _ := do(t, "POST", srv.URL+"/", nil, nil); resp.StatusCode != 405 {
		t.Errorf("POST / = %d, want 405", resp.StatusCode)
	}
	var info struct {
		Account string `json:"account"`
		Proxy   string `json:"proxy"`
		WASM    bool   `json:"wasm"`
	}
	_, body := do(t, "GET", srv.URL+"/serve.json", nil, nil)
	if err := json.Unmarshal(body, &info); err != nil || info.Account != "acme.kommo.com" || info.Proxy != "/kommo" {
		t.Errorf("serve.json = %s (%v), want account acme.kommo.com behind /kommo", body, err)
	}
	if info.WASM != web.WASMBuilt() {
		t.Errorf("serve.json wasm = %v, want %v", info.WASM, web.WASMBuilt())
	}
}

// TestServeWASM checks the embedded engine: built by make (which sets
// KOMMO_BULK_REQUIRE_WASM), or else a clear 503 from a go test on a clean
// clone.
func TestServeWASM(t *testing.T) {
	if os.Getenv("KOMMO_BULK_REQUIRE_WASM") != "" && !web.WASMBuilt() {
		t.Fatal("web/dist has no kommo-bulk.wasm: make wasm-build must run before go test")
	}
	srv, _ := setupServe(t, nil)
	if !web.WASMBuilt() {
		resp, body := do(t, "GET", srv.URL+"/"+web.WASM, nil, nil)
		if resp.StatusCode != 503 || !bytes.Contains(body, []byte("make")) {
			t.Errorf("GET the unbuilt wasm = %d %s, want 503 naming make", resp.StatusCode, body)
		}
		return
	}
	want, _ := fs.ReadFile(web.Files, web.WASM)
	resp, body := do(t, "GET", srv.URL+"/"+web.WASM, nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/wasm" || !bytes.Equal(body, want) {
		t.Errorf("GET wasm = %d %q, %d bytes; want 200 application/wasm, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(want))
	}
	if !bytes.HasPrefix(body, []byte("\x00asm")) {
		t.Errorf("the wasm starts %q, want the \\0asm magic", body[:min(4, len(body))])
	}
	resp, body = do(t, "GET", srv.URL+"/"+web.WASM, map[string]string{"Accept-Encoding": "gzip"}, nil)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	// The gzip trailer holds the CRC-32 and size of what it unzips to
	// (inflating all of it under -race takes seconds); the start is
	// inflated for real.
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1<<16)
	if _, err := io.ReadFull(zr, head); err != nil || !bytes.Equal(head, want[:len(head)]) {
		t.Errorf("gzip wasm: the first %d bytes unzip to something else (%v)", len(head), err)
	}
	n := len(body)
	crc, size := binary.LittleEndian.Uint32(body[n-8:]), binary.LittleEndian.Uint32(body[n-4:])
	if crc != crc32.ChecksumIEEE(want) || size != uint32(len(want)) || n >= len(want) {
		t.Errorf("gzip wasm: %d bytes for crc %08x size %d, want fewer bytes, crc %08x size %d", n, crc, size, crc32.ChecksumIEEE(want), len(want))
	}
	// Brotli first when the browser takes it (Chromium lists it, even
	// over plain http to 127.0.0.1), all of it decoded: br has no
	// checksum of its own.
	gzipped := body
	resp, body = do(t, "GET", srv.URL+"/"+web.WASM, map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"}, nil)
	if resp.Header.Get("Content-Encoding") != "br" || resp.Header.Get("Content-Type") != "application/wasm" {
		t.Fatalf("Content-Encoding = %q, Content-Type = %q; want br, application/wasm", resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Type"))
	}
	if got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(body))); err != nil || !bytes.Equal(got, want) {
		t.Errorf("br wasm: %d bytes decode to %d bytes (%v), want the %d-byte wasm", len(body), len(got), err, len(want))
	}
	if len(body) >= len(gzipped) {
		t.Errorf("br wasm: %d bytes, not fewer than gzip's %d", len(body), len(gzipped))
	}
	t.Logf("wasm: %d bytes raw, %d gzip, %d br", len(want), len(gzipped), len(body))
	resp, _ = do(t, "GET", srv.URL+"/"+web.WASM, map[string]string{"Accept-Encoding": "br;q=0, gzip"}, nil)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("br refused with q=0: Content-Encoding = %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	_, js := do(t, "GET", srv.URL+"/dist/wasm_exec.js", nil, nil)
	if !bytes.Contains(js, []byte("globalThis.Go")) {
		t.Errorf("wasm_exec.js does not define Go")
	}
}

func TestAcceptsEncoding(t *testing.T) {
	for _, tt := range []struct {
		header, enc string
		want        bool
	}{
		{"gzip, deflate, br, zstd", "br", true},
		{"gzip, deflate, br, zstd", "gzip", true},
		{"gzip, deflate", "br", false},
		{"BR", "br", true},
		{" br ;q=0.5", "br", true},
		{"br;q=0", "br", false},
		{"br; q=0.000, gzip", "br", false},
		{"brotli", "br", false},
		{"x-gzip", "gzip", false},
		{"", "gzip", false},
	} {
		if got := acceptsEncoding(tt.header, tt.enc); got != tt.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v, want %v", tt.header, tt.enc, got, tt.want)
		}
	}
}

func TestServeFilesOverride(t *testing.T) {
	files := fstest.MapFS{"index.html": {Data: []byte("<html>test")}}
	srv, _ := setupServe(t, files)
	_, body := do(t, "GET", srv.URL+"/", nil, nil)
	if string(body) != "<html>test" {
		t.Errorf("GET / = %q, want the given files' index", body)
	}
}

// TestServeCommandEmulator runs "kommo-bulk serve --emulator" and uses the
// account through the proxy.
func TestServeCommandEmulator(t *testing.T) {
	var stderr bytes.Buffer
	m := &Main{Stdout: io.Discard, Stderr: &syncWriter{w: &stderr}, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(t.Context())
	addrc := make(chan string, 1)
	cmd := &ServeCommand{m: m, ready: func(a string) { addrc <- a }}
	errc := make(chan error, 1)
	go func() { errc <- cmd.Run(ctx, []string{"--emulator", "--emulator-rate", "0", "--addr", "127.0.0.1:0"}) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatalf("serve --emulator = %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	base := "http://" + addr
	resp, body := do(t, "GET", base+"/kommo/api/v4/leads/pipelines", map[string]string{"Sec-Fetch-Site": "same-origin"}, nil)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("pipelines")) {
		t.Errorf("pipelines through the proxy = %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", base+"/emulator/state", nil, nil)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"pipelines"`)) {
		t.Errorf("emulator state = %d %.200s", resp.StatusCode, body)
	}
	if resp, _ := do(t, "GET", base+"/emulator/state", map[string]string{"Sec-Fetch-Site": "cross-site"}, nil); resp.StatusCode != 403 {
		t.Errorf("cross-site emulator state = %d, want 403", resp.StatusCode)
	}
	_, body = do(t, "GET", base+"/serve.json", nil, nil)
	if !bytes.Contains(body, []byte(`"emulator":true`)) {
		t.Errorf("serve.json = %s, want emulator true", body)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("serve after cancel = %v, want nil", err)
	}
	if !strings.Contains(stderr.String(), "open http://"+addr+"/") {
		t.Errorf("stderr = %q, want the address to open", stderr.String())
	}
}

func TestServeCommandUsage(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no account", nil, nil, "no account"},
		{"no token", map[string]string{"KOMMO_SUBDOMAIN": "acme"}, nil, "no credentials"},
		{"oauth", map[string]string{"KOMMO_SUBDOMAIN": "acme", "KOMMO_OAUTH_FILE": "x.json"}, nil, "long-lived token"},
		{"bad subdomain", map[string]string{"KOMMO_SUBDOMAIN": "a b", "KOMMO_TOKEN": "t"}, nil, "invalid subdomain"},
		{"argument", nil, []string{"extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			m := &Main{Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return tt.env[k] }}
			code := m.Run(t.Context(), append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...))
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("serve (%s) = exit %d, %q; want exit %d mentioning %q", tt.name, code, stderr.String(), exitUsage, tt.want)
			}
		})
	}
}

// syncWriter lets the server goroutine and the test write one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
