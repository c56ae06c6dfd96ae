package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/time/rate"

	kt "github.com/kommo-bulk/kommo-bulk/kommo/kommotest"
	"github.com/kommo-bulk/kommo-bulk/migrate"
)

func TestJSONFlagReadsTheCommandLine(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"--json", "file.csv"}, true},
		{[]string{"-json"}, true},
		{[]string{"file.csv", "--json"}, true},
		{[]string{"--json=true"}, true},
		{[]string{"--json=false"}, false},
		{[]string{"--json", "--json=false"}, false},
		{[]string{"--nope", "--json"}, true},    // parsing stops at --nope
		{[]string{"--query", "--json"}, false},  // the value of --query
		{[]string{"--query=x", "--json"}, true}, // the value is in the argument
		{[]string{"--dry-run", "--json"}, true}, // a bool flag takes no value
		{[]string{"--", "--json"}, false},       // a positional argument
		{[]string{"--query", "x", "file.csv"}, false},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.String("query", "", "")
		fs.Bool("dry-run", false, "")
		fs.Bool("json", false, "")
		var j jsonFlag
		j.watch(fs, tt.args)
		if got := j.jsonOutput(); got != tt.want {
			t.Errorf("jsonOutput(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

// jsonFailure is what a failed --json run prints on stdout.
type jsonFailure struct {
	Error *failure `json:"error"`
}

// decodeOne decodes stdout as exactly one JSON object into v.
func decodeOne(t *testing.T, stdout string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not JSON (%v):\n%s", err, stdout)
	}
	var more json.RawMessage
	if err := dec.Decode(&more); err != io.EOF {
		t.Fatalf("stdout holds more than one JSON value (next: %s, %v):\n%s", more, err, stdout)
	}
}

// echoAccount answers every request 401 with the request's Authorization
// header in the detail, as a careless proxy in front of an account might.
func echoAccount(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"title": "Unauthorized", "status": 401, "detail": "refused " + r.Header.Get("Authorization") + " for " + r.URL.String()})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestJSONFailures runs every command that has --json into a failure
// through Main and checks that stdout is one JSON object with the error
// (and the partial counts or report, when there are some), that stderr
// still has the message, and that the token is nowhere.
func TestJSONFailures(t *testing.T) {
	const token = "secret-token-0123456789abcdef"
	e := newCLIEnv(t)
	emu, err := kt.NewServer(kt.Options{Tokens: []string{token}, Rate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	emuSrv := httptest.NewServer(emu)
	t.Cleanup(func() { emuSrv.Close(); emu.Close() })
	e.env = map[string]string{"KOMMO_BASE_URL": emuSrv.URL, "KOMMO_TOKEN": token}
	spec := filepath.Join(e.dir, "contacts.yaml")
	input := e.write(t, "contacts.csv", "Name,Email,Phone,Company\n"+
		"Ada Lovelace,ada@example.org,07911 123456,Acme\n"+
		"Bad Key,bad@@example.org,,Globex\n") // no e-mail to match by, nor a phone

	echo := echoAccount(t)
	emuEnv := e.env
	echoEnv := map[string]string{"KOMMO_BASE_URL": echo, "KOMMO_TOKEN": token}
	canceled, cancel := context.WithCancel(t.Context())
	cancel()

	tests := []struct {
		name    string
		env     map[string]string
		ctx     context.Context
		args    []string
		code    string
		exit    int
		message string
		partial func(t *testing.T, stdout string) // checks the partial result, if any
	}{
		{name: "import usage", env: emuEnv, args: []string{"import", "--json"}, code: "usage", exit: exitUsage, message: "no input file"},
		{name: "import bad flag before --json", env: emuEnv, args: []string{"import", "--nope", "--json", input}, code: "usage", exit: exitUsage, message: "flag provided but not defined: -nope"},
		{name: "import file error", env: emuEnv, args: []string{"import", "--json", "--mapping", spec, filepath.Join(e.dir, "missing.csv")}, code: "failed", exit: exitFailed, message: "missing.csv: no such file"},
		{name: "import API error echoing the token", env: echoEnv, args: []string{"import", "--json", "--rate", "0", "--mapping", spec, input}, code: "failed", exit: exitFailed, message: "401 Unauthorized: refused Bearer [token] for /api/v4/"},
		{name: "import interrupted", env: emuEnv, ctx: canceled, args: []string{"import", "--json", "--rate", "0", "--mapping", spec, input}, code: "interrupted", exit: exitFailed, message: "interrupted"},
		{name: "import row errors", env: emuEnv, args: []string{"import", "--json", "--rate", "0", "--mapping", spec, "--mode", "upsert", input}, code: "row_errors", exit: exitRowErrors, message: "some rows were not imported",
			partial: func(t *testing.T, stdout string) {
				var sum importSummary
				decodeOne(t, stdout, &sum)
				if sum.Rows != 2 || sum.Created != 1 || sum.Failed != 1 || !strings.HasSuffix(sum.Errors, "contacts.errors.csv") {
					t.Errorf("partial summary = %+v, want 2 rows, 1 created, 1 failed, the errors file", sum)
				}
			}},
		{name: "undo usage", env: emuEnv, args: []string{"undo", "--json"}, code: "usage", exit: exitUsage, message: "one journal file"},
		{name: "undo file error", env: emuEnv, args: []string{"undo", "--json", filepath.Join(e.dir, "missing.journal")}, code: "failed", exit: exitFailed, message: "missing.journal"},
		{name: "export usage", env: emuEnv, args: []string{"export", "leads", "-o", "-", "--json"}, code: "usage", exit: exitUsage, message: "--json needs -o FILE"},
		{name: "export API error echoing the token", env: echoEnv, args: []string{"export", "leads", "--json", "--rate", "0", "-o", filepath.Join(e.dir, "x.csv")}, code: "failed", exit: exitFailed, message: "401 Unauthorized: refused Bearer [token] for /api/v4/"},
		{name: "schema usage", env: emuEnv, args: []string{"schema", "--json", "nope"}, code: "usage", exit: exitUsage, message: `unknown section "nope"`},
		{name: "schema API error echoing the token", env: echoEnv, args: []string{"schema", "--json", "--rate", "0"}, code: "failed", exit: exitFailed, message: "refused Bearer [token] for /api/v4/"},
		{name: "migrate usage", env: emuEnv, args: []string{"migrate", "--json"}, code: "usage", exit: exitUsage, message: "no files to migrate"},
		{name: "migrate file error", env: emuEnv, args: []string{"migrate", "--json", "--from", "hubspot", filepath.Join(e.dir, "missing.csv")}, code: "failed", exit: exitFailed, message: "missing.csv"},
		{name: "migrate unmatched values", env: emuEnv, args: append([]string{"migrate", "--json", "--create-fields", "--results", e.dir, "--rate", "0", "--job", "u"}, hubspotFiles(t)...),
			code: "failed", exit: exitFailed, message: "stopped before writing",
			partial: func(t *testing.T, stdout string) {
				var rep migrate.Report
				decodeOne(t, stdout, &rep)
				if len(rep.Unmatched) == 0 || rep.IDField == "" {
					t.Errorf("partial report = %+v, want the unmatched values", rep)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, out, errb := testMain(tt.env)
			ctx := tt.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			code := m.Run(ctx, tt.args)
			stdout, stderr := out.String(), errb.String()
			if code != tt.exit {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.exit, stdout, stderr)
			}
			var got jsonFailure
			decodeOne(t, stdout, &got)
			if got.Error == nil || got.Error.Code != tt.code || got.Error.Exit != code || !strings.Contains(got.Error.Message, tt.message) {
				t.Errorf("stdout error = %+v, want code %q, exit %d, a message with %q\n%s", got.Error, tt.code, code, tt.message, stdout)
			} else if tt.code != "row_errors" && !strings.Contains(stderr, "kommo-bulk: "+got.Error.Message) {
				t.Errorf("stderr lacks the message %q:\n%s", got.Error.Message, stderr)
			}
			if tt.partial != nil {
				tt.partial(t, stdout)
			}
			if strings.Contains(stdout+stderr, token) {
				t.Errorf("the token was printed:\nstdout: %s\nstderr: %s", stdout, stderr)
			}
		})
	}
}

// TestJSONFailureShape pins the object: the partial result's fields
// first, then "error"; without a result, "error" alone.
func TestJSONFailureShape(t *testing.T) {
	m, _, _ := testMain(nil)
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&usageError{msg: "no input file", hint: "kommo-bulk import x.csv"}, `{"error":{"message":"no input file","hint":"kommo-bulk import x.csv","code":"usage","exit":2}}`},
		{&partialError{err: errRowErrors, result: exportProgress{Entity: "leads", Rows: 3}}, `{"entity":"leads","rows":3,"pages":0,"error":{"message":"some rows were not imported","code":"row_errors","exit":3}}`},
		{&partialError{err: context.Canceled, result: []int{1}}, `{"result":[1],"error":{"message":"interrupted","code":"interrupted","exit":1}}`},
		{&partialError{err: errors.New("boom"), result: json.RawMessage(`{}`)}, `{"error":{"message":"boom","code":"failed","exit":1}}`},
	} {
		var b strings.Builder
		if err := writeJSONFailure(&b, tt.err, m.failureOf(tt.err)); err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(b.String())); err != nil {
			t.Fatalf("%s: %v", b.String(), err)
		}
		if compact.String() != tt.want {
			t.Errorf("%v:\n got %s\nwant %s", tt.err, compact.String(), tt.want)
		}
	}
}
