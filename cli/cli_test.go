package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// testOptions make reports that do not depend on the build, the day or the
// checkout: the fixtures' expiry dates are read on 2026-11-25, and report
// paths are relative to the checkout (the repository the fixtures are in:
// .tf files outside the repository are not read).
var testOptions = Options{
	Version:  "test",
	Now:      func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	repoRoot: func(string) string { return checkout },
}

// checkout is the root of the checkout, absolute: tests change directory.
var checkout = func() string {
	abs, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return abs
}()

type result struct {
	code           int
	stdout, stderr string
}

func run(o Options, stdin string, args ...string) result {
	var stdout, stderr bytes.Buffer
	code := o.Main(args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// wantOneLineError checks the contract for every usage and input error:
// ExitError, nothing on stdout, one line "returnpath: …" on stderr.
func wantOneLineError(t *testing.T, r result, contains string) {
	t.Helper()
	if r.code != ExitError {
		t.Errorf("exit %d, want %d", r.code, ExitError)
	}
	if r.stdout != "" {
		t.Errorf("stdout not empty: %q", r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "returnpath: ") || !strings.HasSuffix(r.stderr, "\n") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr is not one line \"returnpath: …\": %q", r.stderr)
	}
	if !strings.Contains(r.stderr, contains) {
		t.Errorf("stderr %q does not name %q", r.stderr, contains)
	}
	for _, cmd := range []string{"check", "comment", "fix", "serve", "help"} {
		if strings.Contains(r.stderr, cmd+": "+cmd+":") {
			t.Errorf("stderr names the command twice: %q", r.stderr)
		}
	}
	if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stderr shows a panic: %q", r.stderr)
	}
}

// fake replaces plan.Load and checks.Run.
func fake(findings ...checks.Finding) Options {
	o := testOptions
	o.load = func(name string, stdin io.Reader, dir string, _ int64) (*plan.Model, error) {
		return &plan.Model{
			Info:    plan.Info{FormatVersion: "1.2", TerraformVersion: "1.11.4", Resources: 3},
			Planned: &plan.Network{NACLs: []*plan.NACL{{Address: "aws_network_acl.a"}}},
		}, nil
	}
	o.run = func(context.Context, *plan.Model, checks.Config) ([]checks.Finding, error) { return findings, nil }
	return o
}

