// Command kommo-bulk moves data in and out of Kommo CRM in bulk.
//
// Usage:
//
//	kommo-bulk <command> [flags]
//
// Run "kommo-bulk help" for the list of commands and "kommo-bulk <command>
// -h" for each command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/time/rate"
)

// Exit codes, shared by every command.
const (
	exitOK        = 0 // all done
	exitFailed    = 1 // the command failed
	exitUsage     = 2 // bad flags or arguments
	exitRowErrors = 3 // finished, but some rows were rejected
	// exitRetryLater: Kommo's rate limit asked to wait longer than the
	// client waits (EX_TEMPFAIL): run again, or resume, later.
	exitRetryLater = 75
)

func main() {
	ctx, stop := interruptContext(os.Stderr)
	defer stop()
	m := NewMain()
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// interruptContext returns a context that the first SIGINT (Ctrl-C) or
// SIGTERM cancels: the command stops at its next row or request, keeps
// what it must (the journal, the result files) and exits. A second signal
// exits the process at once, with 128 + the signal's number (130 for
// SIGINT, 143 for SIGTERM) as a shell reports it: the way out of a run
// stuck where it cannot see the context, such as a read that never
// returns. stop releases the signals.
func interruptContext(stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "kommo-bulk: stopping; interrupt again to exit now")
		cancel()
		select {
		case sig := <-sigs:
			fmt.Fprintln(stderr, "kommo-bulk: interrupted again, exiting now")
			code := 128 + 2 // SIGINT
			if s, ok := sig.(syscall.Signal); ok {
				code = 128 + int(s)
			}
			os.Exit(code)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// Main is the program: its standard streams and environment are fields so
// tests can run commands in-process.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Limiter, if set, is the one request budget every command run by
	// this Main shares (nil: each command makes its own).
	Limiter *rate.Limiter
}

// NewMain returns a Main on the process's streams and environment.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// command is one subcommand.
type command interface {
	Run(ctx context.Context, args []string) error
}

type commandInfo struct {
	name, summary string
	new           func(m *Main) command
}

func (m *Main) commands() []commandInfo {
	return []commandInfo{
		{"import", "import a CSV or XLSX file into Kommo (create, update, upsert, skip-existing)", func(m *Main) command { return &ImportCommand{m: m} }},
		{"map", "propose a mapping spec for a file (> mapping.yaml)", func(m *Main) command { return &MapCommand{m: m} }},
		{"migrate", "move another CRM's exports (HubSpot, Salesforce, Pipedrive, Zoho, Bitrix24, amoCRM) into Kommo", func(m *Main) command { return &MigrateCommand{m: m} }},
		{"run", "run a job file (scheduled imports and exports)", func(m *Main) command { return &RunCommand{m: m} }},
		{"undo", "revert an import from its journal", func(m *Main) command { return &UndoCommand{m: m} }},
		{"export", "export leads, contacts, companies, tasks, events, pipelines or fields to CSV/XLSX", func(m *Main) command { return &ExportCommand{m: m} }},
		{"schema", "print the account's pipelines, stages, users, task types and custom fields", func(m *Main) command { return &SchemaCommand{m: m} }},
		{"template", "write an XLSX import template with dropdowns from the account's schema", func(m *Main) command { return &TemplateCommand{m: m} }},
		{"serve", "serve the browser page (drop a file, map, fix, import, export) with a proxy to the account", func(m *Main) command { return &ServeCommand{m: m} }},
		{"emulator", "run a local Kommo API v4 emulator to try the tool on", func(m *Main) command { return &EmulatorCommand{m: m} }},
		{"demo", "run a short session against the built-in emulator and show the result", func(m *Main) command { return &DemoCommand{m: m} }},
		{"version", "print the version", func(m *Main) command { return &VersionCommand{m: m} }},
	}
}

// Run runs the command named by args[0] and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return m.Run(ctx, []string{args[1], "-h"})
		}
		m.usage(m.Stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range m.commands() {
		if c.name != args[0] {
			continue
		}
		cmd := c.new(m)
		err := cmd.Run(ctx, args[1:])
		code := m.exitCode(err)
		if jc, ok := cmd.(jsonCommand); ok && code != exitOK && jc.jsonOutput() {
			if werr := writeJSONFailure(m.Stdout, err, m.failureOf(err)); werr != nil {
				fmt.Fprintln(m.Stderr, "kommo-bulk: writing the JSON error:", werr)
			}
		}
		return code
	}
	fmt.Fprintf(m.Stderr, "kommo-bulk: unknown command %q\n", args[0])
	fmt.Fprintln(m.Stderr, "Try: kommo-bulk help")
	return exitUsage
}

// exitCode prints a failed command's message on stderr and returns the
// exit code (failureOf classifies).
func (m *Main) exitCode(err error) int {
	f := m.failureOf(err)
	if f == nil {
		return exitOK
	}
	if f.Code != "row_errors" { // the command has listed the rows itself
		fmt.Fprintln(m.Stderr, "kommo-bulk:", f.Message)
		if f.Hint != "" {
			fmt.Fprintln(m.Stderr, "Try:", f.Hint)
		}
	}
	return f.Exit
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, `kommo-bulk moves data in and out of Kommo CRM in bulk.

Usage:

	kommo-bulk <command> [flags]

Commands:`)
	for _, c := range m.commands() {
		fmt.Fprintf(w, "\t%-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, `
Run "kommo-bulk <command> -h" for a command's flags.

Exit codes: 0 done, 1 failed, 2 bad usage, 3 finished with row errors,
75 stopped because Kommo asked to wait (429): resume or run again later,
130/143 stopped by a second Ctrl-C/SIGTERM (the first one stops cleanly, exit 1).`)
}

// usageError is a mistake in the command line; it exits with code 2.
type usageError struct {
	msg, hint string
}

func (e *usageError) Error() string { return e.msg }

// newFlagSet returns a flag set that prints usage to m.Stderr and never
// exits the process.
func (m *Main) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: kommo-bulk %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; a parse error becomes a usageError.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error(), hint: "kommo-bulk " + fs.Name() + " -h"}
	}
	return nil
}

// version is set by the linker (-ldflags "-X main.version=...").
var version = "dev"

// VersionCommand prints the version.
type VersionCommand struct{ m *Main }

// Run prints the version.
func (c *VersionCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("version", "version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(c.m.Stdout, "kommo-bulk", version)
	return nil
}
