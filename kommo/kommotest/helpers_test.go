package kommotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

const testToken = "test-token"

// fakeClock is a deterministic clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Unix(1700000000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	srv   *Server
	ts    *httptest.Server
	clock *fakeClock
}

// newEnv starts an emulator with an unlimited rate, a fake clock and the
// test token; mod may adjust the options.
func newEnv(t *testing.T, mod func(*Options)) *env {
	t.Helper()
	clock := newClock()
	opts := Options{Tokens: []string{testToken}, Rate: rate.Inf, Now: clock.Now}
	if mod != nil {
		mod(&opts)
	}
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, srv: srv, ts: ts, clock: clock}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	return v
}

func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("body is not an object: %s", r.body)
	}
	return m
}

// do sends a request; body may be a string (sent verbatim) or a value to
// marshal.
func (e *env) do(method, path string, body any) resp {
	e.t.Helper()
	return e.doToken(method, path, body, testToken)
}

func (e *env) doToken(method, path string, body any, token string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

// must sends a request and fails unless it answers want.
func (e *env) must(want int, method, path string, body any) resp {
	e.t.Helper()
	r := e.do(method, path, body)
	if r.status != want {
		e.t.Fatalf("%s %s = %d, want %d\n%s", method, path, r.status, want, r.body)
	}
	return r
}

// ids extracts _embedded.<key>[].id from a write response.
func ids(t *testing.T, r resp, key string) []int {
	t.Helper()
	items := dig(r.json(t), "_embedded", key).([]any)
	out := make([]int, len(items))
	for i, it := range items {
		out[i] = int(it.(map[string]any)["id"].(float64))
	}
	return out
}

// dig walks maps (string keys) and slices (int keys).
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// golden compares a JSON body structurally with
// testdata/golden/<TestName>/<name>.json, rewriting it with UPDATE_GOLDEN=1.
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	top, _, _ := strings.Cut(t.Name(), "/")
	path := filepath.Join("testdata", "golden", top, name+".json")
	var got any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("golden %s: body is not JSON: %v", name, err)
	}
	if os.Getenv("UPDATE_GOLDEN") != "" {
		pretty, _ := json.MarshalIndent(got, "", "  ")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(pretty, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run with UPDATE_GOLDEN=1)", name, err)
	}
	var want any
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("golden %s: %v", path, err)
	}
	if !reflect.DeepEqual(got, want) {
		pretty, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("golden %s mismatch; got:\n%s\nwant file %s", name, pretty, path)
	}
}

func jsonEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	var gv, wv any
	_ = json.Unmarshal(g, &gv)
	_ = json.Unmarshal(w, &wv)
	if !reflect.DeepEqual(gv, wv) {
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func path(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// sub returns the env bound to a subtest's t.
func (e *env) sub(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}