func finding(rule string, sev checks.Severity, status checks.Status) checks.Finding {
	return checks.Finding{Rule: rule, Severity: sev, Resource: "aws_network_acl.a", Status: status, Message: rule + " message"}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"--help"}, {"-h"}, {"-help"}, {"help", "check"},
		{"check", "--help"}, {"check", "-h"}, {"check", "plan.json", "--help"},
	} {
		r := run(testOptions, "", args...)
		if r.code != ExitOK || r.stderr != "" || !strings.Contains(r.stdout, "Usage") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	r := run(testOptions, "", "check", "--help")
	for _, want := range []string{"-format", "-fail-on", "-only-new", "-chdir", "-no-color", "-config FILE", "-no-ignores", "text ", "json "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("check --help lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	want := fmt.Sprintf("returnpath test\ncommit: %s\ndate: %s\ngo: %s %s/%s\n",
		BuildOf("test").Commit, BuildOf("test").Date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := run(testOptions, "", args...)
		if r.code != ExitOK || r.stdout != want || r.stderr != "" {
			t.Errorf("%q: %+v, want stdout %q", args, r, want)
		}
	}
	if v := Version(); v == "" {
		t.Error("Version() is empty")
	}
	r := run(Options{}, "", "version")
	if !strings.HasPrefix(r.stdout, "returnpath "+Version()+"\n") {
		t.Errorf("default version: %q", r.stdout)
	}
}

// TestBuildStamps: the values the release build links in win over what
// the go command recorded, and nothing is ever printed empty.
func TestBuildStamps(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "v1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-12-06T16:00:00Z"
	var out strings.Builder
	BuildOf(Version()).Print(&out)
	want := "returnpath v1.2.3\ncommit: 0123456789abcdef0123456789abcdef01234567\ndate: 2026-12-06T16:00:00Z\ngo: " +
		runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	version, commit, date = "", "", ""
	b := BuildOf(Version())
	if b.Version == "" || b.Commit == "" || b.Date == "" || b.Go != runtime.Version() {
		t.Errorf("without link-time values: %+v", b)
	}
}

func TestUsageErrors(t *testing.T) {
	o := testOptions
	o.load = func(string, io.Reader, string, int64) (*plan.Model, error) {
		t.Error("a usage error loaded the plan")
		return nil, errors.New("unreachable")
	}
	for _, tc := range []struct {
		args     []string
		contains string
	}{
		{nil, "no command"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--frob"}, "--frob"},
		{[]string{"version", "extra"}, "extra"},
		{[]string{"help", "frob"}, "frob"},
		{[]string{"check"}, "returnpath: check: missing PLAN"},
		{[]string{"check", "--frob", "plan.json"}, "check: flag provided but not defined: --frob"},
		{[]string{"check", "plan.json", "-frob"}, "check: flag provided but not defined: --frob"},
		{[]string{"check", "--format"}, "check: flag needs an argument: --format"},
		{[]string{"check", "--format", "xml", "plan.json"}, `"xml"`},
		{[]string{"check", "--fail-on", "fatal", "plan.json"}, `"fatal"`},
		{[]string{"check", "--only-new=maybe", "plan.json"}, `invalid boolean value "maybe" for --only-new`},
		{[]string{"check", "a.json", "-", "b.json"}, "standard input cannot be one of several plans"},
		{[]string{"check", "--context", "", "plan.json"}, "context"},
		{[]string{"comment"}, "returnpath: comment: missing PLAN"},
		{[]string{"fix"}, "returnpath: fix: missing PLAN"},
		{[]string{"comment", "--pr"}, "comment: flag needs an argument: --pr"},
		{[]string{"serve", "--workers", "x"}, `serve: invalid value "x" for flag --workers`},
		{[]string{"check", "--chdir", "testdata/no-such-dir", "plan.json"}, "testdata/no-such-dir"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			wantOneLineError(t, run(o, "", tc.args...), tc.contains)
		})
	}
}

func TestExitCodes(t *testing.T) {
	errNew := finding("RP001", checks.Error, checks.New)
	errOld := finding("RP002", checks.Error, checks.Existing)
	warn := finding("RP006", checks.Warning, checks.New)
	note := finding("RP007", checks.Notice, checks.New)
	for _, tc := range []struct {
		name     string
		findings []checks.Finding
		flags    []string
		want     int
	}{
		{"clean", nil, nil, ExitOK},
		{"error", []checks.Finding{errNew}, nil, ExitFindings},
		{"warning below default", []checks.Finding{warn, note}, nil, ExitOK},
		{"fail-on warning", []checks.Finding{warn}, []string{"--fail-on", "warning"}, ExitFindings},
		{"fail-on warning, notice", []checks.Finding{note}, []string{"--fail-on", "warning"}, ExitOK},
		{"fail-on notice", []checks.Finding{note}, []string{"--fail-on=notice"}, ExitFindings},
		{"fail-on never", []checks.Finding{errNew}, []string{"--fail-on", "never"}, ExitOK},
		{"existing error", []checks.Finding{errOld}, nil, ExitFindings},
		{"only-new drops existing", []checks.Finding{errOld, warn}, []string{"--only-new"}, ExitOK},
		{"only-new keeps new", []checks.Finding{errOld, errNew}, []string{"--only-new"}, ExitFindings},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, format := range []string{"text", "json"} {
				args := append([]string{"check", "--format", format}, tc.flags...)
				r := run(fake(tc.findings...), "", append(args, "plan.json")...)
				if r.code != tc.want || r.stderr != "" || r.stdout == "" {
					t.Errorf("%s: exit %d (want %d), stderr %q, stdout %q", format, r.code, tc.want, r.stderr, r.stdout)
				}
			}
		})
	}
}

func TestOnlyNewOutput(t *testing.T) {
	o := fake(finding("RP001", checks.Error, checks.Existing), finding("RP006", checks.Warning, checks.New))
	r := run(o, "", "check", "--only-new", "--format", "json", "plan.json")
	if strings.Contains(r.stdout, "RP001") || !strings.Contains(r.stdout, "RP006") || !strings.Contains(r.stdout, `"errors": 0`) {
		t.Errorf("--only-new json:\n%s", r.stdout)
	}
	r = run(o, "", "check", "plan.json")
	if !strings.Contains(r.stdout, "RP001") || !strings.Contains(r.stdout, "1 error, 1 warning —") {
		t.Errorf("text:\n%s", r.stdout)
	}
}

func TestArguments(t *testing.T) {
	var loaded []string
	o := fake()
	load := o.load
	o.load = func(name string, stdin io.Reader, dir string, _ int64) (*plan.Model, error) {
		b, _ := io.ReadAll(stdin)
		loaded = append(loaded, name+"|"+string(b))
		return load(name, stdin, dir, 0)
	}
	for _, args := range [][]string{
		{"check", "p.json", "--format", "json", "--no-color"},
		{"check", "--chdir", ".", "--", "-"},
		{"check", "-"},
	} {
		if r := run(o, "stdin-data", args...); r.code != ExitOK {
			t.Errorf("%q: %+v", args, r)
		}
	}
	want := []string{"p.json|stdin-data", "-|stdin-data", "-|stdin-data"}
	if strings.Join(loaded, ",") != strings.Join(want, ",") {
		t.Errorf("loaded %q, want %q", loaded, want)
	}
	r := run(fake(), "", "check", "-")
	if r.stdout != "no return-path problems in 1 NACL\n" {
		t.Errorf("clean text: %q", r.stdout)
	}
	r = run(fake(), "", "check", "--format", "json", "-")
	if !strings.Contains(r.stdout, `"file": "<stdin>"`) || !strings.Contains(r.stdout, `"version": "test"`) {
		t.Errorf("json from stdin:\n%s", r.stdout)
	}
}

func TestColor(t *testing.T) {
	o := fake(finding("RP001", checks.Error, checks.New))
	// A bytes.Buffer is not a terminal: never colour, whatever the flags.
	if r := run(o, "", "check", "plan.json"); strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour on a non-terminal: %q", r.stdout)
	}
	// os.Pipe is not a terminal either.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if isTerminal(pw) {
		t.Error("a pipe is a terminal")
	}
	pw.Close()
}

func TestInternalError(t *testing.T) {
	o := testOptions
	o.load = func(string, io.Reader, string, int64) (*plan.Model, error) { panic("boom\nsecond line") }
	wantOneLineError(t, run(o, "", "check", "plan.json"), "internal error: boom; second line")

	o = fake(checks.Finding{Rule: "RP001", Resource: "aws_network_acl.a"}) // no severity: JSON refuses it
	r := run(o, "", "check", "--format", "json", "plan.json")
	wantOneLineError(t, r, "json report")
}

func TestLoadErrorNamesFile(t *testing.T) {
	o := testOptions
	o.load = func(string, io.Reader, string, int64) (*plan.Model, error) {
		return nil, errors.New("not JSON\nat offset 3")
	}
	wantOneLineError(t, run(o, "", "check", "p.json"), "p.json: not JSON; at offset 3")
}

func TestFailingStdout(t *testing.T) {
	var stderr bytes.Buffer
	code := fake().Main([]string{"check", "plan.json"}, strings.NewReader(""), failingWriter{}, &stderr)
	if code != ExitError || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestBadInputs runs the real plan.Load on malformed plans: each must be
// one line on stderr naming the file, nothing on stdout, exit 2.
func TestBadInputs(t *testing.T) {
	tmp := t.TempDir()
	nested := filepath.Join(tmp, "nested.json")
	if err := os.WriteFile(nested, bytes.Repeat([]byte("["), 100_000), 0o644); err != nil {
		t.Fatal(err)
	}
	deepObject := filepath.Join(tmp, "deep-object.json")
	deep := `{"format_version":"1.2","resource_changes":` + strings.Repeat(`{"a":`, 100_000)
	if err := os.WriteFile(deepObject, []byte(deep), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, file string }{
		{"empty", "testdata/empty.json"},
		{"not JSON", "testdata/not-json.json"},
		{"truncated", "testdata/truncated.json"},
		{"array", "testdata/array.json"},
		{"state file", "testdata/state.json"},
		{"format 2.0", "testdata/format-2.json"},
		{"wrongly typed field", "testdata/wrong-type.json"},
		{"log stream", "testdata/log-stream.json"},
		{"deeply nested", nested},
		{"deeply nested object", deepObject},
		{"binary", "testdata/binary.bin"},
		{"zip, not a plan", "testdata/not-a-plan.zip"},
		{"missing file", "testdata/no-such-plan.json"},
		{"directory", "testdata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantOneLineError(t, run(testOptions, "", "check", tc.file), tc.file)
			wantOneLineError(t, run(testOptions, "", "check", "--format", "json", tc.file), tc.file)
		})
	}
	t.Run("stdin", func(t *testing.T) {
		for _, file := range []string{"testdata/empty.json", "testdata/not-json.json", "testdata/log-stream.json"} {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			wantOneLineError(t, run(testOptions, string(data), "check", "-"), "<stdin>")
		}
	})
	t.Run("log stream says so", func(t *testing.T) {
		r := run(testOptions, "", "check", "testdata/log-stream.json")
		if !strings.Contains(r.stderr, "terraform show -json") {
			t.Errorf("log-stream message does not say how to get the plan JSON: %q", r.stderr)
		}
	})
}

// TestJUnitAgreesWithTheGate: a plan with only a notice passes the
// default gate, and its JUnit report has no failure; under --fail-on
// notice both fail.
func TestJUnitAgreesWithTheGate(t *testing.T) {
	const plan = "../fixtures/ephemeral-only/plan.json" // one RP007 notice
	for _, tc := range []struct {
		flags    []string
		code     int
		failures string
	}{
		{nil, ExitOK, `failures="0"`},
		{[]string{"--fail-on", "notice"}, ExitFindings, `failures="1"`},
	} {
		r := run(testOptions, "", append(append([]string{"check", "--format", "junit"}, tc.flags...), plan)...)
		first := strings.SplitN(r.stdout, "\n", 3)[1] // the <testsuites> line
		if r.code != tc.code || !strings.Contains(first, tc.failures) || strings.Contains(r.stdout, `<property name="returnpath.finding" value="notice RP007 new: `) != (tc.code == ExitOK) {
			t.Errorf("%v: exit %d (want %d), %s (want %s)\n%s", tc.flags, r.code, tc.code, first, tc.failures, r.stdout)
		}
	}
}

func TestMaxPlanBytes(t *testing.T) {
	planFile := "../fixtures/icmp-pmtud/plan.json"
	r := run(testOptions, "", "check", "--max-plan-bytes", "1KiB", planFile)
	wantOneLineError(t, r, planFile+": is 14986 bytes, more than the limit of 1 KiB for a plan (raise it with --max-plan-bytes)")
	if r := run(testOptions, "", "check", "--max-plan-bytes", "1MiB", planFile); r.code == ExitError {
		t.Errorf("a plan under the limit: %+v", r)
	}
	data, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, run(testOptions, string(data), "check", "--max-plan-bytes", "1000", "-"), "<stdin>: is larger than the limit of 1000 bytes")
	wantOneLineError(t, run(testOptions, "", "check", "--max-plan-bytes", "0", planFile), "want a positive number of bytes")
	if r := run(testOptions, "", "help", "check"); !strings.Contains(r.stdout, "(default 1GiB)") {
		t.Errorf("check --help does not show the default limit:\n%s", r.stdout)
	}
}
